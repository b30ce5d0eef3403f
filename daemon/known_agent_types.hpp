#pragma once

#include <soci/soci.h>

#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace agentstudio::daemon {

// The agent types known from heartbeats (any agent that ever sent one), plus
// those an agent role of this very process serves (known before its first
// heartbeat is ingested), for refusing work no agent could take (400
// AGENT_TYPE_NOT_FOUND). A type once known stays known, so PostgreSQL is
// read only when a type is missing from the cache: an agent type that just
// started is accepted at once. Thread-safe; the lock is never held across
// the database query, so requests for known types never wait for one.
class KnownAgentTypes {
 public:
  explicit KnownAgentTypes(const std::vector<std::string>& served_here = {})
      : known_(served_here.begin(), served_here.end()) {}

  // The types of `wanted` no agent ever served, in the order given. Throws on
  // database errors.
  std::vector<std::string> Unknown(soci::session& session, const std::vector<std::string>& wanted);

 private:
  std::vector<std::string> Missing(const std::vector<std::string>& wanted) const;

  mutable std::mutex mutex_;
  std::set<std::string> known_;  // guarded by mutex_
};

}  // namespace agentstudio::daemon
