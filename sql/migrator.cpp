#include "sql/migrator.hpp"

#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>

#include <cstdlib>
#include <set>

#include "sql/database.hpp"
#include "sql/migrations.hpp"

namespace agentstudio::store {
namespace {

// Migration files hold several statements, which only the simple query
// protocol accepts; SOCI prepares statements, so run them through libpq.
void Exec(PGconn* conn, const std::string& text, const std::string& what) {
  PGresult* result = PQexec(conn, text.c_str());
  const ExecStatusType status = PQresultStatus(result);
  std::string error = PQresultErrorMessage(result);
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const std::string sqlstate = state ? state : "";
  PQclear(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    const bool lost = PQstatus(conn) != CONNECTION_OK || sqlstate.rfind("08", 0) == 0;
    throw DatabaseError(what + " failed: " + error, lost);
  }
}

constexpr const char* kLockKey = "7311284509";  // any constant shared by all starters

}  // namespace

std::vector<std::string> ApplyMigrations(soci::session& session) {
  auto* backend = static_cast<soci::postgresql_session_backend*>(session.get_backend());
  PGconn* conn = backend->conn_;
  std::vector<std::string> applied;
  Exec(conn, "BEGIN", "BEGIN");
  try {
    Exec(conn, "SET LOCAL client_min_messages = warning", "quiet notices");
    Exec(conn, std::string("SELECT pg_advisory_xact_lock(") + kLockKey + ")", "migration lock");
    Exec(conn,
         "CREATE TABLE IF NOT EXISTS schema_migrations ("
         " version integer PRIMARY KEY, name text NOT NULL,"
         " applied_at timestamptz NOT NULL DEFAULT now())",
         "create schema_migrations");
    std::set<int> done;
    PGresult* rows = PQexec(conn, "SELECT version FROM schema_migrations");
    for (int i = 0; i < PQntuples(rows); ++i) done.insert(std::atoi(PQgetvalue(rows, i, 0)));
    PQclear(rows);
    for (const auto& migration : migrations::kAll) {
      const std::string name(migration.name);
      const int version = std::atoi(name.c_str());
      if (version <= 0) throw DatabaseError("migration without a number: " + name, false);
      if (done.count(version)) continue;
      Exec(conn, std::string(migration.text), "migration " + name);
      Exec(conn,
           "INSERT INTO schema_migrations (version, name) VALUES (" + std::to_string(version) +
               ", '" + name + "')",
           "record migration " + name);
      applied.push_back(name);
    }
    Exec(conn, "COMMIT", "COMMIT");
  } catch (...) {
    PGresult* result = PQexec(conn, "ROLLBACK");
    PQclear(result);
    throw;
  }
  return applied;
}

size_t MigrationCount() { return migrations::kAll.size(); }

}  // namespace agentstudio::store
