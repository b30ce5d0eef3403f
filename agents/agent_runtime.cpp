#include "agents/agent_runtime.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "agents/cancel_listener.hpp"
#include "agents/recent_keys.hpp"
#include "agentstudio/v1/agent_heartbeat.pb.h"
#include "agentstudio/v1/task_event.pb.h"
#include "agentstudio/v1/task_message.pb.h"
#include "consumers/batch_consumer.hpp"
#include "consumers/dead_letter_publisher.hpp"
#include "engine/timestamp.hpp"
#include "faults/fault_point.hpp"
#include "producers/message_producer.hpp"
#include "schemas/agent_codec.hpp"
#include "schemas/command_codec.hpp"
#include "schemas/ids.hpp"
#include "schemas/message_decoding.hpp"

namespace agentstudio::agents {

class AgentRuntime::Impl {
 public:
  Impl(AgentRuntimeOptions options, std::vector<std::unique_ptr<AgentHandler>> handlers)
      : options_(std::move(options)),
        producer_(options_.kafka, std::chrono::seconds(30)),
        dead_letters_(producer_, options_.topics) {
    std::vector<std::string> topics;
    std::set<std::string> types;
    for (auto& handler : handlers) {
      const std::string type = handler->agent_type();
      topics.push_back(options_.topics.tasks(type));
      types.insert(type);
      handlers_[type] = std::move(handler);
    }
    if (options_.create_topics) {
      std::vector<std::string> wanted = options_.topics.Fixed();
      wanted.insert(wanted.end(), topics.begin(), topics.end());
      const kafka::EnsureTopicsResult made =
          kafka::EnsureTopics(options_.kafka, wanted, *options_.create_topics);
      if (!made.ok()) throw std::runtime_error("agent " + options_.agent_id + ": " + made.error);
    }
    kafka::ConfigMap task_consumer =
        kafka::WithSessionTimeout(options_.kafka, options_.session_timeout);
    task_consumer["max.poll.interval.ms"] = std::to_string(options_.max_poll_interval.count());
    // Listening before consuming tasks: a cancel sent after a task was read
    // is then never missed.
    cancels_ = std::make_unique<CancelListener>(options_.kafka, options_.topics, std::move(types));
    consumer_ = std::make_unique<kafka::BatchConsumer>(
        std::move(task_consumer),
        kafka::BatchConsumerOptions{options_.topics.prefix() + "agents", topics, 16,
                                    std::chrono::milliseconds(100)});
  }

  void Run(const std::atomic<bool>& stop) {
    cancels_->Start();
    std::thread heartbeats([&] { HeartbeatLoop(stop); });
    while (!stop) {
      const std::vector<kafka::InboundMessage> batch = consumer_->Poll();
      // Reports go out as tasks finish; the offsets of the tasks handled are
      // committed once every report is durable. On stop, the tasks not handled
      // (and one interrupted) stay uncommitted: another agent gets them.
      std::vector<Report> reports;
      size_t handled = 0;
      while (handled < batch.size() && !stop && Process(batch[handled], stop, reports)) ++handled;
      if (handled < batch.size() && !stop) {
        // A task message that could not be dead-lettered: read it again.
        consumer_->Rewind({batch.begin() + static_cast<std::ptrdiff_t>(handled), batch.end()});
      }
      if (!AwaitReports(reports, stop)) continue;
      if (!reports.empty()) faults::Reach(faults::kAgentAfterReport);
      consumer_->Commit({batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(handled)});
    }
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    heartbeats.join();
    cancels_->Stop();
    SendHeartbeat("stopping");
    producer_.Flush(std::chrono::seconds(5));
    consumer_->Close();
  }

  std::vector<std::string> types() const {
    std::vector<std::string> out;
    for (const auto& [type, handler] : handlers_) out.push_back(type);
    return out;
  }

  uint64_t cancels_received() const { return cancels_->received(); }
  uint64_t dead_lettered() const { return dead_letters_.published(); }

  std::atomic<uint64_t> completed_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> duplicates_{0};
  std::atomic<uint64_t> cancelled_{0};

 private:
  agentstudio::v1::TaskEvent NewEvent(const agentstudio::v1::TaskMessage& task) const {
    agentstudio::v1::TaskEvent event;
    event.set_schema_version(schemas::kSchemaVersion);
    event.set_event_id(schemas::NewMessageId());
    event.set_task_id(task.task_id());
    event.set_workflow_id(task.workflow_id());
    event.set_attempt(task.attempt());
    event.set_agent_id(options_.agent_id);
    *event.mutable_timestamp() = schemas::ToTimestamp(engine::WallClockNow());
    return event;
  }

  kafka::Headers HeadersFor(const kafka::InboundMessage& message) const {
    kafka::Headers headers = {{"correlation-id", message.Header("correlation-id")}};
    const std::string trace = message.Header("traceparent");
    headers["traceparent"] = trace.empty() ? kafka::NewTraceparent() : trace;
    return headers;
  }

  // A task's final report on its way to the broker.
  struct Report {
    std::string dispatch;  // "<task id>#<attempt>"
    std::string key;
    std::string payload;
    kafka::Headers headers;
    bool ok = false;
    std::future<kafka::DeliveryResult> delivery;
  };

  // Waits for every report; resends the ones that failed until they are
  // durable. Returns false when stopping first (offsets must then stay
  // uncommitted, and the tasks are redelivered).
  bool AwaitReports(std::vector<Report>& reports, const std::atomic<bool>& stop) {
    for (Report& report : reports) {
      kafka::DeliveryResult delivery = report.delivery.get();
      std::chrono::milliseconds backoff(100);
      while (!delivery.ok) {
        spdlog::warn("agent {}: report for {} not delivered ({}), retrying", options_.agent_id,
                     report.dispatch, delivery.error);
        if (stop) return false;
        std::this_thread::sleep_for(backoff);
        backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
        delivery = producer_.SendAndWait(options_.topics.task_events(), report.key, report.payload,
                                         report.headers);
      }
      (report.ok ? completed_ : failed_)++;
    }
    return true;
  }

  // Runs one task and queues its final report in `reports`. Returns false when
  // the message must stay uncommitted: it could not be dead-lettered, or
  // `stop` interrupted its task (which then reports nothing: the attempt is
  // handed back, not failed).
  bool Process(const kafka::InboundMessage& message, const std::atomic<bool>& stop,
               std::vector<Report>& reports) {
    if (auto oversized = kafka::OversizedReason(message)) return DeadLetter(message, *oversized);
    auto decoded = schemas::DecodeTaskMessage(message.payload);
    if (const auto* reason = std::get_if<std::string>(&decoded)) {
      return DeadLetter(message, *reason);
    }
    const auto& task = std::get<agentstudio::v1::TaskMessage>(decoded);
    const auto handler = handlers_.find(task.agent_type());
    if (handler == handlers_.end()) {
      return DeadLetter(message, "no handler for agent type '" + task.agent_type() + "'");
    }
    const std::string dispatch = DispatchKey(task.task_id(), task.attempt());
    if (recent_.Find(dispatch) != nullptr) {
      ++duplicates_;
      return true;
    }
    const kafka::Headers headers = HeadersFor(message);
    ++active_tasks_;
    TaskContext context;
    context.task_id = task.task_id();
    context.workflow_id = task.workflow_id();
    context.step_id = task.step_id();
    context.agent_type = task.agent_type();
    context.attempt = task.attempt();
    context.request = schemas::AgentRequestToJson(task.request());
    context.report_progress = [&](double percentage, const std::string& text) {
      agentstudio::v1::TaskEvent event = NewEvent(task);
      event.mutable_progress()->set_percentage(percentage);
      event.mutable_progress()->set_message(text);
      producer_.Send(options_.topics.task_events(), task.workflow_id(), event.SerializeAsString(),
                     headers, [](const kafka::DeliveryResult&) {});
    };
    context.report_thought = [&](const Json& thought) {
      agentstudio::v1::TaskEvent event = NewEvent(task);
      *event.mutable_progress()->mutable_thought() = schemas::AgentThoughtFromJson(thought);
      producer_.Send(options_.topics.task_events(), task.workflow_id(), event.SerializeAsString(),
                     headers, [](const kafka::DeliveryResult&) {});
    };
    const auto cancel_reason = [&] {
      return cancels_->CancelReason(task.task_id(), task.attempt());
    };
    context.cancelled = [&] { return stop.load() || cancel_reason().has_value(); };

    const auto started = std::chrono::steady_clock::now();
    AgentResult result;
    if (!cancel_reason()) {  // a task cancelled while it was queued is not started
      context.report_progress(0, "accepted by " + options_.agent_id);
      try {
        result = handler->second->Handle(context);
      } catch (const std::exception& error) {
        result = AgentResult::Failure("AGENT_EXCEPTION", error.what(), /*retryable=*/true);
      }
    }
    --active_tasks_;
    if (stop && !result.ok && !cancel_reason()) {
      spdlog::info("agent {}: stopping, handing {} back", options_.agent_id, dispatch);
      return false;
    }
    // Whatever the handler made of a cancel, the report says it was one.
    if (const auto reason = cancel_reason()) {
      result = AgentResult::Failure("CANCELLED", reason->empty() ? "Cancelled" : *reason,
                                    /*retryable=*/false);
      ++cancelled_;
    }
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);

    agentstudio::v1::TaskEvent event = NewEvent(task);
    if (result.ok) {
      Json response = result.response;
      response["success"] = true;
      if (!response.contains("result")) response["result"] = Json::object();
      if (!response.contains("metadata")) response["metadata"] = Json::object();
      response["metadata"]["executionTimeMs"] = elapsed.count();
      response["metadata"]["agentId"] = options_.agent_id;
      *event.mutable_completion()->mutable_response() = schemas::AgentResponseFromJson(response);
    } else {
      event.mutable_error()->set_code(result.error_code);
      event.mutable_error()->set_message(result.error_message);
      event.mutable_error()->set_retryable(result.retryable);
    }
    Report report{dispatch, task.workflow_id(), event.SerializeAsString(), headers, result.ok, {}};
    auto promise = std::make_shared<std::promise<kafka::DeliveryResult>>();
    report.delivery = promise->get_future();
    producer_.Send(options_.topics.task_events(), report.key, report.payload, headers,
                   [promise](const kafka::DeliveryResult& r) { promise->set_value(r); });
    reports.push_back(std::move(report));
    recent_.Add(dispatch);
    return true;
  }

  bool DeadLetter(const kafka::InboundMessage& message, const std::string& reason) {
    try {
      dead_letters_.PublishAll({{&message, reason}});
      return true;
    } catch (const std::exception& error) {
      spdlog::error("agent {}: {}", options_.agent_id, error.what());
      return false;
    }
  }

  void SendHeartbeat(const std::string& status) {
    agentstudio::v1::AgentHeartbeat heartbeat;
    heartbeat.set_schema_version(schemas::kSchemaVersion);
    heartbeat.set_agent_id(options_.agent_id);
    for (const auto& [type, handler] : handlers_) heartbeat.add_agent_types(type);
    heartbeat.set_status(status);
    heartbeat.set_active_tasks(active_tasks_);
    heartbeat.set_load(active_tasks_ > 0 ? 1.0 : 0.0);
    *heartbeat.mutable_timestamp() = schemas::ToTimestamp(engine::WallClockNow());
    (*heartbeat.mutable_metrics())["tasksCompleted"] = static_cast<double>(completed_);
    (*heartbeat.mutable_metrics())["tasksFailed"] = static_cast<double>(failed_);
    producer_.Send(options_.topics.agent_heartbeats(), options_.agent_id,
                   heartbeat.SerializeAsString(), {}, [](const kafka::DeliveryResult&) {});
  }

  void HeartbeatLoop(const std::atomic<bool>& stop) {
    std::unique_lock lock(mutex_);
    while (!stop && !stopping_) {
      lock.unlock();
      SendHeartbeat("healthy");
      lock.lock();
      wake_.wait_for(lock, options_.heartbeat_interval, [&] { return stopping_ || stop.load(); });
    }
  }

  const AgentRuntimeOptions options_;
  kafka::MessageProducer producer_;
  kafka::DeadLetterPublisher dead_letters_;
  std::map<std::string, std::unique_ptr<AgentHandler>> handlers_;  // constant after construction
  RecentKeys<bool> recent_{10000};                                 // poll thread only
  std::unique_ptr<CancelListener> cancels_;
  std::atomic<int> active_tasks_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::unique_ptr<kafka::BatchConsumer> consumer_;
};

AgentRuntime::AgentRuntime(AgentRuntimeOptions options,
                           std::vector<std::unique_ptr<AgentHandler>> handlers)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handlers))) {}

AgentRuntime::~AgentRuntime() = default;

void AgentRuntime::Run(const std::atomic<bool>& stop) { impl_->Run(stop); }
uint64_t AgentRuntime::tasks_completed() const { return impl_->completed_; }
uint64_t AgentRuntime::tasks_failed() const { return impl_->failed_; }
uint64_t AgentRuntime::duplicates_dropped() const { return impl_->duplicates_; }
uint64_t AgentRuntime::tasks_cancelled() const { return impl_->cancelled_; }
uint64_t AgentRuntime::cancels_received() const { return impl_->cancels_received(); }
uint64_t AgentRuntime::dead_lettered() const { return impl_->dead_lettered(); }
std::vector<std::string> AgentRuntime::agent_types() const { return impl_->types(); }

}  // namespace agentstudio::agents
