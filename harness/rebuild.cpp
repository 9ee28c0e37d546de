#include "harness/rebuild.h"

#include <stdexcept>

namespace iovacheck {
namespace {

// The node a hint names, when it names one of the snapshot's nodes (not the anchor).
std::optional<Range> hinted(const Snapshot& snapshot, const std::optional<NodeRef>& hint) {
  if (!hint || hint->is_anchor()) return std::nullopt;
  for (const Range& node : snapshot.nodes)
    if (node.lo == *hint->lo) return node;
  return std::nullopt;
}

}  // namespace

RebuiltTrace rebuild_through_api(const Trace& trace, std::string_view variant, const ImplementationChoice& choice) {
  if (!trace.snapshot) throw std::invalid_argument("rebuild_through_api: the trace has no snapshot");
  const Snapshot& snapshot = *trace.snapshot;
  RebuiltTrace rebuilt;
  rebuilt.trace = trace;
  rebuilt.trace.snapshot.reset();
  rebuilt.trace.steps.clear();
  const std::optional<Range> cached32 = hinted(snapshot, snapshot.cached32);
  const std::optional<Range> cached = hinted(snapshot, snapshot.cached);
  std::size_t reserves = 0, allocations = 0;
  auto add = [&](Op op) { rebuilt.trace.steps.push_back(Step{std::move(op), std::nullopt, 0}); };
  for (const Range& node : snapshot.nodes) {
    if (node == cached32 || node == cached) continue;
    add(Reserve{node.lo, node.hi});
    ++reserves;
  }
  // With every other node in place the hinted gap is the first that fits below its limit, so an
  // unaligned allocation of its size lands exactly on it; cached32 first, while max32 allows it.
  for (const std::optional<Range>& node : {cached32, cached}) {
    if (!node || (node == cached && cached == cached32)) continue;
    add(Alloc{"", node->hi - node->lo + 1, node->hi, false});
    ++allocations;
  }
  std::string how = std::to_string(reserves) + " reserve_iova, " + std::to_string(allocations) + " alloc_iova";
  const Pfn dma32 = trace.geometry.dma32_pfn;
  if (snapshot.max32 && *snapshot.max32 != dma32 && dma32 > 0) {
    // A failed search below dma32 is what sets max32_alloc_size to the request's size.
    add(Alloc{"", *snapshot.max32, dma32 - 1, true});
    how += ", 1 alloc_iova that fails below dma32";
  }
  rebuilt.prefix = rebuilt.trace.steps.size();
  rebuilt.how = how;
  rebuilt.trace.steps.insert(rebuilt.trace.steps.end(), trace.steps.begin(), trace.steps.end());

  Trace prefix_only = rebuilt.trace;
  prefix_only.steps.resize(rebuilt.prefix);
  try {
    const ExactState expected = make_exact_implementation(trace, variant, ImplementationChoice{})->exact_state();
    const auto sut = make_exact_implementation(prefix_only, variant, choice);
    for (const Step& step : prefix_only.steps) sut->apply(step.op);
    if (const auto differs = first_difference(expected, sut->exact_state()))
      rebuilt.unreachable = "after " + how + ", " + sut->name() + " differs from the snapshot: " + *differs +
                            " (snapshot vs rebuilt)";
  } catch (const std::invalid_argument& refusal) {
    rebuilt.unreachable = refusal.what();
  }
  return rebuilt;
}

}  // namespace iovacheck
