#include "engine/json_limits.hpp"

namespace agentstudio::engine {
namespace {

constexpr size_t kMaxReported = 10;

bool HasNul(const std::string& text) { return text.find('\0') != std::string::npos; }

// Depth-first, never deeper than kMaxJsonDepth + 1 frames.
void Check(const nlohmann::json& value, const std::string& path, int depth, FieldErrors& errors) {
  if (errors.size() >= kMaxReported) return;
  if (depth > kMaxJsonDepth) {
    errors.push_back(
        {path, "nesting deeper than " + std::to_string(kMaxJsonDepth) + " levels", "TOO_DEEP"});
    return;
  }
  if (value.is_string()) {
    if (HasNul(value.get_ref<const std::string&>())) {
      errors.push_back({path, "must not contain NUL characters", "INVALID_CHARACTER"});
    }
    return;
  }
  if (value.is_object()) {
    for (const auto& [key, member] : value.items()) {
      const std::string member_path = path.empty() ? key : path + "." + key;
      if (HasNul(key)) {
        errors.push_back({path, "keys must not contain NUL characters", "INVALID_CHARACTER"});
        continue;
      }
      Check(member, member_path, depth + 1, errors);
    }
    return;
  }
  if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      Check(value[i], path + "[" + std::to_string(i) + "]", depth + 1, errors);
    }
  }
}

}  // namespace

void CheckJsonLimits(const nlohmann::json& value, const std::string& path, FieldErrors& errors) {
  FieldErrors found;
  Check(value, path, 1, found);
  errors.insert(errors.end(), found.begin(), found.end());
}

}  // namespace agentstudio::engine
