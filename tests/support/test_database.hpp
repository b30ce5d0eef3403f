#pragma once

#include <soci/soci.h>

#include <memory>
#include <string>

namespace agentstudio::testing {

// A fresh database in the PostgreSQL cluster scripts/test started
// (AGENTSTUDIO_PG_ADMIN_URL, a postgresql:// URI to its `postgres` database),
// with the migrations applied; dropped on destruction. Throws (failing the
// test, never skipping it) when the cluster is not there.
class TestDatabase {
 public:
  TestDatabase();
  // The same in the cluster of `admin_url` (e.g. a PrivatePostgres).
  explicit TestDatabase(std::string admin_url);
  ~TestDatabase();

  const std::string& url() const { return url_; }
  std::unique_ptr<soci::session> Connect() const;

 private:
  std::string admin_url_;
  std::string name_;
  std::string url_;
};

}  // namespace agentstudio::testing
