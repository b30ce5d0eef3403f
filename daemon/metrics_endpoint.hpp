#pragma once

#include <pistache/endpoint.h>
#include <pistache/router.h>

#include <memory>
#include <string>

#include "daemon/metrics_registry.hpp"
#include "daemon/persistent_connections.hpp"

namespace agentstudio::daemon {

// GET /metrics (Prometheus text) on an address of its own, for processes that
// run no front door (schedulers, relays, agents); AGENTSTUDIO_METRICS_ADDR.
// One reactor thread: rendering reads counters and never blocks.
class MetricsEndpoint {
 public:
  // `metrics` must outlive this endpoint. Binds and serves at once; throws
  // when it cannot bind.
  MetricsEndpoint(const std::string& address, const MetricsRegistry& metrics);
  ~MetricsEndpoint();  // stops serving

  uint16_t port() const;

 private:
  Pistache::Rest::Router router_;
  std::unique_ptr<Pistache::Http::Endpoint> endpoint_;
  const std::shared_ptr<OpenConnections> connections_ = std::make_shared<OpenConnections>();
};

}  // namespace agentstudio::daemon
