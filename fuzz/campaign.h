#pragma once
// The nightly campaign: every harness x variant under libFuzzer, persistent corpora, crash
// triage into minimized, deduplicated findings marked new or known, coverage, reports.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <map>
#include <vector>

#include "fuzz/input_profile.h"
#include "harness/implementation.h"

namespace iovacheck::fuzz {

// One line of the fuzz build's harnesses.tsv (fuzz/CMakeLists.txt writes it).
struct HarnessEntry {
  std::string name;
  std::string input;  // ops, trace or raw
  bool per_variant = false;
  std::filesystem::path binary;
  std::filesystem::path seeds;
  std::filesystem::path dict;     // empty: none
  std::filesystem::path options;  // empty: none
};

// A manifest that cannot be read or a line that does not fit; what() names file and line.
class CampaignError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// SIGINT or SIGTERM stopped the campaign: its jobs are stopped, every file it wrote is whole,
// and the next run resumes.
class CampaignStopped : public std::runtime_error {
 public:
  CampaignStopped() : std::runtime_error("stopped by a signal; the next run resumes") {}
};

std::vector<HarnessEntry> read_manifest(const std::filesystem::path& path);

// The "totals" percentage of one kind ("lines", "branches") in `llvm-cov export -summary-only`
// output; nullopt when absent or when nothing of that kind was instrumented.
std::optional<double> coverage_total_percent(const std::string& summary_json, const std::string& kind);

struct CampaignOptions {
  std::optional<double> minutes;       // wall-clock budget of the whole campaign
  std::optional<std::uint64_t> runs;   // or: executions per job
  unsigned jobs = 1;                   // jobs run at once (CPUs)
  std::vector<std::string> variants;   // for per-variant harnesses
  std::vector<HarnessEntry> harnesses;
  std::filesystem::path out;
  std::uint64_t seed = 0;
  std::filesystem::path coverage_manifest;  // harnesses.tsv of the coverage build; empty: none
  std::filesystem::path corpus_root;        // the repository's corpus/ (its parent is the source tree)
  ImplementationChoice implementation;      // what runs the variants (IOVACHECK_IMPL of the harness)
  std::optional<ImplementationChoice> against;  // exact differential mode (IOVACHECK_AGAINST)
  // Search past the known findings (searches_past_known): each variant runs with the fixes of
  // its known findings, and the known findings the variant as named meets are counted.
  bool past_known = true;
  // How the ops harnesses decode their inputs (IOVACHECK_FUZZ_PROFILE); scale jobs keep their
  // own corpora (DIR/corpus/<harness>-scale.<variant>) and no seeds of the ordinary form.
  InputProfile profile = InputProfile::Ordinary;
};

// How often a variant as named met each known finding, by the one rule (harness/known.h): the
// inputs of a job's merged corpus, replayed on the variant without the fixes the job ran with,
// whose first violation is known as FN, is the variant's own bug (its delta), or neither: no
// single fix explains it. A known finding that stops showing up, or a rise in the unexplained,
// is news.
struct KnownMet {
  std::string variant;  // the variant as named
  std::size_t inputs = 0;
  std::map<unsigned, std::size_t> by_finding;
  std::size_t delta = 0;  // known as the variant's own bug (never on mainline)
  std::size_t unexplained = 0;
  std::vector<unsigned> not_met;  // known findings of the variant (fixes that apply) met by no input
};

// "F1 130, F2 12, delta 40; no single fix explains 2; not met: F4, F9", or "none" when nothing
// violated.
std::string known_met_text(const KnownMet& met);

// What the campaign ran each variant as: with its known findings' fixes, or as named.
std::string known_findings_note(const CampaignOptions& options);

struct Finding {
  std::string file;  // under out/findings/
  std::string harness;
  std::string profile = "ordinary";  // the input profile of the job that found it
  std::string variant;
  std::string property;
  std::string signature;
  std::size_t steps = 0;
  std::optional<std::string> known_as;  // "F1", "delta" (harness/known.h); nullopt: new
  bool known() const { return known_as.has_value(); }
  double first_seen_seconds = 0;  // into its job
};

struct JobResult {
  std::string harness;
  std::string variant;  // empty for a harness that is not per variant; with the fixes it ran with
  std::optional<KnownMet> known_met;  // when it ran with fixes of known findings
  double seconds = 0;
  std::uint64_t execs = 0;
  std::size_t edges = 0;  // libFuzzer's "cov:", the coverage counters reached
  std::size_t corpus_files = 0;
  std::optional<double> first_finding_seconds;
  std::size_t crashes = 0;
  int exit_status = 0;
  std::map<std::string, std::size_t> skipped;  // inputs the implementation refused, by reason
};

struct CampaignResult {
  std::vector<JobResult> jobs;
  std::vector<Finding> findings;  // every finding under out/findings/, this run's and earlier ones
  std::optional<double> line_coverage;    // percent, model/ and impl/
  std::optional<double> branch_coverage;  // percent
  std::string coverage_note;              // why there is none, or where the HTML is
  double seconds = 0;
  std::string implementation;  // as reports name it: impl, kernel:6.12.117, "impl:V vs kernel:6.12.117"
  std::string profile;         // the input profile: ordinary or scale
  std::size_t skipped() const;
  bool any_new() const;
};

// Runs the campaign; throws CampaignError on a defect of the environment (a harness that does
// not start). Progress goes to stderr.
CampaignResult run_campaign(const CampaignOptions& options);

}  // namespace iovacheck::fuzz
