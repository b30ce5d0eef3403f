// Linked only into agentstudiod_faults, the daemon the crash tests run: with
// AGENTSTUDIO_TEST_CRASH_AT=<fault point>:<n>, the process SIGKILLs itself
// the n-th time it reaches that point (e.g. after a scheduler's database
// commit, before its Kafka offset commit), as a power cut there would.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include "faults/fault_point.hpp"

namespace {

std::string crash_point;  // constant after start-up
long crash_at = 0;        // constant after start-up
std::atomic<long> reached{0};

void CrashAtTheChosenReach(std::string_view point) {
  if (point != crash_point || ++reached != crash_at) return;
  const std::string line = "agentstudiod_faults: killing myself at " + crash_point + " (reach " +
                           std::to_string(crash_at) + ")\n";
  (void)!write(STDERR_FILENO, line.data(), line.size());
  kill(getpid(), SIGKILL);
}

// Runs before main(): the roles start later.
[[maybe_unused]] const bool installed = [] {
  const char* spec = std::getenv("AGENTSTUDIO_TEST_CRASH_AT");
  if (spec == nullptr) return false;
  const std::string text = spec;
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  crash_point = text.substr(0, colon);
  crash_at = std::strtol(text.c_str() + colon + 1, nullptr, 10);
  if (crash_at <= 0) return false;
  agentstudio::faults::SetHandler(&CrashAtTheChosenReach);
  return true;
}();

}  // namespace
