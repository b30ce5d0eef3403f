#include "sql/commit_signal.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <soci/postgresql/soci-postgresql.h>
#include <spdlog/spdlog.h>

#include <thread>

#include "sql/database.hpp"

namespace agentstudio::store {
namespace {

PGconn* Connection(soci::session& session) {
  return static_cast<soci::postgresql_session_backend*>(session.get_backend())->conn_;
}

// Takes every notification already read; true if there was one.
bool DrainNotifications(PGconn* conn) {
  bool any = false;
  while (PGnotify* notify = PQnotifies(conn)) {
    any = true;
    PQfreemem(notify);
  }
  return any;
}

}  // namespace

CommitSignal::CommitSignal(const std::string& database_url, std::string channel)
    : url_(database_url), channel_(std::move(channel)) {
  Listen();
}

CommitSignal::~CommitSignal() = default;

void CommitSignal::Listen() {
  session_ = Connect(url_);
  *session_ << "LISTEN " + channel_;
}

bool CommitSignal::Drain() {
  if (!session_) return false;
  PGconn* conn = Connection(*session_);
  return PQstatus(conn) == CONNECTION_OK && PQconsumeInput(conn) == 1 && DrainNotifications(conn);
}

bool CommitSignal::Wait(std::chrono::milliseconds timeout) {
  if (!session_ || PQstatus(Connection(*session_)) != CONNECTION_OK) {
    try {
      Listen();
    } catch (const std::exception& error) {
      session_.reset();
      spdlog::warn("cannot listen on {} ({}); polling meanwhile", channel_, error.what());
      std::this_thread::sleep_for(timeout);
      return false;
    }
    return true;
  }
  PGconn* conn = Connection(*session_);
  if (PQconsumeInput(conn) == 1 && DrainNotifications(conn)) return true;
  pollfd fd{PQsocket(conn), POLLIN, 0};
  if (poll(&fd, 1, static_cast<int>(timeout.count())) <= 0) return false;
  if (PQconsumeInput(conn) != 1) return true;  // lost: reopened on the next call
  return DrainNotifications(conn);
}

}  // namespace agentstudio::store
