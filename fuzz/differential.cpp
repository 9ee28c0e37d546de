// The differential harness: bytes -> a trace (fuzz/byte_trace.h) -> the shared checker on the
// trace's variant. A violation counts under the predicate a counterexample is minimized under
// (harness/predicates.h): on mainline any, on another variant only one mainline does not have.
// A counted violation prints the named trace, writes it, and aborts so that libFuzzer keeps the
// input.
//
// Environment:
//   IOVACHECK_FUZZ_VARIANTS   comma-separated variants the variant byte picks among (default:
//                             every implemented variant); one name fixes the variant
//   IOVACHECK_FUZZ_TRACE_DIR  where a counted violation's trace is written (default: none)
//   IOVACHECK_FUZZ_KEEP_GOING when set, a counted violation is printed once per variant and
//                             property (its input written to that directory when the value is
//                             one) and the run goes on at full speed: only sanitizer reports and
//                             defects stop it (the campaign, CI's smoke runs)
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "fuzz/byte_trace.h"
#include "fuzz/text_files.h"
#include "harness/implementation.h"
#include "harness/predicates.h"
#include "model/trace_io.h"

namespace {

using namespace iovacheck;

struct Settings {
  std::vector<std::string> variants;
  std::string trace_dir;
  bool keep_going = false;
  std::string keep_going_dir;  // where keep-going findings' inputs go; empty: nowhere
};

Settings settings;

std::string finding_name(const std::string& variant, Property property) {
  return variant + "." + std::string(property_name(property));
}

std::set<std::string> reported;  // keep-going: the (variant, property) names printed so far
bool already_reported(const std::string& name) { return reported.contains(name); }

void report_finding(const Trace& failing, const Violation& violation, std::span<const std::uint8_t> input) {
  const std::string text =
      print_trace(failing, {StepComment{violation.step, violation_comment(violation)}});
  const std::string name = finding_name(failing.variant, violation.property);
  if (settings.keep_going) {
    if (!reported.insert(name).second) return;
    std::fprintf(stderr, "iovacheck finding (keep going): %s\n", name.c_str());
    // The first input showing it stays: its time is the job's time to that finding.
    const std::filesystem::path path = std::filesystem::path(settings.keep_going_dir) / ("finding-" + name);
    if (!settings.keep_going_dir.empty() && !std::filesystem::exists(path))
      fuzz::write_atomically(path, std::string(input.begin(), input.end()));
    return;
  }
  std::fprintf(stderr, "iovacheck finding: %s\n%s", name.c_str(), text.c_str());
  if (!settings.trace_dir.empty()) {
    const std::size_t digest = std::hash<std::string>{}(text);
    fuzz::write_atomically(std::filesystem::path(settings.trace_dir) / (name + "." + std::to_string(digest) + ".trace"), text);
  }
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* variants = std::getenv("IOVACHECK_FUZZ_VARIANTS");
  if (variants != nullptr && *variants != '\0') {
    settings.variants = fuzz::split_list(variants);
    for (const std::string& variant : settings.variants) {
      if (!is_implemented_variant(variant)) {
        std::fprintf(stderr, "differential: IOVACHECK_FUZZ_VARIANTS: unknown variant '%s'\n", variant.c_str());
        std::exit(2);
      }
    }
  }
  if (const char* dir = std::getenv("IOVACHECK_FUZZ_TRACE_DIR")) settings.trace_dir = dir;
  if (const char* keep_going = std::getenv("IOVACHECK_FUZZ_KEEP_GOING")) {
    settings.keep_going = true;
    if (std::filesystem::is_directory(keep_going)) settings.keep_going_dir = keep_going;
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Trace trace = fuzz::decode_trace({data, size});
  if (!settings.variants.empty()) trace.variant = settings.variants[(size > 0 ? data[0] : 0) % settings.variants.size()];
  const CheckReport report = check_on(trace, trace.variant, CheckOptions{.check_expectations = false});
  if (!report.violation) return 0;
  // Keep-going prints a (variant, property) once: a repeat needs no judging.
  if (settings.keep_going && already_reported(finding_name(trace.variant, report.violation->property))) return 0;
  Trace failing = report.named;
  failing.steps.resize(report.violation->step + 1);
  if (counterexample_predicate(trace.variant, report.violation->property)(failing)) report_finding(failing, *report.violation, {data, size});
  return 0;
}
