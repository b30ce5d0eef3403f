// agentstudiod: parses arguments, loads config, runs the roles until SIGINT or
// SIGTERM, then drains. `agentstudiod migrate` applies migrations and exits.
#include <signal.h>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "daemon/config.hpp"
#include "daemon/json_log.hpp"
#include "daemon/role_runner.hpp"
#include "sql/database.hpp"
#include "sql/migrator.hpp"

extern char** environ;

namespace {

std::map<std::string, std::string> Environment() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    const auto equals = text.find('=');
    if (equals != std::string::npos) env[text.substr(0, equals)] = text.substr(equals + 1);
  }
  return env;
}

// Writes atomically so a reader never sees half a list.
void WriteBrokerFile(const std::string& path, const std::string& bootstrap) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream file(temporary, std::ios::trunc);
    file << bootstrap << "\n";
  }
  std::rename(temporary.c_str(), path.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  const auto loaded = agentstudio::daemon::LoadConfig({argv + 1, argv + argc}, Environment());
  if (const auto* error = std::get_if<std::string>(&loaded)) {
    std::cerr << "agentstudiod: " << *error << "\n"
              << "usage: agentstudiod [migrate] [--role frontdoor|scheduler|relay|agent|broker]... "
                 "[--config FILE]\n";
    return 2;
  }
  const auto& config = std::get<agentstudio::daemon::Config>(loaded);
  agentstudio::daemon::SetUpJsonLogging(config.log_level);

  if (config.migrate_only) {
    try {
      auto session = agentstudio::store::Connect(config.database_url);
      const auto applied = agentstudio::store::ApplyMigrations(*session);
      spdlog::info("migrations applied: {}", applied.empty()
                                                 ? "none (schema current)"
                                                 : fmt::format("{}", fmt::join(applied, ", ")));
      return 0;
    } catch (const std::exception& error) {
      spdlog::error("migrate failed: {}", error.what());
      return 1;
    }
  }

  // Signals are taken by sigwait() below, never by other threads. A parent
  // shell may have started us with SIGINT ignored (background job), and an
  // ignored signal is discarded instead of left pending: restore the default
  // first, then block.
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  agentstudio::daemon::RoleRunner runner(config);
  try {
    runner.Start([&config](const std::string& bootstrap) {
      std::cout << bootstrap << std::endl;  // first line of stdout, for other processes
      if (!config.broker_file.empty()) WriteBrokerFile(config.broker_file, bootstrap);
    });
  } catch (const std::exception& error) {
    spdlog::critical("start-up failed: {}", error.what());
    runner.Stop();
    return 1;
  }
  sd_notify(0, "READY=1");
  spdlog::info("agentstudiod ready");

  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("received {}, draining", received == SIGINT ? "SIGINT" : "SIGTERM");
  sd_notify(0, "STOPPING=1");
  runner.Stop();
  spdlog::info("stopped");
  return 0;
}
