// noop: answers at once with an empty result and no thoughts, after
// `configuration.progressEvents` progress reports (none by default). For
// smoke tests and for the benchmark, where the cost to measure is the
// orchestrator's own (and a workflow with thousands of events is cheap to
// make).
#include "agents/reference/reference_agents.hpp"

namespace agentstudio::agents {
namespace {

class Noop : public AgentHandler {
 public:
  std::string agent_type() const override { return "noop"; }
  AgentResult Handle(const TaskContext& context) override {
    const Json configuration = context.request.value("configuration", Json::object());
    const int reports = std::max(0, configuration.value("progressEvents", 0));
    for (int i = 1; i <= reports; ++i) {
      context.report_progress(100.0 * i / (reports + 1), "report " + std::to_string(i));
    }
    return AgentResult::Success(Json::object());
  }
};

}  // namespace

std::unique_ptr<AgentHandler> MakeNoop() { return std::make_unique<Noop>(); }

}  // namespace agentstudio::agents
