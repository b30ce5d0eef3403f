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

// Records heartbeats in one statement. Per agent the newest heartbeat wins,
// within the batch and against what is stored (late deliveries change nothing).
void UpsertAgents(soci::session& session, const std::vector<AgentRecord>& agents);

// Agent types served by agents whose last heartbeat is newer than `since`.
std::vector<std::string> LiveAgentTypes(soci::session& session, engine::TimeMs since);

}  // namespace agentstudio::store
