#include "faults/fault_point.hpp"

#include <atomic>

namespace agentstudio::faults {
namespace {
std::atomic<Handler> installed{nullptr};
}

void SetHandler(Handler handler) { installed.store(handler); }

void Reach(std::string_view point) {
  if (const Handler handler = installed.load(std::memory_order_acquire)) handler(point);
}

}  // namespace agentstudio::faults
