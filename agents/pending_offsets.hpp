#pragma once

#include <cstdint>
#include <map>
#include <set>

#include "consumers/batch_consumer.hpp"

namespace agentstudio::agents {

// Which task messages of each partition an agent has taken and not yet
// finished (reported durably, handed to the DLQ, or dropped as duplicates),
// and so how far each partition may be committed: up to, not including, its
// first unfinished offset. Tasks finish in any order; the commit position
// only moves past a contiguous run of finished ones. Not thread-safe.
class PendingOffsets {
 public:
  // A message at `offset` was taken. Offsets of a partition come in the
  // order of the partition, but may start lower again after a rewind or a
  // new assignment.
  void Take(const kafka::TopicPartition& partition, int64_t offset);
  // The message at `offset` is finished. Ignored for partitions forgotten
  // since, and for offsets not taken.
  void Finish(const kafka::TopicPartition& partition, int64_t offset);
  // The partition was taken away (a rebalance): its new owner reads it from
  // the committed offset.
  void Forget(const kafka::TopicPartition& partition);

  // The positions that moved past what was last committed.
  kafka::Positions Committable() const;
  // Records that `positions` were committed.
  void Committed(const kafka::Positions& positions);

  // Messages taken and not finished, over every partition.
  size_t unfinished() const;

 private:
  struct Partition {
    std::set<int64_t> unfinished;
    int64_t next = -1;       // one past the highest offset taken
    int64_t committed = -1;  // the last position committed, or where reading started
  };
  std::map<kafka::TopicPartition, Partition> partitions_;
};

}  // namespace agentstudio::agents
