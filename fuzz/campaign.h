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
  // How the ops harnesses decode their inputs (IOVACHECK_FUZZ_PROFILE); scale jobs keep their
  // own corpora (DIR/corpus/<harness>-scale.<variant>) and no seeds of the ordinary form.
  InputProfile profile = InputProfile::Ordinary;
};

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
  std::string variant;  // empty for a harness that is not per variant
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
