#include "daemon/accepted_executions.hpp"

#include <gtest/gtest.h>

#include <string>

namespace agentstudio::daemon {
namespace {

TEST(AcceptedExecutions, ShouldRememberAnExecutionUntilItIsErased) {
  AcceptedExecutions accepted(/*capacity=*/10);
  accepted.Put("wf_1", "acme", {{"status", "pending"}});
  // No time limit: schedulers may be down for minutes, the 201 still holds.
  EXPECT_EQ(accepted.Get("wf_1", "acme").value()["status"], "pending");
  EXPECT_FALSE(accepted.Get("wf_2", "acme").has_value());
  accepted.Erase("wf_1");
  EXPECT_FALSE(accepted.Get("wf_1", "acme").has_value());
  EXPECT_EQ(accepted.size(), 0u);
}

TEST(AcceptedExecutions, ShouldShowAnExecutionOnlyToItsTenant) {
  AcceptedExecutions accepted(/*capacity=*/10);
  accepted.Put("wf_1", "acme", {{"status", "pending"}});
  EXPECT_FALSE(accepted.Get("wf_1", "globex").has_value());
  EXPECT_TRUE(accepted.Get("wf_1", "acme").has_value());
  accepted.Put("wf_2", "acme", {});
  accepted.Put("wf_3", "globex", {});
  EXPECT_EQ(accepted.IdsOf("acme"), (std::vector<std::string>{"wf_1", "wf_2"}));
  accepted.Erase("wf_1");
  EXPECT_EQ(accepted.IdsOf("acme"), (std::vector<std::string>{"wf_2"}));
  accepted.Erase("wf_2");
  EXPECT_TRUE(accepted.IdsOf("acme").empty());
  EXPECT_EQ(accepted.IdsOf("globex"), (std::vector<std::string>{"wf_3"}));
}

TEST(AcceptedExecutions, ShouldForgetTheOldestBeyondItsCapacity) {
  AcceptedExecutions accepted(/*capacity=*/2);
  accepted.Put("wf_1", "acme", {});
  accepted.Put("wf_2", "acme", {});
  accepted.Put("wf_3", "acme", {});
  EXPECT_FALSE(accepted.Get("wf_1", "acme").has_value());
  EXPECT_TRUE(accepted.Get("wf_2", "acme").has_value());
  EXPECT_TRUE(accepted.Get("wf_3", "acme").has_value());
  EXPECT_EQ(accepted.evicted(), 1u);
}

TEST(AcceptedExecutions, ShouldNotCountErasedEntriesAgainstItsCapacity) {
  AcceptedExecutions accepted(/*capacity=*/3);
  accepted.Put("wf_old", "acme", {});
  for (int i = 0; i < 100; ++i) {
    const std::string id = "wf_" + std::to_string(i);
    accepted.Put(id, "acme", {});
    accepted.Erase(id);  // applied: PostgreSQL answers from now on
  }
  accepted.Put("wf_a", "acme", {});
  accepted.Put("wf_b", "acme", {});
  EXPECT_TRUE(accepted.Get("wf_old", "acme").has_value()) << "three live entries fit";
  EXPECT_EQ(accepted.evicted(), 0u);
  EXPECT_EQ(accepted.size(), 3u);
}

TEST(AcceptedExecutions, ShouldBoundTheBytesItHolds) {
  AcceptedExecutions accepted(/*capacity=*/100, /*max_bytes=*/2500);
  const std::string big(1000, 'x');
  accepted.Put("wf_1", "acme", {{"input", big}});
  accepted.Put("wf_2", "acme", {{"input", big}});
  accepted.Put("wf_3", "acme", {{"input", big}});  // over the budget: the oldest goes
  EXPECT_FALSE(accepted.Get("wf_1", "acme").has_value());
  EXPECT_TRUE(accepted.Get("wf_2", "acme").has_value());
  EXPECT_TRUE(accepted.Get("wf_3", "acme").has_value());
}

TEST(AcceptedExecutions, ShouldReplaceAnEntryPutTwice) {
  AcceptedExecutions accepted(/*capacity=*/2);
  accepted.Put("wf_1", "acme", {{"v", 1}});
  accepted.Put("wf_1", "acme", {{"v", 2}});
  accepted.Put("wf_2", "acme", {});
  EXPECT_EQ(accepted.Get("wf_1", "acme").value()["v"], 2);
  EXPECT_EQ(accepted.evicted(), 0u);
}

}  // namespace
}  // namespace agentstudio::daemon
