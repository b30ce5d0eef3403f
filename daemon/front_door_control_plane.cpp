// The control plane's agents and system health (reference 004, under /v1):
// read from the agents table the heartbeats keep (agents serve every
// tenant), on the BlockingExecutor.
#include <chrono>
#include <nlohmann/json.hpp>

#include "daemon/agent_list.hpp"
#include "daemon/front_door.hpp"
#include "daemon/http_headers.hpp"
#include "engine/definition_parser.hpp"
#include "engine/timestamp.hpp"
#include "sql/agent_store.hpp"
#include "sql/workflow_store.hpp"

namespace agentstudio::daemon {
namespace {

using Json = nlohmann::json;
using Pistache::Http::Code;
using Pistache::Http::ResponseWriter;

// How long `work` takes, in milliseconds.
template <typename Work>
int64_t Timed(Work&& work) {
  const auto started = std::chrono::steady_clock::now();
  work();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               started)
      .count();
}

}  // namespace

void FrontDoor::ListAgents(const Pistache::Rest::Request& request, ResponseWriter response,
                           const Principal&) {
  if (RefuseWhileDraining(request, response)) return;
  auto parsed = ParseAgentListQuery(QueryParameters(request));
  if (auto* errors = std::get_if<engine::FieldErrors>(&parsed)) {
    SendProblem(response, InvalidQueryProblem(std::move(*errors)), request.resource(),
                TraceparentOf(request));
    return;
  }
  RunDatabaseJob(request.resource(), TraceparentOf(request),
                 std::make_shared<ResponseWriter>(std::move(response)),
                 [query = std::get<store::AgentPageQuery>(parsed)](soci::session& session,
                                                                   ResponseWriter& writer) mutable {
                   query.since = engine::WallClockNow() - kAgentLivenessMs;
                   const auto agents = store::SelectAgents(session, query);
                   SendJson(writer, Code::Ok,
                            AgentPageJson(agents, query, store::CountAgents(session, query)));
                 });
}

void FrontDoor::RunAgentJob(const Pistache::Rest::Request& request, ResponseWriter response,
                            std::function<void(const store::AgentView&, ResponseWriter&)> answer) {
  if (RefuseWhileDraining(request, response)) return;
  const std::string id = request.param(":agentId").as<std::string>();
  const std::string instance = request.resource();
  const std::string trace = TraceparentOf(request);
  RunDatabaseJob(
      instance, trace, std::make_shared<ResponseWriter>(std::move(response)),
      [id, instance, trace, answer = std::move(answer)](soci::session& session,
                                                        ResponseWriter& writer) {
        store::AgentPageQuery query;
        query.since = engine::WallClockNow() - kAgentLivenessMs;
        query.id = id;
        query.limit = 1;
        const auto found = engine::IsValidIdentifier(id) ? store::SelectAgents(session, query)
                                                         : std::vector<store::AgentView>{};
        if (found.empty()) {
          SendProblem(writer, NotFoundProblem("Agent '" + id + "' not found"), instance, trace);
          return;
        }
        answer(found.front(), writer);
      });
}

void FrontDoor::GetAgent(const Pistache::Rest::Request& request, ResponseWriter response,
                         const Principal&) {
  RunAgentJob(request, std::move(response),
              [](const store::AgentView& found, ResponseWriter& writer) {
                Json agent = AgentJson(found);
                agent["health"] = AgentHealthJson(found);
                SendJson(writer, Code::Ok, {{"data", std::move(agent)}});
              });
}

void FrontDoor::GetAgentHealth(const Pistache::Rest::Request& request, ResponseWriter response,
                               const Principal&) {
  RunAgentJob(request, std::move(response),
              [](const store::AgentView& agent, ResponseWriter& writer) {
                Json health = AgentHealthJson(agent);
                health["agent_id"] = agent.record.id;
                health["load"] = agent.record.load;
                health["active_tasks"] = agent.record.active_tasks;
                health["metrics"] = agent.record.metrics;
                // 200 whatever the agent's state: the answer is fine, the agent may not be.
                SendJson(writer, Code::Ok, health);
              });
}

void FrontDoor::SystemHealth(const Pistache::Rest::Request& request, ResponseWriter response,
                             const Principal& caller) {
  if (RefuseWhileDraining(request, response)) return;
  const std::string trace = TraceparentOf(request);
  auto writer = std::make_shared<ResponseWriter>(std::move(response));
  const bool queued = executor_.Submit([this, writer, tenant = caller.tenant,
                                        accepted = accepted_.IdsOf(caller.tenant)] {
    Json services = Json::object();
    Json metrics = Json::object();
    bool healthy = true;
    try {
      const int64_t took = Timed([&] {
        pool_.Run([&](soci::session& session) {
          store::AgentPageQuery live;
          live.since = engine::WallClockNow() - kAgentLivenessMs;
          live.state = store::AgentState::kActive;
          metrics["active_agents"] = store::CountAgents(session, live);
          metrics["active_workflows"] =
              store::CountActiveExecutions(session, tenant, accepted, store::kExactTotalBound);
        });
      });
      services["database"] = {{"status", "healthy"}, {"response_time", took}};
    } catch (const std::exception& error) {
      healthy = false;
      services["database"] = {{"status", "unhealthy"}, {"error", error.what()}};
    }
    bool answered = false;
    const int64_t took = Timed([&] { answered = producer_.Ping(std::chrono::milliseconds(2000)); });
    if (answered) {
      services["message_queue"] = {{"status", "healthy"}, {"response_time", took}};
    } else {
      healthy = false;
      services["message_queue"] = {{"status", "unhealthy"},
                                   {"error", "no broker answered within 2 s"}};
    }
    SendJson(*writer, healthy ? Code::Ok : Code::Service_Unavailable,
             {{"status", healthy ? "healthy" : "unhealthy"},
              {"timestamp", engine::FormatTimestamp(engine::WallClockNow())},
              {"services", std::move(services)},
              {"metrics", std::move(metrics)}});
  });
  if (!queued)
    SendProblem(*writer, Unavailable("Too many requests in flight"), "/v1/health", trace);
}

}  // namespace agentstudio::daemon
