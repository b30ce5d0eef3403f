#include "daemon/sse_stream.hpp"

#include <pistache/peer.h>
#include <sys/socket.h>

#include <cstdio>
#include <sstream>

namespace agentstudio::daemon {

namespace {
std::atomic<uint64_t> dropped_streams{0};
}  // namespace

uint64_t SseStream::dropped() { return dropped_streams; }

SseStream::SseStream(Pistache::Http::ResponseWriter& writer, size_t max_queued_bytes)
    : max_queued_bytes_(max_queued_bytes), peer_(writer.getPeer()) {
  Write(
      "HTTP/1.1 200 OK\r\n"
      "Content-Type: text/event-stream\r\n"
      "Cache-Control: no-cache\r\n"
      "Transfer-Encoding: chunked\r\n"
      "\r\n");
  WriteChunk(": stream open\n\n");
}

bool SseStream::Send(const std::string& data, const std::string& event, int64_t id) {
  std::ostringstream frame;
  if (id > 0) frame << "id: " << id << "\n";
  if (!event.empty()) frame << "event: " << event << "\n";
  std::istringstream lines(data);
  for (std::string line; std::getline(lines, line);) frame << "data: " << line << "\n";
  frame << "\n";
  return WriteChunk(frame.str());
}

bool SseStream::KeepAlive() { return WriteChunk(": keep-alive\n\n"); }

bool SseStream::WriteChunk(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return Write(size + data + "\r\n");
}

bool SseStream::Write(const std::string& bytes) {
  std::lock_guard lock(mutex_);
  if (ended_) return false;
  const std::shared_ptr<Pistache::Tcp::Peer> peer = peer_.lock();
  if (!peer) {
    ended_ = true;  // the client is gone
    return false;
  }
  // A frame bigger than the limit still goes to a client that keeps up.
  const size_t queued = queued_->load();
  if (queued > 0 && queued + bytes.size() > max_queued_bytes_) {
    // The client stopped reading. Shut the connection down (the reactor then
    // sees it end and closes it); the fd is still this peer's unless the
    // client disconnected at this very moment.
    ended_ = true;
    ++dropped_streams;
    ::shutdown(peer->fd(), SHUT_RDWR);
    return false;
  }
  *queued_ += bytes.size();
  const size_t size = bytes.size();
  peer->send(Pistache::RawBuffer(bytes, bytes.size()))
      .then([queued = queued_, size](ssize_t) { *queued -= size; },
            [queued = queued_, size](std::exception_ptr) { *queued -= size; });
  return true;
}

void SseStream::End() {
  Write("0\r\n\r\n");
  std::lock_guard lock(mutex_);
  ended_ = true;
}

}  // namespace agentstudio::daemon
