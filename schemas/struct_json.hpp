#pragma once

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/timestamp.pb.h>

#include <nlohmann/json.hpp>

#include "engine/workflow_state.hpp"

namespace agentstudio::schemas {

using Json = nlohmann::json;

// JSON <-> google.protobuf.Struct/Value. Numbers become doubles on the wire
// (Struct has no integers); integral doubles come back as integers so
// `"limit": 1000` survives the round trip. A JSON value that is not an object
// becomes an empty Struct.
google::protobuf::Struct ToStruct(const Json& object);
google::protobuf::Value ToValue(const Json& value);
Json FromStruct(const google::protobuf::Struct& value);
Json FromValue(const google::protobuf::Value& value);

// protobuf's Timestamp range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
inline constexpr int64_t kMinTimestampSeconds = -62135596800;
inline constexpr int64_t kMaxTimestampSeconds = 253402300799;

google::protobuf::Timestamp ToTimestamp(engine::TimeMs value);
// Milliseconds since the epoch; a value outside protobuf's range is clamped
// to it (the decoders refuse such messages before they get here).
engine::TimeMs FromTimestamp(const google::protobuf::Timestamp& value);

}  // namespace agentstudio::schemas
