#pragma once
// Plugs the implementations (impl/) into the checker (model/): the only place that sees both.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "impl/domain.h"
#include "model/checker.h"
#include "model/sut.h"
#include "model/trace.h"

namespace iovacheck {

struct VariantInfo {
  std::string name;
  std::string origin;
  std::string summary;
};

// Every implemented variant, mainline first.
std::vector<VariantInfo> implemented_variants();
bool is_implemented_variant(std::string_view name);

// The implementation of `variant` (the trace's own when empty), built from the trace's geometry
// and snapshot. Throws std::invalid_argument naming the problem (unknown variant, a snapshot
// the implementation cannot hold).
std::unique_ptr<SystemUnderTest> make_implementation(const Trace& trace, std::string_view variant = {});

// What a tool that explains a step (log-check, draw) reads beyond the observation: the tree's
// hints and where the last allocation's tree searches ended. Never used to judge a step.
using impl::HintRef;
using impl::SearchExit;
using impl::TreeAttempt;
using impl::TreeHints;

class InspectableImplementation : public SystemUnderTest {
 public:
  virtual TreeHints hints() const = 0;
  // The tree allocations the last applied op made, in order.
  virtual std::vector<TreeAttempt> last_attempts() const = 0;
};

// make_implementation, inspectable.
std::unique_ptr<InspectableImplementation> make_inspectable_implementation(const Trace& trace,
                                                                         std::string_view variant = {});

// make_implementation + check: the one call every engine makes to run a trace.
CheckReport check_on(const Trace& trace, std::string_view variant = {}, const CheckOptions& options = {});

}  // namespace iovacheck
