#pragma once

#include <string>
#include <vector>

#include "agentstudio/v1/task_event.pb.h"
#include "consumers/tail_consumer.hpp"
#include "producers/topics.hpp"

namespace agentstudio::testing {

// Reads `task-events` from the moment it is created, to see what agents
// report.
class TaskEventReader {
 public:
  TaskEventReader(const std::string& bootstrap, const kafka::Topics& topics);

  // Waits for the task's final report (completion or error) and returns the
  // task's reports read so far, that one last; empty when none came within
  // the wait.
  std::vector<agentstudio::v1::TaskEvent> WaitForFinalReport(const std::string& task_id);

  // Every final report of the task, after reading all that has arrived so
  // far (until the topic is quiet for 200 ms): a repeated execution shows as
  // a second one.
  std::vector<agentstudio::v1::TaskEvent> FinalReports(const std::string& task_id);

 private:
  // Appends what has arrived to read_ (within `wait`); returns how much.
  size_t Read(std::chrono::milliseconds wait);

  kafka::TailConsumer consumer_;
  std::vector<agentstudio::v1::TaskEvent> read_;
};

}  // namespace agentstudio::testing
