#include "engine/duration.hpp"

#include <cctype>
#include <cstdint>
#include <cstdio>

namespace agentstudio::engine {
namespace {

// Reads digits with an optional fraction; returns false when none were read.
bool ReadNumber(std::string_view text, size_t& pos, double& value, bool allow_fraction) {
  const size_t start = pos;
  double whole = 0;
  while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
    whole = whole * 10 + (text[pos] - '0');
    ++pos;
  }
  if (pos == start) return false;
  if (allow_fraction && pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
    ++pos;
    double scale = 0.1;
    const size_t frac_start = pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      whole += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == frac_start) return false;
  }
  value = whole;
  return true;
}

std::optional<std::chrono::milliseconds> ParseIso8601(std::string_view text) {
  size_t pos = 1;  // after 'P'
  double total_ms = 0;
  bool any = false;
  bool in_time = false;
  // Units must appear in order; the rank makes "PT5S3M" invalid.
  auto rank = [](char unit, bool time) -> int {
    if (!time) return unit == 'W' ? 1 : unit == 'D' ? 2 : 0;
    return unit == 'H' ? 3 : unit == 'M' ? 4 : unit == 'S' ? 5 : 0;
  };
  int last_rank = 0;
  while (pos < text.size()) {
    if (text[pos] == 'T') {
      if (in_time) return std::nullopt;
      in_time = true;
      ++pos;
      if (pos == text.size()) return std::nullopt;
      continue;
    }
    double value = 0;
    if (!ReadNumber(text, pos, value, /*allow_fraction=*/true)) return std::nullopt;
    if (pos == text.size()) return std::nullopt;
    const char unit = text[pos++];
    const int r = rank(unit, in_time);
    if (r == 0 || r <= last_rank) return std::nullopt;
    last_rank = r;
    switch (unit) {
      case 'W':
        total_ms += value * 7 * 86400000.0;
        break;
      case 'D':
        total_ms += value * 86400000.0;
        break;
      case 'H':
        total_ms += value * 3600000.0;
        break;
      case 'M':
        total_ms += value * 60000.0;
        break;
      case 'S':
        total_ms += value * 1000.0;
        break;
      default:
        return std::nullopt;
    }
    any = true;
  }
  if (!any || total_ms > 1e15) return std::nullopt;
  return std::chrono::milliseconds(static_cast<int64_t>(total_ms + 0.5));
}

std::optional<std::chrono::milliseconds> ParseTimeSpan(std::string_view text) {
  // [d.]hh:mm:ss[.fffffff]
  size_t pos = 0;
  double days = 0;
  double first = 0;
  if (!ReadNumber(text, pos, first, false)) return std::nullopt;
  double hours = first;
  if (pos < text.size() && text[pos] == '.') {
    days = first;
    ++pos;
    if (!ReadNumber(text, pos, hours, false)) return std::nullopt;
  }
  if (pos >= text.size() || text[pos] != ':') return std::nullopt;
  ++pos;
  double minutes = 0;
  const size_t minutes_start = pos;
  if (!ReadNumber(text, pos, minutes, false) || pos - minutes_start != 2) return std::nullopt;
  if (pos >= text.size() || text[pos] != ':') return std::nullopt;
  ++pos;
  double seconds = 0;
  const size_t seconds_start = pos;
  if (!ReadNumber(text, pos, seconds, true) || pos - seconds_start < 2) return std::nullopt;
  if (pos != text.size()) return std::nullopt;
  if (hours > 23 || minutes > 59 || seconds >= 60) return std::nullopt;
  const double total_ms = ((days * 24 + hours) * 60 + minutes) * 60000.0 + seconds * 1000.0;
  if (total_ms > 1e15) return std::nullopt;
  return std::chrono::milliseconds(static_cast<int64_t>(total_ms + 0.5));
}

}  // namespace

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  if (text[0] == 'P') return ParseIso8601(text);
  return ParseTimeSpan(text);
}

std::string FormatDuration(std::chrono::milliseconds value) {
  int64_t ms = value.count() < 0 ? 0 : value.count();
  const int64_t days = ms / 86400000;
  ms %= 86400000;
  const int64_t hours = ms / 3600000;
  ms %= 3600000;
  const int64_t minutes = ms / 60000;
  ms %= 60000;
  const int64_t seconds = ms / 1000;
  ms %= 1000;
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%02lld:%02lld:%02lld.%03lld", static_cast<long long>(hours),
                static_cast<long long>(minutes), static_cast<long long>(seconds),
                static_cast<long long>(ms));
  return days == 0 ? buffer : std::to_string(days) + "." + buffer;
}

}  // namespace agentstudio::engine
