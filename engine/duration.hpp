#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace agentstudio::engine {

// Parses a duration given either as ISO 8601 ("PT5M", "PT1H30M", "P1DT2H",
// "PT0.5S") or as a .NET TimeSpan ("00:05:00", "1.02:00:00", "00:00:15.234").
// Returns nullopt for anything else, including negative or empty durations
// such as "PT" or "P".
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);

// Formats as a TimeSpan with milliseconds, "hh:mm:ss.fff", or "d.hh:mm:ss.fff"
// from a day on (.NET's constant format), the shape the REST API uses for
// `duration`. ParseDuration reads it back.
std::string FormatDuration(std::chrono::milliseconds value);

}  // namespace agentstudio::engine
