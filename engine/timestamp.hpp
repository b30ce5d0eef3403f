#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "engine/workflow_state.hpp"

namespace agentstudio::engine {

// RFC 3339 UTC with milliseconds, "2025-10-08T10:30:00.123Z".
std::string FormatTimestamp(TimeMs value);

// Reads what FormatTimestamp writes (and the same without milliseconds).
std::optional<TimeMs> ParseTimestamp(std::string_view text);

// The system clock now. For the edges (consumers, front door, agents) that
// stamp inputs; the engine itself never calls it: time is an input.
TimeMs WallClockNow();

}  // namespace agentstudio::engine
