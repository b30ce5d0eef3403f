#pragma once

#include <optional>
#include <string>
#include <variant>

#include "agentstudio/v1/agent_heartbeat.pb.h"
#include "agentstudio/v1/task_event.pb.h"
#include "engine/field_error.hpp"
#include "schemas/struct_json.hpp"

namespace agentstudio::schemas {

// The task callbacks of the HTTP callback API (reference 000,
// POST /callbacks/v1/<kind>), snake_case as the reference shows them:
//   progress   {"task_id", "progress": {"percentage" 0-100, "current_step", "message"}}
//   completion {"task_id", "result": {...}, "thoughts": [...], "metadata": {...}}
//   error      {"task_id", "error": {"code", "message", "retryable": bool}}
//   handoff    {"task_id", "handoff": {"agent_type", "task", "input": {...}, "reason"}}
// Each may add "workflow_id" (checked against the task's), "attempt" (the
// task's current one when absent), "timestamp" and "metrics" (not kept).
enum class TaskCallbackKind { kProgress, kCompletion, kError, kHandoff };

struct TaskCallback {
  std::string task_id;
  std::string workflow_id;     // empty when the body names none
  std::optional<int> attempt;  // nullopt: the task's current attempt
  // The kind's part set; the ids, agent and timestamp are the caller's to set.
  agentstudio::v1::TaskEvent event;
};

std::variant<TaskCallback, engine::FieldErrors> ParseTaskCallback(TaskCallbackKind kind,
                                                                  const Json& body);

// POST /callbacks/v1/heartbeat {"agent_types": [...], "status":
// "healthy|degraded|stopping", "load": 0-1, "active_tasks", "metrics":
// {name: number}}; the agent id and timestamp are the caller's to set.
std::variant<agentstudio::v1::AgentHeartbeat, engine::FieldErrors> ParseHeartbeatCallback(
    const Json& body);

}  // namespace agentstudio::schemas
