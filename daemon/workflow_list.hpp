#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>

#include "engine/field_error.hpp"
#include "sql/workflow_store.hpp"

namespace agentstudio::daemon {

// A count in a query parameter: digits only (no sign, no spaces), at most
// 18 of them; nullopt otherwise.
std::optional<int64_t> ParseCount(const std::string& text);

// Reads the query of GET /api/workflows: `status` (one of the workflow
// statuses), `limit` (1-1000, default 100), `offset` (>= 0, default 0),
// `sortBy` (createdAt, startedAt, completedAt; default createdAt), `sortOrder`
// (asc, desc; default desc). Unknown parameters are errors too, so a typo is
// not silently ignored. Returns every problem at once.
std::variant<store::ExecutionPageQuery, engine::FieldErrors> ParseWorkflowListQuery(
    const std::map<std::string, std::string>& params);

// A page of GET /api/workflows/{id}/checkpoints.
struct CheckpointPageQuery {
  int64_t after_sequence = 0;
  int limit = 100;
};

// Reads the query of GET /api/workflows/{id}/checkpoints: `afterSequence`
// (>= 0, default 0: from the first) and `limit` (1-1000, default 100).
// Unknown parameters are errors. Returns every problem at once.
std::variant<CheckpointPageQuery, engine::FieldErrors> ParseCheckpointPageQuery(
    const std::map<std::string, std::string>& params);

// The answer: {items, total, totalEstimated, limit, offset, hasMore}. Beyond
// store::kExactTotalBound matching executions, `total` is PostgreSQL's
// estimate and `totalEstimated` is true; `hasMore` is always exact.
nlohmann::json WorkflowListJson(const store::ExecutionPage& page,
                                const store::ExecutionPageQuery& query);

}  // namespace agentstudio::daemon
