#pragma once

#include <soci/soci.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace agentstudio::store {

struct PreparedResult {
  std::vector<std::vector<std::string>> rows;  // text values; NULL reads as ""
  uint64_t affected = 0;                       // rows inserted, updated or deleted
};

// Runs one of the store's queries as a server-side prepared statement that
// stays prepared for the life of the connection: one round trip a call, and
// parsed and planned once. (SOCI's prepare sends PREPARE, EXECUTE and
// DEALLOCATE every time, and the server plans every time.) `query` uses
// SOCI's named binds (:rows); `params` are their text values in the order
// the names first appear. Runs on the caller's transaction, if any. Throws
// soci::postgresql_soci_error with the server's SQLSTATE, as SOCI would, so
// callers classify failures in one way.
PreparedResult RunPrepared(soci::session& session, std::string_view query,
                           const std::vector<std::string>& params);

// RunPrepared without copying the answer: `visit` sees each row in turn as
// views into the server's answer, valid only during the call (NULL reads as
// ""). For answers of many rows that are only passed on. Returns the rows
// inserted, updated or deleted, as `affected`.
uint64_t ForEachPreparedRow(soci::session& session, std::string_view query,
                            const std::vector<std::string>& params,
                            const std::function<void(std::span<const std::string_view>)>& visit);

// The first column of every row of RunPrepared.
std::vector<std::string> SelectPrepared(soci::session& session, std::string_view query,
                                        const std::vector<std::string>& params);

// `query` with SOCI's named binds replaced by $1, $2... in order of first
// appearance (string literals, comments and :: casts left alone); the names
// are appended to `names`. Exposed for tests.
std::string ToPositionalBinds(std::string_view query, std::vector<std::string>& names);

}  // namespace agentstudio::store
