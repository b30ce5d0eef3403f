// sentiment-analyzer: scores each text of `input.reviews` (or `input.texts`,
// or the records of the steps it depends on) with a small lexicon: score =
// (positive - negative) / (positive + negative) words. Above
// `configuration.threshold` (default 0.2) positive, below its negative
// negative, else neutral; confidence = 0.5 + |score| / 2.
#include <cctype>
#include <cmath>
#include <set>
#include <sstream>

#include "agents/reference/reference_agents.hpp"

namespace agentstudio::agents {
namespace {

const std::set<std::string> kPositive = {"great",     "excellent", "good",  "love",
                                         "recommend", "amazing",   "fast",  "helpful",
                                         "happy",     "best",      "value", "quality"};
const std::set<std::string> kNegative = {"terrible",     "bad",   "poor",      "slow",
                                         "broken",       "worst", "hate",      "awful",
                                         "disappointed", "not",   "confusing", "crashes"};

double Round2(double value) { return std::round(value * 100) / 100; }

class SentimentAnalyzer : public ReferenceAgent {
 public:
  std::string agent_type() const override { return "sentiment-analyzer"; }

 protected:
  AgentResult Compute(const TaskContext& context, Json& thoughts) override {
    std::vector<std::string> texts = TextsFrom(context.request, "reviews");
    if (texts.empty()) texts = TextsFrom(context.request, "texts");
    const Json configuration = context.request.value("configuration", Json::object());
    const double threshold = configuration.value("threshold", 0.2);
    Thought(thoughts, "observation", "Received " + std::to_string(texts.size()) + " texts");
    Thought(thoughts, "reasoning",
            "Scoring with a lexicon of " + std::to_string(kPositive.size() + kNegative.size()) +
                " words");
    Json sentiments = Json::array();
    int positive = 0, negative = 0, neutral = 0;
    for (const std::string& text : texts) {
      int pos = 0, neg = 0;
      std::string word;
      std::istringstream words(text);
      while (words >> word) {
        std::string clean;
        for (const char c : word) {
          if (std::isalpha(static_cast<unsigned char>(c)))
            clean += static_cast<char>(std::tolower(c));
        }
        pos += kPositive.count(clean) > 0;
        neg += kNegative.count(clean) > 0;
      }
      const double score = pos + neg == 0 ? 0.0 : static_cast<double>(pos - neg) / (pos + neg);
      std::string label = "neutral";
      if (score > threshold) label = "positive";
      if (score < -threshold) label = "negative";
      (label == "positive" ? positive : label == "negative" ? negative : neutral)++;
      sentiments.push_back({{"text", text},
                            {"sentiment", label},
                            {"score", Round2(score)},
                            {"confidence", Round2(0.5 + std::fabs(score) / 2)}});
    }
    std::string overall = "neutral";
    if (positive > 0 && negative == 0 && neutral == 0) overall = "positive";
    if (negative > 0 && positive == 0 && neutral == 0) overall = "negative";
    if ((positive > 0) + (negative > 0) + (neutral > 0) > 1) overall = "mixed";
    Thought(thoughts, "action", "Computed sentiment scores for each text");
    return AgentResult::Success(
        {{"sentiments", std::move(sentiments)},
         {"overallSentiment", overall},
         {"counts", {{"positive", positive}, {"negative", negative}, {"neutral", neutral}}},
         {"summary", std::to_string(positive) + " positive, " + std::to_string(negative) +
                         " negative, " + std::to_string(neutral) + " neutral"}});
  }
};

}  // namespace

std::unique_ptr<AgentHandler> MakeSentimentAnalyzer() {
  return std::make_unique<SentimentAnalyzer>();
}

}  // namespace agentstudio::agents
