#include "bench/process_usage.hpp"

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace agentstudio::bench {

ProcessUsage ReadProcessUsage(pid_t pid) {
  ProcessUsage usage;
  const std::string dir = "/proc/" + std::to_string(pid);
  std::ifstream stat(dir + "/stat");
  std::string line;
  if (std::getline(stat, line)) {
    // The command name is in parentheses and may hold spaces: fields count
    // from the last ')'. utime and stime are fields 14 and 15.
    std::istringstream fields(line.substr(line.rfind(')') + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
      if (i == 14) utime = std::stoull(field);
      if (i == 15) stime = std::stoull(field);
    }
    usage.cpu_seconds =
        static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  std::ifstream status(dir + "/status");
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) usage.peak_rss_mb = std::stod(line.substr(6)) / 1024.0;
  }
  return usage;
}

std::vector<pid_t> FindProcesses(const std::string& comm, const std::string& cmdline_part) {
  std::vector<pid_t> found;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return found;
  while (const dirent* entry = readdir(proc)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
    if (pid <= 0) continue;
    const std::string dir = std::string("/proc/") + entry->d_name;
    std::string name, cmdline;
    std::getline(std::ifstream(dir + "/comm"), name);
    std::getline(std::ifstream(dir + "/cmdline"), cmdline, '\x01');
    if ((!comm.empty() && name == comm) ||
        (!cmdline_part.empty() && cmdline.find(cmdline_part) != std::string::npos))
      found.push_back(pid);
  }
  closedir(proc);
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
