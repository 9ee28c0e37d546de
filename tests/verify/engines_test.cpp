// How verify reads an engine's answer: the verdict and the time of its first finding come from the
// engine's own output, and a proof is not claimed where the engine does not model the variant.
#include "verify/engines.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

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

// --no-known reaches the engines that apply fixes (check, campaign), and each cell's bounds say
// which variant was searched: with its known findings' fixes, or as named.
bool has_argument(const Command& command, const std::string& argument) {
  return std::find(command.argv.begin(), command.argv.end(), argument) != command.argv.end();
}

TEST(KnownFindings, ThePropertyEngineAndTheCampaignSearchPastThemUnlessAskedNotTo) {
  for (const char* name : {"props", "fuzz"}) {
    const Engine& engine = *find_engine(name);
    CellRequest request;
    request.variant = "mainline";
    request.share_seconds = 1;
    EXPECT_FALSE(has_argument(engine.command(request), "--no-known")) << name;
    request.past_known = false;
    EXPECT_TRUE(has_argument(engine.command(request), "--no-known")) << name;
  }
}

TEST(KnownFindings, TheBoundsNameTheVariantSearched) {
  const Engine& props = *find_engine("props");
  CommandResult passed;
  passed.exit_code = 0;
  CellRequest request;
  request.variant = "mainline";
  EXPECT_NE(props.verdict(request, passed).bounds.find("on mainline+f1+f2+f3+f4+f5+f9 (past the known findings)"),
            std::string::npos);
  request.past_known = false;
  EXPECT_NE(props.verdict(request, passed).bounds.find("on mainline as named"), std::string::npos);
  request.past_known = true;
  request.impl = "kernel:6.12";  // a kernel takes its own fixes, not impl/'s
  EXPECT_NE(props.verdict(request, passed).bounds.find("on mainline with the kernel's own fixes"), std::string::npos);
}

// The value that follows `option` in a command line, or "" when the option is absent.
std::string value_after(const std::vector<std::string>& argv, const std::string& option) {
  for (std::size_t i = 0; i + 1 < argv.size(); ++i)
    if (argv[i] == option) return argv[i + 1];
  return "";
}

TEST(SmtCommand, TriesInductionFirstWithAtLeastTheFloorOfTime) {
  const Engine& smt = *find_engine("smt");
  CellRequest request;
  request.binary = "iovacheck";
  request.variant = "f1c-split";
  request.share_seconds = 9;  // the default main job's share: below what induction needs
  const Command small = smt.command(request);
  EXPECT_TRUE(has_argument(small, "--induction-first"));
  EXPECT_EQ(value_after(small.argv, "--timeout"), "30");
  request.share_seconds = 120;
  EXPECT_EQ(value_after(smt.command(request).argv, "--timeout"), "120");
}

// As the property engine and the campaign do: past the known findings with the fixes that apply
// (the encoding composes them), so the cell shows what remains; as named with --no-known. No
// reference: the variant's own violation is the verdict (f1a's own 2-operation refutation).
TEST(SmtCommand, SearchesTheVariantTheOtherEnginesSearch) {
  const Engine& smt = *find_engine("smt");
  CellRequest request;
  request.binary = "iovacheck";
  request.variant = "z1-max32-reset";
  request.past_known = true;
  EXPECT_EQ(value_after(smt.command(request).argv, "--variant"), "z1-max32-reset+f1+f2+f3+f4+f5+f9");
  EXPECT_FALSE(has_argument(smt.command(request), "--distinguish"));
  request.past_known = false;
  EXPECT_EQ(value_after(smt.command(request).argv, "--variant"), "z1-max32-reset");
  EXPECT_FALSE(has_argument(smt.command(request), "--distinguish"));
}

// A range-cache variant's tree is mainline's with the same fixes: BMC asks whether the trees
// differ (the encoding has no range caches), rather than proving mainline's tree again.
TEST(SmtCommand, OnARangeCacheVariantLooksForATreeDifferenceFromMainline) {
  const Engine& smt = *find_engine("smt");
  CellRequest request;
  request.binary = "iovacheck";
  request.variant = "z6-rcache-bound";
  const Command command = smt.command(request);
  EXPECT_EQ(value_after(command.argv, "--variant"), "z6-rcache-bound+f1+f2+f3+f4+f9");
  EXPECT_EQ(value_after(command.argv, "--distinguish"), "mainline+f1+f2+f3+f4+f9");
  EXPECT_FALSE(has_argument(command, "--induction-first"));
}

TEST(SmtVerdict, AnInductionProofComingFirstIsTheCellsProof) {
  const Engine& smt = *find_engine("smt");
  CellRequest request;
  request.variant = "f1c-split";
  CommandResult result;
  result.exit_code = 0;
  result.output = "bounded model checking on f1c-split against mainline, in a 5-bit space (...), at most 6 nodes\n"
                  "induction on f1c-split first\n  states of 0 nodes, alloc: solver 0.28 s, total 0.36 s\n"
                  "proved for every trace whose states hold at most 6 nodes (k-induction), in a 5-bit space (...)\n"
                  "solver time: 10.00 s\n";
  const Cell cell = smt.verdict(request, result);
  EXPECT_EQ(cell.kind, CellKind::Proved);
  EXPECT_NE(cell.detail.find("proved for every trace whose states hold at most 6 nodes"), std::string::npos);
}

}  // namespace
}  // namespace iovacheck::verify
