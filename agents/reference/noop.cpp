// noop: answers at once with an empty result and no thoughts. For smoke tests
// and for the benchmark, where the cost to measure is the orchestrator's own.
#include "agents/reference/reference_agents.hpp"

namespace agentstudio::agents {
namespace {

class Noop : public AgentHandler {
 public:
  std::string agent_type() const override { return "noop"; }
  AgentResult Handle(const TaskContext&) override { return AgentResult::Success(Json::object()); }
};

}  // namespace

std::unique_ptr<AgentHandler> MakeNoop() { return std::make_unique<Noop>(); }

}  // namespace agentstudio::agents
