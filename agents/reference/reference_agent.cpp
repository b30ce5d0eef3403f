#include "agents/reference/reference_agent.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include "engine/timestamp.hpp"

namespace agentstudio::agents {

void ReferenceAgent::Thought(Json& thoughts, const std::string& type, const std::string& content) {
  thoughts.push_back({{"timestamp", engine::FormatTimestamp(engine::WallClockNow())},
                      {"type", type},
                      {"content", content}});
}

namespace {

// Sleeps `duration` in short slices so a cancel stops the task within about
// 50 ms; returns false when it was cancelled.
bool SleepUnlessCancelled(const TaskContext& context, std::chrono::milliseconds duration) {
  const auto end = std::chrono::steady_clock::now() + duration;
  while (!context.cancelled()) {
    const auto left = end - std::chrono::steady_clock::now();
    if (left <= std::chrono::milliseconds::zero()) return true;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        left, std::chrono::milliseconds(50)));  // the agent's simulated work
  }
  return false;
}

}  // namespace

AgentResult ReferenceAgent::Handle(const TaskContext& context) {
  const Json configuration = context.request.value("configuration", Json::object());
  const int fail_times = configuration.value("failTimes", 0);
  if (context.attempt <= fail_times) {
    return AgentResult::Failure("SIMULATED_FAILURE",
                                "failing attempt " + std::to_string(context.attempt) + " of " +
                                    std::to_string(fail_times) + " (configuration.failTimes)",
                                /*retryable=*/true);
  }
  if (configuration.value("failNonRetryable", false)) {
    return AgentResult::Failure("SIMULATED_PERMANENT_FAILURE",
                                "failing for good (configuration.failNonRetryable)",
                                /*retryable=*/false);
  }
  const int progress_events = std::max(0, configuration.value("progressEvents", 0));
  const int sleep_ms = std::max(0, configuration.value("sleepMs", 0));
  const int steps = std::max(progress_events, sleep_ms > 0 ? 4 : 0);
  for (int i = 1; i <= steps; ++i) {
    if (!SleepUnlessCancelled(context, std::chrono::milliseconds(sleep_ms / steps))) {
      return AgentResult::Failure("CANCELLED", "stopped early", /*retryable=*/true);
    }
    context.report_progress(100.0 * i / (steps + 1),
                            "step " + std::to_string(i) + " of " + std::to_string(steps));
  }

  if (const auto it = configuration.find("logs"); it != configuration.end() && it->is_array()) {
    for (const Json& line : *it) {
      if (context.report_log && line.is_object()) {
        context.report_log(line.value("level", "info"), line.value("message", ""));
      }
    }
  }
  Json thoughts = Json::array();
  AgentResult computed = Compute(context, thoughts);
  if (!computed.ok) return computed;
  if (context.report_thought) {
    for (const Json& thought : thoughts) context.report_thought(thought);
  }
  Json response = {{"success", true},
                   {"result", computed.response},
                   {"thoughts", std::move(thoughts)},
                   {"metadata", Json::object()}};
  if (configuration.contains("model")) response["metadata"]["model"] = configuration["model"];
  if (const auto it = configuration.find("result"); it != configuration.end() && it->is_object()) {
    response["result"].update(*it);
  }
  if (const auto it = configuration.find("handoff"); it != configuration.end() && it->is_object()) {
    response["handoff"] = *it;
  }
  return AgentResult::Success(std::move(response));
}

std::vector<std::string> TextsFrom(const Json& request, const char* key) {
  std::vector<std::string> texts;
  const Json input = request.value("input", Json::object());
  if (const auto it = input.find(key); it != input.end() && it->is_array()) {
    for (const Json& item : *it) {
      if (item.is_string()) texts.push_back(item.get<std::string>());
    }
    return texts;
  }
  const Json previous =
      request.value("context", Json::object()).value("previousResults", Json::object());
  for (const auto& [step, result] : previous.items()) {
    if (!result.is_object()) continue;
    const auto records = result.find("records");
    if (records == result.end() || !records->is_array()) continue;
    for (const Json& record : *records) {
      if (record.is_object() && record.contains("text") && record["text"].is_string()) {
        texts.push_back(record["text"].get<std::string>());
      }
    }
  }
  return texts;
}

}  // namespace agentstudio::agents
