#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

namespace agentstudio::auth {

// What a tier of the REST reference allows (001, "Rate Limiting"). 0: no limit.
struct RateTier {
  int requests_per_minute = 0;
  int concurrent_workflows = 0;
};

struct RateLimitSettings {
  // By name; AGENTSTUDIO_RATE_LIMIT_TIERS changes and adds tiers.
  std::map<std::string, RateTier> tiers = {
      {"free", {60, 2}},
      {"developer", {300, 10}},
      {"professional", {1000, 50}},
      {"enterprise", {0, 0}},
  };
  // Of a credential that names no tier, or one not in `tiers`.
  std::string default_tier = "developer";

  // The tier called `name`, else the default one (unlimited if that is unknown too).
  RateTier TierOf(const std::string& name) const;
};

// What one request took from its credential's bucket, for the X-RateLimit-*
// headers and, when refused, Retry-After.
struct RateDecision {
  bool allowed = true;
  int limit = 0;           // requests a minute; 0: unlimited (no headers)
  int remaining = 0;       // whole requests left in the bucket
  int64_t reset_unix = 0;  // when the bucket is full again (Unix seconds)
  int retry_after_s = 0;   // when refused: seconds until one request is allowed
};

// A token bucket per credential: `requests_per_minute` tokens at most,
// refilled continuously at that rate, one taken by each request. Buckets
// that have refilled to full are forgotten (a new one is the same), so the
// memory held is that of the credentials in use. Thread-safe.
class RateLimiter {
 public:
  // `now_ms` is wall-clock time in milliseconds.
  RateDecision Take(const std::string& credential, int requests_per_minute, int64_t now_ms);

  size_t buckets() const;

 private:
  struct Bucket {
    double tokens = 0;
    int64_t at_ms = 0;  // when `tokens` was last brought up to date
  };
  // Drops the buckets that are full again at `now_ms`.
  void ForgetFullBuckets(int64_t now_ms);

  mutable std::mutex mutex_;
  // guarded by mutex_; with each bucket the rate it refills at
  std::unordered_map<std::string, std::pair<Bucket, int>> buckets_;
  size_t sweep_at_ = 1024;  // guarded by mutex_; sweep when the map grows past this
};

}  // namespace agentstudio::auth
