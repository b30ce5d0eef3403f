#include "daemon/control_plane_page.hpp"

#include "daemon/workflow_list.hpp"

namespace agentstudio::daemon {

bool ControlPlanePage::Read(const std::string& name, const std::string& value,
                            engine::FieldErrors& errors) {
  if (name == "page") {
    const auto parsed = ParseCount(value);
    if (!parsed || *parsed < 1 || *parsed > 1000000000) {
      errors.push_back({"page", "page must be an integer from 1 to 1000000000", "RANGE_ERROR"});
    } else {
      page = *parsed;
    }
    return true;
  }
  const std::string size = style == Style::kRegistry ? "pageSize" : "limit";
  if (name == size) {
    const auto parsed = ParseCount(value);
    if (!parsed || *parsed < 1 || *parsed > 100) {
      errors.push_back({size, size + " must be an integer between 1 and 100", "RANGE_ERROR"});
    } else {
      limit = static_cast<int>(*parsed);
    }
    return true;
  }
  return false;
}

nlohmann::json ControlPlanePage::ToJson(int64_t total) const {
  const int64_t pages = (total + limit - 1) / limit;
  if (style == Style::kRegistry) {
    return {{"page", page}, {"pageSize", limit}, {"totalItems", total}, {"totalPages", pages}};
  }
  return {{"page", page}, {"limit", limit}, {"total", total}, {"pages", pages}};
}

}  // namespace agentstudio::daemon
