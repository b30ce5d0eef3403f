#pragma once

#include <soci/soci.h>

#include <map>
#include <string>
#include <vector>

#include "engine/workflow_state.hpp"

namespace agentstudio::store {

struct AgentRecord {
  std::string id;
  std::vector<std::string> agent_types;
  std::string status;
  double load = 0;
  int active_tasks = 0;
  std::map<std::string, double> metrics;
  engine::TimeMs last_heartbeat_at = 0;
};

// Records a heartbeat (newest heartbeat time wins).
void UpsertAgent(soci::session& session, const AgentRecord& agent);

// Agent types served by agents whose last heartbeat is newer than `since`.
std::vector<std::string> LiveAgentTypes(soci::session& session, engine::TimeMs since);

}  // namespace agentstudio::store
