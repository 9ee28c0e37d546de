#include "verify/result.h"

#include <algorithm>
#include <regex>

#include "harness/implementation.h"

namespace iovacheck::verify {

std::string_view cell_kind_name(CellKind kind) {
  switch (kind) {
    case CellKind::NoViolation: return "no violation";
    case CellKind::Violation: return "violation";
    case CellKind::Regression: return "regression";
    case CellKind::Proved: return "proved";
    case CellKind::Unknown: return "unknown";
    case CellKind::Error: return "error";
    case CellKind::NotBuilt: return "not built";
    case CellKind::NotApplicable: return "not covered";
  }
  return "?";
}

const Cell* VerifyResult::cell(const std::string& variant, const std::string& engine) const {
  for (const Cell& candidate : cells) {
    if (candidate.variant == variant && candidate.engine == engine) return &candidate;
  }
  return nullptr;
}

std::size_t VerifyResult::corpus_regressions() const {
  return static_cast<std::size_t>(std::count_if(corpus.begin(), corpus.end(), [](const CorpusTrace& trace) {
    return trace.load_error.has_value() || trace.annotation_mismatch.has_value();
  }));
}

std::size_t VerifyResult::corpus_unloadable() const {
  return static_cast<std::size_t>(
      std::count_if(corpus.begin(), corpus.end(), [](const CorpusTrace& trace) { return trace.load_error.has_value(); }));
}

std::size_t VerifyResult::new_findings() const {
  return static_cast<std::size_t>(
      std::count_if(findings.begin(), findings.end(), [](const Finding& finding) { return !finding.known_as; }));
}

std::size_t VerifyResult::errors() const {
  return static_cast<std::size_t>(
      std::count_if(cells.begin(), cells.end(), [](const Cell& cell) { return cell.kind == CellKind::Error; }));
}

namespace {

// The trace's operations without its header's variant: what two variants' traces share.
std::string operations_key(const Counterexample& example) {
  static const std::regex variant_argument(R"( variant=\S+)");
  return example.property + "\n" + std::regex_replace(example.trace_text, variant_argument, "");
}

void add_unique(std::vector<std::string>& list, const std::string& item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
}

}  // namespace

namespace {

// A pin the engines should find again: a known finding (FN) is not one when they search with
// its fix applied.
bool findable_pin(const CorpusTrace& trace, bool past_known) {
  return trace.pinned_violation && !trace.annotation_mismatch && (!past_known || !trace.pinned_identity.starts_with('F'));
}

// Each budgeted cell that found nothing on a variant whose corpus pins a violation, with the pin.
std::vector<std::pair<const Cell*, const CorpusTrace*>> missed_pins(const VerifyResult& result) {
  std::vector<std::pair<const Cell*, const CorpusTrace*>> missed;
  for (const Cell& cell : result.cells) {
    if (cell.kind != CellKind::NoViolation || !cell.budgeted_search) continue;
    const auto pin = std::find_if(result.corpus.begin(), result.corpus.end(), [&](const CorpusTrace& trace) {
      return trace.own_variant == cell.variant && findable_pin(trace, result.past_known);
    });
    if (pin != result.corpus.end()) missed.emplace_back(&cell, &*pin);
  }
  return missed;
}

}  // namespace

std::string known_findings_note(const VerifyResult& result) {
  if (result.past_known)
    return "the engines searched each variant with the fixes of its known findings applied (docs/findings.md; a "
           "kernel with its own, kernel/fixes/); --no-known searches them as named";
  return "the engines searched the variants as named (--no-known): a known finding ends their search and is reported with its identity";
}

std::vector<std::string> budget_notes(const VerifyResult& result) {
  std::vector<std::string> notes;
  for (const auto& [cell, pin] : missed_pins(result)) {
    notes.push_back(cell->variant + ": " + cell->engine + " found nothing within " + cell->bounds + ", but " + pin->path +
                    " pins a " + *pin->pinned_violation + " violation on it: the budget was too small to find it again");
  }
  return notes;
}

std::string budget_notes_summary(const VerifyResult& result) {
  std::vector<std::pair<std::string, std::string>> by_variant;  // short variant, its engines
  for (const auto& [cell, pin] : missed_pins(result)) {
    const std::string variant = short_variant(cell->variant);
    if (by_variant.empty() || by_variant.back().first != variant) by_variant.emplace_back(variant, "");
    by_variant.back().second += (by_variant.back().second.empty() ? "" : ", ") + cell->engine;
  }
  if (by_variant.empty()) return {};
  std::string text = "the budget was too small to find again a violation the corpus pins on";
  for (std::size_t i = 0; i < by_variant.size(); ++i)
    text += (i ? ", " : " ") + by_variant[i].first + " (" + by_variant[i].second + ")";
  return text;
}

std::vector<FirstFinding> first_findings(const VerifyResult& result) {
  std::vector<FirstFinding> engines;
  for (const std::string& engine : result.engines) {
    if (engine == "corpus") continue;  // a replay, not a search
    FirstFinding first;
    first.engine = engine;
    std::vector<double> times;
    for (const Cell& cell : result.cells) {
      if (cell.engine != engine || cell.kind == CellKind::NotBuilt) continue;
      ++first.runs;
      if (cell.kind != CellKind::Violation) continue;
      ++first.runs_finding;
      if (!cell.first_finding_seconds) {
        ++first.untimed;
        continue;
      }
      times.push_back(*cell.first_finding_seconds);
      if (!first.earliest_seconds || *cell.first_finding_seconds < *first.earliest_seconds) {
        first.earliest_seconds = cell.first_finding_seconds;
        first.earliest_variant = cell.variant;
      }
    }
    if (!times.empty()) {
      std::sort(times.begin(), times.end());
      first.median_seconds = times[times.size() / 2];
    }
    engines.push_back(std::move(first));
  }
  return engines;
}

std::vector<Finding> group_findings(const std::vector<Cell>& cells) {
  std::vector<Finding> findings;
  std::vector<std::string> keys;
  for (const Cell& cell : cells) {
    if (!cell.counterexample) continue;
    const std::string key = operations_key(*cell.counterexample) + "\n" + cell.known_as.value_or("");
    auto found = std::find(keys.begin(), keys.end(), key);
    if (found == keys.end()) {
      keys.push_back(key);
      Finding finding;
      finding.property = cell.counterexample->property;
      finding.known_as = cell.known_as;
      finding.example = *cell.counterexample;
      findings.push_back(std::move(finding));
      found = keys.end() - 1;
    }
    Finding& finding = findings[static_cast<std::size_t>(found - keys.begin())];
    add_unique(finding.variants, cell.variant);
    add_unique(finding.engines, cell.engine);
  }
  std::size_t new_ones = 0;
  for (Finding& finding : findings) {
    if (!finding.known_as) finding.id = "N" + std::to_string(++new_ones);
    else if (*finding.known_as == "delta") finding.id = short_variant(without_fixes(finding.variants.front())) + "-delta";
    else finding.id = *finding.known_as;
  }
  return findings;
}

}  // namespace iovacheck::verify
