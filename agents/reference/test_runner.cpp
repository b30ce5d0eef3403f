// test-runner: evaluates `input.tests`, a list of {name, expected, actual}: a
// test passes when `actual` equals `expected` (JSON equality). Without
// `input.tests` it reports `configuration.testCount` (default 10) passing
// tests, for workflows that only need a stand-in step.
#include "agents/reference/reference_agents.hpp"

namespace agentstudio::agents {
namespace {

class TestRunner : public ReferenceAgent {
 public:
  std::string agent_type() const override { return "test-runner"; }

 protected:
  AgentResult Compute(const TaskContext& context, Json& thoughts) override {
    const Json input = context.request.value("input", Json::object());
    const Json configuration = context.request.value("configuration", Json::object());
    int64_t total = 0, passed = 0;
    Json failures = Json::array();
    if (input.contains("tests") && input["tests"].is_array()) {
      for (const Json& test : input["tests"]) {
        ++total;
        const bool ok =
            test.is_object() && test.value("expected", Json()) == test.value("actual", Json());
        if (ok) {
          ++passed;
        } else {
          failures.push_back(
              {{"name", test.is_object() ? test.value("name", std::string("unnamed")) : "unnamed"},
               {"expected", test.is_object() ? test.value("expected", Json()) : Json()},
               {"actual", test.is_object() ? test.value("actual", Json()) : Json()}});
        }
      }
    } else {
      total = passed = std::max<int64_t>(0, configuration.value("testCount", int64_t{10}));
    }
    Thought(thoughts, "action", "Ran " + std::to_string(total) + " tests");
    return AgentResult::Success({{"total", total},
                                 {"passed", passed},
                                 {"failed", total - passed},
                                 {"failures", std::move(failures)},
                                 {"success", total == passed}});
  }
};

}  // namespace

std::unique_ptr<AgentHandler> MakeTestRunner() { return std::make_unique<TestRunner>(); }

}  // namespace agentstudio::agents
