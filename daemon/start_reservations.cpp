#include "daemon/start_reservations.hpp"

namespace agentstudio::daemon {

StartReservations::Reservation StartReservations::Reserve(const std::string& tenant, int* count) {
  {
    std::lock_guard lock(mutex_);
    *count = ++reserved_[tenant];
  }
  // A pointer to nothing whose deleter releases: it travels in callbacks.
  return Reservation(nullptr, [this, tenant](const void*) { Release(tenant); });
}

int StartReservations::CountOf(const std::string& tenant) const {
  std::lock_guard lock(mutex_);
  const auto it = reserved_.find(tenant);
  return it == reserved_.end() ? 0 : it->second;
}

void StartReservations::Release(const std::string& tenant) {
  std::lock_guard lock(mutex_);
  const auto it = reserved_.find(tenant);
  if (it != reserved_.end() && --it->second == 0) reserved_.erase(it);
}

}  // namespace agentstudio::daemon
