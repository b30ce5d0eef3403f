#include "producers/outbox_relay.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "agentstudio/v1/task_event.pb.h"
#include "engine/backoff.hpp"
#include "engine/timestamp.hpp"
#include "faults/fault_point.hpp"
#include "schemas/command_codec.hpp"
#include "schemas/message_decoding.hpp"
#include "schemas/struct_json.hpp"
#include "sql/outbox_store.hpp"

namespace agentstudio::kafka {
namespace {

// What a dead letter of the relay keeps of a payload Kafka refused (often
// for its size).
constexpr size_t kDeadLetterPayloadBytes = 64 * 1024;

}  // namespace

OutboxRelay::OutboxRelay(store::SessionPool& pool, MessageProducer& producer, Topics topics,
                         OutboxRelayOptions options, std::unique_ptr<store::CommitSignal> signal)
    : pool_(pool),
      producer_(producer),
      signal_(std::move(signal)),
      topics_(std::move(topics)),
      options_(options) {}

std::vector<DeliveryResult> OutboxRelay::SendAll(
    const std::vector<store::OutboxMessage>& messages) {
  std::vector<DeliveryResult> results(messages.size());
  std::mutex mutex;
  std::condition_variable all_reported;
  size_t outstanding = messages.size();
  for (size_t i = 0; i < messages.size(); ++i) {
    const store::OutboxMessage& m = messages[i];
    producer_.Send(m.topic, m.key, m.payload, m.headers, [&, i](const DeliveryResult& result) {
      std::lock_guard lock(mutex);
      results[i] = result;
      if (--outstanding == 0) all_reported.notify_one();
    });
  }
  std::unique_lock lock(mutex);
  all_reported.wait(lock, [&] { return outstanding == 0; });
  return results;
}

bool OutboxRelay::TopicMissing(const std::string& topic) {
  const auto now = std::chrono::steady_clock::now();
  if (known_topics_.count(topic)) return false;
  // Asked recently: missing, or the cluster did not say (then send, and let
  // the report tell). At most one question per topic per recheck period.
  if (const auto it = unsure_.find(topic); it != unsure_.end() && now < it->second.until)
    return it->second.missing;
  const std::optional<bool> exists = producer_.TopicExists(topic, std::chrono::seconds(2));
  if (exists == std::optional<bool>(true)) {
    unsure_.erase(topic);
    known_topics_.insert(topic);
    return false;
  }
  const bool missing = exists.has_value();
  unsure_[topic] = {now + options_.missing_topic_recheck, missing};
  if (missing)
    spdlog::warn("outbox relay: topic {} does not exist (yet); its messages wait", topic);
  return missing;
}

store::OutboxMessage OutboxRelay::InsteadOf(const store::OutboxRow& row, const std::string& error) {
  const bool task = row.message.topic.rfind(topics_.tasks(""), 0) == 0;
  auto decoded = task ? schemas::DecodeTaskMessage(row.message.payload)
                      : schemas::Decoded<agentstudio::v1::TaskMessage>(std::string());
  if (const auto* message = std::get_if<agentstudio::v1::TaskMessage>(&decoded)) {
    // The task fails for good with Kafka's reason, as if its agent had said
    // so: the scheduler fails the workflow and the REST answer shows why. A
    // fixed event id keeps a repeated refusal from applying twice.
    agentstudio::v1::TaskEvent event;
    event.set_schema_version(schemas::kSchemaVersion);
    event.set_event_id("dispatch-refused:" + message->task_id() + "#" +
                       std::to_string(message->attempt()));
    event.set_task_id(message->task_id());
    event.set_workflow_id(message->workflow_id());
    event.set_attempt(message->attempt());
    event.set_agent_id("outbox-relay");
    *event.mutable_timestamp() = schemas::ToTimestamp(engine::WallClockNow());
    event.mutable_error()->set_code("DISPATCH_REFUSED");
    event.mutable_error()->set_message("Kafka refused the task message for " + row.message.topic +
                                       " for good: " + error);
    event.mutable_error()->set_retryable(false);
    // No headers of the original: they may be what Kafka refused.
    return {topics_.task_events(), message->workflow_id(), event.SerializeAsString(), {}};
  }
  store::OutboxMessage dead{topics_.dlq(), row.message.key, row.message.payload, {}};
  dead.headers["x-source-topic"] = row.message.topic;
  dead.headers["x-dlq-reason"] = "Kafka refused it for good: " + error;
  if (dead.payload.size() > kDeadLetterPayloadBytes) {
    dead.headers["x-dlq-truncated-from"] = std::to_string(dead.payload.size());
    dead.payload.resize(kDeadLetterPayloadBytes);
  }
  return dead;
}

size_t OutboxRelay::RunOnce() {
  auto session = pool_.Acquire();
  try {
    soci::transaction tx(*session);
    const std::vector<store::OutboxRow> rows = store::ClaimOutbox(*session, options_.batch_size);
    if (rows.empty()) {
      tx.commit();
      return 0;
    }
    // Rows of a topic that does not exist wait with backoff: a send would
    // fail only after the whole message timeout, holding every row behind.
    std::vector<int64_t> postponed, done;
    std::vector<const store::OutboxRow*> sending;
    std::vector<store::OutboxMessage> messages;
    for (const store::OutboxRow& row : rows) {
      if (TopicMissing(row.message.topic)) {
        postponed.push_back(row.id);
      } else {
        sending.push_back(&row);
        messages.push_back(row.message);
      }
    }
    const std::vector<DeliveryResult> results = SendAll(messages);
    std::vector<const store::OutboxRow*> refused;
    std::vector<store::OutboxMessage> instead;
    std::string first_error;
    for (size_t i = 0; i < results.size(); ++i) {
      DeliveryResult result = results[i];
      if (!result.ok && !result.retryable) {
        // A broker refuses a whole batch for one message too large: on its
        // own, a row may well go through. Only one refused alone is.
        result = SendAll({sending[i]->message}).front();
      }
      if (result.ok) {
        done.push_back(sending[i]->id);
        continue;
      }
      if (first_error.empty()) first_error = result.error;
      if (result.retryable) {
        postponed.push_back(sending[i]->id);
      } else {
        spdlog::error("outbox relay: Kafka refused a message for {} for good: {}",
                      sending[i]->message.topic, result.error);
        refused.push_back(sending[i]);
        instead.push_back(InsteadOf(*sending[i], result.error));
      }
    }
    // A row Kafka refuses for good leaves the outbox once what replaces it
    // (its task's failure, or a dead letter) is durable; if Kafka refuses
    // that too, it leaves anyway, said loudly: kept, it could never go.
    const std::vector<DeliveryResult> replaced = SendAll(instead);
    for (size_t i = 0; i < replaced.size(); ++i) {
      if (!replaced[i].ok && replaced[i].retryable) {
        postponed.push_back(refused[i]->id);
        continue;
      }
      if (!replaced[i].ok) {
        spdlog::critical(
            "outbox relay: dropping a message for {}: Kafka refused it and what "
            "replaces it on {} for good ({})",
            refused[i]->message.topic, instead[i].topic, replaced[i].error);
      }
      done.push_back(refused[i]->id);
      ++refused_;
    }
    faults::Reach(faults::kRelayAfterSend);
    store::DeleteOutbox(*session, done);
    store::PostponeOutbox(*session, postponed);
    tx.commit();
    published_ += done.size();
    if (!postponed.empty()) {
      send_failures_ += postponed.size();
      spdlog::warn("outbox relay: {} of {} messages wait for a retry{}{}", postponed.size(),
                   rows.size(), first_error.empty() ? "" : ": ", first_error);
    }
    return done.size();
  } catch (const std::exception& error) {
    store::DatabaseError classified = store::ClassifyDatabaseError(error);
    session.ReconnectIfLost();
    throw classified;
  }
}

void OutboxRelay::Run(const std::atomic<bool>& stop) {
  engine::Backoff backoff(options_.error_backoff, std::chrono::seconds(5));
  while (!stop) {
    if (signal_) signal_->Drain();  // read even while busy (commit_signal.hpp)
    try {
      const size_t published = RunOnce();
      backoff.Reset();
      if (published > 0) continue;
      if (signal_) {
        signal_->Wait(options_.idle_wait);
      } else {
        std::this_thread::sleep_for(options_.idle_wait);
      }
    } catch (const std::exception& error) {
      const std::chrono::milliseconds wait = backoff.Next();
      spdlog::error("outbox relay: {} (next round in {} ms)", error.what(), wait.count());
      std::this_thread::sleep_for(wait);
    }
  }
  try {
    RunOnce();  // drain what the last scheduler commits left
  } catch (const std::exception& error) {
    spdlog::warn("outbox relay: final drain failed: {}", error.what());
  }
}

}  // namespace agentstudio::kafka
