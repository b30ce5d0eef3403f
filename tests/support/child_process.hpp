#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace agentstudio::testing {

// A child process with extra environment variables, its stdout and stderr
// going to files. Killed (SIGKILL) on destruction if still running.
class ChildProcess {
 public:
  ChildProcess(const std::string& program, const std::vector<std::string>& args,
               const std::map<std::string, std::string>& env, const std::string& name);
  ~ChildProcess();

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The first line of stdout, once written (nullopt after `timeout`).
  std::optional<std::string> FirstLine(std::chrono::milliseconds timeout);
  // Sends a signal.
  void Signal(int signal);
  // Waits for the exit; returns the exit status (128 + signal when killed),
  // or nullopt if still running after `timeout`.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  bool Running();
  pid_t pid() const { return pid_; }
  std::string Output() const;  // stdout and stderr so far, for failure messages

  // Runs a program to completion; returns (exit status, stdout).
  static std::pair<int, std::string> Run(const std::string& program,
                                         const std::vector<std::string>& args,
                                         const std::map<std::string, std::string>& env);

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string stdout_path_;
  std::string stderr_path_;
};

// The whole file at `path`; empty when it cannot be read.
std::string ReadFile(const std::string& path);

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();

}  // namespace agentstudio::testing
