// report-generator: summarises the results of the steps it depends on into a
// report: one section per step with the step's top-level result fields
// (numbers and strings as they are, arrays and objects by size).
#include <algorithm>

#include "agents/reference/reference_agents.hpp"

namespace agentstudio::agents {
namespace {

class ReportGenerator : public ReferenceAgent {
 public:
  std::string agent_type() const override { return "report-generator"; }

 protected:
  AgentResult Compute(const TaskContext& context, Json& thoughts) override {
    const Json configuration = context.request.value("configuration", Json::object());
    const Json previous =
        context.request.value("context", Json::object()).value("previousResults", Json::object());
    Thought(thoughts, "observation",
            "Summarising the results of " + std::to_string(previous.size()) + " steps");
    Json sections = Json::array();
    std::string summary;
    for (const auto& [step, result] : previous.items()) {
      Json highlights = Json::object();
      if (result.is_object()) {
        for (const auto& [key, value] : result.items()) {
          if (value.is_primitive()) {
            highlights[key] = value;
          } else {
            highlights[key] = Json{{"items", value.size()}};
          }
        }
      }
      if (result.is_object() && result.contains("summary") && result["summary"].is_string()) {
        summary += (summary.empty() ? "" : "; ") + result["summary"].get<std::string>();
      }
      sections.push_back({{"step", step}, {"highlights", std::move(highlights)}});
    }
    if (summary.empty()) summary = "Report over " + std::to_string(sections.size()) + " steps";
    Thought(thoughts, "action", "Rendered the report");
    return AgentResult::Success({{"title", context.request.value("task", std::string("Report"))},
                                 {"format", configuration.value("format", std::string("markdown"))},
                                 {"includeCharts", configuration.value("includeCharts", false)},
                                 {"summary", summary},
                                 {"sections", std::move(sections)}});
  }
};

}  // namespace

std::unique_ptr<AgentHandler> MakeReportGenerator() { return std::make_unique<ReportGenerator>(); }

}  // namespace agentstudio::agents
