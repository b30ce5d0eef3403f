#include "bench/process_usage.hpp"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace agentstudio::bench {

namespace {

// Fields of /proc/<pid>/stat, counted as proc(5) does (pid is 1), from the
// state (3) on. The command name is in parentheses and may hold spaces:
// fields count from the last ')'.
std::vector<unsigned long long> StatFields(pid_t pid, int last) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::vector<unsigned long long> fields(last + 1, 0);
  if (!std::getline(stat, line)) return fields;
  std::istringstream in(line.substr(line.rfind(')') + 2));
  std::string field;
  for (int i = 3; i <= last && in >> field; ++i) {
    if (i > 3) fields[i] = std::strtoull(field.c_str(), nullptr, 10);
  }
  return fields;
}

double Seconds(unsigned long long ticks) {
  return static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double PeakRssMb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

std::vector<pid_t> AllPids() {
  std::vector<pid_t> pids;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return pids;
  while (const dirent* entry = readdir(proc)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
    if (pid > 0) pids.push_back(pid);
  }
  closedir(proc);
  return pids;
}

}  // namespace

ProcessUsage ReadProcessUsage(pid_t pid) {
  const auto f = StatFields(pid, 15);  // utime 14, stime 15
  return {Seconds(f[14] + f[15]), PeakRssMb(pid)};
}

pid_t ParentOf(pid_t pid) { return static_cast<pid_t>(StatFields(pid, 4)[4]); }

ProcessUsage ReadTreeUsage(pid_t root) {
  // The root first: a child that exits after this read and before the
  // children's is missed (a moment of one backend), never counted twice.
  const auto f = StatFields(root, 17);  // cutime 16, cstime 17
  ProcessUsage usage{Seconds(f[14] + f[15] + f[16] + f[17]), PeakRssMb(root)};
  if (usage.cpu_seconds == 0) return usage;  // gone
  for (const pid_t pid : AllPids()) {
    if (ParentOf(pid) != root) continue;
    const ProcessUsage child = ReadProcessUsage(pid);
    usage.cpu_seconds += child.cpu_seconds;
    usage.peak_rss_mb = std::max(usage.peak_rss_mb, child.peak_rss_mb);
  }
  return usage;
}

std::vector<pid_t> FindProcesses(const std::string& comm, const std::string& cmdline_part) {
  std::vector<pid_t> found;
  for (const pid_t pid : AllPids()) {
    const std::string dir = "/proc/" + std::to_string(pid);
    std::string name, cmdline;
    std::getline(std::ifstream(dir + "/comm"), name);
    std::getline(std::ifstream(dir + "/cmdline"), cmdline, '\x01');
    if ((!comm.empty() && name == comm) ||
        (!cmdline_part.empty() && cmdline.find(cmdline_part) != std::string::npos))
      found.push_back(pid);
  }
  return found;
}

MachineCpu ReadMachineCpu() {
  std::ifstream stat("/proc/stat");
  std::string cpu;
  stat >> cpu;  // the "cpu" line: user nice system idle iowait irq softirq steal
  MachineCpu out;
  unsigned long long value = 0;
  for (int i = 0; i < 8 && stat >> value; ++i) {
    const double seconds = static_cast<double>(value) / static_cast<double>(sysconf(_SC_CLK_TCK));
    out.total_seconds += seconds;
    if (i != 3 && i != 4) out.busy_seconds += seconds;
  }
  return out;
}

}  // namespace agentstudio::bench
