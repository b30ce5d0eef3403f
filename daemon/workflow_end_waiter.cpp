#include "daemon/workflow_end_waiter.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <vector>

#include "sql/workflow_store.hpp"

namespace agentstudio::daemon {

WorkflowEndWaiter::WorkflowEndWaiter(kafka::WorkflowEventFeed& feed, store::SessionPool& pool,
                                     std::chrono::milliseconds recheck)
    : feed_(feed), pool_(pool), recheck_(recheck), thread_([this] { Run(); }) {}

WorkflowEndWaiter::~WorkflowEndWaiter() { Stop(); }

namespace {

std::chrono::steady_clock::time_point DeadlineAfter(std::chrono::milliseconds timeout) {
  // Capped before the conversion to the clock's nanoseconds, which would
  // overflow (undefined behaviour) past about 292 years.
  const auto capped = std::clamp<std::chrono::milliseconds>(timeout, std::chrono::milliseconds(0),
                                                            WorkflowEndWaiter::kLongestWait);
  return std::chrono::steady_clock::now() + capped;
}

}  // namespace

uint64_t WorkflowEndWaiter::Wait(const std::string& workflow_id, int64_t after_sequence,
                                 std::chrono::milliseconds timeout, Done done) {
  return Register({workflow_id, /*deletion=*/false, after_sequence, DeadlineAfter(timeout),
                   std::move(done), 0});
}

uint64_t WorkflowEndWaiter::WaitForDeletion(const std::string& workflow_id,
                                            std::chrono::milliseconds timeout, Done done) {
  return Register({workflow_id, /*deletion=*/true, 0, DeadlineAfter(timeout), std::move(done), 0});
}

uint64_t WorkflowEndWaiter::Register(Pending pending) {
  const std::string workflow_id = pending.workflow_id;
  const bool deletion = pending.deletion;
  const int64_t after_sequence = pending.after_sequence;
  uint64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      id = next_id_++;
      pending_[id] = std::move(pending);
    }
  }
  if (id == 0) {
    pending.done(WaitEnd::kStopping);
    return 0;
  }
  const uint64_t subscription = feed_.Subscribe(
      workflow_id, [this, id, deletion, after_sequence](const kafka::WorkflowEventNotice& n) {
        // A deletion also ends a wait for the end: nothing more will come.
        const bool deleted = n.event.type == kafka::kWorkflowDeletedEvent;
        const bool reached = deleted || (!deletion && engine::IsTerminal(n.workflow_status) &&
                                         n.event.sequence > after_sequence);
        if (reached) Finish(id, WaitEnd::kEnded);
      });
  bool gone = false;
  {
    std::lock_guard lock(mutex_);
    const auto it = pending_.find(id);
    if (it == pending_.end()) {
      gone = true;  // finished meanwhile (stopping)
    } else {
      it->second.subscription = subscription;
    }
  }
  if (gone) feed_.Unsubscribe(subscription);
  wake_.notify_all();  // the deadline may be the soonest
  return id;
}

void WorkflowEndWaiter::Cancel(uint64_t wait) {
  uint64_t subscription = 0;
  {
    std::lock_guard lock(mutex_);
    const auto it = pending_.find(wait);
    if (it == pending_.end()) return;
    subscription = it->second.subscription;
    pending_.erase(it);
  }
  if (subscription) feed_.Unsubscribe(subscription);
}

void WorkflowEndWaiter::Finish(uint64_t wait, WaitEnd how) {
  Pending entry;
  {
    std::lock_guard lock(mutex_);
    const auto it = pending_.find(wait);
    if (it == pending_.end()) return;
    entry = std::move(it->second);
    pending_.erase(it);
  }
  if (entry.subscription) feed_.Unsubscribe(entry.subscription);
  entry.done(how);
}

void WorkflowEndWaiter::Stop() {
  std::vector<uint64_t> ids;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    for (const auto& [id, entry] : pending_) ids.push_back(id);
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (const uint64_t id : ids) Finish(id, WaitEnd::kStopping);
}

void WorkflowEndWaiter::Recheck() {
  struct Check {
    uint64_t wait;
    bool deletion;
    int64_t after;
  };
  std::map<std::string, std::vector<Check>> waits;  // workflow -> waits
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, entry] : pending_) {
      waits[entry.workflow_id].push_back({id, entry.deletion, entry.after_sequence});
    }
  }
  if (waits.empty()) return;
  std::vector<std::string> ids;
  for (const auto& [workflow_id, list] : waits) ids.push_back(workflow_id);
  std::map<std::string, store::ExecutionMark> marks;
  try {
    marks = pool_.Run([&](soci::session& session) { return store::LoadMarks(session, ids); });
  } catch (const std::exception& error) {
    spdlog::warn("workflow end waiter: cannot check PostgreSQL: {}", error.what());
    return;
  }
  for (const auto& [workflow_id, checks] : waits) {
    const auto mark = marks.find(workflow_id);
    for (const Check& check : checks) {
      // A row gone ends a deletion wait, and a wait for the end of a
      // workflow that existed (after > 0); a new one may just not be applied yet.
      const bool gone = mark == marks.end();
      const bool reached = check.deletion ? gone
                           : gone         ? check.after > 0
                                          : engine::IsTerminal(mark->second.status) &&
                                        mark->second.last_event_sequence > check.after;
      if (reached) Finish(check.wait, WaitEnd::kEnded);
    }
  }
}

void WorkflowEndWaiter::Run() {
  auto next_recheck = std::chrono::steady_clock::now() + recheck_;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto wake_at = next_recheck;
    for (const auto& [id, entry] : pending_) wake_at = std::min(wake_at, entry.deadline);
    wake_.wait_until(lock, wake_at);
    if (stopping_) break;
    const auto now = std::chrono::steady_clock::now();
    std::vector<uint64_t> expired;
    for (const auto& [id, entry] : pending_) {
      if (entry.deadline <= now) expired.push_back(id);
    }
    lock.unlock();
    for (const uint64_t id : expired) Finish(id, WaitEnd::kTimedOut);
    if (now >= next_recheck) {
      Recheck();
      next_recheck = std::chrono::steady_clock::now() + recheck_;
    }
    lock.lock();
  }
}

}  // namespace agentstudio::daemon
