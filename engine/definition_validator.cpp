#include "engine/definition_validator.hpp"

#include <algorithm>
#include <unordered_map>

namespace agentstudio::engine {
namespace {

std::string StepPath(const std::string& path, size_t index) {
  return path + ".steps[" + std::to_string(index) + "]";
}

// Depth-first search for a cycle; returns the cycle as a list of step ids
// starting and ending at the same id, or empty when the graph is acyclic.
class CycleFinder {
 public:
  CycleFinder(const std::vector<std::vector<size_t>>& edges, const std::vector<std::string>& ids)
      : edges_(edges), ids_(ids), color_(edges.size(), kWhite) {}

  std::vector<std::string> Find() {
    for (size_t start = 0; start < edges_.size(); ++start) {
      if (color_[start] == kWhite && Visit(start)) return cycle_;
    }
    return {};
  }

 private:
  enum Color { kWhite, kGrey, kBlack };

  bool Visit(size_t node) {
    color_[node] = kGrey;
    stack_.push_back(node);
    for (size_t next : edges_[node]) {
      if (color_[next] == kGrey) {
        auto from = std::find(stack_.begin(), stack_.end(), next);
        for (auto it = from; it != stack_.end(); ++it) cycle_.push_back(ids_[*it]);
        cycle_.push_back(ids_[next]);
        return true;
      }
      if (color_[next] == kWhite && Visit(next)) return true;
    }
    stack_.pop_back();
    color_[node] = kBlack;
    return false;
  }

  const std::vector<std::vector<size_t>>& edges_;
  const std::vector<std::string>& ids_;
  std::vector<Color> color_;
  std::vector<size_t> stack_;
  std::vector<std::string> cycle_;
};

}  // namespace

std::vector<std::string> EffectiveDependencies(const WorkflowDefinition& definition, size_t index) {
  if (IsOrdered(definition.pattern)) {
    if (index == 0) return {};
    return {definition.steps[index - 1].id};
  }
  return definition.steps[index].depends_on;
}

FieldErrors ValidateDefinition(const WorkflowDefinition& definition, const std::string& path) {
  FieldErrors errors;
  std::unordered_map<std::string, size_t> index_of;
  std::vector<std::string> ids;
  for (size_t i = 0; i < definition.steps.size(); ++i) {
    const std::string& id = definition.steps[i].id;
    ids.push_back(id);
    if (id.empty()) continue;  // already reported by the parser
    if (!index_of.emplace(id, i).second) {
      errors.push_back(
          {StepPath(path, i) + ".id", "Duplicate step id '" + id + "'", "DUPLICATE_ID"});
    }
  }

  std::vector<std::vector<size_t>> edges(definition.steps.size());
  for (size_t i = 0; i < definition.steps.size(); ++i) {
    const StepDefinition& step = definition.steps[i];
    for (const std::string& dep : step.depends_on) {
      const auto found = index_of.find(dep);
      if (dep == step.id && !dep.empty()) {
        errors.push_back({StepPath(path, i) + ".dependsOn",
                          "Step '" + step.id + "' depends on itself", "CYCLE_DETECTED"});
      } else if (found == index_of.end()) {
        errors.push_back({StepPath(path, i) + ".dependsOn",
                          "Step '" + step.id + "' depends on unknown step '" + dep + "'",
                          "UNKNOWN_DEPENDENCY"});
      } else {
        edges[i].push_back(found->second);
      }
    }
    if (IsOrdered(definition.pattern) && !step.depends_on.empty()) {
      const std::vector<std::string> expected = EffectiveDependencies(definition, i);
      if (step.depends_on != expected) {
        const std::string want = expected.empty() ? "nothing" : "'" + expected.front() + "'";
        errors.push_back({StepPath(path, i) + ".dependsOn",
                          "In a " + std::string(ToString(definition.pattern)) + " workflow step '" +
                              step.id + "' can only depend on " + want + " (the step before it)",
                          "INVALID_FORMAT"});
      }
    }
  }

  const std::vector<std::string> cycle = CycleFinder(edges, ids).Find();
  // A self-dependency is already reported above with a clearer message.
  if (cycle.size() > 2) {
    std::string text;
    for (const std::string& id : cycle) text += (text.empty() ? "" : " -> ") + id;
    errors.push_back({path + ".steps", "Dependency cycle: " + text, "CYCLE_DETECTED"});
  }
  return errors;
}

}  // namespace agentstudio::engine
