#include "daemon/metrics_endpoint.hpp"

#include <spdlog/spdlog.h>

#include "daemon/http_headers.hpp"
#include "daemon/persistent_connections.hpp"
#include "daemon/problem.hpp"

namespace agentstudio::daemon {

MetricsEndpoint::MetricsEndpoint(const std::string& address, const MetricsRegistry& metrics) {
  using namespace Pistache::Rest;
  Routes::Get(router_, "/metrics",
              [&metrics](const Request&, Pistache::Http::ResponseWriter response) {
                SendMetrics(response, metrics);
                return Route::Result::Ok;
              });
  router_.addNotFoundHandler([](const Request& request, Pistache::Http::ResponseWriter response) {
    SendProblem(response,
                {404, "not-found", "Not Found", "Only GET /metrics is served here", {}, 0},
                request.resource(), TraceparentOf(request));
    return Route::Result::Ok;
  });
  endpoint_ = std::make_unique<Pistache::Http::Endpoint>(Pistache::Address(address));
  endpoint_->init(
      Pistache::Http::Endpoint::options().threads(1).flags(Pistache::Tcp::Options::ReuseAddr));
  endpoint_->setHandler(std::make_shared<PersistentConnectionHandler>(router_, connections_));
  endpoint_->serveThreaded();
  spdlog::info("metrics on http://{}:{}/metrics", Pistache::Address(address).host(), port());
}

MetricsEndpoint::~MetricsEndpoint() {
  endpoint_->shutdown();
  connections_->ShutdownAll();
}

uint16_t MetricsEndpoint::port() const { return static_cast<uint16_t>(endpoint_->getPort()); }

}  // namespace agentstudio::daemon
