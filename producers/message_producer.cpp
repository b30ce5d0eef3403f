#include "producers/message_producer.hpp"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <future>
#include <stdexcept>

#include "engine/backoff.hpp"
#include "faults/fault_point.hpp"

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

namespace {

ConfigMap WithProducerDefaults(ConfigMap properties, std::chrono::milliseconds delivery_timeout) {
  properties.emplace("enable.idempotence", "true");
  properties.emplace("acks", "all");
  properties.emplace("linger.ms", "1");
  properties.emplace("retry.backoff.ms", "100");
  // Java clients' partitioner: a key lands on the same partition whichever
  // client produced it (docs/kafka.md).
  properties.emplace("partitioner", "murmur2_random");
  properties["message.timeout.ms"] = std::to_string(delivery_timeout.count());
  return properties;
}

}  // namespace

MessageProducer::MessageProducer(ConfigMap properties, std::chrono::milliseconds delivery_timeout,
                                 WhenQueueFull when_full)
    : when_full_(when_full),
      conf_(MakeConf(WithProducerDefaults(std::move(properties), delivery_timeout))) {
  std::string error;
  conf_->set("dr_cb", &reports_, error);
  conf_->set("event_cb", &errors_, error);
  producer_ = Create();
  poller_ = std::thread([this] { PollLoop(); });
}

MessageProducer::~MessageProducer() {
  Flush(std::chrono::seconds(5));
  stopping_ = true;
  poller_.join();
  // Reports still outstanding are failed so no caller waits forever; their
  // callbacks run here (flush serves them), never after the destructor.
  retired_.push_back(Current());
  for (const auto& client : retired_) {
    client->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
    client->flush(1000);
  }
}

std::shared_ptr<RdKafka::Producer> MessageProducer::Create() {
  std::string error;
  std::shared_ptr<RdKafka::Producer> client(RdKafka::Producer::create(conf_.get(), error));
  if (!client) throw std::runtime_error("cannot create Kafka producer: " + error);
  return client;
}

std::shared_ptr<RdKafka::Producer> MessageProducer::Current() const {
  std::lock_guard lock(mutex_);
  return producer_;
}

void MessageProducer::PollLoop() {
  // A client that fails within this long of its making is replaced after a
  // growing wait, so a cluster that fails every client at once (one that
  // refuses idempotence, say) does not get a new client every poll.
  constexpr std::chrono::seconds kShortLife(60);
  engine::Backoff backoff(std::chrono::milliseconds(100), std::chrono::seconds(10));
  using Clock = std::chrono::steady_clock;
  constexpr Clock::time_point kNotDue = Clock::time_point::max();
  Clock::time_point made_at = Clock::now();
  Clock::time_point replace_at = kNotDue;  // of the current client, once it failed
  while (!stopping_) {
    const std::shared_ptr<RdKafka::Producer> client = Current();
    client->poll(50);
    ServeRetired();
    std::string reason;
    if (client->fatal_error(reason) == RdKafka::ERR_NO_ERROR) continue;
    const Clock::time_point now = Clock::now();
    if (replace_at == kNotDue) {
      if (now - made_at >= kShortLife) backoff.Reset();
      replace_at = now + backoff.Next();
    }
    if (now < replace_at) continue;
    if (Replace(reason)) {
      made_at = now;
      replace_at = kNotDue;
    } else {
      replace_at = now + backoff.Next();
    }
  }
}

// A retired client's last reports: failures for what its fatal error purged
// from the queue, the broker's answers for what was in flight. It goes once
// no Send() holds it any more (Current() no longer hands it out, so the count
// only falls) and nothing of it is left: destroying a client with messages
// queued would drop their reports.
void MessageProducer::ServeRetired() {
  std::erase_if(retired_, [](const std::shared_ptr<RdKafka::Producer>& retired) {
    retired->poll(0);
    return retired.use_count() == 1 && retired->outq_len() == 0;
  });
  retired_count_ = retired_.size();
}

bool MessageProducer::Replace(const std::string& reason) {
  std::shared_ptr<RdKafka::Producer> fresh;
  try {
    fresh = Create();
  } catch (const std::exception& e) {
    // What made the first client makes this one; should it fail anyway, the
    // next poll tries again and senders keep waiting or failing as retryable.
    spdlog::error("kafka producer: no replacement for the failed client yet: {}", e.what());
    return false;
  }
  std::shared_ptr<RdKafka::Producer> failed;
  {
    std::lock_guard lock(mutex_);
    failed = std::exchange(producer_, std::move(fresh));
  }
  retired_.push_back(std::move(failed));
  retired_count_ = retired_.size();
  ++*replacements_;
  spdlog::error(
      "kafka producer replaced after a fatal error ({}); what it still held fails as retryable",
      reason);
  return true;
}

void MessageProducer::InjectFatalError(const std::string& reason) {
  rd_kafka_test_fatal_error(Current()->c_ptr(), RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER,
                            reason.c_str());
}

void MessageProducer::Send(const std::string& topic, const std::string& key,
                           const std::string& payload, const Headers& headers,
                           DeliveryCallback done) {
  if (faults::Reach(faults::kProducerFatalError))
    InjectFatalError("injected at " + std::string(faults::kProducerFatalError));
  RdKafka::Headers* kafka_headers = RdKafka::Headers::create();
  for (const auto& [name, value] : headers) kafka_headers->add(name, value);
  auto pending = std::make_unique<Pending>(Pending{std::move(done)});
  Pending* raw = pending.get();
  for (;;) {
    const RdKafka::ErrorCode code =
        Current()->produce(topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                           const_cast<char*>(payload.data()), payload.size(), key.data(),
                           key.size(), 0, kafka_headers, raw);
    if (code == RdKafka::ERR_NO_ERROR) {
      pending.release();  // owned by the delivery report now, with the headers
      return;
    }
    // Back-pressure: the poll thread drains reports, or replaces a client
    // that failed for good; wait for room or for the new client.
    const bool waits = code == RdKafka::ERR__QUEUE_FULL || code == RdKafka::ERR__FATAL;
    if (waits && when_full_ == WhenQueueFull::kWait && !stopping_) {
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
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const bool drained = Current()->flush(static_cast<int>(timeout.count())) == RdKafka::ERR_NO_ERROR;
  // Retired clients are the poll thread's: wait for it to serve them.
  while (retired_count_ > 0 && !stopping_ && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return drained && retired_count_ == 0;
}

std::optional<bool> MessageProducer::TopicExists(const std::string& topic,
                                                 std::chrono::milliseconds timeout) {
  const std::shared_ptr<RdKafka::Producer> client = Current();
  std::string error;
  std::unique_ptr<RdKafka::Topic> handle(
      RdKafka::Topic::create(client.get(), topic, nullptr, error));
  if (!handle) return std::nullopt;
  RdKafka::Metadata* raw = nullptr;
  const RdKafka::ErrorCode code =
      client->metadata(false, handle.get(), &raw, static_cast<int>(timeout.count()));
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
      Current()->metadata(false, nullptr, &metadata, static_cast<int>(timeout.count()));
  delete metadata;
  return code == RdKafka::ERR_NO_ERROR;
}

}  // namespace agentstudio::kafka
