#include "tests/smt/encoding_helpers.h"

#include <functional>
#include <random>

#include "harness/implementation.h"

namespace iovacheck::smt {
namespace {

struct Generator {
  std::mt19937_64 random;
  const Alphabet& alphabet;

  Pfn below(Pfn bound) { return std::uniform_int_distribution<Pfn>(0, bound - 1)(random); }

  // A random op of the alphabet for the state `nodes` (anchor excluded) and the live names.
  Step next(unsigned step, const std::vector<Range>& nodes, const std::vector<std::string>& live) {
    const Pfn choice = below(10);
    if (choice < 2 && !live.empty()) return Step{Free{Target{0, live[below(live.size())]}}, {}, 0};
    if (choice < 3) {
      const std::vector<Reserve> free_ranges = reserve_ops(alphabet, nodes);
      if (!free_ranges.empty()) return Step{free_ranges[below(free_ranges.size())], {}, 0};
    }
    return Step{Alloc{"a" + std::to_string(step + 1), 1 + below(alphabet.max_size()), below(alphabet.space_end() + 1),
                      below(2) == 0},
                {}, 0};
  }
};

}  // namespace

std::vector<Trace> random_traces(const std::string& variant, const Alphabet& alphabet, unsigned count, unsigned steps) {
  Generator generator{std::mt19937_64(std::hash<std::string>{}(variant)), alphabet};
  std::vector<Trace> traces;
  for (unsigned t = 0; t < count; ++t) {
    Trace trace;
    trace.geometry = alphabet.geometry;
    trace.variant = variant;
    std::vector<std::string> live;
    for (unsigned step = 0; step < steps; ++step) {
      auto implementation = make_implementation(trace);
      check(trace, *implementation, CheckOptions{.check_expectations = false});
      std::vector<Range> nodes = implementation->observe().nodes;
      nodes.pop_back();  // the anchor
      trace.steps.push_back(generator.next(step, nodes, live));
      auto after = make_implementation(trace);
      const CheckReport report = check(trace, *after, CheckOptions{.check_expectations = false});
      if (report.violation) break;
      if (const auto* alloc = std::get_if<Alloc>(&trace.steps.back().op);
          alloc && report.steps.back().outcome.status == Outcome::Status::Ok)
        live.push_back(alloc->name);
      if (const auto* free = std::get_if<Free>(&trace.steps.back().op)) std::erase(live, free->target.name);
    }
    traces.push_back(std::move(trace));
  }
  return traces;
}

Alphabet alphabet_of(Pfn dma32, unsigned width, Pfn start_pfn) {
  Alphabet alphabet;
  alphabet.geometry.dma32_pfn = dma32;
  alphabet.geometry.start_pfn = start_pfn;
  alphabet.width = width;
  return alphabet;
}

z3::expr fixed_to_step(z3::context& context, const EncodedOp& op, const Step& step, unsigned width,
                       const std::function<z3::expr(const Free&)>& free_target) {
  auto pfn = [&](Pfn value) { return context.bv_val(static_cast<std::uint64_t>(value), width + 1); };
  if (const auto* alloc = std::get_if<Alloc>(&step.op))
    return op.kind == context.bv_val(Encoding::kAllocKind, 2) && op.size == pfn(alloc->size) &&
           op.limit == pfn(alloc->limit) && op.aligned == context.bool_val(alloc->aligned);
  if (const auto* free = std::get_if<Free>(&step.op))
    return op.kind == context.bv_val(Encoding::kFreeKind, 2) && op.target == free_target(*free);
  const auto& reserve = std::get<Reserve>(step.op);
  return op.kind == context.bv_val(Encoding::kReserveKind, 2) && op.lo == pfn(reserve.lo) && op.hi == pfn(reserve.hi);
}

std::string max32_described(const std::string& described) {
  const std::string key = "max32_alloc_size ";
  const std::size_t at = described.find(key);
  return described.substr(at + key.size(), described.find('\n', at) - at - key.size());
}

}  // namespace iovacheck::smt
