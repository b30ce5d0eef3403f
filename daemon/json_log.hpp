#pragma once

#include <string>

namespace agentstudio::daemon {

// Logs one JSON object a line to stdout (journald-friendly):
// {"time":"...Z","level":"info","pid":1,"thread":2,"msg":"..."}; level from
// "trace".."error".
void SetUpJsonLogging(const std::string& level);

}  // namespace agentstudio::daemon
