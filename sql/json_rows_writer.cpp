#include "sql/json_rows_writer.hpp"

#include <charconv>
#include <cmath>

namespace agentstudio::store {

void JsonRowsWriter::BeginRow() {
  if (rows_ > 0) text_ += "},";
  text_ += '{';
  ++rows_;
  first_field_ = true;
}

void JsonRowsWriter::Key(std::string_view key) {
  if (!first_field_) text_ += ',';
  first_field_ = false;
  text_ += '"';
  text_ += key;
  text_ += "\":";
}

void JsonRowsWriter::AppendText(std::string_view value) {
  // Ids, names and statuses are plain ASCII: copied as they are. Anything
  // else takes nlohmann's escaping and UTF-8 check, so there is one rule.
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x80 || c == '"' || c == '\\') {
      text_ += nlohmann::json(value).dump();
      return;
    }
  }
  text_ += '"';
  text_ += value;
  text_ += '"';
}

void JsonRowsWriter::Text(std::string_view key, std::string_view value) {
  Key(key);
  AppendText(value);
}

void JsonRowsWriter::Bytes(std::string_view key, std::string_view value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  Key(key);
  text_.reserve(text_.size() + value.size() * 2 + 2);
  text_.push_back('"');
  for (const unsigned char c : value) {
    text_.push_back(kDigits[c >> 4]);
    text_.push_back(kDigits[c & 0xf]);
  }
  text_.push_back('"');
}

void JsonRowsWriter::Integer(std::string_view key, int64_t value) {
  Key(key);
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  text_.append(digits, end);
}

void JsonRowsWriter::Boolean(std::string_view key, bool value) {
  Key(key);
  text_ += value ? "true" : "false";
}

void JsonRowsWriter::Number(std::string_view key, double value) {
  Key(key);
  if (!std::isfinite(value)) {
    text_ += "null";
    return;
  }
  char digits[32];  // the shortest text that reads back as the same double
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  text_.append(digits, end);
}

void JsonRowsWriter::Value(std::string_view key, const nlohmann::json& value) {
  Key(key);
  text_ += value.dump();
}

void JsonRowsWriter::TextArray(std::string_view key, const std::vector<std::string>& values) {
  Key(key);
  text_ += '[';
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text_ += ',';
    AppendText(values[i]);
  }
  text_ += ']';
}

void JsonRowsWriter::TextObject(std::string_view key,
                                const std::map<std::string, std::string>& values) {
  Key(key);
  text_ += '{';
  bool first = true;
  for (const auto& [name, value] : values) {
    if (!first) text_ += ',';
    first = false;
    AppendText(name);
    text_ += ':';
    AppendText(value);
  }
  text_ += '}';
}

std::string JsonRowsWriter::Finish() {
  text_ += rows_ > 0 ? "}]" : "]";
  std::string out = std::move(text_);
  text_ = "[";
  rows_ = 0;
  first_field_ = true;
  return out;
}

}  // namespace agentstudio::store
