#include "verify/corpus.h"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "harness/implementation.h"
#include "harness/known.h"
#include "model/trace_file.h"
#include "verify/annotation.h"

namespace iovacheck::verify {

namespace fs = std::filesystem;

std::vector<fs::path> corpus_traces(const fs::path& corpus) {
  std::vector<fs::path> traces;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(corpus)) {
    if (entry.is_regular_file() && entry.path().extension() == ".trace") {
      traces.push_back(entry.path().lexically_relative(corpus));
    }
  }
  std::sort(traces.begin(), traces.end());
  return traces;
}

namespace {

std::string label_of(const CheckReport& report) {
  if (report.violation) return std::string(property_name(report.violation->property));
  if (report.miss) return "miss";
  return "ok";
}

}  // namespace

CorpusTrace replay_corpus_trace(const fs::path& corpus, const fs::path& relative,
                                const std::vector<std::string>& variants, const ImplementationChoice& implementation) {
  CorpusTrace result;
  result.path = relative.string();
  Trace trace;
  CorpusAnnotation annotation;
  try {
    trace = load_trace_file(corpus / relative);
    annotation = read_corpus_annotation(corpus / relative);
  } catch (const TraceFileError& error) {
    result.load_error = error.what();
    return result;
  }
  result.own_variant = trace.variant;
  if (annotation.expected_exit != 0) result.pinned_violation = annotation.expected_violation.value_or("some");
  // Expectations pin the trace's own variant; elsewhere only the properties are judged.
  const auto run = [&](const std::string& variant) {
    return check_on(trace, variant, implementation, CheckOptions{.check_expectations = variant == trace.variant});
  };
  const auto judge_annotation = [&](const CheckReport& report) {
    result.annotation_mismatch = annotation_mismatch(annotation, report);
    if (!report.violation) return;
    result.pinned_identity = known_identity(report.named, report.violation->step, implementation).value_or("new");
    // A violation the annotation did not expect is named too (F10 on a kernel: impl/ pins none).
    if (result.annotation_mismatch)
      *result.annotation_mismatch +=
          result.pinned_identity == "new" ? ", not known" : ", known as " + result.pinned_identity;
  };
  bool own_variant_run = false;
  for (const std::string& variant : variants) {
    try {
      const CheckReport report = run(variant);
      result.labels.push_back(label_of(report));
      if (variant == trace.variant) {
        judge_annotation(report);
        own_variant_run = true;
      }
    } catch (const std::invalid_argument& error) {
      result.labels.push_back(implementation.kernel ? "skip" : "error");
      if (implementation.kernel) result.skipped = error.what();
    }
  }
  // A kernel runs only its own design: a trace of another variant is not judged on it.
  if (!own_variant_run && !implementation.kernel) {
    try {
      judge_annotation(run(trace.variant));
    } catch (const std::invalid_argument& error) {
      result.annotation_mismatch = std::string("does not run on its own variant: ") + error.what();
    }
  }
  return result;
}

Cell corpus_cell(const std::vector<CorpusTrace>& corpus, const std::string& variant) {
  std::size_t own = 0;
  std::map<std::string, std::size_t> skipped;
  std::vector<std::string> regressions;
  for (const CorpusTrace& trace : corpus) {
    if (trace.skipped) ++skipped[*trace.skipped];
    if (trace.own_variant != variant) continue;
    ++own;
    if (trace.annotation_mismatch) regressions.push_back(trace.path + ": " + *trace.annotation_mismatch);
  }
  Cell cell;
  cell.variant = variant;
  cell.engine = "corpus";
  cell.bounds = "the " + std::to_string(own) + " corpus trace" + (own == 1 ? " that names" : "s that name") + " this variant";
  std::size_t skips = 0;
  std::string reasons;
  for (const auto& [reason, count] : skipped) {
    skips += count;
    reasons += (reasons.empty() ? "" : "; ") + std::to_string(count) + ": " + reason;
  }
  if (skips > 0) cell.bounds += "; skipped " + std::to_string(skips) + " traces the implementation cannot run (" + reasons + ")";
  if (regressions.empty()) {
    cell.kind = CellKind::NoViolation;
    cell.label = "as annotated";
    cell.detail = "all " + std::to_string(own) + " as annotated";
  } else {
    cell.kind = CellKind::Regression;
    cell.label = "REGRESSION";
    cell.detail = "REGRESSION: " + regressions.front() +
                  (regressions.size() > 1 ? " (and " + std::to_string(regressions.size() - 1) + " more)" : "");
  }
  return cell;
}

}  // namespace iovacheck::verify
