#include "fuzz/known_finding.h"

#include "fuzz/text_files.h"
#include "harness/predicates.h"
#include "model/trace_io.h"

namespace iovacheck::fuzz {

bool is_known_finding(const Trace& minimized, Property property, const std::filesystem::path& corpus_root) {
  const TracePredicate same_kind = counterexample_predicate(minimized.variant, property);
  for (const char* pinned : {"findings", "variants"}) {
    std::error_code error;
    const std::filesystem::path dir = corpus_root / pinned;
    if (!std::filesystem::is_directory(dir, error)) continue;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, error)) {
      if (entry.path().extension() != ".trace") continue;
      try {
        const Trace trace = parse_trace(read_text(entry.path()));
        if (trace.variant == minimized.variant && same_kind(trace)) return true;
      } catch (const TraceError&) {
        // a corpus trace that does not parse pins nothing; ctest reports it
      }
    }
  }
  return false;
}

}  // namespace iovacheck::fuzz
