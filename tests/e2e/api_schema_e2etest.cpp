// schemathesis (PyPI, pinned in scripts/lib/python) generates requests from
// GET /openapi.json and sends them to a live stack with an admin credential:
// no answer may be a server error, and every answer's status, content type,
// headers and body must be the ones the document gives for that operation
// (tests/openapi/schemathesis.toml names the checks).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>

#include "engine/timestamp.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/process_stack.hpp"
#include "tests/support/test_tokens.hpp"

namespace agentstudio {
namespace {

const std::string kSecret = "the API schema test's HS256 secret, 32 bytes or more";

TEST(ApiSchemaTest, ShouldAnswerEveryGeneratedRequestAsTheDocumentSays) {
  const std::string token = testing::SignHs256({{"sub", "schemathesis"},
                                                {"tenant", "acme"},
                                                {"scopes", {"admin"}},
                                                {"tier", "enterprise"},
                                                {"exp", engine::WallClockNow() / 1000 + 3600}},
                                               kSecret);
  testing::ProcessStackOptions options;
  // Generated bodies start workflows that wait on agent types nobody serves;
  // the synchronous runs give up on them soon, so that requests do not pile
  // up behind them.
  options.env = {{"AGENTSTUDIO_JWT_HS256_SECRET", kSecret},
                 {"AGENTSTUDIO_EXECUTE_TIMEOUT_MS", "2000"},
                 {"AGENTSTUDIO_DELETE_WAIT_MS", "2000"}};
  options.authorization = "Bearer " + token;
  testing::ProcessStack stack(options);

  const char* seed = std::getenv("AGENTSTUDIO_SCHEMATHESIS_SEED");
  // One worker: Debian's Python 3.11.2 corrupts the ast module's recursion
  // count when two threads build ASTs at once (CPython gh-106905, fixed in
  // later 3.11 releases), and hypothesis parses sources on each worker;
  // with two, a run failed now and then with "AST constructor recursion
  // depth mismatch" inside schemathesis, not in anything the server said.
  const std::string source = AGENTSTUDIO_SOURCE_DIR;
  testing::ChildProcess schemathesis(
      source + "/.run/venv/bin/schemathesis",
      {"--config-file", source + "/tests/openapi/schemathesis.toml", "run",
       stack.Url("/openapi.json"), "--url", stack.Url(""), "--header",
       "Authorization: Bearer " + token, "--phases", "examples,coverage,fuzzing,stateful",
       "--max-examples", "25", "--seed", seed ? seed : "20261203", "--workers", "1",
       "--request-timeout", "20", "--no-color"},
      {}, "schemathesis");
  // A bound, not a goal: the run takes about a minute on two cores.
  const std::optional<int> status = schemathesis.Wait(std::chrono::minutes(8));
  if (!status) schemathesis.Signal(SIGKILL);
  std::cout << schemathesis.Output();  // the operations tested and the cases sent, for the CI log
  EXPECT_EQ(status, std::optional<int>(0))
      << "schemathesis failed (or ran out of time); its output is above\n--- the stack\n"
      << stack.Output().substr(0, 20000);
  for (const std::string& failure : stack.Stop()) ADD_FAILURE() << failure;
}

}  // namespace
}  // namespace agentstudio
