#pragma once
// The corpus replay engine: every corpus trace on every variant, and each trace's annotations
// checked on its own variant (a trace that no longer behaves as annotated is a regression).
#include <filesystem>
#include <string>
#include <vector>

#include "harness/implementation.h"
#include "verify/result.h"

namespace iovacheck::verify {

// Every .trace file under `corpus`, relative to it, sorted. Throws std::filesystem::filesystem_error.
std::vector<std::filesystem::path> corpus_traces(const std::filesystem::path& corpus);

// Replays one corpus trace on every variant, on `implementation`; a trace a kernel cannot run (a
// snapshot, a magazine size no copy was built for) is labelled "skip" with the reason.
CorpusTrace replay_corpus_trace(const std::filesystem::path& corpus, const std::filesystem::path& relative,
                                const std::vector<std::string>& variants, const ImplementationChoice& implementation = {});

// The corpus engine's cell for one variant: the traces that name it behave as annotated.
Cell corpus_cell(const std::vector<CorpusTrace>& corpus, const std::string& variant);

}  // namespace iovacheck::verify
