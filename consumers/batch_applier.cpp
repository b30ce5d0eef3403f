#include "consumers/batch_applier.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "engine/backoff.hpp"

namespace agentstudio::kafka {

BatchApplier::BatchApplier(store::SessionPool& pool, DeadLetterPublisher& dead_letters,
                           std::string name, OnDeadLettered on_dead_lettered)
    : pool_(pool),
      dead_letters_(dead_letters),
      name_(std::move(name)),
      on_dead_lettered_(std::move(on_dead_lettered)) {}

bool BatchApplier::ApplyAll(const std::vector<InboundMessage>& batch, const Apply& apply,
                            const std::atomic<bool>& stop) {
  return batch.empty() || ApplySlice(Slice(batch), apply, stop);
}

namespace {

// Whether a failure says something about the messages rather than the
// database: PostgreSQL refusing a value (SQLSTATE classes 22 data exception,
// 23 integrity constraint, 54 program limit) or our own code failing on it
// (building JSON of bad UTF-8, say). A dead letter Kafka did not take says
// nothing of the kind, nor does any other SQLSTATE (read-only after a
// failover, a cancelled query, a lock timeout...).
bool BlamesTheMessage(const std::exception& failure) {
  if (dynamic_cast<const DeadLetterNotDelivered*>(&failure)) return false;
  if (const auto* pg = dynamic_cast<const soci::postgresql_soci_error*>(&failure)) {
    const std::string state = pg->sqlstate();
    return state.rfind("22", 0) == 0 || state.rfind("23", 0) == 0 || state.rfind("54", 0) == 0;
  }
  if (dynamic_cast<const soci::soci_error*>(&failure)) return false;
  return !store::ClassifyDatabaseError(failure).IsRetryable();
}

}  // namespace

BatchApplier::Attempt BatchApplier::Try(Slice slice, const Apply& apply, std::string& error) {
  auto session = pool_.Acquire();
  AfterCommit after;
  bool committing = false;
  try {
    soci::transaction tx(*session);
    after = apply(*session, slice);
    committing = true;
    tx.commit();
  } catch (const std::exception& failure) {
    error = store::ClassifyDatabaseError(failure).what();
    // A connection that is gone (killed, or never reopened after an outage)
    // says nothing about the message, whatever its error says; nor does a
    // commit that fails (a full NOTIFY queue is class 54, like a value too
    // large): every statement of the messages had gone through.
    const bool lost = !store::IsConnectionAlive(*session);
    session.ReconnectIfLost();
    if (lost || committing || !BlamesTheMessage(failure)) return Attempt::kTransient;
    // Unless the database is what failed: a probe on the same, still
    // connected session tells a message PostgreSQL refuses from a server
    // that is going away.
    try {
      *session << "SELECT 1";
      return Attempt::kPermanent;
    } catch (const std::exception&) {
      session.ReconnectIfLost();
      return Attempt::kTransient;
    }
  }
  // Committed. What follows (dead letters of undecodable messages, counts)
  // may fail and be retried: applying the slice again changes nothing.
  try {
    if (after) after();
    return Attempt::kApplied;
  } catch (const std::exception& failure) {
    error = failure.what();
    return Attempt::kTransient;
  }
}

bool BatchApplier::ApplySlice(Slice slice, const Apply& apply, const std::atomic<bool>& stop) {
  engine::Backoff backoff(std::chrono::milliseconds(50), std::chrono::milliseconds(2000));
  bool failed_alone = false;  // a single message gets a second try before its verdict
  for (;;) {
    std::string error;
    switch (Try(slice, apply, error)) {
      case Attempt::kApplied:
        return true;
      case Attempt::kPermanent:
        if (slice.size() == 1 && !failed_alone) {
          failed_alone = true;
          break;  // once more, after the backoff
        }
        if (slice.size() > 1) {
          spdlog::warn("{}: a slice of {} messages cannot apply ({}); splitting it", name_,
                       slice.size(), error);
          const size_t half = slice.size() / 2;
          return ApplySlice(slice.first(half), apply, stop) &&
                 ApplySlice(slice.subspan(half), apply, stop);
        }
        try {
          const PoisonMessage letter{&slice.front(), "cannot be applied: " + error};
          dead_letters_.PublishAll({letter});
          ++isolated_;
          if (on_dead_lettered_) on_dead_lettered_(letter);
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
    const std::chrono::milliseconds wait = backoff.Next();
    spdlog::error("{}: {} messages failed, retrying in {} ms: {}", name_, slice.size(),
                  wait.count(), error);
    if (stop) return false;
    std::this_thread::sleep_for(wait);
  }
}

}  // namespace agentstudio::kafka
