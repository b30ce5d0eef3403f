#include "daemon/sse_stream.hpp"

#include <pistache/peer.h>

#include <cstdio>
#include <sstream>

namespace agentstudio::daemon {

SseStream::SseStream(Pistache::Http::ResponseWriter& writer) : peer_(writer.getPeer()) {
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
  peer->send(Pistache::RawBuffer(bytes, bytes.size()));
  return true;
}

void SseStream::End() {
  Write("0\r\n\r\n");
  std::lock_guard lock(mutex_);
  ended_ = true;
}

}  // namespace agentstudio::daemon
