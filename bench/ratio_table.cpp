#include "bench/ratio_table.h"

#include <algorithm>
#include <cstdlib>
#include <iomanip>
#include <sstream>

#include "bench/suite.h"

#ifndef IOVACHECK_BUILD_TYPE
#define IOVACHECK_BUILD_TYPE "unknown"
#endif

namespace iovacheck::bench {
namespace {

// "<scenario>/<subject>": the subject is the last component, the scenario the rest.
std::pair<std::string, std::string> split_name(const std::string& name) {
  const std::size_t slash = name.rfind('/');
  if (slash == std::string::npos) return {name, ""};
  return {name.substr(0, slash), name.substr(slash + 1)};
}

std::string fixed(double value, int precision) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(precision) << value;
  return text.str();
}

std::string load_text(const std::vector<double>& load) {
  if (load.empty()) return "unknown";
  std::string text;
  for (const double each : load) {
    if (!text.empty()) text += ' ';
    text += fixed(each, 2);
  }
  return text;
}

std::vector<double> current_load() {
  double load[3] = {0, 0, 0};
  const int read = getloadavg(load, 3);
  return read <= 0 ? std::vector<double>{} : std::vector<double>(load, load + read);
}

}  // namespace

std::optional<double> RatioReporter::Result::cpu_seconds_per_iteration() const {
  if (repetitions.empty()) return median;
  return std::ranges::min(repetitions);
}

bool RatioReporter::ReportContext(const Context& context) {
  cpus_ = context.cpu_info.num_cpus;
  mhz_ = context.cpu_info.cycles_per_second / 1e6;
  load_at_start_ = current_load();
  return ConsoleReporter::ReportContext(context);
}

void RatioReporter::ReportRuns(const std::vector<Run>& runs) {
  for (const Run& run : runs) {
    const bool median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
    if (run.run_type == Run::RT_Aggregate && !median) continue;
    auto [scenario, subject] = split_name(run.run_name.function_name);
    Result& result = scenarios_[scenario][subject];
    if (run.error_occurred) {
      result.error = run.error_message;
      continue;
    }
    const double seconds = run.GetAdjustedCPUTime() / benchmark::GetTimeUnitMultiplier(run.time_unit);
    if (median)
      result.median = seconds;
    else
      result.repetitions.push_back(seconds);
    if (auto counter = run.counters.find(kFailRateCounter); counter != run.counters.end())
      result.fail_rate = counter->second.value;
  }
  ConsoleReporter::ReportRuns(runs);
}

void RatioReporter::print_table(std::ostream& out) const {
  if (scenarios_.empty()) return;  // nothing ran (a filter matched nothing, or only listing)
  out << "\n== ratio table: CPU time per allocator operation (fastest repetition), against mainline ==\n";
  print_environment(out);
  // Registration order, whatever order they ran in (--benchmark_enable_random_interleaving).
  for (const RegisteredScenario& registered : scenarios())
    if (auto found = scenarios_.find(registered.scenario.name); found != scenarios_.end())
      print_scenario(out, registered, found->second);
}

void RatioReporter::print_environment(std::ostream& out) const {
  out << "environment: " << cpus_ << " CPUs at " << fixed(mhz_, 0) << " MHz, build " << IOVACHECK_BUILD_TYPE
#ifdef NDEBUG
      << " (NDEBUG)"
#else
      << " (assertions on)"
#endif
      << ", g++ " << __VERSION__ << "\n"
      << "load average (1/5/15 min): " << load_text(load_at_start_) << " at start, " << load_text(current_load())
      << " at end\n";
}

void RatioReporter::print_scenario(std::ostream& out, const RegisteredScenario& registered,
                                   const ScenarioResults& results) const {
  const unsigned ops = std::max(registered.scenario.ops_per_iteration, 1u);
  auto per_op_us = [ops](const Result& result) { return *result.cpu_seconds_per_iteration() / ops * 1e6; };
  const auto baseline = results.find(kBaseline);
  const bool has_baseline = baseline != results.end() && baseline->second.cpu_seconds_per_iteration();

  out << "\n" << registered.scenario.name << "  (" << ops << " operations per iteration)\n";
  out << "  " << std::left << std::setw(24) << "subject" << std::right << std::setw(12) << "us/op" << std::setw(12)
      << "x mainline" << std::setw(9) << "fail %" << "  note\n";
  for (const std::string& subject : registered.subjects) {
    const auto found = results.find(subject);
    if (found == results.end()) continue;  // filtered out
    const Result& result = found->second;
    std::string time = "-";
    std::string ratio = "-";
    if (result.cpu_seconds_per_iteration()) {
      time = fixed(per_op_us(result), 3);
      if (has_baseline) ratio = fixed(per_op_us(result) / per_op_us(baseline->second), 2);
    }
    const std::string fail = result.fail_rate ? fixed(*result.fail_rate * 100, 2) : "";
    out << "  " << std::left << std::setw(24) << subject << std::right << std::setw(12) << time << std::setw(12)
        << ratio << std::setw(9) << fail << "  " << result.error << "\n";
  }
}

}  // namespace iovacheck::bench
