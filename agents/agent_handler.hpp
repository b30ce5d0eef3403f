#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace agentstudio::agents {

using Json = nlohmann::json;

// What a handler sees of one dispatch.
struct TaskContext {
  std::string task_id;
  std::string workflow_id;
  std::string step_id;
  std::string agent_type;
  int attempt = 1;
  std::string priority = "normal";  // low, normal, medium, high or critical
  Json request;  // REST AgentRequest: task, input, context, configuration, timeout
  // Reports progress (0-100) on `task-events`; cheap, never blocks on the broker.
  std::function<void(double percentage, const std::string& message)> report_progress;
  // Reports a thought ({timestamp, type, content}) as it happens, so clients
  // streaming the task see it before the response; cheap, never blocks.
  std::function<void(const Json& thought)> report_thought;
  // Reports a log line (level debug, info, warning or error), served by
  // GET /v1/tasks/{id}/logs; cheap, never blocks.
  std::function<void(const std::string& level, const std::string& message)> report_log;
  // True once the task was cancelled or the runtime is stopping: stop early.
  std::function<bool()> cancelled;
  // True once the runtime is stopping (cancelled() is then true too): what
  // the handler gives up is handed back to another agent, not reported.
  std::function<bool()> stopping;
  std::string tenant;  // the task's (TaskMessage.tenant)
};

// What a handler returns: a REST AgentResponse on success, or an error that
// says whether another attempt can help, or that another party took the task
// over and reports it itself.
struct AgentResult {
  bool ok = true;
  Json response = Json::object();
  std::string error_code;
  std::string error_message;
  bool retryable = true;
  // The task was handed to someone who reports it (an HTTP agent, through
  // the callback API): the runtime reports nothing more and counts the task
  // as done here, committing its position.
  bool delegated = false;

  static AgentResult Success(Json response) {
    return {true, std::move(response), "", "", true, false};
  }
  static AgentResult Failure(std::string code, std::string message, bool retryable) {
    return {false, Json::object(), std::move(code), std::move(message), retryable, false};
  }
  static AgentResult Delegated() { return {true, Json::object(), "", "", true, true}; }
};

// One agent type's behaviour. Handle() runs on one of the runtime's worker
// threads, for up to AgentRuntimeOptions::max_concurrent_tasks tasks at once,
// so it must be safe to call concurrently; it may block for as long as the
// task takes (minutes are normal), and should return soon after cancelled()
// turns true. It may throw, which reports a retryable error.
class AgentHandler {
 public:
  virtual ~AgentHandler() = default;
  virtual std::string agent_type() const = 0;
  virtual AgentResult Handle(const TaskContext& context) = 0;
};

}  // namespace agentstudio::agents
