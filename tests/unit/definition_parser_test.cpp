#include "engine/definition_parser.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "engine/definition_validator.hpp"
#include "engine/json_limits.hpp"

namespace agentstudio::engine {
namespace {

Json ThreeStepRequest() {
  return Json::parse(R"({
    "definition": {
      "id": "customer-analysis-workflow", "name": "Customer Feedback Analysis",
      "pattern": "sequential",
      "steps": [
        {"id": "step1", "name": "Data Collection", "agentType": "data-collector",
         "configuration": {"source": "feedback_database", "limit": 1000}, "timeout": "00:05:00"},
        {"id": "step2", "name": "Sentiment Analysis", "agentType": "sentiment-analyzer",
         "dependsOn": ["step1"]},
        {"id": "step3", "name": "Report Generation", "agentType": "report-generator",
         "dependsOn": ["step2"]}
      ],
      "timeout": "00:30:00", "maxRetries": 3
    },
    "input": {"categories": ["product"]},
    "initiatedBy": "user@example.com"
  })");
}

bool HasError(const FieldErrors& errors, const std::string& field, const std::string& code) {
  return std::any_of(errors.begin(), errors.end(),
                     [&](const FieldError& e) { return e.field == field && e.code == code; });
}

TEST(ParseWorkflowRequest, ShouldAcceptTheReferenceExample) {
  const ParsedWorkflowRequest parsed = ParseWorkflowRequest(ThreeStepRequest());
  ASSERT_TRUE(parsed.ok()) << parsed.errors.front().field << ": " << parsed.errors.front().message;
  const WorkflowDefinition& def = parsed.request.definition;
  EXPECT_EQ(def.id, "customer-analysis-workflow");
  EXPECT_EQ(def.pattern, Pattern::kSequential);
  ASSERT_EQ(def.steps.size(), 3u);
  EXPECT_EQ(def.steps[0].configuration["limit"], 1000);
  EXPECT_EQ(def.steps[0].timeout_value, std::chrono::minutes(5));
  EXPECT_EQ(def.timeout_value, std::chrono::minutes(30));
  EXPECT_EQ(def.max_retries, 3);
  EXPECT_EQ(parsed.request.initiated_by, "user@example.com");
  EXPECT_EQ(parsed.request.input["categories"][0], "product");
}

TEST(ParseWorkflowRequest, ShouldDefaultMaxRetriesToThree) {
  Json body = ThreeStepRequest();
  body["definition"].erase("maxRetries");
  EXPECT_EQ(ParseWorkflowRequest(body).request.definition.max_retries, 3);
}

TEST(ParseWorkflowRequest, ShouldReportEveryProblemAtOnce) {
  const Json body = Json::parse(R"({
    "definition": {"id": "x", "pattern": "sequential", "steps": [], "timeout": "PT500M",
                   "maxRetries": 11}
  })");
  const FieldErrors errors = ParseWorkflowRequest(body).errors;
  EXPECT_TRUE(HasError(errors, "definition.name", "REQUIRED_FIELD"));
  EXPECT_TRUE(HasError(errors, "definition.steps", "REQUIRED_FIELD"));
  EXPECT_TRUE(HasError(errors, "definition.timeout", "RANGE_ERROR"));
  EXPECT_TRUE(HasError(errors, "definition.maxRetries", "RANGE_ERROR"));
  EXPECT_EQ(errors.size(), 4u);
}

TEST(ParseWorkflowRequest, ShouldRejectWrongTypesWithFieldPaths) {
  const Json body = Json::parse(R"({
    "definition": {"id": 7, "name": "n", "pattern": "zigzag",
                   "steps": [{"id": "a", "name": "A", "agentType": "t", "dependsOn": "b",
                              "configuration": [], "timeout": "soon"}],
                   "maxRetries": "three"},
    "input": [1, 2]
  })");
  const FieldErrors errors = ParseWorkflowRequest(body).errors;
  EXPECT_TRUE(HasError(errors, "definition.id", "INVALID_FORMAT"));
  EXPECT_TRUE(HasError(errors, "definition.pattern", "INVALID_FORMAT"));
  EXPECT_TRUE(HasError(errors, "definition.steps[0].dependsOn", "INVALID_FORMAT"));
  EXPECT_TRUE(HasError(errors, "definition.steps[0].configuration", "INVALID_FORMAT"));
  EXPECT_TRUE(HasError(errors, "definition.steps[0].timeout", "INVALID_FORMAT"));
  EXPECT_TRUE(HasError(errors, "definition.maxRetries", "INVALID_FORMAT"));
  EXPECT_TRUE(HasError(errors, "input", "INVALID_FORMAT"));
}

TEST(ParseWorkflowRequest, ShouldRejectIdentifiersThatCannotBeKeysOrTopics) {
  Json body = ThreeStepRequest();
  body["definition"]["steps"][0]["agentType"] = "../etc/passwd";
  body["definition"]["steps"][1]["id"] = "step 2; DROP TABLE tasks";
  const FieldErrors errors = ParseWorkflowRequest(body).errors;
  EXPECT_TRUE(HasError(errors, "definition.steps[0].agentType", "INVALID_FORMAT"));
  EXPECT_TRUE(HasError(errors, "definition.steps[1].id", "INVALID_FORMAT"));
}

TEST(ParseWorkflowRequest, ShouldRequireADefinitionAndAnObjectBody) {
  EXPECT_TRUE(
      HasError(ParseWorkflowRequest(Json::object()).errors, "definition", "REQUIRED_FIELD"));
  EXPECT_TRUE(HasError(ParseWorkflowRequest(Json::array()).errors, "", "INVALID_FORMAT"));
}

TEST(ParseWorkflowRequest, ShouldAcceptEveryPatternWithItsDefaults) {
  for (const char* pattern : {"sequential", "parallel", "iterative", "dynamic"}) {
    Json body = ThreeStepRequest();
    body["definition"]["pattern"] = pattern;
    const ParsedWorkflowRequest parsed = ParseWorkflowRequest(body);
    ASSERT_TRUE(parsed.ok()) << pattern;
    EXPECT_EQ(ToString(parsed.request.definition.pattern), pattern);
    EXPECT_EQ(parsed.request.definition.max_iterations, 3);
    EXPECT_EQ(parsed.request.definition.max_steps, 50);
  }
}

TEST(ParseWorkflowRequest, ShouldCheckTheRangesOfMaxIterationsAndMaxSteps) {
  Json body = ThreeStepRequest();
  body["definition"]["pattern"] = "dynamic";
  body["definition"]["maxIterations"] = 0;
  body["definition"]["maxSteps"] = 1001;
  FieldErrors errors = ParseWorkflowRequest(body).errors;
  EXPECT_TRUE(HasError(errors, "definition.maxIterations", "RANGE_ERROR"));
  EXPECT_TRUE(HasError(errors, "definition.maxSteps", "RANGE_ERROR"));

  body["definition"]["maxIterations"] = "5";
  body["definition"]["maxSteps"] = 2;  // fewer than the three steps written
  errors = ParseWorkflowRequest(body).errors;
  EXPECT_TRUE(HasError(errors, "definition.maxIterations", "INVALID_FORMAT"));
  EXPECT_TRUE(HasError(errors, "definition.maxSteps", "RANGE_ERROR"));

  body["definition"]["maxIterations"] = 7;
  body["definition"]["maxSteps"] = 3;
  const ParsedWorkflowRequest parsed = ParseWorkflowRequest(body);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed.request.definition.max_iterations, 7);
  EXPECT_EQ(parsed.request.definition.max_steps, 3);
}

TEST(ParseWorkflowRequest, ShouldReadStepInputAndContextAsObjects) {
  Json body = ThreeStepRequest();
  body["definition"]["steps"][0]["input"] = {{"text", "hello"}};
  body["definition"]["steps"][0]["context"] = {{"language", "en"}};
  body["definition"]["steps"][1]["input"] = "not an object";
  const ParsedWorkflowRequest parsed = ParseWorkflowRequest(body);
  EXPECT_TRUE(HasError(parsed.errors, "definition.steps[1].input", "INVALID_FORMAT"));
  EXPECT_EQ(parsed.request.definition.steps[0].input, Json({{"text", "hello"}}));
  EXPECT_EQ(parsed.request.definition.steps[0].context, Json({{"language", "en"}}));
  EXPECT_TRUE(parsed.request.definition.steps[2].input.is_null());
}

TEST(ValidateDefinition, ShouldOrderIterativeStepsLikeSequentialOnes) {
  Json body = ThreeStepRequest();
  body["definition"]["pattern"] = "iterative";
  body["definition"]["steps"][2]["dependsOn"] = {"step1"};
  EXPECT_TRUE(HasError(ParseWorkflowRequest(body).errors, "definition.steps[2].dependsOn",
                       "INVALID_FORMAT"));
  body["definition"]["steps"][2].erase("dependsOn");
  const ParsedWorkflowRequest parsed = ParseWorkflowRequest(body);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(EffectiveDependencies(parsed.request.definition, 2), std::vector<std::string>{"step2"});
}

TEST(ValidateDefinition, ShouldNameTheCycle) {
  const Json body = Json::parse(R"({"definition": {"id": "x", "name": "n", "pattern": "parallel",
    "steps": [{"id": "a", "name": "A", "agentType": "t", "dependsOn": ["c"]},
              {"id": "b", "name": "B", "agentType": "t", "dependsOn": ["a"]},
              {"id": "c", "name": "C", "agentType": "t", "dependsOn": ["b"]},
              {"id": "d", "name": "D", "agentType": "t"}]}})");
  const FieldErrors errors = ParseWorkflowRequest(body).errors;
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, "CYCLE_DETECTED");
  EXPECT_EQ(errors[0].message, "Dependency cycle: a -> c -> b -> a");
}

TEST(ValidateDefinition, ShouldReportDuplicatesUnknownAndSelfDependencies) {
  const Json body = Json::parse(R"({"definition": {"id": "x", "name": "n", "pattern": "parallel",
    "steps": [{"id": "a", "name": "A", "agentType": "t", "dependsOn": ["a"]},
              {"id": "a", "name": "A2", "agentType": "t"},
              {"id": "b", "name": "B", "agentType": "t", "dependsOn": ["nope"]}]}})");
  const FieldErrors errors = ParseWorkflowRequest(body).errors;
  EXPECT_TRUE(HasError(errors, "definition.steps[0].dependsOn", "CYCLE_DETECTED"));
  EXPECT_TRUE(HasError(errors, "definition.steps[1].id", "DUPLICATE_ID"));
  EXPECT_TRUE(HasError(errors, "definition.steps[2].dependsOn", "UNKNOWN_DEPENDENCY"));
}

TEST(ValidateDefinition, ShouldRequireSequentialDependsOnToNameThePreviousStep) {
  Json body = ThreeStepRequest();
  body["definition"]["steps"][2]["dependsOn"] = Json::array({"step1"});
  EXPECT_TRUE(HasError(ParseWorkflowRequest(body).errors, "definition.steps[2].dependsOn",
                       "INVALID_FORMAT"));
}

TEST(ValidateDefinition, ShouldGiveSequentialStepsThePreviousStepAsDependency) {
  Json body = ThreeStepRequest();
  for (Json& step : body["definition"]["steps"]) step.erase("dependsOn");
  const ParsedWorkflowRequest parsed = ParseWorkflowRequest(body);
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(EffectiveDependencies(parsed.request.definition, 0).empty());
  EXPECT_EQ(EffectiveDependencies(parsed.request.definition, 2), std::vector<std::string>{"step2"});
}

TEST(WorkflowDefinitionJson, ShouldRoundTripThroughTheParser) {
  Json body = ThreeStepRequest();
  body["definition"]["pattern"] = "iterative";
  body["definition"]["maxIterations"] = 5;
  body["definition"]["steps"][1]["input"] = {{"x", 1}};
  body["definition"]["steps"][1]["context"] = {{"y", 2}};
  const ParsedWorkflowRequest parsed = ParseWorkflowRequest(body);
  ASSERT_TRUE(parsed.ok());
  FieldErrors errors;
  const WorkflowDefinition back =
      ParseDefinition(ToJson(parsed.request.definition), "definition", errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(ToJson(back), ToJson(parsed.request.definition));
}

}  // namespace
}  // namespace agentstudio::engine

namespace agentstudio::engine {
namespace {

nlohmann::json NestedObjects(int depth) {
  nlohmann::json value = 1;
  for (int i = 0; i < depth; ++i) value = nlohmann::json{{"a", value}};
  return value;
}

TEST(JsonLimitsTest, ShouldAcceptNestingUpToTheLimitAndRefuseDeeper) {
  FieldErrors errors;
  CheckJsonLimits(NestedObjects(kMaxJsonDepth - 1), "", errors);
  EXPECT_TRUE(errors.empty());
  CheckJsonLimits(NestedObjects(kMaxJsonDepth + 5), "input", errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, "TOO_DEEP");
  EXPECT_EQ(errors[0].field.rfind("input.a.a.", 0), 0u) << errors[0].field;
}

TEST(JsonLimitsTest, ShouldRefuseNulInValuesAndKeysWithTheirPaths) {
  FieldErrors errors;
  CheckJsonLimits(
      nlohmann::json{{"list", {"ok", std::string("b\0d", 3)}}, {std::string("k\0", 2), 1}}, "",
      errors);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0],
            (FieldError{"", "keys must not contain NUL characters", "INVALID_CHARACTER"}));
  EXPECT_EQ(errors[1],
            (FieldError{"list[1]", "must not contain NUL characters", "INVALID_CHARACTER"}));
}

TEST(JsonLimitsTest, ShouldReportAtMostTenProblems) {
  FieldErrors errors;
  CheckJsonLimits(nlohmann::json(std::vector<std::string>(50, std::string("\0", 1))), "", errors);
  EXPECT_EQ(errors.size(), 10u);
}

TEST(JsonLimitsTest, ShouldRefuseARequestThatCannotTravelBeforeReadingIt) {
  const auto parsed = ParseWorkflowRequest(
      {{"definition", {{"id", "d"}}}, {"input", NestedObjects(kMaxJsonDepth + 1)}});
  ASSERT_EQ(parsed.errors.size(), 1u) << "only the limit, not the missing fields";
  EXPECT_EQ(parsed.errors[0].code, "TOO_DEEP");
}

}  // namespace
}  // namespace agentstudio::engine
