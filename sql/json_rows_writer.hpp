#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace agentstudio::store {

// Writes the `rows` text that the jsonb_to_recordset queries take (a JSON
// array of objects) field by field, straight into one string. Building an
// nlohmann tree per row, deep-copying requests and responses into it, dumping
// it and freeing it was 40 % of the scheduler's SaveExecutions under load.
//
// Keys are the caller's literals and are written as given (REQUIRES: no
// character that JSON must escape). Text values are escaped as nlohmann would,
// and text that is not UTF-8 throws nlohmann's type_error, as dump() does.
class JsonRowsWriter {
 public:
  // Starts a row; the fields that follow belong to it until the next BeginRow.
  void BeginRow();

  void Text(std::string_view key, std::string_view value);
  // Binary as hex text, for decode(..., 'hex') into bytea: SOCI cuts binary
  // strings at NUL bytes.
  void Bytes(std::string_view key, std::string_view value);
  void Integer(std::string_view key, int64_t value);
  void Boolean(std::string_view key, bool value);
  void Number(std::string_view key, double value);  // not finite: null, as nlohmann
  void Value(std::string_view key, const nlohmann::json& value);
  void TextArray(std::string_view key, const std::vector<std::string>& values);
  void TextObject(std::string_view key, const std::map<std::string, std::string>& values);

  size_t rows() const { return rows_; }
  bool empty() const { return rows_ == 0; }

  // The array's text. The writer is left empty.
  std::string Finish();

 private:
  void Key(std::string_view key);
  void AppendText(std::string_view value);

  std::string text_ = "[";
  size_t rows_ = 0;
  bool first_field_ = true;
};

}  // namespace agentstudio::store
