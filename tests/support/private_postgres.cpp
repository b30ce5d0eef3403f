#include "tests/support/private_postgres.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "tests/support/child_process.hpp"

namespace agentstudio::testing {

namespace {

// The newest server's bin directory (Debian: /usr/lib/postgresql/<major>/bin).
std::string ServerBin() {
  std::string newest;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql")) {
    const auto bin = entry.path() / "bin";
    if (std::filesystem::exists(bin / "pg_ctl") && bin.string() > newest) newest = bin.string();
  }
  if (newest.empty()) throw std::runtime_error("no PostgreSQL server under /usr/lib/postgresql");
  return newest;
}

}  // namespace

PrivatePostgres::PrivatePostgres() : bin_(ServerBin()), port_(FreePort()) {
  directory_ = ::testing::TempDir() + "agentstudio-pg-" + std::to_string(getpid()) + "-" +
               std::to_string(port_);
  std::filesystem::create_directories(directory_);
  if (geteuid() == 0) {
    const auto [status, out] = ChildProcess::Run("/bin/chown", {"postgres:", directory_}, {});
    if (status != 0) throw std::runtime_error("cannot give " + directory_ + " to postgres");
  }
  RunAsOwner(bin_ + "/initdb -D " + directory_ + "/data -U agentstudio --auth=trust -E UTF8 " +
             "--no-locale >/dev/null");
  Start();
}

PrivatePostgres::~PrivatePostgres() {
  try {
    RunAsOwner(bin_ + "/pg_ctl -D " + directory_ + "/data -m immediate -w stop >/dev/null 2>&1");
  } catch (const std::exception&) {
    // Already stopped.
  }
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

std::string PrivatePostgres::admin_url() const {
  return "postgresql://agentstudio@127.0.0.1:" + std::to_string(port_) + "/postgres";
}

void PrivatePostgres::Stop() {
  RunAsOwner(bin_ + "/pg_ctl -D " + directory_ + "/data -m fast -w stop >/dev/null");
}

void PrivatePostgres::Start() {
  RunAsOwner(bin_ + "/pg_ctl -D " + directory_ + "/data -l " + directory_ + "/server.log -w " +
             "-t 60 start -o '-c listen_addresses=127.0.0.1 -c port=" + std::to_string(port_) +
             " -c unix_socket_directories=" + directory_ + "' >/dev/null");
}

void PrivatePostgres::RunAsOwner(const std::string& command) const {
  const bool root = geteuid() == 0;
  const auto [status, out] =
      root ? ChildProcess::Run("/usr/sbin/runuser",
                               {"-u", "postgres", "--", "/bin/sh", "-c", command}, {})
           : ChildProcess::Run("/bin/sh", {"-c", command}, {});
  if (status != 0) {
    throw std::runtime_error("'" + command + "' failed with " + std::to_string(status) + " " + out);
  }
}

}  // namespace agentstudio::testing
