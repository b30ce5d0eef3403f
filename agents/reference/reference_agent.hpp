#pragma once

#include <string>

#include "agents/agent_handler.hpp"

namespace agentstudio::agents {

// Base of the built-in reference agents. Deterministic: the same request gives
// the same result (timestamps and timings aside). Before computing, it honours
// these step `configuration` keys so scenarios need no special engine code:
//   failTimes: N         fail attempts 1..N with a retryable error
//   failNonRetryable:    true: fail at once with a non-retryable error
//   sleepMs: N           take N ms, reporting progress meanwhile
//   progressEvents: K    report K progress events
//   logs: [{level, message}]  reported as the task's log lines (after sleepMs)
//   handoff: {...}       returned as the response's handoff
//   result: {...}        merged into the result (e.g. {"done": true})
class ReferenceAgent : public AgentHandler {
 public:
  AgentResult Handle(const TaskContext& context) final;

 protected:
  // The agent's own work: returns the `result` object, and may append thoughts
  // via Thought(). Return a failure for bad input (non-retryable).
  virtual AgentResult Compute(const TaskContext& context, Json& thoughts) = 0;

  static void Thought(Json& thoughts, const std::string& type, const std::string& content);
};

// Reads input.<key> as an array of strings, or falls back to the texts found
// in the dependencies' results (context.previousResults.*.records[].text).
std::vector<std::string> TextsFrom(const Json& request, const char* key);

}  // namespace agentstudio::agents
