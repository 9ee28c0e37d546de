// The differential harness: bytes -> a trace (fuzz/byte_trace.h) -> the shared checker on the
// trace's variant. A violation counts under the predicate a counterexample is minimized under
// (harness/predicates.h): on mainline any, on another variant only one mainline does not have.
// A counted violation prints the named trace, writes it, and aborts so that libFuzzer keeps the
// input.
//
// Environment:
//   IOVACHECK_FUZZ_VARIANTS   comma-separated variants the variant byte picks among (default:
//                             every implemented variant; on a kernel, the design it implements);
//                             one name fixes the variant
//   IOVACHECK_IMPL            what runs the variant: impl (default), kernel, kernel:6.12,
//                             kernel:6.1, kernel:/path, each +f10 (the --impl option of every verb)
//   IOVACHECK_AGAINST         exact differential mode: each input runs on the variant and on this
//                             implementation, every result and the whole exact state compared
//                             after each step; a difference is the finding (property
//                             "difference")
//   IOVACHECK_FUZZ_PROFILE    ordinary (default): the byte form of fuzz/byte_trace.h; scale: the
//                             scale byte form (fuzz/scale_input.h), driver-shaped traces of
//                             10^4 operations and more on the real geometry (not with AGAINST)
//   IOVACHECK_FUZZ_TRACE_DIR  where a counted violation's trace is written (default: none)
//   IOVACHECK_FUZZ_KEEP_GOING when set, a counted violation is printed once per variant and
//                             property (its input written to that directory when the value is
//                             one) and the run goes on at full speed: only sanitizer reports and
//                             defects stop it (the campaign, CI's smoke runs)
//   IOVACHECK_FUZZ_REPORT_KNOWN when set, a violation known as a finding FN (harness/known.h)
//                             counts too, named with its identity (campaign --no-known); by
//                             default only what no fix explains counts. The variants run as
//                             given: the campaign names them with their known findings' fixes
//   IOVACHECK_FUZZ_SKIPS      a directory: each process keeps there (skips.PID) how many inputs
//                             an implementation refused (a kernel's magazine size), by reason
//
// A bad setting (an unknown implementation, a kernel with a proposal's design) exits 2 at start.
// Refused inputs are counted and printed at exit ("iovacheck skipped N inputs: ...").
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <unistd.h>

#include "fuzz/byte_trace.h"
#include "fuzz/input_profile.h"
#include "fuzz/text_files.h"
#include "harness/differential.h"
#include "harness/implementation.h"
#include "harness/known.h"
#include "harness/predicates.h"
#include "model/trace_io.h"

namespace {

using namespace iovacheck;

struct Settings {
  std::vector<std::string> variants;
  ImplementationChoice implementation;
  std::optional<ImplementationChoice> against;
  fuzz::InputProfile profile = fuzz::InputProfile::Ordinary;
  std::string trace_dir;
  bool keep_going = false;
  bool report_known = false;   // known findings count too (campaign --no-known)
  std::string keep_going_dir;  // where keep-going findings' inputs go; empty: nowhere
  std::string skips_dir;       // where the refusal counts go; empty: nowhere
};

Settings settings;
std::map<std::string, std::size_t> skipped;  // refusals by reason
std::size_t skipped_total = 0;

void write_skips() {
  if (settings.skips_dir.empty() || skipped.empty()) return;
  std::string text;
  for (const auto& [reason, count] : skipped) text += std::to_string(count) + "\t" + reason + "\n";
  fuzz::write_atomically(std::filesystem::path(settings.skips_dir) / ("skips." + std::to_string(getpid())), text);
}

void print_skips() {
  if (skipped_total == 0) return;
  std::fprintf(stderr, "iovacheck skipped %zu inputs the implementation refused:\n", skipped_total);
  for (const auto& [reason, count] : skipped) std::fprintf(stderr, "  %zu: %s\n", count, reason.c_str());
  write_skips();
}

// A refusal is counted, never a finding; the counts reach the file now and then, since libFuzzer
// may end a process without running exit handlers.
void skip(const std::string& reason) {
  ++skipped[reason];
  if (++skipped_total % 1024 == 1) write_skips();
}

std::set<std::string> reported;  // keep-going: the (variant, property) names printed so far
bool already_reported(const std::string& name) { return reported.contains(name); }

void report(const Trace& failing, const std::string& name, const std::string& comment, std::size_t step,
            std::span<const std::uint8_t> input) {
  if (settings.keep_going) {
    if (!reported.insert(name).second) return;
    std::fprintf(stderr, "iovacheck finding (keep going): %s\n", name.c_str());
    // The first input showing it stays: its time is the job's time to that finding.
    const std::filesystem::path path = std::filesystem::path(settings.keep_going_dir) / ("finding-" + name);
    if (!settings.keep_going_dir.empty() && !std::filesystem::exists(path))
      fuzz::write_atomically(path, std::string(input.begin(), input.end()));
    return;
  }
  const std::string text = print_trace(failing, {StepComment{step, comment}});
  std::fprintf(stderr, "iovacheck finding: %s\n%s", name.c_str(), text.c_str());
  if (!settings.trace_dir.empty()) {
    const std::size_t digest = std::hash<std::string>{}(text);
    fuzz::write_atomically(std::filesystem::path(settings.trace_dir) / (name + "." + std::to_string(digest) + ".trace"), text);
  }
  print_skips();
  std::abort();
}

[[noreturn]] void bad_setting(const std::string& what) {
  std::fprintf(stderr, "differential: %s\n", what.c_str());
  std::exit(2);
}

ImplementationChoice implementation_from(const char* name) {
  const char* text = std::getenv(name);
  try {
    return parse_implementation(text);
  } catch (const std::invalid_argument& error) {
    bad_setting(std::string(name) + ": " + error.what());
  }
}

// The settings, checked as the CLI checks its options: a pairing that makes no sense is exit 2.
void read_settings() {
  if (const char* impl = std::getenv("IOVACHECK_IMPL"); impl != nullptr && *impl != '\0')
    settings.implementation = implementation_from("IOVACHECK_IMPL");
  if (const char* against = std::getenv("IOVACHECK_AGAINST"); against != nullptr && *against != '\0')
    settings.against = implementation_from("IOVACHECK_AGAINST");
  if (const char* variants = std::getenv("IOVACHECK_FUZZ_VARIANTS"); variants != nullptr && *variants != '\0')
    settings.variants = fuzz::split_list(variants);
  else if (settings.implementation.kernel)
    settings.variants = {variant_for(settings.implementation, {}, Trace{})};
  for (std::string& variant : settings.variants) {
    if (!is_implemented_variant(variant)) bad_setting("IOVACHECK_FUZZ_VARIANTS: unknown variant '" + variant + "'");
    try {
      variant = variant_for(settings.implementation, variant, Trace{});
      if (settings.against) against_variant(*settings.against, variant);
    } catch (const std::invalid_argument& error) {
      bad_setting(std::string("IOVACHECK_FUZZ_VARIANTS: ") + error.what());
    }
  }
  if (settings.against && settings.variants.empty())
    for (const VariantInfo& info : implemented_variants())
      if (!settings.against->kernel || is_kernel_design(info.name)) settings.variants.push_back(info.name);
  // A kernel library that does not load is bad usage, not a stream of refused inputs.
  for (const ImplementationChoice* choice : {&settings.implementation, settings.against ? &*settings.against : nullptr}) {
    if (choice == nullptr || !choice->kernel) continue;
    try {
      make_exact_implementation(Trace{}, variant_for(*choice, {}, Trace{}), *choice);
    } catch (const std::invalid_argument& error) {
      bad_setting(choice->text() + ": " + error.what());
    }
  }
  if (const char* profile = std::getenv("IOVACHECK_FUZZ_PROFILE"); profile != nullptr && *profile != '\0') {
    const auto parsed = fuzz::parse_input_profile(profile);
    if (!parsed) bad_setting(std::string("IOVACHECK_FUZZ_PROFILE: expected ordinary or scale, got '") + profile + "'");
    settings.profile = *parsed;
    if (settings.profile == fuzz::InputProfile::Scale && settings.against)
      bad_setting("IOVACHECK_FUZZ_PROFILE=scale does not apply to IOVACHECK_AGAINST");
  }
  if (const char* dir = std::getenv("IOVACHECK_FUZZ_TRACE_DIR")) settings.trace_dir = dir;
  if (const char* keep_going = std::getenv("IOVACHECK_FUZZ_KEEP_GOING")) {
    settings.keep_going = true;
    if (std::filesystem::is_directory(keep_going)) settings.keep_going_dir = keep_going;
  }
  if (const char* known = std::getenv("IOVACHECK_FUZZ_REPORT_KNOWN"); known != nullptr && *known != '\0')
    settings.report_known = true;
  if (const char* dir = std::getenv("IOVACHECK_FUZZ_SKIPS"); dir != nullptr && std::filesystem::is_directory(dir))
    settings.skips_dir = dir;
}

// Judged as `check` judges; only the named trace is needed of a violation (to judge and print),
// not the states nor each step's result.
const CheckOptions kJudgeOnly{.check_expectations = false, .record_results = false, .describe_states = false};

// `variant`: the one the campaign fixed, or empty for the input's own.
void check_one(std::string_view variant, std::span<const std::uint8_t> input) {
  CheckReport checked;
  try {
    checked = fuzz::check_input(input, settings.profile, variant, settings.implementation, kJudgeOnly);
  } catch (const std::invalid_argument& refusal) {
    skip(refusal.what());
    return;
  }
  if (!checked.violation) return;
  const Violation& violation = *checked.violation;
  Trace failing = std::move(checked.named);  // names the variant that ran
  std::string name = failing.variant + "." + std::string(property_name(violation.property));
  // Keep-going prints a (variant, property) once: a repeat needs no judging.
  if (settings.keep_going && !settings.report_known && already_reported(name)) return;
  failing.steps.resize(violation.step + 1);
  const std::optional<unsigned> known =
      settings.report_known ? known_as(failing, violation.step, failing.variant, settings.implementation) : std::nullopt;
  if (known) name += "." + known_label(known);
  if (settings.keep_going && already_reported(name)) return;
  // The predicate `check` minimizes under, without running the variant again: this run is it.
  try {
    if (!is_counterexample(failing, violation, failing.variant, violation.property, known, settings.implementation))
      return;
  } catch (const std::invalid_argument&) {
    return;  // mainline or a fixed variant cannot run it: not a counterexample (as the predicate)
  }
  report(failing, name, violation_comment(violation), violation.step, input);
}

// Exact differential mode: the kernel side runs its own design, the other side the trace's variant.
void compare_one(const Trace& trace, std::span<const std::uint8_t> input) {
  const ImplementationChoice& against = *settings.against;
  const std::string other = against_variant(against, trace.variant);
  const ImplementationChoice primary = settings.implementation;
  const ExactFactory a = [&](const Trace& each) { return make_exact_implementation(each, trace.variant, primary); };
  const ExactFactory b = [&](const Trace& each) { return make_exact_implementation(each, other, against); };
  const DifferentialRun run = run_differential(trace, a, b);
  if (run.refused) {
    skip(*run.refused);
    return;
  }
  if (!run.difference) return;
  Trace failing = trace;
  failing.steps.resize(run.difference->step + 1);
  report(failing, trace.variant + ".difference", "difference: " + run.difference->what, run.difference->step, input);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  read_settings();
  std::atexit(print_skips);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view variant =
      settings.variants.empty() ? std::string_view() : settings.variants[(size > 0 ? data[0] : 0) % settings.variants.size()];
  if (!settings.against) {
    check_one(variant, {data, size});
    return 0;
  }
  Trace trace = fuzz::decode_trace({data, size});
  if (!variant.empty()) trace.variant = variant;
  compare_one(trace, {data, size});
  return 0;
}
