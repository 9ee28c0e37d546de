// The reports say the same thing the result does, escaped for their formats.
#include "verify/report.h"

#include <gtest/gtest.h>

namespace iovacheck::verify {
namespace {

VerifyResult sample() {
  VerifyResult result;
  result.version = "0.6.0";
  result.variants = {"mainline"};
  result.engines = {"corpus", "props"};
  Cell cell;
  cell.variant = "mainline";
  cell.engine = "props";
  cell.kind = CellKind::Violation;
  cell.counterexample = Counterexample{"completeness", "a gap \"[0x1, 0x1]\" <here>", "iova-trace 1\n", 2};
  result.cells = {cell};
  result.findings = group_findings(result.cells);
  return result;
}

TEST(Reports, JsonEscapesQuotesAndNewlines) {
  const std::string json = report_json(sample());
  EXPECT_NE(json.find(R"("reason": "a gap \"[0x1, 0x1]\" <here>")"), std::string::npos);
  EXPECT_NE(json.find(R"("trace": "iova-trace 1\n")"), std::string::npos);
  EXPECT_NE(json.find(R"("new_findings": 1)"), std::string::npos);
}

TEST(Reports, HtmlEscapesMarkupAndNeedsNoNetwork) {
  const std::string html = report_html(sample());
  EXPECT_NE(html.find("&lt;here&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<here>"), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos);
  EXPECT_NE(html.find("name=\"viewport\""), std::string::npos);
}

TEST(Reports, MarkdownHasTheMatrixRowAndTheTrace) {
  const std::string markdown = report_markdown(sample());
  EXPECT_NE(markdown.find("| mainline |  | completeness (2 ops, new) |"), std::string::npos);
  EXPECT_NE(markdown.find("```\niova-trace 1\n```"), std::string::npos);
}

TEST(Reports, CoverageIsShownWhereMeasuredAndSaidNotMeasuredElsewhere) {
  VerifyResult result = sample();
  result.coverage.note = "not measured: no coverage build at build/fuzz-coverage";
  EXPECT_NE(report_markdown(result).find("Coverage not measured: no coverage build at build/fuzz-coverage."), std::string::npos);
  EXPECT_NE(report_json(result).find(R"("coverage": {"measured": false)"), std::string::npos);
  result.coverage = Coverage{.measured = true, .note = "runs/coverage/html/index.html",
                             .figures = {CoverageFigure{"props", 81.25, 60.5, ""}, CoverageFigure{"all", 90.0, std::nullopt, ""}}};
  const std::string markdown = report_markdown(result);
  EXPECT_NE(markdown.find("| props | 81.2 % | 60.5 % |"), std::string::npos);
  EXPECT_NE(markdown.find("| all engines | 90.0 % | n/a |"), std::string::npos);
  EXPECT_NE(report_html(result).find("<table id=\"coverage\">"), std::string::npos);
}

TEST(Reports, TimeToFirstFindingIsTheEnginesOwnOrNoneFound) {
  VerifyResult result = sample();
  result.cells[0].first_finding_seconds = 0.04;
  result.cells[0].seconds = 9;
  EXPECT_NE(report_markdown(result).find("| props | 0.04 s (mainline) | 0.04 s | 1 of 1 |"), std::string::npos);
  result.cells[0].kind = CellKind::NoViolation;
  EXPECT_NE(report_markdown(result).find("| props | none found |  | 0 of 1 |"), std::string::npos);
}

TEST(CellLabel, NamesLengthAndKnownness) {
  Cell cell = sample().cells[0];
  EXPECT_EQ(cell_label(cell), "completeness (2 ops, new)");
  cell.known_as = "F1";
  cell.counterexample->length = 1;
  EXPECT_EQ(cell_label(cell), "completeness (1 op, F1)");
  cell.kind = CellKind::NotBuilt;
  EXPECT_EQ(cell_label(cell), "not built");
}

}  // namespace
}  // namespace iovacheck::verify
