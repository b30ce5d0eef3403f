#pragma once

#include <string>
#include <vector>

namespace agentstudio::engine {

// One validation problem, reported with the JSON path of the offending field
// (e.g. "definition.steps[1].dependsOn") and a stable machine-readable code
// (REQUIRED_FIELD, INVALID_FORMAT, RANGE_ERROR, DUPLICATE_ID, UNKNOWN_DEPENDENCY,
// CYCLE_DETECTED, TOO_DEEP, INVALID_CHARACTER; see docs/api.md).
struct FieldError {
  std::string field;
  std::string message;
  std::string code;

  bool operator==(const FieldError&) const = default;
};

using FieldErrors = std::vector<FieldError>;

}  // namespace agentstudio::engine
