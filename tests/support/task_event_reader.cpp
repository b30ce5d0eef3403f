#include "tests/support/task_event_reader.hpp"

#include <algorithm>

#include "tests/support/wait.hpp"

namespace agentstudio::testing {

TaskEventReader::TaskEventReader(const std::string& bootstrap, const kafka::Topics& topics)
    : consumer_(kafka::BaseProperties(bootstrap, "task-event-reader"), {topics.task_events()}) {}

std::vector<agentstudio::v1::TaskEvent> TaskEventReader::WaitForFinalReport(
    const std::string& task_id) {
  const auto final_of_task = [&](const agentstudio::v1::TaskEvent& event) {
    return event.task_id() == task_id && (event.has_error() || event.has_completion());
  };
  const bool found = WaitUntil([&] {
    for (const kafka::InboundMessage& message : consumer_.Poll(std::chrono::milliseconds(50))) {
      agentstudio::v1::TaskEvent event;
      if (event.ParseFromString(message.payload)) read_.push_back(std::move(event));
    }
    return std::any_of(read_.begin(), read_.end(), final_of_task);
  });
  std::vector<agentstudio::v1::TaskEvent> reports;
  if (!found) return reports;
  for (const auto& event : read_) {
    if (event.task_id() != task_id) continue;
    reports.push_back(event);
    if (final_of_task(event)) break;
  }
  return reports;
}

}  // namespace agentstudio::testing
