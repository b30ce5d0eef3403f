#pragma once

#include <pistache/http.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace agentstudio::daemon {

// One Server-Sent Events answer (200, text/event-stream, chunked), written
// from any thread. It writes the HTTP/1.1 chunks itself through
// Tcp::Peer::send, which only queues the bytes for the connection's reactor:
// Pistache 0.0.5's ResponseStream::flush() also runs the transport's write
// loop on the calling thread, which races the reactor and aborts the process
// ("could not find write data", pistache#1006, fixed upstream in #1280).
// Thread-safe.
//
// A client that stops reading must not make the front door queue without
// bound: once more than `max_queued_bytes` wait in Pistache's write queue
// (after the kernel's socket buffers filled), the stream ends and the
// connection is shut down (dropped() counts it).
class SseStream {
 public:
  static constexpr size_t kDefaultMaxQueuedBytes = 1 << 20;

  // Sends the status line and headers. `writer` must not answer otherwise.
  explicit SseStream(Pistache::Http::ResponseWriter& writer,
                     size_t max_queued_bytes = kDefaultMaxQueuedBytes);

  // Sends one event ("id:" when > 0, "event:" when not empty, "data:" lines).
  // Returns false once the client is gone or the stream ended.
  bool Send(const std::string& data, const std::string& event = "", int64_t id = 0);
  // A comment line, to keep idle connections open and notice gone clients.
  bool KeepAlive();
  // Ends the stream (the last chunk). Idempotent.
  void End();

  // Streams dropped because their client stopped reading, in this process.
  static uint64_t dropped();

 private:
  bool Write(const std::string& bytes);
  bool WriteChunk(const std::string& data);

  const size_t max_queued_bytes_;
  // Bytes handed to Pistache and not written to the socket yet; shared with
  // the write completions, which may come after this is gone.
  const std::shared_ptr<std::atomic<size_t>> queued_ = std::make_shared<std::atomic<size_t>>(0);
  std::mutex mutex_;
  std::weak_ptr<Pistache::Tcp::Peer> peer_;  // guarded by mutex_
  bool ended_ = false;                       // guarded by mutex_
};

}  // namespace agentstudio::daemon
