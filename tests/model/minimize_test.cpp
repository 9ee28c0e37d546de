// The shared trace minimizer under synthetic predicates: what it drops, how far it lowers each
// number, that every candidate stays a valid printable trace, and its budget.
#include "model/minimize.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "model/trace_io.h"

namespace iovacheck {
namespace {

template <class OpType>
std::size_t count_of(const Trace& trace) {
  return static_cast<std::size_t>(std::count_if(trace.steps.begin(), trace.steps.end(),
                                                [](const Step& step) { return std::holds_alternative<OpType>(step.op); }));
}

template <class OpType>
const OpType* first_of(const Trace& trace) {
  for (const Step& step : trace.steps)
    if (const auto* op = std::get_if<OpType>(&step.op)) return op;
  return nullptr;
}

// Wraps a predicate: every candidate the minimizer offers must print and parse back to itself
// (names defined before use, cpus in range, a valid geometry).
class Judge {
 public:
  explicit Judge(TracePredicate keeps) : keeps_(std::move(keeps)) {}

  TracePredicate predicate() {
    return [this](const Trace& candidate) {
      ++calls_;
      try {
        if (parse_trace(print_trace(candidate)) != candidate) invalid_.push_back(print_trace(candidate));
      } catch (const TraceError& error) {
        invalid_.push_back(std::string(error.what()) + "\n" + print_trace(candidate));
      }
      return keeps_(candidate);
    };
  }

  std::size_t calls() const { return calls_; }
  const std::vector<std::string>& invalid() const { return invalid_; }

 private:
  TracePredicate keeps_;
  std::size_t calls_ = 0;
  std::vector<std::string> invalid_;
};

const char* const kNoisyTrace = R"(iova-trace 1
domain granule=0x1000 start=0x5 dma32=0x100 mag=7 cpus=3 variant=z1-max32-reset
a1: alloc 0x7 limit=0xff
a2: fast 0x3 limit=0xfff cpu=2 noflush
find 0x80
reserve 0x10 0x20
a3: alloc 0x30 limit=0xffffffffffffffff unaligned => ok
free a1
ffree a2 size=0x3 cpu=1
flush cpu=2
trim
a4: alloc 0x1 limit=0x40
free a4
flush all
a5: fast 0x9 limit=0x80 cpu=1
ffree a5 size=0x9 cpu=2
)";

TEST(Minimize, DropsEverythingThePredicateDoesNotNeedAndLowersWhatItDoes) {
  Judge judge([](const Trace& trace) {
    const Alloc* alloc = first_of<Alloc>(trace);
    return alloc && alloc->size >= 5 && count_of<Find>(trace) > 0;
  });
  const Trace minimized = minimize(parse_trace(kNoisyTrace), judge.predicate());
  EXPECT_EQ(print_trace(minimized),
            "iova-trace 1\n"
            "domain granule=0x1000 start=0x0 dma32=0x2 variant=z1-max32-reset\n"
            "a1: alloc 0x5 limit=0x0\n"
            "find 0x0\n");
  EXPECT_EQ(judge.invalid(), std::vector<std::string>{});
}

TEST(Minimize, DroppingAnAllocationDropsTheFreesNamingIt) {
  Judge judge([](const Trace& trace) { return count_of<FastFree>(trace) > 0; });
  const Trace minimized = minimize(parse_trace(kNoisyTrace), judge.predicate());
  ASSERT_EQ(minimized.steps.size(), 2u) << print_trace(minimized);
  const auto& fast = std::get<FastAlloc>(minimized.steps[0].op);
  const auto& free = std::get<FastFree>(minimized.steps[1].op);
  EXPECT_EQ(free.target.name, fast.name);
  EXPECT_EQ(judge.invalid(), std::vector<std::string>{});
}

TEST(Minimize, EveryCandidateIsAValidTrace) {
  Judge judge([](const Trace& trace) { return count_of<Free>(trace) >= 2 && count_of<FastAlloc>(trace) >= 1; });
  const Trace minimized = minimize(parse_trace(kNoisyTrace), judge.predicate());
  EXPECT_GT(judge.calls(), 20u);
  EXPECT_EQ(judge.invalid(), std::vector<std::string>{});
  EXPECT_EQ(count_of<Free>(minimized), 2u);
  EXPECT_EQ(count_of<Alloc>(minimized), 2u);  // the frees keep their allocations
}

TEST(Minimize, LimitsGoTowardDma32MinusOne) {
  Judge judge([](const Trace& trace) {
    const Alloc* alloc = first_of<Alloc>(trace);
    return alloc && alloc->limit >= trace.geometry.dma32_pfn - 1 && trace.geometry.dma32_pfn >= 0x100;
  });
  const Trace minimized = minimize(parse_trace("iova-trace 1\ndomain granule=0x1000 start=0x1 dma32=0x100\n"
                                               "alloc 0x1 limit=0xffffffffffffffff\n"),
                                   judge.predicate());
  EXPECT_EQ(std::get<Alloc>(minimized.steps[0].op).limit, 0xffu);
}

TEST(Minimize, Dma32ShrinksWithTheLimitsThatFollowIt) {
  Judge judge([](const Trace& trace) {
    const Alloc* alloc = first_of<Alloc>(trace);
    return alloc && alloc->limit == trace.geometry.dma32_pfn - 1;
  });
  const Trace minimized =
      minimize(parse_trace("iova-trace 1\ndomain granule=0x1000 start=0x1\nalloc 0x1 limit=0xfffff\n"), judge.predicate());
  EXPECT_EQ(minimized.geometry.dma32_pfn, 2u);
  EXPECT_EQ(std::get<Alloc>(minimized.steps[0].op).limit, 1u);
}

TEST(Minimize, FlagsAndExpectationsGoUnlessNeeded) {
  const Trace input = parse_trace(
      "iova-trace 1\ndomain granule=0x1000 start=0x1 cpus=0x2\n"
      "alloc 0x3 limit=0xff unaligned => ok\nfast 0x3 limit=0xff cpu=0x1 noflush => fail\n");
  Judge indifferent([](const Trace& trace) { return trace.steps.size() == 2; });
  const Trace plain = minimize(input, indifferent.predicate());
  EXPECT_TRUE(std::get<Alloc>(plain.steps[0].op).aligned);
  EXPECT_TRUE(std::get<FastAlloc>(plain.steps[1].op).flush);
  EXPECT_FALSE(plain.steps[0].expect || plain.steps[1].expect);
  EXPECT_EQ(std::get<FastAlloc>(plain.steps[1].op).cpu, 0u);
  EXPECT_EQ(plain.geometry.cpus, 1u);

  Judge needs_flags([](const Trace& trace) {
    const Alloc* alloc = first_of<Alloc>(trace);
    const FastAlloc* fast = first_of<FastAlloc>(trace);
    return alloc && fast && !alloc->aligned && !fast->flush && fast->cpu == 1;
  });
  const Trace kept = minimize(input, needs_flags.predicate());
  EXPECT_FALSE(std::get<Alloc>(kept.steps[0].op).aligned);
  EXPECT_FALSE(std::get<FastAlloc>(kept.steps[1].op).flush);
  EXPECT_EQ(kept.geometry.cpus, 2u);
  EXPECT_EQ(needs_flags.invalid(), std::vector<std::string>{});
}

TEST(Minimize, SizesGoToOneOrTheSmallestThatStillHolds) {
  Judge judge([](const Trace& trace) {
    const Alloc* alloc = first_of<Alloc>(trace);
    return alloc && alloc->size > 40;
  });
  const Trace minimized =
      minimize(parse_trace("iova-trace 1\ndomain granule=0x1000 start=0x1\nalloc 0x1234 limit=0xff\n"), judge.predicate());
  EXPECT_EQ(std::get<Alloc>(minimized.steps[0].op).size, 41u);
}

TEST(Minimize, AFastSizeCarriesItsFastFreesWithIt) {
  Judge judge([](const Trace& trace) {
    const FastAlloc* fast = first_of<FastAlloc>(trace);
    const FastFree* free = first_of<FastFree>(trace);
    return fast && free && fast->size >= 3 && free->size == fast->size && free->target.name == fast->name;
  });
  const Trace minimized = minimize(
      parse_trace("iova-trace 1\ndomain granule=0x1000 start=0x1\nb: fast 0x11 limit=0xff\nffree b size=0x11\n"),
      judge.predicate());
  EXPECT_EQ(std::get<FastAlloc>(minimized.steps[0].op).size, 3u);
  EXPECT_EQ(std::get<FastFree>(minimized.steps[1].op).size, 3u);
}

TEST(Minimize, ReservationsNarrowFromBothEnds) {
  Judge judge([](const Trace& trace) {
    const Reserve* reserve = first_of<Reserve>(trace);
    return reserve && reserve->lo <= 0x50 && reserve->hi >= 0x60;
  });
  const Trace minimized =
      minimize(parse_trace("iova-trace 1\ndomain granule=0x1000 start=0x1\nreserve 0x10 0x90\n"), judge.predicate());
  EXPECT_EQ(std::get<Reserve>(minimized.steps[0].op), (Reserve{0x50, 0x60}));
}

TEST(Minimize, NamesAreRenumberedInOrderOfDefinition) {
  Judge judge([](const Trace& trace) { return count_of<Free>(trace) == 2; });
  const Trace minimized = minimize(
      parse_trace("iova-trace 1\ndomain granule=0x1000 start=0x1\nzed: alloc 0x1 limit=0xff\nq7: alloc 0x1 limit=0xff\n"
                  "free q7\nfree zed\n"),
      judge.predicate());
  EXPECT_EQ(print_trace(minimized),
            "iova-trace 1\ndomain granule=0x1000 start=0x0 dma32=0x2 variant=mainline\n"
            "a1: alloc 0x1 limit=0x0\na2: alloc 0x1 limit=0x0\nfree a2\nfree a1\n");
}

TEST(Minimize, GeometryGoesBackToTheDefaultsOrLower) {
  const Trace input = parse_trace("iova-trace 1\ndomain granule=0x200 start=0x9 dma32=0x40 mag=0x7 cpus=0x4\ntrim\n");
  Judge indifferent([](const Trace& trace) { return !trace.steps.empty(); });
  const Geometry plain = minimize(input, indifferent.predicate()).geometry;
  EXPECT_EQ(plain, (Geometry{0x1000, 0, 2, kDefaultMagazineSize, 1}));

  Judge small_magazine([](const Trace& trace) { return trace.geometry.mag_size >= 3 && trace.geometry.mag_size <= 8; });
  EXPECT_EQ(minimize(input, small_magazine.predicate()).geometry.mag_size, 3u);
}

TEST(Minimize, StartPfnComesDownWithThePositionsAboveIt) {
  Judge judge([](const Trace& trace) {
    const Alloc* alloc = first_of<Alloc>(trace);
    const Find* find = first_of<Find>(trace);
    const Pfn start = trace.geometry.start_pfn;
    return alloc && find && start >= 2 && alloc->limit == start + 0x1f && find->pfn == start + 3;
  });
  const Trace minimized = minimize(
      parse_trace("iova-trace 1\ndomain granule=0x1000 start=0x4000000000000000 dma32=0x2\n"
                  "alloc 0x1 limit=0x400000000000001f\nfind 0x4000000000000003\n"),
      judge.predicate());
  EXPECT_EQ(minimized.geometry.start_pfn, 2u);
  EXPECT_EQ(std::get<Alloc>(minimized.steps[0].op).limit, 0x21u);
  EXPECT_EQ(std::get<Find>(minimized.steps[1].op).pfn, 5u);
}

TEST(Minimize, StopsAtItsBudget) {
  Judge judge([](const Trace& trace) { return !trace.steps.empty(); });
  MinimizeStats stats;
  minimize(parse_trace(kNoisyTrace), judge.predicate(), MinimizeOptions{.max_predicate_calls = 10}, &stats);
  EXPECT_EQ(judge.calls(), 10u);
  EXPECT_EQ(stats.predicate_calls, 10u);
  EXPECT_TRUE(stats.budget_exhausted);
}

TEST(Minimize, ReturnsTheInputWhenThePredicateDoesNotHoldForIt) {
  Judge judge([](const Trace&) { return false; });
  const Trace input = parse_trace(kNoisyTrace);
  EXPECT_EQ(minimize(input, judge.predicate()), input);
  EXPECT_EQ(judge.calls(), 1u);
}

TEST(Minimize, IsDeterministic) {
  auto keeps = [](const Trace& trace) { return count_of<FastAlloc>(trace) >= 2 && count_of<Flush>(trace) >= 1; };
  Judge first(keeps), second(keeps);
  EXPECT_EQ(minimize(parse_trace(kNoisyTrace), first.predicate()), minimize(parse_trace(kNoisyTrace), second.predicate()));
  EXPECT_EQ(first.calls(), second.calls());
}

}  // namespace
}  // namespace iovacheck
