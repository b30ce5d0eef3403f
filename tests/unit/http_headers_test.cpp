#include "daemon/http_headers.hpp"

#include <gtest/gtest.h>

namespace agentstudio::daemon {
namespace {

TEST(IfNoneMatchTest, ShouldHoldForTheSameTagAnyTagOrOneInAList) {
  EXPECT_TRUE(IfNoneMatchHolds("\"v3\"", "\"v3\""));
  EXPECT_TRUE(IfNoneMatchHolds("*", "\"v3\""));
  EXPECT_TRUE(IfNoneMatchHolds("\"v1\", \"v3\"", "\"v3\""));
  EXPECT_TRUE(IfNoneMatchHolds("W/\"v3\"", "\"v3\"")) << "weak comparison";
  EXPECT_TRUE(IfNoneMatchHolds("  \"v3\"  ,", "\"v3\""));
}

TEST(IfNoneMatchTest, ShouldNotHoldForOtherTagsOrNone) {
  EXPECT_FALSE(IfNoneMatchHolds("", "\"v3\""));
  EXPECT_FALSE(IfNoneMatchHolds("\"v2\"", "\"v3\""));
  EXPECT_FALSE(IfNoneMatchHolds("\"v3", "\"v3\""));
  EXPECT_FALSE(IfNoneMatchHolds("\"v1\", \"v2\"", "\"v3\""));
  EXPECT_FALSE(IfNoneMatchHolds(",,", "\"v3\""));
}

}  // namespace
}  // namespace agentstudio::daemon
