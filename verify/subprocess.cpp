#include "verify/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>

#include "fuzz/text_files.h"

extern char** environ;

namespace iovacheck::verify {

namespace {

using Clock = std::chrono::steady_clock;

struct Running {
  std::size_t index = 0;
  Clock::time_point started;
};

pid_t spawn(const Command& command) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, command.output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<char*> argv;
  for (const std::string& argument : command.argv) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  // The command's entries first, and the inherited ones they do not name.
  std::vector<char*> envp;
  for (const std::string& entry : command.environment) envp.push_back(const_cast<char*>(entry.c_str()));
  for (char** inherited = environ; *inherited != nullptr; ++inherited) {
    const std::string_view entry(*inherited);
    const bool overridden = std::any_of(command.environment.begin(), command.environment.end(), [&](const std::string& set) {
      return entry.substr(0, entry.find('=') + 1) == std::string_view(set).substr(0, set.find('=') + 1);
    });
    if (!overridden) envp.push_back(*inherited);
  }
  envp.push_back(nullptr);
  pid_t pid = 0;
  const int error = posix_spawn(&pid, argv.front(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    throw std::runtime_error("cannot start '" + command.argv.front() + "': " + std::strerror(error));
  }
  return pid;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

void run_commands(const std::vector<Command>& commands, unsigned jobs,
                  const std::function<void(std::size_t, const CommandResult&)>& on_done) {
  std::map<pid_t, Running> running;
  std::map<pid_t, bool> killed;
  std::size_t next = 0;
  while (next < commands.size() || !running.empty()) {
    while (next < commands.size() && running.size() < std::max(jobs, 1u)) {
      running[spawn(commands[next])] = Running{next, Clock::now()};
      ++next;
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid > 0 && running.contains(pid)) {
      const Running done = running[pid];
      running.erase(pid);
      CommandResult result;
      result.seconds = seconds_since(done.started);
      result.timed_out = killed[pid];
      if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
      if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
      result.output = fuzz::read_text(commands[done.index].output_path);
      on_done(done.index, result);
      continue;
    }
    if (pid < 0 && errno != EINTR && errno != ECHILD) throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
    for (const auto& [child, state] : running) {
      const double deadline = commands[state.index].deadline_seconds;
      if (deadline > 0 && !killed[child] && seconds_since(state.started) > deadline) {
        kill(child, SIGKILL);
        killed[child] = true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace iovacheck::verify
