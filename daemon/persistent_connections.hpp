#pragma once

#include <pistache/router.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>

namespace agentstudio::daemon {

// The connections of one endpoint, shared by the handler's copies (Pistache
// clones the handler for each reactor thread).
class OpenConnections {
 public:
  // From now on answers ask the client to close its connection: a client
  // that pools connections goes to another instance instead of coming back
  // to one that is shutting down.
  void BeginClosing() { closing_ = true; }
  bool closing() const { return closing_; }

  // Ends every connection still open (SHUT_RDWR: the client sees the end at
  // once). Pistache 0.0.5 closes a kept-alive socket only when its client
  // does, not at shutdown, so without this a pooled connection would stay
  // open with nothing reading it until the process exits. REQUIRES: the
  // endpoint has shut down (no reactor thread opens or closes sockets).
  void ShutdownAll();

  // A connection that carried a request (Pistache 0.0.5 keeps the hook of
  // new connections private), and one that closed.
  void Used(const std::weak_ptr<Pistache::Tcp::Peer>& peer);
  void Closed(const std::shared_ptr<Pistache::Tcp::Peer>& peer);

 private:
  std::atomic<bool> closing_{false};
  std::mutex mutex_;
  std::map<const Pistache::Tcp::Peer*, std::weak_ptr<Pistache::Tcp::Peer>> peers_;
};

// The router's handler, answering as HTTP/1.1 says of persistent connections
// (RFC 9112, section 9.3): an HTTP/1.1 request without a Connection header
// keeps its connection open. Pistache 0.0.5 answers such a request with
// "Connection: Close" (http.cc, Handler::onInput), so clients such as libcurl
// opened a new TCP connection for nearly every request; under a constant GET
// load the front door spent more in accept and close than in the requests.
// A request that asks for close, HTTP/1.0 without keep-alive, and every
// request once `connections` is closing get "Connection: Close".
// Pistache 0.0.5 reads one request per read and drops what follows it, so
// clients must not pipeline (curl does not).
class PersistentConnectionHandler : public Pistache::Rest::Private::RouterHandler {
 public:
  HTTP_PROTOTYPE(PersistentConnectionHandler)

  PersistentConnectionHandler(const Pistache::Rest::Router& router,
                              std::shared_ptr<OpenConnections> connections)
      : RouterHandler(router), connections_(std::move(connections)) {}

  void onRequest(const Pistache::Http::Request& request,
                 Pistache::Http::ResponseWriter response) override;
  void onDisconnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) override;

 private:
  std::shared_ptr<OpenConnections> connections_;
};

}  // namespace agentstudio::daemon
