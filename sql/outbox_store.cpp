#include "sql/outbox_store.hpp"

#include <nlohmann/json.hpp>

#include "sql/queries.hpp"

namespace agentstudio::store {
namespace {

using Json = nlohmann::json;

// bytea travels as hex text: SOCI cuts binary strings at NUL bytes.
std::string ToHex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 0;
}

std::string FromHex(const std::string& hex) {
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
  Json rows = Json::array();
  for (const OutboxMessage& m : messages) {
    rows.push_back({{"topic", m.topic},
                    {"key", m.key},
                    {"payload", ToHex(m.payload)},
                    {"headers", m.headers}});
  }
  const std::string text = rows.dump();
  session << std::string(queries::kInsertOutbox), soci::use(text, "rows");
}

std::vector<OutboxRow> ClaimOutbox(soci::session& session, int limit) {
  std::vector<OutboxRow> out;
  std::string value;
  soci::statement statement = (session.prepare << std::string(queries::kClaimOutbox),
                               soci::into(value), soci::use(limit, "limit"));
  statement.execute();
  while (statement.fetch()) {
    const Json row = Json::parse(value);
    OutboxRow r;
    r.id = row.at("id").get<int64_t>();
    r.message.topic = row.at("topic").get<std::string>();
    r.message.key = row.at("key").get<std::string>();
    r.message.payload = FromHex(row.at("payload").get<std::string>());
    r.message.headers = row.value("headers", std::map<std::string, std::string>{});
    out.push_back(std::move(r));
  }
  return out;
}

void DeleteOutbox(soci::session& session, const std::vector<int64_t>& ids) {
  if (ids.empty()) return;
  const std::string text = Json(ids).dump();
  session << std::string(queries::kDeleteOutbox), soci::use(text, "ids");
}

void PostponeOutbox(soci::session& session, const std::vector<int64_t>& ids) {
  if (ids.empty()) return;
  const std::string text = Json(ids).dump();
  session << std::string(queries::kPostponeOutbox), soci::use(text, "ids");
}

}  // namespace agentstudio::store
