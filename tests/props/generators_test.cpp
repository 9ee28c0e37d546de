// The generators cover the input space of the API: over many sampled cases every op kind, flag,
// limit class, size class, kind of free and geometry class appears; the cases are valid traces
// and the same seed draws the same case.
#include <gtest/gtest.h>

#include <bit>
#include <iostream>
#include <map>
#include <set>
#include <string>

#include "harness/implementation.h"
#include "model/trace_io.h"
#include "props/commands.h"

namespace iovacheck::props {
namespace {

constexpr int kCases = 600;
constexpr int kSize = 100;

std::string limit_class(const Geometry& geometry, Pfn limit) {
  if (limit < geometry.start_pfn) return "limit below start_pfn";
  if (limit < geometry.dma32_pfn - 1) return "limit below dma32-1";
  if (limit == geometry.dma32_pfn - 1) return "limit at dma32-1";
  if (limit == kMaxPfn) return "limit 2^64-1";
  return "limit above dma32-1";
}

std::set<std::string> size_classes(const Geometry& geometry, Pfn size) {
  std::set<std::string> classes;
  if (size == 0) classes.insert("size 0");
  if (size == 1) classes.insert("size 1");
  if (size > 1 && std::has_single_bit(size)) classes.insert("size power of two");
  if (size > 2 && std::has_single_bit(size + 1)) classes.insert("size power of two - 1");
  if (size > 2 && std::has_single_bit(size - 1)) classes.insert("size power of two + 1");
  if (size > 32 && size <= 64) classes.insert("size in 33..64 (uncached bins)");
  if (size >= geometry.dma32_pfn) classes.insert("size >= dma32");
  if (size >= Pfn{1} << 63) classes.insert("size >= 2^63");
  return classes;
}

std::set<std::string> geometry_classes(const Geometry& geometry) {
  const Pfn start = geometry.start_pfn;
  return {
      start == 0 ? "start 0" : start == 1 ? "start 1" : start <= 8 ? "start small" : "start large",
      geometry.dma32_pfn <= 64 ? "dma32 small" : geometry.dma32_pfn == 0x100000 ? "dma32 real" : "dma32 middle",
      "mag " + std::to_string(geometry.mag_size),
      "cpus " + std::to_string(geometry.cpus),
      geometry.granule == 0x1000 ? "granule 4K" : "granule other",
  };
}

// Classes of one op in its trace: names defined and freed so far say live, dead or mixed.
class Classifier {
 public:
  explicit Classifier(const Geometry& geometry) : geometry_(geometry) {}

  void add(const Op& op, std::set<std::string>& seen) {
    seen.insert(std::string(keyword(op)));
    if (const auto* alloc = std::get_if<Alloc>(&op)) {
      allocation(alloc->name, alloc->size, alloc->limit, false, seen);
      seen.insert(alloc->aligned ? "alloc aligned" : "alloc unaligned");
    }
    if (const auto* fast = std::get_if<FastAlloc>(&op)) {
      allocation(fast->name, fast->size, fast->limit, true, seen);
      seen.insert(fast->flush ? "fast flush" : "fast noflush");
      if (fast->cpu > 0) seen.insert("fast on cpu > 0");
    }
    if (const auto* free = std::get_if<Free>(&op)) release(free->target, false, 0, seen);
    if (const auto* free = std::get_if<FastFree>(&op)) {
      release(free->target, true, free->size, seen);
      if (free->cpu > 0) seen.insert("ffree on cpu > 0");
    }
    if (const auto* reserve = std::get_if<Reserve>(&op)) {
      if (reserve->lo > reserve->hi) seen.insert("reserve reversed");
      else if (reserve->hi > geometry_.max_reservable_pfn()) seen.insert("reserve above the reservable space");
      else seen.insert("reserve valid");
    }
    if (const auto* flush = std::get_if<Flush>(&op))
      seen.insert(flush->scope == Flush::Scope::Cpu ? "flush cpu" : flush->scope == Flush::Scope::Depot ? "flush depot" : "flush all");
    if (const auto* find = std::get_if<Find>(&op); find && find->pfn == kMaxPfn) seen.insert("find the anchor");
  }

 private:
  struct Named {
    bool fast = false;
    Pfn size = 0;
    bool freed = false;
  };

  void allocation(const std::string& name, Pfn size, Pfn limit, bool fast, std::set<std::string>& seen) {
    named_[name] = Named{fast, size, false};
    seen.insert(limit_class(geometry_, limit));
    for (const std::string& size_class : size_classes(geometry_, size)) seen.insert(size_class);
  }

  void release(const Target& target, bool fast, Pfn size, std::set<std::string>& seen) {
    const std::string what = fast ? "ffree " : "free ";
    if (!target.by_name()) {
      seen.insert(what + "by pfn");
      return;
    }
    Named& named = named_.at(target.name);
    if (named.freed) seen.insert(what + "of a dead name");
    else if (named.fast != fast) seen.insert(what + "of the other kind's name");
    else if (fast && size != named.size) seen.insert("ffree with a wrong size");
    else seen.insert(what + "of a live name");
    named.freed = true;
  }

  Geometry geometry_;
  std::map<std::string, Named> named_;
};

TEST(Generators, CoverTheInputSpace) {
  std::set<std::string> seen;
  for (int seed = 1; seed <= kCases; ++seed) {
    const Trace trace = sample_case(static_cast<std::uint64_t>(seed), kSize);
    for (const std::string& geometry_class : geometry_classes(trace.geometry)) seen.insert(geometry_class);
    Classifier classifier(trace.geometry);
    for (const Step& step : trace.steps) classifier.add(step.op, seen);
  }
  const std::set<std::string> wanted = {
      "alloc", "fast", "free", "ffree", "reserve", "flush", "trim", "find",
      "alloc aligned", "alloc unaligned", "fast flush", "fast noflush", "fast on cpu > 0", "ffree on cpu > 0",
      "flush cpu", "flush depot", "flush all",
      "limit below start_pfn", "limit below dma32-1", "limit at dma32-1", "limit above dma32-1", "limit 2^64-1",
      "size 0", "size 1", "size power of two", "size power of two - 1", "size power of two + 1",
      "size in 33..64 (uncached bins)", "size >= dma32", "size >= 2^63",
      "free of a live name", "free of a dead name", "free of the other kind's name", "free by pfn",
      "ffree of a live name", "ffree of a dead name", "ffree of the other kind's name", "ffree by pfn",
      "ffree with a wrong size",
      "reserve valid", "reserve reversed", "reserve above the reservable space", "find the anchor",
      "start 0", "start 1", "start small", "start large", "dma32 small", "dma32 middle", "dma32 real",
      "mag 1", "mag 2", "mag 3", "mag 4", "mag 5", "mag 6", "mag 7", "mag 8", "mag 127",
      "cpus 1", "cpus 2", "cpus 3", "cpus 4", "granule 4K", "granule other",
  };
  for (const std::string& each : wanted) EXPECT_TRUE(seen.count(each)) << "never generated: " << each;
}

// What the sampled cases do when run: the kinds of outcome the generators must reach.
TEST(Generators, ReachLiveRangesWhenRun) {
  std::set<std::string> seen;
  for (int seed = 1; seed <= kCases / 2; ++seed) {
    Trace trace = sample_case(static_cast<std::uint64_t>(seed), kSize);
    const CheckReport report = check_on(trace);
    for (std::size_t i = 0; i < report.steps.size(); ++i) {
      const StepRecord& record = report.steps[i];
      const Op& generated = trace.steps[i].op;
      const bool ok = !record.caller_error && record.outcome.status == Outcome::Status::Ok;
      if (record.caller_error) {
        const std::string reason = record.caller_error->reason();
        if (reason.find("held by a range cache") != std::string::npos) seen.insert("free of a cached range");
        if (reason.find("double or wild") != std::string::npos) seen.insert("wild free");
        if (reason.find("no live allocation") != std::string::npos) seen.insert("free of a dead name");
      }
      if (std::holds_alternative<Alloc>(generated) || std::holds_alternative<FastAlloc>(generated))
        seen.insert(ok ? "allocation succeeds" : "allocation fails");
      if (const auto* free = std::get_if<Free>(&generated); free && !free->target.by_name() && ok)
        seen.insert("free by pfn of a live range");
      if (const auto* reserve = std::get_if<Reserve>(&generated); reserve && ok && record.outcome.node != Range{reserve->lo, reserve->hi})
        seen.insert("reserve overlapping a node");
      if (std::holds_alternative<Find>(generated)) seen.insert(ok ? "find hits" : "find misses");
    }
  }
  for (const char* each : {"allocation succeeds", "allocation fails", "free of a cached range", "wild free",
                           "free of a dead name", "free by pfn of a live range", "reserve overlapping a node",
                           "find hits", "find misses"})
    EXPECT_TRUE(seen.count(each)) << "never reached: " << each;
}

// Run mode (generators.h) reaches the range caches' deep states that tell depot designs apart:
// a depot deeper than the CPU count when a trim runs (6.12's trim against a design without
// one), and a depot past 32 magazines (6.1's cap). Measured on impl/'s mainline.
TEST(Generators, ReachDeepRangeCacheStatesWhenRun) {
  std::size_t trimmed_deep = 0, past_32 = 0;
  constexpr int kDeepCases = 3000;  // about 1 in 600 cases passes 32 magazines
  for (int seed = 1; seed <= kDeepCases; ++seed) {
    const Trace trace = sample_case(static_cast<std::uint64_t>(seed), kSize);
    const auto sut = make_inspectable_implementation(trace, "mainline");
    std::map<std::string, Pfn> names;
    std::size_t deepest = 0;
    bool trimmed = false;
    for (const Step& step : trace.steps) {
      Op op = step.op;
      if (Target* target = free_target(op); target && target->by_name()) {
        const auto found = names.find(target->name);
        if (found == names.end()) continue;  // a dead name: not applied
        target->pfn = found->second;
        names.erase(found);
        target->name.clear();
      }
      std::size_t depot = 0;
      for (const ExactState::Bin& bin : sut->exact_state().bins) depot = std::max(depot, bin.depot.size());
      if (std::holds_alternative<Trim>(op) && depot > trace.geometry.cpus) trimmed = true;
      const Outcome outcome = sut->apply(op);
      if (const std::string* name = bound_name(op); name && outcome.status == Outcome::Status::Ok) names[*name] = outcome.pfn;
      for (const ExactState::Bin& bin : sut->exact_state().bins) deepest = std::max(deepest, bin.depot.size());
    }
    trimmed_deep += trimmed ? 1 : 0;
    past_32 += deepest > 32 ? 1 : 0;
  }
  std::cout << "of " << kDeepCases << " cases: " << trimmed_deep << " trim a depot deeper than the CPU count, " << past_32
            << " push a depot past 32 magazines\n";
  EXPECT_GT(trimmed_deep, 0u) << "no trim of a depot deeper than the CPU count";
  EXPECT_GT(past_32, 0u) << "no depot past 32 magazines";
}

TEST(Generators, DrawValidPrintableTraces) {
  for (int seed = 1; seed <= kCases / 4; ++seed) {
    Trace trace = sample_case(static_cast<std::uint64_t>(seed), kSize);
    const std::string text = print_trace(trace);
    EXPECT_NO_THROW(EXPECT_EQ(parse_trace(text), trace)) << text;
  }
}

TEST(Generators, AreDeterministic) {
  EXPECT_EQ(sample_case(42, kSize), sample_case(42, kSize));
  EXPECT_NE(sample_case(42, kSize), sample_case(43, kSize));
}

}  // namespace
}  // namespace iovacheck::props
