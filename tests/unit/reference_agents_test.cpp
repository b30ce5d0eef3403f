#include "agents/reference/reference_agents.hpp"

#include <gtest/gtest.h>

namespace agentstudio::agents {
namespace {

struct AgentRun {
  AgentResult result;
  std::vector<double> progress;
};

AgentRun Execute(const std::string& type, Json request, int attempt = 1) {
  auto handlers = MakeReferenceAgents({type});
  AgentRun run;
  TaskContext context;
  context.task_id = "task_1";
  context.attempt = attempt;
  context.agent_type = type;
  context.request = std::move(request);
  context.report_progress = [&run](double p, const std::string&) { run.progress.push_back(p); };
  context.cancelled = [] { return false; };
  run.result = handlers.at(0)->Handle(context);
  return run;
}

TEST(ReferenceAgents, ShouldServeEveryAgentTypeOfTheApiReference) {
  EXPECT_EQ(ReferenceAgentTypes(),
            (std::vector<std::string>{"code-analyzer", "data-analyzer", "data-collector", "noop",
                                      "report-generator", "sentiment-analyzer", "test-runner"}));
  EXPECT_THROW(MakeReferenceAgents({"unknown-agent"}), std::invalid_argument);
}

TEST(Noop, ShouldAnswerAtOnceWithAnEmptyResult) {
  const AgentRun run = Execute("noop", {{"input", {{"anything", 1}}}});
  ASSERT_TRUE(run.result.ok);
  EXPECT_EQ(run.result.response, Json::object());
  EXPECT_TRUE(run.progress.empty());
}

TEST(Noop, ShouldReportAsMuchRisingProgressAsConfiguredFirst) {
  const AgentRun run = Execute("noop", {{"configuration", {{"progressEvents", 3}}}});
  ASSERT_TRUE(run.result.ok);
  EXPECT_EQ(run.progress, (std::vector<double>{25, 50, 75}));
}

TEST(DataAnalyzer, ShouldComputeTheStatisticsOfTheReferenceExample) {
  const AgentRun run = Execute("data-analyzer", {{"input", {{"data", {1, 2, 3, 4, 5}}}}});
  ASSERT_TRUE(run.result.ok);
  const Json& result = run.result.response["result"];
  EXPECT_DOUBLE_EQ(result["mean"].get<double>(), 3.0);
  EXPECT_DOUBLE_EQ(result["median"].get<double>(), 3.0);
  EXPECT_DOUBLE_EQ(result["stdDev"].get<double>(), 1.414);
  EXPECT_EQ(run.result.response["thoughts"][0]["content"], "Dataset contains 5 numeric values");
}

TEST(DataAnalyzer, ShouldRefuseNonNumericDataForGood) {
  const AgentRun run = Execute("data-analyzer", {{"input", {{"data", {1, "two"}}}}});
  EXPECT_FALSE(run.result.ok);
  EXPECT_FALSE(run.result.retryable);
}

TEST(SentimentAnalyzer, ShouldClassifyTheReferenceReviews) {
  const AgentRun run =
      Execute("sentiment-analyzer",
              {{"input",
                {{"reviews",
                  {"Great product! Highly recommend.", "Terrible experience, would not buy again.",
                   "It's okay, nothing special."}}}}});
  ASSERT_TRUE(run.result.ok);
  const Json& result = run.result.response["result"];
  EXPECT_EQ(result["sentiments"][0]["sentiment"], "positive");
  EXPECT_EQ(result["sentiments"][1]["sentiment"], "negative");
  EXPECT_EQ(result["sentiments"][2]["sentiment"], "neutral");
  EXPECT_EQ(result["overallSentiment"], "mixed");
  EXPECT_EQ(result["summary"], "1 positive, 1 negative, 1 neutral");
}

TEST(SentimentAnalyzer, ShouldReadTheRecordsOfThePreviousStep) {
  const AgentRun collected = Execute("data-collector", {{"configuration", {{"limit", 4}}}});
  const AgentRun run = Execute(
      "sentiment-analyzer",
      {{"context", {{"previousResults", {{"step1", collected.result.response["result"]}}}}}});
  EXPECT_EQ(run.result.response["result"]["sentiments"].size(), 4u);
}

TEST(DataCollector, ShouldCountAllButListAFewRecords) {
  const AgentRun run = Execute(
      "data-collector",
      {{"configuration", {{"limit", 1000}}}, {"input", {{"categories", {"product", "service"}}}}});
  const Json& result = run.result.response["result"];
  EXPECT_EQ(result["recordsCollected"], 1000);
  EXPECT_EQ(result["records"].size(), 25u);
  EXPECT_EQ(result["records"][1]["category"], "service");
  EXPECT_EQ(Execute("data-collector", {{"configuration", {{"limit", 1000}}},
                                       {"input", {{"categories", {"product", "service"}}}}})
                .result.response["result"],
            result)
      << "deterministic";
}

TEST(ReportGenerator, ShouldSummariseItsDependencies) {
  const AgentRun run = Execute(
      "report-generator",
      {{"task", "Report Generation"},
       {"configuration", {{"format", "pdf"}}},
       {"context",
        {{"previousResults", {{"step2", {{"summary", "2 positive"}, {"sentiments", {1, 2}}}}}}}}});
  const Json& result = run.result.response["result"];
  EXPECT_EQ(result["format"], "pdf");
  EXPECT_EQ(result["summary"], "2 positive");
  EXPECT_EQ(result["sections"][0]["highlights"]["sentiments"]["items"], 2);
}

TEST(CodeAnalyzer, ShouldCountFunctionsBranchesAndIssues) {
  const AgentRun run = Execute(
      "code-analyzer",
      {{"input",
        {{"code", "def f(x):\n    if x and y:\n        return 1  # TODO\n\n    return 2\n"}}}});
  const Json& result = run.result.response["result"];
  EXPECT_EQ(result["lines"], 5);
  EXPECT_EQ(result["codeLines"], 4);
  EXPECT_EQ(result["functions"], 1);
  EXPECT_EQ(result["issues"][0]["rule"], "todo-marker");
}

TEST(TestRunner, ShouldCompareExpectedAndActual) {
  const AgentRun run =
      Execute("test-runner", {{"input",
                               {{"tests",
                                 {{{"name", "a"}, {"expected", 1}, {"actual", 1}},
                                  {{"name", "b"}, {"expected", 1}, {"actual", 2}}}}}}});
  const Json& result = run.result.response["result"];
  EXPECT_EQ(result["passed"], 1);
  EXPECT_EQ(result["failed"], 1);
  EXPECT_EQ(result["failures"][0]["name"], "b");
}

TEST(ScenarioKnobs, ShouldFailTheFirstAttemptsThenSucceed) {
  const Json request = {{"configuration", {{"failTimes", 2}}}, {"input", {{"data", {1}}}}};
  EXPECT_FALSE(Execute("data-analyzer", request, 1).result.ok);
  EXPECT_TRUE(Execute("data-analyzer", request, 2).result.retryable);
  EXPECT_TRUE(Execute("data-analyzer", request, 3).result.ok);
}

TEST(ScenarioKnobs, ShouldFailForGoodReportProgressAndMergeResults) {
  EXPECT_FALSE(
      Execute("test-runner", {{"configuration", {{"failNonRetryable", true}}}}).result.retryable);
  const AgentRun run = Execute(
      "test-runner",
      {{"configuration",
        {{"progressEvents", 3}, {"result", {{"done", true}}}, {"handoff", {{"agentType", "x"}}}}}});
  EXPECT_EQ(run.progress.size(), 3u);
  EXPECT_EQ(run.result.response["result"]["done"], true);
  EXPECT_EQ(run.result.response["handoff"]["agentType"], "x");
}

}  // namespace
}  // namespace agentstudio::agents
