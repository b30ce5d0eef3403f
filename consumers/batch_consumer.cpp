#include "consumers/batch_consumer.hpp"

#include <spdlog/spdlog.h>

#include <map>
#include <stdexcept>

namespace agentstudio::kafka {

InboundMessage CopyMessage(RdKafka::Message& message) {
  InboundMessage out;
  out.topic = message.topic_name();
  out.partition = message.partition();
  out.offset = message.offset();
  const RdKafka::MessageTimestamp timestamp = message.timestamp();
  if (timestamp.type != RdKafka::MessageTimestamp::MSG_TIMESTAMP_NOT_AVAILABLE) {
    out.timestamp_ms = timestamp.timestamp;
  }
  if (message.key()) out.key = *message.key();
  if (message.payload()) {
    out.payload.assign(static_cast<const char*>(message.payload()), message.len());
  }
  if (const RdKafka::Headers* headers = message.headers()) {
    for (const RdKafka::Headers::Header& header : headers->get_all()) {
      if (header.value() != nullptr) {
        out.headers[header.key()] =
            std::string(static_cast<const char*>(header.value()), header.value_size());
      }
    }
  }
  return out;
}

namespace {

std::vector<TopicPartition> Names(const std::vector<RdKafka::TopicPartition*>& partitions) {
  std::vector<TopicPartition> names;
  names.reserve(partitions.size());
  for (const RdKafka::TopicPartition* p : partitions)
    names.emplace_back(p->topic(), p->partition());
  return names;
}

}  // namespace

void BatchConsumer::Rebalance::rebalance_cb(RdKafka::KafkaConsumer* consumer,
                                            RdKafka::ErrorCode err,
                                            std::vector<RdKafka::TopicPartition*>& partitions) {
  const BatchConsumerOptions& options = owner_.options_;
  ++owner_.rebalances_;
  owner_.received_since_assign_ = false;
  owner_.restart_at_.reset();
  owner_.restart_backoff_.Reset();  // a new assignment: its first restart comes soon
  if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
    consumer->assign(partitions);
    owner_.assigned_ = partitions.size();
    spdlog::info("consumer group {}: assigned {} partitions", options.group_id, partitions.size());
    if (options.on_assign) options.on_assign(Names(partitions));
  } else {
    if (options.on_revoke) options.on_revoke(Names(partitions));
    consumer->unassign();
    owner_.assigned_ = 0;
    spdlog::info("consumer group {}: partitions revoked", options.group_id);
  }
}

BatchConsumer::BatchConsumer(ConfigMap properties, BatchConsumerOptions options)
    : options_(std::move(options)) {
  properties["group.id"] = options_.group_id;
  properties["enable.auto.commit"] = "false";
  properties.emplace("auto.offset.reset", "earliest");
  properties.emplace("session.timeout.ms", "10000");
  properties.emplace("heartbeat.interval.ms", "1000");
  // A broker answers a fetch as soon as fetch.min.bytes are there; the wait
  // only bounds an idle fetch, and how long a seek or a new assignment waits
  // for the fetch in flight (docs/kafka.md).
  properties.emplace("fetch.wait.max.ms", "100");
  properties.emplace("fetch.min.bytes", "1");
  auto conf = MakeConf(properties);
  std::string error;
  conf->set("rebalance_cb", &rebalance_, error);
  consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), error));
  if (!consumer_) throw std::runtime_error("cannot create Kafka consumer: " + error);
  const RdKafka::ErrorCode code = consumer_->subscribe(options_.topics);
  if (code != RdKafka::ERR_NO_ERROR) {
    throw std::runtime_error("cannot subscribe: " + RdKafka::err2str(code));
  }
}

BatchConsumer::~BatchConsumer() { Close(); }

void BatchConsumer::Close() {
  if (closed_) return;
  closed_ = true;
  consumer_->close();
}

std::vector<InboundMessage> BatchConsumer::Poll() { return Poll(options_.max_batch); }

bool BatchConsumer::MayStallAssignment(const RdKafka::Message& error) const {
  // Errors at a fetched position concern messages, not the start of the
  // assignment; a poll-interval or fatal error ends the membership instead.
  // Only OFFSET_INVALID, the offset of an error about no message (the
  // Python SDK, which cannot tell negative offsets apart, takes them all).
  return assigned_ > 0 && !received_since_assign_ &&
         error.offset() == RdKafka::Topic::OFFSET_INVALID &&
         error.err() != RdKafka::ERR__MAX_POLL_EXCEEDED && error.err() != RdKafka::ERR__FATAL;
}

void BatchConsumer::RestartAssignment() {
  restart_at_.reset();
  std::vector<RdKafka::TopicPartition*> partitions;
  if (consumer_->assignment(partitions) != RdKafka::ERR_NO_ERROR || partitions.empty()) {
    RdKafka::TopicPartition::destroy(partitions);
    return;
  }
  // From the committed offsets, as a new assignment starts.
  for (RdKafka::TopicPartition* partition : partitions)
    partition->set_offset(RdKafka::Topic::OFFSET_INVALID);
  const RdKafka::ErrorCode code = consumer_->assign(partitions);
  ++restarts_;
  spdlog::warn(
      "consumer group {}: assigning its {} partitions again, nothing came since the "
      "assignment ({})",
      options_.group_id, partitions.size(), RdKafka::err2str(code));
  if (code == RdKafka::ERR_NO_ERROR && options_.on_assign) options_.on_assign(Names(partitions));
  RdKafka::TopicPartition::destroy(partitions);
}

std::vector<InboundMessage> BatchConsumer::Poll(size_t max) {
  if (restart_at_ && std::chrono::steady_clock::now() >= *restart_at_) RestartAssignment();
  std::vector<InboundMessage> batch;
  int wait_ms = static_cast<int>(options_.max_wait.count());
  std::chrono::steady_clock::time_point collect_until;
  while (batch.size() < max) {
    const uint64_t rebalances = rebalances_;
    std::unique_ptr<RdKafka::Message> message(consumer_->consume(wait_ms));
    // A batch never straddles a rebalance: what was collected before it may
    // belong to partitions no longer ours (or ours anew, to be read again
    // from the committed offset), so it is dropped, uncommitted.
    if (rebalances_ != rebalances) batch.clear();
    switch (message->err()) {
      case RdKafka::ERR_NO_ERROR:
        if (!received_since_assign_) restart_backoff_.Reset();
        received_since_assign_ = true;
        if (batch.empty()) collect_until = std::chrono::steady_clock::now() + options_.linger;
        batch.push_back(CopyMessage(*message));
        // After the first message, wait only for what the linger has left.
        wait_ms = static_cast<int>(std::max<int64_t>(
            0, std::chrono::ceil<std::chrono::milliseconds>(collect_until -
                                                            std::chrono::steady_clock::now())
                   .count()));
        continue;
      case RdKafka::ERR__TIMED_OUT:
      case RdKafka::ERR__PARTITION_EOF:
        return batch;
      case RdKafka::ERR__AUTO_OFFSET_RESET:
      case RdKafka::ERR_OFFSET_OUT_OF_RANGE:
        ++offset_resets_;
        spdlog::critical(
            "consumer group {}: offset reset on {} [{}]: messages were lost before they were "
            "consumed ({})",
            options_.group_id, message->topic_name(), message->partition(), message->errstr());
        return batch;
      default:
        spdlog::warn("consumer group {}: {}", options_.group_id, message->errstr());
        if (!restart_at_ && MayStallAssignment(*message)) {
          restart_at_ = std::chrono::steady_clock::now() + restart_backoff_.Next();
        }
        return batch;
    }
  }
  return batch;
}

void BatchConsumer::Rewind(const std::vector<InboundMessage>& unhandled) {
  std::map<std::pair<std::string, int32_t>, int64_t> first;
  for (const InboundMessage& message : unhandled) {
    const auto [at, added] = first.try_emplace({message.topic, message.partition}, message.offset);
    if (!added) at->second = std::min(at->second, message.offset);
  }
  for (const auto& [partition, offset] : first) {
    std::unique_ptr<RdKafka::TopicPartition> position(
        RdKafka::TopicPartition::create(partition.first, partition.second, offset));
    const RdKafka::ErrorCode code = consumer_->seek(*position, 5000);
    if (code != RdKafka::ERR_NO_ERROR) {
      spdlog::warn("consumer group {}: cannot rewind {} [{}] to {} ({})", options_.group_id,
                   partition.first, partition.second, offset, RdKafka::err2str(code));
    }
  }
}

bool BatchConsumer::Commit(const std::vector<InboundMessage>& batch) {
  Positions next;
  for (const InboundMessage& message : batch) {
    auto& offset = next[{message.topic, message.partition}];
    offset = std::max(offset, message.offset + 1);
  }
  return Commit(next);
}

void BatchConsumer::Pause() {
  std::vector<RdKafka::TopicPartition*> partitions;
  if (consumer_->assignment(partitions) == RdKafka::ERR_NO_ERROR && !partitions.empty())
    consumer_->pause(partitions);
  RdKafka::TopicPartition::destroy(partitions);
}

void BatchConsumer::Resume() {
  std::vector<RdKafka::TopicPartition*> partitions;
  if (consumer_->assignment(partitions) == RdKafka::ERR_NO_ERROR && !partitions.empty())
    consumer_->resume(partitions);
  RdKafka::TopicPartition::destroy(partitions);
}

bool BatchConsumer::Commit(const Positions& next) {
  if (next.empty()) return true;
  std::vector<RdKafka::TopicPartition*> offsets;
  for (const auto& [partition, offset] : next) {
    offsets.push_back(RdKafka::TopicPartition::create(partition.first, partition.second, offset));
  }
  const RdKafka::ErrorCode code = consumer_->commitSync(offsets);
  RdKafka::TopicPartition::destroy(offsets);
  if (code != RdKafka::ERR_NO_ERROR) {
    spdlog::warn("consumer group {}: offset commit failed ({}); the batch will be redelivered",
                 options_.group_id, RdKafka::err2str(code));
    return false;
  }
  return true;
}

}  // namespace agentstudio::kafka
