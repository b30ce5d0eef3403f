// code-analyzer: static metrics of `input.code` (a string) or `input.files`
// ([{path, content}]): lines, non-blank lines, functions (lines that start a
// `def`, `function` or `fn`, or C-like definitions ending in `) {`), branch
// points (if/for/while/case/&&/||) as cyclomatic complexity, and issues
// (lines over 120 characters, TODO/FIXME markers).
#include <sstream>

#include "agents/reference/reference_agents.hpp"

namespace agentstudio::agents {
namespace {

size_t Count(const std::string& line, const std::string& token) {
  size_t count = 0;
  for (size_t at = line.find(token); at != std::string::npos;
       at = line.find(token, at + token.size())) {
    ++count;
  }
  return count;
}

class CodeAnalyzer : public ReferenceAgent {
 public:
  std::string agent_type() const override { return "code-analyzer"; }

 protected:
  AgentResult Compute(const TaskContext& context, Json& thoughts) override {
    const Json input = context.request.value("input", Json::object());
    std::vector<std::pair<std::string, std::string>> files;
    if (input.contains("code") && input["code"].is_string()) {
      files.emplace_back("input", input["code"].get<std::string>());
    }
    if (input.contains("files") && input["files"].is_array()) {
      for (const Json& f : input["files"]) {
        if (f.is_object() && f.contains("content") && f["content"].is_string()) {
          files.emplace_back(f.value("path", std::string("file")), f["content"].get<std::string>());
        }
      }
    }
    if (files.empty()) {
      return AgentResult::Failure("INVALID_INPUT", "input.code or input.files is required",
                                  /*retryable=*/false);
    }
    Thought(thoughts, "observation", "Analysing " + std::to_string(files.size()) + " source files");
    size_t lines = 0, code_lines = 0, functions = 0, branches = 0;
    Json issues = Json::array();
    for (const auto& [path, content] : files) {
      std::istringstream stream(content);
      std::string line;
      for (size_t number = 1; std::getline(stream, line); ++number) {
        ++lines;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        ++code_lines;
        const std::string trimmed = line.substr(line.find_first_not_of(" \t"));
        if (trimmed.rfind("def ", 0) == 0 || trimmed.rfind("function ", 0) == 0 ||
            trimmed.rfind("fn ", 0) == 0 ||
            (line.find(") {") != std::string::npos && Count(line, "if (") == 0 &&
             Count(line, "for (") == 0 && Count(line, "while (") == 0)) {
          ++functions;
        }
        branches += Count(line, "if ") + Count(line, "if(") + Count(line, "for ") +
                    Count(line, "for(") + Count(line, "while ") + Count(line, "case ") +
                    Count(line, "&&") + Count(line, "||");
        if (line.size() > 120) {
          issues.push_back({{"file", path}, {"line", number}, {"rule", "line-too-long"}});
        }
        if (line.find("TODO") != std::string::npos || line.find("FIXME") != std::string::npos) {
          issues.push_back({{"file", path}, {"line", number}, {"rule", "todo-marker"}});
        }
      }
    }
    Thought(thoughts, "action", "Counted lines, functions and branch points");
    return AgentResult::Success({{"files", files.size()},
                                 {"lines", lines},
                                 {"codeLines", code_lines},
                                 {"functions", functions},
                                 {"cyclomaticComplexity", branches + 1},
                                 {"issues", std::move(issues)}});
  }
};

}  // namespace

std::unique_ptr<AgentHandler> MakeCodeAnalyzer() { return std::make_unique<CodeAnalyzer>(); }

}  // namespace agentstudio::agents
