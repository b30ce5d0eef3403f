#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "consumers/dead_letter_publisher.hpp"
#include "consumers/inbound_message.hpp"
#include "sql/database.hpp"

namespace agentstudio::kafka {

// How a consumer applies a poll batch to PostgreSQL when any message of it
// may be one that can never apply (guarantee 5: bad UTF-8 in a header, a time
// or number PostgreSQL refuses, a NUL in JSON text...) and the database may
// fail for a while. One mechanism for every consumer that writes.
//
// `apply` applies a slice of the batch inside a transaction the applier
// opens, and returns what to do once that transaction committed (dead
// letters of undecodable messages, counting), or throws. A failure that
// blames the messages (PostgreSQL refusing a value: SQLSTATE classes 22, 23,
// 54; or our code failing on one, e.g. JSON of bad UTF-8) on a database that
// still answers splits the slice in halves, applied one after the other,
// down to the single message that fails twice: it goes to `dlq` with the
// error as its reason, and everything else applies, in order. Any other
// failure (a lost connection, any other SQLSTATE, Kafka not taking a dead
// letter, the after-commit step failing) retries the same slice, with
// backoff, until it applies or `stop` is set; applying a slice again changes
// nothing. Not thread-safe.
class BatchApplier {
 public:
  using Slice = std::span<const InboundMessage>;
  using AfterCommit = std::function<void()>;
  using Apply = std::function<AfterCommit(soci::session&, Slice)>;

  // Runs after a message the applier isolated went to `dlq`.
  using OnDeadLettered = std::function<void(const PoisonMessage&)>;

  // `name` is for logs ("scheduler", "heartbeats").
  BatchApplier(store::SessionPool& pool, DeadLetterPublisher& dead_letters, std::string name,
               OnDeadLettered on_dead_lettered = {});

  // Applies all of `batch`; true once every message applied or went to
  // `dlq`, false when `stop` came first (the caller must then not commit the
  // batch's offsets: what applied applies again harmlessly on redelivery).
  bool ApplyAll(const std::vector<InboundMessage>& batch, const Apply& apply,
                const std::atomic<bool>& stop);

  uint64_t retried() const { return retried_; }    // slices retried after a transient failure
  uint64_t isolated() const { return isolated_; }  // messages dead-lettered because they failed

 private:
  enum class Attempt { kApplied, kTransient, kPermanent };
  Attempt Try(Slice slice, const Apply& apply, std::string& error);
  bool ApplySlice(Slice slice, const Apply& apply, const std::atomic<bool>& stop);

  store::SessionPool& pool_;
  DeadLetterPublisher& dead_letters_;
  const std::string name_;
  const OnDeadLettered on_dead_lettered_;
  std::atomic<uint64_t> retried_{0};
  std::atomic<uint64_t> isolated_{0};
};

}  // namespace agentstudio::kafka
