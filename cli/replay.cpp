// iovacheck replay: run trace files on a variant, step by step, and report the first failure.
#include <algorithm>
#include <array>
#include <iostream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "cli/impl_option.h"
#include "cli/text.h"
#include "cli/trace_file.h"
#include "cli/verb.h"
#include "harness/differential.h"
#include "harness/implementation.h"
#include "model/trace_io.h"

namespace iovacheck::cli {

namespace {

constexpr std::array kOptions{
    OptionSpec{"variant", "NAME", "run on this variant instead of the one the trace names"},
    OptionSpec{"quiet", "", "print only the verdicts and failures, not every step"},
    OptionSpec{"impl", "IMPL", "impl (default), kernel, kernel:6.12, kernel:6.1 or kernel:/path: what runs the trace"},
    OptionSpec{"against", "IMPL", "exact differential: run each trace on IMPL too and compare every step"},
};

// Traces a kernel could not run, with why: every report prints them.
struct Skips {
  std::map<std::string, std::size_t> reasons;
  std::size_t total() const {
    std::size_t count = 0;
    for (const auto& [reason, each] : reasons) count += each;
    return count;
  }
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
  if (outcome.node) text += (text.empty() ? "" : " ") + to_string(*outcome.node);
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

int replay_file(const std::string& path, const std::optional<std::string>& variant_override, bool quiet,
                const ImplementationChoice& choice, Skips& skips) {
  Trace trace;
  try {
    trace = load_trace_file(path);
  } catch (const TraceFileError& error) {
    std::cerr << error.what() << "\n";
    return kExitBadInput;
  }
  if (!choice.kernel) {
    if (const std::string unknown = unknown_variant_message(variant_override.value_or(trace.variant)); !unknown.empty()) {
      std::cerr << path << ": error: " << unknown << "\n";
      return kExitBadInput;
    }
  }
  std::string variant;
  std::unique_ptr<ExactSystemUnderTest> implementation;
  try {
    variant = variant_for(choice, variant_override.value_or(""), trace);
    Trace renamed = trace;
    renamed.variant = variant;
    implementation = make_exact_implementation(renamed, variant, choice);
  } catch (const std::invalid_argument& error) {
    if (!choice.kernel) {
      std::cerr << path << ": error: " << error.what() << "\n";
      return kExitBadInput;
    }
    std::cout << "== " << path << ": skipped on " << choice.text() << ": " << error.what() << "\n";
    ++skips.reasons[error.what()];
    return kExitOk;
  }
  // Expectations pin the placements of the trace's own variant; on a kernel running another
  // design they are not checked.
  CheckOptions options;
  options.check_expectations = !choice.kernel || variant == trace.variant;
  Trace renamed = trace;
  renamed.variant = variant;
  const CheckReport report = check(renamed, *implementation, options);

  std::cout << "== " << path << " on " << variant << " (" << implementation->name() << ")\n";
  if (!implementation->notes().empty()) std::cout << "note: " << implementation->notes() << "\n";
  if (!options.check_expectations)
    std::cout << "note: expectations not checked: they pin " << trace.variant << "'s placements\n";
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
  std::cout << path << ": ok, " << counted(report.steps.size(), "step") << (report.steps.size() == 1 ? " holds" : " hold") << "\n";
  return kExitOk;
}

// replay --against: each trace on both sides, every step's result and exact state compared.
int differential_file(const std::string& path, const std::optional<std::string>& variant_override,
                      const ImplementationChoice& choice, const ImplementationChoice& against) {
  Trace trace;
  try {
    trace = load_trace_file(path);
  } catch (const TraceFileError& error) {
    std::cerr << error.what() << "\n";
    return kExitBadInput;
  }
  std::string variant, against_variant;
  try {
    variant = variant_for(choice, variant_override.value_or(""), trace);
    against_variant = against.kernel ? variant_for(against, {}, trace) : variant;
    if (against.kernel && !is_kernel_design(variant))
      throw std::invalid_argument(variant + " is a proposal's design, no kernel runs it");
  } catch (const std::invalid_argument& error) {
    std::cerr << path << ": error: " << error.what() << "\n";
    return kExitBadInput;
  }
  auto side = [](const ImplementationChoice& which, const std::string& name) -> ExactFactory {
    return [which, name](const Trace& run) { return make_exact_implementation(run, name, which); };
  };
  const DifferentialRun run = run_differential(trace, side(choice, variant), side(against, against_variant));
  if (run.refused) {
    std::cout << "== " << path << ": skipped: " << *run.refused << "\n";
    return kExitOk;
  }
  std::cout << "== " << path << ": " << run.a_name << " against " << run.b_name << "\n";
  if (!run.difference) {
    std::cout << path << ": no difference in " << run.steps << " steps\n";
    return kExitOk;
  }
  std::cout << path << ":" << trace.steps[run.difference->step].line << ": " << run.difference->what << "\n"
            << run.a_name << " state:\n" << indented(run.difference->a_state) << run.b_name << " state:\n"
            << indented(run.difference->b_state);
  return kExitFinding;
}

int run_replay(const ParsedArgs& args) {
  if (args.positional.empty()) throw UsageError("iovacheck replay: no trace file given");
  const std::optional<std::string> variant = args.value("variant");
  if (variant) {
    if (const std::string unknown = unknown_variant_message(*variant); !unknown.empty()) {
      throw UsageError("iovacheck replay: " + unknown);
    }
  }
  const ImplementationChoice choice = implementation_option(args, "replay");
  if (variant && choice.kernel) {
    try {
      variant_for(choice, *variant, Trace{});
    } catch (const std::invalid_argument& error) {
      throw UsageError(std::string("iovacheck replay: ") + error.what());
    }
  }
  int worst = kExitOk;
  if (const std::optional<std::string> against = args.value("against")) {
    ImplementationChoice other;
    try {
      other = parse_implementation(*against);
    } catch (const std::invalid_argument& error) {
      throw UsageError(std::string("iovacheck replay: ") + error.what());
    }
    for (const std::string& path : args.positional)
      worst = std::max(worst, differential_file(path, variant, choice, other));
    return worst;
  }
  Skips skips;
  for (const std::string& path : args.positional) {
    worst = std::max(worst, replay_file(path, variant, args.flag("quiet"), choice, skips));
  }
  if (choice.kernel) {
    std::cout << "kernel: " << args.positional.size() - skips.total() << " traces run, " << skips.total()
              << " skipped\n";
    for (const auto& [reason, count] : skips.reasons) std::cout << "  skipped " << count << ": " << reason << "\n";
  }
  return worst;
}

}  // namespace

const Verb& replay_verb() {
  static const Verb verb{
      .name = "replay",
      .summary = "run trace files, checking every step against the model",
      .usage = "iovacheck replay FILE... [--variant NAME] [--impl IMPL] [--against IMPL] [--quiet]",
      .description =
          "Parses each trace file and runs it on a variant (the one its header names, or --variant)\n"
          "in lockstep with the reference model. Prints every step with its result, allocations\n"
          "named r1, r2, ... On a violated property prints the failing prefix of the trace with a\n"
          "'# violation:' comment and the model and implementation states; on an unmet expectation\n"
          "prints FILE:LINE: expectation not met: expected X, got Y.\n"
          "\n"
          "--impl kernel runs the real drivers/iommu/iova.c (built by kernel/ from linux-source-6.12,\n"
          "-6.1, or -DIOVACHECK_KERNEL_TREE) instead of impl/. A kernel runs its own design (6.12:\n"
          "mainline, 6.1: z9-capped-depot); --variant may only name that one (a tree path: any\n"
          "historical variant), never a proposal. Expectations are checked when the trace names the\n"
          "design that runs. A trace the kernel cannot run (a snapshot, a magazine size with no\n"
          "built copy) is skipped with the reason, and the skips are counted at the end.\n"
          "\n"
          "--against IMPL runs each trace on IMPL as well, in exact differential mode (as `check\n"
          "--against`): the first step whose result or exact state differs is printed with both\n"
          "states, and the exit is 1.\n"
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
