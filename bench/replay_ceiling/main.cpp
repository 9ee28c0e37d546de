// iovacheck_replay_ceiling FILE...: what a replay costs without the checker, so the reader of
// docs/benchmarks.md ("Long traces") sees which part of a checked step is the model's. It streams
// each trace as `iovacheck replay` does (TraceStream), resolves allocation names to the pfns
// they were given, applies every step to the trace's variant on impl/ and takes each step's
// change report, as the checker would; it judges nothing. Prints steps, user CPU and steps a
// second. A benchmark with printed figures, not a test and not a verb: no model, no verdict.
#include <cstdio>
#include <iostream>
#include <string>
#include <unordered_map>
#include <variant>

#include "bench/trace_benchmark.h"
#include "harness/implementation.h"
#include "model/trace_io.h"

namespace iovacheck::bench {
namespace {

// The pfns handed out under each name, as the checker records them; a name whose allocation
// failed (or a free of an unknown one) leaves the step unapplied, as the checker's caller error.
class Names {
 public:
  // The op with its free target's name resolved; false when it names nothing live.
  bool resolve(Op& op) const {
    Target* target = std::visit(
        [](auto& each) -> Target* {
          if constexpr (requires { each.target; }) return &each.target;
          return nullptr;
        },
        op);
    if (!target || !target->by_name()) return true;
    const auto found = pfns_.find(target->name);
    if (found == pfns_.end()) return false;
    target->pfn = found->second;
    return true;
  }
  void record(const Op& op, const Outcome& outcome) {
    if (std::holds_alternative<Free>(op) || std::holds_alternative<FastFree>(op)) return forget(op);
    const std::string* name = std::visit(
        [](const auto& each) -> const std::string* {
          if constexpr (requires { each.name; }) return &each.name;
          return nullptr;
        },
        op);
    if (name && !name->empty() && outcome.status == Outcome::Status::Ok) pfns_[*name] = outcome.pfn;
  }

 private:
  // A freed name names nothing live any longer (the trace format: a caller error to free it again).
  void forget(const Op& op) {
    const Target& target = std::holds_alternative<Free>(op) ? std::get<Free>(op).target : std::get<FastFree>(op).target;
    if (target.by_name()) pfns_.erase(target.name);
  }

  std::unordered_map<std::string, Pfn> pfns_;
};

int replay_unchecked(std::istream& in, const char* path) {
  const double started = user_cpu_seconds();
  TraceStream stream(in);
  const auto sut = make_implementation(stream.head());
  ChangeReport report;
  Names names;
  Op op;
  std::size_t steps = 0;
  while (const Step* step = stream.next()) {
    op = step->op;
    if (!names.resolve(op)) continue;
    const Outcome outcome = sut->apply(op);
    sut->changes(report);
    names.record(op, outcome);
    ++steps;
  }
  const double seconds = user_cpu_seconds() - started;
  std::printf("%s: %zu steps, parse + %s alone (no checker): %.2f s user CPU, %.0f steps/s\n", path, steps,
              stream.head().variant.c_str(), seconds, static_cast<double>(steps) / seconds);
  return 0;
}

}  // namespace
}  // namespace iovacheck::bench

int main(int argc, char** argv) {
  return iovacheck::bench::run_on_each_trace(argc, argv, "iovacheck_replay_ceiling", iovacheck::bench::replay_unchecked);
}
