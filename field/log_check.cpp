#include "field/log_check.h"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "harness/rebuild.h"
#include "model/free_space.h"

namespace iovacheck::field {
namespace {

// More stand-ins than this would make the replay slow and says the counts are wrong anyway.
constexpr std::uint64_t kMaxStandIns = 100000;

std::string line_of(std::size_t line) { return "line " + std::to_string(line); }

std::optional<Pfn> field(const LogEvent& event, const char* key) {
  const auto found = event.fields.find(key);
  return found == event.fields.end() ? std::nullopt : std::optional<Pfn>(found->second);
}

std::optional<FailedRequest> find_request(const DumpLog& log, std::vector<std::string>& notes) {
  std::optional<FailedRequest> request;
  std::set<Pfn> sizes;
  for (const LogEvent& event : log.events) {
    const std::optional<Pfn> size = field(event, "size");
    if (!size) continue;
    sizes.insert(*size);
    if (!request) request = FailedRequest{*size, std::nullopt, false, event.line};
    if (*size != request->size) continue;
    if (event.kind == LogEvent::Kind::FlushRetry) request->fast = true;
    if (auto limit = field(event, "limit_pfn"); limit && !request->limit) request->limit = limit;
  }
  if (sizes.size() > 1) notes.push_back("the log names failed requests of " + std::to_string(sizes.size()) + " sizes; the first, " + hex(request->size) + ", is replayed");
  if (request && !request->limit) notes.push_back("the log does not give the request's limit_pfn: it is not replayed");
  if (request && !request->fast) notes.push_back("the log shows a tree failure only: replayed as alloc_iova, size-aligned as the DMA layer asks");
  return request;
}

std::vector<std::string> all_variant_names() {
  std::vector<std::string> names;
  for (const VariantInfo& info : implemented_variants()) names.push_back(info.name);
  return names;
}

bool holds_as_snapshot(const DumpState& state, std::string& why) {
  if (state.partial()) {
    why = "the dump is partial: the omitted nodes are unknown";
    return false;
  }
  for (std::size_t k = 1; k < state.nodes.size(); ++k)
    if (state.nodes[k].range.lo <= state.nodes[k - 1].range.hi) {
      why = "its nodes overlap (" + line_of(state.nodes[k].line) + "): no tree holds them";
      return false;
    }
  if (!state.cached.node || !state.cached32.node) {
    why = "a cached node's address resolves to no node";
    return false;
  }
  return true;
}

Trace start_trace(const DumpState& state, const std::string& variant) {
  Trace trace;
  trace.geometry = state.geometry;
  trace.variant = variant;
  trace.snapshot = state.snapshot();
  return trace;
}

RequestRun request_run(const Trace& trace, const std::string& variant) {
  const InspectedRun run = run_inspected(trace, variant);
  RequestRun result{variant, run.error, false, std::nullopt, {}, run.violation, {}};
  if (run.error || run.steps.empty()) return result;
  const StepView& last = run.steps.back();
  result.placed = last.outcome.status == Outcome::Status::Ok;
  result.node = last.outcome.node;
  result.attempts = last.attempts;
  return result;
}

// The request on a kernel: the dumped state rebuilt through its API, checked to be the dump's
// exactly, then the request (and the free before it, if any) replayed.
RequestRun kernel_request_run(const Trace& trace, const std::string& variant, const ImplementationChoice& implementation) {
  RequestRun result{implementation_name(implementation), std::nullopt, false, std::nullopt, {}, std::nullopt, {}};
  const RebuiltTrace rebuilt = rebuild_through_api(trace, variant, implementation);
  if (rebuilt.unreachable) {
    result.error = "the kernel cannot start from a snapshot, and rebuilding the state through its API does not reach it: " +
                   *rebuilt.unreachable;
    return result;
  }
  result.rebuilt = rebuilt.how;
  try {
    const auto sut = make_exact_implementation(rebuilt.trace, variant, implementation);
    result.variant = sut->name();
    Outcome last;
    for (const Step& step : rebuilt.trace.steps) last = sut->apply(step.op);
    result.placed = last.status == Outcome::Status::Ok;
    result.node = last.node;
    result.violation = check_on(rebuilt.trace, variant, implementation, CheckOptions{.check_expectations = false}).violation;
  } catch (const std::invalid_argument& refusal) {
    result.error = refusal.what();
  }
  return result;
}

// The node a flush like the seed's frees: the highest one below cached32_node (below dma32 when
// cached32_node is the anchor).
std::optional<Range> node_below_cached32(const DumpState& state) {
  const NodeRef& cached32 = *state.cached32.node;
  std::optional<Range> found;
  for (const DumpNode& node : state.nodes) {
    const bool below = cached32.is_anchor() ? node.range.hi < state.geometry.dma32_pfn : node.range.lo < *cached32.lo;
    if (below) found = node.range;
  }
  return found;
}

DumpVerdict check_dump(const Dump& dump, const std::optional<FailedRequest>& request, const std::vector<std::string>& variants,
                       const ImplementationChoice& implementation) {
  const auto replay = [&](const Trace& trace, const std::string& variant) {
    return implementation.kernel ? kernel_request_run(trace, variant, implementation) : request_run(trace, variant);
  };
  DumpVerdict verdict{read_dump(dump), {}, {}, std::nullopt, {}, {}};
  verdict.estimate = check_estimate(verdict.state);
  std::string why;
  if (!request || !request->limit) {
    verdict.replay_note = "no failed request with a limit in the log";
    return verdict;
  }
  if (!holds_as_snapshot(verdict.state, why)) {
    verdict.replay_note = "the request is not replayed from this dump: " + why;
    return verdict;
  }
  Trace trace = start_trace(verdict.state, "mainline");
  trace.steps.push_back(Step{request->op(), std::nullopt, 0});
  for (const std::string& variant : variants) verdict.as_dumped.push_back(replay(trace, variant));
  verdict.freed_below_cached32 = node_below_cached32(verdict.state);
  if (!verdict.freed_below_cached32) return verdict;
  trace.steps.insert(trace.steps.begin(), Step{Free{Target{verdict.freed_below_cached32->lo, {}}}, std::nullopt, 0});
  for (const std::string& variant : variants) verdict.after_free.push_back(replay(trace, variant));
  return verdict;
}

// ---- the history between two dumps -------------------------------------------------------

bool same_hint(const HintRef& hint, const std::optional<NodeRef>& dumped) {
  if (hint.kind == HintRef::Kind::None) return true;  // the variant keeps no such hint: nothing to compare
  if (!dumped) return false;
  if (dumped->is_anchor()) return hint.kind == HintRef::Kind::Anchor;
  return hint.kind == HintRef::Kind::Node && hint.pfn_lo == *dumped->lo;
}

std::string dumped_hint(const std::optional<NodeRef>& ref) {
  if (!ref) return "unresolved";
  return ref->is_anchor() ? "the anchor" : hex(*ref->lo);
}

class HistoryBuilder {
 public:
  HistoryBuilder(const DumpLog& log, const LogReport& report, std::size_t from, std::size_t flush_line)
      : log_(log), report_(report), a_(report.dumps[from].state), b_(report.dumps[from + 1].state) {
    history_.from = from;
    history_.to = from + 1;
    history_.flush_line = flush_line;
  }

  History build(const std::vector<std::string>& variants) {
    if (!plan()) return std::move(history_);
    for (const std::string& variant : variants) history_.runs.push_back(run(variant));
    return std::move(history_);
  }

 private:
  bool cannot(std::string why) {
    history_.cannot = std::move(why);
    return false;
  }

  // The frees the flush made and the retry after it, as a trace from the earlier dump.
  bool plan() {
    std::string why;
    if (!holds_as_snapshot(b_, why)) return cannot("the later dump cannot be replayed to: " + why);
    if (!a_.cached.node || !a_.cached32.node) return cannot("the earlier dump's cached nodes are not both among its lines");
    if (a_.geometry != b_.geometry) return cannot("the two dumps' geometries differ");
    std::set<std::pair<Pfn, Pfn>> later;
    for (const DumpNode& node : b_.nodes) later.emplace(node.range.lo, node.range.hi);
    std::vector<Range> freed;
    std::set<std::pair<Pfn, Pfn>> earlier;
    for (const DumpNode& node : a_.nodes) {
      earlier.emplace(node.range.lo, node.range.hi);
      if (!later.contains({node.range.lo, node.range.hi})) freed.push_back(node.range);
    }
    std::uint64_t later_in_unknown = 0;
    for (const DumpNode& node : b_.nodes) {
      if (earlier.contains({node.range.lo, node.range.hi})) continue;
      const bool hidden = std::ranges::any_of(a_.unknown, [&](const Range& span) { return span.contains(node.range.lo) && span.contains(node.range.hi); });
      if (!hidden) return cannot("node " + to_string(node.range) + " (" + line_of(node.line) + ") is not in the earlier dump: frees alone do not explain the later one");
      ++later_in_unknown;
    }
    const std::size_t freed_shown = freed.size();
    if (a_.partial()) {
      if (!a_.count || !b_.count) return cannot("the dumps do not both give their count: how many ranges the flush freed is unknown");
      const std::uint64_t shown = a_.nodes.size() + (a_.anchor_line ? 1 : 0);
      if (*a_.count < shown + later_in_unknown) return cannot("the earlier dump's count is below the lines it shows");
      const std::uint64_t hidden_freed = *a_.count - shown - later_in_unknown;
      if (hidden_freed > kMaxStandIns) return cannot(std::to_string(hidden_freed) + " omitted ranges: too many to replay");
      if (!add_stand_ins(hidden_freed, freed)) return cannot("the omitted spans have no room for the " + std::to_string(hidden_freed) + " omitted ranges");
      history_.reconstruction.push_back(
          std::to_string(hidden_freed) + " of the freed ranges are among the earlier dump's omitted lines (count " + std::to_string(*a_.count) + " -> " +
          std::to_string(*b_.count) + "); they lie in the omitted span" + (a_.unknown.size() > 1 ? "s" : "") + " " + spans_text() +
          ": stand-ins of one page each at the lowest free pfns there. The removal rules depend only on where a freed node lies relative to "
          "cached32_node, cached_node and dma32, and every pfn of " + spans_text() + " lies on the same side of each as its stand-in" +
          (spans_on_one_side() ? "" : " — NOT so here: the result depends on the stand-ins' places"));
    }
    std::ranges::sort(freed, {}, &Range::lo);
    history_.reconstruction.push_back(std::to_string(freed.size()) + " ranges leave the tree (" + std::to_string(freed_shown) +
                                      " of them shown), freed in ascending order (the log does not give the flush's order)");
    Trace& trace = history_.trace;
    trace = start_trace(a_, "mainline");
    trace.snapshot->nodes = sorted_ranges(b_);
    trace.snapshot->nodes.insert(trace.snapshot->nodes.end(), freed.begin(), freed.end());
    std::ranges::sort(trace.snapshot->nodes, {}, &Range::lo);
    for (const Range& range : freed) trace.steps.push_back(Step{Free{Target{range.lo, {}}}, std::nullopt, 0});
    frees_ = freed.size();
    if (auto retry = retry_failure()) {
      const FailedRequest& request = *report_.request;
      const Pfn size = request.fast ? fast_alloc_size(request.size) : request.size;
      trace.steps.push_back(Step{Alloc{"", size, *request.limit, true}, std::nullopt, 0});
      history_.reconstruction.push_back("then the retry the log reports failing (" + line_of(*retry) + "): alloc_iova(" + hex(size) + ", " +
                                        hex(*request.limit) + ", size-aligned), as alloc_iova_fast calls it after its flush");
    }
    return true;
  }

  static std::vector<Range> sorted_ranges(const DumpState& state) {
    std::vector<Range> ranges;
    for (const DumpNode& node : state.nodes) ranges.push_back(node.range);
    return ranges;
  }

  std::string spans_text() const {
    std::string text;
    for (const Range& span : a_.unknown) text += (text.empty() ? "" : ", ") + to_string(span);
    return text;
  }

  // Every omitted span lies wholly below or wholly above each of the earlier dump's hints and dma32.
  bool spans_on_one_side() const {
    std::vector<Pfn> marks = {a_.geometry.dma32_pfn};
    for (const DumpHint* hint : {&a_.cached, &a_.cached32})
      if (hint->node && !hint->node->is_anchor()) marks.push_back(*hint->node->lo);
    return std::ranges::all_of(a_.unknown, [&](const Range& span) {
      return std::ranges::all_of(marks, [&](Pfn mark) { return span.hi < mark || span.lo >= mark; });
    });
  }

  bool add_stand_ins(std::uint64_t count, std::vector<Range>& freed) const {
    const std::vector<Range> later = sorted_ranges(b_);
    for (const Range& span : a_.unknown) {
      Pfn pfn = std::max(span.lo, a_.geometry.start_pfn);
      auto next = std::ranges::lower_bound(later, pfn, {}, &Range::hi);
      while (count > 0 && pfn <= span.hi) {
        if (next != later.end() && next->lo <= pfn) {
          if (next->hi >= span.hi) break;
          pfn = next->hi + 1;
          ++next;
          continue;
        }
        freed.push_back(Range{pfn, pfn});
        --count;
        if (pfn == span.hi) break;
        ++pfn;
      }
    }
    return count == 0;
  }

  // The line of a tree failure between the flush and the later dump: the retry failed.
  std::optional<std::size_t> retry_failure() const {
    if (!report_.request || !report_.request->limit) return std::nullopt;
    for (const LogEvent& event : log_.events)
      if (event.kind == LogEvent::Kind::TreeFailure && event.line > history_.flush_line && event.line < b_.first_line &&
          field(event, "size") == report_.request->size)
        return event.line;
    return std::nullopt;
  }

  HistoryRun run(const std::string& variant) const {
    HistoryRun result;
    result.variant = variant;
    const InspectedRun run = run_inspected(history_.trace, variant);
    result.violation = run.violation;
    if (run.error) {
      result.differences.push_back("the variant cannot hold the earlier state: " + *run.error);
      return result;
    }
    explain_frees(run, result);
    if (run.steps.size() > frees_) explain_retry(run.steps.back(), result);
    compare_with_later(run.steps.empty() ? run.start : run.steps.back().after,
                       run.steps.empty() ? run.start_hints : run.steps.back().hints, result);
    result.reaches = result.differences.empty();
    return result;
  }

  void explain_frees(const InspectedRun& run, HistoryRun& result) const {
    TreeHints before = run.start_hints;
    bool max32_changed = false;
    bool cached32_moved = false;
    for (std::size_t k = 0; k < frees_; ++k) {
      const TreeHints& after = run.steps[k].hints;
      const Pfn pfn = free_target(run.steps[k].op)->pfn;
      const std::string which = "free " + std::to_string(k + 1) + " of " + std::to_string(frees_) + " (pfn_lo " + hex(pfn) + ")";
      if (!max32_changed && after.max32_alloc_size != before.max32_alloc_size) {
        result.how.push_back(which + " sets max32_alloc_size " + hex(before.max32_alloc_size) + " -> " + hex(after.max32_alloc_size) +
                             (pfn < a_.geometry.dma32_pfn ? " (its pfn_lo is below dma32)" : ""));
        max32_changed = true;
      }
      if (!cached32_moved && !same_hint(after.cached32, hint_as_ref(before.cached32))) {
        result.how.push_back(which + " moves cached32_node " + describe_hint(before.cached32) + " -> " + describe_hint(after.cached32));
        cached32_moved = true;
      }
      before = after;
    }
    if (frees_ > 0 && !max32_changed)
      result.how.push_back(std::string("no free ") + (cached32_moved ? "" : "moves cached32_node or ") + "changes max32_alloc_size (" +
                           hex(run.start_hints.max32_alloc_size) + ")" +
                           (cached32_moved ? "" : ": every freed range lies below cached32_node " + describe_hint(run.start_hints.cached32)));
  }

  static std::optional<NodeRef> hint_as_ref(const HintRef& hint) {
    if (hint.kind == HintRef::Kind::Anchor) return NodeRef{};
    if (hint.kind == HintRef::Kind::Node) return NodeRef{hint.pfn_lo};
    return std::nullopt;
  }

  void explain_retry(const StepView& retry, HistoryRun& result) const {
    const bool placed = retry.outcome.status == Outcome::Status::Ok;
    std::string text = "the retry: " + describe_attempts(retry.attempts);
    if (placed && retry.outcome.node) text += " at " + to_string(*retry.outcome.node);
    result.how.push_back(text);
    if (placed) result.differences.push_back("the retry succeeds where the log says it failed");
  }

  void compare_with_later(const Observation& observed, const TreeHints& hints, HistoryRun& result) const {
    std::vector<Range> nodes = observed.nodes;
    std::erase_if(nodes, [](const Range& node) { return node.lo == kMaxPfn; });
    if (nodes != sorted_ranges(b_)) result.differences.push_back("its nodes differ from the later dump's");
    if (!same_hint(hints.cached32, b_.cached32.node))
      result.differences.push_back("cached32_node would be " + describe_hint(hints.cached32) + ", the dump shows " + dumped_hint(b_.cached32.node));
    if (!same_hint(hints.cached, b_.cached.node))
      result.differences.push_back("cached_node would be " + describe_hint(hints.cached) + ", the dump shows " + dumped_hint(b_.cached.node));
    if (hints.max32_alloc_size != b_.max32)
      result.differences.push_back("max32_alloc_size would be " + hex(hints.max32_alloc_size) + ", the dump shows " + hex(b_.max32));
  }

  const DumpLog& log_;
  const LogReport& report_;
  const DumpState& a_;
  const DumpState& b_;
  History history_;
  std::size_t frees_ = 0;
};

std::optional<std::size_t> flush_between(const DumpLog& log, const DumpState& a, const DumpState& b) {
  for (const LogEvent& event : log.events)
    if (event.kind == LogEvent::Kind::FlushRetry && event.line > a.last_line && event.line < b.first_line) return event.line;
  return std::nullopt;
}

}  // namespace

Op FailedRequest::op() const {
  if (!limit) throw std::logic_error("FailedRequest::op without a limit");
  if (fast) return FastAlloc{"", size, *limit, 0, true};
  return Alloc{"", size, *limit, true};
}

bool LogReport::inconsistent() const {
  return std::ranges::any_of(dumps, [](const DumpVerdict& dump) { return dump.inconsistent(); });
}

LogReport check_log(const DumpLog& log, const std::vector<std::string>& variants, const ImplementationChoice& implementation) {
  const std::vector<std::string> names = variants.empty() ? all_variant_names() : variants;
  LogReport report;
  report.request = find_request(log, report.request_notes);
  for (const Dump& dump : log.dumps) report.dumps.push_back(check_dump(dump, report.request, names, implementation));
  for (std::size_t k = 0; k + 1 < report.dumps.size(); ++k) {
    const DumpState& a = report.dumps[k].state;
    const DumpState& b = report.dumps[k + 1].state;
    if (a.iovad != b.iovad) continue;
    if (const std::optional<std::size_t> flush = flush_between(log, a, b))
      report.histories.push_back(HistoryBuilder(log, report, k, *flush).build(implementation.kernel ? std::vector<std::string>{} : names));
    if (implementation.kernel && !report.histories.empty() && report.histories.back().from == k && !report.histories.back().cannot)
      report.histories.back().cannot = "not replayed on " + implementation_name(implementation) +
                                       ": the history is judged by the hints after every step, which only impl/ reports; "
                                       "the failed request is replayed on the kernel above";
  }
  return report;
}

Trace dump_trace(const DumpVerdict& dump, const std::optional<FailedRequest>& request, const std::string& variant) {
  std::string why;
  if (!holds_as_snapshot(dump.state, why)) throw std::invalid_argument("the dump at line " + std::to_string(dump.state.first_line) + " cannot be a snapshot: " + why);
  Trace trace = start_trace(dump.state, variant);
  if (request && request->limit) trace.steps.push_back(Step{request->op(), std::nullopt, 0});
  return trace;
}

}  // namespace iovacheck::field
