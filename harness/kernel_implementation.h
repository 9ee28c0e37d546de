#pragma once
// The real drivers/iommu/iova.c as a system under test: a library built by kernel/ (one per
// kernel and magazine size), loaded with dlopen and driven through its C API.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "harness/exact_state.h"
#include "kernel/kiova.h"
#include "model/trace.h"

namespace iovacheck {

// One line of kernel/'s registry: a built library, or why a kernel was not built.
struct KernelBuild {
  std::string name;        // "6.12", "6.12+mag=4", "6.12+f10", "6.12+f10+mag=4", "6.1", "tree", "tree+mag=4"
  std::string version;     // "6.12.117", "6.12.117+mag=4", "6.12.117+f10", "/src/linux@v6.13-rc1-5-gabc"
  std::string library;     // empty when not built
  std::string unavailable; // why not built
};

// The registry written at configure time (IOVACHECK_KERNEL_REGISTRY overrides its path).
std::vector<KernelBuild> kernel_builds();

// A trace's geometry on the real kernel: which library, and what it cannot honour.
struct KernelPlan {
  const KernelBuild* build = nullptr;  // nullptr: refused
  std::string refusal;                 // why refused ("mag=200: no kernel:6.12+mag=200 built", ...)
  std::string notes;                   // what differs from the trace (dma32 set after init)
};

// `tree` is "6.12", "6.1" or a path given to -DIOVACHECK_KERNEL_TREE; `fixes` the suffix of our
// source fixes it was built with ("+f10", kernel/fixes/), empty for the unmodified file.
KernelPlan plan_kernel(std::string_view tree, const Trace& trace, std::string_view fixes = {});

// The fixes a kernel can be built with (kernel/fixes/fN.cmake), by number: the findings of the
// real kernel alone. impl/'s fixes (f1..f9) are deltas of our re-implementation, not of iova.c.
std::vector<unsigned> kernel_fix_numbers();

// The variant a kernel tree implements: mainline for 6.12, z9-capped-depot for 6.1; a user's
// tree is taken to implement mainline.
std::string kernel_variant(std::string_view tree);

// The C API of a built library, loaded once per process (for tests that drive the shim
// directly, e.g. its failure injection). Throws std::invalid_argument when it cannot be loaded.
const iovacheck_kernel_api& load_kernel_api(const KernelBuild& build);

// Throws std::invalid_argument when the plan refused or the library cannot be loaded.
std::unique_ptr<ExactSystemUnderTest> make_kernel_implementation(const KernelPlan& plan, const Trace& trace);

}  // namespace iovacheck
