// iovacheck emit-kunit: a trace as a KUnit test in C (field/kunit.h).
#include <array>
#include <filesystem>
#include <iostream>

#include "cli/trace_file.h"
#include "cli/verb.h"
#include "field/kunit.h"

namespace iovacheck::cli {

namespace {

constexpr std::array kOptions{
    OptionSpec{"output", "FILE", "write the C file here instead of to standard output", 'o'},
};

int run(const ParsedArgs& args) {
  if (args.positional.size() != 1) throw UsageError("iovacheck emit-kunit: give exactly one trace file");
  const std::filesystem::path path = args.positional.front();
  std::string source;
  try {
    const Trace trace = load_trace_file(path);
    source = field::emit_kunit(trace, field::kunit_name(path.stem().string()), path.filename().string());
  } catch (const TraceFileError& error) {
    std::cerr << error.what() << "\n";
    return kExitBadInput;
  } catch (const field::KunitRefusal& refusal) {
    std::cerr << path.string() << ": error: " << refusal.what() << "\n";
    return kExitBadInput;
  }
  return write_text_output(args.value("output"), source, "emit-kunit") ? kExitOk : kExitBadInput;
}

}  // namespace

const Verb& emit_kunit_verb() {
  static const Verb verb{
      "emit-kunit",
      "write a trace as a KUnit test in C for drivers/iommu/",
      "iovacheck emit-kunit TRACE [-o FILE]",
      "Writes a KUnit suite that replays TRACE through init_iova_domain, iova_domain_init_rcaches,\n"
      "alloc_iova, free_iova, alloc_iova_fast, free_iova_fast, reserve_iova, find_iova and\n"
      "put_iova_domain, checks every exact expectation of the trace and, at the step where the\n"
      "trace's variant violates completeness or soundness, asserts the property with a comment that\n"
      "explains the failure. Traces the kernel's API cannot express (a snapshot start, a test\n"
      "geometry, another magazine size, a chosen CPU, flush or trim steps, caller errors, a\n"
      "violation the API cannot observe) are refused with the reason (exit 2).",
      kOptions,
      run,
  };
  return verb;
}

}  // namespace iovacheck::cli
