// The Python SDK's Kafka flavour (agents/python): its example agent, a
// python3 process, serves `word-counter` for a stack of agentstudiod
// processes whose own agent serves only `noop`.
#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>
#include <signal.h>

#include <functional>
#include <memory>
#include <set>
#include <string>

#include "agentstudio/v1/task_message.pb.h"
#include "producers/kafka_config.hpp"
#include "producers/message_producer.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process_stack.hpp"
#include "tests/support/shared_kafka.hpp"
#include "tests/support/task_event_reader.hpp"
#include "tests/support/wait.hpp"

namespace agentstudio {
namespace {

using Json = nlohmann::json;
using testing::Http;

// The consumer of `group` (not joining it) on `bootstrap`.
std::unique_ptr<RdKafka::KafkaConsumer> ConsumerOf(const std::string& bootstrap,
                                                   const std::string& group,
                                                   const std::string& client_id = "rdkafka") {
  std::string error;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  conf->set("bootstrap.servers", bootstrap, error);
  conf->set("client.id", client_id, error);
  conf->set("group.id", group, error);
  conf->set("enable.auto.commit", "false", error);
  conf->set("auto.offset.reset", "earliest", error);
  return std::unique_ptr<RdKafka::KafkaConsumer>(RdKafka::KafkaConsumer::create(conf.get(), error));
}

// Reads the 4 partitions of `topic` from their start, handing each message
// to `take`, until it returns true or 10 s passed.
void ReadFromStart(const std::string& bootstrap, const std::string& topic,
                   const std::function<bool(RdKafka::Message&)>& take) {
  auto consumer = ConsumerOf(bootstrap, "reader-" + topic);  // commits nothing
  std::vector<RdKafka::TopicPartition*> partitions;
  for (int p = 0; p < 4; ++p)
    partitions.push_back(
        RdKafka::TopicPartition::create(topic, p, RdKafka::Topic::OFFSET_BEGINNING));
  consumer->assign(partitions);
  RdKafka::TopicPartition::destroy(partitions);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> message(consumer->consume(100));
    if (message->err() == RdKafka::ERR_NO_ERROR && take(*message)) break;
  }
  consumer->close();
}

// The x-source-topic headers of what is in `topic` (until `want` came).
std::vector<std::string> DeadLetterSources(const std::string& bootstrap, const std::string& topic,
                                           size_t want) {
  std::vector<std::string> sources;
  ReadFromStart(bootstrap, topic, [&](RdKafka::Message& message) {
    if (message.headers() != nullptr) {
      for (const RdKafka::Headers::Header& header : message.headers()->get("x-source-topic")) {
        sources.emplace_back(static_cast<const char*>(header.value()), header.value_size());
      }
    }
    return sources.size() >= want;
  });
  return sources;
}

// The partition of `topic` that holds the task message of `task_id`, or -1.
int PartitionOfTask(const std::string& bootstrap, const std::string& topic,
                    const std::string& task_id) {
  int found = -1;
  ReadFromStart(bootstrap, topic, [&](RdKafka::Message& message) {
    agentstudio::v1::TaskMessage task;
    if (task.ParseFromArray(message.payload(), static_cast<int>(message.len())) &&
        task.task_id() == task_id) {
      found = message.partition();
    }
    return found >= 0;
  });
  return found;
}

// Whether `group` committed every partition of `topic` up to its end.
bool CommittedToTheEnd(const std::string& bootstrap, const std::string& group,
                       const std::string& topic, std::string* why) {
  auto consumer = ConsumerOf(bootstrap, group);
  std::vector<RdKafka::TopicPartition*> partitions;
  for (int p = 0; p < 4; ++p) partitions.push_back(RdKafka::TopicPartition::create(topic, p));
  consumer->committed(partitions, 10000);
  bool all = true;
  for (RdKafka::TopicPartition* partition : partitions) {
    int64_t low = 0, high = 0;
    consumer->query_watermark_offsets(topic, partition->partition(), &low, &high, 10000);
    if (high > 0 && partition->offset() != high) {
      all = false;
      *why += "partition " + std::to_string(partition->partition()) + " committed " +
              std::to_string(partition->offset()) + " of " + std::to_string(high) + "; ";
    }
  }
  RdKafka::TopicPartition::destroy(partitions);
  consumer->close();
  return all;
}

// A stack of agentstudiod processes whose own agent serves only `noop`, for
// the Python agent serving `word-counter`.
class PythonStackTest : public ::testing::Test {
 protected:
  explicit PythonStackTest(testing::ProcessStackOptions options) : stack_(std::move(options)) {}
  ~PythonStackTest() override {
    // The agent made its topic itself (the shared broker does not auto-create).
    testing::DeleteTopicsWithPrefix(stack_.bootstrap(), stack_.topics().tasks("word-counter"));
  }

  // Polls GET /v1/tasks/{id} until the task ended; returns it.
  Json WaitForTaskEnd(const std::string& id) {
    Json task;
    EXPECT_TRUE(testing::WaitUntil(
        [&] {
          task = Http("GET", stack_.Url("/v1/tasks/" + id)).Json()["data"];
          const std::string status = task.value("status", "");
          return status == "completed" || status == "failed";
        },
        std::chrono::seconds(60)))
        << task.dump();
    return task;
  }

  // Runs a workflow of a word-counter step, then a noop one; returns it ended.
  Json RunCountThenNoop() {
    const auto created = Http("POST", stack_.Url("/api/workflows"), R"({"definition": {
        "id": "count-then-noop", "name": "Count, then nothing", "pattern": "sequential",
        "steps": [
          {"id": "count", "name": "Count the words", "agentType": "word-counter",
           "input": {"texts": ["The cat sat.", "The cat ran, the dog sat."]}},
          {"id": "after", "name": "After", "agentType": "noop", "dependsOn": ["count"]}]}})");
    EXPECT_EQ(created.status, 201) << created.body;
    return stack_.WaitForEnd(created.Json().value("id", ""));
  }

  // Starts a word-counter task taking `sleep_ms`; returns its id.
  std::string StartTask(int sleep_ms, bool uninterruptible = false) {
    const auto accepted = Http(
        "POST", stack_.Url("/v1/tasks"),
        Json({{"agent_type", "word-counter"},
              {"task_type", "count"},
              {"input", {{"text", "a b c"}}},
              {"configuration", {{"sleepMs", sleep_ms}, {"uninterruptible", uninterruptible}}}})
            .dump());
    EXPECT_EQ(accepted.status, 202) << accepted.body;
    return accepted.Json().value("task_id", "");
  }

  testing::ProcessStack stack_;
};

class PythonAgentTest : public PythonStackTest {
 protected:
  PythonAgentTest() : PythonStackTest(Options()) {}

  static testing::ProcessStackOptions Options() {
    testing::ProcessStackOptions options;
    options.agent_types = {"noop"};
    return options;
  }

  std::unique_ptr<testing::ChildProcess> StartAgent(const std::string& concurrency = "4") {
    const std::string source = AGENTSTUDIO_SOURCE_DIR;
    auto agent = std::make_unique<testing::ChildProcess>(
        "/usr/bin/python3", std::vector<std::string>{source + "/agents/python/example_agent.py"},
        std::map<std::string, std::string>{
            {"PYTHONPATH", source + "/agents/python:" + AGENTSTUDIO_PYTHON_DIR},
            {"AGENTSTUDIO_KAFKA_BROKERS", stack_.bootstrap()},
            {"AGENTSTUDIO_TOPIC_PREFIX", stack_.topics().prefix()},
            {"AGENTSTUDIO_AGENT_ID", "agent-py-e2e"},
            {"AGENTSTUDIO_HEARTBEAT_MS", "500"},
            {"AGENTSTUDIO_AGENT_CONCURRENCY", concurrency}},
        "python-agent");
    const bool known = testing::WaitUntil([&] {
      const Json types = Http("GET", stack_.Url("/api/meta-agent/types")).Json();
      return types.is_array() &&
             std::find(types.begin(), types.end(), "word-counter") != types.end();
    });
    EXPECT_TRUE(known) << "the Python agent's type never became known:\n" << agent->Output();
    return agent;
  }
};

TEST_F(PythonAgentTest, ShouldServeAWorkflowStepReportingLogsProgressAndThoughts) {
  auto agent = StartAgent();
  const Json ended = RunCountThenNoop();
  ASSERT_EQ(ended["status"], "completed") << ended.dump() << agent->Output();
  const Json count = ended.at("tasks").at(0);
  EXPECT_EQ(count["response"]["result"]["words"], 9);
  EXPECT_EQ(count["response"]["result"]["distinct"], 5);
  EXPECT_EQ(count["response"]["result"]["top"], Json({"the", "cat", "sat"}));
  EXPECT_EQ(count["response"]["metadata"]["agentId"], "agent-py-e2e");
  ASSERT_EQ(count["response"]["thoughts"].size(), 1u);
  EXPECT_EQ(count["response"]["thoughts"][0]["content"],
            "the most frequent words are the, cat, sat");

  const std::string task_id = count["id"];
  const Json logs = Http("GET", stack_.Url("/v1/tasks/" + task_id + "/logs")).Json();
  ASSERT_EQ(logs["logs"].size(), 1u) << logs.dump();
  EXPECT_EQ(logs["logs"][0]["message"], "counting the words of 2 text(s)");
  const Json workflow =
      Http("GET", stack_.Url("/api/workflows/" + ended["id"].get<std::string>())).Json();
  const Json events = workflow["context"]["events"];
  std::set<std::string> types;
  for (const Json& event : events) types.insert(event["type"].get<std::string>());
  for (const char* type : {"TaskProgressUpdated", "TaskThought", "TaskLog"}) {
    EXPECT_TRUE(types.count(type)) << type << " missing in " << events.dump();
  }

  agent->Signal(SIGTERM);
  EXPECT_EQ(agent->Wait(std::chrono::seconds(30)), std::optional<int>(0)) << agent->Output();
  for (const std::string& failure : stack_.Stop()) ADD_FAILURE() << failure;
}

TEST_F(PythonAgentTest, ShouldFailATaskForGoodAndDeadLetterWhatDoesNotDecode) {
  auto agent = StartAgent();
  // A message no agent can read, ahead of real work on the same topic.
  kafka::MessageProducer producer(kafka::BaseProperties(stack_.bootstrap(), "poison"),
                                  std::chrono::seconds(10));
  for (int partition = 0; partition < 4; ++partition) {
    ASSERT_TRUE(producer
                    .SendAndWait(stack_.topics().tasks("word-counter"),
                                 "key-" + std::to_string(partition), "not a TaskMessage", {})
                    .ok);
  }
  const auto refused = Http("POST", stack_.Url("/v1/tasks"),
                            R"({"agent_type": "word-counter", "task_type": "count",
                                "input": {"text": 42}})");
  ASSERT_EQ(refused.status, 202) << refused.body;
  const Json failed = WaitForTaskEnd(refused.Json()["task_id"]);
  EXPECT_EQ(failed["status"], "failed") << failed.dump();
  EXPECT_NE(failed.value("error", "").find("input.text (a string)"), std::string::npos)
      << failed.dump();
  EXPECT_EQ(failed["attempt"], 1) << "INVALID_INPUT is not retryable";

  const auto counted = Http("POST", stack_.Url("/v1/tasks"),
                            R"({"agent_type": "word-counter", "task_type": "count",
                                "input": {"text": "one two two"}, "priority": "high"})");
  ASSERT_EQ(counted.status, 202) << counted.body;
  const Json done = WaitForTaskEnd(counted.Json()["task_id"]);
  EXPECT_EQ(done["status"], "completed") << done.dump();
  EXPECT_EQ(done["result"]["words"], 3);
  const Json results =
      Http("GET", stack_.Url("/v1/tasks/" + done["id"].get<std::string>() + "/results")).Json();
  EXPECT_EQ(results["metadata"]["priority"], "high");
  // The four poison messages are in the DLQ, naming where they came from.
  const std::string topic = stack_.topics().tasks("word-counter");
  EXPECT_EQ(DeadLetterSources(stack_.bootstrap(), stack_.topics().dlq(), 4),
            std::vector<std::string>(4, topic))
      << agent->Output();
  // Drained: every task and poison message reported and committed, nothing
  // stuck behind them.
  agent->Signal(SIGTERM);
  EXPECT_EQ(agent->Wait(std::chrono::seconds(30)), std::optional<int>(0)) << agent->Output();
  std::string why;
  EXPECT_TRUE(
      CommittedToTheEnd(stack_.bootstrap(), stack_.topics().prefix() + "agents", topic, &why))
      << why << agent->Output();
}

// One task at a time, the agent paused at capacity while a long task runs;
// another member joins its group and leaves again (two rebalances, the task's
// message re-read from the commit each time it comes back). The task runs
// once, the partitions come back unpaused (the next task runs), the drain on
// SIGTERM lets a running task finish and report, and everything is committed.
TEST_F(PythonAgentTest, ShouldRunATaskOnceThroughRebalancesAndFinishItOnSigterm) {
  auto agent = StartAgent("1");
  testing::TaskEventReader reports(stack_.bootstrap(), stack_.topics());
  const std::string slow = StartTask(4000);
  ASSERT_TRUE(testing::WaitUntil([&] {
    return Http("GET", stack_.Url("/v1/tasks/" + slow)).Json()["data"]["status"] == "running";
  })) << agent->Output();
  {
    const std::string topic = stack_.topics().tasks("word-counter");
    auto visitor = ConsumerOf(stack_.bootstrap(), stack_.topics().prefix() + "agents");
    ASSERT_EQ(visitor->subscribe({topic}), RdKafka::ERR_NO_ERROR);
    std::vector<RdKafka::TopicPartition*> assigned;
    ASSERT_TRUE(testing::WaitUntil([&] {
      std::unique_ptr<RdKafka::Message> message(visitor->consume(100));
      visitor->assignment(assigned);
      const bool some = !assigned.empty();
      RdKafka::TopicPartition::destroy(assigned);
      return some;
    })) << "the visitor never got a partition";
    visitor->close();  // leaves without committing anything
  }
  const Json first = WaitForTaskEnd(slow);
  EXPECT_EQ(first["status"], "completed") << first.dump() << agent->Output();
  const std::string next = StartTask(0);
  EXPECT_EQ(WaitForTaskEnd(next)["status"], "completed") << "partitions stuck paused\n"
                                                         << agent->Output();
  EXPECT_EQ(reports.FinalReports(slow).size(), 1u) << "the slow task ran twice";

  const std::string last = StartTask(2000);
  ASSERT_TRUE(testing::WaitUntil([&] {
    return Http("GET", stack_.Url("/v1/tasks/" + last)).Json()["data"]["status"] == "running";
  }));
  agent->Signal(SIGTERM);
  EXPECT_EQ(agent->Wait(std::chrono::seconds(30)), std::optional<int>(0)) << agent->Output();
  EXPECT_EQ(WaitForTaskEnd(last)["status"], "completed") << "the drain let it finish";
  std::string why;
  EXPECT_TRUE(CommittedToTheEnd(stack_.bootstrap(), stack_.topics().prefix() + "agents",
                                stack_.topics().tasks("word-counter"), &why))
      << why << agent->Output();
}

// A task still running when its partition goes to another member finishes
// and reports here, but its commit is left behind. When the partition comes
// back (here: while this process drains, reading nothing more) the commit
// moves past it, so no successor runs it again. The visitor's client id puts
// it first or last in the range assignor's order, so that it is given the
// task's partition.
TEST_F(PythonAgentTest, ShouldCommitPastATaskThatFinishedWhileItsPartitionWasElsewhere) {
  auto agent = StartAgent("2");
  testing::TaskEventReader reports(stack_.bootstrap(), stack_.topics());
  const std::string moved = StartTask(6000);
  const std::string held = StartTask(20000, /*uninterruptible=*/true);
  for (const std::string& task : {moved, held}) {
    ASSERT_TRUE(testing::WaitUntil([&] {
      return Http("GET", stack_.Url("/v1/tasks/" + task)).Json()["data"]["status"] == "running";
    })) << agent->Output();
  }
  const std::string topic = stack_.topics().tasks("word-counter");
  const int partition = PartitionOfTask(stack_.bootstrap(), topic, moved);
  ASSERT_GE(partition, 0);
  auto visitor = ConsumerOf(stack_.bootstrap(), stack_.topics().prefix() + "agents",
                            partition < 2 ? "a-visitor" : "z-visitor");
  ASSERT_EQ(visitor->subscribe({topic}), RdKafka::ERR_NO_ERROR);
  std::set<int> taken;
  ASSERT_TRUE(testing::WaitUntil([&] {
    std::unique_ptr<RdKafka::Message> message(visitor->consume(100));
    std::vector<RdKafka::TopicPartition*> assigned;
    visitor->assignment(assigned);
    for (const RdKafka::TopicPartition* p : assigned) taken.insert(p->partition());
    RdKafka::TopicPartition::destroy(assigned);
    return !taken.empty();
  })) << "the visitor never got a partition";
  ASSERT_TRUE(taken.count(partition)) << "the visitor did not get partition " << partition;
  ASSERT_EQ(Http("GET", stack_.Url("/v1/tasks/" + moved)).Json()["data"]["status"], "running")
      << "the task finished before its partition went";

  const Json first = WaitForTaskEnd(moved);
  EXPECT_EQ(first["status"], "completed") << first.dump() << agent->Output();
  agent->Signal(SIGTERM);  // drains while `held` runs on, whatever the stop
  visitor->close();        // the partition comes back to the draining agent
  EXPECT_EQ(agent->Wait(std::chrono::seconds(60)), std::optional<int>(0)) << agent->Output();
  EXPECT_EQ(WaitForTaskEnd(held)["status"], "completed") << agent->Output();
  EXPECT_EQ(reports.FinalReports(moved).size(), 1u) << "the moved task ran twice";
  std::string why;
  EXPECT_TRUE(
      CommittedToTheEnd(stack_.bootstrap(), stack_.topics().prefix() + "agents", topic, &why))
      << why << agent->Output();
}

// A cancel on agent-control reaches the Python agent: the two-minute task
// stops at once, so the agent (one task at a time) runs the next long before
// that (the wait gives up after one minute).
TEST_F(PythonAgentTest, ShouldStopACancelledTask) {
  auto agent = StartAgent("1");
  const std::string endless = StartTask(120000);
  ASSERT_TRUE(testing::WaitUntil([&] {
    return Http("GET", stack_.Url("/v1/tasks/" + endless)).Json()["data"]["status"] == "running";
  })) << agent->Output();
  ASSERT_EQ(Http("POST", stack_.Url("/v1/tasks/" + endless + "/cancel")).status, 200);
  const std::string next = StartTask(0);
  EXPECT_EQ(WaitForTaskEnd(next)["status"], "completed") << agent->Output();
  agent->Signal(SIGTERM);
  EXPECT_EQ(agent->Wait(std::chrono::seconds(30)), std::optional<int>(0)) << agent->Output();
}

// The HTTP flavour: the same example agent with no Kafka client (PYTHONPATH
// without the generated Protobuf modules), taking its tasks from the agent
// role's forwarder (AGENTSTUDIO_HTTP_AGENT_TYPES) at the endpoint its
// heartbeats name, and reporting through the callback API.
class PythonHttpAgentTest : public PythonStackTest {
 protected:
  PythonHttpAgentTest() : PythonStackTest(Options()) {}

  static testing::ProcessStackOptions Options() {
    testing::ProcessStackOptions options;
    options.agent_types = {"noop"};
    options.env["AGENTSTUDIO_HTTP_AGENT_TYPES"] = "word-counter";
    // Two tasks more than the agent's capacity reach the forwarder, which
    // the agent then turns away (429) until it has room.
    options.env["AGENTSTUDIO_DISPATCH_PREFETCH"] = "2";
    // An agent silent for 3 s is gone (it heartbeats every 500 ms here).
    options.env["AGENTSTUDIO_HTTP_AGENT_SILENCE_MS"] = "3000";
    return options;
  }

  std::unique_ptr<testing::ChildProcess> StartAgent(const std::string& concurrency,
                                                    const std::string& id = "agent-py-http",
                                                    const std::string& listen = "127.0.0.1:0") {
    const std::string source = AGENTSTUDIO_SOURCE_DIR;
    auto agent = std::make_unique<testing::ChildProcess>(
        "/usr/bin/python3", std::vector<std::string>{source + "/agents/python/example_agent.py"},
        std::map<std::string, std::string>{{"PYTHONPATH", source + "/agents/python"},
                                           {"AGENTSTUDIO_AGENT_TRANSPORT", "http"},
                                           {"AGENTSTUDIO_URL", stack_.Url("")},
                                           {"AGENTSTUDIO_AGENT_ID", id},
                                           {"AGENTSTUDIO_AGENT_LISTEN", listen},
                                           {"AGENTSTUDIO_HEARTBEAT_MS", "500"},
                                           {"AGENTSTUDIO_AGENT_CONCURRENCY", concurrency}},
        "python-http-agent");
    EXPECT_TRUE(testing::WaitUntil([&] {
      const Json agent = Http("GET", stack_.Url("/v1/agents/" + id)).Json();
      return agent.contains("data") && agent["data"]["status"] == "active";
    })) << "the HTTP agent's heartbeat never arrived:\n"
        << agent->Output();
    return agent;
  }

  // Waits until the task runs and the agent (of capacity 1, with no other
  // task) says in its heartbeat that it holds one.
  bool TakenBy(const std::string& task_id, const std::string& agent_id) {
    return testing::WaitUntil([&] {
      const Json task = Http("GET", stack_.Url("/v1/tasks/" + task_id)).Json()["data"];
      const Json agent = Http("GET", stack_.Url("/v1/agents/" + agent_id)).Json()["data"];
      return task.value("status", "") == "running" && agent.is_object() &&
             agent["metrics"].value("active_tasks", 0.0) == 1.0;
    });
  }

  // The agent whose completion the task's results are.
  std::string RanOn(const std::string& task_id) {
    const Json results = Http("GET", stack_.Url("/v1/tasks/" + task_id + "/results")).Json();
    return results.contains("metadata") ? results["metadata"].value("agentId", "") : "";
  }
};

TEST_F(PythonHttpAgentTest, ShouldServeWorkflowStepsAndTasksOverHttpAndDrainOnSigterm) {
  auto agent = StartAgent("1");
  const Json seen = Http("GET", stack_.Url("/v1/agents/agent-py-http")).Json()["data"];
  EXPECT_EQ(seen["metrics"]["capacity"], 1) << seen.dump();
  const Json ended = RunCountThenNoop();
  ASSERT_EQ(ended["status"], "completed") << ended.dump() << agent->Output();
  const Json count = ended.at("tasks").at(0);
  EXPECT_EQ(count["response"]["result"]["words"], 9);
  EXPECT_EQ(count["response"]["result"]["top"], Json({"the", "cat", "sat"}));
  EXPECT_EQ(count["response"]["metadata"]["agentId"], "agent-py-http");
  ASSERT_EQ(count["response"]["thoughts"].size(), 1u);

  // A failure for good, reported as an error through the callback API.
  const auto refused = Http("POST", stack_.Url("/v1/tasks"),
                            R"({"agent_type": "word-counter", "task_type": "count",
                                "input": {"text": 42}})");
  ASSERT_EQ(refused.status, 202) << refused.body;
  const Json failed = WaitForTaskEnd(refused.Json()["task_id"]);
  EXPECT_EQ(failed["status"], "failed") << failed.dump();
  EXPECT_NE(failed.value("error", "").find("input.text (a string)"), std::string::npos)
      << failed.dump();
  EXPECT_EQ(failed["attempt"], 1) << "INVALID_INPUT is not retryable";

  // Three tasks for an agent that runs one at a time: all three reach the
  // forwarder (capacity 1 plus a prefetch of 2), the agent answers 429 while
  // busy, the forwarder tries again later, and each runs once.
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    const auto accepted = Http("POST", stack_.Url("/v1/tasks"),
                               Json({{"agent_type", "word-counter"},
                                     {"task_type", "count"},
                                     {"input", {{"text", "one two two"}}},
                                     {"configuration", {{"sleepMs", 300}}}})
                                   .dump());
    ASSERT_EQ(accepted.status, 202) << accepted.body;
    ids.push_back(accepted.Json()["task_id"]);
  }
  for (const std::string& id : ids) {
    const Json done = WaitForTaskEnd(id);
    EXPECT_EQ(done["status"], "completed") << done.dump() << agent->Output();
    EXPECT_EQ(done["attempt"], 1) << done.dump();
    EXPECT_EQ(done["result"]["words"], 3);
  }

  // A cancel reaches the agent: it stops the two-minute task at once, so the
  // next task runs long before that (the wait gives up after one minute).
  const std::string endless = StartTask(120000);
  ASSERT_TRUE(TakenBy(endless, "agent-py-http")) << agent->Output();
  ASSERT_EQ(Http("POST", stack_.Url("/v1/tasks/" + endless + "/cancel")).status, 200);
  const std::string after = StartTask(0);
  EXPECT_EQ(WaitForTaskEnd(after)["status"], "completed") << agent->Output();

  // SIGTERM while a task runs: the drain lets it finish and report.
  const std::string last = StartTask(1500);
  ASSERT_TRUE(TakenBy(last, "agent-py-http")) << agent->Output();
  agent->Signal(SIGTERM);
  EXPECT_EQ(agent->Wait(std::chrono::seconds(30)), std::optional<int>(0)) << agent->Output();
  const Json finished = WaitForTaskEnd(last);
  EXPECT_EQ(finished["status"], "completed") << finished.dump();
  EXPECT_EQ(finished["attempt"], 1);
  EXPECT_TRUE(testing::WaitUntil([&] {
    return Http("GET", stack_.Url("/v1/agents/agent-py-http")).Json()["data"]["status"] ==
           "inactive";
  })) << "its last heartbeat says it stopped";
  for (const std::string& failure : stack_.Stop()) ADD_FAILURE() << failure;
}

// An agent killed while it runs a task: the forwarder, which held the task
// until its final report, posts it to another agent once the first is
// silent, and the task completes, at its first attempt.
TEST_F(PythonHttpAgentTest, ShouldRunATaskElsewhereWhenItsAgentDies) {
  auto first = StartAgent("1", "agent-py-http-1");
  const std::string id = StartTask(4000);
  ASSERT_TRUE(TakenBy(id, "agent-py-http-1")) << first->Output();
  first->Signal(SIGKILL);
  first->Wait(std::chrono::seconds(10));
  auto second = StartAgent("1", "agent-py-http-2");
  const Json done = WaitForTaskEnd(id);
  EXPECT_EQ(done["status"], "completed") << done.dump() << second->Output();
  EXPECT_EQ(done["attempt"], 1) << "the same attempt, run again";
  EXPECT_EQ(RanOn(id), "agent-py-http-2");
  second->Signal(SIGTERM);
  EXPECT_EQ(second->Wait(std::chrono::seconds(30)), std::optional<int>(0)) << second->Output();
  for (const std::string& failure : stack_.Stop()) ADD_FAILURE() << failure;
}

// An agent killed and started again at the same address before the
// forwarder could miss its heartbeats: the new process knows nothing of the
// task, and the forwarder, posting the task to it again every few seconds
// while it holds it, has it run there.
TEST_F(PythonHttpAgentTest, ShouldRunATaskAgainWhenItsAgentRestartsAtTheSameAddress) {
  const std::string listen = "127.0.0.1:" + std::to_string(testing::FreePort());
  auto first = StartAgent("1", "agent-py-http-a", listen);
  const std::string id = StartTask(8000);
  ASSERT_TRUE(TakenBy(id, "agent-py-http-a")) << first->Output();
  first->Signal(SIGKILL);
  first->Wait(std::chrono::seconds(10));
  auto again = StartAgent("1", "agent-py-http-b", listen);
  // Its heartbeats keep the address heard: only the forwarder's next post of
  // the task it holds finds that nobody there runs it, and the new process
  // takes it and runs it from the start.
  const Json done = WaitForTaskEnd(id);
  EXPECT_EQ(done["status"], "completed") << done.dump() << again->Output();
  EXPECT_EQ(RanOn(id), "agent-py-http-b");
  again->Signal(SIGTERM);
  EXPECT_EQ(again->Wait(std::chrono::seconds(30)), std::optional<int>(0)) << again->Output();
  for (const std::string& failure : stack_.Stop()) ADD_FAILURE() << failure;
}

}  // namespace
}  // namespace agentstudio
