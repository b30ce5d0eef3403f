#pragma once

#include <pistache/router.h>

#include <memory>

namespace agentstudio::daemon {

// The router's handler, answering as HTTP/1.1 says of persistent connections
// (RFC 9112, section 9.3): an HTTP/1.1 request without a Connection header
// keeps its connection open. Pistache 0.0.5 answers such a request with
// "Connection: Close" (http.cc, Handler::onInput), so clients such as libcurl
// opened a new TCP connection for nearly every request; under a constant GET
// load the front door spent more in accept and close than in the requests.
// A request that asks for close, or HTTP/1.0 without keep-alive, still gets
// Pistache's answer.
class PersistentConnectionHandler : public Pistache::Rest::Private::RouterHandler {
 public:
  HTTP_PROTOTYPE(PersistentConnectionHandler)

  explicit PersistentConnectionHandler(const Pistache::Rest::Router& router)
      : RouterHandler(router) {}

  void onRequest(const Pistache::Http::Request& request,
                 Pistache::Http::ResponseWriter response) override;
};

std::shared_ptr<PersistentConnectionHandler> PersistentConnections(
    const Pistache::Rest::Router& router);

}  // namespace agentstudio::daemon
