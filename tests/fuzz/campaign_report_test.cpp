// How the campaign words what it did with the known findings: the counts of the findings met on a
// variant as named, and the note every report carries.
#include "fuzz/campaign.h"

#include <gtest/gtest.h>

namespace iovacheck::fuzz {
namespace {

TEST(KnownMet, CountsEachFindingTheUnexplainedAndTheFindingsNotMet) {
  KnownMet met;
  met.variant = "mainline";
  met.inputs = 300;
  EXPECT_EQ(known_met_text(met), "none");
  met.by_finding = {{1, 130}, {4, 2}};
  met.unexplained = 3;
  met.not_met = {2, 9};
  EXPECT_EQ(known_met_text(met), "F1 130, F4 2; no single fix explains 3; not met: F2, F9");
  met.delta = 40;
  EXPECT_EQ(known_met_text(met), "F1 130, F4 2, delta 40; no single fix explains 3; not met: F2, F9");
  met.delta = 0;
  met.by_finding.clear();
  EXPECT_EQ(known_met_text(met), "no single fix explains 3; not met: F2, F9");
}

TEST(KnownMet, TheNoteSaysWhetherTheVariantsRanWithFixes) {
  CampaignOptions options;
  EXPECT_NE(known_findings_note(options).find("each variant ran with the fixes of its known findings"), std::string::npos);
  options.past_known = false;
  EXPECT_NE(known_findings_note(options).find("as named (--no-known)"), std::string::npos);
  options.past_known = true;
  options.implementation.kernel = true;
  EXPECT_NE(known_findings_note(options).find("the kernel ran with its own fixes"), std::string::npos);
}

}  // namespace
}  // namespace iovacheck::fuzz
