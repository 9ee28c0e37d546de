// iovacheck log-check: kernel logs with dump_iova_rbtree dumps, checked and replayed (field/log_check.h).
#include <array>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cli/impl_option.h"
#include "cli/text.h"
#include "cli/trace_file.h"
#include "cli/verb.h"
#include "field/log_check.h"
#include "model/trace_io.h"

namespace iovacheck::cli {

namespace {

constexpr std::array kOptions{
    OptionSpec{"variant", "NAME", "replay on this variant only (default: every variant); its violations count for the exit code"},
    OptionSpec{"emit-trace", "FILE", "write the last complete dump as a snapshot trace, the failed request its step"},
    OptionSpec{"emit-history", "FILE", "write the first history between two dumps as a trace: the earlier dump, the frees, the retry"},
    OptionSpec{"impl", "IMPL", "replay the failed request on: impl (default, every variant), kernel, kernel:6.12, kernel:6.1, kernel:/path, each +f10 (docs/kernel.md)"},
};

std::string where(std::size_t line) { return line ? "line " + std::to_string(line) + ": " : ""; }

void print_hint(const char* name, const DumpHint& hint) {
  std::cout << "  " << padded(name, 15) << hex(hint.object) << " -> ";
  if (!hint.node) std::cout << "not resolved\n";
  else if (hint.node->is_anchor()) std::cout << "the anchor (line " << hint.line << ")\n";
  else std::cout << "the node at pfn " << hex(*hint.node->lo) << " (line " << hint.line << ")\n";
}

void print_estimate(const DumpState& state, const EstimateCheck& estimate) {
  const Geometry& geometry = state.geometry;
  const std::string estimate_text = "max32_alloc_size " + hex(state.max32);
  if (estimate.stale) {
    const StaleEstimate& stale = *estimate.stale;
    std::cout << "  INCONSISTENT: the estimate " << hex(state.max32) << " is inconsistent with the free gap " << to_string(stale.gap)
              << ":\n    " << describe_span(stale.gap, geometry) << "\n    lies below dma_32bit_pfn " << hex(geometry.dma32_pfn)
              << " and holds " << hex(state.max32) << " pages aligned to " << hex(roundup_pow2(state.max32)) << " at "
              << to_string(stale.placement) << ",\n    so " << estimate_text
              << " (\"no request this large fits below 4 GiB\") is stale: a size-aligned request of that size below dma32 fails at the early check though it fits\n";
    return;
  }
  std::cout << "  estimate: " << estimate_text << (estimate.unknown_space ? " consistent with the lines shown" : " consistent")
            << ": no aligned range of that size is free below dma32";
  if (estimate.has_free_gap) std::cout << " (largest free gap " << describe_span(estimate.largest_gap, geometry) << ")";
  std::cout << "\n";
  if (estimate.unaligned_placement)
    std::cout << "    (an unaligned range of that size would fit at " << to_string(*estimate.unaligned_placement) << ")\n";
  if (estimate.unknown_space)
    std::cout << "    NOT CHECKED in the omitted spans: a fitting gap may hide there\n";
}

std::string describe_run(const field::RequestRun& run) {
  if (run.error) return "cannot hold the state: " + *run.error;
  std::string text = run.placed ? "succeeds" : "fails";
  if (run.placed && run.node) text += " at " + to_string(*run.node);
  if (!run.rebuilt.empty()) text += " (the dumped state rebuilt through the kernel's API: " + run.rebuilt + ")";
  else text += ": " + field::describe_attempts(run.attempts);
  if (run.violation) text += "\n        " + violation_comment(*run.violation);
  return text;
}

// Variants that behave alike are printed once, their names joined: the differences stand out.
class Grouped {
 public:
  void add(const std::string& variant, const std::string& text) {
    for (auto& [names, each] : groups_)
      if (each == text) {
        names += ", " + variant;
        return;
      }
    groups_.emplace_back(variant, text);
  }
  void print(const std::string& indent) const {
    for (const auto& [names, text] : groups_) std::cout << indent << names << ":\n" << indent << "  " << text << "\n";
  }

 private:
  std::vector<std::pair<std::string, std::string>> groups_;
};

void print_runs(const std::vector<field::RequestRun>& runs) {
  Grouped grouped;
  for (const field::RequestRun& run : runs) grouped.add(run.variant, describe_run(run));
  grouped.print("    ");
  std::string fails;
  std::string succeeds;
  for (const field::RequestRun& run : runs) {
    if (run.error) continue;
    std::string& list = run.placed ? succeeds : fails;
    list += (list.empty() ? "" : ", ") + run.variant;
  }
  std::cout << "    => fails on: " << (fails.empty() ? "none" : fails) << "; succeeds on: " << (succeeds.empty() ? "none" : succeeds) << "\n";
}

void print_dump(std::size_t number, const field::DumpVerdict& verdict, const std::optional<field::FailedRequest>& request) {
  const DumpState& state = verdict.state;
  std::cout << "\ndump " << number << " (lines " << state.first_line << "-" << state.last_line << ", iovad " << hex(state.iovad) << "): "
            << state.nodes.size() << " nodes + " << (state.anchor_line ? "the anchor" : "no anchor line");
  if (state.count) std::cout << ", count " << *state.count;
  std::cout << (state.partial() ? ", PARTIAL: every verdict below covers only the lines shown" : ", complete") << "\n";
  const Geometry& geometry = state.geometry;
  std::cout << "  granule " << hex(geometry.granule) << " (values printed in " << (state.shifted ? "bytes, pfn << " + std::to_string(geometry.shift()) : std::string("pfns"))
            << "), start_pfn " << hex(geometry.start_pfn) << ", dma_32bit_pfn " << hex(geometry.dma32_pfn) << ", max32_alloc_size " << hex(state.max32) << "\n";
  print_hint("cached_node", state.cached);
  print_hint("cached32_node", state.cached32);
  if (state.violations.empty()) std::cout << "  structure: consistent" << (state.partial() ? " in the lines shown" : "") << " (order, overlaps, sizes, counters, hints)\n";
  for (const DumpRemark& remark : state.violations) std::cout << "  INCONSISTENT: " << where(remark.line) << remark.text << "\n";
  for (const DumpRemark& remark : state.unchecked) std::cout << "  not checked: " << where(remark.line) << remark.text << "\n";
  for (const DumpRemark& remark : state.notes) std::cout << "  note: " << where(remark.line) << remark.text << "\n";
  print_estimate(state, verdict.estimate);
  if (verdict.as_dumped.empty()) {
    std::cout << "  " << verdict.replay_note << "\n";
    return;
  }
  std::cout << "  the failed request (" << print_op(request->op()) << ") replayed from this state:\n";
  print_runs(verdict.as_dumped);
  if (verdict.freed_below_cached32) {
    std::cout << "  after one free below cached32_node (free " << hex(verdict.freed_below_cached32->lo) << ", the node "
              << to_string(*verdict.freed_below_cached32) << "), the same request:\n";
    print_runs(verdict.after_free);
  }
}

void print_history(const field::History& history) {
  std::cout << "\nfrom dump " << history.from + 1 << " to dump " << history.to + 1 << " (the fast path flushed and retried, line "
            << history.flush_line << "):\n";
  if (history.cannot) {
    std::cout << "  not replayed: " << *history.cannot << "\n";
    return;
  }
  for (const std::string& text : history.reconstruction) std::cout << "  assumed: " << text << "\n";
  std::string reach;
  std::string cannot;
  Grouped grouped;
  for (const field::HistoryRun& run : history.runs) {
    std::string text = std::string(run.reaches ? "reaches dump " : "CANNOT reach dump ") + std::to_string(history.to + 1);
    for (const std::string& line : run.how) text += "\n        " + line;
    for (const std::string& line : run.differences) text += "\n        differs: " + line;
    if (run.violation) text += "\n        on the way: " + violation_comment(*run.violation);
    grouped.add(run.variant, text);
    std::string& list = run.reaches ? reach : cannot;
    list += (list.empty() ? "" : ", ") + run.variant;
  }
  grouped.print("    ");
  std::cout << "    => dump " << history.to + 1 << " is reachable this way on: " << (reach.empty() ? "none" : reach)
            << "; not on: " << (cannot.empty() ? "none" : cannot) << "\n";
}

bool variant_violates(const field::LogReport& report, const std::optional<std::string>& variant) {
  if (!variant) return false;
  for (const field::DumpVerdict& dump : report.dumps)
    for (const auto* runs : {&dump.as_dumped, &dump.after_free})
      for (const field::RequestRun& run : *runs)
        if (run.violation) return true;
  return false;
}

// The last complete dump as a snapshot trace, saying where it came from.
std::optional<std::string> dump_trace_text(const std::string& path, const field::LogReport& report, const std::string& variant) {
  for (auto dump = report.dumps.rbegin(); dump != report.dumps.rend(); ++dump) {
    try {
      const Trace trace = field::dump_trace(*dump, report.request, variant);
      return "# " + path + ", dump at lines " + std::to_string(dump->state.first_line) + "-" + std::to_string(dump->state.last_line) +
             " (iovad " + hex(dump->state.iovad) + "), written by iovacheck log-check\n" + print_trace(trace);
    } catch (const std::invalid_argument&) {
      continue;
    }
  }
  return std::nullopt;
}

// The first history log-check could replay, with what it assumed.
std::optional<std::string> history_trace_text(const std::string& path, const field::LogReport& report, const std::string& variant) {
  for (const field::History& history : report.histories) {
    if (history.cannot) continue;
    std::string text = "# " + path + ": from dump " + std::to_string(history.from + 1) + " to dump " + std::to_string(history.to + 1) +
                       " as iovacheck log-check replays it (the flush at line " + std::to_string(history.flush_line) + ")\n";
    for (const std::string& assumption : history.reconstruction) text += "# assumed: " + assumption + "\n";
    Trace trace = history.trace;
    trace.variant = variant;
    return text + print_trace(trace);
  }
  return std::nullopt;
}

bool write_emitted(const std::optional<std::string>& path, const std::optional<std::string>& text, const std::string& missing) {
  if (!path) return true;
  if (!text) {
    std::cerr << "iovacheck log-check: " << missing << "\n";
    return false;
  }
  return write_text_output(path, *text, "log-check");
}

int run(const ParsedArgs& args) {
  if (args.positional.empty()) throw UsageError("iovacheck log-check: no log file given");
  const std::optional<std::string> variant = args.value("variant");
  if (variant)
    if (const std::string problem = unknown_variant_message(*variant); !problem.empty()) throw UsageError("iovacheck log-check: " + problem);
  const ImplementationChoice implementation = implementation_option(args, "log-check");
  std::vector<std::string> variants = variant ? std::vector<std::string>{*variant} : std::vector<std::string>{};
  if (implementation.kernel) {
    try {
      variants = {variant_for(implementation, variant.value_or(""), Trace{})};
    } catch (const std::invalid_argument& error) {
      throw UsageError("iovacheck log-check: " + std::string(error.what()));
    }
    std::cout << "replaying on " << implementation_name(implementation) << " (" << variants.front() << ")\n";
  }
  int worst = kExitOk;
  std::optional<std::string> emitted;
  std::optional<std::string> history_text;
  for (const std::string& path : args.positional) {
    field::LogReport report;
    try {
      report = field::check_log(parse_dump_log(read_text_file(path)), variants, implementation);
    } catch (const TraceFileError& error) {
      std::cerr << error.what() << "\n";
      worst = std::max(worst, int{kExitBadInput});
      continue;
    } catch (const LogError& error) {
      std::cerr << path << ":" << error.line() << ":" << error.column() << ": error: " << error.message() << "\n";
      worst = std::max(worst, int{kExitBadInput});
      continue;
    }
    std::cout << "== " << path << ": " << report.dumps.size() << " dump" << (report.dumps.size() == 1 ? "" : "s") << "\n";
    if (report.request) {
      const field::FailedRequest& request = *report.request;
      std::cout << "failed request (line " << request.line << "): " << hex(request.size) << " pages"
                << (request.limit ? ", limit_pfn " + hex(*request.limit) : std::string()) << ", "
                << (request.fast ? "alloc_iova_fast" : "alloc_iova") << ", aligned to " << hex(roundup_pow2(request.size)) << "\n";
    }
    for (const std::string& note : report.request_notes) std::cout << "note: " << note << "\n";
    for (std::size_t k = 0; k < report.dumps.size(); ++k) print_dump(k + 1, report.dumps[k], report.request);
    for (const field::History& history : report.histories) print_history(history);
    const bool finding = report.inconsistent() || variant_violates(report, implementation.kernel ? std::optional<std::string>(variants.front()) : variant);
    std::cout << "\n" << path << ": " << (finding ? "INCONSISTENT: the log shows a state or a failure the spec does not allow" : "consistent") << "\n";
    worst = std::max(worst, finding ? int{kExitFinding} : int{kExitOk});
    const std::string trace_variant = variant.value_or("mainline");
    if (auto text = dump_trace_text(path, report, trace_variant)) emitted = text;
    if (auto text = history_trace_text(path, report, trace_variant)) history_text = text;
  }
  if (!write_emitted(args.value("emit-trace"), emitted, "no complete dump to write as a trace")) return kExitBadInput;
  if (!write_emitted(args.value("emit-history"), history_text, "no history between two dumps to write as a trace")) return kExitBadInput;
  return worst;
}

}  // namespace

const Verb& log_check_verb() {
  static const Verb verb{
      "log-check",
      "check kernel logs with dump_iova_rbtree dumps and replay their failed request",
      "iovacheck log-check FILE... [--variant NAME] [--impl IMPL] [--emit-trace FILE] [--emit-history FILE]",
      "Reads dump_iova_rbtree-style dumps of an iova_domain from kernel logs (timestamps and tags,\n"
      "mail-wrapped lines, values in bytes, \"lines omitted\" notes, several dumps per file). For each\n"
      "dump: validates the structure (order, overlaps, sizes, the count and total_size, the cached\n"
      "nodes' object addresses) and the 32-bit estimate (an aligned free range of max32_alloc_size\n"
      "pages below dma32 makes it stale). A partial dump says what it could not check. The failed\n"
      "request the log names is replayed on every variant from each complete dump, as dumped and\n"
      "after one free below cached32_node, saying where it fails (the early check, the first pass,\n"
      "the retry). Two dumps with the fast path's flush between them are joined by the history the\n"
      "log records, and each variant is asked whether it reaches the later dump that way\n"
      "(--emit-history writes that history as a trace).\n"
      "--impl kernel[:6.12|:6.1|:/path] replays the failed request on the real iova.c instead.\n"
      "The kernel cannot start from a snapshot: the dumped state is rebuilt through its API\n"
      "(reserve_iova for the nodes, alloc_iova for the two cached nodes, a failing alloc_iova\n"
      "for max32_alloc_size) and compared with the dump; a state not reached that way is said\n"
      "so, not replayed. Histories are replayed on impl/ only.\n"
      "Exit: 0 consistent, 1 an inconsistency (or with --variant, a violation on it), 2 bad input.",
      kOptions,
      run,
  };
  return verb;
}

}  // namespace iovacheck::cli
