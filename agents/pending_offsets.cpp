#include "agents/pending_offsets.hpp"

#include <algorithm>

namespace agentstudio::agents {

void PendingOffsets::Take(const kafka::TopicPartition& partition, int64_t offset) {
  const auto [it, added] = partitions_.try_emplace(partition);
  Partition& p = it->second;
  // A partition's first message is where reading started (its committed
  // offset): nothing before it is ours to commit.
  if (added) p.committed = offset;
  p.unfinished.insert(offset);
  p.next = std::max(p.next, offset + 1);
}

void PendingOffsets::Finish(const kafka::TopicPartition& partition, int64_t offset) {
  const auto it = partitions_.find(partition);
  if (it != partitions_.end()) it->second.unfinished.erase(offset);
}

void PendingOffsets::Forget(const kafka::TopicPartition& partition) {
  partitions_.erase(partition);
}

kafka::Positions PendingOffsets::Committable() const {
  kafka::Positions positions;
  for (const auto& [name, p] : partitions_) {
    const int64_t position = p.unfinished.empty() ? p.next : *p.unfinished.begin();
    if (position > p.committed) positions[name] = position;
  }
  return positions;
}

void PendingOffsets::Committed(const kafka::Positions& positions) {
  for (const auto& [name, position] : positions) {
    const auto it = partitions_.find(name);
    if (it != partitions_.end()) it->second.committed = std::max(it->second.committed, position);
  }
}

size_t PendingOffsets::unfinished() const {
  size_t count = 0;
  for (const auto& [name, p] : partitions_) count += p.unfinished.size();
  return count;
}

}  // namespace agentstudio::agents
