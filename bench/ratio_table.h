#pragma once
// The console reporter, plus what the ratio table needs: per scenario, each subject's CPU time
// per allocator operation and its ratio against mainline, printed after the run.
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

namespace iovacheck::bench {

class RatioReporter final : public benchmark::ConsoleReporter {
 public:
  RatioReporter() : benchmark::ConsoleReporter(OO_Tabular) {}

  bool ReportContext(const Context& context) override;
  void ReportRuns(const std::vector<Run>& runs) override;

  // The environment, then one block per scenario that ran.
  void print_table(std::ostream& out) const;

 private:
  struct Result {
    double cpu_seconds_per_iteration = 0;  // summed over repetitions until printed
    unsigned repetitions = 0;
    std::string error;
    std::optional<double> fail_rate;
  };
  struct ScenarioResults {
    std::vector<std::string> order;  // subjects as they ran
    std::map<std::string, Result> by_subject;
  };

  void print_environment(std::ostream& out) const;
  void print_scenario(std::ostream& out, const std::string& name, const ScenarioResults& results) const;

  int cpus_ = 0;
  double mhz_ = 0;
  std::vector<double> load_at_start_;
  std::map<std::string, ScenarioResults> scenarios_;
};

}  // namespace iovacheck::bench
