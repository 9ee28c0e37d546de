#pragma once
// The campaign's reports: report.json (machines), report.md (people), junit.xml (CI dashboards).
#include <filesystem>

#include "fuzz/campaign.h"

namespace iovacheck::fuzz {

// Writes all three under `out`, each through a temporary file and a rename.
void write_reports(const CampaignResult& result, const CampaignOptions& options, const std::filesystem::path& out);

}  // namespace iovacheck::fuzz
