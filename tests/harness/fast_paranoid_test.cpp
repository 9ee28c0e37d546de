// The fast judgement (the implementation's change report, validate() spaced) against the paranoid
// one (the whole state and validate() after every step): on every corpus trace and on generated
// traces, on every variant, they must reach the same verdict at the same step. The change report
// itself must equal the difference between whole observations, step by step.
#include <gtest/gtest.h>

#include <iostream>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <tuple>
#include <algorithm>

#include "harness/implementation.h"
#include "model/model.h"
#include "model/trace_io.h"

namespace iovacheck {
namespace {

// Random traces over small geometries (so that caches fill and the space runs out), every op
// kind, names bound and freed, wild frees and finds, reservations over live ranges.
class TraceGenerator {
 public:
  explicit TraceGenerator(std::uint64_t seed) : random_(seed) {}

  // tame: one limit (dma32 - 1), small sizes, no reservations or wild frees, so that most
  // traces hold on mainline; otherwise the whole vocabulary, where most traces find something.
  Trace next(std::size_t steps, bool tame = false) {
    tame_ = tame;
    Trace trace;
    Geometry& geometry = trace.geometry;
    geometry.start_pfn = pick({0, 1, 1, 1, 5});
    geometry.dma32_pfn = pick({0x10, 0x20, 0x100, 0x100000});
    geometry.mag_size = static_cast<unsigned>(pick({1, 2, 2, 3, 4, 127}));
    geometry.cpus = static_cast<unsigned>(1 + below(4));
    live_.clear();
    counter_ = 0;
    for (std::size_t i = 0; i < steps; ++i) trace.steps.push_back(Step{op(geometry), std::nullopt, 0});
    return trace;
  }

 private:
  struct Live {
    std::string name;
    bool fast = false;
    Pfn size = 0;
    unsigned cpu = 0;
  };

  Pfn below(Pfn bound) { return bound == 0 ? 0 : random_() % bound; }
  Pfn pick(std::initializer_list<Pfn> values) { return *(values.begin() + below(values.size())); }
  Pfn size() {
    if (tame_) return 1 + below(8);
    return below(8) == 0 ? pick({0, 31, 32, 33, 64, 100}) : 1 + below(below(2) ? 4 : 16); }
  Pfn limit(const Geometry& geometry) {
    const Pfn dma32 = geometry.dma32_pfn;
    if (tame_) return dma32 - 1;
    switch (below(6)) {
      case 0: return dma32 - 1;
      case 1: return below(dma32);
      case 2: return kMaxPfn;
      case 3: return dma32 + below(dma32);
      default: return std::min<Pfn>(dma32 - 1, 0x3f);
    }
  }

  Op op(const Geometry& geometry) {
    const unsigned cpu = static_cast<unsigned>(below(geometry.cpus + (!tame_ && below(20) == 0 ? 1 : 0)));
    switch (tame_ ? below(15) : below(20)) {
      case 0: case 1: case 2: case 3: {
        Alloc alloc{"n" + std::to_string(++counter_), size(), limit(geometry), below(3) != 0};
        live_.push_back(Live{alloc.name, false, alloc.size, 0});
        return alloc;
      }
      case 4: case 5: case 6: case 7: case 8: {
        FastAlloc fast{"n" + std::to_string(++counter_), size(), limit(geometry), cpu, below(4) != 0};
        live_.push_back(Live{fast.name, true, fast.size, cpu});
        return fast;
      }
      case 9: case 10: case 11: case 12: case 13: case 14: {
        if (live_.empty() || (!tame_ && below(15) == 0)) return Free{Target{below(geometry.dma32_pfn * 2), ""}};
        const std::size_t index = below(live_.size());
        const Live freed = live_[index];
        live_.erase(live_.begin() + static_cast<std::ptrdiff_t>(index));
        if (freed.fast) return FastFree{Target{0, freed.name}, freed.size, below(3) == 0 ? cpu : freed.cpu};
        return Free{Target{0, freed.name}};
      }
      case 15: {
        const Pfn lo = below(geometry.dma32_pfn);
        return Reserve{lo, lo + below(8)};
      }
      case 16: return Flush{static_cast<Flush::Scope>(below(3)), cpu};
      case 17: return Trim{};
      default: return Find{below(geometry.dma32_pfn + 4)};
    }
  }

  std::mt19937_64 random_;
  std::vector<Live> live_;
  unsigned counter_ = 0;
  bool tame_ = false;
};

CheckOptions fast_options() {
  CheckOptions options;
  options.check_expectations = false;
  options.validate_every = 1;  // the same validate() schedule as paranoid: only the judgement differs
  return options;
}

CheckOptions paranoid_options() {
  CheckOptions options;
  options.check_expectations = false;
  options.paranoid = true;
  return options;
}

std::string verdict(const CheckReport& report) {
  if (!report.violation) return "holds, " + std::to_string(report.steps.size()) + " steps";
  const Violation& violation = *report.violation;
  return "step " + std::to_string(violation.step) + ": " + std::string(property_name(violation.property)) + " - " + violation.reason;
}

// Runs both ways; returns whether the trace violates.
bool same_verdict(const Trace& trace, const std::string& variant, const std::string& what) {
  const CheckReport fast = check_on(trace, variant, fast_options());
  const CheckReport paranoid = check_on(trace, variant, paranoid_options());
  EXPECT_EQ(verdict(fast), verdict(paranoid)) << what << " on " << variant << "\n" << print_trace(trace);
  return paranoid.violation.has_value();
}

std::vector<Trace> corpus_traces() {
  const char* source = std::getenv("IOVACHECK_SOURCE_DIR");
  std::vector<Trace> traces;
  if (!source) return traces;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(std::filesystem::path(source) / "corpus")) {
    if (entry.path().extension() != ".trace") continue;
    std::ifstream file(entry.path());
    std::ostringstream text;
    text << file.rdbuf();
    traces.push_back(parse_trace(text.str()));
  }
  return traces;
}

TEST(FastAndParanoid, AgreeOnEveryCorpusTraceOnEveryVariant) {
  const std::vector<Trace> traces = corpus_traces();
  ASSERT_GT(traces.size(), 30u) << "IOVACHECK_SOURCE_DIR must name the source tree";
  std::map<std::string, int> violating;
  for (const VariantInfo& variant : implemented_variants())
    for (const Trace& trace : traces) violating[variant.name] += same_verdict(trace, variant.name, "corpus trace");
  for (const VariantInfo& variant : implemented_variants())
    if (variant.name[0] == 'z') {
      EXPECT_GT(violating[variant.name], 0) << variant.name << ": no violating trace compared";
    }
}

TEST(FastAndParanoid, AgreeOnGeneratedTracesOnEveryVariant) {
  std::map<std::string, int> violating;
  std::map<std::string, int> holding;
  for (const VariantInfo& variant : implemented_variants()) {
    TraceGenerator generator(std::hash<std::string>{}(variant.name));
    for (int i = 0; i < 150; ++i) {
      const Trace trace = generator.next(20 + static_cast<std::size_t>(i % 7) * 30, i % 2 == 0);
      (same_verdict(trace, variant.name, "generated trace " + std::to_string(i)) ? violating : holding)[variant.name]++;
    }
  }
  int all_violating = 0;
  int all_holding = 0;
  for (const auto& [name, count] : violating) all_violating += count;
  for (const auto& [name, count] : holding) all_holding += count;
  EXPECT_GT(all_violating, 50);
  EXPECT_GT(all_holding, 50);
  std::cout << "generated traces: " << all_violating << " violate, " << all_holding << " hold\n";
}

// Sits between the checker and an implementation and compares, after every op, the
// implementation's change report with the difference between the whole observations.
class ReportAuditor final : public SystemUnderTest {
 public:
  explicit ReportAuditor(std::unique_ptr<SystemUnderTest> inner) : inner_(std::move(inner)) {}

  Outcome apply(const Op& op) override {
    const Observation before = inner_->observe();
    const Outcome outcome = inner_->apply(op);
    const Observation after = inner_->observe();
    const ChangeReport reported = changes_of(*inner_);
    ++audited;
    if (!reported.complete) return outcome;  // a reserve: the checker observes everything
    EXPECT_EQ(sorted(reported.nodes_gone), missing_from(before.nodes, after.nodes)) << print_op(op);
    EXPECT_EQ(sorted(reported.nodes_new), missing_from(after.nodes, before.nodes)) << print_op(op);
    EXPECT_EQ(sorted(reported.cached_gone), missing_from(before.cached, after.cached)) << print_op(op);
    EXPECT_EQ(sorted(reported.cached_new), missing_from(after.cached, before.cached)) << print_op(op);
    return outcome;
  }
  Observation observe() const override { return inner_->observe(); }
  void changes(ChangeReport& report) override { report.reset(false); }
  std::optional<std::string> validate() const override { return inner_->validate(); }
  std::string describe() const override { return inner_->describe(); }

  int audited = 0;

 private:
  static bool before(const Range& a, const Range& b) { return std::tie(a.lo, a.hi) < std::tie(b.lo, b.hi); }
  static bool before(const CachedPfn& a, const CachedPfn& b) { return std::tie(a.pfn, a.bin, a.slot.cpu) < std::tie(b.pfn, b.bin, b.slot.cpu); }
  template <typename T>
  static std::vector<T> sorted(std::vector<T> items) {
    std::sort(items.begin(), items.end(), [](const T& a, const T& b) { return before(a, b); });
    return items;
  }
  template <typename T>
  static std::vector<T> missing_from(const std::vector<T>& from, const std::vector<T>& in) {
    std::vector<T> missing;
    const std::vector<T> a = sorted(from);
    const std::vector<T> b = sorted(in);
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(missing), [](const T& x, const T& y) { return before(x, y); });
    return missing;
  }

  std::unique_ptr<SystemUnderTest> inner_;
};

TEST(FastAndParanoid, ChangeReportsAreTheDifferenceBetweenObservations) {
  int audited = 0;
  for (const VariantInfo& variant : implemented_variants()) {
    TraceGenerator generator(11);
    for (int i = 0; i < 40; ++i) {
      Trace trace = generator.next(150);
      trace.variant = variant.name;
      ReportAuditor auditor(make_implementation(trace));
      check(trace, auditor, paranoid_options());
      audited += auditor.audited;
    }
  }
  EXPECT_GT(audited, 3000);
}

// A mutant that changes the state behind the checker's back and hides it from its change report:
// paranoid names the step, fast judgement cannot see it until the whole-state comparison at the
// end of the run. This is what the fast mode trusts the change report for.
class HiddenChange final : public SystemUnderTest {
 public:
  HiddenChange(std::unique_ptr<SystemUnderTest> inner, std::size_t at_step) : inner_(std::move(inner)), at_step_(at_step) {}
  Outcome apply(const Op& op) override {
    const Outcome outcome = inner_->apply(op);
    if (++applied_ == at_step_) {
      reported_ = changes_of(*inner_);
      inner_->apply(Alloc{"", 1, 0xff, false});
      (void)changes_of(*inner_);  // the hidden allocation's change is dropped
    }
    return outcome;
  }
  Observation observe() const override { return inner_->observe(); }
  void changes(ChangeReport& report) override {
    if (!reported_) return inner_->changes(report);
    report = std::move(*reported_);
    reported_.reset();
  }
  std::optional<std::string> validate() const override { return inner_->validate(); }
  std::string describe() const override { return inner_->describe(); }

 private:
  std::unique_ptr<SystemUnderTest> inner_;
  std::size_t at_step_;
  std::size_t applied_ = 0;
  std::optional<ChangeReport> reported_;
};

TEST(FastAndParanoid, AChangeTheReportHidesIsFoundAtTheEnd) {
  const Trace trace = parse_trace(R"(iova-trace 1
domain granule=0x1000 start=0x1 dma32=0x1000
a: alloc 0x4 limit=0xfff
b: alloc 0x4 limit=0xfff
find 0x10
free a
free b
)");
  HiddenChange fast_sut(make_implementation(trace), 2);
  const CheckReport fast = check(trace, fast_sut, fast_options());
  ASSERT_TRUE(fast.violation);
  EXPECT_EQ(fast.violation->step, 4u);  // the last step: the whole-state comparison
  EXPECT_EQ(fast.violation->property, Property::Conservation);
  HiddenChange paranoid_sut(make_implementation(trace), 2);
  const CheckReport paranoid = check(trace, paranoid_sut, paranoid_options());
  ASSERT_TRUE(paranoid.violation);
  EXPECT_EQ(paranoid.violation->step, 1u);
  EXPECT_EQ(paranoid.violation->property, Property::Conservation);
}

}  // namespace
}  // namespace iovacheck
