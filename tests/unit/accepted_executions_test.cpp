#include "daemon/accepted_executions.hpp"

#include <gtest/gtest.h>

namespace agentstudio::daemon {
namespace {

TEST(AcceptedExecutions, ShouldAnswerUntilTheTtlRunsOut) {
  AcceptedExecutions accepted(/*ttl_ms=*/1000, /*capacity=*/10);
  accepted.Put("wf_1", {{"status", "pending"}}, 5000);
  EXPECT_EQ(accepted.Get("wf_1", 5999).value()["status"], "pending");
  EXPECT_FALSE(accepted.Get("wf_1", 6001).has_value());
  EXPECT_FALSE(accepted.Get("wf_2", 5000).has_value());
}

TEST(AcceptedExecutions, ShouldForgetTheOldestBeyondItsCapacity) {
  AcceptedExecutions accepted(/*ttl_ms=*/60000, /*capacity=*/2);
  accepted.Put("wf_1", {}, 1);
  accepted.Put("wf_2", {}, 2);
  accepted.Put("wf_3", {}, 3);
  EXPECT_FALSE(accepted.Get("wf_1", 4).has_value());
  EXPECT_TRUE(accepted.Get("wf_2", 4).has_value());
  EXPECT_TRUE(accepted.Get("wf_3", 4).has_value());
}

}  // namespace
}  // namespace agentstudio::daemon
