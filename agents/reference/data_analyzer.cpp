// data-analyzer: descriptive statistics of `input.data` (numbers): count,
// mean, median, population standard deviation, min, max, rounded to 3
// decimals. Non-numeric or missing data is a non-retryable error.
#include <algorithm>
#include <cmath>

#include "agents/reference/reference_agents.hpp"

namespace agentstudio::agents {
namespace {

double Round3(double value) { return std::round(value * 1000) / 1000; }

class DataAnalyzer : public ReferenceAgent {
 public:
  std::string agent_type() const override { return "data-analyzer"; }

 protected:
  AgentResult Compute(const TaskContext& context, Json& thoughts) override {
    const Json data = context.request.value("input", Json::object()).value("data", Json());
    if (!data.is_array() || data.empty() ||
        !std::all_of(data.begin(), data.end(), [](const Json& v) { return v.is_number(); })) {
      return AgentResult::Failure("INVALID_INPUT",
                                  "input.data must be a non-empty array of numbers",
                                  /*retryable=*/false);
    }
    std::vector<double> values;
    for (const Json& v : data) values.push_back(v.get<double>());
    Thought(thoughts, "observation",
            "Dataset contains " + std::to_string(values.size()) + " numeric values");
    Thought(thoughts, "reasoning", "Computing statistical measures");
    double sum = 0;
    for (double v : values) sum += v;
    const double mean = sum / values.size();
    double squares = 0;
    for (double v : values) squares += (v - mean) * (v - mean);
    std::vector<double> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    const size_t n = sorted.size();
    const double median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    return AgentResult::Success({{"count", n},
                                 {"mean", Round3(mean)},
                                 {"median", Round3(median)},
                                 {"stdDev", Round3(std::sqrt(squares / n))},
                                 {"min", sorted.front()},
                                 {"max", sorted.back()}});
  }
};

}  // namespace

std::unique_ptr<AgentHandler> MakeDataAnalyzer() { return std::make_unique<DataAnalyzer>(); }

}  // namespace agentstudio::agents
