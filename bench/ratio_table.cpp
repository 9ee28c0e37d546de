#include "bench/ratio_table.h"

#include <algorithm>
#include <array>
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
    if (auto counter = run.counters.find(kPairedMedianCounter); counter != run.counters.end() && !median)
      result.paired.push_back({counter->second.value, run.counters.at(kPairedQ1Counter).value,
                               run.counters.at(kPairedQ3Counter).value, run.counters.at(kPairedLowCounter).value,
                               run.counters.at(kPairedHighCounter).value});
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
  print_checker_summary(out);
}

std::optional<double> RatioReporter::per_op_us(const std::string& scenario, const std::string& subject) const {
  const auto found = scenarios_.find(scenario);
  if (found == scenarios_.end()) return std::nullopt;
  const auto result = found->second.find(subject);
  if (result == found->second.end() || !result->second.cpu_seconds_per_iteration()) return std::nullopt;
  for (const RegisteredScenario& registered : scenarios())
    if (registered.scenario.name == scenario)
      return *result->second.cpu_seconds_per_iteration() / std::max(registered.scenario.ops_per_iteration, 1u) * 1e6;
  return std::nullopt;
}

std::optional<RatioReporter::Result::Paired> RatioReporter::paired_overhead(const std::string& live) const {
  const auto found = scenarios_.find(kPairedScenario + live);
  if (found == scenarios_.end()) return std::nullopt;
  const auto result = found->second.find("checker-overhead");
  if (result == found->second.end() || result->second.paired.empty()) return std::nullopt;
  std::vector<Result::Paired> by_median = result->second.paired;
  std::ranges::sort(by_median, {}, &Result::Paired::median);
  return by_median[by_median.size() / 2];
}

void RatioReporter::print_checker_summary(std::ostream& out) const {
  static constexpr std::array<const char*, 3> kLive = {"1000", "10000", "100000"};
  struct Workload {
    const char* label;
    const char* scenario;  // + live count
  };
  static constexpr std::array<Workload, 2> kWorkloads = {{{"pair", "pair/live:"}, {"steady", "steady-checked/live:"}}};
  bool any = false;
  for (const Workload& workload : kWorkloads)
    for (const char* live : kLive) any = any || per_op_us(std::string(workload.scenario) + live, kBaseline);
  for (const char* live : kLive) any = any || paired_overhead(live);
  if (!any) return;
  out << "\n== the checker at scale: us per allocator operation (CPU, fastest repetition), side by side ==\n"
      << "  " << std::left << std::setw(48) << "" << std::right << std::setw(12) << "1k live" << std::setw(12)
      << "10k live" << std::setw(12) << "100k live" << "\n";
  auto row = [&](const std::string& label, auto value_at) {
    out << "  " << std::left << std::setw(48) << label << std::right;
    for (const char* live : kLive) {
      const std::optional<double> value = value_at(std::string(live));
      out << std::setw(12) << (value ? fixed(*value, *value < 10 ? 3 : 1) : "-");
    }
    out << "\n";
  };
  for (const Workload& workload : kWorkloads) {
    const std::string label = workload.label;
    auto at = [&](const char* subject) {
      return [&, subject](const std::string& live) { return per_op_us(workload.scenario + live, subject); };
    };
    auto difference = [&](const char* subject) {
      return [&, subject](const std::string& live) -> std::optional<double> {
        const auto checked = per_op_us(workload.scenario + live, subject);
        const auto alone = per_op_us(workload.scenario + live, kBaseline);
        if (!checked || !alone) return std::nullopt;
        return *checked - *alone;
      };
    };
    auto ratio = [&](const char* subject) {
      return [&, subject](const std::string& live) -> std::optional<double> {
        const auto checked = per_op_us(workload.scenario + live, subject);
        const auto alone = per_op_us(workload.scenario + live, kBaseline);
        if (!checked || !alone || *alone <= 0) return std::nullopt;
        return *checked / *alone;
      };
    };
    row(label + ": mainline alone", at(kBaseline));
    row(label + ": mainline + checker (fast)", at("checker-step"));
    row(label + ": checker overhead, fast (step - alone)", difference("checker-step"));
    row(label + ": ratio (impl + checker) / impl alone, fast", ratio("checker-step"));
    row(label + ": mainline + checker (paranoid)", at("checker-paranoid"));
    row(label + ": ratio, paranoid", ratio("checker-paranoid"));
  }
  // The steady overhead again, as alternating batches measure it (bench/paired.h): the figure
  // that holds under load, where the difference above is of two runs apart.
  row("steady: checker overhead, paired batches, median", [&](const std::string& live) -> std::optional<double> {
    const auto paired = paired_overhead(live);
    return paired ? std::optional<double>(paired->median) : std::nullopt;
  });
  auto interval_row = [&](const std::string& label, double Result::Paired::*low, double Result::Paired::*high) {
    out << "  " << std::left << std::setw(48) << label << std::right;
    for (const char* live : kLive) {
      const auto paired = paired_overhead(live);
      out << std::setw(12) << (paired ? fixed((*paired).*low, 1) + ".." + fixed((*paired).*high, 1) : "-");
    }
    out << "\n";
  };
  interval_row("steady:   95% interval of that median", &Result::Paired::median_low, &Result::Paired::median_high);
  interval_row("steady:   quartiles of the batch differences", &Result::Paired::q1, &Result::Paired::q3);
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
