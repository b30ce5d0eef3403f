#include "sql/task_store.hpp"

#include "sql/queries.hpp"

namespace agentstudio::store {
namespace {

constexpr TaskShownState kStates[] = {TaskShownState::kPending,   TaskShownState::kRunning,
                                      TaskShownState::kCompleted, TaskShownState::kFailed,
                                      TaskShownState::kCancelled, TaskShownState::kSkipped};

TaskView TaskViewOf(const nlohmann::json& row) {
  TaskView view;
  view.id = row.at("id").get<std::string>();
  view.workflow_id = row.at("workflowId").get<std::string>();
  view.name = row.at("name").get<std::string>();
  view.agent_type = row.at("agentType").get<std::string>();
  view.state = ParseTaskShownState(row.at("state").get<std::string>()).value_or(view.state);
  const int priority = row.at("priority").get<int>();
  if (priority >= 0 && priority <= static_cast<int>(engine::Priority::kCritical)) {
    view.priority = static_cast<engine::Priority>(priority);
  }
  view.attempt = row.at("attempt").get<int>();
  view.progress = row.at("progress").get<double>();
  view.response = row.value("response", nlohmann::json());
  view.error_message = row.at("errorMessage").get<std::string>();
  view.created_at = row.at("createdAt").get<engine::TimeMs>();
  view.started_at = row.at("startedAt").get<engine::TimeMs>();
  view.completed_at = row.at("completedAt").get<engine::TimeMs>();
  return view;
}

// The filters both queries share, as their binds want them.
struct Filters {
  explicit Filters(const TaskPageQuery& query)
      : state(query.state ? ToString(*query.state) : ""),
        priority(query.priority ? static_cast<int>(*query.priority) : -1),
        after(query.created_after),
        before(query.created_before) {}
  std::string state;
  int priority;
  long long after;
  long long before;
};

}  // namespace

const char* ToString(TaskShownState state) {
  switch (state) {
    case TaskShownState::kPending:
      return "pending";
    case TaskShownState::kRunning:
      return "running";
    case TaskShownState::kCompleted:
      return "completed";
    case TaskShownState::kFailed:
      return "failed";
    case TaskShownState::kCancelled:
      return "cancelled";
    case TaskShownState::kSkipped:
      return "skipped";
  }
  return "pending";
}

std::optional<TaskShownState> ParseTaskShownState(const std::string& text) {
  for (const TaskShownState state : kStates) {
    if (text == ToString(state)) return state;
  }
  return std::nullopt;
}

std::vector<TaskView> SelectTasks(soci::session& session, const TaskPageQuery& query) {
  const Filters f(query);
  int limit = query.limit;
  long long offset = query.offset;
  std::string row;
  soci::statement statement =
      (session.prepare << std::string(queries::kSelectTaskPage), soci::into(row),
       soci::use(query.tenant, "tenant"), soci::use(query.id, "id"),
       soci::use(query.id, "id_again"), soci::use(query.agent_type, "type"),
       soci::use(query.agent_type, "type_again"), soci::use(f.state, "state"),
       soci::use(f.state, "state_again"), soci::use(f.priority, "priority"),
       soci::use(f.priority, "priority_again"), soci::use(f.after, "after"),
       soci::use(f.after, "after_again"), soci::use(f.before, "before"),
       soci::use(f.before, "before_again"), soci::use(limit, "limit"), soci::use(offset, "offset"));
  statement.execute();
  std::vector<TaskView> out;
  while (statement.fetch()) out.push_back(TaskViewOf(nlohmann::json::parse(row)));
  return out;
}

int64_t CountTasks(soci::session& session, const TaskPageQuery& query, int64_t bound) {
  const Filters f(query);
  long long count = 0;
  long long limit = bound;
  session << std::string(queries::kCountTasks), soci::into(count),
      soci::use(query.tenant, "tenant"), soci::use(query.agent_type, "type"),
      soci::use(query.agent_type, "type_again"), soci::use(f.state, "state"),
      soci::use(f.state, "state_again"), soci::use(f.priority, "priority"),
      soci::use(f.priority, "priority_again"), soci::use(f.after, "after"),
      soci::use(f.after, "after_again"), soci::use(f.before, "before"),
      soci::use(f.before, "before_again"), soci::use(limit, "bound");
  return count;
}

}  // namespace agentstudio::store
