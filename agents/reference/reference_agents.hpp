#pragma once

#include <memory>
#include <string>
#include <vector>

#include "agents/reference/reference_agent.hpp"

namespace agentstudio::agents {

std::unique_ptr<AgentHandler> MakeDataCollector();
std::unique_ptr<AgentHandler> MakeSentimentAnalyzer();
std::unique_ptr<AgentHandler> MakeReportGenerator();
std::unique_ptr<AgentHandler> MakeDataAnalyzer();
std::unique_ptr<AgentHandler> MakeCodeAnalyzer();
std::unique_ptr<AgentHandler> MakeTestRunner();
std::unique_ptr<AgentHandler> MakeNoop();

// The agent types the reference agents serve, sorted.
std::vector<std::string> ReferenceAgentTypes();

// Handlers for the given types (all when `types` is empty). Throws
// std::invalid_argument naming an unknown type.
std::vector<std::unique_ptr<AgentHandler>> MakeReferenceAgents(
    const std::vector<std::string>& types);

}  // namespace agentstudio::agents
