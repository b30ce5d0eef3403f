#pragma once

#include <pistache/http.h>
#include <pistache/http_header.h>

#include <algorithm>
#include <map>
#include <ostream>
#include <string>

namespace agentstudio::daemon {

// Pistache writes only typed headers (addRaw() ones are dropped), so every
// custom header needs a class. TextHeader<"Name"> is one holding plain text.
template <size_t N>
struct HeaderName {
  constexpr HeaderName(const char (&text)[N]) { std::copy_n(text, N, value); }
  char value[N];
};

template <HeaderName Name_>
class TextHeader : public Pistache::Http::Header::Header {
 public:
  NAME(Name_.value)

  TextHeader() = default;
  explicit TextHeader(std::string value) : value_(std::move(value)) {}

  void parse(const std::string& data) override { value_ = data; }
  void write(std::ostream& stream) const override { stream << value_; }
  const std::string& value() const { return value_; }

 private:
  std::string value_;
};

using AllowHeader = TextHeader<"Allow">;
using ETagHeader = TextHeader<"ETag">;
using LinkHeader = TextHeader<"Link">;
using RetryAfterHeader = TextHeader<"Retry-After">;
using RateLimitLimitHeader = TextHeader<"X-RateLimit-Limit">;
using RateLimitRemainingHeader = TextHeader<"X-RateLimit-Remaining">;
using RateLimitResetHeader = TextHeader<"X-RateLimit-Reset">;
using TraceparentHeader = TextHeader<"traceparent">;
using WwwAuthenticateHeader = TextHeader<"WWW-Authenticate">;
using CacheControlHeader = TextHeader<"Cache-Control">;

// The request's W3C traceparent, or a fresh one (it becomes the problem's
// traceId and travels on the Kafka messages the request causes).
std::string TraceparentOf(const Pistache::Http::Request& request);

// Whether an If-None-Match value ("*", or a comma-separated list of entity
// tags, weak ones included) names `etag` (RFC 9110 13.1.2, weak comparison).
bool IfNoneMatchHolds(const std::string& if_none_match, const std::string& etag);

// The request's query parameters (the last value of a repeated one), names
// and values percent-decoded (Pistache hands them over as they came).
std::map<std::string, std::string> QueryParameters(const Pistache::Http::Request& request);

// `text` with its %XX escapes decoded (RFC 3986). '+' stays '+': a time's
// "+02:00" offset sent unescaped stays a time (form-encoding clients that
// send a space as '+' should send %20). Text that does not decode to UTF-8,
// or holds NUL, stays as it came, so answers that quote it are still JSON
// and PostgreSQL gets whole values.
std::string PercentDecoded(const std::string& text);

// The request's If-None-Match header, empty when absent.
std::string IfNoneMatchOf(const Pistache::Http::Request& request);

}  // namespace agentstudio::daemon
