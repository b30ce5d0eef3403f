#include "daemon/known_agent_types.hpp"

#include "sql/agent_store.hpp"

namespace agentstudio::daemon {

std::vector<std::string> KnownAgentTypes::Missing(const std::vector<std::string>& wanted) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const std::string& type : wanted) {
    if (!known_.count(type)) out.push_back(type);
  }
  return out;
}

std::vector<std::string> KnownAgentTypes::Unknown(soci::session& session,
                                                  const std::vector<std::string>& wanted) {
  if (Missing(wanted).empty()) return {};
  std::vector<std::string> types = store::LiveAgentTypes(session, 0);
  {
    std::lock_guard lock(mutex_);
    for (std::string& type : types) known_.insert(std::move(type));
  }
  return Missing(wanted);
}

}  // namespace agentstudio::daemon
