// iovacheck replay: run trace files on a variant, step by step, and report the first failure.
#include <algorithm>
#include <array>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "cli/replay.h"
#include "cli/text.h"
#include "cli/trace_file.h"
#include "cli/verb.h"
#include "harness/implementation.h"
#include "model/trace_io.h"

namespace iovacheck::cli {

namespace {

constexpr std::array kOptions{
    OptionSpec{"variant", "NAME", "run on this variant instead of the one the trace names"},
    OptionSpec{"quiet", "", "print only the verdicts and failures, not every step"},
};

// The op's result as a person reads it: "0x10 [0x10, 0x13]", "fail", "none", "caller error: ...".
std::string describe_result(const StepRecord& record) {
  if (record.caller_error) return "caller error: " + *record.caller_error;
  const Outcome& outcome = record.outcome;
  const bool allocates = std::holds_alternative<Alloc>(record.op) || std::holds_alternative<FastAlloc>(record.op);
  switch (outcome.status) {
    case Outcome::Status::Rejected:
      return "rejected";
    case Outcome::Status::Fail:
      return std::holds_alternative<Find>(record.op) ? "none" : "fail";
    case Outcome::Status::Ok:
      break;
  }
  std::string text = allocates ? hex(outcome.pfn) : "";
  if (outcome.node) {  // appended, not "" + string&&: GCC 12 -O3's false -Wrestrict (bug 105329)
    if (!text.empty()) text += ' ';
    text += to_string(*outcome.node);
  }
  return text.empty() ? "ok" : text;
}

// The step as the report's named trace has it (r1: alloc ..., free r1), else as applied.
const Op& named_op(const CheckReport& report, std::size_t index) {
  return index < report.named.steps.size() ? report.named.steps[index].op : report.steps[index].op;
}

// "  line 12  r1: alloc 0x4 limit=0xff  -> 0xfc [0xfc, 0xff]", columns aligned.
void print_steps(const Trace& trace, const CheckReport& report) {
  std::vector<std::string> lines;
  std::vector<std::string> ops;
  for (std::size_t i = 0; i < report.steps.size(); ++i) {
    lines.push_back(std::to_string(trace.steps[i].line));
    ops.push_back(print_op(named_op(report, i)));
  }
  std::size_t line_width = 0;
  std::size_t op_width = 0;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    line_width = std::max(line_width, lines[i].size());
    op_width = std::max(op_width, ops[i].size());
  }
  for (std::size_t i = 0; i < ops.size(); ++i) {
    std::cout << "  line " << padded(lines[i], line_width) << "  " << padded(ops[i], op_width) << "  -> "
              << describe_result(report.steps[i]) << "\n";
  }
}

void print_violation(const std::string& path, const Trace& trace, const CheckReport& report,
                     const Violation& violation) {
  const std::string comment = violation_comment(violation);
  std::cout << path << ":" << trace.steps[violation.step].line << ": " << comment << "\n";
  Trace prefix = report.named;
  prefix.steps.resize(std::min(prefix.steps.size(), violation.step + 1));
  std::cout << "the failing prefix, allocations named:\n"
            << print_trace(prefix, {StepComment{violation.step, comment}})
            << "model state:\n" << indented(violation.model_state)
            << "implementation state:\n" << indented(violation.impl_state);
}

int replay_file(const std::string& path, const std::optional<std::string>& variant_override, bool quiet) {
  Trace trace;
  try {
    trace = load_trace_file(path);
  } catch (const TraceFileError& error) {
    std::cerr << error.what() << "\n";
    return kExitBadInput;
  }
  return replay_trace(path, trace, variant_override, quiet);
}

int run_replay(const ParsedArgs& args) {
  if (args.positional.empty()) throw UsageError("iovacheck replay: no trace file given");
  const std::optional<std::string> variant = args.value("variant");
  if (variant) {
    if (const std::string unknown = unknown_variant_message(*variant); !unknown.empty()) {
      throw UsageError("iovacheck replay: " + unknown);
    }
  }
  int worst = kExitOk;
  for (const std::string& path : args.positional) {
    worst = std::max(worst, replay_file(path, variant, args.flag("quiet")));
  }
  return worst;
}

}  // namespace

int replay_trace(const std::string& path, const Trace& trace, const std::optional<std::string>& variant_override,
                 bool quiet) {
  const std::string variant = variant_override.value_or(trace.variant);
  if (const std::string unknown = unknown_variant_message(variant); !unknown.empty()) {
    std::cerr << path << ": error: " << unknown << "\n";
    return kExitBadInput;
  }

  CheckReport report;
  try {
    report = check_on(trace, variant);
  } catch (const std::invalid_argument& error) {
    std::cerr << path << ": error: " << error.what() << "\n";
    return kExitBadInput;
  }

  std::cout << "== " << path << " on " << variant << "\n";
  if (trace.snapshot) {
    std::cout << "note: the trace starts from a snapshot, a state built directly that operations may be unable "
                 "to reach\n";
  }
  if (!quiet) print_steps(trace, report);
  if (report.violation) {
    print_violation(path, trace, report, *report.violation);
    return kExitFinding;
  }
  if (report.miss) {
    std::cout << path << ":" << trace.steps[report.miss->step].line << ": " << describe_miss(*report.miss) << "\n";
    return kExitFinding;
  }
  std::cout << path << ": ok, " << report.steps.size() << " steps hold\n";
  return kExitOk;
}

const Verb& replay_verb() {
  static const Verb verb{
      .name = "replay",
      .summary = "run trace files, checking every step against the model",
      .usage = "iovacheck replay FILE... [--variant NAME] [--quiet]",
      .description =
          "Parses each trace file and runs it on a variant (the one its header names, or --variant)\n"
          "in lockstep with the reference model. Prints every step with its result, allocations\n"
          "named r1, r2, ... On a violated property prints the failing prefix of the trace with a\n"
          "'# violation:' comment and the model and implementation states; on an unmet expectation\n"
          "prints FILE:LINE: expectation not met: expected X, got Y.\n"
          "\n"
          "Exit: 0 everything holds, 1 a property violated or an expectation unmet, 2 bad input\n"
          "(a file that does not parse prints FILE:LINE:COLUMN: error: ...). With several files,\n"
          "the worst.",
      .options = kOptions,
      .run = run_replay,
  };
  return verb;
}

}  // namespace iovacheck::cli
