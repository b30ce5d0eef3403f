#include "faults/fault_point.hpp"

#include <atomic>

namespace agentstudio::faults {
namespace {
std::atomic<Handler> installed{nullptr};
}

void SetHandler(Handler handler) { installed.store(handler); }

bool Reach(std::string_view point) {
  const Handler handler = installed.load(std::memory_order_acquire);
  return handler != nullptr && handler(point);
}

}  // namespace agentstudio::faults
