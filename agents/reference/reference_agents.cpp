#include "agents/reference/reference_agents.hpp"

#include <functional>
#include <map>
#include <stdexcept>

namespace agentstudio::agents {
namespace {

const std::map<std::string, std::function<std::unique_ptr<AgentHandler>()>>& Factories() {
  static const std::map<std::string, std::function<std::unique_ptr<AgentHandler>()>> factories = {
      {"code-analyzer", MakeCodeAnalyzer},           {"data-analyzer", MakeDataAnalyzer},
      {"data-collector", MakeDataCollector},         {"noop", MakeNoop},
      {"report-generator", MakeReportGenerator},
      {"sentiment-analyzer", MakeSentimentAnalyzer}, {"test-runner", MakeTestRunner}};
  return factories;
}

}  // namespace

std::vector<std::string> ReferenceAgentTypes() {
  std::vector<std::string> types;
  for (const auto& [type, factory] : Factories()) types.push_back(type);
  return types;
}

std::vector<std::unique_ptr<AgentHandler>> MakeReferenceAgents(
    const std::vector<std::string>& types) {
  std::vector<std::unique_ptr<AgentHandler>> handlers;
  for (const std::string& type : types.empty() ? ReferenceAgentTypes() : types) {
    const auto it = Factories().find(type);
    if (it == Factories().end())
      throw std::invalid_argument("unknown reference agent type '" + type + "'");
    handlers.push_back(it->second());
  }
  return handlers;
}

}  // namespace agentstudio::agents
