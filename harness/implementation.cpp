#include "harness/implementation.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "harness/kernel_implementation.h"
#include "impl/domain.h"
#include "impl/variant.h"

namespace iovacheck {
namespace {

impl::Config config_of(const Geometry& geometry) {
  return impl::Config{geometry.granule, geometry.start_pfn, geometry.dma32_pfn, geometry.mag_size, geometry.cpus};
}

impl::TreeSnapshot snapshot_of(const Snapshot& snapshot) {
  impl::TreeSnapshot tree;
  for (const Range& node : snapshot.nodes) tree.nodes.push_back(impl::Node{node.lo, node.hi});
  auto lo_of = [](const std::optional<NodeRef>& ref) { return ref ? ref->lo : std::nullopt; };
  tree.cached32_lo = lo_of(snapshot.cached32);
  tree.cached_lo = lo_of(snapshot.cached);
  tree.max32_alloc_size = snapshot.max32;
  return tree;
}

Range range_of(const impl::Node& node) { return Range{node.pfn_lo, node.pfn_hi}; }
CachedPfn cached_pfn_of(const impl::CachedEntry& entry) { return CachedPfn{entry.pfn, entry.bin, CacheSlot{entry.cpu}}; }

Outcome::Status status_of(impl::Status status) {
  switch (status) {
    case impl::Status::Ok: return Outcome::Status::Ok;
    case impl::Status::Fail: return Outcome::Status::Fail;
    case impl::Status::BadInput: return Outcome::Status::Rejected;
  }
  return Outcome::Status::Rejected;
}

// One op applied to the domain; the result in the checker's terms.
class Apply {
 public:
  explicit Apply(impl::Domain& domain) : domain_(domain) {}

  Outcome operator()(const Alloc& op) const {
    return allocated(domain_.alloc_iova(op.size, op.limit, op.aligned));
  }
  Outcome operator()(const FastAlloc& op) const {
    return allocated(domain_.alloc_iova_fast(op.size, op.limit, op.cpu, op.flush));
  }
  Outcome operator()(const Free& op) const { return done(domain_.free_iova(op.target.pfn)); }
  Outcome operator()(const FastFree& op) const {
    return done(domain_.free_iova_fast(op.target.pfn, op.size, op.cpu));
  }
  Outcome operator()(const Reserve& op) const {
    const impl::ReserveResult result = domain_.reserve_iova(op.lo, op.hi);
    Outcome outcome = done(result.status);
    if (result.status == impl::Status::Ok) outcome.node = range_of(result.node);
    return outcome;
  }
  Outcome operator()(const Flush& op) const {
    switch (op.scope) {
      case Flush::Scope::Cpu: return done(domain_.free_cpu_cached_iovas(op.cpu));
      case Flush::Scope::Depot: domain_.free_global_cached_iovas(); break;
      case Flush::Scope::All:
        for (unsigned cpu = 0; cpu < domain_.config().cpus; ++cpu) domain_.free_cpu_cached_iovas(cpu);
        domain_.free_global_cached_iovas();
        break;
    }
    return Outcome{};
  }
  Outcome operator()(const Trim&) const {
    domain_.trim_depots();
    return Outcome{};
  }
  Outcome operator()(const Find& op) const {
    auto node = domain_.find_iova(op.pfn);
    if (!node) return Outcome{Outcome::Status::Fail, 0, std::nullopt};
    return Outcome{Outcome::Status::Ok, 0, range_of(*node)};
  }

 private:
  static Outcome done(impl::Status status) { return Outcome{status_of(status), 0, std::nullopt}; }

  Outcome allocated(const impl::AllocResult& result) const {
    Outcome outcome{status_of(result.status), result.pfn, std::nullopt};
    if (result.status == impl::Status::Ok)
      if (auto node = domain_.find_iova(result.pfn)) outcome.node = range_of(*node);
    return outcome;
  }

  impl::Domain& domain_;
};

std::optional<Range> range_or_none(const impl::HintRef& hint) {
  if (!hint.live()) return std::nullopt;
  return Range{hint.pfn_lo, hint.pfn_hi};
}

class ImplementationUnderTest final : public InspectableImplementation {
 public:
  ImplementationUnderTest(const Trace& trace, const impl::Variant& variant)
      : domain_(config_of(trace.geometry), variant, snapshot_pointer(trace)) {}

  Outcome apply(const Op& op) override {
    last_op_allocates_ = std::holds_alternative<Alloc>(op) || std::holds_alternative<FastAlloc>(op);
    domain_.start_operation();
    return std::visit(Apply(domain_), op);
  }

  // Built straight from the domain, with no list of the domain's in between; the nodes in one
  // allocation (counting the cache entries first would cost a walk over every CPU's magazines).
  Observation observe() const override {
    Observation observed;
    observed.nodes.reserve(domain_.node_count());
    domain_.for_each_node([&observed](const impl::Node& node) { observed.nodes.push_back(range_of(node)); });
    domain_.for_each_cached([&observed](const impl::CachedEntry& entry) { observed.cached.push_back(cached_pfn_of(entry)); });
    return observed;
  }

  // A net count of +n adds n copies to the "new" list, -n to the "gone" one.
  void changes(ChangeReport& report) override {
    const impl::DomainChanges changes = domain_.take_changes();
    report.reset(changes.complete);
    for (const impl::NodeChange& change : changes.nodes)
      append(change.count > 0 ? report.nodes_new : report.nodes_gone, change.count, range_of(change.node));
    for (const impl::CachedChange& change : changes.cached)
      append(change.count > 0 ? report.cached_new : report.cached_gone, change.count, cached_pfn_of(change.entry));
  }

  std::optional<std::string> validate() const override { return domain_.validate(); }
  std::string describe() const override { return domain_.describe(); }
  TreeHints hints() const override { return domain_.hints(); }
  std::vector<TreeAttempt> last_attempts() const override {
    if (!last_op_allocates_) return {};
    const std::span<const TreeAttempt> attempts = domain_.last_attempts();
    return std::vector<TreeAttempt>(attempts.begin(), attempts.end());
  }

  ExactState exact_state() const override {
    ExactState state;
    for (const impl::Node& node : domain_.nodes()) state.nodes.push_back(range_of(node));
    const impl::TreeHints hints = domain_.hints();
    state.has_hints = hints.cached.kind != impl::HintRef::Kind::None;
    if (state.has_hints) {
      state.cached_node = range_or_none(hints.cached);
      state.cached32_node = range_or_none(hints.cached32);
      state.max32_alloc_size = hints.max32_alloc_size;
    }
    for (const impl::CacheContents::Bin& bin : domain_.cache_contents().bins) {
      ExactState::Bin& copy = state.bins.emplace_back();
      for (const auto& cpu : bin.cpus) copy.cpus.push_back(ExactState::CpuMagazines{cpu.loaded, cpu.prev});
      copy.depot = bin.depot;
    }
    return state;
  }

  std::string name() const override { return "impl:" + impl::variant_name(domain_.variant()); }

 private:
  template <class Entry>
  static void append(std::vector<Entry>& list, int count, const Entry& entry) {
    list.insert(list.end(), static_cast<std::size_t>(count > 0 ? count : -count), entry);
  }

  // The snapshot must outlive the Domain constructor only.
  const impl::TreeSnapshot* snapshot_pointer(const Trace& trace) {
    if (!trace.snapshot) return nullptr;
    snapshot_ = snapshot_of(*trace.snapshot);
    return &snapshot_;
  }

  impl::TreeSnapshot snapshot_;
  impl::Domain domain_;
  bool last_op_allocates_ = false;
};

}  // namespace

std::vector<VariantInfo> implemented_variants() {
  std::vector<VariantInfo> variants;
  for (const impl::Variant& variant : impl::all_variants())
    variants.push_back(VariantInfo{std::string(variant.name), std::string(variant.origin), std::string(variant.summary)});
  return variants;
}

std::vector<FixDescription> implemented_fixes() {
  std::vector<FixDescription> fixes;
  for (const impl::FixInfo& fix : impl::all_fixes())
    fixes.push_back(FixDescription{"f" + std::to_string(fix.number), std::string(fix.summary)});
  return fixes;
}

std::string variant_problem(std::string_view spec) {
  try {
    impl::parse_variant(spec);
    return {};
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
}

bool is_implemented_variant(std::string_view spec) { return variant_problem(spec).empty(); }

std::string canonical_variant(std::string_view spec) { return impl::variant_name(impl::parse_variant(spec)); }

std::string short_variant(std::string_view spec) {
  try {
    const impl::Variant variant = impl::parse_variant(spec);
    const std::string full = impl::variant_name(variant);
    return std::string(impl::short_name(variant)) + full.substr(std::min(full.size(), full.find('+')));
  } catch (const std::invalid_argument&) {
    return std::string(spec);
  }
}

bool has_range_cache_delta(std::string_view spec) { return impl::has_range_cache_delta(impl::parse_variant(spec)); }

std::string with_known_fixes(std::string_view spec) {
  return impl::variant_name(impl::with_all_fixes(impl::parse_variant(spec)));
}

std::string without_fixes(std::string_view spec) {
  impl::Variant variant = impl::parse_variant(spec);
  variant.fixes = {};
  return impl::variant_name(variant);
}

std::string mainline_with_fixes_of(std::string_view spec) {
  impl::Variant baseline = impl::mainline();
  const impl::Variant variant = impl::parse_variant(spec);
  for (const impl::FixInfo& fix : impl::all_fixes())
    if (variant.fixes.*fix.flag && impl::fix_conflict(baseline, fix.number).empty()) baseline.fixes.*fix.flag = true;
  return impl::variant_name(baseline);
}

std::vector<unsigned> fixes_not_applied(std::string_view spec) {
  const impl::Variant variant = impl::parse_variant(spec);
  std::vector<unsigned> numbers;
  for (const impl::FixInfo& fix : impl::all_fixes())
    if (!(variant.fixes.*fix.flag) && impl::fix_conflict(variant, fix.number).empty()) numbers.push_back(fix.number);
  return numbers;
}

bool searches_past_known(bool asked, const std::optional<ImplementationChoice>& against) { return asked && !against; }

std::string searched_variant(std::string_view spec, bool past_known, const ImplementationChoice& runs) {
  return past_known && !runs.kernel ? with_known_fixes(spec) : canonical_variant(spec);
}

std::string with_fix(std::string_view spec, unsigned number) {
  return canonical_variant(std::string(spec) + "+f" + std::to_string(number));
}

namespace {

// A variant with its fixes, NAME[+fN...]; throws std::invalid_argument naming the problem.
impl::Variant known_variant(std::string_view name) { return impl::parse_variant(name); }

}  // namespace

std::unique_ptr<InspectableImplementation> make_inspectable_implementation(const Trace& trace,
                                                                         std::string_view variant) {
  const std::string_view name = variant.empty() ? std::string_view(trace.variant) : variant;
  return std::make_unique<ImplementationUnderTest>(trace, known_variant(name));
}

std::unique_ptr<SystemUnderTest> make_implementation(const Trace& trace, std::string_view variant) {
  return make_inspectable_implementation(trace, variant);
}

bool is_kernel_design(std::string_view variant) {
  try {
    return impl::parse_variant(variant).search == impl::Search::FirstFitFromCachedNode;
  } catch (const std::invalid_argument&) {
    return false;
  }
}

namespace {

bool contains(const std::vector<unsigned>& numbers, unsigned number) {
  return std::ranges::find(numbers, number) != numbers.end();
}

}  // namespace

std::string ImplementationChoice::fix_suffix() const {
  std::string suffix;
  for (const unsigned number : fixes) suffix += "+f" + std::to_string(number);
  return suffix;
}

std::vector<unsigned> kernel_fixes_not_applied(const ImplementationChoice& choice) {
  std::vector<unsigned> numbers;
  if (!choice.kernel) return numbers;
  for (const unsigned number : kernel_fix_numbers())
    if (!contains(choice.fixes, number) &&
        plan_kernel(choice.tree, Trace{}, with_kernel_fix(choice, number).fix_suffix()).build)
      numbers.push_back(number);
  return numbers;
}

ImplementationChoice with_kernel_fix(ImplementationChoice choice, unsigned number) {
  if (!contains(choice.fixes, number)) choice.fixes.push_back(number);
  std::ranges::sort(choice.fixes);
  return choice;
}

ImplementationChoice with_kernel_fixes(const ImplementationChoice& choice) {
  ImplementationChoice fixed = choice;
  for (const unsigned number : kernel_fixes_not_applied(choice)) fixed = with_kernel_fix(fixed, number);
  return fixed;
}

ImplementationChoice without_kernel_fixes(ImplementationChoice choice) {
  choice.fixes.clear();
  return choice;
}

namespace {

// "+f10+f2" at the end of an --impl text, as numbers in ascending order; `text` keeps the rest.
// Throws on a fix the kernel cannot take.
std::vector<unsigned> take_kernel_fixes(std::string& text) {
  std::vector<unsigned> numbers;
  for (std::size_t plus = text.rfind("+f"); plus != std::string::npos && plus > 0; plus = text.rfind("+f")) {
    const std::string digits = text.substr(plus + 2);
    if (digits.empty() || digits.size() > 3 || !std::ranges::all_of(digits, [](char c) { return c >= '0' && c <= '9'; }))
      break;
    const unsigned number = static_cast<unsigned>(std::stoul(digits));
    const std::string name = "f" + digits;
    if (contains(numbers, number)) throw std::invalid_argument(name + " is named twice");
    if (!contains(kernel_fix_numbers(), number)) {
      const bool of_impl = std::ranges::any_of(implemented_fixes(), [&](const FixDescription& fix) { return fix.name == name; });
      std::string kernel_fixes;
      for (const unsigned each : kernel_fix_numbers()) kernel_fixes += (kernel_fixes.empty() ? "f" : ", f") + std::to_string(each);
      throw std::invalid_argument(
          of_impl ? "the real kernel cannot take " + name + ": it is a delta of impl/, our re-implementation, not of iova.c "
                        "(run it on impl/: --variant NAME+" + name + "); a kernel takes only the fixes of its own findings (" +
                        kernel_fixes + ", kernel/fixes/)"
                  : "no fix " + name + " (docs/findings.md); a kernel takes " + kernel_fixes + " (kernel/fixes/)");
    }
    numbers.push_back(number);
    text.resize(plus);
  }
  std::ranges::sort(numbers);
  return numbers;
}

// A kernel that was not built is bad usage, not a trace it cannot run.
ImplementationChoice built_kernel(std::string tree, std::vector<unsigned> fixes) {
  ImplementationChoice choice{true, std::move(tree), std::move(fixes)};
  const KernelPlan plan = plan_kernel(choice.tree, Trace{}, choice.fix_suffix());
  if (!plan.build) throw std::invalid_argument(choice.text() + ": " + plan.refusal);
  return choice;
}

}  // namespace

std::string implementation_name(const ImplementationChoice& choice) {
  if (!choice.kernel) return choice.text();
  const KernelPlan plan = plan_kernel(choice.tree, Trace{}, choice.fix_suffix());
  return plan.build ? "kernel:" + plan.build->version : choice.text();
}

ImplementationChoice parse_implementation(std::string_view text) {
  std::string rest(text);
  std::vector<unsigned> fixes;
  try {
    fixes = take_kernel_fixes(rest);
  } catch (const std::invalid_argument& error) {
    throw std::invalid_argument("--impl " + std::string(text) + ": " + error.what());
  }
  if (rest == "impl") {
    if (!fixes.empty())
      throw std::invalid_argument("--impl " + std::string(text) + ": impl/ takes its fixes in the variant (--variant NAME+fN); "
                                  "the kernel's fixes apply to kernel[:6.12|:6.1|:PATH] only");
    return ImplementationChoice{};
  }
  if (rest == "kernel") return built_kernel("6.12", std::move(fixes));
  if (rest.starts_with("kernel:") && rest.size() > 7) {
    const std::string tree(rest.substr(7));
    if (tree == "6.12" || tree == "6.1" || tree.front() == '/') return built_kernel(tree, std::move(fixes));
    throw std::invalid_argument("--impl kernel:" + tree + ": expected kernel:6.12, kernel:6.1 or kernel:/absolute/path");
  }
  throw std::invalid_argument("--impl '" + std::string(text) +
                              "': expected impl, kernel, kernel:6.12, kernel:6.1 or kernel:/path, a kernel with +fN fixes");
}

std::string variant_for(const ImplementationChoice& choice, std::string_view requested, const Trace& trace) {
  if (!choice.kernel) return impl::variant_name(known_variant(requested.empty() ? std::string_view(trace.variant) : requested));
  const std::string own = kernel_variant(choice.tree);
  if (requested.empty() || requested == own) return own;
  const std::string asked = impl::variant_name(known_variant(requested));
  if (!is_kernel_design(asked))
    throw std::invalid_argument(choice.text() + " with --variant " + std::string(requested) +
                                ": a proposal's design has no kernel tree to run");
  if (choice.tree.front() != '/')
    throw std::invalid_argument(choice.text() + " implements " + own + ", not " + std::string(requested) +
                                " (a historical design runs on the kernel tree it comes from: kernel:/path)");
  return asked;
}

std::string against_variant(const ImplementationChoice& against, const std::string& variant) {
  if (!against.kernel) return variant;
  if (!is_kernel_design(variant))
    throw std::invalid_argument(against.text() + ": " + variant + " is a proposal's design, no kernel runs it");
  return kernel_variant(against.tree);
}

std::unique_ptr<ExactSystemUnderTest> make_exact_implementation(const Trace& trace, std::string_view variant,
                                                                const ImplementationChoice& choice) {
  if (!choice.kernel) return make_inspectable_implementation(trace, variant);
  return make_kernel_implementation(plan_kernel(choice.tree, trace, choice.fix_suffix()), trace);
}

CheckReport check_on(const Trace& trace, std::string_view variant, const ImplementationChoice& choice,
                     const CheckOptions& options) {
  return check_on(Trace(trace), variant, choice, options);
}

CheckReport check_on(Trace&& trace, std::string_view variant, const ImplementationChoice& choice,
                     const CheckOptions& options) {
  trace.variant = variant_for(choice, variant, trace);
  return check(trace, *make_exact_implementation(trace, trace.variant, choice), options);
}

CheckReport check_on(const Trace& trace, std::string_view variant, const CheckOptions& options) {
  if (variant.empty() || variant == trace.variant) return check(trace, *make_implementation(trace), options);
  Trace renamed = trace;  // the report's trace names the variant that ran
  renamed.variant = std::string(variant);
  return check(renamed, *make_implementation(renamed), options);
}

}  // namespace iovacheck
