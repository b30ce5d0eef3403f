#include "schemas/ids.hpp"

#include <cstdint>
#include <cstdio>
#include <random>

namespace agentstudio::schemas {
namespace {

std::string Hex(uint64_t value, int digits) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(value));
  return std::string(buffer + (16 - digits));
}

uint64_t RandomWord() {
  thread_local std::mt19937_64 generator{[] {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
  }()};
  return generator();
}

}  // namespace

std::string NewWorkflowId() { return "wf_" + Hex(RandomWord(), 16); }
std::string NewTaskId() { return "task_" + Hex(RandomWord(), 16); }
std::string NewMessageId() { return Hex(RandomWord(), 16) + Hex(RandomWord(), 16); }

}  // namespace agentstudio::schemas
