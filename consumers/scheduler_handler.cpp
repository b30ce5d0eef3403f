#include "consumers/scheduler_handler.hpp"

#include <map>
#include <optional>
#include <set>
#include <variant>

#include "agentstudio/v1/task_event.pb.h"
#include "agentstudio/v1/workflow_command.pb.h"
#include "consumers/execution_writes.hpp"
#include "engine/decide.hpp"
#include "engine/planner.hpp"
#include "schemas/agent_codec.hpp"
#include "schemas/command_codec.hpp"
#include "schemas/message_decoding.hpp"
#include "sql/workflow_store.hpp"

namespace agentstudio::kafka {
namespace {

using Command = agentstudio::v1::WorkflowCommand;
using TaskEvent = agentstudio::v1::TaskEvent;

struct Decoded {
  const InboundMessage* message = nullptr;
  std::variant<Command, TaskEvent> body;
  std::string message_id;
  std::string workflow_id;
};

std::string JoinErrors(const engine::FieldErrors& errors) {
  std::string text;
  for (const auto& e : errors) {
    text += (text.empty() ? "" : "; ") + e.field + ": " + e.message + " (" + e.code + ")";
  }
  return text;
}

// Decodes one message, or explains why it cannot be processed.
std::variant<Decoded, std::string> Decode(const InboundMessage& message, const Topics& topics) {
  Decoded out;
  out.message = &message;
  if (auto oversized = OversizedReason(message)) return std::move(*oversized);
  if (message.topic == topics.commands()) {
    auto decoded = schemas::DecodeWorkflowCommand(message.payload);
    if (auto* reason = std::get_if<std::string>(&decoded)) return std::move(*reason);
    auto& command = std::get<Command>(decoded);
    out.message_id = "cmd:" + command.command_id();
    out.workflow_id = command.workflow_id();
    out.body = std::move(command);
    return out;
  }
  if (message.topic == topics.task_events()) {
    auto decoded = schemas::DecodeTaskEvent(message.payload);
    if (auto* reason = std::get_if<std::string>(&decoded)) return std::move(*reason);
    auto& event = std::get<TaskEvent>(decoded);
    out.message_id = "evt:" + event.event_id();
    out.workflow_id = event.workflow_id();
    out.body = std::move(event);
    return out;
  }
  return "unexpected topic " + message.topic;
}

// The engine input for a task event, or nullopt for kinds that change no state.
std::optional<engine::Input> ToInput(const TaskEvent& event, engine::TimeMs now) {
  switch (event.kind_case()) {
    case TaskEvent::kProgress: {
      engine::TaskProgressInput progress{event.task_id(), event.attempt(),
                                         event.progress().percentage(), event.progress().message(),
                                         now};
      if (event.progress().has_thought()) {
        progress.thought = schemas::AgentThoughtToJson(event.progress().thought());
      }
      return progress;
    }
    case TaskEvent::kCompletion:
      return engine::TaskCompletedInput{event.task_id(), event.attempt(),
                                        schemas::AgentResponseToJson(event.completion().response()),
                                        now};
    case TaskEvent::kError:
      return engine::TaskFailedInput{event.task_id(),           event.attempt(),
                                     event.error().code(),      event.error().message(),
                                     event.error().retryable(), now};
    case TaskEvent::kHandoff: {
      // The agent is done and hands the work on: a completion whose response
      // carries the handoff (the engine adds the step in `dynamic` workflows).
      agentstudio::v1::AgentResponse response;
      response.set_success(true);
      *response.mutable_handoff() = event.handoff().handoff();
      return engine::TaskCompletedInput{event.task_id(), event.attempt(),
                                        schemas::AgentResponseToJson(response), now};
    }
    case TaskEvent::kLog:
      return engine::TaskLogInput{event.task_id(), event.attempt(), event.log().level(),
                                  event.log().message(), now};
    case TaskEvent::KIND_NOT_SET:
      return std::nullopt;
  }
  return std::nullopt;
}

// The engine input of a cancel, pause or resume command.
engine::Input ControlInput(const Command& command, engine::TimeMs now) {
  switch (command.kind_case()) {
    case Command::kCancel:
      return engine::CancelInput{command.cancel().reason(), now};
    case Command::kPause:
      return engine::PauseInput{now};
    case Command::kCancelTask:
      return engine::CancelTaskInput{command.cancel_task().task_id(),
                                     command.cancel_task().reason(), now};
    default:
      return engine::ResumeInput{now};
  }
}

// Counts an outcome that needs no dead-lettering.
void Count(engine::Outcome outcome, SchedulerBatchResult& result) {
  switch (outcome) {
    case engine::Outcome::kApplied:
      ++result.applied;
      break;
    case engine::Outcome::kDuplicate:
      ++result.duplicates;
      break;
    case engine::Outcome::kStale:
    case engine::Outcome::kNotAllowed:  // the status changed since the request was checked
    case engine::Outcome::kUnknownTask:
      ++result.stale;
      break;
  }
}

// Locks and loads the executions with these ids: from `cache` those whose
// copy there is still current, the others from the store.
std::map<std::string, engine::WorkflowState> LoadLocked(soci::session& session,
                                                        const std::vector<std::string>& ids,
                                                        ExecutionCache* cache) {
  if (cache == nullptr) return store::LoadExecutions(session, ids, /*for_update=*/true);
  std::map<std::string, engine::WorkflowState> states;
  std::vector<std::string> missing;
  for (const auto& [id, stamp] : store::LockExecutions(session, ids)) {
    if (auto cached = cache->Take(id, stamp)) {
      states.emplace(id, std::move(*cached));
    } else {
      missing.push_back(id);
    }
  }
  states.merge(store::LoadExecutions(session, missing, /*for_update=*/false));
  return states;
}

// Runs the engine on `state` in place (moved in and back: a long workflow is
// not copied per message) and records an applied decision.
engine::Outcome DecideInPlace(engine::WorkflowState& state, const engine::Input& input,
                              ExecutionWrites& writes, const std::string& message_id,
                              const std::string& traceparent, engine::TimeMs now) {
  engine::Decision decision = engine::Decide(std::move(state), input);
  if (decision.outcome == engine::Outcome::kApplied) {
    writes.Record(decision, message_id, traceparent, now);
  }
  state = std::move(decision.state);
  return decision.outcome;
}

}  // namespace

SchedulerBatchResult SchedulerHandler::Apply(soci::session& session,
                                             std::span<const InboundMessage> batch,
                                             engine::TimeMs now, ExecutionCache* cache) const {
  SchedulerBatchResult result;
  std::vector<Decoded> decoded;
  for (const InboundMessage& message : batch) {
    if (message.timestamp_ms > 0 && message.timestamp_ms < now - dedup_window_.count()) {
      result.poison.push_back({&message, "older than the deduplication window (" +
                                             std::to_string(dedup_window_.count() / 1000) +
                                             " s): cannot tell whether it was applied before"});
      continue;
    }
    if (message.timestamp_ms > now + PruneMargin(dedup_window_).count()) {
      result.poison.push_back(
          {&message, "timestamped " + std::to_string((message.timestamp_ms - now) / 1000) +
                         " s in the future: its producer's clock is wrong, and it could not be "
                         "told from a message applied before once its id is pruned"});
      continue;
    }
    auto d = Decode(message, topics_);
    if (auto* reason = std::get_if<std::string>(&d)) {
      result.poison.push_back({&message, std::move(*reason)});
    } else {
      decoded.push_back(std::move(std::get<Decoded>(d)));
    }
  }

  std::vector<std::string> ids;
  for (const Decoded& d : decoded) ids.push_back(d.message_id);
  std::set<std::string> fresh = store::ClaimNewMessageIds(session, ids);

  std::vector<std::string> workflow_ids;
  for (const Decoded& d : decoded) {
    if (fresh.count(d.message_id)) workflow_ids.push_back(d.workflow_id);
  }
  std::map<std::string, engine::WorkflowState> states = LoadLocked(session, workflow_ids, cache);
  ExecutionWrites writes(topics_, states);

  for (const Decoded& d : decoded) {
    // extract() makes a redelivery inside the same batch a duplicate too.
    if (fresh.extract(d.message_id).empty()) {
      ++result.redelivered;
      continue;
    }
    const std::string traceparent = d.message->Header("traceparent");
    auto existing = states.find(d.workflow_id);

    if (const auto* command = std::get_if<Command>(&d.body)) {
      if (command->kind_case() == Command::KIND_NOT_SET) {
        result.poison.push_back({d.message, "command without kind"});
        continue;
      }
      if (command->kind_case() != Command::kStart) {
        if (existing == states.end()) {
          result.poison.push_back({d.message, "unknown workflow " + d.workflow_id});
          continue;
        }
        if (command->kind_case() == Command::kDelete) {
          if (engine::IsAllowed(engine::Control::kDelete, existing->second.status)) {
            writes.Forget(existing->second, traceparent, now);
            states.erase(existing);
            ++result.applied;
          } else {
            ++result.stale;  // it started running again since the request was checked
          }
          continue;
        }
        const engine::Outcome outcome = DecideInPlace(existing->second, ControlInput(*command, now),
                                                      writes, d.message_id, traceparent, now);
        if (outcome == engine::Outcome::kUnknownTask) {
          result.poison.push_back({d.message, "unknown task " + command->cancel_task().task_id() +
                                                  " of workflow " + d.workflow_id});
          continue;
        }
        Count(outcome, result);
        continue;
      }
      if (existing != states.end()) {
        ++result.duplicates;  // the execution exists: this start was applied before
        continue;
      }
      engine::ParsedWorkflowRequest request = schemas::ReadStartCommand(command->start());
      if (!request.ok()) {
        result.poison.push_back({d.message, "invalid workflow: " + JoinErrors(request.errors)});
        continue;
      }
      const std::vector<std::string> task_ids = schemas::TaskIdsOf(command->start(), d.workflow_id);
      if (task_ids.empty()) {
        result.poison.push_back({d.message, "task_ids do not match the steps"});
        continue;
      }
      const engine::TimeMs created =
          command->has_issued_at() ? schemas::FromTimestamp(command->issued_at()) : now;
      engine::WorkflowState planned =
          engine::PlanExecution(d.workflow_id, request.request, task_ids, created);
      engine::Decision decision = engine::Decide(std::move(planned), engine::StartInput{now});
      writes.Record(decision, d.message_id, traceparent, now);
      states.emplace(d.workflow_id, std::move(decision.state));
      ++result.applied;
      continue;
    }

    const auto& event = std::get<TaskEvent>(d.body);
    if (existing == states.end()) {
      result.poison.push_back({d.message, "unknown workflow " + d.workflow_id});
      continue;
    }
    std::optional<engine::Input> input = ToInput(event, now);
    if (!input) {
      ++result.ignored;
      continue;
    }
    const engine::Outcome outcome =
        DecideInPlace(existing->second, *input, writes, d.message_id, traceparent, now);
    if (outcome == engine::Outcome::kUnknownTask) {
      result.poison.push_back(
          {d.message, "unknown task " + event.task_id() + " of workflow " + d.workflow_id});
      continue;
    }
    Count(outcome, result);
  }
  writes.Write(session);
  if (cache != nullptr) {
    for (auto& [id, state] : states) result.states.push_back(std::move(state));
  }
  return result;
}

}  // namespace agentstudio::kafka
