// Writing the trace format in its canonical form: hexadecimal numbers, defaults left out,
// so that parse_trace(print_trace(t)) == t.
#include <algorithm>
#include <string_view>

#include "model/trace_io.h"

namespace iovacheck {

namespace {

std::string target_text(const Target& target) { return target.by_name() ? target.name : hex(target.pfn); }
std::string name_prefix(const std::string& name) { return name.empty() ? "" : name + ": "; }
std::string cpu_argument(unsigned cpu) { return cpu == 0 ? "" : " cpu=" + std::to_string(cpu); }
std::string node_ref_text(const NodeRef& ref) { return ref.is_anchor() ? "anchor" : hex(*ref.lo); }

struct OpPrinter {
  std::string operator()(const Alloc& op) const {
    return name_prefix(op.name) + "alloc " + hex(op.size) + " limit=" + hex(op.limit) +
           (op.aligned ? "" : " unaligned");
  }
  std::string operator()(const FastAlloc& op) const {
    return name_prefix(op.name) + "fast " + hex(op.size) + " limit=" + hex(op.limit) + cpu_argument(op.cpu) +
           (op.flush ? "" : " noflush");
  }
  std::string operator()(const Free& op) const { return "free " + target_text(op.target); }
  std::string operator()(const FastFree& op) const {
    return "ffree " + target_text(op.target) + " size=" + hex(op.size) + cpu_argument(op.cpu);
  }
  std::string operator()(const Reserve& op) const { return "reserve " + hex(op.lo) + " " + hex(op.hi); }
  std::string operator()(const Flush& op) const {
    switch (op.scope) {
      case Flush::Scope::Cpu:
        return "flush cpu=" + std::to_string(op.cpu);
      case Flush::Scope::Depot:
        return "flush depot";
      case Flush::Scope::All:
        break;
    }
    return "flush all";
  }
  std::string operator()(const Trim&) const { return "trim"; }
  std::string operator()(const Find& op) const { return "find " + hex(op.pfn); }
};

// Only what differs from the parser's defaults, except the variant: a reader should see it.
std::string domain_line(const Trace& trace) {
  const Geometry& geometry = trace.geometry;
  const Geometry defaults;
  std::string line = "domain granule=" + hex(geometry.granule) + " start=" + hex(geometry.start_pfn);
  if (Geometry::real_dma32(geometry.granule) != geometry.dma32_pfn) line += " dma32=" + hex(geometry.dma32_pfn);
  if (geometry.mag_size != defaults.mag_size) line += " mag=" + std::to_string(geometry.mag_size);
  if (geometry.cpus != defaults.cpus) line += " cpus=" + std::to_string(geometry.cpus);
  return line + " variant=" + trace.variant + "\n";
}

std::string snapshot_lines(const Snapshot& snapshot) {
  std::string lines;
  for (const Range& node : snapshot.nodes) lines += "node " + hex(node.lo) + " " + hex(node.hi) + "\n";
  if (snapshot.cached32) lines += "cached32 " + node_ref_text(*snapshot.cached32) + "\n";
  if (snapshot.cached) lines += "cached " + node_ref_text(*snapshot.cached) + "\n";
  if (snapshot.max32) lines += "max32 " + hex(*snapshot.max32) + "\n";
  return lines;
}

// One "# " line per line of the text, so a multi-line note cannot turn into statements.
std::string comment_lines(std::string_view text) {
  std::string lines;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find('\n', start);
    lines += "# ";
    lines += text.substr(start, end - start);
    lines += "\n";
    if (end == std::string_view::npos) return lines;
    start = end + 1;
  }
}

std::string step_line(const Step& step) {
  std::string line = print_op(step.op);
  if (step.expect) line += " => " + print_expectation(*step.expect);
  return line + "\n";
}

}  // namespace

std::string print_op(const Op& op) { return std::visit(OpPrinter{}, op); }

// The part after "=> ".
std::string print_expectation(const Expectation& expectation) {
  switch (expectation.kind) {
    case Expectation::Kind::Fail:
      return "fail";
    case Expectation::Kind::Ok:
      return "ok";
    case Expectation::Kind::At:
      return hex(expectation.value.lo);
    case Expectation::Kind::Node:
      return hex(expectation.value.lo) + " " + hex(expectation.value.hi);
    case Expectation::Kind::None:
      break;
  }
  return "none";
}

std::string print_trace(const Trace& trace, const std::vector<StepComment>& comments) {
  std::vector<StepComment> ordered = comments;
  std::ranges::stable_sort(ordered, {}, &StepComment::step);
  auto next_comment = ordered.begin();

  std::string text = "iova-trace 1\n" + domain_line(trace);
  if (trace.snapshot) text += snapshot_lines(*trace.snapshot);
  for (std::size_t index = 0; index < trace.steps.size(); ++index) {
    for (; next_comment != ordered.end() && next_comment->step <= index; ++next_comment)
      text += comment_lines(next_comment->text);
    text += step_line(trace.steps[index]);
  }
  // Comments past the last step (e.g. "the trace ends here") follow it.
  for (; next_comment != ordered.end(); ++next_comment) text += comment_lines(next_comment->text);
  return text;
}

}  // namespace iovacheck
