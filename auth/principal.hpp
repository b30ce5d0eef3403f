#pragma once

#include <set>
#include <string>
#include <vector>

#include "auth/scope.hpp"

namespace agentstudio::auth {

// Who is calling, once a credential was checked.
struct Principal {
  std::string subject;  // the token's `sub`
  // Every resource belongs to one tenant; the caller sees only its own. The
  // token's `tenant` claim, else its `sub`.
  std::string tenant;
  std::set<Scope> scopes;
  // Of an agent's credential (`agent_types` claim): the agent types whose
  // tasks it may report on.
  std::vector<std::string> agent_types;
  // Names the credential (not its secret): requests with the same one share
  // a rate-limit bucket. "jwt:<tenant>/<sub>" or "key:<key id>".
  std::string credential;
  // The rate-limit tier (RateLimitSettings::tiers); empty: the default one.
  std::string tier;

  // kAdmin grants every scope.
  bool Has(Scope scope) const { return scopes.count(scope) > 0 || scopes.count(Scope::kAdmin) > 0; }
};

}  // namespace agentstudio::auth
