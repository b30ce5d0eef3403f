#include "sql/json_rows_writer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

namespace agentstudio::store {
namespace {

using Json = nlohmann::json;

TEST(JsonRowsWriterTest, ShouldWriteRowsThatParseAsTheFieldsGiven) {
  JsonRowsWriter rows;
  const Json request = {{"input", {{"text", "a \"quoted\"\nline"}, {"n", 3}}}, {"list", {1, 2}}};
  rows.BeginRow();
  rows.Text("id", "task-1");
  rows.Text("note", "tab\there, back\\slash, \"quote\", \x01 control, caf\xc3\xa9, \xe2\x82\xac");
  rows.Integer("big", std::numeric_limits<int64_t>::min());
  rows.Boolean("yes", true);
  rows.Boolean("no", false);
  rows.Number("tenth", 0.1);
  rows.Number("tiny", 1e-7);
  rows.Number("nan", std::nan(""));
  rows.Value("request", request);
  rows.Value("none", Json());
  rows.TextArray("depends_on", {"a", "b\"c"});
  rows.TextArray("empty", {});
  rows.TextObject("headers", {{"content-type", "x/y"}, {"k\"ey", "v\nal"}});
  rows.BeginRow();
  rows.Text("id", "task-2");
  ASSERT_EQ(rows.rows(), 2u);

  const Json parsed = Json::parse(rows.Finish());
  const Json expected = Json::array(
      {{{"id", "task-1"},
        {"note", "tab\there, back\\slash, \"quote\", \x01 control, caf\xc3\xa9, \xe2\x82\xac"},
        {"big", std::numeric_limits<int64_t>::min()},
        {"yes", true},
        {"no", false},
        {"tenth", 0.1},
        {"tiny", 1e-7},
        {"nan", nullptr},
        {"request", request},
        {"none", nullptr},
        {"depends_on", {"a", "b\"c"}},
        {"empty", Json::array()},
        {"headers", {{"content-type", "x/y"}, {"k\"ey", "v\nal"}}}},
       {{"id", "task-2"}}});
  EXPECT_EQ(parsed, expected);
  // Doubles read back exactly.
  EXPECT_EQ(parsed[0]["tenth"].get<double>(), 0.1);
}

TEST(JsonRowsWriterTest, ShouldWriteAnEmptyArrayAndStartAgainAfterFinish) {
  JsonRowsWriter rows;
  EXPECT_TRUE(rows.empty());
  EXPECT_EQ(rows.Finish(), "[]");
  rows.BeginRow();
  rows.Integer("a", 1);
  EXPECT_EQ(rows.Finish(), R"([{"a":1}])");
  EXPECT_TRUE(rows.empty());
  rows.BeginRow();
  EXPECT_EQ(rows.Finish(), "[{}]");
}

// PostgreSQL would refuse the whole batch; nlohmann's error names the cause.
TEST(JsonRowsWriterTest, ShouldRefuseTextThatIsNotUtf8AsNlohmannDoes) {
  JsonRowsWriter rows;
  rows.BeginRow();
  EXPECT_THROW(rows.Text("id", "bad \xff byte"), Json::type_error);
}

}  // namespace
}  // namespace agentstudio::store
