// confirm(): an engine's counterexample counts only when the shared checker reproduces it at the
// step the engine names; anything else is a defect in iovacheck.
#include "smt/confirm.h"

#include <gtest/gtest.h>

#include "model/trace_io.h"

namespace iovacheck::smt {
namespace {

// F1 on mainline: the failure under limit 0 sets max32 = 1, the request under limit 1 fails early.
const char* const kF1 = R"(iova-trace 1
domain granule=0x1000 start=0x1 dma32=0x2 variant=mainline
a1: alloc 0x1 limit=0x0
a2: alloc 0x1 limit=0x1
)";

TEST(Confirm, ReturnsTheCheckersViolationAtTheNamedStep) {
  const Counterexample found = confirm(parse_trace(kF1), "mainline", std::nullopt, 1);
  EXPECT_EQ(found.violation.step, 1u);
  EXPECT_EQ(found.violation.property, Property::Completeness);
  EXPECT_EQ(found.trace.steps.size(), 2u);
}

TEST(Confirm, AViolationAtAnotherStepIsADefect) {
  EXPECT_THROW(confirm(parse_trace(kF1), "mainline", std::nullopt, 0), EngineDefect);
}

TEST(Confirm, ATraceThatHoldsIsADefect) {
  Trace trace = parse_trace(kF1);
  trace.steps.pop_back();
  EXPECT_THROW(confirm(trace, "mainline", std::nullopt, 0), EngineDefect);
}

TEST(Confirm, ADistinguishingTraceMustHoldOnTheReference) {
  // z1 shares F1 with mainline, so the trace does not tell them apart.
  EXPECT_THROW(confirm(parse_trace(kF1), "z1-max32-reset", std::string("mainline"), 1), EngineDefect);
  // f1b only records failures whose search covered the whole 32-bit space: it holds here.
  const Counterexample found = confirm(parse_trace(kF1), "mainline", std::string("f1b-unaligned"), 1);
  EXPECT_EQ(found.violation.property, Property::Completeness);
}

}  // namespace
}  // namespace iovacheck::smt
