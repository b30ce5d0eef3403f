#pragma once

// Internal to the engine (decide.cpp, patterns.cpp): how a decision is built
// while the state changes. Not part of the engine's interface.

#include <string>

#include "engine/decide.hpp"

namespace agentstudio::engine::detail {

// Collects the effects of one decision while it mutates the state.
class DecisionBuilder {
 public:
  DecisionBuilder(WorkflowState state, TimeMs now) : now_(now) {
    decision_.state = std::move(state);
  }

  WorkflowState& state() { return decision_.state; }

  // Logs an event numbered after the last.
  void Event(std::string type, std::string severity, Json data, TimeMs now);

  // Makes the task's next attempt pending and sends it, unless the workflow
  // is paused: then it waits, undispatched, for resume.
  void Dispatch(TaskState& task);

  void Schedule(TimerKind kind, std::string task_id, int attempt, TimeMs fire_at) {
    decision_.timers.push_back({kind, std::move(task_id), attempt, fire_at});
  }

  void Cancel(const std::string& task_id) { decision_.cancel_task_ids.push_back(task_id); }

  // Records a checkpoint of the state as it is now.
  void Checkpoint(std::string type, const std::string& completed_task_id, TimeMs now);

  Decision Applied(TimeMs now) {
    decision_.state.updated_at = now;
    ++decision_.state.version;
    decision_.outcome = Outcome::kApplied;
    return std::move(decision_);
  }

 private:
  Decision decision_;
  const TimeMs now_;
};

// The decision of an input that changes nothing (`outcome` says why).
Decision Unchanged(WorkflowState state, Outcome outcome);

// Recomputes context.state (currentStep, totalSteps, iteration).
void UpdateCurrentStep(WorkflowState& state);

}  // namespace agentstudio::engine::detail
