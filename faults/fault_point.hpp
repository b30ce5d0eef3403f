#pragma once

#include <string_view>

namespace agentstudio::faults {

// Named moments where a crash loses the most if the code is wrong, e.g.
// between a database commit and the Kafka offset commit. Fault-injection
// tests run a daemon built with a handler (tests/faults/) that kills the
// process at one of them; production binaries install none, so reaching a
// point costs one atomic load.
inline constexpr std::string_view kSchedulerAfterDatabaseCommit = "scheduler.after_db_commit";
inline constexpr std::string_view kRelayAfterSend = "relay.after_send";
inline constexpr std::string_view kAgentAfterReport = "agent.after_report";

using Handler = void (*)(std::string_view point);

// Installs `handler` for every later Reach() (nullptr removes it).
// Thread-safe; meant to be called once, before the roles start.
void SetHandler(Handler handler);

// Calls the installed handler, if any, with `point`. Thread-safe.
void Reach(std::string_view point);

}  // namespace agentstudio::faults
