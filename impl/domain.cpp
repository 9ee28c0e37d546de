#include "impl/domain.h"

#include <algorithm>
#include <bit>
#include <stdexcept>

#include "impl/pfn_math.h"
#include "impl/pfn_text.h"
#include "impl/tree_allocator.h"

namespace iovacheck::impl {
namespace {

constexpr unsigned kMaxCpus = 8192;  // the kernel's largest NR_CPUS

const Config& checked(const Config& config) {
  if (!std::has_single_bit(config.granule))
    throw std::invalid_argument("domain: granule " + hex(config.granule) + " is not a power of two");
  if (config.dma32_pfn < 2 || !std::has_single_bit(config.dma32_pfn))
    throw std::invalid_argument("domain: dma32 " + hex(config.dma32_pfn) + " is not a power of two >= 2");
  if (config.mag_size == 0) throw std::invalid_argument("domain: the magazine size must be at least 1");
  if (config.cpus == 0 || config.cpus > kMaxCpus)
    throw std::invalid_argument("domain: cpus " + std::to_string(config.cpus) + " is not in 1.." +
                                std::to_string(kMaxCpus));
  return config;
}

// reserve_iova's ceiling: 2^64-1 >> log2(granule).
Pfn max_reservable_pfn(const Config& config) { return ~Pfn{0} >> std::countr_zero(config.granule); }

}  // namespace

Domain::Domain(const Config& config, const Variant& variant, const TreeSnapshot* snapshot)
    : config_(checked(config)),
      variant_(variant),
      tree_(make_tree_allocator(config_, variant_, snapshot), journal_),
      caches_(config_, variant_) {
  caches_.record_into(&journal_);
}

Domain::~Domain() = default;

namespace {
// f2: limit 2^64-1 asks for nothing beyond 2^64-2, where the anchor sits; taken so, L cannot wrap.
Pfn effective_limit(const Variant& variant, Pfn limit_pfn) {
  return variant.fixes.f2 ? std::min(limit_pfn, kAnchorPfn - 1) : limit_pfn;
}
}  // namespace

std::optional<Pfn> Domain::tree_alloc(Pfn size, Pfn limit_pfn, bool size_aligned) {
  const std::optional<Pfn> pfn = tree_.alloc(size, limit_pfn, size_aligned);
  last_attempts_.at(attempt_count_++) = TreeAttempt{tree_.last_exit(), pfn.has_value()};
  return pfn;
}

AllocResult Domain::alloc_iova(Pfn size, Pfn limit_pfn, bool size_aligned) {
  attempt_count_ = 0;
  if (size == 0) return {Status::BadInput, 0};
  const std::optional<Pfn> pfn = tree_alloc(size, effective_limit(variant_, limit_pfn), size_aligned);
  return pfn ? AllocResult{Status::Ok, *pfn} : AllocResult{Status::Fail, 0};
}

// Section 4, alloc_iova_fast steps 1-4.
AllocResult Domain::alloc_iova_fast(Pfn size, Pfn limit_pfn, unsigned cpu, bool flush_rcache) {
  attempt_count_ = 0;
  if (size == 0 || cpu >= config_.cpus) return {Status::BadInput, 0};
  size = caches_.fast_size(size);
  limit_pfn = effective_limit(variant_, limit_pfn);
  // pfn 0 means "no result" to alloc_iova_fast's caller: a popped pfn 0 is a miss and a tree
  // allocation placed at 0 a failure; either way the node stays in the tree, owned by nobody.
  const std::optional<Pfn> cached = caches_.get(size, limit_pfn, cpu);
  if (cached && *cached != 0) return {Status::Ok, *cached};
  for (;;) {
    if (const std::optional<Pfn> pfn = tree_alloc(size, limit_pfn, true))
      return *pfn != 0 ? AllocResult{Status::Ok, *pfn} : AllocResult{Status::Fail, 0};
    if (!flush_rcache) return {Status::Fail, 0};
    flush_rcache = false;
    caches_.flush_for_retry(tree_);
  }
}

Status Domain::free_iova(Pfn pfn) { return tree_.remove(pfn) ? Status::Ok : Status::BadInput; }

Status Domain::free_iova_fast(Pfn pfn, Pfn size, unsigned cpu) {
  if (size == 0 || cpu >= config_.cpus) return Status::BadInput;
  // A wild free or one of the anchor is refused here as free_iova refuses it.
  const std::optional<Node> node = tree_.find(pfn);
  if (!node || node->pfn_hi == kAnchorPfn) return Status::BadInput;
  if (caches_.insert(pfn, size, cpu, tree_)) return Status::Ok;
  return free_iova(pfn);
}

ReserveResult Domain::reserve_iova(Pfn pfn_lo, Pfn pfn_hi) {
  if (pfn_lo > pfn_hi || pfn_hi > max_reservable_pfn(config_)) return {Status::BadInput, Node{}};
  return tree_.reserve(pfn_lo, pfn_hi);
}

std::optional<Node> Domain::find_iova(Pfn pfn) const { return tree_.find(pfn); }

Status Domain::free_cpu_cached_iovas(unsigned cpu) {
  if (cpu >= config_.cpus) return Status::BadInput;
  caches_.flush_cpu(cpu, tree_);
  return Status::Ok;
}

void Domain::free_global_cached_iovas() { caches_.flush_depots(tree_); }

void Domain::trim_depots() { caches_.trim(tree_); }

void Domain::start_operation() { caches_.start_operation(); }

std::vector<Node> Domain::nodes() const { return tree_.nodes(); }
void Domain::for_each_node(const NodeVisitor& visit) const { tree_.for_each_node(visit); }
std::size_t Domain::node_count() const { return tree_.node_count(); }

std::vector<CachedEntry> Domain::cached() const { return caches_.entries(); }
void Domain::for_each_cached(const CachedEntryVisitor& visit) const { caches_.for_each_entry(visit); }

CacheContents Domain::cache_contents() const { return caches_.contents(); }
DomainChanges Domain::take_changes() { return journal_.take(); }

std::optional<std::string> Domain::validate() const {
  if (auto error = tree_.validate()) return error;
  return caches_.validate(tree_);
}

TreeHints Domain::hints() const { return tree_.hints(); }

std::string Domain::describe() const {
  std::string text = tree_.describe();
  if (!text.empty() && text.back() != '\n') text += '\n';
  return text + caches_.describe();
}

}  // namespace iovacheck::impl
