#pragma once

#include <soci/soci.h>

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/workflow_state.hpp"

namespace agentstudio::store {

// Reads and writes executions with their tasks, event log and checkpoints.
// Every function runs on the caller's session and inside the caller's
// transaction (if any); errors are thrown as soci exceptions for the caller to
// classify with ClassifyDatabaseError(). Functions take whole batches so a
// scheduler poll costs a fixed number of round trips.

// Loads the executions with these ids (missing ids are absent from the map).
// With `for_update`, locks their rows until the transaction ends; rows are
// locked in id order so concurrent batches cannot deadlock.
std::map<std::string, engine::WorkflowState> LoadExecutions(soci::session& session,
                                                            const std::vector<std::string>& ids,
                                                            bool for_update);

// What tells a copy of an execution from another: the version every applied
// decision bumps, and the creation time (a workflow deleted and started
// again under its id starts over at version 1).
struct ExecutionStamp {
  int64_t version = 0;
  engine::TimeMs created_at = 0;
  bool operator==(const ExecutionStamp&) const = default;
};
ExecutionStamp StampOf(const engine::WorkflowState& state);

// Locks the rows of these executions (those that exist) until the
// transaction ends, in id order, and returns each one's stamp: one round trip
// that tells whether a copy held in memory is still what the store has.
std::map<std::string, ExecutionStamp> LockExecutions(soci::session& session,
                                                     const std::vector<std::string>& ids);

// The status and last event sequence of each of these executions that exists
// (a cheap check: no tasks, no log).
struct ExecutionMark {
  engine::WorkflowStatus status = engine::WorkflowStatus::kPending;
  int64_t last_event_sequence = 0;
  std::string tenant;
};
std::map<std::string, ExecutionMark> LoadMarks(soci::session& session,
                                               const std::vector<std::string>& ids);

// Which execution a task belongs to, the task's status, and the execution's tenant.
struct TaskOwner {
  std::string workflow_id;
  engine::TaskStatus status = engine::TaskStatus::kWaiting;
  std::string tenant;
  std::string agent_type;
  int attempt = 0;  // of the latest dispatch (0: never dispatched)
};
std::optional<TaskOwner> FindTaskOwner(soci::session& session, const std::string& task_id);

// How many of `tenant`'s workflows run or are about to: its pending and
// running executions, counted up to `bound`, and those of `accepted_ids`
// (accepted by a front door) that are not stored yet.
int64_t CountActiveExecutions(soci::session& session, const std::string& tenant,
                              const std::vector<std::string>& accepted_ids, int64_t bound);

// Thrown by SaveExecutions when a task id is already another execution's, or
// two of the executions saved share one. Nothing of the other execution
// changes; the failure blames the message that planned the task, so a
// consumer dead-letters that message (a foreign producer may choose task ids).
class TaskIdTaken : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What the store holds of an execution, as much as SaveExecutions needs to
// tell the rows an update changes: the number of steps (a definition only
// grows) and each task's columns that events change, without the JSON. A
// task's request changes only with a new attempt, and its response only with
// its status (engine::TaskState), so neither needs comparing.
struct StoredTask {
  size_t id_hash = 0;  // std::hash of the id: tasks keep their positions, this checks it
  engine::TaskStatus status = engine::TaskStatus::kWaiting;
  int attempt = 0;
  bool dispatched = false;
  int retry_count = 0;
  engine::FailureCause failure = engine::FailureCause::kNone;
  double progress = 0;
  engine::TimeMs started_at = 0;
  engine::TimeMs completed_at = 0;
  std::string error_message;
};
struct StoredExecution {
  size_t steps = 0;
  std::vector<StoredTask> tasks;
};
StoredExecution StoredExecutionOf(const engine::WorkflowState& state);

// An execution to write, and what the store held of it before (null for a new
// one). Only what differs from `before` is written: the tasks that changed,
// and the execution's row without its definition unless that grew.
struct ExecutionToSave {
  const engine::WorkflowState* state = nullptr;
  const StoredExecution* before = nullptr;
};

// Inserts new executions with their tasks and updates the changed rows of
// the others; throws TaskIdTaken (see above) before anything of another
// execution is overwritten.
void SaveExecutions(soci::session& session, const std::vector<ExecutionToSave>& executions);

// Deletes executions with their tasks, event log and checkpoints.
void DeleteExecutions(soci::session& session, const std::vector<std::string>& ids);

struct WorkflowEventRow {
  std::string workflow_id;
  engine::ExecutionEvent event;
  std::string source_message_id;  // the message applied; empty for timers
};
using CheckpointRow = std::pair<std::string, engine::Checkpoint>;  // (workflow id, checkpoint)

void InsertEvents(soci::session& session, const std::vector<WorkflowEventRow>& events);
void InsertCheckpoints(soci::session& session, const std::vector<CheckpointRow>& checkpoints);

// The event log of one execution after `after_sequence`, in order.
std::vector<engine::ExecutionEvent> LoadEvents(soci::session& session,
                                               const std::string& workflow_id,
                                               int64_t after_sequence = 0);

// The event log of one execution, in order, with each event's data as the
// JSON text PostgreSQL has (empty when it has none): to be served without
// being parsed.
struct EventText {
  int64_t sequence = 0;
  std::string_view type;
  std::string_view severity;
  std::string_view data_json;
  engine::TimeMs timestamp = 0;
};
// Calls `visit` for each in sequence order, with views valid only during the
// call: a log of 10,000 events is passed on without a copy of each. Returns
// how many there were.
size_t ForEachEventText(soci::session& session, const std::string& workflow_id,
                        const std::function<void(const EventText&)>& visit);

// The checkpoints of one execution numbered after `after_sequence`, oldest
// first, at most `limit`.
std::vector<engine::Checkpoint> LoadCheckpoints(soci::session& session,
                                                const std::string& workflow_id,
                                                int64_t after_sequence = 0, int limit = 1000000);

// A list item of GET /api/workflows.
struct ExecutionSummary {
  std::string id;
  std::string definition_id;
  std::string pattern;
  std::string status;
  std::string initiated_by;
  engine::TimeMs created_at = 0;
  engine::TimeMs started_at = 0;
  engine::TimeMs completed_at = 0;
  double progress = 0;  // completed tasks over all, 0-100, two decimals
  int64_t tasks_completed = 0;
  int64_t tasks_failed = 0;
};

enum class ExecutionSortColumn { kCreatedAt, kStartedAt, kCompletedAt };

struct ExecutionPageQuery {
  std::string tenant{engine::kDefaultTenant};  // only this tenant's executions
  std::optional<std::string> status;           // only executions of this status; none: every status
  std::optional<std::string> definition_id;    // only executions of this definition
  // Only executions created at or after `created_from`, at or before `created_to`.
  std::optional<engine::TimeMs> created_from;
  std::optional<engine::TimeMs> created_to;
  ExecutionSortColumn sort = ExecutionSortColumn::kCreatedAt;
  bool ascending = false;  // executions never started/completed sort last either way
  int limit = 100;
  int64_t offset = 0;
};

struct ExecutionPage {
  std::vector<ExecutionSummary> items;
  bool more = false;  // a page follows this one
  // Matching executions, all pages: counted up to kExactTotalBound, beyond
  // that the planner's estimate (at least the bound; only the tenant and
  // status filters are estimated, so with a definition or a time filter it is
  // the count so far), and `total_estimated`.
  int64_t total = 0;
  bool total_estimated = false;
};
inline constexpr int64_t kExactTotalBound = 10000;

// A page in the order of an index (migrations 016, 018), so that its cost depends
// on offset + limit, not on the size of the table.
ExecutionPage ListExecutions(soci::session& session, const ExecutionPageQuery& query);

// Records message ids (command ids, event ids) as processed and returns those
// that were new. Inside a transaction, a rollback forgets them again.
std::set<std::string> ClaimNewMessageIds(soci::session& session,
                                         const std::vector<std::string>& ids);

// Deletes up to `limit` processed message ids claimed before `before`;
// returns how many.
uint64_t PruneProcessedMessages(soci::session& session, engine::TimeMs before, int limit);

}  // namespace agentstudio::store
