#include "consumers/scheduler_consumer.hpp"

#include <spdlog/spdlog.h>

#include <thread>

#include "agentstudio/v1/workflow_command.pb.h"
#include "agentstudio/v1/workflow_event.pb.h"
#include "consumers/workflow_event_feed.hpp"
#include "engine/timestamp.hpp"
#include "faults/fault_point.hpp"
#include "schemas/command_codec.hpp"
#include "schemas/message_decoding.hpp"
#include "schemas/struct_json.hpp"

namespace agentstudio::kafka {

SchedulerConsumer::SchedulerConsumer(ConfigMap properties, const Topics& topics,
                                     store::SessionPool& pool, MessageProducer& dlq_producer,
                                     size_t max_batch, std::chrono::milliseconds dedup_window,
                                     size_t cached_tasks, std::chrono::milliseconds linger)
    : pool_(pool),
      handler_(topics, dedup_window),
      dead_letters_(dlq_producer, topics),
      applier_(pool, dead_letters_, "scheduler",
               [this](const PoisonMessage& letter) { AnnounceIfStart(letter); }),
      dlq_producer_(dlq_producer),
      topics_(topics),
      cached_tasks_(cached_tasks),
      cache_(cached_tasks),
      consumer_(std::move(properties),
                BatchConsumerOptions{
                    .group_id = topics.prefix() + "schedulers",
                    .topics = {topics.commands(), topics.task_events()},
                    .max_batch = max_batch,
                    .max_wait = std::chrono::milliseconds(100),
                    .linger = linger,
                    // What another scheduler writes next is not seen here.
                    .on_revoke = [this](const std::vector<TopicPartition>&) { cache_.Clear(); }}) {}

bool SchedulerConsumer::ApplyBatch(const std::vector<InboundMessage>& batch,
                                   const std::atomic<bool>& stop) {
  const uint64_t retried_before = applier_.retried();
  const bool applied = applier_.ApplyAll(
      batch,
      [this](soci::session& s, BatchApplier::Slice slice) -> BatchApplier::AfterCommit {
        SchedulerBatchResult r =
            handler_.Apply(s, slice, engine::WallClockNow(), cached_tasks_ > 0 ? &cache_ : nullptr);
        // Dead letters go out after the transaction (once, not once per
        // retry) and before the offsets: a crash between re-sends them.
        return [this, r = std::move(r)]() mutable {
          // Runs once: when what follows fails, the slice is applied again
          // and makes a new step.
          for (engine::WorkflowState& state : r.states) cache_.Put(std::move(state));
          dead_letters_.PublishAll(r.poison);
          for (const PoisonMessage& letter : r.poison) AnnounceIfStart(letter);
          counters_.applied += r.applied;
          counters_.redelivered += r.redelivered;
          counters_.duplicates += r.duplicates;
          counters_.stale += r.stale;
        };
      },
      stop);
  counters_.retried_batches += applier_.retried() - retried_before;
  counters_.cache_hits = cache_.hits();
  counters_.cache_misses = cache_.misses();
  counters_.cached_tasks = cache_.tasks();
  if (applied) {
    ++counters_.batches;
    counters_.dead_lettered = dead_letters_.published();
  }
  return applied;
}

void SchedulerConsumer::AnnounceIfStart(const PoisonMessage& letter) {
  if (letter.message->topic != topics_.commands()) return;
  auto decoded = schemas::DecodeWorkflowCommand(letter.message->payload);
  const auto* command = std::get_if<agentstudio::v1::WorkflowCommand>(&decoded);
  if (command == nullptr || command->kind_case() != agentstudio::v1::WorkflowCommand::kStart ||
      command->workflow_id().empty()) {
    return;
  }
  // Best effort: if it is lost, a front door forgets the accepted execution
  // only when its cache is full, and waits end at their deadline.
  agentstudio::v1::WorkflowEvent event;
  event.set_schema_version(schemas::kSchemaVersion);
  event.set_workflow_id(command->workflow_id());
  event.set_sequence(1);
  event.set_type(std::string(kWorkflowRejectedEvent));
  *event.mutable_timestamp() = schemas::ToTimestamp(engine::WallClockNow());
  event.set_severity("Error");
  *event.mutable_data() = schemas::ToStruct(
      nlohmann::json{{"workflowId", command->workflow_id()}, {"error", letter.reason}});
  event.set_workflow_status(std::string(engine::ToString(engine::WorkflowStatus::kFailed)));
  dlq_producer_.Send(topics_.workflow_events(), command->workflow_id(), event.SerializeAsString(),
                     {{"correlation-id", command->workflow_id()}},
                     [id = command->workflow_id()](const DeliveryResult& result) {
                       if (!result.ok) {
                         spdlog::warn("workflow {}: WorkflowRejected not published: {}", id,
                                      result.error);
                       }
                     });
}

void SchedulerConsumer::Run(const std::atomic<bool>& stop) {
  while (!stop) {
    const std::vector<InboundMessage> batch = consumer_.Poll();
    if (batch.empty()) continue;
    if (!ApplyBatch(batch, stop)) continue;
    faults::Reach(faults::kSchedulerAfterDatabaseCommit);
    consumer_.Commit(batch);
  }
  consumer_.Close();
}

}  // namespace agentstudio::kafka
