#pragma once

#include <soci/soci.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "consumers/workflow_event_feed.hpp"
#include "daemon/blocking_executor.hpp"
#include "daemon/sse_stream.hpp"
#include "sql/database.hpp"

namespace agentstudio::daemon {

// The SSE streams of `GET /api/workflows/{id}/events`: each sends the
// workflow's events as they happen (from the workflow-event feed), numbered
// by their sequence (the SSE `id`), and ends after the event that ended the
// workflow. A client that reconnects with `Last-Event-ID` first gets the
// events after that id from PostgreSQL. Events that come twice or out of
// order are sent once and in order (a gap is filled from PostgreSQL).
// Thread-safe.
class WorkflowEventStreams {
 public:
  // REQUIRES: `feed` stops before this is destroyed.
  WorkflowEventStreams(kafka::WorkflowEventFeed& feed, store::SessionPool& pool,
                       BlockingExecutor& executor,
                       std::chrono::milliseconds keep_alive = std::chrono::seconds(15));
  ~WorkflowEventStreams();  // CloseAll()

  // What a stream sends of an event: the SSE data and event name, or nullopt
  // to pass over it (the stream still counts it as seen).
  struct SentEvent {
    std::string data;
    std::string name;
  };
  using EventView = std::function<std::optional<SentEvent>(const std::string& workflow_id,
                                                           const engine::ExecutionEvent& event)>;
  // Every event as REST ExecutionEvent JSON with workflowId, named by its type.
  static std::optional<SentEvent> WholeEvent(const std::string& workflow_id,
                                             const engine::ExecutionEvent& event);

  // Opens the stream of an existing execution on `writer` and sends the
  // events after `last_event_id` as `view` shows them. Runs on a thread that
  // may block (database).
  void Open(soci::session& session, const std::string& workflow_id, int64_t last_event_id,
            Pistache::Http::ResponseWriter& writer, EventView view = WholeEvent);

  // Ends every open stream (shutdown). Idempotent.
  void CloseAll();

  size_t open_streams();

 private:
  struct Stream;
  void OnEvent(const std::shared_ptr<Stream>& stream, const kafka::WorkflowEventNotice& notice);
  // Sends what PostgreSQL has after the last event sent; ends the stream when
  // the workflow has ended and everything was sent.
  void CatchUp(soci::session& session, const std::shared_ptr<Stream>& stream);
  // Hands the events buffered while the log was being sent to OnEvent.
  void ReplayEarly(const std::shared_ptr<Stream>& stream);
  void Close(const std::shared_ptr<Stream>& stream);
  void KeepAliveLoop();

  kafka::WorkflowEventFeed& feed_;
  store::SessionPool& pool_;
  BlockingExecutor& executor_;
  const std::chrono::milliseconds keep_alive_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::set<std::shared_ptr<Stream>> streams_;  // guarded by mutex_
  bool closing_ = false;                       // guarded by mutex_
  std::thread keep_alive_thread_;
};

}  // namespace agentstudio::daemon
