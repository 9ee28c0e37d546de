// How verify reads an engine's answer: the verdict and the time of its first finding come from the
// engine's own output, and a proof is not claimed where the engine does not model the variant.
#include "verify/engines.h"

#include <gtest/gtest.h>

namespace iovacheck::verify {
namespace {

CommandResult proved_run() {
  CommandResult result;
  result.exit_code = 0;
  result.seconds = 3;
  result.output = "bounded model checking on z6-rcache-bound against mainline, in a 5-bit space (...), at most 6 nodes\n"
                  "proved up to 5 operations / 6 nodes in a 5-bit space (...)\nsolver time: 2.00 s\n";
  return result;
}

TEST(SmtVerdict, ATreeLevelProofOnARangeCacheVariantIsNotCalledProved) {
  const Engine& smt = *find_engine("smt");
  CellRequest request;
  request.variant = "z6-rcache-bound";
  const Cell cell = smt.verdict(request, proved_run());
  EXPECT_EQ(cell.kind, CellKind::NotApplicable);
  EXPECT_EQ(cell.label, "n/a: range-cache variant");
  EXPECT_NE(cell.detail.find("tree-level proof only"), std::string::npos);
  EXPECT_NE(cell.detail.find("proved up to 5 operations"), std::string::npos);
}

TEST(SmtVerdict, ATreeVariantsProofIsProved) {
  const Engine& smt = *find_engine("smt");
  for (const char* variant : {"mainline", "z1-max32-reset", "p3-maple"}) {
    CellRequest request;
    request.variant = variant;
    EXPECT_EQ(smt.verdict(request, proved_run()).kind, CellKind::Proved) << variant;
  }
}

TEST(SmtVerdict, EveryRangeCacheVariantAndFixIsMarked) {
  const Engine& smt = *find_engine("smt");
  for (const char* variant : {"z6-rcache-bound", "z7-fast-no-roundup", "z8-flush-cpu-only", "z9-capped-depot", "mainline+f5"}) {
    CellRequest request;
    request.variant = variant;
    EXPECT_EQ(smt.verdict(request, proved_run()).kind, CellKind::NotApplicable) << variant;
  }
}

}  // namespace
}  // namespace iovacheck::verify
