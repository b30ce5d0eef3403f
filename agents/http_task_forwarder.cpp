#include "agents/http_task_forwarder.hpp"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <thread>

#include "agents/cancel_listener.hpp"
#include "engine/backoff.hpp"
#include "engine/workflow_definition.hpp"
#include "schemas/message_decoding.hpp"

namespace agentstudio::agents {
namespace {

size_t Collect(char* data, size_t size, size_t count, void* out) {
  auto* body = static_cast<std::string*>(out);
  // Only the start of an answer is kept, for the log.
  const size_t room = body->size() < 512 ? 512 - body->size() : 0;
  body->append(data, std::min(room, size * count));
  return size * count;
}

struct Answer {
  long status = 0;  // 0: no answer (connection refused, timed out...)
  std::string body;
  std::string error;
};

std::string WithoutTrailingSlashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

Answer Post(const std::string& url, const std::string& body, long timeout_ms) {
  Answer answer;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return {0, "", "curl_easy_init failed"};
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  // Agents name their endpoint themselves: nothing but HTTP(S), no redirects.
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer.body);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  if (const CURLcode code = curl_easy_perform(curl); code != CURLE_OK) {
    answer.error = error[0] != '\0' ? error : curl_easy_strerror(code);
  } else {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return answer;
}

// An answer that refuses the task itself, whichever agent is asked.
bool RefusesTheTask(long status) { return status == 400 || status == 413 || status == 422; }

// A 200 that says the agent finished this attempt (a repeat of a task it ran),
// not whatever a fallback page answers to any request.
bool SaysFinished(const Answer& answer) {
  if (answer.status != 200) return false;
  const Json body = Json::parse(answer.body, nullptr, false);
  return body.is_object() && body.value("status", "") == "finished";
}

// How often a held task is posted again to the agent holding it: 202 says it
// still runs it, 200 that it finished it; anything else (a process restarted
// at the same address, which knows nothing of it, takes it anew) is handled
// as for a first post.
constexpr std::chrono::seconds kHoldProbe{5};

bool IsFinal(const agentstudio::v1::TaskEvent& event) {
  return event.has_completion() || event.has_error() || event.has_handoff();
}

// Sleeps `wait`, waking early once `done` turns true (checked every 50 ms).
template <typename Done>
void SleepUnless(std::chrono::milliseconds wait, Done done) {
  for (auto slept = std::chrono::milliseconds(0); slept < wait && !done();
       slept += std::chrono::milliseconds(50)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

AgentEndpoints::AgentEndpoints(kafka::ConfigMap properties, const kafka::Topics& topics,
                               std::chrono::milliseconds liveness)
    : liveness_ms_(liveness.count()),
      reader_(std::move(properties), {topics.agent_heartbeats()},
              [this](const kafka::InboundMessage& message) { Record(message.payload); }) {}

AgentEndpoints::~AgentEndpoints() { Stop(); }

void AgentEndpoints::Start() { reader_.Start(); }

void AgentEndpoints::Stop() { reader_.Stop(); }

void AgentEndpoints::Record(const std::string& payload) {
  auto decoded = schemas::DecodeAgentHeartbeat(payload);
  // Undecodable heartbeats are the heartbeat consumer's to dead-letter.
  auto* heartbeat = std::get_if<agentstudio::v1::AgentHeartbeat>(&decoded);
  if (heartbeat == nullptr || heartbeat->endpoint().empty()) return;  // not an HTTP agent
  std::lock_guard lock(mutex_);
  Agent& agent = agents_[heartbeat->agent_id()];
  agent.agent_types.assign(heartbeat->agent_types().begin(), heartbeat->agent_types().end());
  agent.endpoint = WithoutTrailingSlashes(heartbeat->endpoint());
  agent.tenant = heartbeat->tenant();
  agent.stopping = heartbeat->status() == "stopping";
  agent.heard_at = engine::WallClockNow();
  // Agents silent for ten times the liveness are forgotten (ids change with
  // every restart of an agent that names itself by its pid).
  std::erase_if(agents_, [&](const auto& entry) {
    return entry.second.heard_at < agent.heard_at - 10 * liveness_ms_;
  });
}

std::vector<std::string> AgentEndpoints::Of(const std::string& agent_type,
                                            const std::string& tenant, engine::TimeMs now) const {
  std::vector<std::string> out;
  std::lock_guard lock(mutex_);
  for (const auto& [id, agent] : agents_) {
    if (agent.stopping || agent.heard_at < now - liveness_ms_ || agent.tenant != tenant) continue;
    if (std::find(agent.agent_types.begin(), agent.agent_types.end(), agent_type) !=
        agent.agent_types.end()) {
      out.push_back(agent.endpoint);
    }
  }
  return out;
}

bool AgentEndpoints::Heard(const std::string& endpoint, engine::TimeMs now) const {
  std::lock_guard lock(mutex_);
  return std::any_of(agents_.begin(), agents_.end(), [&](const auto& entry) {
    return entry.second.endpoint == endpoint && entry.second.heard_at >= now - liveness_ms_;
  });
}

FinalReports::FinalReports(kafka::ConfigMap properties, const kafka::Topics& topics)
    : reader_(std::move(properties), {topics.task_events()},
              [this](const kafka::InboundMessage& message) {
                auto decoded = schemas::DecodeTaskEvent(message.payload);
                auto* event = std::get_if<agentstudio::v1::TaskEvent>(&decoded);
                if (event == nullptr || !IsFinal(*event)) return;
                {
                  std::lock_guard lock(mutex_);
                  seen_.Add(DispatchKey(event->task_id(), event->attempt()), true);
                }
                seen_one_.notify_all();
              }) {}

FinalReports::~FinalReports() { Stop(); }

void FinalReports::Start() { reader_.Start(); }

void FinalReports::Stop() { reader_.Stop(); }

bool FinalReports::WaitFor(const std::string& task_id, int attempt,
                           std::chrono::milliseconds timeout) {
  const std::string key = DispatchKey(task_id, attempt);
  std::unique_lock lock(mutex_);
  return seen_one_.wait_for(lock, timeout, [&] { return seen_.Find(key) != nullptr; });
}

Json ForwardedTaskBody(const TaskContext& context) {
  const Json& request = context.request;
  Json body = {{"task_id", context.task_id},
               {"workflow_id", context.workflow_id},
               {"step_id", context.step_id},
               {"agent_type", context.agent_type},
               {"attempt", context.attempt},
               {"priority", context.priority},
               {"task_type", request.value("task", "")},
               {"input", request.value("input", Json::object())},
               {"request", request}};
  if (const auto timeout = request.find("timeout"); timeout != request.end()) {
    body["timeout"] = *timeout;
  }
  return body;
}

HttpTaskForwarder::HttpTaskForwarder(std::string agent_type,
                                     std::shared_ptr<const AgentEndpoints> endpoints,
                                     std::shared_ptr<FinalReports> reports)
    : agent_type_(std::move(agent_type)),
      endpoints_(std::move(endpoints)),
      reports_(std::move(reports)) {
  // Before any transfer, once per process: curl_easy_init would otherwise
  // run it on the first worker thread, racing the others.
  static std::once_flag curl_ready;
  std::call_once(curl_ready, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

AgentResult HttpTaskForwarder::Handle(const TaskContext& context) {
  const std::string body = ForwardedTaskBody(context).dump();
  const auto stopping = [&] { return context.stopping && context.stopping(); };
  engine::Backoff backoff(std::chrono::milliseconds(100), std::chrono::seconds(5));
  while (!context.cancelled()) {
    // Find an agent that takes the task.
    std::string taken_by;
    // Messages queued before tasks carried their tenant are the default one's.
    const std::string tenant =
        context.tenant.empty() ? std::string(engine::kDefaultTenant) : context.tenant;
    const std::vector<std::string> endpoints =
        endpoints_->Of(agent_type_, tenant, engine::WallClockNow());
    const uint64_t first = next_.fetch_add(1);
    for (size_t i = 0; i < endpoints.size() && taken_by.empty() && !context.cancelled(); ++i) {
      const std::string& endpoint = endpoints[(first + i) % endpoints.size()];
      const Answer answer = Post(endpoint + "/v1/tasks", body, 10000);
      if (SaysFinished(answer)) return AgentResult::Delegated();  // a repeat of one it ran
      if (answer.status == 202) {
        taken_by = endpoint;
      } else if (RefusesTheTask(answer.status)) {
        spdlog::warn("forwarder {}: {} refused {} ({}): {}", agent_type_, endpoint, context.task_id,
                     answer.status, answer.body);
        return AgentResult::Failure(
            "AGENT_REFUSED",
            "the agent refused the task (HTTP " + std::to_string(answer.status) + ")",
            /*retryable=*/false);
      } else {
        spdlog::warn("forwarder {}: {} did not take {} ({}); trying the next", agent_type_,
                     endpoint, context.task_id,
                     answer.status == 0 ? answer.error : std::to_string(answer.status));
      }
    }
    if (taken_by.empty()) {
      if (endpoints.empty()) {
        spdlog::warn("forwarder {}: no live HTTP agent of tenant {} for {}; waiting", agent_type_,
                     context.tenant, context.task_id);
      }
      SleepUnless(backoff.Next(), context.cancelled);
      continue;
    }
    backoff.Reset();
    // Hold it until its final report is in Kafka, or its agent is gone.
    auto next_probe = std::chrono::steady_clock::now() + kHoldProbe;
    while (!reports_->WaitFor(context.task_id, context.attempt, std::chrono::seconds(1))) {
      if (context.cancelled()) {
        if (!stopping()) {  // a cancel, not a stop: tell the agent (once)
          const Answer answer = Post(taken_by + "/v1/tasks/" + context.task_id + "/cancel",
                                     Json({{"attempt", context.attempt}}).dump(), 2000);
          if (answer.status < 200 || answer.status >= 300) {
            spdlog::warn("forwarder {}: the cancel of {} was not taken ({})", agent_type_,
                         context.task_id,
                         answer.status == 0 ? answer.error : std::to_string(answer.status));
          }
        }
        break;
      }
      if (!endpoints_->Heard(taken_by, engine::WallClockNow())) {
        spdlog::warn("forwarder {}: {} went silent holding {}; posting it again", agent_type_,
                     taken_by, context.task_id);
        taken_by.clear();
        break;
      }
      if (std::chrono::steady_clock::now() >= next_probe) {
        const Answer answer = Post(taken_by + "/v1/tasks", body, 10000);
        // Finished, though its report never reached Kafka (refused for good):
        // nothing will come, so the task is the agent's word.
        if (SaysFinished(answer)) return AgentResult::Delegated();
        if (RefusesTheTask(answer.status)) {
          return AgentResult::Failure(
              "AGENT_REFUSED",
              "the agent refused the task (HTTP " + std::to_string(answer.status) + ")",
              /*retryable=*/false);
        }
        // 202: still running, or taken anew by a process restarted at that
        // address. No answer or 429: another agent may take it (at the same
        // attempt: the scheduler applies the first final report).
        if (answer.status != 202 && answer.status != 0) {
          spdlog::warn("forwarder {}: {} no longer holds {} ({}); posting it again", agent_type_,
                       taken_by, context.task_id, answer.status);
          taken_by.clear();
          break;
        }
        next_probe = std::chrono::steady_clock::now() + kHoldProbe;
      }
    }
    if (!taken_by.empty() && !context.cancelled()) return AgentResult::Delegated();
  }
  // Cancelled (the runtime reports CANCELLED) or stopping (handed back, so
  // another forwarder holds it again; the agent answers that post 202).
  return AgentResult::Failure("CANCELLED", "cancelled while forwarded", /*retryable=*/true);
}

}  // namespace agentstudio::agents
