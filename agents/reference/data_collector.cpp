// data-collector: returns `configuration.limit` (default 10, at most 100000)
// feedback records drawn in a fixed order from a built-in corpus, tagged with
// `input.categories` in turn. The result lists at most 25 of them (`records`)
// and counts them all (`recordsCollected`), so results stay small.
#include <algorithm>

#include "agents/reference/reference_agents.hpp"

namespace agentstudio::agents {
namespace {

constexpr const char* kCorpus[] = {
    "Great product! Highly recommend.",
    "Terrible experience, would not buy again.",
    "It's okay, nothing special.",
    "Support was fast and helpful.",
    "Delivery was slow and the box was broken.",
    "Excellent value, I love it.",
    "The app is confusing and crashes often.",
    "Good quality for the price.",
};
constexpr size_t kListed = 25;

class DataCollector : public ReferenceAgent {
 public:
  std::string agent_type() const override { return "data-collector"; }

 protected:
  AgentResult Compute(const TaskContext& context, Json& thoughts) override {
    const Json configuration = context.request.value("configuration", Json::object());
    const Json input = context.request.value("input", Json::object());
    const int64_t limit = std::clamp<int64_t>(configuration.value("limit", int64_t{10}), 0, 100000);
    const std::string source = configuration.value("source", std::string("feedback_database"));
    Json categories = input.value("categories", Json::array());
    if (!categories.is_array() || categories.empty()) categories = Json::array({"general"});
    Thought(thoughts, "observation",
            "Collecting up to " + std::to_string(limit) + " records from " + source);
    Json records = Json::array();
    for (int64_t i = 0; i < limit && static_cast<size_t>(i) < kListed; ++i) {
      records.push_back({{"id", i + 1},
                         {"text", kCorpus[i % std::size(kCorpus)]},
                         {"category", categories[static_cast<size_t>(i) % categories.size()]}});
    }
    Thought(thoughts, "action", "Collected " + std::to_string(limit) + " records");
    Json result = {{"source", source},
                   {"recordsCollected", limit},
                   {"records", std::move(records)},
                   {"truncated", limit > static_cast<int64_t>(kListed)}};
    if (input.contains("dateRange")) result["dateRange"] = input["dateRange"];
    return AgentResult::Success(std::move(result));
  }
};

}  // namespace

std::unique_ptr<AgentHandler> MakeDataCollector() { return std::make_unique<DataCollector>(); }

}  // namespace agentstudio::agents
