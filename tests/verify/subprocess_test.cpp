// Engine runs as child processes: exit codes, signals and deadlines come back as values.
#include "verify/subprocess.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace iovacheck::verify {
namespace {

std::string scratch(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("iovacheck-subprocess-" + name)).string();
}

std::vector<CommandResult> run(const std::vector<Command>& commands, unsigned jobs) {
  std::vector<CommandResult> results(commands.size());
  run_commands(commands, jobs, [&](std::size_t index, const CommandResult& result) { results[index] = result; });
  return results;
}

TEST(RunCommands, ReportsExitCodeAndOutput) {
  const auto results = run({Command{{"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, scratch("exit"), 0, {}}}, 1);
  EXPECT_EQ(results[0].exit_code, 3);
  EXPECT_EQ(results[0].signal, 0);
  EXPECT_FALSE(results[0].timed_out);
  EXPECT_EQ(results[0].output, "out\nerr\n");
}

TEST(RunCommands, SetsTheCommandsEnvironmentOverTheInheritedOne) {
  setenv("IOVACHECK_SUBPROCESS_TEST", "inherited", 1);
  setenv("IOVACHECK_SUBPROCESS_KEPT", "kept", 1);
  const auto results = run({Command{{"/bin/sh", "-c", "echo $IOVACHECK_SUBPROCESS_TEST $IOVACHECK_SUBPROCESS_KEPT"},
                                    scratch("environment"), 0, {"IOVACHECK_SUBPROCESS_TEST=set"}}},
                           1);
  EXPECT_EQ(results[0].output, "set kept\n");
}

TEST(RunCommands, ReportsASignalAsSuch) {
  const auto results = run({Command{{"/bin/sh", "-c", "kill -ABRT $$"}, scratch("signal"), 0, {}}}, 1);
  EXPECT_EQ(results[0].signal, 6);
  EXPECT_FALSE(results[0].timed_out);
}

TEST(RunCommands, KillsAChildAtItsDeadline) {
  const auto results = run({Command{{"/bin/sleep", "30"}, scratch("deadline"), 0.3, {}}}, 1);
  EXPECT_TRUE(results[0].timed_out);
  EXPECT_EQ(results[0].signal, 9);
  EXPECT_LT(results[0].seconds, 10);
}

TEST(RunCommands, RunsJobsAtOnceAndEveryCommandOnce) {
  std::vector<Command> commands;
  for (int i = 0; i < 4; ++i) {
    commands.push_back(Command{{"/bin/sh", "-c", "sleep 0.3; echo " + std::to_string(i)}, scratch("job" + std::to_string(i)), 0, {}});
  }
  const auto results = run(commands, 4);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(results[static_cast<std::size_t>(i)].output, std::to_string(i) + "\n");
  double longest = 0;
  for (const CommandResult& result : results) longest = std::max(longest, result.seconds);
  EXPECT_LT(longest, 2.0);  // all four ran side by side, none waited for another
}

TEST(RunCommands, ThrowsWhenAProgramCannotStart) {
  EXPECT_THROW(run({Command{{"/nonexistent/program"}, scratch("missing"), 0, {}}}, 1), std::runtime_error);
}

}  // namespace
}  // namespace iovacheck::verify
