#pragma once

#include <string>

namespace agentstudio::testing {

// A PostgreSQL cluster of one test's own (initdb in a temporary directory, a
// free port on 127.0.0.1), for faults that would disturb every other test of
// the shared cluster: stopping and restarting the server. As root, the server
// runs as the `postgres` user, since it refuses root. Throws
// std::runtime_error (with the server's log) when it cannot be set up.
class PrivatePostgres {
 public:
  PrivatePostgres();
  ~PrivatePostgres();  // stops the server, removes the directory

  PrivatePostgres(const PrivatePostgres&) = delete;
  PrivatePostgres& operator=(const PrivatePostgres&) = delete;

  // A postgresql:// URI to its `postgres` database (for TestDatabase).
  std::string admin_url() const;

  // A fast shutdown: every session is cut. Start() brings it back on the same
  // port with the same data.
  void Stop();
  void Start();

 private:
  // Runs `command` with /bin/sh as the cluster's owner; throws on failure.
  void RunAsOwner(const std::string& command) const;

  std::string bin_;
  std::string directory_;
  int port_ = 0;
};

}  // namespace agentstudio::testing
