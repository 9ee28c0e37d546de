#pragma once
// Runs engine commands as child processes, several at a time, each with a deadline. A child
// that crashes (an ASan report, an abort) or overruns costs only its own cell, never the run.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace iovacheck::verify {

struct Command {
  std::vector<std::string> argv;  // argv[0] is the executable's path
  std::string output_path;        // the child's stdout and stderr go here
  double deadline_seconds = 0;    // killed after this long (0: no deadline)
  std::vector<std::string> environment;  // NAME=VALUE entries set on top of this process's own
};

struct CommandResult {
  int exit_code = -1;     // when it exited
  int signal = 0;         // when a signal ended it
  bool timed_out = false; // killed at its deadline
  double seconds = 0;
  std::string output;     // what it printed (stdout and stderr interleaved)
};

// Runs every command, at most `jobs` at once, in the order given. `on_done(index, result)` is
// called in the calling thread as each one ends. Throws std::runtime_error when a process cannot
// be started at all.
void run_commands(const std::vector<Command>& commands, unsigned jobs,
                  const std::function<void(std::size_t, const CommandResult&)>& on_done);

}  // namespace iovacheck::verify
