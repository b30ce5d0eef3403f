#pragma once

#include <soci/soci.h>

#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace agentstudio::daemon {

// The agent types known from heartbeats (any agent that ever sent one), for
// refusing work no agent could take (400 AGENT_TYPE_NOT_FOUND). A type once
// known stays known, so the cache is re-read from PostgreSQL only when a type
// is missing from it: an agent type that just started is accepted at once.
// Thread-safe.
class KnownAgentTypes {
 public:
  // The types of `wanted` no agent ever served, in the order given. Throws on
  // database errors.
  std::vector<std::string> Unknown(soci::session& session, const std::vector<std::string>& wanted);

 private:
  std::vector<std::string> Missing(const std::vector<std::string>& wanted) const;

  std::mutex mutex_;
  std::set<std::string> known_;  // guarded by mutex_
};

}  // namespace agentstudio::daemon
