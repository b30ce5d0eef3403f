#include "tests/support/child_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "tests/support/wait.hpp"

extern char** environ;

namespace agentstudio::testing {
namespace {

pid_t Spawn(const std::string& program, const std::vector<std::string>& args,
            const std::map<std::string, std::string>& env, const std::string& out,
            const std::string& err) {
  std::map<std::string, std::string> merged;
  for (char** entry = environ; *entry; ++entry) {
    const std::string text = *entry;
    const auto eq = text.find('=');
    if (eq != std::string::npos) merged[text.substr(0, eq)] = text.substr(eq + 1);
  }
  for (const auto& [k, v] : env) merged[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : merged) env_strings.push_back(k + "=" + v);
  std::vector<char*> argv = {const_cast<char*>(program.c_str())};
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int out_fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err_fd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    // A test that dies (a crash, ctest's timeout) takes its daemons and
    // brokers with it instead of leaving them running.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    execve(program.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  return pid;
}

}  // namespace

ChildProcess::ChildProcess(const std::string& program, const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env, const std::string& name) {
  // Unique per child: two schedulers, or a restarted one, keep their own output.
  static std::atomic<int> children{0};
  const std::string base = ::testing::TempDir() + name + "." + std::to_string(getpid()) + "." +
                           std::to_string(++children);
  stdout_path_ = base + ".out";
  stderr_path_ = base + ".err";
  pid_ = Spawn(program, args, env, stdout_path_, stderr_path_);
}

ChildProcess::~ChildProcess() {
  if (Running()) {
    Signal(SIGKILL);
    Wait(std::chrono::seconds(10));
  }
}

std::optional<std::string> ChildProcess::FirstLine(std::chrono::milliseconds timeout) {
  std::string line;
  const bool found = WaitUntil(
      [&] {
        const std::string text = ReadFile(stdout_path_);
        const auto newline = text.find('\n');
        if (newline == std::string::npos) return false;
        line = text.substr(0, newline);
        return true;
      },
      timeout);
  return found ? std::optional<std::string>(line) : std::nullopt;
}

void ChildProcess::Signal(int signal) {
  if (pid_ > 0 && !status_) kill(pid_, signal);
}

bool ChildProcess::Running() {
  if (status_) return false;
  int raw = 0;
  const pid_t done = waitpid(pid_, &raw, WNOHANG);
  if (done == pid_) {
    status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
    return false;
  }
  return true;
}

std::optional<int> ChildProcess::Wait(std::chrono::milliseconds timeout) {
  WaitUntil([this] { return !Running(); }, timeout);
  return status_;
}

std::string ChildProcess::Output() const {
  return "--- stdout ---\n" + ReadFile(stdout_path_) + "--- stderr ---\n" + ReadFile(stderr_path_);
}

std::pair<int, std::string> ChildProcess::Run(const std::string& program,
                                              const std::vector<std::string>& args,
                                              const std::map<std::string, std::string>& env) {
  ChildProcess child(program, args, env, "run");
  const auto status = child.Wait(std::chrono::seconds(60));
  return {status.value_or(-1), ReadFile(child.stdout_path_)};
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

int FreePort() {
  // Below the kernel's ephemeral range (32768 and up), so no client's source
  // port takes it between this check and the bind of whoever asked (a Kafka
  // node restarted on the same port, say). Random, so parallel tests rarely
  // pick the same one; bound once here to check it is free.
  static thread_local std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> pick(20000, 32000);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int port = pick(random);
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(port));
    const bool free = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    close(fd);
    if (free) return port;
  }
  throw std::runtime_error("no free port between 20000 and 32000");
}

}  // namespace agentstudio::testing
