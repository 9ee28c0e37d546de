#include "fuzz/known_finding.h"

#include "harness/implementation.h"
#include "harness/known.h"

namespace iovacheck::fuzz {

std::optional<std::string> finding_identity(const Trace& minimized, const ImplementationChoice& implementation) {
  const CheckReport report = check_on(minimized, {}, implementation, CheckOptions{.check_expectations = false});
  if (!report.violation) return std::nullopt;
  return known_identity(minimized, report.violation->step, implementation);
}

}  // namespace iovacheck::fuzz
