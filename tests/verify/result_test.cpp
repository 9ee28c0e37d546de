// Findings grouped across variants; the run's counts.
#include "verify/result.h"

#include <gtest/gtest.h>

namespace iovacheck::verify {
namespace {

Cell violation(const std::string& variant, const std::string& property, const std::string& operations,
               std::optional<std::string> known_as = std::nullopt) {
  Cell cell;
  cell.variant = variant;
  cell.engine = "props";
  cell.kind = CellKind::Violation;
  cell.counterexample = Counterexample{property, "reason", "iova-trace 1\ndomain granule=0x1000 start=0x1 variant=" +
                                                              variant + "\n" + operations, 1};
  cell.known_as = std::move(known_as);
  return cell;
}

TEST(FirstFindings, EarliestAndMedianOverTheVariantsOrNoneFound) {
  VerifyResult result;
  result.engines = {"corpus", "props", "smt"};
  for (const auto& [variant, seconds] : {std::pair{"mainline", 0.5}, std::pair{"z1-max32-reset", 0.25}, std::pair{"z3-no-retry", 2.0}}) {
    Cell cell = violation(variant, "completeness", "alloc 0x1 limit=0x0\n");
    cell.first_finding_seconds = seconds;
    cell.seconds = 10;  // the whole run, minimization included: not the first finding
    result.cells.push_back(cell);
  }
  Cell proved;
  proved.variant = "mainline";
  proved.engine = "smt";
  proved.kind = CellKind::Proved;
  result.cells.push_back(proved);
  const std::vector<FirstFinding> firsts = first_findings(result);
  ASSERT_EQ(firsts.size(), 2u);  // the corpus replay is no search
  EXPECT_EQ(firsts[0].engine, "props");
  EXPECT_EQ(firsts[0].runs, 3u);
  EXPECT_EQ(firsts[0].runs_finding, 3u);
  EXPECT_EQ(firsts[0].earliest_seconds, 0.25);
  EXPECT_EQ(firsts[0].earliest_variant, "z1-max32-reset");
  EXPECT_EQ(firsts[0].median_seconds, 0.5);
  EXPECT_EQ(firsts[1].engine, "smt");
  EXPECT_EQ(firsts[1].runs, 1u);
  EXPECT_EQ(firsts[1].runs_finding, 0u);
  EXPECT_FALSE(firsts[1].earliest_seconds);
}

TEST(GroupFindings, TheSameOperationsOnSeveralVariantsAreOneFinding) {
  const auto findings = group_findings({violation("mainline", "completeness", "alloc 0x1 limit=0x0\n"),
                                        violation("z1-max32-reset", "completeness", "alloc 0x1 limit=0x0\n")});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].variants, (std::vector<std::string>{"mainline", "z1-max32-reset"}));
  EXPECT_EQ(findings[0].id, "N1");
}

TEST(GroupFindings, AnotherPropertyOrOtherOperationsAreAnotherFinding) {
  const auto findings = group_findings({violation("mainline", "completeness", "alloc 0x1 limit=0x0\n"),
                                        violation("z1-max32-reset", "soundness", "alloc 0x1 limit=0x0\n"),
                                        violation("z2-retry-overflow", "completeness", "alloc 0x2 limit=0x0\n")});
  ASSERT_EQ(findings.size(), 3u);
  EXPECT_EQ(findings[2].id, "N3");
}

TEST(GroupFindings, AKnownFindingCarriesItsNameAndIsNotCountedNew) {
  VerifyResult result;
  result.findings = group_findings({violation("mainline", "completeness", "alloc 0x1 limit=0x0\n", "F1"),
                                    violation("p3-maple", "completeness", "alloc 0x3 limit=0x2\n")});
  ASSERT_EQ(result.findings.size(), 2u);
  EXPECT_EQ(result.findings[0].id, "F1");
  EXPECT_EQ(result.findings[1].id, "N1");
  EXPECT_EQ(result.new_findings(), 1u);
}

TEST(VerifyResult, CountsRegressionsUnloadableTracesAndErrors) {
  VerifyResult result;
  result.corpus = {CorpusTrace{"a.trace", "mainline", std::nullopt, std::nullopt, std::nullopt, {}},
                   CorpusTrace{"b.trace", "mainline", std::nullopt, std::string("expected ..."), std::nullopt, {}},
                   CorpusTrace{"c.trace", "", std::string("c.trace:1:1: error"), std::nullopt, std::nullopt, {}}};
  Cell error;
  error.kind = CellKind::Error;
  result.cells = {error, violation("z1-max32-reset", "completeness", "")};
  EXPECT_EQ(result.corpus_regressions(), 2u);
  EXPECT_EQ(result.corpus_unloadable(), 1u);
  EXPECT_EQ(result.errors(), 1u);
  EXPECT_NE(result.cell("z1-max32-reset", "props"), nullptr);
  EXPECT_EQ(result.cell("z1-max32-reset", "smt"), nullptr);
}

// A pin known as FN is not flagged: the engines search with FN's fix applied, by design.
TEST(BudgetNotes, AnEngineThatMissedABugTheCorpusPinsIsFlagged) {
  VerifyResult result;
  result.corpus = {CorpusTrace{"z8/pin.trace", "z8-flush-cpu-only", std::nullopt, std::nullopt, "completeness", {}},
                   CorpusTrace{"findings/f1.trace", "mainline", std::nullopt, std::nullopt, "completeness", {}}};
  result.corpus[0].pinned_identity = "delta";
  result.corpus[1].pinned_identity = "F1";
  Cell missed;
  missed.variant = "z8-flush-cpu-only";
  missed.engine = "props";
  missed.kind = CellKind::NoViolation;
  missed.bounds = "300 generated cases";
  missed.budgeted_search = true;
  Cell clean = missed;
  clean.variant = "mainline";
  Cell not_a_search = missed;
  not_a_search.engine = "logs";
  not_a_search.budgeted_search = false;
  result.cells = {missed, clean, not_a_search};
  const auto notes = budget_notes(result);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0], "z8-flush-cpu-only: props found nothing within 300 generated cases, but z8/pin.trace pins a "
                      "completeness violation on it: the budget was too small to find it again");
}

}  // namespace
}  // namespace iovacheck::verify
