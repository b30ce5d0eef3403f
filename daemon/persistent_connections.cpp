#include "daemon/persistent_connections.hpp"

#include <pistache/peer.h>
#include <sys/socket.h>

#include <vector>

namespace agentstudio::daemon {

using Pistache::Http::ConnectionControl;
using Pistache::Http::Header::Connection;

void OpenConnections::Used(const std::weak_ptr<Pistache::Tcp::Peer>& weak) {
  const std::shared_ptr<Pistache::Tcp::Peer> peer = weak.lock();
  if (!peer) return;
  std::lock_guard lock(mutex_);
  peers_.try_emplace(peer.get(), peer);
}

void OpenConnections::Closed(const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  std::lock_guard lock(mutex_);
  peers_.erase(peer.get());
}

void OpenConnections::ShutdownAll() {
  closing_ = true;
  std::vector<std::shared_ptr<Pistache::Tcp::Peer>> open;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [key, weak] : peers_) {
      if (auto peer = weak.lock()) open.push_back(std::move(peer));
    }
    peers_.clear();
  }
  for (const auto& peer : open) ::shutdown(peer->fd(), SHUT_RDWR);
}

void PersistentConnectionHandler::onRequest(const Pistache::Http::Request& request,
                                            Pistache::Http::ResponseWriter response) {
  if (connections_->closing()) {
    response.headers().remove<Connection>();
    response.headers().add<Connection>(ConnectionControl::Close);
  } else if (request.version() == Pistache::Http::Version::Http11 &&
             !request.headers().has<Connection>()) {
    response.headers().remove<Connection>();
    response.headers().add<Connection>(ConnectionControl::KeepAlive);
  }
  connections_->Used(response.getPeer());
  RouterHandler::onRequest(request, std::move(response));
}

void PersistentConnectionHandler::onDisconnection(
    const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  connections_->Closed(peer);
  RouterHandler::onDisconnection(peer);
}

}  // namespace agentstudio::daemon
