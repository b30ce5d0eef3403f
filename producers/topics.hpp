#pragma once

#include <string>
#include <vector>

namespace agentstudio::kafka {

// Topic names under a configurable prefix (default "agentstudio.").
class Topics {
 public:
  explicit Topics(std::string prefix = "agentstudio.") : prefix_(std::move(prefix)) {}

  std::string commands() const { return prefix_ + "commands"; }
  std::string task_events() const { return prefix_ + "task-events"; }
  std::string agent_heartbeats() const { return prefix_ + "agent-heartbeats"; }
  std::string agent_control() const { return prefix_ + "agent-control"; }
  std::string workflow_events() const { return prefix_ + "workflow-events"; }
  std::string dlq() const { return prefix_ + "dlq"; }
  std::string tasks(const std::string& agent_type) const { return prefix_ + "tasks." + agent_type; }
  const std::string& prefix() const { return prefix_; }

  // The topics created up front (task topics appear with their agents).
  std::vector<std::string> Fixed() const {
    return {commands(),      task_events(),     agent_heartbeats(),
            agent_control(), workflow_events(), dlq()};
  }

 private:
  std::string prefix_;
};

}  // namespace agentstudio::kafka
