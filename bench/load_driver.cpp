// load_driver: runs workflows of no-op steps through the whole stack, as
// separate agentstudiod processes (schedulers, relay, agents, front door) on a
// fresh database and topics of their own, and reports what bench/README.md
// lists. The submissions go through REST or straight onto `commands`.
//
//   load_driver [--mode=load|growth|reads|rest] [--via=kafka|rest] [--workflows=2000]
//               [--steps=3] [--pattern=sequential|parallel] [--in-flight=500]
//               [--rate=R] [--idle=50] [--warmup=3000] [--schedulers=2] [--agents=1]
//               [--partitions=6] [--timeout=600]
//
// --mode=load: `warmup` workflows not measured, `idle` workflows one at a time (dispatch latency at
// idle), then `workflows` more, closed-loop with `in-flight` at once, or open-loop at `rate`
// workflows/s when given. --mode=growth: one workflow at a time of 10, 100 and 1,000 steps,
// sequential then parallel; the cost of each step; then the reads (GET of a
// workflow of 10,000 events, the list at 1,000,000 executions), which
// --mode=reads runs alone. Kafka is AGENTSTUDIO_KAFKA_BROKERS (else the
// test broker), PostgreSQL the server of AGENTSTUDIO_PG_ADMIN_URL: either may be remote.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agentstudio/v1/workflow_event.pb.h"
#include "bench/constant_rate_client.hpp"
#include "bench/process_usage.hpp"
#include "consumers/tail_consumer.hpp"
#include "engine/definition_parser.hpp"
#include "engine/timestamp.hpp"
#include "producers/command_producer.hpp"
#include "schemas/command_codec.hpp"
#include "schemas/ids.hpp"
#include "schemas/message_decoding.hpp"
#include "sql/database.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process_stack.hpp"

using namespace agentstudio;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string mode = "load";
  std::string via = "kafka";
  int workflows = 2000;
  int steps = 3;
  std::string pattern = "sequential";
  int in_flight = 500;
  double rate = 0;  // workflows/s; 0: closed loop
  int idle = 50;
  int warmup = 3000;  // workflows run first and not measured: the broker's JIT warms up
  int schedulers = 2;  // one a core: a single one left 15 % of the machine idle under load
  int agents = 1;
  int partitions = 6;
  int timeout_s = 600;
  std::vector<double> post_rates = {500, 1000, 2000, 4000};    // --mode=rest, requests/s
  std::vector<double> get_rates = {2500, 5000, 10000, 15000};  // --mode=rest, requests/s
  int rest_seconds = 5;                                        // per rate
};

std::vector<double> ParseRates(const std::string& list) {
  std::vector<double> rates;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = list.find(',', start);
    const std::string item =
        list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) rates.push_back(std::stod(item));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return rates;
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const size_t eq = arg.find('=');
    if (arg.rfind("--", 0) != 0 || eq == std::string::npos) {
      std::fprintf(stderr, "unknown argument %s (see the head of bench/load_driver.cpp)\n",
                   arg.c_str());
      std::exit(2);
    }
    const std::string key = arg.substr(2, eq - 2), value = arg.substr(eq + 1);
    const std::map<std::string, std::function<void()>> setters = {
        {"mode", [&] { o.mode = value; }},
        {"via", [&] { o.via = value; }},
        {"workflows", [&] { o.workflows = std::stoi(value); }},
        {"steps", [&] { o.steps = std::stoi(value); }},
        {"pattern", [&] { o.pattern = value; }},
        {"in-flight", [&] { o.in_flight = std::stoi(value); }},
        {"rate", [&] { o.rate = std::stod(value); }},
        {"idle", [&] { o.idle = std::stoi(value); }},
        {"warmup", [&] { o.warmup = std::stoi(value); }},
        {"schedulers", [&] { o.schedulers = std::stoi(value); }},
        {"agents", [&] { o.agents = std::stoi(value); }},
        {"partitions", [&] { o.partitions = std::stoi(value); }},
        {"timeout", [&] { o.timeout_s = std::stoi(value); }},
        {"post-rates", [&] { o.post_rates = ParseRates(value); }},
        {"get-rates", [&] { o.get_rates = ParseRates(value); }},
        {"rest-seconds", [&] { o.rest_seconds = std::stoi(value); }}};
    const auto setter = setters.find(key);
    if (setter == setters.end()) {
      std::fprintf(stderr, "unknown option --%s\n", key.c_str());
      std::exit(2);
    }
    setter->second();
  }
  return o;
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(p * values.size()))];
}

Json Definition(const std::string& pattern, int steps) {
  Json definition = {{"id", "bench-" + pattern + "-" + std::to_string(steps)},
                     {"name", "Bench"},
                     {"pattern", pattern}};
  for (int i = 0; i < steps; ++i) {
    definition["steps"].push_back({{"id", "s" + std::to_string(i)},
                                   {"name", "Step " + std::to_string(i)},
                                   {"agentType", "noop"}});
  }
  return definition;
}

// Counts the workflows that ended, from `workflow-events` (as any service
// that follows executions would).
class EndedWorkflows {
 public:
  void OnMessage(const kafka::InboundMessage& message) {
    auto decoded = schemas::DecodeWorkflowEvent(message.payload);
    const auto* event = std::get_if<agentstudio::v1::WorkflowEvent>(&decoded);
    if (event == nullptr) return;
    const std::string& type = event->type();
    if (type != "WorkflowCompleted" && type != "WorkflowFailed" && type != "WorkflowCancelled")
      return;
    std::lock_guard lock(mutex_);
    if (ended_.insert(event->workflow_id()).second) {
      if (type != "WorkflowCompleted") ++not_completed_;
      changed_.notify_all();
    }
  }
  size_t count() {
    std::lock_guard lock(mutex_);
    return ended_.size();
  }
  size_t not_completed() {
    std::lock_guard lock(mutex_);
    return not_completed_;
  }
  // Waits until `n` ended or the deadline; returns how many did.
  size_t WaitFor(size_t n, Clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    changed_.wait_until(lock, deadline, [&] { return ended_.size() >= n; });
    return ended_.size();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::set<std::string> ended_;
  size_t not_completed_ = 0;
};

// Submits workflows through REST (a pool of blocking clients) or the Kafka
// command producer. Thread-safe.
class Submitter {
 public:
  Submitter(const Options& options, testing::ProcessStack& stack)
      : via_rest_(options.via == "rest"), stack_(stack) {
    if (!via_rest_) {
      producer_ = std::make_unique<kafka::MessageProducer>(
          kafka::BaseProperties(stack.bootstrap(), "load-driver"), std::chrono::seconds(30));
      commands_ = std::make_unique<kafka::WorkflowCommandProducer>(*producer_, stack.topics());
    }
    for (int i = 0; i < (via_rest_ ? 16 : 1); ++i) threads_.emplace_back([this] { Work(); });
  }
  ~Submitter() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    queued_.notify_all();
    for (auto& thread : threads_) thread.join();
    if (producer_) producer_->Flush(std::chrono::seconds(30));
  }

  // Queues one submission of `definition`, tagged with `phase`.
  void Submit(const Json& definition, const std::string& phase) {
    std::lock_guard lock(mutex_);
    queue_.push_back({{"definition", definition}, {"metadata", {{"benchPhase", phase}}}});
    queued_.notify_one();
  }
  uint64_t refused() const { return refused_; }

 private:
  void Work() {
    for (;;) {
      Json body;
      {
        std::unique_lock lock(mutex_);
        queued_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;
        body = std::move(queue_.front());
        queue_.pop_front();
      }
      if (via_rest_) {
        const auto response = testing::Http("POST", stack_.Url("/api/workflows"), body.dump(),
                                            {{"Content-Type", "application/json"}});
        if (response.status != 201) {
          ++refused_;
          spdlog::warn("POST /api/workflows answered {}: {}", response.status, response.body);
        }
        continue;
      }
      const auto parsed = engine::ParseWorkflowRequest(body);
      std::vector<std::string> task_ids;
      for (size_t s = 0; s < body["definition"]["steps"].size(); ++s)
        task_ids.push_back(schemas::NewTaskId());
      commands_->Submit(schemas::MakeStartCommand(parsed.request, schemas::NewWorkflowId(),
                                                  task_ids, engine::WallClockNow()),
                        "", [this](const kafka::DeliveryResult& result) {
                          if (result.ok) return;
                          ++refused_;
                          spdlog::warn("start command not delivered: {}", result.error);
                        });
    }
  }

  const bool via_rest_;
  testing::ProcessStack& stack_;
  std::unique_ptr<kafka::MessageProducer> producer_;
  std::unique_ptr<kafka::WorkflowCommandProducer> commands_;
  std::mutex mutex_;
  std::condition_variable queued_;
  std::deque<Json> queue_;
  bool stop_ = false;
  std::atomic<uint64_t> refused_{0};
  std::vector<std::thread> threads_;
};

// Database-wide write counters: transactions that wrote (xids assigned) and
// WAL bytes, both exact at once, unlike the statistics views.
struct WriteCounters {
  int64_t xids = 0;
  double wal_bytes = 0;
};
WriteCounters ReadWriteCounters(soci::session& session) {
  WriteCounters c;
  std::string xmax;
  session << "SELECT cast(pg_snapshot_xmax(pg_current_snapshot()) AS text), "
             "cast(pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0') AS float8)",
      soci::into(xmax), soci::into(c.wal_bytes);
  c.xids = std::stoll(xmax);
  return c;
}

// Rows inserted, updated and deleted in each of this database's tables, most
// first, once every other connection to it is gone (until then their
// statistics may be unflushed).
std::vector<std::pair<std::string, double>> RowsWritten(soci::session& session) {
  int others = 1;
  for (int i = 0; i < 100 && others > 0; ++i) {
    session << "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
               "AND pid <> pg_backend_pid()",
        soci::into(others);
    if (others > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::vector<std::pair<std::string, double>> out;
  const soci::rowset<soci::row> rows =
      session.prepare << "SELECT relname, cast(n_tup_ins + n_tup_upd + n_tup_del AS float8) "
                         "FROM pg_stat_user_tables WHERE n_tup_ins + n_tup_upd + n_tup_del > 0 "
                         "ORDER BY 2 DESC, 1";
  for (const soci::row& row : rows) out.emplace_back(row.get<std::string>(0), row.get<double>(1));
  return out;
}

struct RoleUsage {
  std::string role;
  double cpu_seconds = 0;  // during the measured phase
  double peak_rss_mb = 0;
};

// CPU used since construction by each role process and, when they run on
// this machine, by PostgreSQL (every process of the server) and the Kafka
// broker; and by the whole machine.
class Usage {
 public:
  explicit Usage(testing::ProcessStack& stack) {
    for (size_t i = 0; i < stack.role_count(); ++i)
      processes_.push_back({stack.role(i), {stack.process(i).pid()}, false});
    // PostgreSQL by its postmaster's tree: backends come and go.
    std::vector<pid_t> postmasters;
    const std::vector<pid_t> all = bench::FindProcesses("postgres", "");
    for (const pid_t pid : all) {
      if (std::find(all.begin(), all.end(), bench::ParentOf(pid)) == all.end())
        postmasters.push_back(pid);
    }
    processes_.push_back({"postgresql", postmasters, /*tree=*/true});
    processes_.push_back({"kafka", bench::FindProcesses("", "kafka.Kafka"), false});
    for (const Watched& w : processes_) start_.push_back(Sum(w).cpu_seconds);
    machine_ = bench::ReadMachineCpu();
  }
  std::vector<RoleUsage> Now() const {
    std::vector<RoleUsage> out;
    for (size_t i = 0; i < processes_.size(); ++i) {
      if (processes_[i].pids.empty()) continue;  // not on this machine
      const bench::ProcessUsage now = Sum(processes_[i]);
      out.push_back({processes_[i].name, now.cpu_seconds - start_[i], now.peak_rss_mb});
    }
    return out;
  }
  // The share of the machine's CPU that was busy since construction.
  double MachineBusy() const {
    const bench::MachineCpu now = bench::ReadMachineCpu();
    return (now.busy_seconds - machine_.busy_seconds) /
           std::max(1e-9, now.total_seconds - machine_.total_seconds);
  }
  double Cpu(const std::string& role) const {
    double sum = 0;
    for (const RoleUsage& r : Now())
      if (r.role == role) sum += r.cpu_seconds;
    return sum;
  }

 private:
  struct Watched {
    std::string name;
    std::vector<pid_t> pids;
    bool tree;  // each pid with all it started (ReadTreeUsage)
  };
  static bench::ProcessUsage Sum(const Watched& watched) {
    bench::ProcessUsage sum;
    for (const pid_t pid : watched.pids) {
      const bench::ProcessUsage one =
          watched.tree ? bench::ReadTreeUsage(pid) : bench::ReadProcessUsage(pid);
      sum.cpu_seconds += one.cpu_seconds;
      sum.peak_rss_mb = std::max(sum.peak_rss_mb, one.peak_rss_mb);
    }
    return sum;
  }

  std::vector<Watched> processes_;
  std::vector<double> start_;
  bench::MachineCpu machine_;
};

std::vector<double> Column(soci::session& session, const std::string& query) {
  std::vector<double> values;
  double value = 0;
  soci::indicator indicator = soci::i_ok;
  soci::statement statement = (session.prepare << query, soci::into(value, indicator));
  statement.execute();
  while (statement.fetch())
    if (indicator == soci::i_ok) values.push_back(value);
  return values;
}

void PrintLatencies(const char* what, const std::vector<double>& values) {
  std::printf("  %-40s p50 %7.1f ms  p99 %7.1f ms  p99.9 %7.1f ms  (%zu)\n", what,
              Percentile(values, 0.5), Percentile(values, 0.99), Percentile(values, 0.999),
              values.size());
}

// Dispatch latency (steps after the first: from the previous step's
// completion applied to the task received) and end-to-end latency of a phase.
void ReportLatencies(soci::session& session, const std::string& phase) {
  const std::string of_phase =
      " FROM tasks t JOIN workflow_executions e ON e.id = t.workflow_id "
      "WHERE e.metadata->>'benchPhase' = '" +
      phase + "'";
  PrintLatencies("step-to-step dispatch",
                 Column(session,
                        "SELECT cast(t.response->'metadata'->>'dispatchLatencyMs' AS "
                        "float8)" +
                            of_phase + " AND t.position > 0"));
  PrintLatencies("workflow end to end",
                 Column(session,
                        "SELECT extract(epoch FROM e.completed_at - e.created_at) * 1000 "
                        "FROM workflow_executions e WHERE e.metadata->>'benchPhase' = '" +
                            phase + "'"));
}

// Submits `count` workflows, one more each time fewer than `in_flight` are
// under way; `base` workflows ended before.
void SubmitClosedLoop(Submitter& submitter, EndedWorkflows& ended, const Json& definition,
                      const std::string& phase, int count, int in_flight, size_t base,
                      Clock::time_point deadline) {
  for (int i = 0; i < count; ++i) {
    if (i >= in_flight) ended.WaitFor(base + i - in_flight + 1, deadline);
    submitter.Submit(definition, phase);
  }
}

// Runs `warmup` 3-step workflows, closed loop, and waits for their end;
// returns how many ended. A broker started a moment ago spends half its CPU
// compiling (HotSpot's C2) until its hot paths are.
size_t WarmUp(const Options& o, Submitter& submitter, EndedWorkflows& ended,
              Clock::time_point deadline) {
  SubmitClosedLoop(submitter, ended, Definition("sequential", 3), "warmup", o.warmup, o.in_flight,
                   0, deadline);
  return ended.WaitFor(o.warmup, deadline);
}

int RunLoad(const Options& o, testing::ProcessStack& stack, EndedWorkflows& ended,
            soci::session& session) {
  Submitter submitter(o, stack);
  const Json definition = Definition(o.pattern, o.steps);
  const auto deadline = Clock::now() + std::chrono::seconds(o.timeout_s);

  size_t expected = WarmUp(o, submitter, ended, deadline);
  for (int i = 0; i < o.idle; ++i) {
    submitter.Submit(definition, "idle");
    ++expected;
    if (ended.WaitFor(expected, deadline) < expected) break;
  }
  if (o.idle > 0) {
    std::printf("idle: %d workflows of %d %s no-op steps, one at a time, via %s\n", o.idle, o.steps,
                o.pattern.c_str(), o.via.c_str());
    ReportLatencies(session, "idle");
  }

  const Usage usage(stack);
  const WriteCounters before = ReadWriteCounters(session);
  const size_t base = expected;
  const auto start = Clock::now();
  if (o.rate > 0) {
    for (int i = 0; i < o.workflows; ++i) {
      std::this_thread::sleep_until(
          start + std::chrono::microseconds(static_cast<int64_t>(i * 1e6 / o.rate)));
      submitter.Submit(definition, "load");
    }
  } else {
    SubmitClosedLoop(submitter, ended, definition, "load", o.workflows, o.in_flight, base,
                     deadline);
  }
  expected = base + o.workflows;
  const size_t reached = ended.WaitFor(expected, deadline);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const WriteCounters after = ReadWriteCounters(session);
  const std::vector<RoleUsage> roles = usage.Now();
  const double busy = usage.MachineBusy();
  const double done = static_cast<double>(reached - base);
  const double tasks = done * o.steps;

  std::printf("load: %d workflows of %d %s no-op steps via %s, %s\n", o.workflows, o.steps,
              o.pattern.c_str(), o.via.c_str(),
              o.rate > 0
                  ? ("open loop at " + std::to_string(std::lround(o.rate)) + " workflows/s").c_str()
                  : ("closed loop, " + std::to_string(o.in_flight) + " in flight").c_str());
  std::printf(
      "  ended %.0f (%zu not completed, %lu refused) in %.2f s: %.1f workflows/s, %.1f "
      "tasks/s\n",
      done, ended.not_completed(), static_cast<unsigned long>(submitter.refused()), seconds,
      done / seconds, tasks / seconds);
  ReportLatencies(session, "load");
  for (const RoleUsage& r : roles) {
    std::printf("  %-10s cpu %6.2f s (%5.1f%% of a core, %.3f ms per task)  peak rss %6.1f MB\n",
                r.role.c_str(), r.cpu_seconds, 100 * r.cpu_seconds / seconds,
                1000 * r.cpu_seconds / std::max(1.0, tasks), r.peak_rss_mb);
  }
  std::printf("  machine: %.0f%% of its CPU busy\n", 100 * busy);
  std::printf("  postgresql: %.2f write transactions and %.0f WAL bytes per task\n",
              static_cast<double>(after.xids - before.xids) / std::max(1.0, tasks),
              (after.wal_bytes - before.wal_bytes) / std::max(1.0, tasks));
  return reached == expected && ended.not_completed() == 0 ? 0 : 1;
}

void PrintRateRun(const char* what, const bench::RateRun& r) {
  std::string statuses;
  for (const auto& [code, count] : r.statuses)
    statuses += " " + std::to_string(code) + ":" + std::to_string(count);
  std::printf(
      "  %-28s offered %6.0f/s achieved %6.0f/s  p50 %7.2f ms  p99 %7.2f ms  p99.9 %7.2f ms"
      "  (%zu requests, %zu unexpected; statuses%s)\n",
      what, r.offered, r.achieved, r.p50_ms, r.p99_ms, r.p999_ms, r.requests, r.unexpected,
      statuses.c_str());
}

// Connections for a rate: enough that one slow answer does not hold up the
// requests due behind it (about 20 ms of requests each).
int ConnectionsFor(double rate) { return std::clamp(static_cast<int>(rate / 50), 4, 256); }

// REST latency at fixed offered rates: POST /api/workflows (one noop step;
// the workflows run meanwhile, as they would), then GET of one execution.
int RunRest(const Options& o, testing::ProcessStack& stack, EndedWorkflows& ended,
            soci::session& session) {
  {
    Submitter submitter(o, stack);
    const auto deadline = Clock::now() + std::chrono::seconds(o.timeout_s);
    WarmUp(o, submitter, ended, deadline);
  }
  const std::string body = Json{{"definition", Definition("sequential", 1)}}.dump();
  std::printf(
      "rest: constant rate (requests due at fixed times, latency from when due), HTTP/1.1 "
      "keep-alive, %d s per rate\n",
      o.rest_seconds);
  const std::chrono::milliseconds duration(o.rest_seconds * 1000);
  for (const double rate : o.post_rates) {
    PrintRateRun("POST /api/workflows",
                 bench::RunAtConstantRate({"POST", stack.Url("/api/workflows"), body, 201}, rate,
                                          duration, ConnectionsFor(rate)));
    // Let the workflows of this rate run out before the next rate.
    int64_t running = 1;
    const auto deadline = Clock::now() + std::chrono::seconds(o.timeout_s);
    while (running > 0 && Clock::now() < deadline) {
      session << "SELECT count(*) FROM workflow_executions WHERE status IN ('pending', 'running')",
          soci::into(running);
      if (running > 0) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  const auto created = testing::Http("POST", stack.Url("/api/workflows"), body,
                                     {{"Content-Type", "application/json"}});
  const std::string id = created.Json().value("id", "");
  for (const double rate : o.get_rates) {
    PrintRateRun("GET /api/workflows/{id}",
                 bench::RunAtConstantRate({"GET", stack.Url("/api/workflows/" + id), "", 200}, rate,
                                          duration, ConnectionsFor(rate)));
  }
  return 0;
}

int64_t CountOf(soci::session& session, const std::string& query) {
  long long n = 0;
  session << query, soci::into(n);
  return n;
}

// Reads that must not slow down as data grows: GET of one workflow with
// 10,000 events (10 no-op steps, each reporting progress 1,000 times),
// and GET /api/workflows as the table grows to 1,000,000 executions (the rows
// beyond the real ones are inserted by SQL, to 100,000 then 1,000,000: completed one-step
// executions, one a second into the past).
bool RunReads(testing::ProcessStack& stack, Submitter& submitter, EndedWorkflows& ended,
              size_t& expected, Clock::time_point deadline, soci::session& session) {
  Json chatty = Definition("sequential", 10);
  for (Json& step : chatty["steps"]) step["configuration"] = {{"progressEvents", 1000}};
  submitter.Submit(chatty, "reads");
  ++expected;
  if (ended.WaitFor(expected, deadline) < expected) return false;
  std::string id;
  session << "SELECT id FROM workflow_executions WHERE metadata->>'benchPhase' = 'reads'",
      soci::into(id);
  const int64_t events =
      CountOf(session, "SELECT count(*) FROM workflow_events WHERE workflow_id = '" + id + "'");
  const auto one = testing::Http("GET", stack.Url("/api/workflows/" + id));
  std::printf("reads: constant rate, latency from when each request was due\n");
  char what[96];
  std::snprintf(what, sizeof what, "GET, %lld events (%zu KB)", static_cast<long long>(events),
                one.body.size() / 1024);
  PrintRateRun(what, bench::RunAtConstantRate({"GET", stack.Url("/api/workflows/" + id), "", 200},
                                              10, std::chrono::seconds(5), 4));

  const std::vector<std::pair<const char*, std::string>> lists = {
      {"GET /api/workflows", "/api/workflows"},
      {"  ?status=completed", "/api/workflows?status=completed&sortBy=completedAt"},
      {"  ?offset=900", "/api/workflows?offset=900"}};
  const auto measure_lists = [&] {
    const int64_t rows = CountOf(session, "SELECT count(*) FROM workflow_executions");
    std::printf("  with %lld executions:\n", static_cast<long long>(rows));
    for (const auto& [name, path] : lists) {
      PrintRateRun(name, bench::RunAtConstantRate({"GET", stack.Url(path), "", 200}, 20,
                                                  std::chrono::seconds(5), 4));
    }
  };
  measure_lists();
  // Filled up by SQL, to 100,000 and then to 1,000,000.
  for (const long long target : {100000LL, 1000000LL}) {
    // Named: SOCI runs a one-off statement after its temporaries are gone.
    const long long first = CountOf(session, "SELECT count(*) FROM workflow_executions") + 1;
    session << "INSERT INTO workflow_executions (id, definition_id, pattern, status, definition, "
               "created_at, started_at, completed_at, updated_at) "
               "SELECT 'synthetic-' || n, 'bench-synthetic', 'sequential', 'completed', "
               "'{\"id\": \"bench-synthetic\", \"name\": \"S\", \"pattern\": \"sequential\", "
               "\"steps\": []}', t, t, t, t "
               "FROM (SELECT n, now() - n * interval '1 second' AS t "
               "FROM generate_series(cast(:first AS bigint), cast(:last AS bigint)) AS n) AS s",
        soci::use(first, "first"), soci::use(target, "last");
    session << "ANALYZE workflow_executions";
    measure_lists();
  }
  return true;
}

int RunGrowth(const Options& o, testing::ProcessStack& stack, EndedWorkflows& ended,
              soci::session& session) {
  Submitter submitter(o, stack);
  const auto deadline = Clock::now() + std::chrono::seconds(o.timeout_s);
  size_t expected = WarmUp(o, submitter, ended, deadline);
  bool ok = true;
  std::printf(
      "growth: one workflow at a time via %s; per step: wall time, scheduler cpu, "
      "write transactions, WAL bytes\n",
      o.via.c_str());
  for (const std::string pattern : {"sequential", "parallel"}) {
    for (const int steps : {10, 100, 1000}) {
      const int runs = std::max(1, 1000 / steps / 10 * 3);  // 30, 3, 1
      const Json definition = Definition(pattern, steps);
      const Usage usage(stack);
      const WriteCounters before = ReadWriteCounters(session);
      const auto start = Clock::now();
      for (int r = 0; r < runs; ++r) {
        submitter.Submit(definition, pattern + std::to_string(steps));
        ++expected;
        ok = ended.WaitFor(expected, deadline) >= expected && ok;
      }
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      const WriteCounters after = ReadWriteCounters(session);
      const double total_steps = static_cast<double>(runs) * steps;
      std::printf(
          "  %-10s %5d steps x %2d: %7.2f ms wall  %6.3f ms scheduler cpu  %5.2f xacts  "
          "%7.0f WAL bytes\n",
          pattern.c_str(), steps, runs, ms / total_steps,
          1000 * usage.Cpu("scheduler") / total_steps,
          static_cast<double>(after.xids - before.xids) / total_steps,
          (after.wal_bytes - before.wal_bytes) / total_steps);
    }
  }
  ok = RunReads(stack, submitter, ended, expected, deadline, session) && ok;
  return ok && ended.not_completed() == 0 ? 0 : 1;
}

// --mode=reads: the reads of the growth mode alone.
int RunReadsOnly(const Options& o, testing::ProcessStack& stack, EndedWorkflows& ended,
                 soci::session& session) {
  Submitter submitter(o, stack);
  const auto deadline = Clock::now() + std::chrono::seconds(o.timeout_s);
  size_t expected = WarmUp(o, submitter, ended, deadline);
  const bool ok = RunReads(stack, submitter, ended, expected, deadline, session);
  return ok && ended.not_completed() == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = Parse(argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // each figure as it is measured, through tee too
  spdlog::set_level(spdlog::level::warn);
  testing::ProcessStackOptions stack_options;
  stack_options.schedulers = options.schedulers;
  stack_options.agents = options.agents;
  stack_options.partitions = options.partitions;
  stack_options.agent_types = {"noop"};
  stack_options.env = {{"AGENTSTUDIO_LOG_LEVEL", "warn"}};
  if (const char* brokers = std::getenv("AGENTSTUDIO_KAFKA_BROKERS"); brokers && *brokers)
    stack_options.kafka = brokers;
  testing::ProcessStack stack(stack_options);
  auto session = store::Connect(stack.database().url());

  EndedWorkflows ended;
  kafka::TailReader feed(kafka::BaseProperties(stack.bootstrap(), "load-driver-feed"),
                         {stack.topics().workflow_events()},
                         [&](const kafka::InboundMessage& m) { ended.OnMessage(m); });
  feed.Start();

  const int status = options.mode == "growth"  ? RunGrowth(options, stack, ended, *session)
                     : options.mode == "reads" ? RunReadsOnly(options, stack, ended, *session)
                     : options.mode == "rest"  ? RunRest(options, stack, ended, *session)
                                               : RunLoad(options, stack, ended, *session);
  feed.Stop();
  const std::vector<std::string> unclean = stack.Stop();
  for (const std::string& role : unclean) std::fprintf(stderr, "not drained: %s\n", role.c_str());
  if (options.mode == "load") {
    // Backends flush their table statistics as they exit: read them once
    // the stopped roles' connections are gone.
    const double tasks = static_cast<double>(options.idle + options.workflows) * options.steps +
                         options.warmup * 3.0;
    double total = 0;
    std::string by_table;
    for (const auto& [table, rows] : RowsWritten(*session)) {
      total += rows;
      by_table += fmt::format("{}{} {:.2f}", by_table.empty() ? "" : ", ", table, rows / tasks);
    }
    std::printf("  postgresql: %.1f rows written per task (all phases): %s\n", total / tasks,
                by_table.c_str());
  }
  if (status != 0) std::fprintf(stderr, "%s\n", stack.Output().c_str());
  return status;
}
