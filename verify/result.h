#pragma once
// What one verification run found: a verdict per (variant, engine), the corpus replay, and the
// findings grouped across variants. The reports (report.h) and the terminal summary read only this.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace iovacheck::verify {

enum class CellKind {
  NoViolation,  // the engine ran within its bounds and found nothing
  Violation,    // a counterexample, minimized
  Regression,   // corpus traces that no longer behave as their annotations say
  Proved,       // the SMT engine proved the properties within its bounds
  Unknown,      // the engine stopped without a verdict (time limit, solver gave up)
  Error,        // the engine failed: a defect in iovacheck
  NotBuilt,     // the engine is not in this build
  NotApplicable,  // the engine does not cover this variant (the SMT encoding of a range-cache design)
};

std::string_view cell_kind_name(CellKind kind);

struct Counterexample {
  std::string property;    // "completeness"
  std::string reason;      // the "# violation:" text
  std::string trace_text;  // the minimized trace, as printed
  std::size_t length = 0;  // its operations
};

struct Cell {
  std::string variant;
  std::string engine;
  CellKind kind = CellKind::NotBuilt;
  std::string label;   // the engine's own short word for the matrix, when the kind's name says too little
  std::string bounds;  // what "no violation" or "proved" was established under
  std::string detail;  // the engine's own verdict line, or the error
  double seconds = 0;
  std::optional<double> first_finding_seconds;  // into the engine's run, from its own output
  std::optional<Counterexample> counterexample;
  std::optional<std::string> known_as;  // a Violation known by the one rule ("F1"); nullopt: new
  bool budgeted_search = false;  // a search cut by the budget: finding nothing may be the budget's fault
};

// Line and branch coverage of model/ and impl/ by one engine, or by the whole run ("all").
struct CoverageFigure {
  std::string scope;
  std::optional<double> lines_percent;
  std::optional<double> branches_percent;
  std::string note;  // why a figure is missing
};

struct Coverage {
  bool measured = false;
  std::string note;  // "not measured: <why>", or where the HTML view is
  std::vector<CoverageFigure> figures;
};

// One corpus trace: its annotations on its own variant, and its verdict on every variant.
struct CorpusTrace {
  std::string path;  // relative to the corpus
  std::string own_variant;
  std::optional<std::string> load_error;
  std::optional<std::string> annotation_mismatch;  // on its own variant: a regression
  std::optional<std::string> pinned_violation;     // the property its annotation says it violates
  std::vector<std::string> labels;                 // per variant: "ok", "miss", a property, "error", "skip"
  std::optional<std::string> skipped{};            // why the implementation (a kernel) refused it
  std::string pinned_identity{};  // the pinned violation under the rule for known (harness/known.h): "F1", "delta", "new"
};

// A counterexample seen on one or more variants: the same property and the same operations.
struct Finding {
  std::string id;  // "N1", "N2", ... in order of discovery; the known ones carry known_as
  std::string property;
  std::optional<std::string> known_as;
  std::vector<std::string> variants;
  std::vector<std::string> engines;
  Counterexample example;
  std::string picture_svg;  // the failing step drawn (iovacheck draw), when the build can draw
  std::string kunit_c;      // the KUnit reproducer (iovacheck emit-kunit), when the trace can be expressed
  std::string kunit_refusal;  // else why emit-kunit refused it
};

struct VerifyResult {
  std::string version;
  std::string implementation = "impl";  // what ran the variants: impl, kernel:6.12.117, ...
  bool past_known = true;  // the engines searched each variant with the fixes of its known findings
  std::vector<std::string> variants;
  std::vector<std::string> engines;
  std::vector<Cell> cells;  // variant-major, one per (variant, engine)
  std::vector<CorpusTrace> corpus;
  std::vector<Finding> findings;
  double budget_seconds = 0;
  unsigned jobs = 1;
  std::uint64_t seed = 0;
  double elapsed_seconds = 0;
  Coverage coverage;

  const Cell* cell(const std::string& variant, const std::string& engine) const;
  std::size_t corpus_regressions() const;  // traces not as annotated, or not loading
  std::size_t corpus_unloadable() const;   // traces that do not parse
  std::size_t new_findings() const;
  std::size_t errors() const;
};

// Cells that found nothing on a variant whose corpus pins a violation: the engine's share of the
// budget was too small to find that bug again. One line each, naming the pinning trace.
std::vector<std::string> budget_notes(const VerifyResult& result);
// The same in one line, by variant (short names) and engine; empty when there is none.
std::string budget_notes_summary(const VerifyResult& result);

// Per engine: when it first found a violation, over the variants it ran on.
struct FirstFinding {
  std::string engine;
  std::size_t runs = 0;           // cells the engine ran
  std::size_t runs_finding = 0;   // of which found a violation
  std::optional<double> earliest_seconds;  // the earliest first finding, into its run
  std::string earliest_variant;
  std::optional<double> median_seconds;
  std::size_t untimed = 0;  // findings whose engine printed no time
};
std::vector<FirstFinding> first_findings(const VerifyResult& result);

// How the engines treated the known findings, as every report says it.
std::string known_findings_note(const VerifyResult& result);

// Groups the cells' counterexamples into findings (same property, same operations).
std::vector<Finding> group_findings(const std::vector<Cell>& cells);

}  // namespace iovacheck::verify
