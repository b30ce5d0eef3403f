// libFuzzer target: durations as the API takes them (ISO 8601 `PT5M`,
// `00:05:00`). A parsed duration formats to text that parses back to it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "engine/duration.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = agentstudio::engine::ParseDuration(text);
  if (!parsed) return 0;
  if (parsed->count() < 0) std::abort();
  const auto again =
      agentstudio::engine::ParseDuration(agentstudio::engine::FormatDuration(*parsed));
  if (again != parsed) std::abort();
  return 0;
}
