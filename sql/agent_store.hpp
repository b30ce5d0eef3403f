#pragma once

#include <soci/soci.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/workflow_state.hpp"

namespace agentstudio::store {

// An agent counts as live while its last heartbeat is younger than this: it
// is listed as active, its types are served, its capacity counts.
inline constexpr engine::TimeMs kAgentLivenessMs = 60000;

struct AgentRecord {
  std::string id;
  std::vector<std::string> agent_types;
  std::string status;
  double load = 0;
  int active_tasks = 0;
  std::map<std::string, double> metrics;
  engine::TimeMs last_heartbeat_at = 0;
  int capacity = 0;  // tasks it runs at once; 0: not said
};

// Records heartbeats in one statement. Per agent the newest heartbeat wins,
// within the batch and against what is stored (late deliveries change nothing).
void UpsertAgents(soci::session& session, const std::vector<AgentRecord>& agents);

// How an agent is doing, from its last heartbeat: kActive (healthy), kError
// (it reports itself degraded), kInactive (stopping, or silent since before
// the query's `since`).
enum class AgentState { kActive, kError, kInactive };
const char* ToString(AgentState state);  // "active", "error", "inactive"

struct AgentView {
  AgentRecord record;
  engine::TimeMs first_seen_at = 0;
  AgentState state = AgentState::kInactive;
};

struct AgentPageQuery {
  engine::TimeMs since = 0;  // silent since before this: inactive
  std::optional<AgentState> state;
  std::string type;  // empty: any
  std::string id;    // empty: any (SelectAgents only)
  int limit = 20;
  int64_t offset = 0;
};

// A page of agents, the most recently heard first.
std::vector<AgentView> SelectAgents(soci::session& session, const AgentPageQuery& query);
// How many agents match the query's state and type.
int64_t CountAgents(soci::session& session, const AgentPageQuery& query);

// Agent types served by agents whose last heartbeat is newer than `since`.
std::vector<std::string> LiveAgentTypes(soci::session& session, engine::TimeMs since);

}  // namespace agentstudio::store
