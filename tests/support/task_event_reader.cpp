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
    Read(std::chrono::milliseconds(50));
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

size_t TaskEventReader::Read(std::chrono::milliseconds wait) {
  size_t count = 0;
  for (const kafka::InboundMessage& message : consumer_.Poll(wait)) {
    agentstudio::v1::TaskEvent event;
    if (event.ParseFromString(message.payload)) read_.push_back(std::move(event));
    ++count;
  }
  return count;
}

std::vector<agentstudio::v1::TaskEvent> TaskEventReader::FinalReports(const std::string& task_id) {
  while (Read(std::chrono::milliseconds(200)) > 0) {
  }
  std::vector<agentstudio::v1::TaskEvent> finals;
  for (const auto& event : read_) {
    if (event.task_id() == task_id && (event.has_error() || event.has_completion()))
      finals.push_back(event);
  }
  return finals;
}

}  // namespace agentstudio::testing
