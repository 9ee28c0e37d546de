#pragma once
// The properties the model judges; a violation names one of them.
#include <string>
#include <string_view>

namespace iovacheck {

enum class Property {
  Soundness,     // a result inside [start_pfn, limit], aligned, disjoint from every live range, of the spec's size
  Completeness,  // a fitting gap below the limit means the allocation succeeds
  Conservation,  // every range accounted for exactly once, nothing appears or vanishes
  RangeCache,    // cached pfns move only as section 4 allows
  Find,          // find_iova agrees with the model
  Reserve,       // reserve_iova does what section 3 says
  Rejection,     // valid input refused, or a refusal that changed state
  Structure,     // the implementation's own validate()
};

std::string_view property_name(Property property);

struct Judgement {
  Property property;
  std::string reason;  // one line; empty when reasons are omitted
};

// Whether a verdict carries its reason. A judge that reads only which property a step violates
// (a counterexample judgement's runs) omits them: the text, a few heap strings, is never built.
enum class Reasons { Omitted, Explained };

}  // namespace iovacheck
