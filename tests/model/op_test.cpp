// copy_op: a copy into storage that held any operation equals its source.
#include <gtest/gtest.h>

#include <vector>

#include "model/op.h"

namespace iovacheck {
namespace {

// One of each operation, those with names given names past the short-string buffer too, so a
// name's storage moves between kinds and sizes.
std::vector<Op> one_of_each() {
  return {Alloc{"a1", 0x4, 0xff, false},
          Alloc{"an_allocation_named_at_length", 0x1, 0xfff, true},
          FastAlloc{"f1", 0x2, 0xfe, 3, false},
          Free{Target{0x40, ""}},
          Free{Target{0, "a_free_by_a_name_past_the_buffer"}},
          FastFree{Target{0, "f1"}, 0x2, 1},
          Reserve{0x10, 0x1f},
          Flush{Flush::Scope::Cpu, 2},
          Trim{},
          Find{0x33}};
}

TEST(CopyOp, EveryOperationCopiedOverEveryOtherEqualsItsSource) {
  for (const Op& from : one_of_each()) {
    for (const Op& before : one_of_each()) {
      Op to = before;
      copy_op(to, from);
      EXPECT_EQ(to, from) << keyword(before) << " overwritten by " << keyword(from);
    }
  }
}

}  // namespace
}  // namespace iovacheck
