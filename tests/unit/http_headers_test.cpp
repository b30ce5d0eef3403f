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

TEST(PercentDecodedTest, ShouldDecodeEscapesAndLeaveTheRestAsItIs) {
  EXPECT_EQ(PercentDecoded("2025-10-08T10%3A30%3A00Z"), "2025-10-08T10:30:00Z");
  EXPECT_EQ(PercentDecoded("100%25"), "100%");
  EXPECT_EQ(PercentDecoded("a%20b+c"), "a b+c") << "'+' is not a space in a URI";
  EXPECT_EQ(PercentDecoded("caf%C3%A9"), "caf\xC3\xA9");
  EXPECT_EQ(PercentDecoded("50%"), "50%");
  EXPECT_EQ(PercentDecoded("%4"), "%4");
  EXPECT_EQ(PercentDecoded("%zz%41"), "%zzA");
  EXPECT_EQ(PercentDecoded("%FF%FE"), "%FF%FE") << "not UTF-8: kept as it came";
  EXPECT_EQ(PercentDecoded("a%00b"), "a%00b") << "NUL: kept as it came";
}

}  // namespace
}  // namespace agentstudio::daemon
