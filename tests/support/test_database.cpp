#include "tests/support/test_database.hpp"

#include <cstdlib>
#include <stdexcept>

#include "schemas/ids.hpp"
#include "sql/database.hpp"
#include "sql/migrator.hpp"

namespace agentstudio::testing {

namespace {

std::string SharedClusterAdminUrl() {
  const char* admin = std::getenv("AGENTSTUDIO_PG_ADMIN_URL");
  if (admin == nullptr || *admin == '\0') {
    throw std::runtime_error(
        "AGENTSTUDIO_PG_ADMIN_URL is not set: run the tests through scripts/test, which starts "
        "PostgreSQL");
  }
  return admin;
}

}  // namespace

TestDatabase::TestDatabase() : TestDatabase(SharedClusterAdminUrl()) {}

TestDatabase::TestDatabase(std::string admin_url) : admin_url_(std::move(admin_url)) {
  name_ = "test_" + schemas::NewMessageId().substr(0, 16);
  const auto scheme = admin_url_.find("://");
  const auto slash = admin_url_.find('/', scheme + 3);
  if (scheme == std::string::npos || slash == std::string::npos) {
    throw std::runtime_error(
        "AGENTSTUDIO_PG_ADMIN_URL must be a postgresql:// URI with a database");
  }
  const auto query = admin_url_.find('?', slash);
  url_ = admin_url_.substr(0, slash + 1) + name_ +
         (query == std::string::npos ? "" : admin_url_.substr(query));
  auto session = store::Connect(admin_url_);
  *session << "CREATE DATABASE " + name_;
  auto database = store::Connect(url_);
  store::ApplyMigrations(*database);
}

TestDatabase::~TestDatabase() {
  try {
    auto session = store::Connect(admin_url_);
    *session << "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)";
  } catch (const std::exception&) {
    // A leftover test database is harmless; the cluster is the test run's own.
  }
}

std::unique_ptr<soci::session> TestDatabase::Connect() const { return store::Connect(url_); }

}  // namespace agentstudio::testing
