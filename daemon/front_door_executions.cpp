// The Executions API (reference 003, /api/v1/executions): the workflow
// executions of the caller's tenant, however they were started, in the
// registry's shapes. Cancelling one sends the same command as
// POST /api/workflows/{id}/cancel.
#include "daemon/execution_views.hpp"
#include "daemon/front_door.hpp"
#include "daemon/http_headers.hpp"
#include "engine/timestamp.hpp"
#include "sql/workflow_store.hpp"

namespace agentstudio::daemon {
namespace {

using Json = nlohmann::json;
using Pistache::Http::Code;
using Pistache::Http::ResponseWriter;

}  // namespace

void FrontDoor::ListExecutions(const Pistache::Rest::Request& request, ResponseWriter response,
                               const Principal& caller) {
  if (RefuseWhileDraining(request, response)) return;
  auto parsed = ParseExecutionListQuery(QueryParameters(request));
  if (auto* errors = std::get_if<engine::FieldErrors>(&parsed)) {
    SendProblem(response, InvalidQueryProblem(std::move(*errors)), request.resource(),
                TraceparentOf(request));
    return;
  }
  auto list = std::get<ExecutionListQuery>(std::move(parsed));
  list.query.tenant = caller.tenant;
  RunDatabaseJob(request.resource(), TraceparentOf(request),
                 std::make_shared<ResponseWriter>(std::move(response)),
                 [list](soci::session& session, ResponseWriter& writer) {
                   SendJson(
                       writer, Code::Ok,
                       ExecutionPageJson(store::ListExecutions(session, list.query), list.page));
                 });
}

void FrontDoor::RunExecutionJob(
    const Pistache::Rest::Request& request, ResponseWriter response, const Principal& caller,
    std::function<void(soci::session&, const engine::WorkflowState&, ResponseWriter&)> answer) {
  const auto target = TargetOf(request, response, caller, ":executionId", "Execution");
  if (!target) return;
  RunDatabaseJob(target->instance, target->trace,
                 std::make_shared<ResponseWriter>(std::move(response)),
                 [this, target = *target, answer = std::move(answer)](soci::session& session,
                                                                      ResponseWriter& writer) {
                   const auto states = store::LoadExecutions(session, {target.id}, false);
                   if (!states.empty() && states.begin()->second.tenant == target.tenant) {
                     answer(session, states.begin()->second, writer);
                     return;
                   }
                   const auto accepted =
                       states.empty() ? accepted_.Get(target.id, target.tenant) : std::nullopt;
                   if (!accepted) {
                     SendProblem(writer, target.not_found, target.instance, target.trace);
                     return;
                   }
                   answer(session, PendingExecutionOf(*accepted), writer);
                 });
}

void FrontDoor::GetExecution(const Pistache::Rest::Request& request, ResponseWriter response,
                             const Principal& caller) {
  RunExecutionJob(request, std::move(response), caller,
                  [](soci::session&, const engine::WorkflowState& state, ResponseWriter& writer) {
                    SendJson(writer, Code::Ok, ExecutionJson(state));
                  });
}

void FrontDoor::GetExecutionStatus(const Pistache::Rest::Request& request, ResponseWriter response,
                                   const Principal& caller) {
  RunExecutionJob(request, std::move(response), caller,
                  [](soci::session&, const engine::WorkflowState& state, ResponseWriter& writer) {
                    SendJson(writer, Code::Ok, ExecutionStatusJson(state, engine::WallClockNow()));
                  });
}

void FrontDoor::GetExecutionLogs(const Pistache::Rest::Request& request, ResponseWriter response,
                                 const Principal& caller) {
  auto parsed = ParseExecutionLogQuery(QueryParameters(request));
  if (auto* errors = std::get_if<engine::FieldErrors>(&parsed)) {
    SendProblem(response, InvalidQueryProblem(std::move(*errors)), request.resource(),
                TraceparentOf(request));
    return;
  }
  RunExecutionJob(
      request, std::move(response), caller,
      [query = std::get<ExecutionLogQuery>(parsed)](
          soci::session& session, const engine::WorkflowState& state, ResponseWriter& writer) {
        SendJson(writer, Code::Ok,
                 ExecutionLogsJson(state, store::LoadEvents(session, state.id), query));
      });
}

void FrontDoor::CancelExecution(const Pistache::Rest::Request& request, ResponseWriter response,
                                const Principal& caller) {
  ControlWorkflow(request, std::move(response), caller, engine::Control::kCancel, ":executionId",
                  "Execution", [](const std::string& id) {
                    // Durable: the scheduler applies it next, so a GET right
                    // after may still show the execution running.
                    return Json{{"execution_id", id},
                                {"status", "cancelled"},
                                {"cancelled_at", engine::FormatTimestamp(engine::WallClockNow())}};
                  });
}

}  // namespace agentstudio::daemon
