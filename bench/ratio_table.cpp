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

constexpr const char* kFailRateCounter = "fail_rate";

// "<scenario>/<subject>": the subject is the last component, the scenario the rest.
std::pair<std::string, std::string> split_name(const std::string& name) {
  const std::size_t slash = name.rfind('/');
  if (slash == std::string::npos) return {name, ""};
  return {name.substr(0, slash), name.substr(slash + 1)};
}

unsigned ops_per_iteration(const std::string& scenario) {
  for (const Scenario& known : scenarios())
    if (known.name == scenario) return std::max(known.ops_per_iteration, 1u);
  return 1;
}

std::string load_text(const std::vector<double>& load) {
  if (load.empty()) return "unknown";
  std::ostringstream text;
  text << std::fixed << std::setprecision(2);
  for (std::size_t i = 0; i < load.size(); ++i) text << (i ? " " : "") << load[i];
  return text.str();
}

std::vector<double> current_load() {
  double load[3] = {0, 0, 0};
  const int read = getloadavg(load, 3);
  return read <= 0 ? std::vector<double>{} : std::vector<double>(load, load + read);
}

}  // namespace

bool RatioReporter::ReportContext(const Context& context) {
  cpus_ = context.cpu_info.num_cpus;
  mhz_ = context.cpu_info.cycles_per_second / 1e6;
  load_at_start_ = current_load();
  return ConsoleReporter::ReportContext(context);
}

void RatioReporter::ReportRuns(const std::vector<Run>& runs) {
  for (const Run& run : runs) {
    if (run.run_type != Run::RT_Iteration) continue;  // repetitions are averaged here instead
    auto [scenario, subject] = split_name(run.run_name.function_name);
    ScenarioResults& results = scenarios_[scenario];
    if (!results.by_subject.count(subject)) results.order.push_back(subject);
    Result& result = results.by_subject[subject];
    if (run.error_occurred) {
      result.error = run.error_message;
      continue;
    }
    result.cpu_seconds_per_iteration += run.GetAdjustedCPUTime() / benchmark::GetTimeUnitMultiplier(run.time_unit);
    ++result.repetitions;
    if (auto counter = run.counters.find(kFailRateCounter); counter != run.counters.end())
      result.fail_rate = counter->second.value;
  }
  ConsoleReporter::ReportRuns(runs);
}

void RatioReporter::print_table(std::ostream& out) const {
  if (scenarios_.empty()) return;  // nothing ran (a filter matched nothing, or only listing)
  out << "\n== ratio table: CPU time per allocator operation, against mainline ==\n";
  print_environment(out);
  // Scenarios in registration order, whatever order the filter let them run in.
  for (const Scenario& scenario : scenarios())
    if (auto found = scenarios_.find(scenario.name); found != scenarios_.end())
      print_scenario(out, scenario.name, found->second);
}

void RatioReporter::print_environment(std::ostream& out) const {
  out << "environment: " << cpus_ << " CPUs at " << std::fixed << std::setprecision(0) << mhz_ << " MHz, build "
      << IOVACHECK_BUILD_TYPE
#ifdef NDEBUG
      << " (NDEBUG)"
#else
      << " (assertions on)"
#endif
      << ", g++ " << __VERSION__ << "\n"
      << "load average (1/5/15 min): " << load_text(load_at_start_) << " at start, " << load_text(current_load())
      << " at end\n";
}

void RatioReporter::print_scenario(std::ostream& out, const std::string& name, const ScenarioResults& results) const {
  const unsigned ops = ops_per_iteration(name);
  auto per_op_us = [ops](const Result& result) {
    return result.cpu_seconds_per_iteration / result.repetitions / ops * 1e6;
  };
  const auto baseline = results.by_subject.find(kBaseline);
  const bool has_baseline = baseline != results.by_subject.end() && baseline->second.repetitions > 0;

  out << "\n" << name << "  (" << ops << " operations per iteration)\n";
  out << "  " << std::left << std::setw(24) << "subject" << std::right << std::setw(12) << "us/op" << std::setw(12)
      << "x mainline" << std::setw(9) << "fail %" << "  note\n";
  for (const std::string& subject : results.order) {
    const Result& result = results.by_subject.at(subject);
    out << "  " << std::left << std::setw(24) << subject << std::right;
    if (result.repetitions == 0) {
      out << std::setw(12) << "-" << std::setw(12) << "-" << std::setw(9) << "-" << "  " << result.error << "\n";
      continue;
    }
    out << std::setw(12) << std::setprecision(3) << std::fixed << per_op_us(result) << std::setw(12);
    if (has_baseline)
      out << std::setprecision(2) << per_op_us(result) / per_op_us(baseline->second);
    else
      out << "-";
    out << std::setw(9);
    if (result.fail_rate)
      out << std::setprecision(2) << *result.fail_rate * 100;
    else
      out << "";
    out << "\n";
  }
}

}  // namespace iovacheck::bench
