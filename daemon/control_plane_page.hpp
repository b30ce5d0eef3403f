#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/field_error.hpp"

namespace agentstudio::daemon {

// The page/limit pagination of the control plane's lists (reference 004):
// `page` from 1 (default 1), `limit` 1-100 (default 20). The registry's
// (reference 003) is the same with `pageSize` for `limit`.
struct ControlPlanePage {
  enum class Style {
    kControlPlane,  // page, limit; answers {page, limit, total, pages}
    kRegistry,      // page, pageSize; answers {page, pageSize, totalItems, totalPages}
  };
  Style style = Style::kControlPlane;
  int64_t page = 1;
  int limit = 20;

  int64_t offset() const { return (page - 1) * limit; }
  // Reads `name=value` when it is `page` or the size (a bad value adds an
  // error); returns false for any other name.
  bool Read(const std::string& name, const std::string& value, engine::FieldErrors& errors);
  // The answer's pagination object, in the style's names.
  nlohmann::json ToJson(int64_t total) const;
};

}  // namespace agentstudio::daemon
