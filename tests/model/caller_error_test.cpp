// Each caller error's reason, formed on demand from the values the model recorded: the text a
// report, a printed trace and a kunit refusal show.
#include "model/caller_error.h"

#include <gtest/gtest.h>

#include "model/model.h"

namespace iovacheck {
namespace {

Geometry two_cpus() {
  Geometry geometry;
  geometry.start_pfn = 1;
  geometry.dma32_pfn = 0x100;
  geometry.mag_size = 2;
  geometry.cpus = 2;
  return geometry;
}

// Accepts the op with the outcome, the implementation's tree after it being `nodes`.
void accept(Model& model, const Op& op, const Outcome& outcome, std::vector<Range> nodes) {
  nodes.push_back(Range{kMaxPfn, kMaxPfn});
  ASSERT_FALSE(model.judge(op, outcome, Observation{std::move(nodes), {}}));
}

std::string reason_of(const Model& model, const Op& op) {
  const std::optional<CallerError> error = model.caller_error(op);
  return error ? error->reason() : "(valid)";
}

TEST(CallerErrorReason, NamesTheValuesTheModelFound) {
  Model model(two_cpus());
  accept(model, Alloc{"", 1, 0xff, true}, Outcome{Outcome::Status::Ok, 0xff, Range{0xff, 0xff}}, {{0xff, 0xff}});
  accept(model, Reserve{0x10, 0x1f}, Outcome{Outcome::Status::Ok, 0, Range{0x10, 0x1f}}, {{0x10, 0x1f}, {0xff, 0xff}});
  EXPECT_EQ(reason_of(model, Alloc{"", 0, 0xff, true}), "size 0");
  EXPECT_EQ(reason_of(model, FastAlloc{"", 1, 0xff, 2, true}), "cpu 2 does not exist (cpus=2)");
  EXPECT_EQ(reason_of(model, Reserve{0x5, 0x4}), "reserve 0x5 0x4: lo above hi");
  EXPECT_EQ(reason_of(model, Reserve{0x5, kMaxPfn}), "reserve above 0xfffffffffffff (2^64-1 >> shift)");
  EXPECT_EQ(reason_of(model, Free{{0x40, ""}}), "no live range holds 0x40 (double or wild free)");
  EXPECT_EQ(reason_of(model, Free{{0x15, ""}}), "[0x10, 0x1f] reserved is reserved, not allocated");
  EXPECT_EQ(reason_of(model, FastFree{{0xff, ""}, 1, 0}), "[0xff, 0xff] allocated came from alloc; free it with free");
}

TEST(CallerErrorReason, NamesWhatAFastAllocationWasAskedAndGave) {
  Model model(two_cpus());
  accept(model, FastAlloc{"", 3, 0xff, 0, true}, Outcome{Outcome::Status::Ok, 0xfc, Range{0xfc, 0xff}}, {{0xfc, 0xff}});
  EXPECT_EQ(reason_of(model, Free{{0xfc, ""}}), "[0xfc, 0xff] fast-allocated (size 0x3) came from fast; free it with ffree");
  EXPECT_EQ(reason_of(model, FastFree{{0xfd, ""}, 3, 0}), "ffree 0xfd is not the pfn fast returned (0xfc)");
  EXPECT_EQ(reason_of(model, FastFree{{0xfc, ""}, 4, 0}), "ffree size 0x4 is not the size fast was asked for (0x3)");
}

TEST(CallerErrorReason, NamesTheHolderTheFreeMet) {
  const OwnedRange cached{Range{0x20, 0x23}, Owner::cached(0x20, 2, CacheSlot{1})};
  EXPECT_EQ((CallerError{.kind = CallerError::Kind::FreeOfCached, .holder = cached}).reason(),
            "[0x20, 0x23] cached pfn 0x20 bin 2 cpu 1 is already freed (held by a range cache)");
  const OwnedRange leaked{Range{0x0, 0x3}, Owner::leaked()};
  EXPECT_EQ((CallerError{.kind = CallerError::Kind::FreeOfLeaked, .holder = leaked}).reason(),
            "[0x0, 0x3] leaked (fast placed it at pfn 0 and reported failure): the caller was told the allocation failed");
  EXPECT_EQ((CallerError{.kind = CallerError::Kind::DeadName, .name = "a"}).reason(),
            "'a' names no live allocation (it failed or was freed)");
}

}  // namespace
}  // namespace iovacheck
