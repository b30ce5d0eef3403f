#include "engine/task_ids.hpp"

#include <cstdint>
#include <cstdio>

namespace agentstudio::engine {

std::string DeriveTaskId(std::string_view workflow_id, std::string_view key) {
  uint64_t hash = 14695981039346656037ull;
  auto mix = [&hash](std::string_view text) {
    for (const unsigned char c : text) {
      hash ^= c;
      hash *= 1099511628211ull;
    }
  };
  mix(workflow_id);
  mix("/");
  mix(key);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return std::string("task_") + hex;
}

}  // namespace agentstudio::engine
