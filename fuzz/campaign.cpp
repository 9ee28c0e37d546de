#include "fuzz/campaign.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "fuzz/byte_trace.h"
#include "fuzz/known_finding.h"
#include "fuzz/scale_input.h"
#include "fuzz/text_files.h"
#include "harness/differential.h"
#include "harness/implementation.h"
#include "harness/known.h"
#include "harness/predicates.h"
#include "model/minimize.h"
#include "model/trace_io.h"

extern char** environ;

namespace iovacheck::fuzz {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr double kMinimizeSeconds = 20;  // libFuzzer's crash minimization, per crash

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Findings and reports must not be lost to a full disk unnoticed.
void write_or_throw(const fs::path& path, const std::string& text) {
  if (!write_atomically(path, text)) throw CampaignError("cannot write " + path.string());
}

std::size_t count_files(const fs::path& dir) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) return 0;
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir, error), fs::directory_iterator()));
}

// Set by SIGINT/SIGTERM: the campaign stops its jobs and exits; what it wrote stays whole.
volatile std::sig_atomic_t stop_requested = 0;
extern "C" void request_stop(int) { stop_requested = 1; }

// The supervisor of a job (a forked copy of the campaign that only makes async-signal-safe
// calls): when the campaign dies, even by SIGKILL, the kernel sends it SIGHUP
// (PR_SET_PDEATHSIG), and it kills its whole process group: the libFuzzer job and the fork-mode
// workers that job started, which would otherwise run on as orphans.
extern "C" void kill_own_group(int) { kill(0, SIGKILL); }

[[noreturn]] void supervise(pid_t campaign, char* const* args, char* const* env, const char* log) {
  struct sigaction on_hangup {};
  on_hangup.sa_handler = kill_own_group;
  sigaction(SIGHUP, &on_hangup, nullptr);
  prctl(PR_SET_PDEATHSIG, SIGHUP);
  if (getppid() != campaign) kill_own_group(0);  // the campaign died before the line above
  const pid_t job = fork();
  if (job == 0) {
    signal(SIGHUP, SIG_DFL);
    const int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0) _exit(127);
    execve(args[0], args, env);
    _exit(127);
  }
  if (job < 0) _exit(127);
  int status = 0;
  while (waitpid(job, &status, 0) < 0 && errno == EINTR) {
  }
  _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));  // the job's code, as exit_code reads it
}

// A child process in a process group of its own (so that it and whatever it starts can be
// stopped together, and die with the campaign), its output in `log`; environment = ours plus
// `extra`. An exec failure shows as exit code 127.
pid_t spawn(const std::vector<std::string>& argv, const std::vector<std::string>& extra, const fs::path& log) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_strings(extra);
  for (char** entry = environ; *entry != nullptr; ++entry) env_strings.emplace_back(*entry);
  std::vector<char*> env;
  for (std::string& entry : env_strings) env.push_back(entry.data());
  env.push_back(nullptr);
  if (access(args[0], X_OK) != 0) throw CampaignError("cannot start " + argv[0]);
  const std::string log_path = log.string();
  const pid_t campaign = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw CampaignError("cannot start " + argv[0] + ": fork failed");
  if (pid == 0) {
    setpgid(0, 0);
    supervise(campaign, args.data(), env.data(), log_path.c_str());
  }
  setpgid(pid, pid);  // also here, so that a kill of the group cannot come before the child's own
  return pid;
}

int exit_code(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

void stop_group(pid_t pid) {
  kill(-pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
}

// The child's exit code; past `limit` seconds (or on a stop request) it and its group are
// killed and -1 is returned.
int wait_for(pid_t pid, double limit = 1e9) {
  const Clock::time_point started = Clock::now();
  for (;;) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return exit_code(status);
    if (seconds_since(started) > limit || stop_requested) {
      stop_group(pid);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// Runs to completion; its combined output.
std::string run_captured(const std::vector<std::string>& argv, const std::vector<std::string>& extra,
                         const fs::path& scratch) {
  fs::remove(scratch);
  wait_for(spawn(argv, extra, scratch), 120);
  return read_text(scratch);
}

struct Job {
  const HarnessEntry* harness = nullptr;
  std::string variant;  // what the harness runs, with its known findings' fixes when searching past them; empty: not per variant
  std::string named;    // the variant as named
  InputProfile profile = InputProfile::Ordinary;
  // Each profile has its corpora, crashes and logs apart: their inputs mean different traces.
  std::string id() const {
    const std::string name = profile == InputProfile::Scale ? harness->name + "-scale" : harness->name;
    return variant.empty() ? name : name + "." + variant;
  }
};

struct Paths {
  fs::path out;
  fs::path corpus(const Job& job) const { return out / "corpus" / job.id(); }
  fs::path crashes(const Job& job) const { return out / "crashes" / job.id(); }
  fs::path log(const Job& job) const { return out / "logs" / (job.id() + ".log"); }
  fs::path findings() const { return out / "findings"; }
  fs::path skips(const Job& job) const { return out / "skips" / job.id(); }
  fs::path scratch() const { return out / "scratch"; }
};

// What runs the variants: past the known findings a kernel runs with its own fixes (kernel/fixes/);
// impl/'s are named in the job's variant.
ImplementationChoice searched_implementation(const CampaignOptions& options) {
  return options.past_known ? with_kernel_fixes(options.implementation) : options.implementation;
}

// What the harness runs: the job's variant, on the campaign's implementation, against another.
std::vector<std::string> harness_environment(const Job& job, const CampaignOptions& options) {
  std::vector<std::string> env{"IOVACHECK_IMPL=" + searched_implementation(options).text()};
  if (!job.variant.empty()) env.push_back("IOVACHECK_FUZZ_VARIANTS=" + job.variant);
  // As named, a known finding is a finding too (with its identity); past them, none is left.
  if (!options.past_known) env.push_back("IOVACHECK_FUZZ_REPORT_KNOWN=1");
  env.push_back("IOVACHECK_FUZZ_PROFILE=" + std::string(profile_name(job.profile)));
  if (options.against) env.push_back("IOVACHECK_AGAINST=" + options.against->text());
  return env;
}

// Violations are written to the job's crash directory and the run goes on (a crash would cost
// a restart of libFuzzer's fork job each time); sanitizer reports still crash. Inputs the
// implementation refuses are counted under skips/.
std::vector<std::string> job_environment(const Job& job, const CampaignOptions& options, const fs::path& crashes,
                                         const fs::path& skips) {
  std::vector<std::string> env = harness_environment(job, options);
  env.push_back("IOVACHECK_FUZZ_KEEP_GOING=" + crashes.string());
  env.push_back("IOVACHECK_FUZZ_SKIPS=" + skips.string());
  return env;
}

// The refusal counts the job's processes left (fuzz/differential.cpp), summed by reason.
std::map<std::string, std::size_t> read_skips(const fs::path& dir) {
  std::map<std::string, std::size_t> skipped;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    std::istringstream text(read_text(entry.path()));
    for (std::string line; std::getline(text, line);) {
      const std::size_t tab = line.find('\t');
      if (tab == std::string::npos || tab == 0) continue;
      skipped[line.substr(tab + 1)] += std::stoull(line.substr(0, tab));
    }
  }
  return skipped;
}

// The harness's dictionary and the "key = value" lines of its .options file's [libfuzzer]
// section, as OSS-Fuzz passes them.
std::vector<std::string> fuzzer_flags(const HarnessEntry& harness) {
  std::vector<std::string> flags;
  if (!harness.dict.empty()) flags.push_back("-dict=" + harness.dict.string());
  if (harness.options.empty()) return flags;
  static const std::regex setting(R"(^\s*([a-z_]+)\s*=\s*(\S+)\s*$)");
  std::istringstream text(read_text(harness.options));
  std::string line;
  bool in_libfuzzer = false;
  while (std::getline(text, line)) {
    if (line.starts_with("[")) in_libfuzzer = line.starts_with("[libfuzzer]");
    std::smatch match;
    if (in_libfuzzer && std::regex_match(line, match, setting)) flags.push_back("-" + match[1].str() + "=" + match[2].str());
  }
  return flags;
}

// What a scale job passes after the harness's own flags (libFuzzer takes the last of each): a
// header and up to 256 bursts; and a wall-clock time per input that a trace of 2 x 10^5
// operations under ASan needs on a loaded machine (47 s of CPU, 260 s of wall time measured,
// docs/fuzz.md), so that a slow input is neither a timeout nor a slow unit, each of which
// would be triaged as a crash.
std::vector<std::string> profile_flags(InputProfile profile) {
  if (profile == InputProfile::Ordinary) return {};
  return {"-max_len=" + std::to_string(kScaleMaxInputBytes), "-timeout=600", "-report_slow_units=600"};
}

// libFuzzer's fork-mode status lines: "#N: cov: C ft: F corp: K exec/s: E oom/timeout/crash: a/b/c time: Ts job: J".
void read_job_log(const fs::path& log, JobResult& result) {
  static const std::regex status(R"(#(\d+): cov: (\d+) ft: \d+ corp: \d+ exec/s:? \d+ oom/timeout/crash: \d+/\d+/(\d+))");
  const std::string text = read_text(log);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), status); it != std::sregex_iterator(); ++it) {
    result.execs = std::stoull((*it)[1]);
    result.edges = std::stoull((*it)[2]);
    result.crashes = std::stoull((*it)[3]);
  }
}

class Campaign {
 public:
  explicit Campaign(const CampaignOptions& options)
      : options_(options), runs_(searched_implementation(options)), paths_{options.out} {}

  CampaignResult run() {
    result_.implementation = options_.against ? implementation_name(runs_) + " vs " +
                                                    implementation_name(*options_.against)
                                              : implementation_name(runs_);
    result_.profile = profile_name(options_.profile);
    std::signal(SIGINT, request_stop);
    std::signal(SIGTERM, request_stop);
    for (const HarnessEntry& harness : options_.harnesses) {
      if (!harness.per_variant) jobs_.push_back(Job{&harness, "", "", options_.profile});
      else
        for (const std::string& variant : options_.variants)
          jobs_.push_back(Job{&harness, searched_variant(variant, options_.past_known, runs_), variant, options_.profile});
    }
    for (const fs::path& dir : {paths_.out / "corpus", paths_.out / "crashes", paths_.out / "logs", paths_.findings(),
                                paths_.scratch()})
      fs::create_directories(dir);
    load_earlier_findings();
    fuzz_all();
    for (const Job& job : jobs_) {
      merge(job);
      count_known(job);
    }
    coverage();
    result_.seconds = seconds_since(started_);
    std::sort(result_.findings.begin(), result_.findings.end(),
              [](const Finding& a, const Finding& b) { return a.file < b.file; });
    return result_;
  }

 private:
  // Seconds each job gets: the budget shared out in waves of `jobs` at once.
  double job_seconds() const {
    const double waves = std::ceil(static_cast<double>(jobs_.size()) / options_.jobs);
    return std::max(1.0, *options_.minutes * 60.0 / waves);
  }

  void fuzz_all() {
    std::map<pid_t, std::pair<std::size_t, Clock::time_point>> running;
    std::size_t next = 0;
    Clock::time_point last_progress = Clock::now();
    while ((next < jobs_.size() || !running.empty()) && !stop_requested) {
      while (next < jobs_.size() && running.size() < options_.jobs) {
        running[start(jobs_[next])] = {next, Clock::now()};
        ++next;
      }
      int status = 0;
      const pid_t done = waitpid(-1, &status, WNOHANG);
      if (done > 0 && running.contains(done)) {
        const auto [index, began] = running[done];
        running.erase(done);
        finish(jobs_[index], seconds_since(began), exit_code(status));
        continue;
      }
      if (seconds_since(last_progress) >= 10) {
        progress(running, next);
        last_progress = Clock::now();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    for (const auto& [pid, job] : running) stop_group(pid);
    if (stop_requested) throw CampaignStopped();
  }

  pid_t start(const Job& job) {
    fs::create_directories(paths_.corpus(job));
    fs::create_directories(paths_.crashes(job));
    fs::remove_all(paths_.skips(job));
    fs::create_directories(paths_.skips(job));
    std::vector<std::string> argv{job.harness->binary.string(), "-fork=1", "-ignore_crashes=1", "-ignore_timeouts=1",
                                  "-ignore_ooms=1", "-timeout=10", "-seed=" + std::to_string(options_.seed + jobs_started_++),
                                  "-artifact_prefix=" + paths_.crashes(job).string() + "/"};
    if (options_.runs) argv.push_back("-runs=" + std::to_string(*options_.runs));
    else argv.push_back("-max_total_time=" + std::to_string(static_cast<long>(job_seconds())));
    for (const std::string& flag : fuzzer_flags(*job.harness)) argv.push_back(flag);
    for (const std::string& flag : profile_flags(job.profile)) argv.push_back(flag);
    argv.push_back(paths_.corpus(job).string());
    // The ordinary seeds would decode to unrelated workloads in the scale form.
    if (fs::is_directory(job.harness->seeds) && job.profile == InputProfile::Ordinary) argv.push_back(job.harness->seeds.string());
    fs::remove(paths_.log(job));
    return spawn(argv, environment(job), paths_.log(job));
  }

  void finish(const Job& job, double seconds, int status) {
    JobResult result;
    result.first_finding_seconds = first_finding_seconds(job, seconds);
    result.harness = job.harness->name;
    result.variant = job.variant;
    result.seconds = seconds;
    result.exit_status = status;
    read_job_log(paths_.log(job), result);
    result.skipped = read_skips(paths_.skips(job));
    triage(job, result);
    result_.jobs.push_back(result);
  }

  // The oldest crash or finding file the job wrote, in seconds from its start (files left by an
  // earlier, killed run do not count).
  std::optional<double> first_finding_seconds(const Job& job, double job_seconds) const {
    const auto started = fs::file_time_type::clock::now() -
                         std::chrono::duration_cast<fs::file_time_type::duration>(std::chrono::duration<double>(job_seconds));
    std::optional<fs::file_time_type> oldest;
    for (const auto& entry : fs::directory_iterator(paths_.crashes(job))) {
      const fs::file_time_type written = entry.last_write_time();
      if (written >= started && (!oldest || written < *oldest)) oldest = written;
    }
    if (!oldest) return std::nullopt;
    return std::chrono::duration<double>(*oldest - started).count();
  }

  // One line: elapsed and remaining time, jobs, exec/s and edges of the running jobs (from
  // their libFuzzer status lines), corpus inputs, findings triaged and inputs awaiting triage.
  void progress(const std::map<pid_t, std::pair<std::size_t, Clock::time_point>>& running, std::size_t started) const {
    std::uint64_t execs = 0;
    std::size_t edges = 0;
    std::size_t pending = 0;
    double seconds = 0;
    for (const auto& [pid, job] : running) {
      JobResult now;
      read_job_log(paths_.log(jobs_[job.first]), now);
      execs += now.execs;
      edges += now.edges;
      seconds += seconds_since(job.second);
      pending += count_files(paths_.crashes(jobs_[job.first]));
    }
    std::size_t corpus = 0;
    for (const Job& job : jobs_) corpus += count_files(paths_.corpus(job));
    const double elapsed = seconds_since(started_);
    std::cerr << "campaign: " << std::fixed << std::setprecision(0) << elapsed << " s elapsed";
    if (options_.minutes) std::cerr << ", ~" << std::max(0.0, *options_.minutes * 60 - elapsed) << " s left";
    std::cerr << "; jobs " << started - running.size() << "/" << jobs_.size() << " done, " << running.size()
              << " running at " << (seconds > 0 ? static_cast<double>(execs) * static_cast<double>(running.size()) / seconds : 0.0)
              << " exec/s, " << edges << " edges; corpus " << corpus << " inputs; findings " << result_.findings.size()
              << " (" << new_findings() << " new), " << pending << " inputs to triage\n";
  }

  std::size_t new_findings() const {
    return static_cast<std::size_t>(std::count_if(result_.findings.begin(), result_.findings.end(),
                                                  [](const Finding& finding) { return !finding.known(); }));
  }

  // Findings of earlier runs (DIR/findings/*.trace), from their header comments, so that a
  // second run neither repeats nor loses them.
  void load_earlier_findings() {
    static const std::regex field(R"(^# (harness|profile|variant|property|signature|status|steps): (.*)$)");
    for (const auto& entry : fs::directory_iterator(paths_.findings())) {
      if (entry.path().extension() != ".trace" && entry.path().extension() != ".input") continue;
      Finding finding;
      finding.file = entry.path().filename().string();
      std::istringstream text(read_text(entry.path()));
      std::string line;
      while (std::getline(text, line)) {
        std::smatch match;
        if (!std::regex_match(line, match, field)) continue;
        const std::string key = match[1];
        const std::string value = match[2];
        if (key == "harness") finding.harness = value;
        if (key == "profile") finding.profile = value;
        if (key == "variant") finding.variant = value;
        if (key == "property") finding.property = value;
        if (key == "signature") finding.signature = value;
        if (key == "status" && value.rfind("known", 0) == 0)
          finding.known_as = value.size() > 9 ? value.substr(9) : std::string("known");  // "known as F1"
        if (key == "steps") finding.steps = std::stoul(value);
      }
      if (finding.signature.empty()) continue;
      signatures_.insert(finding.signature);
      result_.findings.push_back(finding);
    }
  }

  // Every crash of the job: replayed, minimized, deduplicated; crash files are removed once
  // triaged, after the finding is written.
  void triage(const Job& job, JobResult& result) {
    std::vector<fs::path> crashes;
    for (const auto& entry : fs::directory_iterator(paths_.crashes(job))) crashes.push_back(entry.path());
    std::sort(crashes.begin(), crashes.end());
    for (const fs::path& crash : crashes) {
      if (crash.extension() == ".partial") continue;
      triage_one(job, crash, result);
      fs::remove(crash);
    }
  }

  std::vector<std::string> environment(const Job& job) const {
    return job_environment(job, options_, paths_.crashes(job), paths_.skips(job));
  }

  // The job's input as a trace on the job's variant (the harness picks the same).
  Trace trace_of(const Job& job, const std::string& input) const {
    Trace trace = decode_trace({reinterpret_cast<const std::uint8_t*>(input.data()), input.size()});
    if (!job.variant.empty()) trace.variant = variant_for(runs_, job.variant, trace);
    return trace;
  }

  struct Violating {
    Trace failing;  // the named failing prefix
    Property property;
    std::optional<unsigned> known;  // its identity under the rule (never, past the known findings)
  };

  // The first violation the input shows on the job's variant, as the harness counts it; nullopt
  // also when the implementation refuses the input.
  std::optional<Violating> violation_of(const Job& job, const std::string& input) const {
    CheckReport report;
    try {
      report = check_input({reinterpret_cast<const std::uint8_t*>(input.data()), input.size()}, job.profile, job.variant,
                           runs_, CheckOptions{.check_expectations = false});
    } catch (const std::invalid_argument&) {
      return std::nullopt;
    }
    if (!report.violation) return std::nullopt;
    Trace failing = report.named;
    failing.steps.resize(report.violation->step + 1);
    // On a variant with every fix applied there is nothing left to be known as: no run.
    const std::optional<unsigned> known = known_as(failing, report.violation->step, failing.variant, runs_);
    if (known && options_.past_known) return std::nullopt;
    if (!counterexample_predicate(failing.variant, report.violation->property, known, runs_)(failing))
      return std::nullopt;
    return Violating{failing, report.violation->property, known};
  }

  // The two sides of the exact differential for a trace of the job.
  std::pair<ExactFactory, ExactFactory> sides(const std::string& variant) const {
    const ImplementationChoice primary = runs_;
    const ImplementationChoice against = *options_.against;
    const std::string other = against_variant(against, variant);
    return {[primary, variant](const Trace& trace) { return make_exact_implementation(trace, variant, primary); },
            [against, other](const Trace& trace) { return make_exact_implementation(trace, other, against); }};
  }

  // Exact differential mode: the input's first difference, minimized by the shared minimizer.
  bool triage_difference(const Job& job, const std::string& input, const JobResult& result) {
    const Trace trace = trace_of(job, input);
    const auto [a, b] = sides(trace.variant);
    const DifferentialRun run = run_differential(trace, a, b);
    if (!run.difference) return false;
    const Trace minimized = minimize_difference(trace, a, b);
    const DifferentialRun shown = run_differential(minimized, a, b);
    if (!shown.difference) return false;
    Trace prefix = minimized;
    prefix.steps.resize(shown.difference->step + 1);
    std::string shape;
    for (const Step& step : prefix.steps) shape += (shape.empty() ? "" : ",") + std::string(keyword(step.op));
    record_finding(job, prefix, "difference", shape, {{shown.difference->step, "difference: " + shown.difference->what}},
                   std::nullopt, result);
    return true;
  }

  // libFuzzer's crash minimization (the violation aborts here: no keep-going), kept when the
  // smaller input still shows the same property.
  std::string libfuzzer_minimized(const Job& job, const fs::path& crash, const std::string& input, const Violating& found) {
    const fs::path minimized = paths_.scratch() / "minimized";
    fs::remove(minimized);
    const std::vector<std::string> env = harness_environment(job, options_);
    // -minimize_crash repeats its steps until one fails to shrink: the whole is bounded here.
    wait_for(spawn({job.harness->binary.string(), "-minimize_crash=1", "-runs=2000", "-max_total_time=5",
                    "-exact_artifact_path=" + minimized.string(), crash.string()},
                   env, paths_.scratch() / "minimize.log"),
             kMinimizeSeconds);
    if (!fs::exists(minimized)) return input;
    const std::string smaller = read_text(minimized);
    const auto violation = violation_of(job, smaller);
    return violation && violation->property == found.property && violation->known == found.known ? smaller : input;
  }

  void triage_one(const Job& job, const fs::path& crash, const JobResult& result) {
    const std::string input = read_text(crash);
    if (job.harness->input == "ops" && options_.against) {
      if (triage_difference(job, input, result)) return;
    } else if (job.harness->input == "ops") {
      if (const auto found = violation_of(job, input)) {
        const auto minimized = violation_of(job, libfuzzer_minimized(job, crash, input, *found));
        const Violating& shown = minimized ? *minimized : *found;
        const TracePredicate keeps =
            counterexample_predicate(shown.failing.variant, shown.property, shown.known, runs_);
        record_trace_finding(job, minimize(shown.failing, keeps), shown.property, result);
        return;
      }
    }
    record_crash_finding(job, crash, input, result);
  }

  // "variant property keyword-sequence": what the finding is, whatever its numbers.
  static std::string signature_of(const Trace& trace, Property property) {
    std::string shape;
    for (const Step& step : trace.steps) shape += (shape.empty() ? "" : ",") + std::string(keyword(step.op));
    return trace.variant + " " + std::string(property_name(property)) + " " + shape;
  }

  static std::string digest(const std::string& text) {
    std::ostringstream hex;
    hex << std::hex << std::setw(16) << std::setfill('0') << std::hash<std::string>{}(text);
    return hex.str().substr(0, 10);
  }

  void record_trace_finding(const Job& job, const Trace& minimized, Property property, const JobResult& result) {
    const CheckReport replayed =
        check_on(minimized, minimized.variant, runs_, CheckOptions{.check_expectations = false});
    std::vector<StepComment> comments;
    if (replayed.violation) comments.push_back({replayed.violation->step, violation_comment(*replayed.violation)});
    const std::string signature = signature_of(minimized, property);
    record_finding(job, minimized, std::string(property_name(property)), signature.substr(signature.rfind(' ') + 1), comments,
                   finding_identity(minimized, runs_), result);
  }

  // A minimized trace as a finding, unless its signature (variant, property, shape) is known.
  void record_finding(const Job& job, const Trace& minimized, const std::string& property, const std::string& shape,
                      const std::vector<StepComment>& comments, std::optional<std::string> known_as, const JobResult& result) {
    const std::string signature = minimized.variant + " " + property + " " + shape;
    if (!signatures_.insert(signature).second) return;
    Finding finding;
    finding.harness = job.harness->name;
    finding.profile = profile_name(job.profile);
    finding.variant = minimized.variant;
    finding.property = property;
    finding.signature = signature;
    finding.steps = minimized.steps.size();
    finding.known_as = std::move(known_as);
    finding.first_seen_seconds = result.first_finding_seconds.value_or(result.seconds);
    finding.file = minimized.variant + "-" + finding.property + "-" + digest(signature) + ".trace";
    write_or_throw(paths_.findings() / finding.file, header(finding) + print_trace(minimized, comments));
    result_.findings.push_back(finding);
  }

  // A crash that is no violation of a trace (a sanitizer report, a parser defect): the input is
  // the finding, its signature the harness's first report line.
  void record_crash_finding(const Job& job, const fs::path& crash, const std::string& input, const JobResult& result) {
    const std::string output = run_captured({job.harness->binary.string(), crash.string()}, environment(job),
                                            paths_.scratch() / "replay.log");
    static const std::regex report_line(R"((SUMMARY: [^\n]*|\ntrace_parser: [^\n]*|==\d+==ERROR: [^\n]*))");
    std::smatch match;
    std::string what = std::regex_search(output, match, report_line) ? match[1].str() : "crash without a report";
    what = std::regex_replace(what, std::regex(R"(==\d+==|\n)"), "");
    const std::string signature = job.id() + " " + what;
    if (!signatures_.insert(signature).second) return;
    Finding finding;
    finding.harness = job.harness->name;
    finding.profile = profile_name(job.profile);
    finding.variant = job.variant;
    finding.property = "crash";
    finding.signature = signature;
    finding.first_seen_seconds = result.first_finding_seconds.value_or(result.seconds);
    finding.file = job.id() + "-crash-" + digest(signature) + ".input";
    write_or_throw(paths_.findings() / (finding.file + ".txt"), header(finding) + output);
    write_or_throw(paths_.findings() / finding.file, input);
    result_.findings.push_back(finding);
  }

  std::string header(const Finding& finding) const {
    return "# iovacheck campaign finding\n# harness: " + finding.harness + "\n# profile: " + finding.profile +
           "\n# implementation: " + result_.implementation +
           "\n# variant: " + finding.variant +
           "\n# property: " + finding.property + "\n# signature: " + finding.signature +
           "\n# status: " + (finding.known() ? "known as " + *finding.known_as : std::string("new")) + "\n# steps: " + std::to_string(finding.steps) + "\n";
  }

  // libFuzzer's -merge=1 into a fresh directory, then swapped in: a kill leaves one whole corpus.
  void merge(const Job& job) {
    const fs::path corpus = paths_.corpus(job);
    const fs::path merged = corpus.string() + ".merged";
    fs::remove_all(merged);
    fs::create_directories(merged);
    std::vector<std::string> argv{job.harness->binary.string(), "-merge=1", merged.string(), corpus.string()};
    if (wait_for(spawn(argv, environment(job), paths_.out / "logs" / (job.id() + ".merge.log"))) != 0) {
      fs::remove_all(merged);
      return;
    }
    const fs::path old = corpus.string() + ".old";
    fs::remove_all(old);
    fs::rename(corpus, old);
    fs::rename(merged, corpus);
    fs::remove_all(old);
    for (JobResult& result : result_.jobs)
      if (result.harness == job.harness->name && result.variant == job.variant) result.corpus_files = count_files(corpus);
  }

  // The job's merged corpus replayed on the variant as named, each input's first violation
  // judged by the one rule for "known": how often the fixes the job ran with were needed.
  void count_known(const Job& job) {
    if (!options_.past_known || job.harness->input != "ops" || job.named.empty()) return;
    const ImplementationChoice& named = options_.implementation;
    if (job.variant == canonical_variant(job.named) && runs_.fixes == named.fixes) return;  // nothing was fixed
    KnownMet met;
    met.variant = canonical_variant(job.named);
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(paths_.corpus(job), error)) {
      const std::string input = read_text(entry.path());
      CheckReport report;
      try {
        report = check_input({reinterpret_cast<const std::uint8_t*>(input.data()), input.size()}, job.profile, met.variant,
                             named, CheckOptions{.check_expectations = false});
      } catch (const std::invalid_argument&) {
        continue;  // refused: counted by the job's skips
      }
      ++met.inputs;
      if (!report.violation) continue;
      if (const std::optional<unsigned> known = known_as(report.named, report.violation->step, met.variant, named))
        ++met.by_finding[*known];
      else if (known_as_delta(report.named, report.violation->step, met.variant, named))
        ++met.delta;
      else
        ++met.unexplained;
    }
    // The rule's candidates (harness/known.h): a kernel's own fixes, and impl/'s where impl/ stands in.
    std::vector<unsigned> candidates = kernel_fixes_not_applied(named);
    for (const unsigned number : fixes_not_applied(met.variant)) candidates.push_back(number);
    for (const unsigned number : candidates)
      if (!met.by_finding.contains(number)) met.not_met.push_back(number);
    for (JobResult& result : result_.jobs)
      if (result.harness == job.harness->name && result.variant == job.variant) result.known_met = met;
  }

  // Every job's corpus through the coverage build, then llvm-cov over model/ and impl/.
  void coverage() {
    if (options_.coverage_manifest.empty() || !fs::exists(options_.coverage_manifest)) {
      result_.coverage_note = "no coverage build (cmake --preset fuzz-coverage && cmake --build --preset fuzz-coverage)";
      return;
    }
    const std::vector<HarnessEntry> instrumented = read_manifest(options_.coverage_manifest);
    const fs::path dir = paths_.out / "coverage";
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::vector<std::string> objects;
    for (const Job& job : jobs_) {
      const auto found = std::find_if(instrumented.begin(), instrumented.end(),
                                      [&](const HarnessEntry& entry) { return entry.name == job.harness->name; });
      if (found == instrumented.end()) continue;
      if (std::find(objects.begin(), objects.end(), found->binary.string()) == objects.end())
        objects.push_back(found->binary.string());
      std::vector<std::string> env = environment(job);
      env.push_back("LLVM_PROFILE_FILE=" + (dir / (job.id() + ".profraw")).string());
      wait_for(spawn({found->binary.string(), "-runs=0", paths_.corpus(job).string()}, env, dir / "run.log"));
    }
    std::vector<std::string> merge{"/usr/bin/llvm-profdata-14", "merge", "-sparse", "-o", (dir / "all.profdata").string()};
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.path().extension() == ".profraw") merge.push_back(entry.path().string());
    if (objects.empty() || wait_for(spawn(merge, {}, dir / "llvm.log")) != 0) {
      result_.coverage_note = "llvm-profdata failed: " + (dir / "llvm.log").string();
      return;
    }
    std::vector<std::string> base{"-instr-profile=" + (dir / "all.profdata").string(), objects.front()};
    for (std::size_t i = 1; i < objects.size(); ++i) {
      base.push_back("-object");
      base.push_back(objects[i]);
    }
    const fs::path source = options_.corpus_root.parent_path();
    std::vector<std::string> sources{(source / "model").string(), (source / "impl").string()};
    std::vector<std::string> show{"/usr/bin/llvm-cov-14", "show", "-format=html", "-show-branches=count",
                                  "-output-dir=" + (dir / "html").string()};
    show.insert(show.end(), base.begin(), base.end());
    show.insert(show.end(), sources.begin(), sources.end());
    wait_for(spawn(show, {}, dir / "llvm.log"));
    std::vector<std::string> summary{"/usr/bin/llvm-cov-14", "export", "-summary-only"};
    summary.insert(summary.end(), base.begin(), base.end());
    summary.insert(summary.end(), sources.begin(), sources.end());
    const std::string json = run_captured(summary, {}, dir / "summary.json");
    result_.line_coverage = coverage_total_percent(json, "lines");
    result_.branch_coverage = coverage_total_percent(json, "branches");
    result_.coverage_note = (dir / "html" / "index.html").string();
  }

  const CampaignOptions& options_;
  const ImplementationChoice runs_;  // what runs the jobs' variants (the harness's IOVACHECK_IMPL)
  Paths paths_;
  std::vector<Job> jobs_;
  std::set<std::string> signatures_;
  CampaignResult result_;
  Clock::time_point started_ = Clock::now();
  std::uint64_t jobs_started_ = 0;
};

}  // namespace

std::size_t CampaignResult::skipped() const {
  std::size_t total = 0;
  for (const JobResult& job : jobs)
    for (const auto& [reason, count] : job.skipped) total += count;
  return total;
}

std::string known_met_text(const KnownMet& met) {
  std::string text;
  for (const auto& [number, count] : met.by_finding)
    text += (text.empty() ? "" : ", ") + known_label(number) + " " + std::to_string(count);
  if (met.delta > 0) text += (text.empty() ? "" : ", ") + std::string("delta ") + std::to_string(met.delta);
  if (met.unexplained > 0) text += (text.empty() ? "" : "; ") + std::string("no single fix explains ") + std::to_string(met.unexplained);
  if (text.empty()) text = "none";
  std::string missing;
  for (const unsigned number : met.not_met) missing += (missing.empty() ? "" : ", ") + known_label(number);
  return missing.empty() ? text : text + "; not met: " + missing;
}

std::string known_findings_note(const CampaignOptions& options) {
  if (options.past_known && options.implementation.kernel)
    return "searched past the known findings: the kernel ran with its own fixes (kernel/fixes/), and the known "
           "findings met on it as named are counted";
  if (options.past_known)
    return "searched past the known findings: each variant ran with the fixes of its known findings "
           "(docs/findings.md), and the known findings met on it as named are counted";
  if (options.against) return "the variants as named: the exact differential compares them without fixes";
  return "the variants as named (--no-known): a known finding is reported as a finding, with its identity";
}

bool CampaignResult::any_new() const {
  return std::any_of(findings.begin(), findings.end(), [](const Finding& finding) { return !finding.known(); });
}

std::optional<double> coverage_total_percent(const std::string& summary_json, const std::string& kind) {
  const std::size_t totals = summary_json.rfind("\"totals\"");
  if (totals == std::string::npos) return std::nullopt;
  const std::regex pattern("\"" + kind + R"(":\{"count":(\d+),"covered":(\d+))");
  std::smatch match;
  const std::string tail = summary_json.substr(totals);
  if (!std::regex_search(tail, match, pattern) || std::stod(match[1]) == 0) return std::nullopt;
  return 100.0 * std::stod(match[2]) / std::stod(match[1]);
}

std::vector<HarnessEntry> read_manifest(const fs::path& path) {
  std::ifstream file(path);
  if (!file) throw CampaignError(path.string() + ": cannot open the harness list (build a fuzz preset first)");
  std::vector<HarnessEntry> entries;
  std::string line;
  std::size_t number = 0;
  while (std::getline(file, line)) {
    ++number;
    if (line.empty()) continue;
    std::vector<std::string> fields;
    std::istringstream cells(line);
    std::string cell;
    while (std::getline(cells, cell, '\t')) fields.push_back(cell);
    fields.resize(std::max<std::size_t>(fields.size(), 7));
    if (fields[0].empty() || (fields[1] != "ops" && fields[1] != "trace" && fields[1] != "raw"))
      throw CampaignError(path.string() + ":" + std::to_string(number) + ": not a harness line");
    for (std::string& field : fields)
      if (field == "-") field.clear();
    entries.push_back(HarnessEntry{fields[0], fields[1], fields[2] == "yes", fields[3], fields[4], fields[5], fields[6]});
  }
  return entries;
}

CampaignResult run_campaign(const CampaignOptions& options) { return Campaign(options).run(); }

}  // namespace iovacheck::fuzz
