#include "auth/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace agentstudio::auth {
namespace {

constexpr double kMsPerMinute = 60000.0;

// `bucket` refilled at `per_minute` up to now_ms.
double Refilled(double tokens, int64_t at_ms, int per_minute, int64_t now_ms) {
  const double elapsed = static_cast<double>(std::max<int64_t>(now_ms - at_ms, 0));
  return std::min<double>(per_minute, tokens + elapsed * per_minute / kMsPerMinute);
}

}  // namespace

RateTier RateLimitSettings::TierOf(const std::string& name) const {
  if (const auto it = tiers.find(name); it != tiers.end()) return it->second;
  if (const auto it = tiers.find(default_tier); it != tiers.end()) return it->second;
  return {};
}

RateDecision RateLimiter::Take(const std::string& credential, int requests_per_minute,
                               int64_t now_ms) {
  if (requests_per_minute <= 0) return {};
  std::lock_guard lock(mutex_);
  auto [it, added] = buckets_.try_emplace(
      credential, Bucket{static_cast<double>(requests_per_minute), now_ms}, requests_per_minute);
  auto& [bucket, rate] = it->second;
  if (rate != requests_per_minute) {  // the credential's tier changed: a new bucket
    bucket = {static_cast<double>(requests_per_minute), now_ms};
    rate = requests_per_minute;
  }
  bucket.tokens = Refilled(bucket.tokens, bucket.at_ms, rate, now_ms);
  bucket.at_ms = now_ms;
  RateDecision decision;
  decision.limit = rate;
  decision.allowed = bucket.tokens >= 1.0;
  if (decision.allowed) bucket.tokens -= 1.0;
  decision.remaining = static_cast<int>(std::floor(bucket.tokens));
  const double ms_per_token = kMsPerMinute / rate;
  decision.reset_unix =
      (now_ms + static_cast<int64_t>(std::ceil((rate - bucket.tokens) * ms_per_token)) + 999) /
      1000;
  if (!decision.allowed) {
    decision.retry_after_s =
        std::max(1, static_cast<int>(std::ceil((1.0 - bucket.tokens) * ms_per_token / 1000.0)));
  }
  if (added && buckets_.size() > sweep_at_) ForgetFullBuckets(now_ms);
  return decision;
}

void RateLimiter::ForgetFullBuckets(int64_t now_ms) {
  std::erase_if(buckets_, [now_ms](const auto& entry) {
    const auto& [bucket, rate] = entry.second;
    return Refilled(bucket.tokens, bucket.at_ms, rate, now_ms) >= rate;
  });
  // Next sweep once the map has doubled: the cost stays linear overall.
  sweep_at_ = std::max<size_t>(1024, buckets_.size() * 2);
}

size_t RateLimiter::buckets() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

}  // namespace agentstudio::auth
