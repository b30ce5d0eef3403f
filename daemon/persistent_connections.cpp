#include "daemon/persistent_connections.hpp"

namespace agentstudio::daemon {

void PersistentConnectionHandler::onRequest(const Pistache::Http::Request& request,
                                            Pistache::Http::ResponseWriter response) {
  if (request.version() == Pistache::Http::Version::Http11 &&
      !request.headers().has<Pistache::Http::Header::Connection>()) {
    response.headers().remove<Pistache::Http::Header::Connection>();
    response.headers().add<Pistache::Http::Header::Connection>(
        Pistache::Http::ConnectionControl::KeepAlive);
  }
  RouterHandler::onRequest(request, std::move(response));
}

std::shared_ptr<PersistentConnectionHandler> PersistentConnections(
    const Pistache::Rest::Router& router) {
  return std::make_shared<PersistentConnectionHandler>(router);
}

}  // namespace agentstudio::daemon
