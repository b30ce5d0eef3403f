#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace agentstudio::bench {

// What one constant-rate run measured.
struct RateRun {
  double offered = 0;   // requests/s asked for
  double achieved = 0;  // requests/s answered, over the run
  double p50_ms = 0, p99_ms = 0, p999_ms = 0;
  size_t requests = 0;
  size_t unexpected = 0;  // answers with another status than expected (0: no answer)
  std::map<long, size_t> statuses;
};

struct RateRequest {
  std::string method = "GET";
  std::string url;
  std::string body;  // sent as application/json when not empty
  long expected_status = 200;
};

// Offers `request` at `rate` requests/s for `duration`, the way wrk2 does:
// request i is due at start + i / rate whatever happened to the ones before,
// over at most `connections` HTTP/1.1 keep-alive connections (libcurl's multi
// interface, one thread). Latency runs from when a request was due, not from
// when a connection was free to send it, so a server that falls behind shows
// its queueing in the percentiles instead of slowing the offered rate down
// (coordinated omission).
RateRun RunAtConstantRate(const RateRequest& request, double rate,
                          std::chrono::milliseconds duration, int connections);

}  // namespace agentstudio::bench
