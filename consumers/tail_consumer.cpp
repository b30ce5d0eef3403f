#include "consumers/tail_consumer.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "consumers/batch_consumer.hpp"
#include "schemas/ids.hpp"

namespace agentstudio::kafka {

TailConsumer::TailConsumer(ConfigMap properties, const std::vector<std::string>& topics,
                           std::chrono::milliseconds timeout) {
  // librdkafka wants a group id even for assign(); it is never used with the
  // broker because this consumer neither subscribes nor commits.
  properties["group.id"] = "tail-" + schemas::NewMessageId();
  properties["enable.auto.commit"] = "false";
  properties["enable.auto.offset.store"] = "false";
  properties.emplace("fetch.wait.max.ms", "100");
  properties.emplace("fetch.min.bytes", "1");
  std::string error;
  auto conf = MakeConf(properties);
  consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), error));
  if (!consumer_) throw std::runtime_error("cannot create Kafka consumer: " + error);

  std::vector<RdKafka::TopicPartition*> partitions;
  for (const std::string& topic : topics) {
    std::unique_ptr<RdKafka::Topic> handle(
        RdKafka::Topic::create(consumer_.get(), topic, nullptr, error));
    RdKafka::Metadata* raw = nullptr;
    const RdKafka::ErrorCode code =
        consumer_->metadata(false, handle.get(), &raw, static_cast<int>(timeout.count()));
    std::unique_ptr<RdKafka::Metadata> metadata(raw);
    if (code != RdKafka::ERR_NO_ERROR || metadata->topics()->empty() ||
        metadata->topics()->front()->err() != RdKafka::ERR_NO_ERROR) {
      RdKafka::TopicPartition::destroy(partitions);
      throw std::runtime_error("cannot read the partitions of " + topic + ": " +
                               RdKafka::err2str(code));
    }
    for (const auto* partition : *metadata->topics()->front()->partitions()) {
      partitions.push_back(
          RdKafka::TopicPartition::create(topic, partition->id(), RdKafka::Topic::OFFSET_END));
    }
  }
  const RdKafka::ErrorCode code = consumer_->assign(partitions);
  RdKafka::TopicPartition::destroy(partitions);
  if (code != RdKafka::ERR_NO_ERROR) {
    throw std::runtime_error("cannot assign partitions: " + RdKafka::err2str(code));
  }
}

TailConsumer::~TailConsumer() { consumer_->close(); }

std::vector<InboundMessage> TailConsumer::Poll(std::chrono::milliseconds wait, size_t max) {
  std::vector<InboundMessage> out;
  int wait_ms = static_cast<int>(wait.count());
  while (out.size() < max) {
    std::unique_ptr<RdKafka::Message> message(consumer_->consume(wait_ms));
    wait_ms = 0;
    if (message->err() == RdKafka::ERR_NO_ERROR) {
      out.push_back(CopyMessage(*message));
      continue;
    }
    if (message->err() != RdKafka::ERR__TIMED_OUT &&
        message->err() != RdKafka::ERR__PARTITION_EOF) {
      spdlog::warn("tail consumer: {}", message->errstr());
    }
    break;
  }
  return out;
}

TailReader::TailReader(ConfigMap properties, const std::vector<std::string>& topics,
                       Handler on_message)
    : consumer_(std::move(properties), topics), on_message_(std::move(on_message)) {}

TailReader::~TailReader() { Stop(); }

void TailReader::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    while (!stop_) {
      for (const InboundMessage& message : consumer_.Poll(std::chrono::milliseconds(100))) {
        on_message_(message);
      }
    }
  });
}

void TailReader::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

}  // namespace agentstudio::kafka
