#include "impl/domain.h"

#include <algorithm>
#include <bit>
#include <stdexcept>

#include "impl/change_journal.h"
#include "impl/pfn_math.h"
#include "impl/pfn_text.h"
#include "impl/rcache.h"
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

// Records every node the tree gains or loses. A reserve may lower nodes' pfn_lo in place, which
// only the tree sees: it is recorded as a loss of track, so the checker observes everything then.
class JournaledTree final : public TreeAllocator {
 public:
  JournaledTree(std::unique_ptr<TreeAllocator> tree, ChangeJournal& journal) : tree_(std::move(tree)), journal_(journal) {}

  // A sound allocation links one node starting at its pfn. A corrupt one may link nothing (the
  // pfn_lo was taken: the node stays unlinked, as in the kernel) or a node find() cannot see
  // (one that wraps): the first changes nothing observable, the second loses track.
  std::optional<Pfn> alloc(Pfn size, Pfn limit_pfn, bool size_aligned) override {
    const std::size_t count_before = tree_->node_count();
    const std::optional<Pfn> pfn = tree_->alloc(size, limit_pfn, size_aligned);
    const std::size_t count_after = tree_->node_count();
    if (count_after == count_before) return pfn;
    const std::optional<Node> node = pfn ? tree_->find(*pfn) : std::nullopt;
    if (count_after == count_before + 1 && node && node->pfn_lo == *pfn) {
      journal_.node_added(*node);
    } else {
      journal_.lose_track();
    }
    return pfn;
  }
  bool remove(Pfn pfn) override {
    const std::optional<Node> node = tree_->find(pfn);
    const bool removed = tree_->remove(pfn);
    if (removed && node) journal_.node_removed(*node);
    return removed;
  }
  std::optional<Node> find(Pfn pfn) const override { return tree_->find(pfn); }
  ReserveResult reserve(Pfn pfn_lo, Pfn pfn_hi) override {
    journal_.lose_track();
    return tree_->reserve(pfn_lo, pfn_hi);
  }
  void for_each_node(const NodeVisitor& visit) const override { tree_->for_each_node(visit); }
  std::size_t node_count() const override { return tree_->node_count(); }
  std::optional<std::string> validate() const override { return tree_->validate(); }
  std::string describe() const override { return tree_->describe(); }
  TreeHints hints() const override { return tree_->hints(); }
  SearchExit last_exit() const override { return tree_->last_exit(); }

 private:
  std::unique_ptr<TreeAllocator> tree_;
  ChangeJournal& journal_;
};

}  // namespace

struct Domain::Parts {
  Parts(const Config& config, const Variant& variant, const TreeSnapshot* snapshot)
      : tree(make_tree_allocator(config, variant, snapshot), journal), caches(config, variant) {
    caches.record_into(&journal);
  }
  ChangeJournal journal;  // before tree: the tree records into it
  JournaledTree tree;
  RangeCaches caches;
};

Domain::Domain(const Config& config, const Variant& variant, const TreeSnapshot* snapshot)
    : config_(checked(config)), variant_(variant), parts_(std::make_unique<Parts>(config_, variant_, snapshot)) {}

Domain::~Domain() = default;

namespace {
// f2: limit 2^64-1 asks for nothing beyond 2^64-2, where the anchor sits; taken so, L cannot wrap.
Pfn effective_limit(const Variant& variant, Pfn limit_pfn) {
  return variant.fixes.f2 ? std::min(limit_pfn, kAnchorPfn - 1) : limit_pfn;
}
}  // namespace

std::optional<Pfn> Domain::tree_alloc(Pfn size, Pfn limit_pfn, bool size_aligned) {
  const std::optional<Pfn> pfn = parts_->tree.alloc(size, limit_pfn, size_aligned);
  last_attempts_.at(attempt_count_++) = TreeAttempt{parts_->tree.last_exit(), pfn.has_value()};
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
  size = parts_->caches.fast_size(size);
  limit_pfn = effective_limit(variant_, limit_pfn);
  // pfn 0 means "no result" to alloc_iova_fast's caller: a popped pfn 0 is a miss and a tree
  // allocation placed at 0 a failure; either way the node stays in the tree, owned by nobody.
  const std::optional<Pfn> cached = parts_->caches.get(size, limit_pfn, cpu);
  if (cached && *cached != 0) return {Status::Ok, *cached};
  for (;;) {
    if (const std::optional<Pfn> pfn = tree_alloc(size, limit_pfn, true))
      return *pfn != 0 ? AllocResult{Status::Ok, *pfn} : AllocResult{Status::Fail, 0};
    if (!flush_rcache) return {Status::Fail, 0};
    flush_rcache = false;
    parts_->caches.flush_for_retry(parts_->tree);
  }
}

Status Domain::free_iova(Pfn pfn) { return parts_->tree.remove(pfn) ? Status::Ok : Status::BadInput; }

Status Domain::free_iova_fast(Pfn pfn, Pfn size, unsigned cpu) {
  if (size == 0 || cpu >= config_.cpus) return Status::BadInput;
  // A wild free or one of the anchor is refused here as free_iova refuses it.
  const std::optional<Node> node = parts_->tree.find(pfn);
  if (!node || node->pfn_hi == kAnchorPfn) return Status::BadInput;
  if (parts_->caches.insert(pfn, size, cpu, parts_->tree)) return Status::Ok;
  return free_iova(pfn);
}

ReserveResult Domain::reserve_iova(Pfn pfn_lo, Pfn pfn_hi) {
  if (pfn_lo > pfn_hi || pfn_hi > max_reservable_pfn(config_)) return {Status::BadInput, Node{}};
  return parts_->tree.reserve(pfn_lo, pfn_hi);
}

std::optional<Node> Domain::find_iova(Pfn pfn) const { return parts_->tree.find(pfn); }

Status Domain::free_cpu_cached_iovas(unsigned cpu) {
  if (cpu >= config_.cpus) return Status::BadInput;
  parts_->caches.flush_cpu(cpu, parts_->tree);
  return Status::Ok;
}

void Domain::free_global_cached_iovas() { parts_->caches.flush_depots(parts_->tree); }

void Domain::trim_depots() { parts_->caches.trim(parts_->tree); }

void Domain::start_operation() { parts_->caches.start_operation(); }

std::vector<Node> Domain::nodes() const { return parts_->tree.nodes(); }
void Domain::for_each_node(const NodeVisitor& visit) const { parts_->tree.for_each_node(visit); }
std::size_t Domain::node_count() const { return parts_->tree.node_count(); }

std::vector<CachedEntry> Domain::cached() const { return parts_->caches.entries(); }
void Domain::for_each_cached(const CachedEntryVisitor& visit) const { parts_->caches.for_each_entry(visit); }

CacheContents Domain::cache_contents() const { return parts_->caches.contents(); }
DomainChanges Domain::take_changes() { return parts_->journal.take(); }

std::optional<std::string> Domain::validate() const {
  if (auto error = parts_->tree.validate()) return error;
  return parts_->caches.validate(parts_->tree);
}

TreeHints Domain::hints() const { return parts_->tree.hints(); }

std::string Domain::describe() const {
  std::string text = parts_->tree.describe();
  if (!text.empty() && text.back() != '\n') text += '\n';
  return text + parts_->caches.describe();
}

}  // namespace iovacheck::impl
