// The checker driving a small fake implementation: name resolution, caller errors, expectations,
// validate() after every step, and the first violation as a value.
#include "model/checker.h"

#include <gtest/gtest.h>

#include <map>
#include <utility>

namespace iovacheck {
namespace {

// Highest-fit, no caches: enough of an allocator to drive alloc/free/find; can be told to break.
class FakeAllocator final : public SystemUnderTest {
 public:
  std::vector<Op> applied;
  std::optional<std::string> broken;   // what validate() reports
  std::optional<Pfn> misplace_next;    // the next alloc lands here, whatever the rules say

  Outcome apply(const Op& op) override {
    applied.push_back(op);
    if (auto* alloc = std::get_if<Alloc>(&op)) return allocate(*alloc);
    if (auto* free = std::get_if<Free>(&op)) {
      auto it = holder(free->target.pfn);
      if (it == nodes_.end()) return Outcome{Outcome::Status::Rejected, 0, std::nullopt};
      nodes_.erase(it);
      return Outcome{};
    }
    if (auto* find = std::get_if<Find>(&op)) {
      auto it = holder(find->pfn);
      if (it == nodes_.end()) return Outcome{Outcome::Status::Fail, 0, std::nullopt};
      return Outcome{Outcome::Status::Ok, 0, Range{it->first, it->second}};
    }
    return Outcome{Outcome::Status::Rejected, 0, std::nullopt};
  }

  Observation observe() const override {
    Observation observed;
    for (const auto& [lo, hi] : nodes_) observed.nodes.push_back({lo, hi});
    observed.nodes.push_back({kMaxPfn, kMaxPfn});
    return observed;
  }
  std::optional<std::string> validate() const override { return broken; }
  std::string describe() const override { return "fake\n"; }

 private:
  Outcome allocate(const Alloc& alloc) {
    Pfn top = alloc.limit;  // highest fit walking down, unaligned placements only
    for (auto it = nodes_.rbegin(); it != nodes_.rend() && it->second >= top - alloc.size + 1; ++it)
      if (it->first <= top) top = it->first - 1;
    Pfn pfn = misplace_next.value_or(top - alloc.size + 1);
    misplace_next.reset();
    nodes_[pfn] = pfn + alloc.size - 1;
    return Outcome{Outcome::Status::Ok, pfn, Range{pfn, pfn + alloc.size - 1}};
  }
  std::map<Pfn, Pfn>::iterator holder(Pfn pfn) {
    auto it = nodes_.upper_bound(pfn);
    if (it == nodes_.begin()) return nodes_.end();
    --it;
    return it->second >= pfn ? it : nodes_.end();
  }
  std::map<Pfn, Pfn> nodes_;
};

Trace trace_of(std::vector<Step> steps) {
  Trace trace;
  trace.geometry.dma32_pfn = 0x100;
  trace.steps = std::move(steps);
  return trace;
}

Step step(Op op, std::optional<Expectation> expect = std::nullopt) { return Step{std::move(op), expect, 0}; }
Op alloc(Pfn size, Pfn limit, std::string name = "") { return Alloc{std::move(name), size, limit, false}; }
Op free_name(std::string name) { return Free{Target{0, std::move(name)}}; }
Op free_pfn(Pfn pfn) { return Free{Target{pfn, ""}}; }

TEST(Checker, ResolvesNamesAndNamesEveryAllocation) {
  FakeAllocator fake;
  auto report = check(trace_of({step(alloc(1, 0xff, "a")), step(alloc(2, 0xff)), step(free_name("a")), step(free_pfn(0xfd))}), fake);
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(fake.applied.size(), 4u);
  EXPECT_EQ(std::get<Free>(fake.applied[2]).target, (Target{0xff, ""}));
  EXPECT_EQ(std::get<Free>(fake.applied[3]).target, (Target{0xfd, ""}));
  EXPECT_EQ(std::get<Alloc>(report.named.steps[1].op).name, "r1");
  EXPECT_EQ(std::get<Free>(report.named.steps[2].op).target, (Target{0, "a"}));
  EXPECT_EQ(std::get<Free>(report.named.steps[3].op).target, (Target{0, "r1"}));  // a pfn inside r1
}

TEST(Checker, StepsHandedOverGiveTheReportOfStepsCopied) {
  const Trace trace = trace_of({step(alloc(1, 0xff, "a")), step(alloc(2, 0xff)), step(free_name("a")),
                                step(free_pfn(0xfd)), step(free_pfn(0x10)), step(alloc(3, 0xff, "a_name_past_the_buffer"))});
  FakeAllocator copied_fake;
  const CheckReport copied = check(trace, copied_fake);
  FakeAllocator moved_fake;
  CheckSession session(trace, moved_fake);
  for (Step each : trace.steps) session.step(std::move(each));
  session.finish();
  const CheckReport& moved = session.report();
  EXPECT_EQ(moved_fake.applied, copied_fake.applied);
  EXPECT_EQ(moved.named, copied.named);
  ASSERT_EQ(moved.steps.size(), copied.steps.size());
  for (std::size_t i = 0; i < moved.steps.size(); ++i) {
    EXPECT_EQ(moved.steps[i].op, copied.steps[i].op) << "step " << i;
    EXPECT_EQ(moved.steps[i].caller_error, copied.steps[i].caller_error) << "step " << i;
  }
  EXPECT_EQ(std::get<Free>(copied.named.steps[4].op).target, (Target{0x10, ""}));  // no allocation there: the pfn stays
}

TEST(Checker, BadInputTheApiDefinesIsAppliedAndMustBeRefused) {
  FakeAllocator fake;  // allocates whatever size it is asked for, 0 included
  auto report = check(trace_of({step(alloc(1, 0xff)), step(alloc(0, 0xff))}), fake);
  ASSERT_TRUE(report.violation);
  EXPECT_EQ(report.violation->property, Property::Rejection);
  EXPECT_EQ(fake.applied.size(), 2u);
  ASSERT_TRUE(report.steps[1].caller_error);
}

TEST(Checker, GeneratedNamesAvoidTheTracesOwn) {
  FakeAllocator fake;
  auto report = check(trace_of({step(alloc(1, 0xff)), step(alloc(1, 0xff, "r1"))}), fake);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(std::get<Alloc>(report.named.steps[0].op).name, "r2");
}

// check() reads the trace's names only once a fresh name is needed; a session is given them up
// front and step by step. Either way a fresh name avoids the names bound before and after it.
TEST(Checker, GeneratedNamesAvoidTheTracesOwnBeforeAndAfterThem) {
  const Trace trace = trace_of({step(alloc(1, 0xff, "r1")), step(alloc(1, 0xff)), step(alloc(1, 0xff, "r2")), step(alloc(1, 0xff))});
  FakeAllocator fake;
  const CheckReport checked = check(trace, fake);
  ASSERT_TRUE(checked.ok());
  EXPECT_EQ(std::get<Alloc>(checked.named.steps[1].op).name, "r3");
  EXPECT_EQ(std::get<Alloc>(checked.named.steps[3].op).name, "r4");
  FakeAllocator stepped_fake;
  CheckSession session(trace, stepped_fake);
  for (const Step& each : trace.steps) session.step(each);
  session.finish();
  EXPECT_EQ(session.report().named, checked.named);
}

TEST(Checker, CallerErrorsAreRecordedNotApplied) {
  FakeAllocator fake;
  auto report = check(trace_of({step(alloc(1, 0xff, "a")), step(free_name("a")), step(free_name("a")), step(free_pfn(0x10))}), fake);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(fake.applied.size(), 3u);  // a free of a dead name is not applied; a wild free is, and refused
  ASSERT_TRUE(report.steps[2].caller_error);
  EXPECT_NE(report.steps[2].caller_error->reason().find("'a'"), std::string::npos);
  ASSERT_TRUE(report.steps[3].caller_error);
}

TEST(Checker, ReportsTheFirstUnmetExpectation) {
  FakeAllocator fake;
  const Expectation at_0x10{Expectation::Kind::At, {0x10, 0x10}};
  auto report = check(trace_of({step(alloc(1, 0xff), Expectation{Expectation::Kind::At, {0xff, 0xff}}),
                                step(alloc(1, 0xff), at_0x10), step(alloc(1, 0xff))}),
                      fake);
  ASSERT_TRUE(report.miss);
  EXPECT_EQ(report.miss->step, 1u);
  EXPECT_EQ(report.miss->actual, "0xfe");
  EXPECT_EQ(report.steps.size(), 2u);
}

TEST(Checker, ExpectationsCoverFindAndCallerErrors) {
  FakeAllocator fake;
  auto report = check(trace_of({step(alloc(2, 0xff)), step(Find{0xfe}, Expectation{Expectation::Kind::Node, {0xfe, 0xff}}),
                                step(Find{0x5}, Expectation{Expectation::Kind::None, {}}),
                                step(free_pfn(0x5), Expectation{Expectation::Kind::Fail, {}})}),
                      fake);
  EXPECT_TRUE(report.ok()) << (report.miss ? report.miss->expected + " / " + report.miss->actual : "");
}

TEST(Checker, ParanoidValidatesAfterEveryStep) {
  FakeAllocator fake;
  fake.broken = "cached32_node refers to a freed node";
  CheckOptions paranoid;
  paranoid.paranoid = true;
  auto report = check(trace_of({step(alloc(1, 0xff)), step(alloc(1, 0xff))}), fake, paranoid);
  ASSERT_TRUE(report.violation);
  EXPECT_EQ(report.violation->step, 0u);
  EXPECT_EQ(report.violation->property, Property::Structure);
  EXPECT_EQ(fake.applied.size(), 1u);
}

TEST(Checker, FastModeValidatesEveryKStepsAndAtTheEnd) {
  CheckOptions every_two;
  every_two.validate_every = 2;
  FakeAllocator fake;
  fake.broken = "cached32_node refers to a freed node";
  auto report = check(trace_of({step(alloc(1, 0xff)), step(alloc(1, 0xff)), step(alloc(1, 0xff))}), fake, every_two);
  ASSERT_TRUE(report.violation);
  EXPECT_EQ(report.violation->step, 1u);
  EXPECT_EQ(report.violation->property, Property::Structure);
  FakeAllocator at_end;
  at_end.broken = "cached32_node refers to a freed node";
  report = check(trace_of({step(alloc(1, 0xff))}), at_end);
  ASSERT_TRUE(report.violation);
  EXPECT_EQ(report.violation->step, 0u);
  EXPECT_EQ(report.violation->property, Property::Structure);
}

TEST(Checker, StopsAtTheFirstViolationWithBothStates) {
  FakeAllocator fake;
  auto report = check(trace_of({step(alloc(4, 0xff)), step(alloc(1, 0xff)), step(alloc(1, 0xff))}), fake);
  ASSERT_TRUE(report.ok());
  FakeAllocator misplacing;
  misplacing.misplace_next = 0x100;  // above the limit
  report = check(trace_of({step(alloc(1, 0xff)), step(alloc(1, 0xff))}), misplacing);
  ASSERT_TRUE(report.violation);
  EXPECT_EQ(report.violation->step, 0u);
  EXPECT_EQ(report.violation->property, Property::Soundness);
  EXPECT_NE(report.violation->model_state.find("(anchor)"), std::string::npos);
  EXPECT_NE(report.violation->impl_state.find("node [0x100, 0x100]"), std::string::npos);
  EXPECT_EQ(violation_comment(*report.violation).rfind("violation: soundness \u2014 result [0x100, 0x100]", 0), 0u);
}

// Two allocations under limit 0xff on an allocator that places the first above it, under `options`.
CheckReport misplaced_run(const CheckOptions& options = {}) {
  FakeAllocator misplacing;
  misplacing.misplace_next = 0x100;
  return check(trace_of({step(alloc(1, 0xff)), step(alloc(1, 0xff))}), misplacing, options);
}

TEST(Checker, AJudgeOnlyRunNamesTheSameViolationWithoutTheStates) {
  const CheckReport full = misplaced_run();
  const CheckReport bare = misplaced_run(CheckOptions{.describe_states = false});
  ASSERT_TRUE(full.violation && bare.violation);
  EXPECT_EQ(bare.violation->step, full.violation->step);
  EXPECT_EQ(bare.violation->property, full.violation->property);
  EXPECT_EQ(bare.violation->reason, full.violation->reason);
  EXPECT_TRUE(bare.violation->model_state.empty());
  EXPECT_TRUE(bare.violation->impl_state.empty());
  EXPECT_FALSE(full.violation->model_state.empty());
}

TEST(Checker, ARunWithoutReasonsNamesTheSameViolationWithAnEmptyReason) {
  const CheckReport full = misplaced_run();
  const CheckReport bare = misplaced_run(CheckOptions{.describe_states = false, .violation_reasons = Reasons::Omitted});
  ASSERT_TRUE(full.violation && bare.violation);
  EXPECT_EQ(bare.violation->step, full.violation->step);
  EXPECT_EQ(bare.violation->property, full.violation->property);
  EXPECT_FALSE(full.violation->reason.empty());
  EXPECT_TRUE(bare.violation->reason.empty());
  EXPECT_EQ(bare.named, full.named);
}

// Without the per-step results the report keeps the latest one, and the named trace whole: the
// same violation at the same step, and the same trace to print.
TEST(Checker, WithoutResultsTheNamedTraceAndTheViolationAreTheSame) {
  const Trace misplaced = trace_of({step(alloc(1, 0xff, "a")), step(free_name("a")), step(alloc(1, 0xff)), step(alloc(1, 0xff))});
  FakeAllocator recorded;
  const CheckReport full = check(misplaced, recorded);
  FakeAllocator bare_run;
  const CheckReport bare = check(misplaced, bare_run, CheckOptions{.record_results = false});
  EXPECT_EQ(full.steps.size(), 4u);
  ASSERT_EQ(bare.steps.size(), 1u);
  EXPECT_EQ(bare.steps.back().outcome.pfn, full.steps.back().outcome.pfn);
  EXPECT_EQ(bare.named.steps, full.named.steps);
  FakeAllocator misplacing;
  misplacing.misplace_next = 0x100;
  const CheckReport violating = check(misplaced, misplacing, CheckOptions{.record_results = false});
  ASSERT_TRUE(violating.violation);
  EXPECT_EQ(violating.violation->step, 0u);
  EXPECT_EQ(violating.named.steps.size(), 1u);
  EXPECT_EQ(violating.steps.size(), 1u);
}

}  // namespace
}  // namespace iovacheck
