#include "verify/report.h"

#include <cstdio>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <stdexcept>

#include "fuzz/text_files.h"

namespace iovacheck::verify {

namespace {

std::string json_optional(const std::optional<std::string>& text) { return text ? fuzz::json_quoted(*text) : "null"; }

std::string json_number(double value) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(3) << value;
  return out.str();
}

std::string json_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + fuzz::json_quoted(items[i]);
  return out + "]";
}

// Two decimals below 10 s, so that a search that found something at once does not read "0.0 s".
std::string seconds_text(double seconds) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(seconds < 10 ? 2 : 1) << seconds << " s";
  return out.str();
}

std::string percent_text(const std::optional<double>& value) {
  if (!value) return "n/a";
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << *value << " %";
  return out.str();
}

std::string json_optional_number(const std::optional<double>& value) { return value ? json_number(*value) : "null"; }

// One engine's time to first finding, as a table row's cells.
std::vector<std::string> first_finding_cells(const FirstFinding& first) {
  if (first.runs_finding == 0)
    return {first.engine, "none found", "", "0 of " + std::to_string(first.runs)};
  const std::string earliest = first.earliest_seconds ? seconds_text(*first.earliest_seconds) + " (" + first.earliest_variant + ")"
                                                      : "not timed";
  std::string found = std::to_string(first.runs_finding) + " of " + std::to_string(first.runs);
  if (first.untimed != 0) found += ", " + std::to_string(first.untimed) + " not timed";
  return {first.engine, earliest, first.median_seconds ? seconds_text(*first.median_seconds) : "", found};
}

// The headline every report opens with: did the corpus behave, and what is new.
std::string headline(const VerifyResult& result) {
  std::string text = result.corpus_regressions() == 0
                         ? "Every corpus trace behaves as annotated."
                         : std::to_string(result.corpus_regressions()) + " corpus trace(s) do NOT behave as annotated: a regression.";
  text += " " + std::to_string(result.findings.size()) + " finding(s), " + std::to_string(result.new_findings()) +
          " new.";
  if (result.errors() != 0) text += " " + std::to_string(result.errors()) + " engine run(s) failed: a defect in iovacheck.";
  return text;
}

void write_or_throw(const std::filesystem::path& path, const std::string& text) {
  if (!fuzz::write_atomically(path, text)) throw std::runtime_error("cannot write '" + path.string() + "'");
}

const char* kHtmlStyle = R"(
:root { font-family: system-ui, sans-serif; color: #1b1b1b; background: #fdfdfd; }
body { margin: 0 auto; padding: 1rem; max-width: 80rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.headline { padding: .6rem .8rem; border-radius: .4rem; background: #eef5ee; }
.headline.bad { background: #fbe9e7; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; font-size: .9rem; }
th, td { border: 1px solid #ccc; padding: .25rem .45rem; text-align: left; vertical-align: top; white-space: nowrap; }
th { background: #f0f0f0; position: sticky; left: 0; }
td.no-violation, td.proved { background: #e3f4e3; }
td.violation { background: #fff1d6; }
td.violation.new { background: #ffd9d2; font-weight: 600; }
td.regression, td.error { background: #f8c7c0; font-weight: 600; }
td.unknown, td.not-built, td.not-covered { background: #eee; color: #555; }
#matrix td { white-space: normal; min-width: 7rem; }
details.note { margin: .8rem 0; }
pre { background: #f6f6f6; padding: .5rem; overflow-x: auto; font-size: .8rem; }
.picture svg { max-width: 100%; height: auto; border: 1px solid #ddd; }
.finding { border-top: 1px solid #ddd; padding-top: .5rem; }
@media (max-width: 40rem) { body { padding: .5rem; } th, td { font-size: .8rem; padding: .2rem .3rem; } }
)";

// Marks the page as drawn once the matrix and the pictures have laid out, for a browser test.
const char* kHtmlScript = R"(
window.addEventListener('load', function () {
  var rows = document.querySelectorAll('#matrix tbody tr').length;
  var pictures = 0;
  document.querySelectorAll('.picture svg').forEach(function (svg) {
    var box = svg.getBoundingClientRect();
    if (box.width > 0 && box.height > 0) pictures++;
  });
  document.documentElement.setAttribute('data-rendered', 'rows=' + rows + ' pictures=' + pictures);
});
)";

std::string cell_class(const Cell& cell) {
  std::string name(cell_kind_name(cell.kind));
  for (char& c : name) c = c == ' ' ? '-' : c;
  if (cell.kind == CellKind::Violation && !cell.known_as) name += " new";
  return name;
}

}  // namespace

std::string cell_label(const Cell& cell) {
  if (cell.kind == CellKind::Violation && cell.counterexample) {
    const std::size_t length = cell.counterexample->length;
    return cell.counterexample->property + " (" + std::to_string(length) + (length == 1 ? " op, " : " ops, ") +
           cell.known_as.value_or("new") + ")";
  }
  return cell.label.empty() ? std::string(cell_kind_name(cell.kind)) : cell.label;
}

std::string report_json(const VerifyResult& result) {
  std::ostringstream out;
  out << "{\n  \"version\": " << fuzz::json_quoted(result.version) << ",\n  \"implementation\": "
      << fuzz::json_quoted(result.implementation) << ",\n  \"past_known\": " << (result.past_known ? "true" : "false")
      << ",\n  \"known_findings\": " << fuzz::json_quoted(known_findings_note(result)) << ",\n  \"seed\": " << result.seed
      << ",\n  \"budget_seconds\": " << json_number(result.budget_seconds) << ",\n  \"jobs\": " << result.jobs
      << ",\n  \"elapsed_seconds\": " << json_number(result.elapsed_seconds)
      << ",\n  \"corpus_as_annotated\": " << (result.corpus_regressions() == 0 ? "true" : "false")
      << ",\n  \"new_findings\": " << result.new_findings() << ",\n  \"errors\": " << result.errors()
      << ",\n  \"variants\": " << json_list(result.variants) << ",\n  \"engines\": " << json_list(result.engines)
      << ",\n  \"cells\": [";
  for (std::size_t i = 0; i < result.cells.size(); ++i) {
    const Cell& cell = result.cells[i];
    out << (i ? "," : "") << "\n    {\"variant\": " << fuzz::json_quoted(cell.variant) << ", \"engine\": "
        << fuzz::json_quoted(cell.engine) << ", \"verdict\": " << fuzz::json_quoted(std::string(cell_kind_name(cell.kind)))
        << ", \"bounds\": " << fuzz::json_quoted(cell.bounds) << ", \"detail\": " << fuzz::json_quoted(cell.detail)
        << ", \"seconds\": " << json_number(cell.seconds)
        << ", \"first_finding_seconds\": " << json_optional_number(cell.first_finding_seconds)
        << ", \"known_as\": " << json_optional(cell.known_as)
        << ", \"property\": "
        << (cell.counterexample ? fuzz::json_quoted(cell.counterexample->property) : std::string("null"))
        << ", \"length\": " << (cell.counterexample ? std::to_string(cell.counterexample->length) : "null")
        << ", \"trace\": " << (cell.counterexample ? fuzz::json_quoted(cell.counterexample->trace_text) : "null") << "}";
  }
  out << "\n  ],\n  \"first_findings\": [";
  const std::vector<FirstFinding> firsts = first_findings(result);
  for (std::size_t i = 0; i < firsts.size(); ++i) {
    const FirstFinding& first = firsts[i];
    out << (i ? "," : "") << "\n    {\"engine\": " << fuzz::json_quoted(first.engine) << ", \"runs\": " << first.runs
        << ", \"runs_finding\": " << first.runs_finding << ", \"earliest_seconds\": " << json_optional_number(first.earliest_seconds)
        << ", \"earliest_variant\": " << (first.earliest_seconds ? fuzz::json_quoted(first.earliest_variant) : "null")
        << ", \"median_seconds\": " << json_optional_number(first.median_seconds) << ", \"untimed\": " << first.untimed << "}";
  }
  out << "\n  ],\n  \"coverage\": {\"measured\": " << (result.coverage.measured ? "true" : "false")
      << ", \"note\": " << fuzz::json_quoted(result.coverage.note) << ", \"figures\": [";
  for (std::size_t i = 0; i < result.coverage.figures.size(); ++i) {
    const CoverageFigure& figure = result.coverage.figures[i];
    out << (i ? ", " : "") << "{\"scope\": " << fuzz::json_quoted(figure.scope) << ", \"lines_percent\": "
        << json_optional_number(figure.lines_percent) << ", \"branches_percent\": " << json_optional_number(figure.branches_percent)
        << ", \"note\": " << fuzz::json_quoted(figure.note) << "}";
  }
  out << "]},\n  \"findings\": [";
  for (std::size_t i = 0; i < result.findings.size(); ++i) {
    const Finding& finding = result.findings[i];
    out << (i ? "," : "") << "\n    {\"id\": " << fuzz::json_quoted(finding.id) << ", \"property\": "
        << fuzz::json_quoted(finding.property) << ", \"known_as\": " << json_optional(finding.known_as)
        << ", \"variants\": " << json_list(finding.variants) << ", \"engines\": " << json_list(finding.engines)
        << ", \"reason\": " << fuzz::json_quoted(finding.example.reason) << ", \"length\": " << finding.example.length
        << ", \"trace\": " << fuzz::json_quoted(finding.example.trace_text) << "}";
  }
  out << "\n  ],\n  \"corpus\": [";
  for (std::size_t i = 0; i < result.corpus.size(); ++i) {
    const CorpusTrace& trace = result.corpus[i];
    out << (i ? "," : "") << "\n    {\"path\": " << fuzz::json_quoted(trace.path) << ", \"variant\": "
        << fuzz::json_quoted(trace.own_variant) << ", \"load_error\": " << json_optional(trace.load_error)
        << ", \"regression\": " << json_optional(trace.annotation_mismatch) << ", \"labels\": " << json_list(trace.labels)
        << "}";
  }
  out << "\n  ]\n}\n";
  return out.str();
}

std::string report_markdown(const VerifyResult& result) {
  std::ostringstream out;
  out << "# iovacheck verify\n\n" << headline(result) << "\n\n"
      << "iovacheck " << result.version << " on " << result.implementation << ", seed " << result.seed << ", budget " << seconds_text(result.budget_seconds)
      << " on " << result.jobs << " jobs, ran " << seconds_text(result.elapsed_seconds) << ".\n\nKnown findings: "
      << known_findings_note(result) << ".\n\n## Verdicts\n\n| variant |";
  for (const std::string& engine : result.engines) out << " " << engine << " |";
  out << "\n|---|";
  for (std::size_t e = 0; e < result.engines.size(); ++e) out << "---|";
  out << "\n";
  for (const std::string& variant : result.variants) {
    out << "| " << variant << " |";
    for (const std::string& engine : result.engines) {
      const Cell* cell = result.cell(variant, engine);
      out << " " << (cell ? cell_label(*cell) : "") << " |";
    }
    out << "\n";
  }
  out << "\n\"no violation\" holds within the bounds listed below; nothing is claimed past them.\n\n";
  if (const std::string missed = budget_notes_summary(result); !missed.empty()) {
    out << "Note: " << missed << ":\n\n";
    for (const std::string& note : budget_notes(result)) out << "- " << note << ".\n";
  }
  out << "\n## Bounds\n\n";
  for (const Cell& cell : result.cells) {
    out << "- " << cell.variant << " / " << cell.engine << ": " << cell_kind_name(cell.kind);
    if (!cell.bounds.empty()) out << " within " << cell.bounds;
    if (!cell.detail.empty() && cell.kind != CellKind::NoViolation) out << ". " << cell.detail;
    out << " (" << seconds_text(cell.seconds);
    if (cell.first_finding_seconds) out << ", first finding after " << seconds_text(*cell.first_finding_seconds);
    out << ")\n";
  }
  out << "\n## Time to first finding\n\n"
      << "When each engine first found a violation, from its own output (the property engine's search time, the "
         "campaign's first finding file, the SMT engine's solver time), into its run on a variant."
      << (result.coverage.measured ? " The engines ran on the instrumented coverage build: a release build finds the same "
                                     "about ten times sooner (docs/verify.md)."
                                   : "")
      << "\n\n"
      << "| engine | earliest | median | runs with a finding |\n|---|---|---|---|\n";
  for (const FirstFinding& first : first_findings(result)) {
    out << "|";
    for (const std::string& text : first_finding_cells(first)) out << " " << text << " |";
    out << "\n";
  }
  out << "\n## Coverage of model/ and impl/\n\n";
  if (!result.coverage.measured) {
    out << "Coverage " << result.coverage.note << ".\n";
  } else {
    out << "| engine | lines | branches |\n|---|---|---|\n";
    for (const CoverageFigure& figure : result.coverage.figures) {
      out << "| " << (figure.scope == "all" ? "all engines" : figure.scope) << " | " << percent_text(figure.lines_percent) << " | "
          << percent_text(figure.branches_percent) << (figure.note.empty() ? "" : " (" + figure.note + ")") << " |\n";
    }
    out << "\nMeasured with llvm-cov on the coverage build the engines ran on; line by line: " << result.coverage.note << "\n";
  }
  out << "\n## Findings\n\n";
  if (result.findings.empty()) out << "None within the bounds above.\n";
  for (const Finding& finding : result.findings) {
    out << "### " << finding.id << ": " << finding.property << (finding.known_as ? " (known)" : " (NEW)") << "\n\n"
        << finding.example.reason << "\n\nSeen on " << finding.variants.size() << " variant(s): ";
    for (std::size_t i = 0; i < finding.variants.size(); ++i) out << (i ? ", " : "") << finding.variants[i];
    out << "; by " << finding.engines.front() << (finding.engines.size() > 1 ? " and others" : "")
        << ". Minimized to " << finding.example.length << " operations:\n\n```\n" << finding.example.trace_text
        << "```\n\n";
  }
  out << "## Corpus\n\n";
  for (const CorpusTrace& trace : result.corpus) {
    if (trace.load_error) out << "- " << trace.path << ": does not load: " << *trace.load_error << "\n";
    if (trace.annotation_mismatch) out << "- " << trace.path << ": REGRESSION: " << *trace.annotation_mismatch << "\n";
  }
  out << result.corpus.size() - result.corpus_regressions() << " of " << result.corpus.size()
      << " corpus traces behave as annotated.\n";
  return out.str();
}

std::string report_html(const VerifyResult& result) {
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<title>iovacheck verify</title><style>"
      << kHtmlStyle << "</style></head><body>\n<h1>iovacheck verify</h1>\n<p class=\"headline"
      << (result.corpus_regressions() != 0 || result.new_findings() != 0 ? " bad" : "") << "\">"
      << fuzz::markup_escaped(headline(result)) << "</p>\n<p>iovacheck " << fuzz::markup_escaped(result.version) << " on "
      << fuzz::markup_escaped(result.implementation) << ", seed " << result.seed
      << ", budget " << seconds_text(result.budget_seconds) << " on " << result.jobs << " jobs, ran "
      << seconds_text(result.elapsed_seconds) << ".</p>\n<p>Known findings: " << fuzz::markup_escaped(known_findings_note(result))
      << ".</p>\n<h2>Verdicts</h2>\n<div class=\"scroll\"><table id=\"matrix\">"
      << "<thead><tr><th>variant</th>";
  for (const std::string& engine : result.engines) out << "<th>" << fuzz::markup_escaped(engine) << "</th>";
  out << "</tr></thead><tbody>\n";
  for (const std::string& variant : result.variants) {
    out << "<tr><th>" << fuzz::markup_escaped(variant) << "</th>";
    for (const std::string& engine : result.engines) {
      const Cell* cell = result.cell(variant, engine);
      if (cell == nullptr) {
        out << "<td></td>";
        continue;
      }
      out << "<td class=\"" << cell_class(*cell) << "\" title=\"" << fuzz::markup_escaped(cell->bounds + ". " + cell->detail)
          << "\">" << fuzz::markup_escaped(cell_label(*cell)) << "</td>";
    }
    out << "</tr>\n";
  }
  out << "</tbody></table></div>\n<details><summary>Bounds of every verdict (\"no violation\" holds within "
         "them only)</summary><ul>";
  for (const Cell& cell : result.cells) {
    out << "<li>" << fuzz::markup_escaped(cell.variant + " / " + cell.engine + ": " + cell_label(cell)) << " within "
        << fuzz::markup_escaped(cell.bounds.empty() ? "no stated bounds" : cell.bounds) << " (" << seconds_text(cell.seconds)
        << (cell.first_finding_seconds ? ", first finding after " + seconds_text(*cell.first_finding_seconds) : "") << ")" << (cell.kind == CellKind::NoViolation ? "" : ". " + fuzz::markup_escaped(cell.detail)) << "</li>";
  }
  out << "</ul></details>\n";
  if (const std::string missed = budget_notes_summary(result); !missed.empty()) {
    out << "<details class=\"note\"><summary>Note: " << fuzz::markup_escaped(missed) << "</summary><ul>";
    for (const std::string& note : budget_notes(result)) out << "<li>" << fuzz::markup_escaped(note) << ".</li>";
    out << "</ul></details>\n";
  }
  out << "<h2>Time to first finding</h2>\n<p>From each engine's own output, into its run on a variant."
      << (result.coverage.measured ? " The engines ran on the instrumented coverage build: a release build finds the same "
                                     "about ten times sooner."
                                   : "")
      << "</p>\n"
      << "<div class=\"scroll\"><table id=\"first-findings\"><thead><tr><th>engine</th><th>earliest</th><th>median</th>"
      << "<th>runs with a finding</th></tr></thead><tbody>\n";
  for (const FirstFinding& first : first_findings(result)) {
    const std::vector<std::string> cells = first_finding_cells(first);
    out << "<tr><th>" << fuzz::markup_escaped(cells[0]) << "</th>";
    for (std::size_t i = 1; i < cells.size(); ++i) out << "<td>" << fuzz::markup_escaped(cells[i]) << "</td>";
    out << "</tr>\n";
  }
  out << "</tbody></table></div>\n<h2>Coverage of model/ and impl/</h2>\n";
  if (!result.coverage.measured) {
    out << "<p id=\"coverage\">Coverage " << fuzz::markup_escaped(result.coverage.note) << ".</p>\n";
  } else {
    out << "<div class=\"scroll\"><table id=\"coverage\"><thead><tr><th>engine</th><th>lines</th><th>branches</th></tr></thead><tbody>\n";
    for (const CoverageFigure& figure : result.coverage.figures) {
      out << "<tr><th>" << fuzz::markup_escaped(figure.scope == "all" ? "all engines" : figure.scope) << "</th><td>"
          << percent_text(figure.lines_percent) << "</td><td>" << percent_text(figure.branches_percent)
          << (figure.note.empty() ? "" : " (" + fuzz::markup_escaped(figure.note) + ")") << "</td></tr>\n";
    }
    out << "</tbody></table></div><p>Line by line: " << fuzz::markup_escaped(result.coverage.note) << "</p>\n";
  }
  out << "<h2>Findings</h2>\n";
  if (result.findings.empty()) out << "<p>None within the stated bounds.</p>\n";
  for (const Finding& finding : result.findings) {
    out << "<div class=\"finding\"><h3>" << fuzz::markup_escaped(finding.id) << ": " << fuzz::markup_escaped(finding.property)
        << (finding.known_as ? " (known)" : " (NEW)") << "</h3><p>" << fuzz::markup_escaped(finding.example.reason)
        << "</p><p>Seen on ";
    for (std::size_t i = 0; i < finding.variants.size(); ++i) out << (i ? ", " : "") << fuzz::markup_escaped(finding.variants[i]);
    out << ". Minimized to " << finding.example.length << " operations.</p>";
    if (!finding.picture_svg.empty()) out << "<div class=\"picture\">" << finding.picture_svg << "</div>";
    out << "<pre>" << fuzz::markup_escaped(finding.example.trace_text) << "</pre>";
    if (!finding.kunit_c.empty()) {
      out << "<details><summary>KUnit reproducer (drop into drivers/iommu/, run with kunit.py)</summary><pre>"
          << fuzz::markup_escaped(finding.kunit_c) << "</pre></details>";
    } else if (!finding.kunit_refusal.empty()) {
      out << "<p>No KUnit reproducer: " << fuzz::markup_escaped(finding.kunit_refusal) << "</p>";
    }
    out << "</div>\n";
  }
  out << "<h2>Corpus</h2>\n<p>" << result.corpus.size() - result.corpus_regressions() << " of " << result.corpus.size()
      << " traces behave as annotated.</p>\n<details><summary>Every corpus trace on every variant</summary>"
      << "<div class=\"scroll\"><table><thead><tr><th>trace</th>";
  for (const std::string& variant : result.variants) out << "<th>" << fuzz::markup_escaped(variant) << "</th>";
  out << "</tr></thead><tbody>\n";
  for (const CorpusTrace& trace : result.corpus) {
    out << "<tr><th>" << fuzz::markup_escaped(trace.path) << "</th>";
    if (trace.load_error) out << "<td class=\"error\" colspan=\"" << result.variants.size() << "\">" << fuzz::markup_escaped(*trace.load_error) << "</td>";
    for (std::size_t v = 0; v < trace.labels.size(); ++v) {
      const bool own = result.variants[v] == trace.own_variant;
      out << "<td" << (own && trace.annotation_mismatch ? " class=\"regression\"" : "") << ">"
          << fuzz::markup_escaped(trace.labels[v]) << (own ? "*" : "") << "</td>";
    }
    out << "</tr>\n";
  }
  out << "</tbody></table></div><p>* the trace's own variant, the only one its expectations pin.</p></details>\n<script>"
      << kHtmlScript << "</script>\n</body></html>\n";
  return out.str();
}

void write_reports(const VerifyResult& result, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  write_or_throw(dir / "report.json", report_json(result));
  write_or_throw(dir / "report.md", report_markdown(result));
  write_or_throw(dir / "report.html", report_html(result));
}

}  // namespace iovacheck::verify
