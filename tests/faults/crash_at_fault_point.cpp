// Linked only into agentstudiod_faults, the daemon the fault tests run:
// - AGENTSTUDIO_TEST_CRASH_AT=<fault point>:<n>: the process SIGKILLs itself
//   the n-th time it reaches that point (e.g. after a scheduler's database
//   commit, before its Kafka offset commit), as a power cut there would;
// - AGENTSTUDIO_TEST_PAUSE_AT=<fault point>:<ms>: it sleeps that long at
//   every reach, so that a signal sent while it is busy lands in the window
//   after the point (e.g. SIGTERM between a database and an offset commit);
// - AGENTSTUDIO_TEST_FAIL_AT=<fault point>:<n>: the n-th reach of a point
//   that can fail (faults::kProducerFatalError) fails, once.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "faults/fault_point.hpp"

namespace {

// Constant after start-up.
std::string crash_point;
long crash_at = 0;
std::string pause_point;
long pause_ms = 0;
std::string fail_point;
long fail_at = 0;

std::atomic<long> reached{0};
std::atomic<long> reached_fail_point{0};

void Say(const std::string& line) { (void)!write(STDERR_FILENO, line.data(), line.size()); }

bool ActAtFaultPoint(std::string_view point) {
  if (point == pause_point) std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
  if (point == fail_point && ++reached_fail_point == fail_at) {
    Say("agentstudiod_faults: failing at " + fail_point + " (reach " + std::to_string(fail_at) +
        ")\n");
    return true;
  }
  if (point != crash_point || ++reached != crash_at) return false;
  Say("agentstudiod_faults: killing myself at " + crash_point + " (reach " +
      std::to_string(crash_at) + ")\n");
  kill(getpid(), SIGKILL);
  return false;
}

// "<point>:<positive number>" from the environment variable `name`.
bool ReadSpec(const char* name, std::string& point, long& number) {
  const char* spec = std::getenv(name);
  if (spec == nullptr) return false;
  const std::string text = spec;
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  point = text.substr(0, colon);
  number = std::strtol(text.c_str() + colon + 1, nullptr, 10);
  return number > 0;
}

// Runs before main(): the roles start later.
[[maybe_unused]] const bool installed = [] {
  const bool crash = ReadSpec("AGENTSTUDIO_TEST_CRASH_AT", crash_point, crash_at);
  const bool pause = ReadSpec("AGENTSTUDIO_TEST_PAUSE_AT", pause_point, pause_ms);
  const bool fail = ReadSpec("AGENTSTUDIO_TEST_FAIL_AT", fail_point, fail_at);
  if (crash || pause || fail) agentstudio::faults::SetHandler(&ActAtFaultPoint);
  return crash || pause || fail;
}();

}  // namespace
