#pragma once

#include <string>
#include <vector>

namespace agentstudio::testing {

// One Server-Sent Event; fields a message does not carry stay empty.
struct SseEvent {
  std::string id;
  std::string event;
  std::string data;
};

// The events of a whole text/event-stream body, in order (comments skipped).
std::vector<SseEvent> ParseSse(const std::string& body);

}  // namespace agentstudio::testing
