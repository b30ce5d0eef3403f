#include "sql/database.hpp"

#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>
#include <spdlog/spdlog.h>

namespace agentstudio::store {
namespace {

bool IsRetryableSqlState(const std::string& state) {
  // 08: connection exception; 40001/40P01: serialization failure, deadlock;
  // 57P01-03: server shutting down or starting; 53: insufficient resources;
  // 26000: a prepared statement the connection lost (RunPrepared prepares it
  // again on the next try).
  return state.rfind("08", 0) == 0 || state == "40001" || state == "40P01" ||
         state.rfind("57P0", 0) == 0 || state.rfind("53", 0) == 0 || state == "26000";
}

// SOCI mangles postgresql:// URIs; libpq parses both forms, so hand SOCI the
// keyword=value form libpq produces.
std::string ToKeywordConninfo(const std::string& url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    const std::string message = error ? error : "invalid connection string";
    PQfreemem(error);
    throw DatabaseError("invalid AGENTSTUDIO_DATABASE_URL: " + message, false);
  }
  std::string out;
  for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (option->val == nullptr || *option->val == '\0') continue;
    std::string value;
    for (const char* c = option->val; *c; ++c) {
      if (*c == '\\' || *c == '\'') value.push_back('\\');
      value.push_back(*c);
    }
    out += std::string(out.empty() ? "" : " ") + option->keyword + "='" + value + "'";
  }
  PQconninfoFree(options);
  return out;
}

}  // namespace

DatabaseError ClassifyDatabaseError(const std::exception& error) {
  if (const auto* existing = dynamic_cast<const DatabaseError*>(&error)) return *existing;
  if (const auto* pg = dynamic_cast<const soci::postgresql_soci_error*>(&error)) {
    const std::string state = pg->sqlstate();
    const bool retryable = IsRetryableSqlState(state) ||
                           pg->get_error_category() == soci::soci_error::connection_error;
    return DatabaseError(std::string(error.what()) + " [sqlstate " + state + "]", retryable);
  }
  if (const auto* soci_error = dynamic_cast<const soci::soci_error*>(&error)) {
    const auto category = soci_error->get_error_category();
    const bool retryable = category == soci::soci_error::connection_error ||
                           category == soci::soci_error::unknown_transaction_state ||
                           category == soci::soci_error::system_error;
    return DatabaseError(error.what(), retryable);
  }
  return DatabaseError(error.what(), false);
}

bool IsConnectionAlive(soci::session& session) {
  auto* backend = static_cast<soci::postgresql_session_backend*>(session.get_backend());
  return backend != nullptr && backend->conn_ != nullptr &&
         PQstatus(backend->conn_) == CONNECTION_OK;
}

std::unique_ptr<soci::session> Connect(const std::string& url) {
  try {
    return std::make_unique<soci::session>(soci::postgresql, ToKeywordConninfo(url));
  } catch (const DatabaseError&) {
    throw;
  } catch (const std::exception& error) {
    throw DatabaseError(std::string("cannot connect to PostgreSQL: ") + error.what(), true);
  }
}

SessionPool::SessionPool(std::string url, size_t size) : url_(std::move(url)) {
  if (size == 0) size = 1;
  for (size_t i = 0; i < size; ++i) {
    sessions_.push_back(Connect(url_));
    free_.push_back(i);
  }
}

SessionPool::Lease SessionPool::Acquire() {
  std::unique_lock lock(mutex_);
  freed_.wait(lock, [this] { return !free_.empty(); });
  const size_t index = free_.back();
  free_.pop_back();
  return Lease(*this, index);
}

SessionPool::Lease::~Lease() {
  if (pool_ == nullptr) return;
  {
    std::lock_guard lock(pool_->mutex_);
    pool_->free_.push_back(index_);
  }
  pool_->freed_.notify_one();
}

void SessionPool::Lease::ReconnectIfLost() noexcept {
  if (IsConnectionAlive(**this)) return;
  try {
    Reconnect();
  } catch (const std::exception& error) {
    spdlog::warn("{}", error.what());
  }
}

void SessionPool::Lease::Reconnect() {
  auto& slot = pool_->sessions_[index_];
  try {
    slot->reconnect();
  } catch (const std::exception& error) {
    throw DatabaseError(std::string("cannot reconnect to PostgreSQL: ") + error.what(), true);
  }
}

}  // namespace agentstudio::store
