#include "harness/kernel_implementation.h"

#include <dlfcn.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>


#ifndef IOVACHECK_KERNEL_REGISTRY
#define IOVACHECK_KERNEL_REGISTRY ""
#endif
#ifndef IOVACHECK_KERNEL_FIX_NUMBERS
#define IOVACHECK_KERNEL_FIX_NUMBERS ""
#endif

namespace iovacheck {
namespace {

constexpr unsigned kKernelMagazineSize = 127;

std::string registry_path() {
  if (const char* path = std::getenv("IOVACHECK_KERNEL_REGISTRY")) return path;
  return IOVACHECK_KERNEL_REGISTRY;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream stream(line);
  for (std::string field; std::getline(stream, field, '\t');) fields.push_back(field);
  while (fields.size() < 4) fields.emplace_back();
  return fields;
}

}  // namespace

// One dlopen per library for the life of the process; each library has its own shim state.
const iovacheck_kernel_api& load_kernel_api(const KernelBuild& build) {
  static std::mutex mutex;
  static std::map<std::string, const iovacheck_kernel_api*> loaded;
  std::lock_guard lock(mutex);
  if (auto found = loaded.find(build.library); found != loaded.end()) return *found->second;
  void* handle = dlopen(build.library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) throw std::invalid_argument("kernel:" + build.version + ": cannot load " + build.library + ": " + dlerror());
  auto entry = reinterpret_cast<const iovacheck_kernel_api* (*)()>(dlsym(handle, "iovacheck_kernel_entry"));
  if (!entry) throw std::invalid_argument("kernel:" + build.version + ": " + build.library + " has no iovacheck_kernel_entry");
  return *(loaded[build.library] = entry());
}

namespace {

std::string trimmed_events(const char* events) {
  std::string text = events ? events : "";
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

Range range_of(const iovacheck_kernel_range& range) { return Range{range.lo, range.hi}; }

class KernelUnderTest final : public ExactSystemUnderTest {
 public:
  KernelUnderTest(const KernelBuild& build, const Trace& trace, std::string notes)
      : api_(load_kernel_api(build)), version_(api_.version), geometry_(trace.geometry), notes_(std::move(notes)) {
    const char* error = "";
    const Pfn real = Geometry::real_dma32(geometry_.granule).value_or(0);
    kernel_ = api_.create(geometry_.granule, geometry_.start_pfn, geometry_.dma32_pfn == real ? 0 : geometry_.dma32_pfn,
                          geometry_.cpus, &error);
    if (!kernel_) throw std::invalid_argument("kernel:" + version_ + ": " + error);
    events_ = trimmed_events(api_.take_events(kernel_));
  }
  ~KernelUnderTest() override { api_.destroy(kernel_); }
  KernelUnderTest(const KernelUnderTest&) = delete;
  KernelUnderTest& operator=(const KernelUnderTest&) = delete;

  Outcome apply(const Op& op) override {
    const Outcome outcome = std::visit([this](const auto& each) { return run(each); }, op);
    events_ = trimmed_events(api_.take_events(kernel_));
    return outcome;
  }

  Observation observe() const override {
    Observation observed;
    observed.nodes = nodes();
    const ExactState state = exact_state();
    for (unsigned bin = 0; bin < state.bins.size(); ++bin) {
      const ExactState::Bin& each = state.bins[bin];
      for (unsigned cpu = 0; cpu < each.cpus.size(); ++cpu) {
        for (Pfn pfn : each.cpus[cpu].loaded) observed.cached.push_back(CachedPfn{pfn, bin, CacheSlot{cpu}});
        for (Pfn pfn : each.cpus[cpu].prev) observed.cached.push_back(CachedPfn{pfn, bin, CacheSlot{cpu}});
      }
      for (const auto& magazine : each.depot)
        for (Pfn pfn : magazine) observed.cached.push_back(CachedPfn{pfn, bin, CacheSlot{}});
    }
    return observed;
  }

  // A WARN_ON, BUG_ON or lock event of the last call is a broken invariant of its own.
  std::optional<std::string> validate() const override {
    if (!events_.empty()) return "the kernel reported: " + events_;
    if (const char* error = api_.validate(kernel_)) return std::string(error);
    return magazine_problem();
  }

  std::string describe() const override {
    const ExactState state = exact_state();
    std::string text = "kernel:" + version_ + "\ncached_node " + hint_text(state.cached_node) + "\ncached32_node " +
                       hint_text(state.cached32_node) + "\nmax32_alloc_size " + hex(state.max32_alloc_size) + "\n";
    for (unsigned bin = 0; bin < state.bins.size(); ++bin) {
      std::size_t on_cpus = 0;
      for (const auto& cpu : state.bins[bin].cpus) on_cpus += cpu.loaded.size() + cpu.prev.size();
      text += "rcache bin " + std::to_string(bin) + ": " + std::to_string(on_cpus) + " pfns in cpu magazines, " +
              std::to_string(state.bins[bin].depot.size()) + " depot magazines\n";
    }
    if (!events_.empty()) text += "events: " + events_ + "\n";
    return text;
  }

  ExactState exact_state() const override {
    ExactState state;
    state.nodes = nodes();
    iovacheck_kernel_hints hints{};
    api_.hints(kernel_, &hints);
    if (hints.cached_node_in_tree) state.cached_node = range_of(hints.cached_node);
    if (hints.cached32_node_in_tree) state.cached32_node = range_of(hints.cached32_node);
    state.max32_alloc_size = hints.max32_alloc_size;
    std::vector<unsigned long> buffer(api_.mag_size);
    auto read = [&](auto&& fill) {
      const std::size_t count = fill(buffer.data(), buffer.size());
      return std::vector<Pfn>(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(std::min(count, buffer.size())));
    };
    for (unsigned bin = 0; bin < api_.bins; ++bin) {
      ExactState::Bin& each = state.bins.emplace_back();
      for (unsigned cpu = 0; cpu < geometry_.cpus; ++cpu) {
        ExactState::CpuMagazines& magazines = each.cpus.emplace_back();
        magazines.loaded = read([&](unsigned long* out, std::size_t cap) { return api_.magazine(kernel_, bin, cpu, 0, out, cap); });
        magazines.prev = read([&](unsigned long* out, std::size_t cap) { return api_.magazine(kernel_, bin, cpu, 1, out, cap); });
      }
      const std::size_t depot = api_.depot_size(kernel_, bin);
      for (std::size_t index = 0; index < depot; ++index)
        each.depot.push_back(read([&](unsigned long* out, std::size_t cap) {
          return api_.depot_magazine(kernel_, bin, index, out, cap);
        }));
    }
    return state;
  }

  std::string name() const override { return "kernel:" + version_; }
  std::string notes() const override { return notes_; }

 private:
  static std::string hint_text(const std::optional<Range>& hint) {
    if (!hint) return "no live node";
    return hint->lo == kMaxPfn ? "anchor" : hex(hint->lo);
  }

  std::vector<Range> nodes() const {
    std::vector<iovacheck_kernel_range> buffer(api_.nodes(kernel_, nullptr, 0));
    buffer.resize(api_.nodes(kernel_, buffer.data(), buffer.size()));
    std::vector<Range> result;
    result.reserve(buffer.size());
    for (const auto& range : buffer) result.push_back(range_of(range));
    return result;
  }

  std::optional<Range> find(Pfn pfn) const {
    iovacheck_kernel_range node{};
    if (api_.find(kernel_, pfn, &node) != IOVACHECK_KERNEL_OK) return std::nullopt;
    return range_of(node);
  }

  bool bad_cpu(unsigned cpu) const { return cpu >= geometry_.cpus; }

  // The range caches' invariants (as impl/ checks them): every cached pfn starts a node of its
  // bin's size, no pfn is cached twice, every depot magazine is full.
  std::optional<std::string> magazine_problem() const {
    const ExactState state = exact_state();
    std::set<Pfn> seen;
    auto check = [&](const std::vector<Pfn>& pfns, unsigned bin, const std::string& where) -> std::optional<std::string> {
      for (Pfn pfn : pfns) {
        const std::optional<Range> node = find(pfn);
        if (!node) return where + ": cached pfn " + hex(pfn) + " has no tree node";
        if (node->lo != pfn) return where + ": cached pfn " + hex(pfn) + " is inside node " + to_string(*node) + ", not its start";
        if (size_bin(node->size()) != bin)
          return where + ": cached node " + to_string(*node) + " belongs to bin " + std::to_string(size_bin(node->size()));
        if (!seen.insert(pfn).second) return "pfn " + hex(pfn) + " is cached twice";
      }
      return std::nullopt;
    };
    for (unsigned bin = 0; bin < state.bins.size(); ++bin) {
      const std::string name = "rcache bin " + std::to_string(bin);
      for (unsigned cpu = 0; cpu < state.bins[bin].cpus.size(); ++cpu) {
        const std::string on_cpu = name + " cpu " + std::to_string(cpu);
        if (auto problem = check(state.bins[bin].cpus[cpu].loaded, bin, on_cpu + " loaded")) return problem;
        if (auto problem = check(state.bins[bin].cpus[cpu].prev, bin, on_cpu + " prev")) return problem;
      }
      for (std::size_t index = 0; index < state.bins[bin].depot.size(); ++index)
        if (auto problem = check(state.bins[bin].depot[index], bin, name + " depot magazine " + std::to_string(index)))
          return problem;
    }
    return std::nullopt;
  }

  // Our API refuses what the kernel leaves undefined or ignores (docs/spec.md
  // sections 1 and 3): size 0, a free of a pfn no node holds or of the anchor, a bad CPU, a
  // reserve with lo > hi or above 2^64-1 >> shift. The kernel is not called for those.
  static Outcome rejected() { return Outcome{Outcome::Status::Rejected, 0, std::nullopt}; }
  static Outcome done(int result) {
    return Outcome{result == IOVACHECK_KERNEL_OK ? Outcome::Status::Ok : Outcome::Status::Fail, 0, std::nullopt};
  }
  bool freeable(Pfn pfn) const {
    const std::optional<Range> node = find(pfn);
    return node && node->hi != kMaxPfn;
  }

  Outcome run(const Alloc& op) {
    if (op.size == 0) return rejected();
    iovacheck_kernel_range node{};
    if (api_.alloc(kernel_, op.size, op.limit, op.aligned, &node) != IOVACHECK_KERNEL_OK)
      return Outcome{Outcome::Status::Fail, 0, std::nullopt};
    return Outcome{Outcome::Status::Ok, node.lo, range_of(node)};
  }
  Outcome run(const FastAlloc& op) {
    if (op.size == 0 || bad_cpu(op.cpu)) return rejected();
    unsigned long pfn = 0;
    if (api_.alloc_fast(kernel_, op.size, op.limit, op.cpu, op.flush, &pfn) != IOVACHECK_KERNEL_OK)
      return Outcome{Outcome::Status::Fail, 0, std::nullopt};
    return Outcome{Outcome::Status::Ok, pfn, find(pfn)};
  }
  Outcome run(const Free& op) {
    if (!freeable(op.target.pfn)) return rejected();
    return done(api_.free(kernel_, op.target.pfn));
  }
  Outcome run(const FastFree& op) {
    if (op.size == 0 || bad_cpu(op.cpu) || !freeable(op.target.pfn)) return rejected();
    return done(api_.free_fast(kernel_, op.target.pfn, op.size, op.cpu));
  }
  Outcome run(const Reserve& op) {
    if (op.lo > op.hi || op.hi > geometry_.max_reservable_pfn()) return rejected();
    iovacheck_kernel_range node{};
    if (api_.reserve(kernel_, op.lo, op.hi, &node) != IOVACHECK_KERNEL_OK) return Outcome{Outcome::Status::Fail, 0, std::nullopt};
    return Outcome{Outcome::Status::Ok, 0, range_of(node)};
  }
  // A CPU's flush is what CPU hotplug does (the CPU-dead callback); the depot-only flush calls
  // the static free_global_cached_iovas, which only the fast path's flush reaches in the kernel.
  Outcome run(const Flush& op) {
    switch (op.scope) {
      case Flush::Scope::Cpu:
        if (bad_cpu(op.cpu)) return rejected();
        return done(api_.cpu_dead(kernel_, op.cpu));
      case Flush::Scope::Depot: return done(api_.flush_depots(kernel_));
      case Flush::Scope::All:
        for (unsigned cpu = 0; cpu < geometry_.cpus; ++cpu)
          if (api_.cpu_dead(kernel_, cpu) != IOVACHECK_KERNEL_OK) return done(IOVACHECK_KERNEL_FAIL);
        return done(api_.flush_depots(kernel_));
    }
    return rejected();
  }
  Outcome run(const Trim&) { return done(api_.run_delayed_work(kernel_)); }
  Outcome run(const Find& op) {
    const std::optional<Range> node = find(op.pfn);
    return Outcome{node ? Outcome::Status::Ok : Outcome::Status::Fail, 0, node};
  }

  const iovacheck_kernel_api& api_;
  std::string version_;
  Geometry geometry_;
  std::string notes_;
  iovacheck_kernel* kernel_ = nullptr;
  std::string events_;
};

}  // namespace

std::vector<KernelBuild> kernel_builds() {
  std::vector<KernelBuild> builds;
  std::ifstream file(registry_path());
  for (std::string line; std::getline(file, line);) {
    if (line.empty() || line.front() == '#') continue;
    const std::vector<std::string> fields = split_tabs(line);
    KernelBuild build{fields[0], fields[1], fields[2], fields[3]};
    if (build.library == "unavailable") build.library.clear();
    builds.push_back(std::move(build));
  }
  return builds;
}

std::string kernel_variant(std::string_view tree) { return tree == "6.1" ? "z9-capped-depot" : "mainline"; }

std::vector<unsigned> kernel_fix_numbers() {
  std::vector<unsigned> numbers;
  std::istringstream list(IOVACHECK_KERNEL_FIX_NUMBERS);
  for (unsigned number = 0; list >> number;) numbers.push_back(number);
  return numbers;
}

KernelPlan plan_kernel(std::string_view tree, const Trace& trace, std::string_view fixes) {
  static const std::vector<KernelBuild> builds = kernel_builds();
  KernelPlan plan;
  // A path names the tree configured with -DIOVACHECK_KERNEL_TREE; its builds are "tree...".
  const bool is_path = !tree.empty() && tree.front() == '/';
  const std::string base = (is_path ? "tree" : std::string(tree)) + std::string(fixes);
  auto named = [&](const std::string& name) -> const KernelBuild* {
    for (const KernelBuild& build : builds)
      if (build.name == name && (!is_path || build.version.starts_with(std::string(tree) + "@"))) return &build;
    return nullptr;
  };
  const KernelBuild* at_real_size = named(base);
  if (!at_real_size) {
    if (!fixes.empty() && named(is_path ? "tree" : std::string(tree)))
      plan.refusal = "kernel " + std::string(tree) + " was configured without " + std::string(fixes.substr(1)) +
                     " (IOVACHECK_KERNEL_FIXES)";
    else
      plan.refusal = is_path ? "no kernel tree " + std::string(tree) + " was configured (cmake -DIOVACHECK_KERNEL_TREE=" +
                                   std::string(tree) + ", then build)"
                             : "no kernel " + base + " is known (built: 6.12, 6.1 from linux-source-X, or a tree path)";
    return plan;
  }
  if (at_real_size->library.empty()) {
    plan.refusal = "kernel " + base + " was not built: " + at_real_size->unavailable;
    return plan;
  }
  if (trace.snapshot) {
    plan.refusal = "the kernel cannot start from a snapshot";
    return plan;
  }
  if (trace.geometry.granule > 0x10000) {
    plan.refusal = "granule " + hex(trace.geometry.granule) + " is above the shim's 64 KiB PAGE_SIZE (init_iova_domain's BUG_ON)";
    return plan;
  }
  plan.build = at_real_size;
  if (trace.geometry.mag_size != kKernelMagazineSize) {
    plan.build = nullptr;
    const std::string copy = base + "+mag=" + std::to_string(trace.geometry.mag_size);
    for (const KernelBuild& build : builds)
      if (build.name == copy && !build.library.empty()) plan.build = &build;
    if (!plan.build) {
      plan.refusal = "mag=" + std::to_string(trace.geometry.mag_size) + ": the kernel's IOVA_MAG_SIZE is 127 and no copy " +
                     copy + " was built (IOVACHECK_KERNEL_MAG_SIZES)";
      return plan;
    }
  }
  const std::optional<Pfn> real = Geometry::real_dma32(trace.geometry.granule);
  if (!real || *real != trace.geometry.dma32_pfn)
    plan.notes = "dma32 " + hex(trace.geometry.dma32_pfn) + " set after init_iova_domain (the kernel derives " +
                 (real ? hex(*real) : std::string("none")) + " from the granule)";
  return plan;
}

std::unique_ptr<ExactSystemUnderTest> make_kernel_implementation(const KernelPlan& plan, const Trace& trace) {
  if (!plan.build) throw std::invalid_argument(plan.refusal);
  return std::make_unique<KernelUnderTest>(*plan.build, trace, plan.notes);
}

}  // namespace iovacheck
