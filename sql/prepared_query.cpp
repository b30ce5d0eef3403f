#include "sql/prepared_query.hpp"

#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>

#include <cctype>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>

#include "sql/database.hpp"

namespace agentstudio::store {
namespace {

bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Which statements each connection is known to have prepared: a cache, never
// trusted blindly. A miss asks the server (pg_prepared_statements) before
// preparing, so forgetting is always safe: a connection told apart by its
// PGconn and its server process (a new connection may reuse the memory of
// one that closed), a statement the server says is gone (DISCARD ALL, a
// pooler that hands out another backend), and the whole cache when it holds
// more connections than a process keeps.
class PreparedRegistry {
 public:
  // Whether `conn` has `name` prepared; `binds` is then its number of binds.
  bool Knows(PGconn* conn, const std::string& name, size_t& binds) {
    std::lock_guard lock(mutex_);
    const auto it = connections_.find(conn);
    if (it == connections_.end() || it->second.backend_pid != PQbackendPID(conn) ||
        it->second.prepared.count(name) == 0) {
      return false;
    }
    binds = binds_.at(name);
    return true;
  }
  void Prepared(PGconn* conn, const std::string& name, size_t binds) {
    std::lock_guard lock(mutex_);
    binds_[name] = binds;  // one entry per query text of the store
    if (connections_.size() > kMaxConnections) connections_.clear();
    Connection& c = connections_[conn];
    const int pid = PQbackendPID(conn);
    if (c.backend_pid != pid) c = {pid, {}};
    c.prepared.insert(name);
  }
  void Forget(PGconn* conn) {
    std::lock_guard lock(mutex_);
    connections_.erase(conn);
  }

 private:
  static constexpr size_t kMaxConnections = 256;
  struct Connection {
    int backend_pid = 0;
    std::set<std::string> prepared;
  };
  std::mutex mutex_;
  std::map<PGconn*, Connection> connections_;
  std::map<std::string, size_t> binds_;
};

PreparedRegistry& Registry() {
  static PreparedRegistry registry;
  return registry;
}

// A statement name from the query text (FNV-1a, 64 bits).
std::string StatementName(std::string_view query) {
  uint64_t hash = 14695981039346656037ull;
  for (const char c : query) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  char name[24];
  std::snprintf(name, sizeof name, "as_%016llx", static_cast<unsigned long long>(hash));
  return name;
}

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

// Throws what SOCI would for a failed result (or a connection gone).
void ThrowIfFailed(PGconn* conn, const PGresult* result, std::string_view query) {
  const ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return;
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string message =
      result && *PQresultErrorMessage(result) ? PQresultErrorMessage(result) : PQerrorMessage(conn);
  // No SQLSTATE: the connection failed (SOCI reports those as class 08).
  throw soci::postgresql_soci_error(
      message + " while executing \"" + std::string(query.substr(0, 120)) + "\"",
      state ? state : "08006");
}

}  // namespace

std::string ToPositionalBinds(std::string_view query, std::vector<std::string>& names) {
  std::string out;
  out.reserve(query.size());
  for (size_t i = 0; i < query.size(); ++i) {
    const char c = query[i];
    if (c == '\'') {  // a string literal, '' escapes a quote
      const size_t end = query.find('\'', i + 1);
      const size_t stop = end == std::string_view::npos ? query.size() : end + 1;
      out.append(query.substr(i, stop - i));
      i = stop - 1;
    } else if (c == '-' && i + 1 < query.size() && query[i + 1] == '-') {
      const size_t end = query.find('\n', i);
      const size_t stop = end == std::string_view::npos ? query.size() : end;
      out.append(query.substr(i, stop - i));
      i = stop - 1;
    } else if (c == ':' && i + 1 < query.size() && query[i + 1] == ':') {
      out.append("::");
      ++i;
    } else if (c == ':' && i + 1 < query.size() && IsNameChar(query[i + 1])) {
      size_t end = i + 1;
      while (end < query.size() && IsNameChar(query[end])) ++end;
      const std::string name(query.substr(i + 1, end - i - 1));
      size_t index = 0;
      while (index < names.size() && names[index] != name) ++index;
      if (index == names.size()) names.push_back(name);
      out += "$" + std::to_string(index + 1);
      i = end - 1;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

uint64_t ForEachPreparedRow(soci::session& session, std::string_view query,
                            const std::vector<std::string>& params,
                            const std::function<void(std::span<const std::string_view>)>& visit) {
  // A session whose reconnect failed has no backend. Callers inside a
  // transaction never get here (SOCI's begin refuses first); the others get a
  // retryable error instead of a null dereference.
  auto* backend = static_cast<soci::postgresql_session_backend*>(session.get_backend());
  if (backend == nullptr) {
    throw DatabaseError("the session is not connected (its reconnect failed)", true);
  }
  PGconn* conn = backend->conn_;
  const std::string name = StatementName(query);
  const auto check_binds = [&](size_t binds) {
    if (binds != params.size()) {
      throw std::logic_error("query with " + std::to_string(binds) + " binds given " +
                             std::to_string(params.size()) +
                             " values: " + std::string(query.substr(0, 120)));
    }
  };
  size_t binds = 0;
  if (Registry().Knows(conn, name, binds)) {
    check_binds(binds);
  } else {
    std::vector<std::string> names;
    const std::string text = ToPositionalBinds(query, names);
    check_binds(names.size());
    const char* lookup = name.c_str();
    ResultPtr exists(PQexecParams(conn, "SELECT 1 FROM pg_prepared_statements WHERE name = $1", 1,
                                  nullptr, &lookup, nullptr, nullptr, 0),
                     &PQclear);
    ThrowIfFailed(conn, exists.get(), "pg_prepared_statements");
    if (PQntuples(exists.get()) == 0) {
      ResultPtr prepared(PQprepare(conn, name.c_str(), text.c_str(), 0, nullptr), &PQclear);
      ThrowIfFailed(conn, prepared.get(), query);
    }
    Registry().Prepared(conn, name, names.size());
  }
  std::vector<const char*> values;
  for (const std::string& p : params) values.push_back(p.c_str());
  ResultPtr result(PQexecPrepared(conn, name.c_str(), static_cast<int>(values.size()),
                                  values.data(), nullptr, nullptr, 0),
                   &PQclear);
  if (const char* state = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
      state != nullptr && std::string_view(state) == "26000") {
    // The server no longer has it: ask again next time. The error is
    // retryable (database.cpp), and the retry's transaction prepares anew.
    Registry().Forget(conn);
  }
  ThrowIfFailed(conn, result.get(), query);
  const int rows = PQntuples(result.get()), columns = PQnfields(result.get());
  std::vector<std::string_view> row(static_cast<size_t>(columns));
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < columns; ++c) {
      row[static_cast<size_t>(c)] = {PQgetvalue(result.get(), r, c),
                                     static_cast<size_t>(PQgetlength(result.get(), r, c))};
    }
    visit(row);
  }
  const char* affected = PQcmdTuples(result.get());
  return affected && *affected ? std::stoull(affected) : 0;
}

PreparedResult RunPrepared(soci::session& session, std::string_view query,
                           const std::vector<std::string>& params) {
  PreparedResult out;
  out.affected =
      ForEachPreparedRow(session, query, params, [&](std::span<const std::string_view> row) {
        out.rows.emplace_back(row.begin(), row.end());
      });
  return out;
}

std::vector<std::string> SelectPrepared(soci::session& session, std::string_view query,
                                        const std::vector<std::string>& params) {
  std::vector<std::string> out;
  for (auto& row : RunPrepared(session, query, params).rows) {
    if (!row.empty()) out.push_back(std::move(row.front()));
  }
  return out;
}

}  // namespace agentstudio::store
