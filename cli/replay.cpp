// iovacheck replay: run trace files on a variant, step by step, and report the first failure.
// Traces are streamed: memory holds the live state, one input line and a window of recent steps,
// whatever the trace's length.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <sstream>
#include <streambuf>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "cli/checking.h"
#include "cli/impl_option.h"
#include "cli/replay.h"
#include "cli/text.h"
#include "cli/trace_file.h"
#include "cli/verb.h"
#include "harness/differential.h"
#include "harness/implementation.h"
#include "harness/known.h"
#include "model/trace_io.h"
#include "verify/annotation.h"

namespace iovacheck::cli {

namespace {

constexpr std::array kOptions{
    OptionSpec{"variant", "NAME", "run on this variant instead of the one the trace names"},
    OptionSpec{"quiet", "", "print only the verdicts and failures: no steps, no progress"},
    OptionSpec{"impl", "IMPL", "impl (default), kernel, kernel:6.12, kernel:6.1 or kernel:/path: what runs the trace"},
    OptionSpec{"against", "IMPL", "exact differential: run each trace on IMPL too and compare every step"},
    kParanoidOption,
    kValidateEveryOption,
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

// Steps kept for printing: the listing is aligned over the first kAlignedSteps; a violation
// shows the last kWindowSteps of its prefix.
constexpr std::size_t kAlignedSteps = 4096;
constexpr std::size_t kWindowSteps = 40;
constexpr auto kProgressEvery = std::chrono::seconds(2);

// The op's result as a person reads it: "0x10 [0x10, 0x13]", "fail", "none", "caller error: ...".
std::string describe_result(const StepRecord& record) {
  if (record.caller_error) return "caller error: " + record.caller_error->reason();
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

// Copies everything read from standard input into a file, so that a violation can name the
// whole input it came from.
class TeeBuffer final : public std::streambuf {
 public:
  TeeBuffer(std::streambuf* source, std::ofstream& copy) : source_(source), copy_(copy) {}

 protected:
  std::streamsize xsgetn(char* data, std::streamsize count) override {
    const std::streamsize got = source_->sgetn(data, count);
    copy_.write(data, got);
    return got;
  }
  int_type underflow() override {
    const std::streamsize got = xsgetn(&one_, 1);
    if (got <= 0) return traits_type::eof();
    setg(&one_, &one_, &one_ + 1);
    return traits_type::to_int_type(one_);
  }

 private:
  std::streambuf* source_;
  std::ofstream& copy_;
  char one_ = 0;
};

// The run's heading, then the step listing: "  line 12  r1: alloc 0x4 limit=0xff  -> 0xfc
// [0xfc, 0xff]", columns aligned over the first steps, then streamed with those widths.
class StepListing {
 public:
  StepListing(bool enabled, std::string heading) : enabled_(enabled), heading_(std::move(heading)) {}

  void add(std::size_t line, const Op& named, const StepRecord& record) {
    if (!enabled_) return;
    Row row{std::to_string(line), print_op(named), describe_result(record)};
    if (streaming_) return print(row);
    pending_.push_back(std::move(row));
    if (pending_.size() == kAlignedSteps) flush();
  }

  void flush() {
    std::cout << heading_;
    heading_.clear();
    for (const Row& row : pending_) {
      line_width_ = std::max(line_width_, row.line.size());
      op_width_ = std::max(op_width_, row.op.size());
    }
    for (const Row& row : pending_) print(row);
    pending_.clear();
    streaming_ = true;
  }

 private:
  struct Row {
    std::string line, op, result;
  };
  void print(const Row& row) const {
    std::cout << "  line " << padded(row.line, line_width_) << "  " << padded(row.op, op_width_) << "  -> " << row.result
              << "\n";
  }

  bool enabled_;
  std::string heading_;
  bool streaming_ = false;
  std::vector<Row> pending_;
  std::size_t line_width_ = 0;
  std::size_t op_width_ = 0;
};

// The last kWindowSteps steps, kept in a ring whose slots are assigned over (their names'
// storage reused), so keeping them costs no allocation per step.
class RecentSteps {
 public:
  void push(const Step& step) {
    if (steps_.size() < kWindowSteps) {
      steps_.push_back(step);
      return;
    }
    Step& oldest = steps_[oldest_];
    copy_op(oldest.op, step.op);
    oldest.expect = step.expect;
    oldest.line = step.line;
    oldest_ = (oldest_ + 1) % kWindowSteps;
  }
  bool empty() const { return steps_.empty(); }
  std::size_t size() const { return steps_.size(); }
  const Step& last() const { return steps_[(oldest_ + steps_.size() - 1) % steps_.size()]; }
  std::vector<Step> oldest_first() const {
    std::vector<Step> ordered(steps_.begin() + static_cast<std::ptrdiff_t>(oldest_), steps_.end());
    ordered.insert(ordered.end(), steps_.begin(), steps_.begin() + static_cast<std::ptrdiff_t>(oldest_));
    return ordered;
  }

 private:
  std::vector<Step> steps_;
  std::size_t oldest_ = 0;  // where the next step goes once the ring is full
};

// "path: 1200000 steps, 30.1 of 50.0 MB (60%), 1.1 M steps/s" on standard error, now and then.
class Progress {
 public:
  Progress(const std::string& path, bool enabled) : path_(path), enabled_(enabled), total_bytes_(size_of(path)) {}

  void tick(std::size_t steps, std::uint64_t bytes) {
    if (!enabled_ || (steps & 0x3ff) != 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < kProgressEvery) return;
    last_ = now;
    shown_ = true;
    const double seconds = std::chrono::duration<double>(now - started_).count();
    char text[200];
    std::snprintf(text, sizeof text, "%s: %zu steps, %.1f", path_.c_str(), steps, static_cast<double>(bytes) / 1e6);
    std::string line = text;
    if (total_bytes_ > 0) {
      std::snprintf(text, sizeof text, " of %.1f MB (%.0f%%)", static_cast<double>(total_bytes_) / 1e6,
                    100.0 * static_cast<double>(bytes) / static_cast<double>(total_bytes_));
      line += text;
    } else {
      line += " MB";
    }
    std::snprintf(text, sizeof text, ", %.2f M steps/s", static_cast<double>(steps) / seconds / 1e6);
    line += text;
    std::cerr << (tty_ ? "\r" : "") << line << (tty_ ? "" : "\n") << std::flush;
  }

  void done() const {
    if (shown_ && tty_) std::cerr << "\n";
  }

 private:
  static std::uint64_t size_of(const std::string& path) {
    std::error_code error;
    const auto size = path == "-" ? 0 : std::filesystem::file_size(path, error);
    return error ? 0 : size;
  }

  std::string path_;
  bool enabled_;
  std::uint64_t total_bytes_;
  bool tty_ = isatty(STDERR_FILENO) != 0;
  bool shown_ = false;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_ = started_;
};

struct ReplayOptions {
  std::optional<std::string> variant;
  bool quiet = false;
  CheckOptions checking;
  ImplementationChoice implementation;
};

// One input: a file, standard input ("-") copied to a spool file as it is read, or a trace
// already in memory (fuzz-replay's decoded inputs), named after where it came from.
class Input {
 public:
  Input(const std::string& name, const std::string& text)
      : path_(name), text_(std::make_unique<std::istringstream>(text)), text_copy_(text) {}
  explicit Input(const std::string& path) : path_(path) {
    if (path != "-") {
      std::error_code error;
      if (std::filesystem::is_directory(path, error)) throw TraceFileError(path + ": error: is a directory, not a trace file");
      file_.open(path, std::ios::binary);
      if (!file_) throw TraceFileError(path + ": error: cannot open: " + std::strerror(errno));
      return;
    }
    char name[] = "/tmp/iovacheck-stdin-XXXXXX";
    const int descriptor = mkstemp(name);
    if (descriptor >= 0) {
      close(descriptor);
      spool_path_ = name;
      spool_.open(spool_path_, std::ios::binary | std::ios::trunc);
    }
    tee_ = std::make_unique<TeeBuffer>(std::cin.rdbuf(), spool_);
    tee_stream_ = std::make_unique<std::istream>(tee_.get());
  }
  ~Input() {
    if (!spool_path_.empty() && !keep_spool_) std::filesystem::remove(spool_path_);
  }

  std::istream& stream() {
    if (text_) return *text_;
    return tee_stream_ ? *tee_stream_ : file_;
  }
  const std::string& name() const { return path_ == "-" ? kStdinName : path_; }
  // The file holding the whole input, kept past the run.
  std::string whole_input() {
    if (text_ && spool_path_.empty()) spool_text();
    if (spool_path_.empty()) return path_;
    keep_spool_ = true;
    spool_.flush();
    return spool_path_;
  }
  // Standard input is spooled until its end, so the spool holds all of it.
  void read_to_end() {
    if (tee_stream_) {
      char block[1 << 16];
      while (tee_stream_->read(block, sizeof block) || tee_stream_->gcount() > 0) {
      }
    }
  }

 private:
  static inline const std::string kStdinName = "<stdin>";
  std::string path_;
  std::ifstream file_;
  std::string spool_path_;
  std::ofstream spool_;
  std::unique_ptr<TeeBuffer> tee_;
  std::unique_ptr<std::istream> tee_stream_;
  std::unique_ptr<std::istringstream> text_;
  std::string text_copy_;
  bool keep_spool_ = false;

  void spool_text() {
    char name[] = "/tmp/iovacheck-trace-XXXXXX";
    const int descriptor = mkstemp(name);
    if (descriptor < 0) return;
    close(descriptor);
    spool_path_ = name;
    std::ofstream(spool_path_, std::ios::binary) << text_copy_;
  }
};

class FileReplay {
 public:
  FileReplay(const std::string& path, const ReplayOptions& options, Skips& skips)
      : path_(path), options_(options), skips_(skips), input_(path) {}
  FileReplay(const std::string& name, const std::string& text, const ReplayOptions& options, Skips& skips)
      : path_(name), options_(options), skips_(skips), input_(name, text) {}

  int run() {
    std::unique_ptr<TraceStream> stream;
    try {
      stream = std::make_unique<TraceStream>(input_.stream());
    } catch (const TraceError& error) {
      return parse_error(error);
    }
    const Trace& head = stream->head();
    const ImplementationChoice& choice = options_.implementation;
    if (!choice.kernel) {
      if (const std::string unknown = unknown_variant_message(options_.variant.value_or(head.variant)); !unknown.empty()) {
        std::cerr << input_.name() << ": error: " << unknown << "\n";
        return kExitBadInput;
      }
    }
    std::unique_ptr<ExactSystemUnderTest> sut;
    Trace start = head;
    try {
      start.variant = variant_for(choice, options_.variant.value_or(""), head);
      sut = make_exact_implementation(start, start.variant, choice);
    } catch (const std::invalid_argument& error) {
      if (!choice.kernel) {
        std::cerr << input_.name() << ": error: " << error.what() << "\n";
        return kExitBadInput;
      }
      std::cout << "== " << input_.name() << ": skipped on " << choice.text() << ": " << error.what() << "\n";
      ++skips_.reasons[error.what()];
      return kExitOk;
    }
    const std::string& variant = start.variant;
    CheckOptions checking = options_.checking;
    // Expectations pin the placements of the trace's own variant; on a kernel running another
    // design they are not checked.
    checking.check_expectations = !choice.kernel || variant == head.variant;
    checking.latest_step_only = true;
    checking.is_trace_name = [&stream](std::string_view name) { return stream->defines(name); };
    CheckSession session(start, *sut, checking);
    std::string heading = "== " + input_.name() + " on " + variant + " (" + sut->name() + ")\n";
    if (!sut->notes().empty()) heading += "note: " + sut->notes() + "\n";
    if (!checking.check_expectations)
      heading += "note: expectations not checked: they pin " + head.variant + "'s placements\n";
    if (head.snapshot)
      heading += "note: the trace starts from a snapshot, a state built directly that operations may be unable to reach\n";
    StepListing listing(!options_.quiet, heading);
    Progress progress(input_.name(), !options_.quiet);
    RecentSteps window;
    std::size_t violation_line = 0;
    try {
      while (Step* step = stream->next()) {
        if (!session.report().ok()) continue;  // after a failure the rest is only parsed
        const std::size_t line = step->line;
        const bool running = session.step(std::move(*step));
        const CheckReport& report = session.report();
        if (!report.steps.empty()) {
          listing.add(line, report.named.steps.back().op, report.steps.back());
          window.push(report.named.steps.back());
        }
        if (!running) violation_line = line;
        progress.tick(session.steps_run(), stream->bytes_read());
      }
      if (session.report().ok()) session.finish();
    } catch (const TraceError& error) {
      progress.done();
      return parse_error(error);
    }
    progress.done();
    input_.read_to_end();
    listing.flush();
    const CheckReport& report = session.report();
    int verdict = kExitOk;
    if (report.violation) {
      if (violation_line == 0) violation_line = window.empty() ? 0 : window.last().line;
      print_violation(start, session.steps_run(), window, *report.violation, violation_line);
      verdict = kExitFinding;
    } else if (report.miss) {
      std::cout << input_.name() << ":" << violation_line << ": " << describe_miss(*report.miss) << "\n";
      verdict = kExitFinding;
    } else {
      std::cout << input_.name() << ": ok, " << counted(session.steps_run(), "step")
                << (session.steps_run() == 1 ? " holds" : " hold") << "\n";
    }
    if (checking.check_expectations && variant == head.variant && report_annotation(report) != kExitOk)
      verdict = kExitFinding;
    return verdict;
  }

 private:
  // A corpus trace's annotations ("# expect-exit:", "# expect-violation:") say what its own
  // variant must do: replay says whether it did, and a trace that no longer does is a failure
  // even when every step holds (a finding that went away).
  int report_annotation(const CheckReport& report) {
    if (path_ == "-" || !std::filesystem::is_regular_file(path_)) return kExitOk;
    verify::CorpusAnnotation annotation;
    try {
      annotation = verify::read_corpus_annotation(path_);
    } catch (const TraceFileError& error) {
      std::cout << error.what() << "\n";
      return kExitBadInput;
    }
    if (annotation.expected_exit == 0 && !annotation.expected_violation) return kExitOk;
    if (const std::optional<std::string> mismatch = verify::annotation_mismatch(annotation, report)) {
      std::cout << input_.name() << ": NOT as annotated: " << *mismatch << "\n";
      return kExitFinding;
    }
    std::cout << input_.name() << ": as annotated\n";
    return kExitOk;
  }

  int parse_error(const TraceError& error) {
    std::cerr << input_.name() << ":" << error.line() << ":" << error.column() << ": error: " << error.message() << "\n";
    return kExitBadInput;
  }

  // The whole failing prefix when it is short; else its last steps and where the whole is.
  void print_violation(const Trace& start, std::size_t steps_run, const RecentSteps& window,
                       const Violation& violation, std::size_t line) {
    const std::string comment = violation_comment(violation);
    std::cout << input_.name() << ":" << line << ": " << comment << "\n";
    Trace shown{start.geometry, start.variant, start.snapshot, window.oldest_first()};
    std::vector<StepComment> comments;
    if (steps_run > window.size()) {
      shown.snapshot.reset();  // shown in the whole input
      comments.push_back(StepComment{0, std::to_string(steps_run - window.size()) +
                                            " earlier steps not shown; the whole trace up to line " + std::to_string(line) +
                                            " is in " + input_.whole_input()});
      std::cout << "the last " << window.size() << " steps of the failing prefix, allocations named:\n";
    } else {
      std::cout << "the failing prefix, allocations named:\n";
    }
    comments.push_back(StepComment{shown.steps.size() - 1, comment});
    std::cout << print_trace(shown, comments) << "model state:\n" << indented(violation.model_state)
              << "implementation state:\n" << indented(violation.impl_state);
    print_identity(shown, steps_run > window.size());
  }

  // The violation's identity by the one rule for "known"; only the fixes the variant (or the
  // kernel) lacks are tried. It needs the whole prefix, which a long streamed trace does not keep
  // in memory.
  void print_identity(const Trace& prefix, bool partial) {
    const ImplementationChoice& choice = options_.implementation;
    if (!may_be_known(prefix.variant, choice)) return;
    if (partial) {
      std::cout << "identity not computed (the prefix is longer than " << kWindowSteps
                << " steps): replay the whole input to get it\n";
      return;
    }
    const std::size_t step = prefix.steps.size() - 1;
    if (const std::optional<unsigned> known = known_as(prefix, step, prefix.variant, choice))
      std::cout << "known as " << known_label(known) << ": " << fixed_name(prefix.variant, choice, *known)
                << " observes the same before this step and does not violate at it\n";
    else
      std::cout << "not known: no fix of docs/findings.md that " << prefix.variant
                << (choice.kernel ? " on " + implementation_name(choice) : std::string()) << " lacks removes it\n";
  }

  std::string path_;
  const ReplayOptions& options_;
  Skips& skips_;
  Input input_;
};

int replay_file(const std::string& path, const ReplayOptions& options, Skips& skips) {
  try {
    return FileReplay(path, options, skips).run();
  } catch (const TraceFileError& error) {
    std::cerr << error.what() << "\n";
    return kExitBadInput;
  }
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
  std::string variant, other_variant;
  try {
    variant = variant_for(choice, variant_override.value_or(""), trace);
    other_variant = against_variant(against, variant);
  } catch (const std::invalid_argument& error) {
    std::cerr << path << ": error: " << error.what() << "\n";
    return kExitBadInput;
  }
  auto side = [](const ImplementationChoice& which, const std::string& name) -> ExactFactory {
    return [which, name](const Trace& run) { return make_exact_implementation(run, name, which); };
  };
  const DifferentialRun run = run_differential(trace, side(choice, variant), side(against, other_variant));
  if (run.refused) {
    std::cout << "== " << path << ": skipped: " << *run.refused << "\n";
    return kExitOk;
  }
  std::cout << "== " << path << ": " << run.a_name << " against " << run.b_name << "\n";
  if (!run.difference) {
    std::cout << path << ": no difference in " << counted(run.steps, "step") << "\n";
    return kExitOk;
  }
  std::cout << path << ":" << trace.steps[run.difference->step].line << ": " << run.difference->what << "\n"
            << run.a_name << " state:\n" << indented(run.difference->a_state) << run.b_name << " state:\n"
            << indented(run.difference->b_state);
  return kExitFinding;
}

int run_replay(const ParsedArgs& args) {
  if (args.positional.empty()) throw UsageError("iovacheck replay: no trace file given");
  ReplayOptions options;
  options.variant = args.value("variant");
  options.quiet = args.flag("quiet");
  options.checking = checking_options(args, "replay");
  options.implementation = implementation_option(args, "replay");
  if (options.variant) {
    if (const std::string unknown = unknown_variant_message(*options.variant); !unknown.empty()) {
      throw UsageError("iovacheck replay: " + unknown);
    }
    if (options.implementation.kernel) {
      try {
        variant_for(options.implementation, *options.variant, Trace{});
      } catch (const std::invalid_argument& error) {
        throw UsageError(std::string("iovacheck replay: ") + error.what());
      }
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
      worst = std::max(worst, differential_file(path, options.variant, options.implementation, other));
    return worst;
  }
  Skips skips;
  for (const std::string& path : args.positional) worst = std::max(worst, replay_file(path, options, skips));
  if (options.implementation.kernel) {
    std::cout << "kernel: " << args.positional.size() - skips.total() << " traces run, " << skips.total()
              << " skipped\n";
    for (const auto& [reason, count] : skips.reasons) std::cout << "  skipped " << count << ": " << reason << "\n";
  }
  return worst;
}

}  // namespace

int replay_trace(const std::string& path, const Trace& trace, const std::optional<std::string>& variant_override,
                 bool quiet, const ImplementationChoice& implementation) {
  ReplayOptions options;
  options.implementation = implementation;
  options.variant = variant_override;
  options.quiet = quiet;
  Skips skips;
  try {
    const int status = FileReplay(path, print_trace(trace), options, skips).run();
    for (const auto& [reason, count] : skips.reasons) std::cout << "  skipped " << count << ": " << reason << "\n";
    return status;
  } catch (const TraceFileError& error) {
    std::cerr << error.what() << "\n";
    return kExitBadInput;
  }
}

const Verb& replay_verb() {
  static const Verb verb{
      .name = "replay",
      .summary = "run trace files, checking every step against the model",
      .usage = "iovacheck replay FILE... [--variant NAME] [--impl IMPL] [--against IMPL] [--quiet] [--paranoid]\n"
               "                        [--validate-every K]",
      .description =
          "Parses each trace file ('-' is standard input) and runs it on a variant (the one its\n"
          "header names, or --variant) in lockstep with the reference model. Prints every step with\n"
          "its result, allocations named r1, r2, ... On a violated property prints the failing\n"
          "prefix of the trace with a '# violation:' comment and the model and implementation\n"
          "states (for a long prefix its last steps and the file holding the whole); on an unmet\n"
          "expectation prints FILE:LINE: expectation not met: expected X, got Y.\n"
          "\n"
          "Traces are streamed: memory holds the live state, not the trace, so a trace of any\n"
          "length replays; a line longer than 64 KiB is an error. A long replay shows its progress\n"
          "on standard error unless --quiet. Each step is judged from what it changed; --paranoid\n"
          "compares the whole state and runs validate() after every step.\n"
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
