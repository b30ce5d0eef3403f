#include "sql/workflow_store.hpp"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>

#include "engine/definition_parser.hpp"
#include "sql/json_rows_writer.hpp"
#include "sql/prepared_query.hpp"
#include "sql/queries.hpp"

namespace agentstudio::store {
namespace {

using Json = nlohmann::json;

void WriteTaskRow(JsonRowsWriter& rows, const engine::WorkflowState& state,
                  const engine::TaskState& task, size_t position) {
  rows.BeginRow();
  rows.Text("id", task.id);
  rows.Text("workflow_id", state.id);
  rows.Integer("position", static_cast<int64_t>(position));
  rows.Text("step_id", task.step_id);
  rows.Text("name", task.name);
  rows.Text("agent_type", task.agent_type);
  rows.Text("status", engine::ToString(task.status));
  rows.Integer("attempt", task.attempt);
  rows.Boolean("dispatched", task.dispatched);
  rows.Integer("retry_count", task.retry_count);
  rows.Integer("max_retries", task.max_retries);
  rows.Integer("iteration", task.iteration);
  rows.TextArray("depends_on", task.depends_on);
  rows.Value("request", task.request);
  rows.Value("response", task.response);
  rows.Text("error_message", task.error_message);
  rows.Text("failure_cause", engine::ToString(task.failure));
  rows.Number("progress", task.progress);
  rows.Integer("created_at", task.created_at);
  rows.Integer("started_at", task.started_at);
  rows.Integer("completed_at", task.completed_at);
  // Set once, by the insert: a task's tenant and priority never change.
  rows.Text("tenant", state.tenant);
  const engine::StepDefinition* step = state.FindStep(task.step_id);
  rows.Integer("priority", static_cast<int64_t>(step ? step->priority : engine::Priority::kNormal));
}

// What an event can change (update_executions.sql); input and metadata are
// set once, by the insert. `with_definition` false: a null definition, which
// the update leaves as stored.
void WriteExecutionChange(JsonRowsWriter& rows, const engine::WorkflowState& state,
                          bool with_definition) {
  rows.BeginRow();
  rows.Text("id", state.id);
  rows.Text("status", engine::ToString(state.status));
  rows.Value("definition", with_definition ? engine::ToJson(state.definition) : Json());
  rows.Value("context_state", state.context_state);
  rows.Text("error_message", state.error_message);
  rows.Text("failure_cause", engine::ToString(state.failure));
  rows.Integer("started_at", state.started_at);
  rows.Integer("completed_at", state.completed_at);
  rows.Integer("updated_at", state.updated_at);
  rows.Integer("last_event_sequence", state.last_event_sequence);
  rows.Integer("last_checkpoint_sequence", state.last_checkpoint_sequence);
  rows.Integer("version", state.version);
}

// The whole execution (upsert_executions.sql).
void WriteExecutionRow(JsonRowsWriter& rows, const engine::WorkflowState& state) {
  WriteExecutionChange(rows, state, /*with_definition=*/true);
  rows.Text("definition_id", state.definition.id);
  rows.Text("pattern", engine::ToString(state.definition.pattern));
  rows.Value("input", state.input);
  rows.Value("metadata", state.metadata);
  rows.Text("initiated_by", state.initiated_by);
  rows.Text("tenant", state.tenant);
  rows.Integer("created_at", state.created_at);
}

engine::WorkflowState ReadExecution(const Json& row) {
  engine::WorkflowState state;
  state.id = row.at("id").get<std::string>();
  engine::FieldErrors ignored;  // stored definitions were validated on the way in
  state.definition = engine::ParseDefinition(row.at("definition"), "definition", ignored);
  state.status = engine::ParseWorkflowStatus(row.at("status").get<std::string>())
                     .value_or(engine::WorkflowStatus::kFailed);
  state.input = row.value("input", Json::object());
  state.metadata = row.value("metadata", Json());
  state.context_state = row.value("contextState", Json::object());
  state.initiated_by = row.value("initiatedBy", "");
  state.tenant = row.value("tenant", std::string(engine::kDefaultTenant));
  state.error_message = row.value("errorMessage", "");
  state.failure = engine::ParseFailureCause(row.value("failureCause", ""));
  state.created_at = row.value("createdAt", int64_t{0});
  state.started_at = row.value("startedAt", int64_t{0});
  state.completed_at = row.value("completedAt", int64_t{0});
  state.updated_at = row.value("updatedAt", int64_t{0});
  state.last_event_sequence = row.value("lastEventSequence", int64_t{0});
  state.last_checkpoint_sequence = row.value("lastCheckpointSequence", int64_t{0});
  state.version = row.value("version", int64_t{1});
  return state;
}

engine::TaskState ReadTask(const Json& row) {
  engine::TaskState task;
  task.id = row.at("id").get<std::string>();
  task.step_id = row.value("stepId", "");
  task.name = row.value("name", "");
  task.agent_type = row.value("agentType", "");
  task.status =
      engine::ParseTaskStatus(row.value("status", "")).value_or(engine::TaskStatus::kFailed);
  task.attempt = row.value("attempt", 0);
  task.dispatched = row.value("dispatched", false);
  task.retry_count = row.value("retryCount", 0);
  task.max_retries = row.value("maxRetries", engine::kDefaultMaxRetries);
  task.iteration = row.value("iteration", 1);
  task.depends_on = row.value("dependsOn", std::vector<std::string>{});
  task.request = row.value("request", Json());
  task.response = row.value("response", Json());
  task.error_message = row.value("errorMessage", "");
  task.failure = engine::ParseFailureCause(row.value("failureCause", ""));
  task.progress = row.value("progress", 0.0);
  task.created_at = row.value("createdAt", int64_t{0});
  task.started_at = row.value("startedAt", int64_t{0});
  task.completed_at = row.value("completedAt", int64_t{0});
  return task;
}

StoredTask StoredTaskOf(const engine::TaskState& task) {
  return {std::hash<std::string>{}(task.id),
          task.status,
          task.attempt,
          task.dispatched,
          task.retry_count,
          task.failure,
          task.progress,
          task.started_at,
          task.completed_at,
          task.error_message};
}

// Whether the task's row, as `stored` describes it, needs no write.
bool Unchanged(const StoredTask& stored, const engine::TaskState& task) {
  return stored.id_hash == std::hash<std::string>{}(task.id) && stored.status == task.status &&
         stored.attempt == task.attempt && stored.dispatched == task.dispatched &&
         stored.retry_count == task.retry_count && stored.failure == task.failure &&
         stored.progress == task.progress && stored.started_at == task.started_at &&
         stored.completed_at == task.completed_at && stored.error_message == task.error_message;
}

// A bigint column's text; the server wrote it, so it parses.
int64_t ParseInt64(std::string_view text) {
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

void ExecuteWithRows(soci::session& session, std::string_view query, JsonRowsWriter& rows) {
  if (rows.empty()) return;
  RunPrepared(session, query, {rows.Finish()});
}

}  // namespace

std::map<std::string, engine::WorkflowState> LoadExecutions(soci::session& session,
                                                            const std::vector<std::string>& ids,
                                                            bool for_update) {
  std::map<std::string, engine::WorkflowState> out;
  if (ids.empty()) return out;
  const std::string id_list = Json(ids).dump();
  std::string query(queries::kSelectExecutions);
  if (for_update) query += " FOR UPDATE";
  for (const std::string& text : SelectPrepared(session, query, {id_list})) {
    engine::WorkflowState state = ReadExecution(Json::parse(text));
    std::string id = state.id;
    out.emplace(std::move(id), std::move(state));
  }
  if (out.empty()) return out;
  for (const std::string& text : SelectPrepared(session, queries::kSelectTasks, {id_list})) {
    const Json row = Json::parse(text);
    auto it = out.find(row.at("workflowId").get<std::string>());
    if (it != out.end()) it->second.tasks.push_back(ReadTask(row));
  }
  return out;
}

ExecutionStamp StampOf(const engine::WorkflowState& state) {
  return {state.version, state.created_at};
}

std::map<std::string, ExecutionStamp> LockExecutions(soci::session& session,
                                                     const std::vector<std::string>& ids) {
  std::map<std::string, ExecutionStamp> out;
  if (ids.empty()) return out;
  for (const auto& row : RunPrepared(session, queries::kLockExecutions, {Json(ids).dump()}).rows) {
    out[row.at(0)] = {std::stoll(row.at(1)), std::stoll(row.at(2))};
  }
  return out;
}

StoredExecution StoredExecutionOf(const engine::WorkflowState& state) {
  StoredExecution stored;
  stored.steps = state.definition.steps.size();
  stored.tasks.reserve(state.tasks.size());
  for (const engine::TaskState& task : state.tasks) stored.tasks.push_back(StoredTaskOf(task));
  return stored;
}

std::map<std::string, ExecutionMark> LoadMarks(soci::session& session,
                                               const std::vector<std::string>& ids) {
  std::map<std::string, ExecutionMark> out;
  if (ids.empty()) return out;
  const std::string id_list = Json(ids).dump();
  std::string id, status, tenant;
  long long sequence = 0;
  soci::statement statement =
      (session.prepare << std::string(queries::kSelectExecutionMarks), soci::into(id),
       soci::into(status), soci::into(sequence), soci::into(tenant), soci::use(id_list, "ids"));
  statement.execute();
  while (statement.fetch()) {
    if (auto parsed = engine::ParseWorkflowStatus(status)) out[id] = {*parsed, sequence, tenant};
  }
  return out;
}

int64_t CountActiveExecutions(soci::session& session, const std::string& tenant,
                              const std::vector<std::string>& accepted_ids, int64_t bound) {
  return std::stoll(SelectPrepared(session, queries::kCountActiveExecutions,
                                   {tenant, std::to_string(bound), Json(accepted_ids).dump()})
                        .at(0));
}

std::optional<TaskOwner> FindTaskOwner(soci::session& session, const std::string& task_id) {
  std::string workflow_id, status, tenant, agent_type;
  int attempt = 0;
  soci::indicator found = soci::i_null;
  session << std::string(queries::kSelectTaskOwner), soci::into(workflow_id, found),
      soci::into(status), soci::into(tenant), soci::into(agent_type), soci::into(attempt),
      soci::use(task_id, "id");
  if (!session.got_data() || found != soci::i_ok) return std::nullopt;
  return TaskOwner{workflow_id,
                   engine::ParseTaskStatus(status).value_or(engine::TaskStatus::kFailed), tenant,
                   agent_type, attempt};
}

void SaveExecutions(soci::session& session, const std::vector<ExecutionToSave>& executions) {
  JsonRowsWriter inserted;
  JsonRowsWriter updated;
  JsonRowsWriter tasks;
  std::set<std::string_view> task_ids;
  for (const auto& [state, before] : executions) {
    if (before == nullptr) {
      WriteExecutionRow(inserted, *state);
    } else {
      // The engine changes a definition in one way only: a dynamic
      // workflow's handoff appends a step.
      WriteExecutionChange(updated, *state, state->definition.steps.size() != before->steps);
    }
    for (size_t i = 0; i < state->tasks.size(); ++i) {
      const engine::TaskState& task = state->tasks[i];
      // Tasks are only ever appended, so a task keeps its position.
      if (before != nullptr && i < before->tasks.size() && Unchanged(before->tasks[i], task)) {
        continue;
      }
      // One statement cannot write a row twice (PostgreSQL would refuse the
      // whole batch with a cardinality error that blames nothing).
      if (!task_ids.insert(task.id).second) {
        throw TaskIdTaken("task id " + task.id + " is used by two executions at once");
      }
      // One upsert for new and changed rows: separate INSERT and UPDATE
      // statements cost PostgreSQL more per row (22-25 us an updated row,
      // against 18 for the upsert's mix, measured under load).
      WriteTaskRow(tasks, *state, task, i);
    }
  }
  ExecuteWithRows(session, queries::kUpsertExecutions, inserted);
  ExecuteWithRows(session, queries::kUpdateExecutions, updated);
  if (tasks.empty()) return;
  const size_t sent = tasks.rows();
  const std::string text = tasks.Finish();
  if (RunPrepared(session, queries::kUpsertTasks, {text}).affected == sent) return;
  // Some rows were left alone because their ids are another execution's.
  std::string taken_id, owner;
  session << std::string(queries::kSelectTakenTaskIds), soci::use(text, "rows"),
      soci::into(taken_id), soci::into(owner);
  throw TaskIdTaken("task id " + taken_id + " belongs to workflow " + owner);
}

void DeleteExecutions(soci::session& session, const std::vector<std::string>& ids) {
  if (ids.empty()) return;
  const std::string text = Json(ids).dump();
  session << std::string(queries::kDeleteExecutions), soci::use(text, "ids");
}

void InsertEvents(soci::session& session, const std::vector<WorkflowEventRow>& events) {
  JsonRowsWriter rows;
  for (const auto& [workflow_id, event, source_message_id] : events) {
    rows.BeginRow();
    rows.Text("workflow_id", workflow_id);
    rows.Text("source_message_id", source_message_id);
    rows.Integer("sequence", event.sequence);
    rows.Text("type", event.type);
    rows.Text("severity", event.severity);
    rows.Value("data", event.data);
    rows.Integer("created_at", event.timestamp);
  }
  ExecuteWithRows(session, queries::kInsertEvents, rows);
}

void InsertCheckpoints(soci::session& session, const std::vector<CheckpointRow>& checkpoints) {
  JsonRowsWriter rows;
  for (const auto& [workflow_id, checkpoint] : checkpoints) {
    rows.BeginRow();
    rows.Text("workflow_id", workflow_id);
    rows.Integer("sequence", checkpoint.sequence);
    rows.Text("type", checkpoint.type);
    rows.Text("completed_task_id", checkpoint.completed_task_id);
    rows.Text("next_task_id", checkpoint.next_task_id);
    rows.Value("context_snapshot", checkpoint.context_snapshot);
    rows.Value("results_added", checkpoint.results_added);
    rows.Integer("created_at", checkpoint.created_at);
  }
  ExecuteWithRows(session, queries::kInsertCheckpoints, rows);
}

std::vector<engine::ExecutionEvent> LoadEvents(soci::session& session,
                                               const std::string& workflow_id,
                                               int64_t after_sequence) {
  std::vector<engine::ExecutionEvent> out;
  std::string value;
  long long after = after_sequence;
  soci::statement statement =
      (session.prepare << std::string(queries::kSelectEvents), soci::into(value),
       soci::use(workflow_id, "id"), soci::use(after, "after"));
  statement.execute();
  while (statement.fetch()) {
    const Json row = Json::parse(value);
    engine::ExecutionEvent event;
    event.sequence = row.at("sequence").get<int64_t>();
    event.type = row.at("type").get<std::string>();
    event.severity = row.value("severity", "");
    event.data = row.value("data", Json::object());
    event.timestamp = row.value("timestamp", int64_t{0});
    out.push_back(std::move(event));
  }
  return out;
}

size_t ForEachEventText(soci::session& session, const std::string& workflow_id,
                        const std::function<void(const EventText&)>& visit) {
  size_t count = 0;
  ForEachPreparedRow(session, queries::kSelectEventTexts, {workflow_id},
                     [&](std::span<const std::string_view> row) {
                       visit({ParseInt64(row[0]), row[1], row[2], row[3], ParseInt64(row[4])});
                       ++count;
                     });
  return count;
}

std::vector<engine::Checkpoint> LoadCheckpoints(soci::session& session,
                                                const std::string& workflow_id,
                                                int64_t after_sequence, int limit) {
  std::vector<engine::Checkpoint> out;
  // RunPrepared: the query names :id and :after twice.
  for (const std::string& value :
       SelectPrepared(session, queries::kSelectCheckpoints,
                      {workflow_id, std::to_string(after_sequence), std::to_string(limit)})) {
    const Json row = Json::parse(value);
    engine::Checkpoint checkpoint;
    checkpoint.sequence = row.at("sequence").get<int64_t>();
    checkpoint.type = row.value("type", "");
    checkpoint.completed_task_id = row.value("completedTaskId", "");
    checkpoint.next_task_id = row.value("nextTaskId", "");
    checkpoint.context_snapshot = row.value("contextSnapshot", Json::object());
    checkpoint.created_at = row.value("createdAt", int64_t{0});
    out.push_back(std::move(checkpoint));
  }
  return out;
}

ExecutionPage ListExecutions(soci::session& session, const ExecutionPageQuery& query) {
  const char* column = query.sort == ExecutionSortColumn::kStartedAt     ? "e.started_at"
                       : query.sort == ExecutionSortColumn::kCompletedAt ? "e.completed_at"
                                                                         : "e.created_at";
  // NULLs (never started, never completed) last either way; created_at has none.
  const char* order = query.ascending ? " ASC NULLS LAST, e.id ASC"
                      : query.sort == ExecutionSortColumn::kCreatedAt
                          ? " DESC, e.id DESC"
                          : " DESC NULLS LAST, e.id DESC";
  // The column and order come from the enums above, never from input.
  const std::string order_by = std::string(" ORDER BY ") + column + order;
  // The filters, from fixed fragments; only their values come from input.
  std::string where = " WHERE e.tenant = :tenant";
  std::vector<std::string> params{query.tenant};
  if (query.status) {
    where += " AND e.status = :status";
    params.push_back(*query.status);
  }
  if (query.definition_id) {
    where += " AND e.definition_id = :definition";
    params.push_back(*query.definition_id);
  }
  if (query.created_from) {
    where += " AND e.created_at >= to_timestamp(cast(:from AS double precision) / 1000)";
    params.push_back(std::to_string(*query.created_from));
  }
  if (query.created_to) {
    where += " AND e.created_at <= to_timestamp(cast(:to AS double precision) / 1000)";
    params.push_back(std::to_string(*query.created_to));
  }
  std::vector<std::string> count_params = params;
  const std::string sql = std::string(queries::kSelectExecutionPage) +
                          " (SELECT * FROM workflow_executions e" + where + order_by +
                          " LIMIT :limit OFFSET :offset) AS e" + order_by;
  // One more than the page tells whether another follows.
  params.push_back(std::to_string(query.limit + 1));
  params.push_back(std::to_string(query.offset));
  ExecutionPage page;
  for (const std::string& value : SelectPrepared(session, sql, params)) {
    if (page.items.size() == static_cast<size_t>(query.limit)) {
      page.more = true;
      break;
    }
    const Json row = Json::parse(value);
    ExecutionSummary item;
    item.id = row.at("id").get<std::string>();
    item.definition_id = row.value("definitionId", "");
    item.pattern = row.value("pattern", "");
    item.status = row.value("status", "");
    item.initiated_by = row.value("initiatedBy", "");
    item.created_at = row.value("createdAt", int64_t{0});
    item.started_at = row.value("startedAt", int64_t{0});
    item.completed_at = row.value("completedAt", int64_t{0});
    const Json& tasks = row.at("tasks");
    const int64_t total = tasks.value("total", int64_t{0});
    item.tasks_completed = tasks.value("completed", int64_t{0});
    item.tasks_failed = tasks.value("failed", int64_t{0});
    item.progress =
        total == 0 ? 0
                   : std::round(10000.0 * static_cast<double>(item.tasks_completed) / total) / 100;
    page.items.push_back(std::move(item));
  }
  count_params.push_back(std::to_string(kExactTotalBound + 1));
  page.total = std::stoll(SelectPrepared(session,
                                         std::string(queries::kCountExecutions) + where +
                                             std::string(queries::kCountExecutionsTail),
                                         count_params)
                              .at(0));
  const bool estimable = !query.definition_id && !query.created_from && !query.created_to;
  if (page.total > kExactTotalBound && !estimable) {
    page.total = std::max(page.total, query.offset + static_cast<int64_t>(page.items.size()) +
                                          static_cast<int64_t>(page.more));
    page.total_estimated = true;
  } else if (page.total > kExactTotalBound) {
    const std::vector<std::string> estimate = SelectPrepared(
        session, queries::kEstimateExecutions, {query.tenant, query.status.value_or("")});
    // Never fewer than the pages read so far show (statistics may be stale).
    page.total = std::max({static_cast<int64_t>(std::stoll(estimate.at(0))), page.total,
                           query.offset + static_cast<int64_t>(page.items.size()) + page.more});
    page.total_estimated = true;
  }
  return page;
}

std::set<std::string> ClaimNewMessageIds(soci::session& session,
                                         const std::vector<std::string>& ids) {
  std::set<std::string> out;
  if (ids.empty()) return out;
  for (std::string& id :
       SelectPrepared(session, queries::kClaimProcessedMessages, {Json(ids).dump()})) {
    out.insert(std::move(id));
  }
  return out;
}

uint64_t PruneProcessedMessages(soci::session& session, engine::TimeMs before, int limit) {
  long long before_ms = before;
  soci::statement statement = (session.prepare << std::string(queries::kPruneProcessedMessages),
                               soci::use(before_ms, "before"), soci::use(limit, "limit"));
  statement.execute(true);
  return static_cast<uint64_t>(statement.get_affected_rows());
}

}  // namespace agentstudio::store
