#pragma once

#include <soci/soci.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace agentstudio::store {

// A Kafka message waiting in the outbox. `payload` is the serialized
// Protobuf (binary; stored as bytea); headers are Kafka headers.
struct OutboxMessage {
  std::string topic;
  std::string key;
  std::string payload;
  std::map<std::string, std::string> headers;
};

struct OutboxRow {
  int64_t id = 0;
  OutboxMessage message;
};

// Appends messages in order, on the caller's transaction, and notifies
// kOutboxChannel (commit_signal.hpp) at its commit.
void EnqueueOutbox(soci::session& session, const std::vector<OutboxMessage>& messages);

// Locks and returns up to `limit` unsent messages, oldest first, skipping rows
// another relay holds. REQUIRES: an open transaction (the lock lasts until it
// ends: a relay that dies releases its rows to the next).
std::vector<OutboxRow> ClaimOutbox(soci::session& session, int limit);

// Removes delivered messages, on the caller's transaction.
void DeleteOutbox(soci::session& session, const std::vector<int64_t>& ids);

// Makes messages whose send can succeed later due again after a backoff that
// doubles with each attempt (100 ms up to 30 s), on the caller's transaction.
void PostponeOutbox(soci::session& session, const std::vector<int64_t>& ids);

}  // namespace agentstudio::store
