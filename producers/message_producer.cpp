#include "producers/message_producer.hpp"

#include <spdlog/spdlog.h>

#include <future>
#include <stdexcept>

namespace agentstudio::kafka {
namespace {

struct Pending {
  DeliveryCallback done;
};

bool IsTooLarge(RdKafka::ErrorCode code) {
  return code == RdKafka::ERR_MSG_SIZE_TOO_LARGE || code == RdKafka::ERR_RECORD_LIST_TOO_LARGE;
}

bool IsRetryable(RdKafka::ErrorCode code) {
  switch (code) {
    case RdKafka::ERR_MSG_SIZE_TOO_LARGE:
    case RdKafka::ERR_RECORD_LIST_TOO_LARGE:
    case RdKafka::ERR_TOPIC_AUTHORIZATION_FAILED:
    case RdKafka::ERR_TOPIC_EXCEPTION:  // a name no topic can have
    case RdKafka::ERR__INVALID_ARG:
      return false;
    default:
      return true;
  }
}

}  // namespace

void MessageProducer::DeliveryReports::dr_cb(RdKafka::Message& message) {
  std::unique_ptr<Pending> pending(static_cast<Pending*>(message.msg_opaque()));
  if (!pending) return;
  DeliveryResult result;
  result.ok = message.err() == RdKafka::ERR_NO_ERROR;
  if (!result.ok) {
    result.error = message.errstr();
    result.retryable = IsRetryable(message.err());
    result.too_large = IsTooLarge(message.err());
    result.possibly_stored = message.status() == RdKafka::Message::MSG_STATUS_POSSIBLY_PERSISTED;
  }
  result.partition = message.partition();
  result.offset = message.offset();
  pending->done(result);
}

void MessageProducer::Errors::event_cb(RdKafka::Event& event) {
  if (event.type() == RdKafka::Event::EVENT_ERROR) {
    if (event.fatal()) {
      spdlog::critical("kafka producer fatal error: {}", event.str());
    } else if (event.err() != RdKafka::ERR__TRANSPORT &&
               event.err() != RdKafka::ERR__ALL_BROKERS_DOWN) {
      spdlog::warn("kafka producer: {}", event.str());
    } else {
      spdlog::debug("kafka producer: {}", event.str());
    }
  }
}

MessageProducer::MessageProducer(ConfigMap properties, std::chrono::milliseconds delivery_timeout,
                                 WhenQueueFull when_full)
    : when_full_(when_full) {
  properties.emplace("enable.idempotence", "true");
  properties.emplace("acks", "all");
  properties.emplace("linger.ms", "1");
  properties.emplace("retry.backoff.ms", "100");
  // Java clients' partitioner: a key lands on the same partition whichever
  // client produced it (docs/kafka.md).
  properties.emplace("partitioner", "murmur2_random");
  properties["message.timeout.ms"] = std::to_string(delivery_timeout.count());
  auto conf = MakeConf(properties);
  std::string error;
  conf->set("dr_cb", &reports_, error);
  conf->set("event_cb", &errors_, error);
  producer_.reset(RdKafka::Producer::create(conf.get(), error));
  if (!producer_) throw std::runtime_error("cannot create Kafka producer: " + error);
  poller_ = std::thread([this] { PollLoop(); });
}

MessageProducer::~MessageProducer() {
  producer_->flush(5000);
  stopping_ = true;
  poller_.join();
  // Reports still outstanding are failed so no caller waits forever; their
  // callbacks run here (flush serves them), never after the destructor.
  producer_->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
  producer_->flush(1000);
}

void MessageProducer::PollLoop() {
  while (!stopping_) producer_->poll(50);
}

void MessageProducer::Send(const std::string& topic, const std::string& key,
                           const std::string& payload, const Headers& headers,
                           DeliveryCallback done) {
  RdKafka::Headers* kafka_headers = RdKafka::Headers::create();
  for (const auto& [name, value] : headers) kafka_headers->add(name, value);
  auto pending = std::make_unique<Pending>(Pending{std::move(done)});
  Pending* raw = pending.get();
  for (;;) {
    const RdKafka::ErrorCode code =
        producer_->produce(topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                           const_cast<char*>(payload.data()), payload.size(), key.data(),
                           key.size(), 0, kafka_headers, raw);
    if (code == RdKafka::ERR_NO_ERROR) {
      pending.release();  // owned by the delivery report now, with the headers
      return;
    }
    if (code == RdKafka::ERR__QUEUE_FULL && when_full_ == WhenQueueFull::kWait && !stopping_) {
      // Back-pressure: the poll thread drains reports; wait for room.
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    delete kafka_headers;
    DeliveryResult result;
    result.error = RdKafka::err2str(code);
    result.retryable = IsRetryable(code);
    result.too_large = IsTooLarge(code);
    pending->done(result);
    return;
  }
}

DeliveryResult MessageProducer::SendAndWait(const std::string& topic, const std::string& key,
                                            const std::string& payload, const Headers& headers) {
  auto promise = std::make_shared<std::promise<DeliveryResult>>();
  auto future = promise->get_future();
  Send(topic, key, payload, headers,
       [promise](const DeliveryResult& result) { promise->set_value(result); });
  return future.get();
}

bool MessageProducer::Flush(std::chrono::milliseconds timeout) {
  return producer_->flush(static_cast<int>(timeout.count())) == RdKafka::ERR_NO_ERROR;
}

std::optional<bool> MessageProducer::TopicExists(const std::string& topic,
                                                 std::chrono::milliseconds timeout) {
  std::string error;
  std::unique_ptr<RdKafka::Topic> handle(
      RdKafka::Topic::create(producer_.get(), topic, nullptr, error));
  if (!handle) return std::nullopt;
  RdKafka::Metadata* raw = nullptr;
  const RdKafka::ErrorCode code =
      producer_->metadata(false, handle.get(), &raw, static_cast<int>(timeout.count()));
  std::unique_ptr<RdKafka::Metadata> metadata(raw);
  if (code != RdKafka::ERR_NO_ERROR || !metadata || metadata->topics()->empty())
    return std::nullopt;
  const RdKafka::ErrorCode topic_code = metadata->topics()->front()->err();
  if (topic_code == RdKafka::ERR_UNKNOWN_TOPIC_OR_PART) return false;
  return topic_code == RdKafka::ERR_NO_ERROR ? std::optional<bool>(true) : std::nullopt;
}

bool MessageProducer::Ping(std::chrono::milliseconds timeout) {
  RdKafka::Metadata* metadata = nullptr;
  const RdKafka::ErrorCode code =
      producer_->metadata(false, nullptr, &metadata, static_cast<int>(timeout.count()));
  delete metadata;
  return code == RdKafka::ERR_NO_ERROR;
}

}  // namespace agentstudio::kafka
