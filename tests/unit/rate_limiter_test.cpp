#include "auth/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <string>

namespace agentstudio::auth {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;  // ms

TEST(RateLimiter, ShouldAllowABurstOfTheLimitThenRefuseUntilATokenRefills) {
  RateLimiter limiter;
  for (int i = 0; i < 60; ++i) {
    const RateDecision taken = limiter.Take("jwt:acme/u", 60, kNow);
    ASSERT_TRUE(taken.allowed) << i;
    EXPECT_EQ(taken.limit, 60);
    EXPECT_EQ(taken.remaining, 59 - i);
  }
  const RateDecision refused = limiter.Take("jwt:acme/u", 60, kNow);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.remaining, 0);
  EXPECT_EQ(refused.retry_after_s, 1) << "60 a minute: one a second";
  EXPECT_EQ(refused.reset_unix, kNow / 1000 + 60) << "full again in a minute";
  EXPECT_FALSE(limiter.Take("jwt:acme/u", 60, kNow + 999).allowed);
  EXPECT_TRUE(limiter.Take("jwt:acme/u", 60, kNow + 1000).allowed);
  EXPECT_FALSE(limiter.Take("jwt:acme/u", 60, kNow + 1000).allowed);
}

TEST(RateLimiter, ShouldKeepABucketPerCredential) {
  RateLimiter limiter;
  EXPECT_TRUE(limiter.Take("a", 1, kNow).allowed);
  EXPECT_FALSE(limiter.Take("a", 1, kNow).allowed);
  EXPECT_TRUE(limiter.Take("b", 1, kNow).allowed);
  const RateDecision slow = limiter.Take("a", 1, kNow);
  EXPECT_EQ(slow.retry_after_s, 60) << "one a minute";
}

TEST(RateLimiter, ShouldNotLimitAnUnlimitedTier) {
  RateLimiter limiter;
  for (int i = 0; i < 1000; ++i) {
    const RateDecision taken = limiter.Take("a", 0, kNow);
    ASSERT_TRUE(taken.allowed);
    EXPECT_EQ(taken.limit, 0);
  }
  EXPECT_EQ(limiter.buckets(), 0u);
}

TEST(RateLimiter, ShouldForgetBucketsThatRefilled) {
  RateLimiter limiter;
  for (int i = 0; i < 1500; ++i) limiter.Take("old_" + std::to_string(i), 60, kNow);
  // A minute later the old buckets are full again; new credentials sweep them.
  for (int i = 0; i < 3000; ++i) limiter.Take("new_" + std::to_string(i), 60, kNow + 60000);
  EXPECT_LT(limiter.buckets(), 3500u) << "the full buckets were not forgotten";
  // A forgotten credential starts full, as it would have been.
  EXPECT_EQ(limiter.Take("old_1", 60, kNow + 60000).remaining, 59);
}

TEST(RateLimitSettings, ShouldFallBackToTheDefaultTier) {
  RateLimitSettings settings;
  EXPECT_EQ(settings.TierOf("free").requests_per_minute, 60);
  EXPECT_EQ(settings.TierOf("free").concurrent_workflows, 2);
  EXPECT_EQ(settings.TierOf("").requests_per_minute, 300);
  EXPECT_EQ(settings.TierOf("no such tier").concurrent_workflows, 10);
  EXPECT_EQ(settings.TierOf("enterprise").requests_per_minute, 0);
}

}  // namespace
}  // namespace agentstudio::auth
