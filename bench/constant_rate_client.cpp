#include "bench/constant_rate_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <deque>
#include <stdexcept>
#include <thread>

namespace agentstudio::bench {
namespace {

using Clock = std::chrono::steady_clock;

size_t Discard(char*, size_t size, size_t count, void*) { return size * count; }

struct Connection {
  CURL* easy = nullptr;
  Clock::time_point due;  // of the request in flight
};

double Percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()))];
}

}  // namespace

RateRun RunAtConstantRate(const RateRequest& request, double rate,
                          std::chrono::milliseconds duration, int connections) {
  if (rate <= 0 || connections <= 0) throw std::invalid_argument("rate and connections > 0");
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(connections));
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  std::vector<Connection> pool(static_cast<size_t>(connections));
  std::vector<Connection*> idle;
  for (Connection& c : pool) {
    c.easy = curl_easy_init();
    curl_easy_setopt(c.easy, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(c.easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(c.easy, CURLOPT_WRITEFUNCTION, Discard);
    curl_easy_setopt(c.easy, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(c.easy, CURLOPT_PRIVATE, &c);
    if (!request.body.empty()) {
      curl_easy_setopt(c.easy, CURLOPT_POSTFIELDS, request.body.c_str());
      curl_easy_setopt(c.easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
      curl_easy_setopt(c.easy, CURLOPT_HTTPHEADER, headers);
    }
    idle.push_back(&c);
  }

  RateRun run;
  run.offered = rate;
  std::vector<double> latencies;
  const Clock::time_point start = Clock::now();
  const auto total = static_cast<size_t>(rate * std::chrono::duration<double>(duration).count());
  const auto due = [&](size_t i) {
    return start + std::chrono::duration_cast<Clock::duration>(
                       std::chrono::duration<double>(static_cast<double>(i) / rate));
  };
  size_t next = 0;  // the next request to send
  size_t in_flight = 0;
  Clock::time_point last_answer = start;
  while (run.requests < total) {
    const Clock::time_point now = Clock::now();
    // Send what is due, as far as connections allow; the rest waits its turn
    // and its wait counts in its latency.
    while (next < total && due(next) <= now && !idle.empty()) {
      Connection* c = idle.back();
      idle.pop_back();
      c->due = due(next++);
      curl_multi_add_handle(multi, c->easy);
      ++in_flight;
    }
    int running = 0;
    curl_multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &left)) {
      if (message->msg != CURLMSG_DONE) continue;
      Connection* c = nullptr;
      curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &c);
      long status = 0;
      if (message->data.result == CURLE_OK) {
        curl_easy_getinfo(message->easy_handle, CURLINFO_RESPONSE_CODE, &status);
      }
      last_answer = Clock::now();
      // Requests that got no answer count in `unexpected`, not in the latencies.
      if (status != 0) {
        latencies.push_back(
            std::chrono::duration<double, std::milli>(last_answer - c->due).count());
      }
      ++run.statuses[status];
      if (status != request.expected_status) ++run.unexpected;
      ++run.requests;
      --in_flight;
      curl_multi_remove_handle(multi, message->easy_handle);
      idle.push_back(c);
    }
    // Wait for an answer, or until the next request is due.
    // Rounded up, so that a request due within the millisecond does not
    // spin a core the server under test needs; it goes a little late, and
    // its latency counts from when it was due anyway.
    int timeout_ms = 100;
    if (next < total && !idle.empty()) {
      const auto until = std::chrono::ceil<std::chrono::milliseconds>(due(next) - Clock::now());
      timeout_ms = static_cast<int>(std::clamp<int64_t>(until.count(), 0, 100));
    }
    if (in_flight > 0) {
      curl_multi_poll(multi, nullptr, 0, timeout_ms, nullptr);
    } else if (timeout_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(timeout_ms));
    }
  }
  for (Connection& c : pool) curl_easy_cleanup(c.easy);
  curl_slist_free_all(headers);
  curl_multi_cleanup(multi);

  const double seconds = std::chrono::duration<double>(last_answer - start).count();
  run.achieved = seconds > 0 ? static_cast<double>(run.requests) / seconds : 0;
  std::sort(latencies.begin(), latencies.end());
  run.p50_ms = Percentile(latencies, 0.5);
  run.p99_ms = Percentile(latencies, 0.99);
  run.p999_ms = Percentile(latencies, 0.999);
  return run;
}

}  // namespace agentstudio::bench
