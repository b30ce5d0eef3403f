#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "daemon/config.hpp"
#include "daemon/front_door.hpp"

namespace agentstudio::daemon {

// Builds and runs the roles of one agentstudiod process, and stops them in an
// order that loses nothing: the front door stops accepting first, agents
// finish the task in hand, schedulers finish and commit their batch, the
// relay drains the outbox, producers flush, and the embedded broker goes last.
class RoleRunner {
 public:
  explicit RoleRunner(Config config);
  ~RoleRunner();  // Stop()

  // Starts every role. `on_broker` is called with the embedded broker's
  // bootstrap list as soon as it listens (before anything else is started or
  // logged). Throws std::exception when a role cannot start.
  void Start(const std::function<void(const std::string&)>& on_broker);

  // Stops in order and joins. Idempotent.
  void Stop();

  // The front door's port (0 without the frontdoor role).
  uint16_t http_port() const;
  // The front door's routes (empty without the front door role).
  std::vector<FrontDoorRoute> http_routes() const;

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace agentstudio::daemon
