#pragma once
// What a corpus trace promises about its own replay, in its leading comments:
//   "# expect-exit: N" as the first line (0 when absent), and
//   "# expect-violation: PROPERTY" (the violated property, when the trace pins a finding).
// Every verb that replays the corpus checks these the same way (replay, verify, ctest).
#include <filesystem>
#include <optional>
#include <string>

#include "model/checker.h"

namespace iovacheck::verify {

struct CorpusAnnotation {
  int expected_exit = 0;
  std::optional<std::string> expected_violation;  // a property name, as property_name() spells it
};

// Reads the annotations of a trace file; throws TraceFileError when it cannot be read or an
// annotation is malformed (model/trace_file.h) (an expect-exit that is not 0 or 1, an unknown property).
CorpusAnnotation read_corpus_annotation(const std::filesystem::path& path);

// How the report departs from the annotation ("expected a completeness violation, but every step
// held"), or nullopt when it behaves as annotated.
std::optional<std::string> annotation_mismatch(const CorpusAnnotation& annotation, const CheckReport& report);

}  // namespace iovacheck::verify
