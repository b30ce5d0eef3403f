#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "engine/field_error.hpp"

namespace agentstudio::engine {

// How deep request JSON may nest. Free-form values (input, context,
// configuration, metadata) travel on Kafka as protobuf Structs, whose parser
// refuses more than 100 levels, so a deeper value would be accepted here and
// dead-lettered later; 32 leaves room for the envelope around them.
inline constexpr int kMaxJsonDepth = 32;

// Records TOO_DEEP for values nested deeper than kMaxJsonDepth and
// INVALID_CHARACTER for strings or keys holding NUL, which PostgreSQL's text
// and jsonb cannot store. Reports at most 10 problems, each with its path
// (`path` names `value`; empty for the whole body).
void CheckJsonLimits(const nlohmann::json& value, const std::string& path, FieldErrors& errors);

}  // namespace agentstudio::engine
