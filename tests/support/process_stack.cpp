#include "tests/support/process_stack.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <stdexcept>

#include "agents/reference/reference_agents.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/stack.hpp"
#include "tests/support/wait.hpp"

namespace agentstudio::testing {

ProcessStack::ProcessStack(ProcessStackOptions options)
    : options_(std::move(options)),
      topics_(UniqueTopicPrefix()),
      bootstrap_(options_.kafka.empty() ? SharedKafka() : options_.kafka) {
  // The reference agents' topics exist before the first dispatch, as the
  // agent process would make them anyway; on the shared broker they are
  // deleted at the end.
  if (options_.kafka.empty())
    kafka_topics_ =
        std::make_unique<TestTopics>(bootstrap_, StackTopics(topics_), options_.partitions);
  port_ = FreePort();
  env_ = {{"AGENTSTUDIO_KAFKA_BROKERS", bootstrap_},
          {"AGENTSTUDIO_TOPIC_PREFIX", topics_.prefix()},
          {"AGENTSTUDIO_PARTITIONS", std::to_string(options_.partitions)},
          {"AGENTSTUDIO_DATABASE_URL", database_.url()},
          {"AGENTSTUDIO_HTTP_ADDR", "127.0.0.1:" + std::to_string(port_)},
          {"AGENTSTUDIO_HEARTBEAT_MS", "500"}};
  std::string types;
  for (const std::string& type : options_.agent_types) types += (types.empty() ? "" : ",") + type;
  if (!types.empty()) env_["AGENTSTUDIO_AGENT_TYPES"] = types;
  for (const auto& [key, value] : options_.env) env_[key] = value;
  std::vector<std::string> roles(options_.schedulers, "scheduler");
  roles.push_back("relay");
  roles.insert(roles.end(), options_.agents, "agent");
  roles.push_back("frontdoor");
  for (size_t i = 0; i < roles.size(); ++i) {
    auto env = env_;
    if (const auto extra = options_.role_env.find(i); extra != options_.role_env.end()) {
      for (const auto& [key, value] : extra->second) env[key] = value;
    }
    roles_.emplace_back(roles[i], Start(roles[i], env));
  }

  if (!WaitUntil([&] { return Http("GET", Url("/health")).status == 200; })) {
    throw std::runtime_error("the front door did not become healthy:\n" + Output());
  }
  // Work is accepted for agent types known from heartbeats: wait until the
  // agent process's reached a scheduler.
  if (!WaitUntil([&] {
        return Http("GET", Url("/api/meta-agent/types"), "", Credentials()).Json().size() ==
               (options_.agent_types.empty() ? agents::ReferenceAgentTypes().size()
                                             : options_.agent_types.size());
      })) {
    throw std::runtime_error("the agent types did not become known:\n" + Output());
  }
}

ProcessStack::~ProcessStack() = default;

std::vector<std::string> ProcessStack::Stop() {
  std::vector<std::string> failures;
  const auto drain = [&](const std::string& name, ChildProcess& process) {
    const auto status = process.Wait(std::chrono::seconds(30));
    if (status != std::optional<int>(0)) {
      failures.push_back(name + " exited with " + (status ? std::to_string(*status) : "nothing") +
                         ":\n" + process.Output());
    }
  };
  for (auto& [role, process] : roles_) process->Signal(SIGTERM);
  for (auto& [role, process] : roles_) drain(role, *process);
  for (const auto& [role, process] : roles_) {
    retired_output_ += "--- " + role + "\n" + process->Output();
  }
  roles_.clear();
  return failures;
}

void ProcessStack::Restart(size_t index, const std::map<std::string, std::string>& extra_env) {
  auto env = env_;
  for (const auto& [key, value] : extra_env) env[key] = value;
  auto& [role, process] = roles_.at(index);
  retired_output_ += "--- " + role + " (before a restart)\n" + process->Output();
  process = Start(role, env);
}

size_t ProcessStack::Add(const std::string& role,
                         const std::map<std::string, std::string>& extra_env) {
  auto env = env_;
  for (const auto& [key, value] : extra_env) env[key] = value;
  roles_.emplace_back(role, Start(role, env));
  return roles_.size() - 1;
}

std::string ProcessStack::Output() const {
  std::string all = retired_output_;
  for (const auto& [role, process] : roles_) all += "--- " + role + "\n" + process->Output();
  return all;
}

std::string ProcessStack::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::map<std::string, std::string> ProcessStack::Credentials() const {
  if (options_.authorization.empty()) return {};
  return {{"Authorization", options_.authorization}};
}

std::unique_ptr<ChildProcess> ProcessStack::Start(const std::string& role,
                                                  const std::map<std::string, std::string>& env) {
  return std::make_unique<ChildProcess>(
      options_.crashable ? AGENTSTUDIOD_FAULTS_PATH : AGENTSTUDIOD_PATH,
      std::vector<std::string>{"--role", role}, env, "agentstudiod-" + role);
}

nlohmann::json ProcessStack::WaitForStatus(const std::string& id,
                                           const std::set<std::string>& statuses,
                                           std::chrono::milliseconds timeout) {
  nlohmann::json got;
  const bool reached = WaitUntil(
      [&] {
        const auto response = Http("GET", Url("/api/workflows/" + id), "", Credentials());
        got = response.Json();
        return response.status == 200 && statuses.count(got.value("status", "")) > 0;
      },
      timeout);
  EXPECT_TRUE(reached) << "workflow " << id << ": " << got.dump();
  return got;
}

nlohmann::json ProcessStack::WaitForEnd(const std::string& id) {
  return WaitForStatus(id, {"completed", "failed", "cancelled"});
}

}  // namespace agentstudio::testing
