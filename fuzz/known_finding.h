#pragma once
// Whether a finding is already known. The campaign asks only this, so that the project's one
// rule for "known" (the known-findings issue: a replay against the variant carrying the fix)
// replaces the interim rule here without touching the campaign.
#include <filesystem>
#include <string>

#include "model/property.h"
#include "model/trace.h"

namespace iovacheck::fuzz {

// Interim rule: known when a trace pinned under corpus/findings/ or corpus/variants/ for the
// same variant violates the same property on it (replayed, never compared as text).
bool is_known_finding(const Trace& minimized, Property property, const std::filesystem::path& corpus_root);

}  // namespace iovacheck::fuzz
