#include "consumers/batch_applier.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <thread>

namespace agentstudio::kafka {

BatchApplier::BatchApplier(store::SessionPool& pool, DeadLetterPublisher& dead_letters,
                           std::string name)
    : pool_(pool), dead_letters_(dead_letters), name_(std::move(name)) {}

bool BatchApplier::ApplyAll(const std::vector<InboundMessage>& batch, const Apply& apply,
                            const std::atomic<bool>& stop) {
  return batch.empty() || ApplySlice(Slice(batch), apply, stop);
}

BatchApplier::Attempt BatchApplier::Try(Slice slice, const Apply& apply, std::string& error) {
  auto session = pool_.Acquire();
  try {
    const AfterCommit after =
        store::InTransaction(*session, [&](soci::session& s) { return apply(s, slice); });
    if (after) after();
    return Attempt::kApplied;
  } catch (const std::exception& failure) {
    const store::DatabaseError classified = store::ClassifyDatabaseError(failure);
    error = classified.what();
    // A connection that is gone (killed, or never reopened after an outage)
    // says nothing about the message, whatever its error says.
    const bool lost = !store::IsConnectionAlive(*session);
    session.ReconnectIfLost();
    if (classified.IsRetryable() || lost) return Attempt::kTransient;
  }
  // Permanent by its kind, unless the database is what failed: a probe on
  // the same, still connected session tells a message PostgreSQL refuses
  // from a server that is going away.
  try {
    *session << "SELECT 1";
    return Attempt::kPermanent;
  } catch (const std::exception&) {
    session.ReconnectIfLost();
    return Attempt::kTransient;
  }
}

bool BatchApplier::ApplySlice(Slice slice, const Apply& apply, const std::atomic<bool>& stop) {
  std::chrono::milliseconds backoff(50);
  for (;;) {
    std::string error;
    switch (Try(slice, apply, error)) {
      case Attempt::kApplied:
        return true;
      case Attempt::kPermanent:
        if (slice.size() > 1) {
          spdlog::warn("{}: a slice of {} messages cannot apply ({}); splitting it", name_,
                       slice.size(), error);
          const size_t half = slice.size() / 2;
          return ApplySlice(slice.first(half), apply, stop) &&
                 ApplySlice(slice.subspan(half), apply, stop);
        }
        try {
          dead_letters_.PublishAll({{&slice.front(), "cannot be applied: " + error}});
          ++isolated_;
          spdlog::error("{}: {} [{}] offset {} dead-lettered: {}", name_, slice.front().topic,
                        slice.front().partition, slice.front().offset, error);
          return true;
        } catch (const std::exception& failure) {
          error = failure.what();  // Kafka did not take it: retry like a transient failure
        }
        break;
      case Attempt::kTransient:
        break;
    }
    ++retried_;
    spdlog::error("{}: {} messages failed, retrying in {} ms: {}", name_, slice.size(),
                  backoff.count(), error);
    if (stop) return false;
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
  }
}

}  // namespace agentstudio::kafka
