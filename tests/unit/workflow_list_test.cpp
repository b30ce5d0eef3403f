#include "daemon/workflow_list.hpp"

#include <gtest/gtest.h>

namespace agentstudio::daemon {
namespace {

store::ExecutionPageQuery Parse(const std::map<std::string, std::string>& params) {
  auto result = ParseWorkflowListQuery(params);
  EXPECT_TRUE(std::holds_alternative<store::ExecutionPageQuery>(result));
  return std::get<store::ExecutionPageQuery>(result);
}

engine::FieldErrors Errors(const std::map<std::string, std::string>& params) {
  auto result = ParseWorkflowListQuery(params);
  EXPECT_TRUE(std::holds_alternative<engine::FieldErrors>(result));
  return std::get<engine::FieldErrors>(result);
}

TEST(ParseWorkflowListQuery, ShouldDefaultToTheNewestHundredOfEveryStatus) {
  const auto query = Parse({});
  EXPECT_EQ(query.limit, 100);
  EXPECT_EQ(query.offset, 0);
  EXPECT_EQ(query.sort, store::ExecutionSortColumn::kCreatedAt);
  EXPECT_FALSE(query.ascending);
  EXPECT_FALSE(query.status.has_value());
}

TEST(ParseWorkflowListQuery, ShouldReadEveryParameterOfTheReference) {
  const auto query = Parse({{"status", "completed"},
                            {"limit", "20"},
                            {"offset", "40"},
                            {"sortBy", "completedAt"},
                            {"sortOrder", "asc"}});
  EXPECT_EQ(query.status, std::optional<std::string>("completed"));
  EXPECT_EQ(query.limit, 20);
  EXPECT_EQ(query.offset, 40);
  EXPECT_EQ(query.sort, store::ExecutionSortColumn::kCompletedAt);
  EXPECT_TRUE(query.ascending);
}

TEST(ParseWorkflowListQuery, ShouldRejectOutOfRangeAndMalformedValuesTogether) {
  const auto errors = Errors({{"limit", "0"},
                              {"offset", "-1"},
                              {"sortBy", "name"},
                              {"sortOrder", "up"},
                              {"status", "done"}});
  EXPECT_EQ(errors.size(), 5u);
  EXPECT_EQ(Errors({{"limit", "1001"}})[0].code, "RANGE_ERROR");
  EXPECT_EQ(Errors({{"limit", "10; DROP TABLE tasks"}})[0].field, "limit");
  EXPECT_EQ(Errors({{"limit", "99999999999999999999"}})[0].field, "limit");
}

TEST(ParseWorkflowListQuery, ShouldRejectUnknownParameters) {
  const auto errors = Errors({{"stauts", "running"}});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "stauts");
}

TEST(ParseCheckpointPageQuery, ShouldDefaultToTheFirstHundred) {
  const auto query = std::get<CheckpointPageQuery>(ParseCheckpointPageQuery({}));
  EXPECT_EQ(query.after_sequence, 0);
  EXPECT_EQ(query.limit, 100);
  const auto page = std::get<CheckpointPageQuery>(
      ParseCheckpointPageQuery({{"afterSequence", "42"}, {"limit", "1000"}}));
  EXPECT_EQ(page.after_sequence, 42);
  EXPECT_EQ(page.limit, 1000);
}

TEST(ParseCheckpointPageQuery, ShouldRejectBadValuesAndUnknownParameters) {
  const auto errors = std::get<engine::FieldErrors>(
      ParseCheckpointPageQuery({{"afterSequence", "-1"}, {"limit", "1001"}, {"offset", "3"}}));
  ASSERT_EQ(errors.size(), 3u);
}

TEST(WorkflowListJson, ShouldSayWhetherMorePagesFollow) {
  store::ExecutionPage page;
  page.total = 3;
  page.more = true;
  page.items.resize(2);
  page.items[0].id = "wf_1";
  page.items[0].created_at = 1759919400000;
  store::ExecutionPageQuery query;
  query.limit = 2;
  const auto json = WorkflowListJson(page, query);
  EXPECT_TRUE(json["hasMore"].get<bool>());
  EXPECT_EQ(json["total"], 3);
  EXPECT_FALSE(json["totalEstimated"].get<bool>());
  EXPECT_EQ(json["items"][0]["createdAt"], "2025-10-08T10:30:00.000Z");
  EXPECT_FALSE(json["items"][0].contains("startedAt"));
  page.more = false;
  EXPECT_FALSE(WorkflowListJson(page, query)["hasMore"].get<bool>());
}

}  // namespace
}  // namespace agentstudio::daemon
