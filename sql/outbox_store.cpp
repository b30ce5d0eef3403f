#include "sql/outbox_store.hpp"

#include <charconv>
#include <nlohmann/json.hpp>
#include <span>
#include <stdexcept>
#include <string_view>

#include "sql/commit_signal.hpp"
#include "sql/json_rows_writer.hpp"
#include "sql/prepared_query.hpp"
#include "sql/queries.hpp"

namespace agentstudio::store {
namespace {

using Json = nlohmann::json;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 0;
}

std::string FromHex(std::string_view hex) {
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(HexValue(hex[i]) << 4 | HexValue(hex[i + 1])));
  }
  return out;
}

}  // namespace

void EnqueueOutbox(soci::session& session, const std::vector<OutboxMessage>& messages) {
  if (messages.empty()) return;
  JsonRowsWriter rows;
  for (const OutboxMessage& m : messages) {
    rows.BeginRow();
    rows.Text("topic", m.topic);
    rows.Text("key", m.key);
    rows.Bytes("payload", m.payload);
    rows.TextObject("headers", m.headers);
  }
  RunPrepared(session, queries::kInsertOutbox, {rows.Finish()});
  // Delivered to listening relays when the transaction commits.
  session << std::string("NOTIFY ") + kOutboxChannel;
}

std::vector<OutboxRow> ClaimOutbox(soci::session& session, int limit) {
  std::vector<OutboxRow> out;
  ForEachPreparedRow(
      session, queries::kClaimOutbox, {std::to_string(limit)},
      [&](std::span<const std::string_view> row) {
        OutboxRow r;
        // An id read as 0 would never be deleted: refuse instead.
        if (std::from_chars(row[0].data(), row[0].data() + row[0].size(), r.id).ec != std::errc()) {
          throw std::runtime_error("outbox id is not a number: " + std::string(row[0]));
        }
        r.message.topic = row[1];
        r.message.key = row[2];
        r.message.payload = FromHex(row[3]);
        if (!row[4].empty()) {
          r.message.headers = Json::parse(row[4]).get<std::map<std::string, std::string>>();
        }
        out.push_back(std::move(r));
      });
  return out;
}

void DeleteOutbox(soci::session& session, const std::vector<int64_t>& ids) {
  if (ids.empty()) return;
  RunPrepared(session, queries::kDeleteOutbox, {Json(ids).dump()});
}

void PostponeOutbox(soci::session& session, const std::vector<int64_t>& ids) {
  if (ids.empty()) return;
  RunPrepared(session, queries::kPostponeOutbox, {Json(ids).dump()});
}

}  // namespace agentstudio::store
