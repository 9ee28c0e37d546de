#include "smt/explore.h"

#include <chrono>
#include <limits>
#include <memory>
#include <unordered_set>

#include "harness/implementation.h"
#include "smt/confirm.h"

namespace iovacheck::smt {
namespace {

constexpr std::size_t kRoot = std::numeric_limits<std::size_t>::max();

// A live allocation: its name and where it landed on the variant and on the reference.
struct Live {
  std::string name;
  Pfn pfn = 0;
  std::optional<Pfn> reference_pfn;
};

// One distinct state: the step that reached it from its parent, and what expanding it needs.
struct Entry {
  std::size_t parent = kRoot;
  Step step;
  std::vector<Range> nodes;  // the variant's tree, anchor included
  std::vector<Live> live;
};

struct Run {
  CheckReport report;
  std::vector<Range> nodes;  // the tree after the run, anchor included
  std::string state;         // observation and internal state: equal strings, equal futures
};

Run run(const Trace& trace, const std::string& variant) {
  auto implementation = make_implementation(trace, variant);
  Run result{check(trace, *implementation, CheckOptions{.check_expectations = false}),
             implementation->observe().nodes, {}};
  for (const Range& node : result.nodes) result.state += to_string(node);
  result.state += "|" + implementation->describe();
  return result;
}

std::optional<Pfn> allocated_pfn(const CheckReport& report) {
  const StepRecord& last = report.steps.back();
  if (last.caller_error || last.outcome.status != Outcome::Status::Ok) return std::nullopt;
  return last.outcome.pfn;
}

class Explorer {
 public:
  explicit Explorer(const ExploreOptions& options) : options_(options) {
    base_.geometry = options.alphabet.geometry;
    base_.variant = options.variant;
    entries_.push_back(Entry{});
    entries_.back().nodes.push_back(Range{kMaxPfn, kMaxPfn});
  }

  ExploreResult explore(const std::function<void(const DepthStats&)>& progress) {
    ExploreResult result;
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::size_t> frontier{0};
    for (unsigned depth = 1; depth <= options_.depth && !frontier.empty(); ++depth) {
      std::vector<std::size_t> next;
      DepthStats stats{.depth = depth};
      for (std::size_t index : frontier) {
        for (const Step& step : steps_from(entries_[index], depth)) {
          ++stats.sequences;
          if (auto found = expand(index, step, next)) {
            result.counterexample = std::move(found);
            break;
          }
        }
        if (result.counterexample) break;
      }
      stats.states = next.size();
      stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      result.depths.push_back(stats);
      if (progress) progress(stats);
      if (result.counterexample) break;
      frontier = std::move(next);
    }
    return result;
  }

 private:
  std::vector<Step> steps_from(const Entry& entry, unsigned depth) const {
    std::vector<Step> steps;
    for (Alloc& op : alloc_ops(options_.alphabet, "a" + std::to_string(depth))) steps.push_back(Step{std::move(op), {}, 0});
    if (options_.alphabet.free)
      for (const Live& live : entry.live) steps.push_back(Step{Free{Target{0, live.name}}, {}, 0});
    std::vector<Range> tree(entry.nodes.begin(), entry.nodes.end() - 1);  // without the anchor
    for (const Reserve& op : reserve_ops(options_.alphabet, tree)) steps.push_back(Step{op, {}, 0});
    return steps;
  }

  Trace trace_to(std::size_t index, const Step& last) const {
    std::vector<Step> reversed{last};
    for (std::size_t at = index; entries_[at].parent != kRoot; at = entries_[at].parent)
      reversed.push_back(entries_[at].step);
    Trace trace = base_;
    trace.steps.assign(reversed.rbegin(), reversed.rend());
    return trace;
  }

  // Runs the parent's sequence plus `step`; a new state joins `next`, a violation is returned.
  std::optional<Counterexample> expand(std::size_t parent, const Step& step, std::vector<std::size_t>& next) {
    const Trace trace = trace_to(parent, step);
    const Run on_variant = run(trace, options_.variant);
    std::optional<Run> on_reference;
    if (options_.reference) {
      on_reference = run(trace, *options_.reference);
      if (on_reference->report.violation) return std::nullopt;  // can no longer distinguish
    }
    if (on_variant.report.violation) return confirm(trace, options_.variant, options_.reference, trace.steps.size() - 1);

    Entry entry{parent, step, {}, entries_[parent].live};
    if (const auto* alloc = std::get_if<Alloc>(&step.op)) {
      if (auto pfn = allocated_pfn(on_variant.report))
        entry.live.push_back(Live{alloc->name, *pfn, on_reference ? allocated_pfn(on_reference->report) : std::nullopt});
    } else if (const auto* free = std::get_if<Free>(&step.op)) {
      std::erase_if(entry.live, [&](const Live& live) { return live.name == free->target.name; });
    }
    std::string key = on_variant.state;
    for (const Live& live : entry.live)
      key += "|" + hex(live.pfn) + (live.reference_pfn ? ":" + hex(*live.reference_pfn) : ":-");
    if (on_reference) key += "||" + on_reference->state;
    if (!seen_.insert(std::move(key)).second) return std::nullopt;
    entry.nodes = on_variant.nodes;
    entries_.push_back(std::move(entry));
    next.push_back(entries_.size() - 1);
    return std::nullopt;
  }

  const ExploreOptions& options_;
  Trace base_;
  std::vector<Entry> entries_;
  std::unordered_set<std::string> seen_;
};

}  // namespace

ExploreResult explore(const ExploreOptions& options, const std::function<void(const DepthStats&)>& progress) {
  if (const std::string error = alphabet_error(options.alphabet); !error.empty()) throw std::invalid_argument(error);
  return Explorer(options).explore(progress);
}

}  // namespace iovacheck::smt
