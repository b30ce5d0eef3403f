#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace agentstudio::daemon {

// The process's metrics in the Prometheus text format (version 0.0.4). Each
// sample is read when rendered, from the counters the roles keep anyway, so
// nothing is updated twice. Thread-safe.
class MetricsRegistry {
 public:
  enum class Type { kCounter, kGauge };

  // Adds a sample of the family `name` (e.g. "agentstudio_dead_lettered_total")
  // with `labels` (e.g. {{"consumer", "scheduler"}}); `read` must stay valid
  // until the registry is no longer rendered.
  void Add(const std::string& name, const std::string& help, Type type,
           std::map<std::string, std::string> labels, std::function<double()> read);

  // Every family: # HELP and # TYPE lines, then one line per sample.
  std::string Render() const;

 private:
  struct Sample {
    std::map<std::string, std::string> labels;
    std::function<double()> read;
  };
  struct Family {
    std::string help;
    Type type = Type::kCounter;
    std::vector<Sample> samples;
  };

  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;  // guarded by mutex_
};

}  // namespace agentstudio::daemon
