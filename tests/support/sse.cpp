#include "tests/support/sse.hpp"

#include <sstream>

namespace agentstudio::testing {

std::vector<SseEvent> ParseSse(const std::string& body) {
  std::vector<SseEvent> events;
  SseEvent current;
  bool any = false;
  std::istringstream lines(body);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {  // a blank line ends an event
      if (any) events.push_back(current);
      current = {};
      any = false;
      continue;
    }
    const auto colon = line.find(':');
    if (colon == 0) continue;  // a comment (keep-alive)
    const std::string field = line.substr(0, colon);
    std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.erase(0, 1);
    if (field == "id") current.id = value;
    if (field == "event") current.event = value;
    if (field == "data") current.data += (current.data.empty() ? "" : "\n") + value;
    any = true;
  }
  if (any) events.push_back(current);
  return events;
}

}  // namespace agentstudio::testing
