// The spine: what one alloc + free pair costs mainline, what judging it costs the model, and
// what one checker step (apply, validate, observe, judge) costs, at 1k, 10k and 100k live ranges.
#include <memory>
#include <optional>
#include <string>

#include "bench/checked.h"
#include "bench/suite.h"
#include "bench/workload.h"
#include "harness/implementation.h"
#include "model/checker.h"
#include "model/model.h"

namespace iovacheck::bench {
namespace {

constexpr std::size_t kLiveCounts[] = {1'000, 10'000, 100'000};

// The pair every subject runs: a 4-page size-aligned allocation below 4 GiB, then its free.
constexpr Request kPairRequest{4, true};

Geometry geometry_of(const impl::Config& config) {
  return Geometry{config.granule, config.start_pfn, config.dma32_pfn, config.mag_size, config.cpus};
}

std::optional<NodeRef> node_ref(const std::optional<Pfn>& lo) {
  if (!lo) return std::nullopt;  // the anchor, as the harness reads it
  return NodeRef{lo};
}

}  // namespace

Trace start_trace(const Layout& layout) {
  Snapshot snapshot;
  for (const impl::Node& node : layout.snapshot.nodes) snapshot.nodes.push_back(Range{node.pfn_lo, node.pfn_hi});
  snapshot.cached32 = node_ref(layout.snapshot.cached32_lo);
  snapshot.cached = node_ref(layout.snapshot.cached_lo);
  snapshot.max32 = layout.snapshot.max32_alloc_size;
  Trace trace;
  trace.geometry = geometry_of(layout.config);
  trace.variant = kBaseline;
  trace.snapshot = std::move(snapshot);
  return trace;
}

namespace {

Op pair_alloc() { return Alloc{"", kPairRequest.size, kLimit32, kPairRequest.aligned}; }

void count_live(benchmark::State& state, const Layout& layout) {
  state.counters["live"] = static_cast<double>(layout.snapshot.nodes.size());
}

void implementation_pair(benchmark::State& state, std::size_t live) {
  const Layout& layout = steady_layout(live);
  impl::Domain domain(layout.config, impl::mainline(), &layout.snapshot);
  for (auto _ : state) {
    const impl::AllocResult placed = domain.alloc_iova(kPairRequest.size, kLimit32, kPairRequest.aligned);
    if (placed.status != impl::Status::Ok) {
      state.SkipWithError("mainline could not place the pair's range");
      break;
    }
    domain.free_iova(placed.pfn);
  }
  count_live(state, layout);
}

// One pair as mainline ran it: each op, its outcome, the observation after it and what it
// reported changed.
struct RecordedPair {
  Op alloc;
  Outcome allocated;
  Observation after_alloc;
  ChangeReport alloc_changes;
  Op free;
  Outcome freed;
  Observation after_free;
  ChangeReport free_changes;
};

// The second of two pairs: the first moves cached32_node off the anchor to where every later
// pair starts, so the recorded pair is the one the implementation repeats.
std::optional<RecordedPair> record_pair(const Trace& start) {
  const std::unique_ptr<SystemUnderTest> sut = make_implementation(start);
  RecordedPair pair;
  for (int round = 0; round < 2; ++round) {
    pair.alloc = pair_alloc();
    pair.allocated = sut->apply(pair.alloc);
    if (pair.allocated.status != Outcome::Status::Ok) return std::nullopt;
    pair.after_alloc = sut->observe();
    sut->changes(pair.alloc_changes);
    pair.free = Free{Target{pair.allocated.pfn, ""}};
    pair.freed = sut->apply(pair.free);
    pair.after_free = sut->observe();
    sut->changes(pair.free_changes);
  }
  return pair;
}

// The model's state is the same before every pair (the pair's range comes and goes), so judging
// the recorded pair again and again is exactly the checker's per-step judging cost: from the
// whole observation (paranoid) or from the change report (fast).
void model_judge_pair(benchmark::State& state, std::size_t live, bool paranoid) {
  const Layout& layout = steady_layout(live);
  const Trace start = start_trace(layout);
  const std::optional<RecordedPair> pair = record_pair(start);
  if (!pair) {
    state.SkipWithError("mainline could not place the pair's range");
    return;
  }
  Model model(start.geometry, &*start.snapshot);
  for (auto _ : state) {
    std::optional<Judgement> judged = paranoid ? model.judge(pair->alloc, pair->allocated, pair->after_alloc)
                                               : model.judge(pair->alloc, pair->allocated, pair->alloc_changes);
    if (!judged)
      judged = paranoid ? model.judge(pair->free, pair->freed, pair->after_free)
                        : model.judge(pair->free, pair->freed, pair->free_changes);
    if (judged) {
      state.SkipWithError(("the model rejected mainline's pair: " + judged->reason).c_str());
      break;
    }
  }
  count_live(state, layout);
}

std::string failure_of(const CheckReport& report) {
  if (report.violation) return violation_comment(*report.violation);
  if (report.miss) return "expected " + report.miss->expected + ", got " + report.miss->actual;
  return "the checker stopped without a violation";
}

// One alloc + free through the checker; why it could not complete, or nullopt.
std::optional<std::string> checked_pair(CheckSession& session, const Step& alloc_step) {
  if (!session.step(alloc_step)) return failure_of(session.report());
  const Outcome allocated = session.report().steps.back().outcome;
  if (allocated.status != Outcome::Status::Ok) return "mainline could not place the pair's range";
  if (!session.step(Step{Free{Target{allocated.pfn, ""}}, std::nullopt, 0})) return failure_of(session.report());
  return std::nullopt;
}

void checker_pair(benchmark::State& state, std::size_t live, bool paranoid) {
  const Layout& layout = steady_layout(live);
  const Trace start = start_trace(layout);
  const std::unique_ptr<SystemUnderTest> sut = make_implementation(start);
  CheckSession session(start, *sut, checking(paranoid));
  const Step alloc_step{pair_alloc(), std::nullopt, 0};
  for (auto _ : state) {
    if (const std::optional<std::string> stopped = checked_pair(session, alloc_step)) {
      state.SkipWithError(stopped->c_str());
      break;
    }
  }
  count_live(state, layout);
}

}  // namespace

void register_pair_cost_benchmarks() {
  for (const std::size_t live : kLiveCounts) {
    const Scenario scenario{"pair/live:" + std::to_string(live), 2};
    add_case(scenario, kBaseline, [live](benchmark::State& state) { implementation_pair(state, live); });
    add_case(scenario, "model-judge", [live](benchmark::State& state) { model_judge_pair(state, live, false); });
    add_case(scenario, "checker-step", [live](benchmark::State& state) { checker_pair(state, live, false); });
    add_case(scenario, "model-judge-paranoid", [live](benchmark::State& state) { model_judge_pair(state, live, true); });
    add_case(scenario, "checker-paranoid", [live](benchmark::State& state) { checker_pair(state, live, true); });
  }
}

}  // namespace iovacheck::bench
