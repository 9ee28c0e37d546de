// iovacheck campaign: the nightly fuzz campaign (fuzz/campaign.h); options and the summary only.
#include <algorithm>
#include <array>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/impl_option.h"
#include "cli/repository.h"
#include "cli/trace_file.h"
#include "cli/verb.h"
#include "fuzz/campaign.h"
#include "fuzz/campaign_report.h"
#include "fuzz/text_files.h"
#include "harness/implementation.h"

namespace iovacheck::cli {

namespace {

namespace fs = std::filesystem;

constexpr std::array kOptions{
    OptionSpec{"minutes", "M", "wall-clock budget of the whole campaign (default 10)"},
    OptionSpec{"runs", "N", "executions per job instead of a time budget"},
    OptionSpec{"jobs", "J", "jobs at once, one per CPU (default 1)"},
    OptionSpec{"variants", "LIST", "comma-separated variants for the per-variant harnesses (default: all)"},
    OptionSpec{"harnesses", "LIST", "comma-separated harnesses (default: every one the fuzz build lists)"},
    OptionSpec{"out", "DIR", "corpora, findings and reports; a second run resumes (default campaign)"},
    OptionSpec{"seed", "S", "libFuzzer's seed for the first job, then +1 per job (default 0)"},
    OptionSpec{"fail-on-new", "", "exit 1 when a finding is new"},
    OptionSpec{"no-known", "", "run the variants as named: known findings end their inputs and are reported as findings"},
    OptionSpec{"fuzz-build", "DIR", "the fuzz preset's build (default: build/fuzz of the repository)"},
    OptionSpec{"coverage-build", "DIR", "the fuzz-coverage preset's build (default: build/fuzz-coverage)"},
    OptionSpec{"impl", "IMPL", "what runs the variants: impl (default), kernel, kernel:6.12, kernel:6.1, kernel:/path, each +f10 (docs/kernel.md)"},
    OptionSpec{"against", "IMPL", "exact differential mode: every input compared step by step with IMPL"},
    OptionSpec{"profile", "NAME", "ordinary (default) or scale: the real geometry and driver-shaped traces of 10^4 ops and up"},
};

// --profile: checked before anything else is read.
fuzz::InputProfile profile_option(const ParsedArgs& args) {
  const std::string name = args.value("profile").value_or("ordinary");
  const std::optional<fuzz::InputProfile> profile = fuzz::parse_input_profile(name);
  if (!profile) throw UsageError("iovacheck campaign: --profile expects ordinary or scale, got '" + name + "'");
  if (*profile == fuzz::InputProfile::Scale && args.value("against"))
    throw UsageError("iovacheck campaign: --profile scale does not apply to --against");
  return *profile;
}

// --profile scale runs the harnesses that take the byte form (ops), which decode it as the scale
// byte form; the others have no scale form: naming one is bad usage, else they are left out.
void keep_scale_harnesses(const ParsedArgs& args, fuzz::CampaignOptions& options) {
  if (options.profile != fuzz::InputProfile::Scale) return;
  const bool named = args.value("harnesses").has_value();
  std::erase_if(options.harnesses, [&](const fuzz::HarnessEntry& harness) {
    if (harness.input == "ops") return false;
    if (named) throw UsageError("iovacheck campaign: harness '" + harness.name + "' has no scale profile (only the byte-form harnesses do)");
    return true;
  });
}

// --impl and --against, and the variants they can run: with a kernel on either side the default
// is the design the kernel implements; a proposal's design with a kernel is bad usage.
void choose_implementations(const ParsedArgs& args, fuzz::CampaignOptions& options) {
  options.implementation = implementation_option(args, "campaign");
  try {
    if (const auto against = args.value("against")) options.against = parse_implementation(*against);
    if (!args.value("variants") && (options.implementation.kernel || (options.against && options.against->kernel))) {
      options.variants.clear();
      const ImplementationChoice& kernel = options.implementation.kernel ? options.implementation : *options.against;
      options.variants.push_back(variant_for(kernel, {}, Trace{}));
    }
    for (std::string& variant : options.variants) {
      variant = variant_for(options.implementation, variant, Trace{});
      if (options.against) against_variant(*options.against, variant);
    }
  } catch (const std::invalid_argument& error) {
    throw UsageError("iovacheck campaign: " + std::string(error.what()));
  }
  options.past_known = searches_past_known(!args.flag("no-known"), options.against);
}

fuzz::CampaignOptions parse_options(const ParsedArgs& args) {
  if (!args.positional.empty()) throw UsageError("iovacheck campaign: unexpected argument '" + args.positional.front() + "'");
  fuzz::CampaignOptions options;
  options.profile = profile_option(args);
  if (args.value("minutes") && args.value("runs")) throw UsageError("iovacheck campaign: give --minutes or --runs, not both");
  if (args.value("runs")) options.runs = number_option(args, "campaign", "runs", 0, UINT32_MAX);
  else options.minutes = static_cast<double>(number_option(args, "campaign", "minutes", 10, 100'000));
  if ((options.runs && *options.runs == 0) || (options.minutes && *options.minutes == 0))
    throw UsageError("iovacheck campaign: the budget must be at least 1");
  options.jobs = static_cast<unsigned>(number_option(args, "campaign", "jobs", 1, 1024));
  if (options.jobs == 0) throw UsageError("iovacheck campaign: --jobs expects at least 1");
  options.seed = number_option(args, "campaign", "seed", 0, UINT32_MAX);

  if (const auto names = args.value("variants")) {
    options.variants = fuzz::split_list(*names);
    for (const std::string& variant : options.variants)
      if (const std::string unknown = unknown_variant_message(variant); !unknown.empty()) throw UsageError("iovacheck campaign: " + unknown);
  } else {
    for (const VariantInfo& variant : implemented_variants()) options.variants.push_back(variant.name);
  }
  choose_implementations(args, options);

  const fs::path root = repository_root().value_or(fs::current_path());
  options.corpus_root = root / "corpus";
  const fs::path fuzz_build = args.value("fuzz-build").value_or((root / "build" / "fuzz").string());
  const fs::path manifest = fuzz_build / "fuzz" / "harnesses.tsv";
  std::vector<fuzz::HarnessEntry> listed;
  try {
    listed = fuzz::read_manifest(manifest);
  } catch (const fuzz::CampaignError& error) {
    throw UsageError("iovacheck campaign: " + std::string(error.what()) + " (cmake --preset fuzz && cmake --build --preset fuzz)");
  }
  if (const auto names = args.value("harnesses")) {
    for (const std::string& name : fuzz::split_list(*names)) {
      const auto found = std::find_if(listed.begin(), listed.end(), [&](const auto& entry) { return entry.name == name; });
      if (found == listed.end()) throw UsageError("iovacheck campaign: unknown harness '" + name + "' (not in " + manifest.string() + ")");
      options.harnesses.push_back(*found);
    }
  } else {
    options.harnesses = listed;
  }
  for (const fuzz::HarnessEntry& harness : options.harnesses) {
    std::error_code error;
    if (!fs::exists(harness.binary, error)) throw UsageError("iovacheck campaign: harness binary " + harness.binary.string() + " is missing (build the fuzz preset)");
  }
  keep_scale_harnesses(args, options);
  if (options.harnesses.empty() || options.variants.empty()) throw UsageError("iovacheck campaign: nothing to run");
  options.out = args.value("out").value_or("campaign");
  const fs::path coverage_build = args.value("coverage-build").value_or((root / "build" / "fuzz-coverage").string());
  options.coverage_manifest = coverage_build / "fuzz" / "harnesses.tsv";
  std::error_code error;
  fs::create_directories(options.out, error);
  if (error || !fs::is_directory(options.out)) throw UsageError("iovacheck campaign: cannot create --out " + options.out.string());
  return options;
}

int run_campaign_verb(const ParsedArgs& args) {
  const fuzz::CampaignOptions options = parse_options(args);
  fuzz::CampaignResult result;
  try {
    result = fuzz::run_campaign(options);
  } catch (const fuzz::CampaignStopped& stopped) {
    std::cerr << "iovacheck campaign: " << stopped.what() << "\n";
    return 128 + SIGINT;
  }
  fuzz::write_reports(result, options, options.out);
  std::size_t fresh = 0;
  for (const fuzz::Finding& finding : result.findings) {
    fresh += finding.known() ? 0 : 1;
    std::cout << (finding.known() ? "known " : "NEW   ") << (options.out / "findings" / finding.file).string() << "  "
              << finding.signature << "\n";
  }
  std::cout << "campaign on " << result.implementation << ": " << fuzz::known_findings_note(options) << "\n";
  for (const fuzz::JobResult& job : result.jobs)
    if (job.known_met)
      std::cout << "known findings met on " << job.known_met->variant << " (" << job.known_met->inputs
                << " corpus inputs of " << job.harness << "." << job.variant << "): " << fuzz::known_met_text(*job.known_met) << "\n";
  std::cout << "campaign on " << result.implementation << ", profile " << result.profile << ": skipped " << result.skipped()
            << " inputs the implementation refused\n";
  std::map<std::string, std::size_t> reasons;
  for (const fuzz::JobResult& job : result.jobs)
    for (const auto& [reason, count] : job.skipped) reasons[reason] += count;
  for (const auto& [reason, count] : reasons) std::cout << "  " << count << ": " << reason << "\n";
  std::cout << "campaign: " << result.jobs.size() << " jobs, " << result.findings.size() << " findings (" << fresh
            << " new); reports: " << (options.out / "report.md").string() << ", report.json, junit.xml\n";
  return args.flag("fail-on-new") && result.any_new() ? kExitFinding : kExitOk;
}

}  // namespace

const Verb& campaign_verb() {
  static const Verb verb{
      .name = "campaign",
      .summary = "run the nightly fuzz campaign: every harness x variant, findings minimized and triaged",
      .usage = "iovacheck campaign [--minutes M | --runs N] [--jobs J] [--variants LIST] [--harnesses LIST] [--out DIR] "
               "[--seed S] [--fail-on-new]\n"
               "                       [--no-known] [--impl IMPL] [--against IMPL] [--profile scale]",
      .description =
          "Runs every harness of the fuzz build (build/fuzz, 'cmake --preset fuzz') on every variant\n"
          "under libFuzzer, J jobs at once, with a persistent corpus per (harness, variant) under\n"
          "DIR/corpus, so a second run resumes; merges the corpora at the end (-merge=1). Each crash\n"
          "is replayed with the shared checker, minimized by the shared minimizer under the same\n"
          "predicate as 'check', deduplicated by signature (variant, property, operation shape)\n"
          "and written to DIR/findings/ marked new or known. With a coverage build\n"
          "(build/fuzz-coverage) it measures line and branch coverage of model/ and impl/ into\n"
          "DIR/coverage/html. Writes DIR/report.json, report.md and junit.xml; progress on stderr.\n"
          "Every file is written through a rename: a killed campaign loses nothing written.\n"
          "\n"
          "By default the search goes past known findings, as 'check' does: each variant runs with\n"
          "every fix of docs/findings.md that applies to it (mainline: mainline+f1+f2+f3+f4+f5+f9),\n"
          "so its inputs go on past F1, F2, ... and a finding is a violation that remains. After the\n"
          "merge each job's corpus is replayed on the variant as named, and every input's first\n"
          "violation is counted under the one rule for \"known\" (known as FN when V+fN observes the\n"
          "same before that step and does not violate at it): the reports and the summary say how\n"
          "often each known finding was met, which were not met, and how many inputs no single fix\n"
          "explains. --no-known runs the variants as named; a known finding is then a finding,\n"
          "reported with its identity ('known as F1'). A kernel (--impl) runs with its own fixes\n"
          "(kernel:X+f10); the exact differential (--against) compares the variants as named.\n"
          "\n"
          "--impl kernel[:6.12|:6.1|:/path] fuzzes the real drivers/iommu/iova.c (the variant list\n"
          "defaults to the design the kernel implements; a proposal with a kernel is bad usage).\n"
          "--against IMPL is the exact differential mode: each input runs on the variant and on\n"
          "IMPL, every step's result and state compared; a difference is a finding (property\n"
          "'difference'), minimized by the shared minimizer. Reports name the implementation and\n"
          "count the inputs it refused (a magazine size no kernel copy was built for) by reason.\n"
          "\n"
          "--profile scale fuzzes at kernel scale: the differential harness decodes each input as\n"
          "the scale byte form (the real geometry, 4 to 64 CPUs; bursts of NIC rings, NVMe queues and\n"
          "a 32-bit device expanding into traces of 10^4 to 2x10^5 operations), in corpora of its own\n"
          "(DIR/corpus/differential-scale.V); findings and reports name the profile. Replay an input\n"
          "with 'fuzz-replay --profile scale'.\n"
          "\n"
          "Exit: 0 completed, whatever it found; 1 with --fail-on-new when a finding is new; 2 bad\n"
          "usage (nothing started); 3 a defect in iovacheck.",
      .options = kOptions,
      .run = run_campaign_verb,
  };
  return verb;
}

}  // namespace iovacheck::cli
