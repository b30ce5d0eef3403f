#include <gtest/gtest.h>

#include "daemon/metrics_endpoint.hpp"
#include "daemon/metrics_registry.hpp"
#include "tests/support/http_client.hpp"

namespace agentstudio::daemon {
namespace {

TEST(MetricsRegistry, ShouldRenderFamiliesInThePrometheusTextFormat) {
  MetricsRegistry registry;
  double dead = 3;
  registry.Add("agentstudio_dead_lettered_total", "Messages sent to dlq",
               MetricsRegistry::Type::kCounter, {{"consumer", "scheduler"}}, [&] { return dead; });
  registry.Add("agentstudio_dead_lettered_total", "Messages sent to dlq",
               MetricsRegistry::Type::kCounter, {{"consumer", "a\"b\\c\nd"}}, [] { return 0.0; });
  registry.Add("agentstudio_partitions", "Partitions held", MetricsRegistry::Type::kGauge, {},
               [] { return 8.0; });
  dead = 4;  // read when rendered, not when added
  EXPECT_EQ(registry.Render(),
            "# HELP agentstudio_dead_lettered_total Messages sent to dlq\n"
            "# TYPE agentstudio_dead_lettered_total counter\n"
            "agentstudio_dead_lettered_total{consumer=\"scheduler\"} 4\n"
            "agentstudio_dead_lettered_total{consumer=\"a\\\"b\\\\c\\nd\"} 0\n"
            "# HELP agentstudio_partitions Partitions held\n"
            "# TYPE agentstudio_partitions gauge\n"
            "agentstudio_partitions 8\n");
}

TEST(MetricsEndpoint, ShouldServeMetricsAndAnswerAnythingElseWithA404Problem) {
  MetricsRegistry registry;
  registry.Add("agentstudio_relay_published_total", "Published", MetricsRegistry::Type::kCounter,
               {}, [] { return 12.0; });
  MetricsEndpoint endpoint("127.0.0.1:0", registry);
  const std::string base = "http://127.0.0.1:" + std::to_string(endpoint.port());
  const auto metrics = testing::Http("GET", base + "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.Header("content-type"), "text/plain; version=0.0.4");
  EXPECT_NE(metrics.body.find("agentstudio_relay_published_total 12\n"), std::string::npos);
  const auto other = testing::Http("GET", base + "/api/workflows");
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(other.Header("content-type"), "application/problem+json");
}

}  // namespace
}  // namespace agentstudio::daemon
