#pragma once

#include <string>
#include <string_view>

namespace agentstudio::engine {

// A task id derived from (workflow id, key): "task_" + 16 hex digits of
// FNV-1a. The same inputs always give the same id, so replaying a decision or
// a StartWorkflow without task ids yields the same tasks. Keys are step ids for
// planned tasks and "#<position>" for tasks the engine adds later (iterations,
// handoffs); '#' never occurs in a step id, so the two cannot collide.
std::string DeriveTaskId(std::string_view workflow_id, std::string_view key);

}  // namespace agentstudio::engine
