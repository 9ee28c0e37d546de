#include "model/property.h"

namespace iovacheck {

std::string_view property_name(Property property) {
  switch (property) {
    case Property::Soundness: return "soundness";
    case Property::Completeness: return "completeness";
    case Property::Conservation: return "conservation";
    case Property::RangeCache: return "range-cache";
    case Property::Find: return "find";
    case Property::Reserve: return "reserve";
    case Property::Rejection: return "rejection";
    case Property::Structure: return "structure";
  }
  return "unknown";
}

}  // namespace iovacheck
