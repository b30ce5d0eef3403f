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

// Points where the code can fail the way a dependency fails on its own: the
// handler's true asks it to. MessageProducer::Send reaches this one, and on
// true its librdkafka client raises a fatal error (as an idempotent producer
// does when a broker lost acknowledged batches).
inline constexpr std::string_view kProducerFatalError = "producer.fatal_error";

// Returns whether the code at `point` should fail there (only points that
// can fail act on it).
using Handler = bool (*)(std::string_view point);

// Installs `handler` for every later Reach() (nullptr removes it).
// Thread-safe; meant to be called once, before the roles start.
void SetHandler(Handler handler);

// Calls the installed handler, if any, with `point`, and returns its answer
// (false without a handler). Thread-safe.
bool Reach(std::string_view point);

}  // namespace agentstudio::faults
