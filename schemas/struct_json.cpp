#include "schemas/struct_json.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace agentstudio::schemas {

google::protobuf::Value ToValue(const Json& value) {
  google::protobuf::Value out;
  switch (value.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded:
      out.set_null_value(google::protobuf::NULL_VALUE);
      break;
    case Json::value_t::boolean:
      out.set_bool_value(value.get<bool>());
      break;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      out.set_number_value(value.get<double>());
      break;
    case Json::value_t::string:
      out.set_string_value(value.get<std::string>());
      break;
    case Json::value_t::array: {
      auto* list = out.mutable_list_value();
      for (const Json& item : value) *list->add_values() = ToValue(item);
      break;
    }
    case Json::value_t::object:
      *out.mutable_struct_value() = ToStruct(value);
      break;
    case Json::value_t::binary:
      out.set_null_value(google::protobuf::NULL_VALUE);
      break;
  }
  return out;
}

google::protobuf::Struct ToStruct(const Json& object) {
  google::protobuf::Struct out;
  if (!object.is_object()) return out;
  auto& fields = *out.mutable_fields();
  for (const auto& [key, item] : object.items()) fields[key] = ToValue(item);
  return out;
}

Json FromValue(const google::protobuf::Value& value) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kNullValue:
    case google::protobuf::Value::KIND_NOT_SET:
      return nullptr;
    case google::protobuf::Value::kNumberValue: {
      const double number = value.number_value();
      constexpr double kMaxExact = 9007199254740992.0;  // 2^53
      if (std::isfinite(number) && std::trunc(number) == number && std::fabs(number) < kMaxExact) {
        return static_cast<int64_t>(number);
      }
      return number;
    }
    case google::protobuf::Value::kStringValue:
      return value.string_value();
    case google::protobuf::Value::kBoolValue:
      return value.bool_value();
    case google::protobuf::Value::kStructValue:
      return FromStruct(value.struct_value());
    case google::protobuf::Value::kListValue: {
      Json list = Json::array();
      for (const auto& item : value.list_value().values()) list.push_back(FromValue(item));
      return list;
    }
  }
  return nullptr;
}

Json FromStruct(const google::protobuf::Struct& value) {
  Json out = Json::object();
  for (const auto& [key, item] : value.fields()) out[key] = FromValue(item);
  return out;
}

google::protobuf::Timestamp ToTimestamp(engine::TimeMs value) {
  // A valid Timestamp (years 1-9999) whatever the time: a step may allow
  // 30,000 years, and clients refuse Timestamps out of range.
  value = std::clamp(value, kMinTimestampSeconds * 1000, kMaxTimestampSeconds * 1000 + 999);
  google::protobuf::Timestamp out;
  out.set_seconds(value / 1000);
  out.set_nanos(static_cast<int32_t>((value % 1000) * 1000000));
  return out;
}

engine::TimeMs FromTimestamp(const google::protobuf::Timestamp& value) {
  const int64_t seconds = std::clamp(value.seconds(), kMinTimestampSeconds, kMaxTimestampSeconds);
  return seconds * 1000 + std::clamp(value.nanos(), 0, 999999999) / 1000000;
}

}  // namespace agentstudio::schemas
