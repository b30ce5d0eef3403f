#include "agents/agent_runtime.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>

#include "agents/cancel_listener.hpp"
#include "agents/pending_offsets.hpp"
#include "agents/recent_keys.hpp"
#include "agentstudio/v1/agent_heartbeat.pb.h"
#include "agentstudio/v1/task_event.pb.h"
#include "agentstudio/v1/task_message.pb.h"
#include "consumers/batch_consumer.hpp"
#include "consumers/dead_letter_publisher.hpp"
#include "engine/backoff.hpp"
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
        capacity_(std::max<size_t>(1, options_.max_concurrent_tasks)),
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
    kafka::BatchConsumerOptions consumer_options{options_.topics.prefix() + "agents", topics,
                                                 capacity_, std::chrono::milliseconds(100)};
    // Before partitions go, commit what finished on them; their unfinished
    // tasks go on here, and their new owner reads them from that position.
    consumer_options.on_revoke = [this](const std::vector<kafka::TopicPartition>& revoked) {
      CommitFinished();
      std::lock_guard lock(mutex_);
      for (const auto& partition : revoked) pending_.Forget(partition);
    };
    // New partitions start unpaused. While at capacity, pause them too (a
    // Resume of partitions never paused would refetch from the committed
    // offset, so only what was paused is resumed).
    consumer_options.on_assign = [this](const std::vector<kafka::TopicPartition>&) {
      if (paused_) pause_known_ = false;
    };
    consumer_ = std::make_unique<kafka::BatchConsumer>(std::move(task_consumer),
                                                       std::move(consumer_options));
  }

  void Run(const std::atomic<bool>& stop) {
    cancels_->Start();
    std::thread heartbeats([&] {
      if (options_.heartbeat) HeartbeatLoop(stop);
    });
    std::vector<std::thread> workers;
    for (size_t i = 0; i < capacity_; ++i) workers.emplace_back([&] { WorkLoop(stop); });
    // The consumer is polled all the time, whatever runs: the group sees the
    // process alive however long its tasks take. At capacity it first waits a
    // little for room: short tasks free a slot within milliseconds, and a
    // pause costs up to a second, because librdkafka decides to fetch a
    // resumed partition only on its broker thread's next round. Only when the
    // tasks are long are the partitions paused, and the polls go on.
    auto last_commit = std::chrono::steady_clock::now();
    while (!stop) {
      const size_t load = WaitForRoom(stop);
      SetPaused(load >= capacity_);
      const std::vector<kafka::InboundMessage> batch =
          consumer_->Poll(load >= capacity_ ? 1 : capacity_ - load);
      std::set<kafka::TopicPartition> rewound;
      for (const kafka::InboundMessage& message : batch) {
        const kafka::TopicPartition partition{message.topic, message.partition};
        if (rewound.count(partition)) continue;
        if (!Admit(message)) {
          // It could not be dead-lettered: read it (and what follows) again.
          consumer_->Rewind({message});
          rewound.insert(partition);
        }
      }
      if (std::chrono::steady_clock::now() - last_commit >= options_.commit_interval) {
        CommitFinished();
        last_commit = std::chrono::steady_clock::now();
      }
    }
    // Stop: running tasks see cancelled(); what they complete anyway is
    // reported, what they give up is handed back (neither reported nor
    // committed), like the tasks that never started.
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    work_.notify_all();
    wake_.notify_all();
    room_.notify_all();
    // Still polling (everything paused) while the running tasks wind down,
    // so the group does not evict this process meanwhile.
    while (running_ > 0) {
      SetPaused(true);  // again after any rebalance meanwhile
      consumer_->Poll(1);
      CommitFinished();
    }
    for (std::thread& worker : workers) worker.join();
    heartbeats.join();
    CommitFinished();
    cancels_->Stop();
    if (options_.heartbeat) SendHeartbeat("stopping");
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
  int producer_replacements() const { return producer_.replacements(); }
  size_t running() const { return running_; }
  size_t assigned_partitions() const { return consumer_->assigned_partitions(); }

  std::atomic<uint64_t> completed_{0};
  std::atomic<uint64_t> delegated_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> duplicates_{0};
  std::atomic<uint64_t> cancelled_{0};

 private:
  // One dispatch of a task, queued or running here.
  struct Job {
    agentstudio::v1::TaskMessage task;
    kafka::Headers headers;
    std::string dispatch;
    engine::TimeMs received_at = 0;  // wall clock, to compare with the scheduler's
    // The messages that carry this dispatch (a redelivery of one that runs
    // joins it): all finish when it does. Guarded by mutex_.
    std::vector<std::pair<kafka::TopicPartition, int64_t>> messages;
  };

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

  size_t Load() {
    std::lock_guard lock(mutex_);
    return queue_.size() + running_;
  }

  // The load once a slot is free, or after kRoomWait (bounded well below
  // max.poll.interval.ms) while every slot stays busy.
  size_t WaitForRoom(const std::atomic<bool>& stop) {
    const auto wait = std::min<std::chrono::milliseconds>(options_.max_poll_interval / 4,
                                                          std::chrono::milliseconds(500));
    std::unique_lock lock(mutex_);
    room_.wait_for(lock, wait,
                   [&] { return stop || stopping_ || queue_.size() + running_ < capacity_; });
    return queue_.size() + running_;
  }

  // On the polling thread only.
  void SetPaused(bool paused) {
    if (pause_known_ && paused == paused_) return;
    if (paused) {
      consumer_->Pause();
    } else {
      consumer_->Resume();
    }
    paused_ = paused;
    pause_known_ = true;
  }

  // Commits every partition up to its first unfinished task. On the polling
  // thread only.
  void CommitFinished() {
    kafka::Positions positions;
    {
      std::lock_guard lock(mutex_);
      positions = pending_.Committable();
    }
    if (positions.empty() || !consumer_->Commit(positions)) return;
    std::lock_guard lock(mutex_);
    pending_.Committed(positions);
  }

  // Takes one task message: dead-letters what cannot run, drops a dispatch
  // already done or in hand, queues the rest for the workers. Returns false
  // when the message must be read again (it could not be dead-lettered).
  bool Admit(const kafka::InboundMessage& message) {
    const kafka::TopicPartition partition{message.topic, message.partition};
    std::optional<std::string> poison = kafka::OversizedReason(message);
    std::optional<agentstudio::v1::TaskMessage> task;
    if (!poison) {
      auto decoded = schemas::DecodeTaskMessage(message.payload);
      if (auto* reason = std::get_if<std::string>(&decoded)) {
        poison = std::move(*reason);
      } else {
        task = std::move(std::get<agentstudio::v1::TaskMessage>(decoded));
        if (!handlers_.count(task->agent_type()))
          poison = "no handler for agent type '" + task->agent_type() + "'";
      }
    }
    if (poison) {
      if (!DeadLetter(message, *poison)) return false;
      std::lock_guard lock(mutex_);
      pending_.Take(partition, message.offset);
      pending_.Finish(partition, message.offset);
      return true;
    }
    const std::string dispatch = DispatchKey(task->task_id(), task->attempt());
    std::lock_guard lock(mutex_);
    pending_.Take(partition, message.offset);
    if (finished_.Find(dispatch) != nullptr) {
      ++duplicates_;
      pending_.Finish(partition, message.offset);
      return true;
    }
    if (const auto active = active_.find(dispatch); active != active_.end()) {
      ++duplicates_;
      active->second->messages.emplace_back(partition, message.offset);
      return true;
    }
    auto job = std::make_shared<Job>();
    job->task = std::move(*task);
    job->headers = HeadersFor(message);
    job->dispatch = dispatch;
    job->received_at = engine::WallClockNow();
    job->messages.emplace_back(partition, message.offset);
    active_[dispatch] = job;
    queue_.push_back(std::move(job));
    work_.notify_one();
    return true;
  }

  void WorkLoop(const std::atomic<bool>& stop) {
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock lock(mutex_);
        work_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;  // queued tasks stay uncommitted: handed back
        job = std::move(queue_.front());
        queue_.pop_front();
        ++running_;
      }
      const bool reported = Execute(*job, stop);
      std::lock_guard lock(mutex_);
      --running_;
      room_.notify_one();
      active_.erase(job->dispatch);
      if (!reported) continue;  // handed back: its messages stay unfinished
      finished_.Add(job->dispatch);
      for (const auto& [partition, offset] : job->messages) pending_.Finish(partition, offset);
    }
  }

  // Runs one task and reports its outcome durably. Returns false when the
  // attempt is handed back instead: `stop` interrupted the task, or came
  // before its report was durable.
  bool Execute(const Job& job, const std::atomic<bool>& stop) {
    const agentstudio::v1::TaskMessage& task = job.task;
    const kafka::Headers& headers = job.headers;
    TaskContext context;
    context.task_id = task.task_id();
    context.workflow_id = task.workflow_id();
    context.step_id = task.step_id();
    context.agent_type = task.agent_type();
    context.attempt = task.attempt();
    if (!task.priority().empty()) context.priority = task.priority();
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
    context.report_log = [&](const std::string& level, const std::string& text) {
      agentstudio::v1::TaskEvent event = NewEvent(task);
      event.mutable_log()->set_level(level);
      event.mutable_log()->set_message(text);
      producer_.Send(options_.topics.task_events(), task.workflow_id(), event.SerializeAsString(),
                     headers, [](const kafka::DeliveryResult&) {});
    };
    const auto cancel_reason = [&] {
      return cancels_->CancelReason(task.task_id(), task.attempt());
    };
    context.cancelled = [&] { return stop.load() || cancel_reason().has_value(); };
    context.stopping = [&] { return stop.load(); };
    context.tenant = task.tenant();

    const auto started = std::chrono::steady_clock::now();
    AgentResult result;
    if (!cancel_reason()) {  // a task cancelled while it was queued is not started
      context.report_progress(0, "accepted by " + options_.agent_id);
      try {
        result = handlers_.at(task.agent_type())->Handle(context);
      } catch (const std::exception& error) {
        result = AgentResult::Failure("AGENT_EXCEPTION", error.what(), /*retryable=*/true);
      }
    }
    if (stop && !result.ok && !cancel_reason()) {
      spdlog::info("agent {}: stopping, handing {} back", options_.agent_id, job.dispatch);
      return false;
    }
    // Whatever the handler made of a cancel, the report says it was one.
    if (const auto reason = cancel_reason()) {
      result = AgentResult::Failure("CANCELLED", reason->empty() ? "Cancelled" : *reason,
                                    /*retryable=*/false);
      ++cancelled_;
    }
    if (result.delegated) {  // its new owner reports it
      ++delegated_;
      return true;
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
      response["metadata"]["priority"] = task.priority().empty() ? "normal" : task.priority();
      if (task.has_dispatched_at()) {
        response["metadata"]["dispatchLatencyMs"] =
            job.received_at - schemas::FromTimestamp(task.dispatched_at());
      }
      *event.mutable_completion()->mutable_response() = schemas::AgentResponseFromJson(response);
    } else {
      event.mutable_error()->set_code(result.error_code);
      event.mutable_error()->set_message(result.error_message);
      event.mutable_error()->set_retryable(result.retryable);
    }
    std::string payload = event.SerializeAsString();
    kafka::DeliveryResult delivery =
        producer_.SendAndWait(options_.topics.task_events(), task.workflow_id(), payload, headers);
    if (!delivery.ok && !delivery.retryable) {
      // Kafka will never take this report (a result over message.max.bytes,
      // say): report that instead, so the task fails and says why.
      spdlog::error("agent {}: report for {} refused for good ({}); reporting that instead",
                    options_.agent_id, job.dispatch, delivery.error);
      agentstudio::v1::TaskEvent refused = NewEvent(task);
      refused.mutable_error()->set_code("REPORT_REFUSED");
      refused.mutable_error()->set_message("Kafka refused the agent's report for good: " +
                                           delivery.error);
      refused.mutable_error()->set_retryable(false);
      payload = refused.SerializeAsString();
      result.ok = false;
      delivery = producer_.SendAndWait(options_.topics.task_events(), task.workflow_id(), payload,
                                       headers);
    }
    engine::Backoff backoff(std::chrono::milliseconds(100), std::chrono::milliseconds(2000));
    while (!delivery.ok) {
      spdlog::warn("agent {}: report for {} not delivered ({}), retrying", options_.agent_id,
                   job.dispatch, delivery.error);
      if (stop) return false;
      std::this_thread::sleep_for(backoff.Next());
      delivery = producer_.SendAndWait(options_.topics.task_events(), task.workflow_id(), payload,
                                       headers);
    }
    faults::Reach(faults::kAgentAfterReport);
    (result.ok ? completed_ : failed_)++;
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
    const size_t running = running_;
    heartbeat.set_active_tasks(static_cast<int32_t>(running));
    heartbeat.set_capacity(static_cast<int32_t>(capacity_));
    heartbeat.set_load(static_cast<double>(running) / static_cast<double>(capacity_));
    *heartbeat.mutable_timestamp() = schemas::ToTimestamp(engine::WallClockNow());
    (*heartbeat.mutable_metrics())["tasksCompleted"] = static_cast<double>(completed_);
    (*heartbeat.mutable_metrics())["tasksFailed"] = static_cast<double>(failed_);
    (*heartbeat.mutable_metrics())["capacity"] = static_cast<double>(capacity_);
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

  // Constant after construction.
  const AgentRuntimeOptions options_;
  const size_t capacity_;
  std::map<std::string, std::unique_ptr<AgentHandler>> handlers_;

  kafka::MessageProducer producer_;  // thread-safe
  kafka::DeadLetterPublisher dead_letters_;
  std::unique_ptr<CancelListener> cancels_;  // thread-safe

  std::mutex mutex_;
  std::condition_variable work_;  // workers: a job is queued, or stopping
  std::condition_variable wake_;  // the heartbeat loop: stopping
  std::condition_variable room_;  // the polling thread: a task finished
  // Guarded by mutex_.
  PendingOffsets pending_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::map<std::string, std::shared_ptr<Job>> active_;  // dispatch -> queued or running
  RecentKeys<bool> finished_{10000};                    // dispatches reported durably
  bool stopping_ = false;
  std::atomic<size_t> running_{0};  // written under mutex_; read by heartbeats

  // The polling thread's.
  bool paused_ = false;
  bool pause_known_ = false;
  std::unique_ptr<kafka::BatchConsumer> consumer_;  // last: stops before the rest goes
};

AgentRuntime::AgentRuntime(AgentRuntimeOptions options,
                           std::vector<std::unique_ptr<AgentHandler>> handlers)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handlers))) {}

AgentRuntime::~AgentRuntime() = default;

void AgentRuntime::Run(const std::atomic<bool>& stop) { impl_->Run(stop); }
uint64_t AgentRuntime::tasks_completed() const { return impl_->completed_; }
uint64_t AgentRuntime::tasks_delegated() const { return impl_->delegated_; }
uint64_t AgentRuntime::tasks_failed() const { return impl_->failed_; }
uint64_t AgentRuntime::duplicates_dropped() const { return impl_->duplicates_; }
uint64_t AgentRuntime::tasks_cancelled() const { return impl_->cancelled_; }
uint64_t AgentRuntime::cancels_received() const { return impl_->cancels_received(); }
uint64_t AgentRuntime::dead_lettered() const { return impl_->dead_lettered(); }
int AgentRuntime::producer_replacements() const { return impl_->producer_replacements(); }
size_t AgentRuntime::tasks_running() const { return impl_->running(); }
size_t AgentRuntime::assigned_partitions() const { return impl_->assigned_partitions(); }
std::vector<std::string> AgentRuntime::agent_types() const { return impl_->types(); }

}  // namespace agentstudio::agents
