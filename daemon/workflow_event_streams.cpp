#include "daemon/workflow_event_streams.hpp"

#include <spdlog/spdlog.h>

#include <map>

#include "schemas/execution_json.hpp"
#include "sql/workflow_store.hpp"

namespace agentstudio::daemon {

struct WorkflowEventStreams::Stream {
  std::string workflow_id;
  EventView view;
  uint64_t subscription = 0;
  std::mutex mutex;
  std::unique_ptr<SseStream> sse;                       // guarded by mutex; null until open
  int64_t last_sent = 0;                                // guarded by mutex
  std::map<int64_t, kafka::WorkflowEventNotice> early;  // guarded by mutex; before open
  bool ended = false;                                   // guarded by mutex
  bool catching_up = false;                             // guarded by mutex
};

namespace {

// Sends `event` on the stream as its view shows it (or passes over it).
// Returns false when the client is gone. REQUIRES: stream->mutex held.
bool SendLocked(WorkflowEventStreams::EventView& view, SseStream& sse,
                const std::string& workflow_id, const engine::ExecutionEvent& event) {
  const auto shown = view(workflow_id, event);
  return !shown || sse.Send(shown->data, shown->name, event.sequence);
}

bool EndsWorkflow(const kafka::WorkflowEventNotice& notice) {
  if (notice.event.type == kafka::kWorkflowDeletedEvent) return true;  // even a paused one
  return engine::IsTerminal(notice.workflow_status) && notice.event.type.rfind("Workflow", 0) == 0;
}

}  // namespace

WorkflowEventStreams::WorkflowEventStreams(kafka::WorkflowEventFeed& feed, store::SessionPool& pool,
                                           BlockingExecutor& executor,
                                           std::chrono::milliseconds keep_alive)
    : feed_(feed),
      pool_(pool),
      executor_(executor),
      keep_alive_(keep_alive),
      keep_alive_thread_([this] { KeepAliveLoop(); }) {}

WorkflowEventStreams::~WorkflowEventStreams() { CloseAll(); }

std::optional<WorkflowEventStreams::SentEvent> WorkflowEventStreams::WholeEvent(
    const std::string& workflow_id, const engine::ExecutionEvent& event) {
  nlohmann::json data = schemas::EventToJson(event);
  data["workflowId"] = workflow_id;
  return SentEvent{data.dump(), event.type};
}

void WorkflowEventStreams::Open(soci::session& session, const std::string& workflow_id,
                                int64_t last_event_id, Pistache::Http::ResponseWriter& writer,
                                EventView view) {
  auto stream = std::make_shared<Stream>();
  stream->workflow_id = workflow_id;
  stream->view = std::move(view);
  stream->last_sent = last_event_id;
  {
    std::lock_guard lock(mutex_);
    if (closing_) return;
    streams_.insert(stream);
  }
  // Subscribe before reading the log, so nothing falls between the two.
  std::weak_ptr<Stream> weak = stream;
  stream->subscription =
      feed_.Subscribe(workflow_id, [this, weak](const kafka::WorkflowEventNotice& notice) {
        if (auto s = weak.lock()) OnEvent(s, notice);
      });
  {
    std::lock_guard lock(stream->mutex);
    stream->sse = std::make_unique<SseStream>(writer);
    stream->catching_up = true;  // live events wait until the log is sent
  }
  CatchUp(session, stream);
  ReplayEarly(stream);
}

void WorkflowEventStreams::ReplayEarly(const std::shared_ptr<Stream>& stream) {
  std::map<int64_t, kafka::WorkflowEventNotice> early;
  {
    std::lock_guard lock(stream->mutex);
    early.swap(stream->early);
  }
  for (const auto& [sequence, notice] : early) OnEvent(stream, notice);
}

void WorkflowEventStreams::OnEvent(const std::shared_ptr<Stream>& stream,
                                   const kafka::WorkflowEventNotice& notice) {
  bool gap = false;
  bool end = false;
  {
    std::lock_guard lock(stream->mutex);
    if (stream->ended) return;
    if (!stream->sse || stream->catching_up) {
      if (stream->early.size() < 10000) stream->early.emplace(notice.event.sequence, notice);
      return;
    }
    if (notice.event.sequence <= stream->last_sent) return;  // already sent
    if (notice.event.sequence > stream->last_sent + 1) {
      gap = true;  // an event is missing: PostgreSQL has it
      stream->catching_up = true;
    } else if (!SendLocked(stream->view, *stream->sse, stream->workflow_id, notice.event)) {
      end = true;
    } else {
      stream->last_sent = notice.event.sequence;
      end = EndsWorkflow(notice);
    }
  }
  if (end) Close(stream);
  if (!gap) return;
  const bool queued = executor_.Submit([this, stream] {
    try {
      pool_.Run([&](soci::session& session) { CatchUp(session, stream); });
    } catch (const std::exception& error) {
      spdlog::warn("events of {}: cannot catch up from PostgreSQL: {}", stream->workflow_id,
                   error.what());
      Close(stream);
      return;
    }
    ReplayEarly(stream);
  });
  if (!queued) Close(stream);
}

void WorkflowEventStreams::CatchUp(soci::session& session, const std::shared_ptr<Stream>& stream) {
  int64_t after = 0;
  {
    std::lock_guard lock(stream->mutex);
    stream->catching_up = true;
    after = stream->last_sent;
  }
  // The events first, then the mark: read the other way, a start applied
  // between the two reads showed its WorkflowStarted with no mark yet, and
  // the stream ended as if the execution had been deleted (seen under ASan
  // in CI). Read this way, a mark newer than the events is harmless: what
  // it adds arrives as live events, subscribed before this read.
  const auto events = store::LoadEvents(session, stream->workflow_id, after);
  const auto marks = store::LoadMarks(session, {stream->workflow_id});
  bool end = false;
  {
    std::lock_guard lock(stream->mutex);
    stream->catching_up = false;
    for (const engine::ExecutionEvent& event : events) {
      if (event.sequence <= stream->last_sent) continue;
      if (!SendLocked(stream->view, *stream->sse, stream->workflow_id, event)) {
        end = true;
        break;
      }
      stream->last_sent = event.sequence;
    }
    const auto mark = marks.find(stream->workflow_id);
    if (mark == marks.end()) {
      // Not applied yet (accepted a moment ago), or deleted since events were sent.
      end = end || stream->last_sent > 0;
    } else if (engine::IsTerminal(mark->second.status) &&
               stream->last_sent >= mark->second.last_event_sequence) {
      end = true;  // ended, and everything up to its last event sent
    }
  }
  if (end) Close(stream);
}

void WorkflowEventStreams::Close(const std::shared_ptr<Stream>& stream) {
  {
    std::lock_guard lock(stream->mutex);
    if (stream->ended) return;
    stream->ended = true;
    if (stream->sse) stream->sse->End();
  }
  feed_.Unsubscribe(stream->subscription);
  std::lock_guard lock(mutex_);
  streams_.erase(stream);
}

void WorkflowEventStreams::CloseAll() {
  std::set<std::shared_ptr<Stream>> streams;
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
    streams = streams_;
  }
  wake_.notify_all();
  for (const auto& stream : streams) Close(stream);
  if (keep_alive_thread_.joinable()) keep_alive_thread_.join();
}

size_t WorkflowEventStreams::open_streams() {
  std::lock_guard lock(mutex_);
  return streams_.size();
}

void WorkflowEventStreams::KeepAliveLoop() {
  std::unique_lock lock(mutex_);
  while (!closing_) {
    wake_.wait_for(lock, keep_alive_, [this] { return closing_; });
    if (closing_) break;
    const std::set<std::shared_ptr<Stream>> streams = streams_;
    lock.unlock();
    for (const auto& stream : streams) {
      bool gone = false;
      {
        std::lock_guard stream_lock(stream->mutex);
        gone = stream->sse && !stream->sse->KeepAlive();
      }
      if (gone) Close(stream);
    }
    lock.lock();
  }
}

}  // namespace agentstudio::daemon
