#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace agentstudio::bench {

// What /proc says about a process: CPU seconds so far (user + system) and
// the peak resident set (VmHWM). Zero for a process that is gone.
struct ProcessUsage {
  double cpu_seconds = 0;
  double peak_rss_mb = 0;
};
ProcessUsage ReadProcessUsage(pid_t pid);

// The same for a process and all it ever started: its own CPU, that of its
// children it has reaped (cutime, cstime) and that of the live ones. A
// PostgreSQL server starts and reaps a backend per connection, so summing
// the backends seen at one moment loses those that exit before the next.
ProcessUsage ReadTreeUsage(pid_t root);

// The parent of a process, 0 when it is gone.
pid_t ParentOf(pid_t pid);

// The processes of this machine whose command name is `comm` (postgres) or
// whose command line contains `cmdline_part` (kafka.Kafka).
std::vector<pid_t> FindProcesses(const std::string& comm, const std::string& cmdline_part);

// CPU seconds of the whole machine so far: busy (not idle or iowait) and total.
struct MachineCpu {
  double busy_seconds = 0;
  double total_seconds = 0;
};
MachineCpu ReadMachineCpu();

}  // namespace agentstudio::bench
