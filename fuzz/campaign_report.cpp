#include "fuzz/campaign_report.h"

#include "fuzz/text_files.h"
#include "harness/known.h"

#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>
#include <string>

namespace iovacheck::fuzz {

namespace {

std::string number(double value, int precision = 1) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(precision) << value;
  return out.str();
}

std::string optional_number(const std::optional<double>& value) { return value ? number(*value) : "null"; }

double rate(const JobResult& job) { return job.seconds > 0 ? static_cast<double>(job.execs) / job.seconds : 0; }

std::string job_name(const JobResult& job) { return job.variant.empty() ? job.harness : job.harness + "." + job.variant; }

// {"variant": "mainline", "inputs": 412, "met": {"F1": 130}, "delta": 0, "unexplained": 2, "not_met": ["F4"]}, or null.
std::string json_known_met(const std::optional<KnownMet>& met) {
  if (!met) return "null";
  std::ostringstream out;
  out << "{\"variant\": " << json_quoted(met->variant) << ", \"inputs\": " << met->inputs << ", \"met\": {";
  bool first = true;
  for (const auto& [number, count] : met->by_finding) {
    out << (first ? "" : ", ") << json_quoted(known_label(number)) << ": " << count;
    first = false;
  }
  out << "}, \"delta\": " << met->delta << ", \"unexplained\": " << met->unexplained << ", \"not_met\": [";
  for (std::size_t i = 0; i < met->not_met.size(); ++i) out << (i ? ", " : "") << json_quoted(known_label(met->not_met[i]));
  out << "]}";
  return out.str();
}

std::string json_report(const CampaignResult& result, const CampaignOptions& options) {
  std::ostringstream out;
  out << "{\n  \"profile\": " << json_quoted(result.profile) << ",";
  out << "\n  \"implementation\": " << json_quoted(result.implementation) << ",\n  \"known_findings\": "
      << json_quoted(known_findings_note(options)) << ",\n  \"seconds\": "
      << number(result.seconds) << ",\n  \"seed\": " << options.seed << ",\n  \"skipped\": " << result.skipped()
      << ",\n  \"coverage\": {\"lines_percent\": " << optional_number(result.line_coverage)
      << ", \"branches_percent\": " << optional_number(result.branch_coverage) << ", \"note\": "
      << json_quoted(result.coverage_note) << "},\n  \"jobs\": [";
  for (std::size_t i = 0; i < result.jobs.size(); ++i) {
    const JobResult& job = result.jobs[i];
    out << (i ? "," : "") << "\n    {\"harness\": \"" << job.harness << "\", \"variant\": \"" << job.variant
        << "\", \"seconds\": " << number(job.seconds) << ", \"execs\": " << job.execs
        << ", \"exec_per_s\": " << number(rate(job), 0) << ", \"edges\": " << job.edges << ", \"corpus\": " << job.corpus_files
        << ", \"crashes\": " << job.crashes << ", \"first_finding_s\": " << optional_number(job.first_finding_seconds)
        << ", \"exit\": " << job.exit_status << ", \"known_met\": " << json_known_met(job.known_met) << ", \"skipped\": {";
    bool first = true;
    for (const auto& [reason, count] : job.skipped) {
      out << (first ? "" : ", ") << json_quoted(reason) << ": " << count;
      first = false;
    }
    out << "}}";
  }
  out << "\n  ],\n  \"findings\": [";
  for (std::size_t i = 0; i < result.findings.size(); ++i) {
    const Finding& finding = result.findings[i];
    out << (i ? "," : "") << "\n    {\"file\": " << json_quoted("findings/" + finding.file) << ", \"harness\": \""
        << finding.harness << "\", \"profile\": \"" << finding.profile << "\", \"variant\": \"" << finding.variant << "\", \"property\": \"" << finding.property
        << "\", \"status\": \"" << (finding.known() ? "known as " + *finding.known_as : std::string("new")) << "\", \"steps\": " << finding.steps
        << ", \"signature\": " << json_quoted(finding.signature) << "}";
  }
  out << "\n  ]\n}\n";
  return out.str();
}

// Inputs the implementation refused (a kernel's magazine size), summed over the jobs by reason.
std::string skipped_text(const CampaignResult& result) {
  std::map<std::string, std::size_t> reasons;
  for (const JobResult& job : result.jobs)
    for (const auto& [reason, count] : job.skipped) reasons[reason] += count;
  std::string text = "Skipped " + std::to_string(result.skipped()) + " inputs the implementation refused" +
                     (reasons.empty() ? "." : ":") + "\n";
  for (const auto& [reason, count] : reasons) text += "- " + std::to_string(count) + ": " + reason + "\n";
  return text + "\n";
}

// One row per job that ran with fixes: what its variant as named met.
std::string known_met_section(const CampaignResult& result) {
  std::string rows;
  for (const JobResult& job : result.jobs)
    if (job.known_met)
      rows += "| " + job_name(job) + " | " + job.known_met->variant + " | " + std::to_string(job.known_met->inputs) + " | " +
              known_met_text(*job.known_met) + " |\n";
  if (rows.empty()) return {};
  return "## Known findings met\n\nEach corpus input (after the merge) replayed on the variant as named, its first "
         "violation judged by the one rule for \"known\" (docs/findings.md): known as FN, the variant's own bug (delta), "
         "or neither (no single fix explains it).\n\n| job | as named | inputs | known findings met |\n"
         "|---|---|---|---|\n" + rows + "\n";
}

std::string markdown_report(const CampaignResult& result, const CampaignOptions& options, const std::filesystem::path& out_dir) {
  std::ostringstream out;
  std::size_t fresh = 0;
  for (const Finding& finding : result.findings) fresh += finding.known() ? 0 : 1;
  out << "# iovacheck campaign\n\nOn " << result.implementation << ", profile " << result.profile << ". " << number(result.seconds, 0) << " s; "
      << result.findings.size() << " findings, " << fresh << " new.\n\nKnown findings: " << known_findings_note(options)
      << ".\n\n" << skipped_text(result) << "Coverage of model/ and impl/: lines "
      << (result.line_coverage ? number(*result.line_coverage) + " %" : "n/a") << ", branches "
      << (result.branch_coverage ? number(*result.branch_coverage) + " %" : "n/a") << " (" << result.coverage_note
      << ")\n\n## Jobs\n\n| job | s | execs | exec/s | edges | corpus | crashes | first finding s |\n|---|---|---|---|---|---|---|---|\n";
  for (const JobResult& job : result.jobs)
    out << "| " << job_name(job) << " | " << number(job.seconds, 0) << " | " << job.execs << " | " << number(rate(job), 0)
        << " | " << job.edges << " | " << job.corpus_files << " | " << job.crashes << " | "
        << (job.first_finding_seconds ? number(*job.first_finding_seconds, 0) : "-") << " |\n";
  out << "\n" << known_met_section(result) << "## Findings\n\n";
  for (const Finding& finding : result.findings) {
    out << "### " << (finding.known() ? "known as " + *finding.known_as : std::string("NEW")) << ": " << finding.file << "\n\n" << finding.signature << "\n\n";
    if (finding.file.ends_with(".trace")) out << "```\n" << read_text(out_dir / "findings" / finding.file) << "```\n\n";
  }
  return out.str();
}

std::string junit_report(const CampaignResult& result, const CampaignOptions& options) {
  std::ostringstream out;
  std::size_t failures = 0;
  for (const Finding& finding : result.findings) failures += finding.known() ? 0 : 1;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"iovacheck-campaign\" tests=\""
      << result.jobs.size() + result.findings.size() << "\" failures=\"" << failures << "\" time=\""
      << number(result.seconds) << "\">\n  <properties><property name=\"known_findings\" value=\""
      << markup_escaped(known_findings_note(options)) << "\"/></properties>\n";
  for (const JobResult& job : result.jobs) {
    out << "  <testcase classname=\"jobs\" name=\"" << markup_escaped(job_name(job)) << "\" time=\"" << number(job.seconds) << "\"";
    if (job.known_met)
      out << "><system-out>known findings met on " << markup_escaped(job.known_met->variant) << " ("
          << job.known_met->inputs << " corpus inputs): " << markup_escaped(known_met_text(*job.known_met))
          << "</system-out></testcase>\n";
    else
      out << "/>\n";
  }
  for (const Finding& finding : result.findings) {
    out << "  <testcase classname=\"findings\" name=\"" << fuzz::markup_escaped(finding.file) << "\">";
    if (finding.known()) out << "<skipped message=\"known\"/>";
    else out << "<failure message=\"new finding\">" << fuzz::markup_escaped(finding.signature) << "</failure>";
    out << "</testcase>\n";
  }
  out << "</testsuite>\n";
  return out.str();
}

}  // namespace

void write_reports(const CampaignResult& result, const CampaignOptions& options, const std::filesystem::path& out) {
  for (const auto& [name, text] : {std::pair{"report.json", json_report(result, options)},
                                   std::pair{"report.md", markdown_report(result, options, out)},
                                   std::pair{"junit.xml", junit_report(result, options)}})
    if (!write_atomically(out / name, text)) throw CampaignError("cannot write " + (out / name).string());
}

}  // namespace iovacheck::fuzz
