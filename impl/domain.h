#pragma once
// The allocator under test: an iova_domain with its tree and range caches, written from
// docs/spec.md sections 1-4 and shaped by a Variant. Knows nothing of model/.
#include <array>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "impl/change_journal.h"
#include "impl/domain_types.h"
#include "impl/journaled_tree.h"
#include "impl/rcache.h"
#include "impl/variant.h"

namespace iovacheck::impl {

class Domain {
 public:
  // Throws std::invalid_argument on a config or snapshot the allocator cannot hold.
  Domain(const Config& config, const Variant& variant, const TreeSnapshot* snapshot = nullptr);
  ~Domain();
  Domain(const Domain&) = delete;
  Domain& operator=(const Domain&) = delete;

  AllocResult alloc_iova(Pfn size, Pfn limit_pfn, bool size_aligned);
  AllocResult alloc_iova_fast(Pfn size, Pfn limit_pfn, unsigned cpu, bool flush_rcache);
  Status free_iova(Pfn pfn);                              // BadInput: no node holds pfn
  Status free_iova_fast(Pfn pfn, Pfn size, unsigned cpu);
  ReserveResult reserve_iova(Pfn pfn_lo, Pfn pfn_hi);
  std::optional<Node> find_iova(Pfn pfn) const;
  Status free_cpu_cached_iovas(unsigned cpu);
  void free_global_cached_iovas();
  void trim_depots();  // one run of every bin's depot-trimming work
  // Starts one caller-level operation: warnings of the previous one (a drain that met a pfn with
  // no node) are no longer reported by validate().
  void start_operation();

  std::vector<Node> nodes() const;  // ascending, the anchor included (last)
  void for_each_node(const NodeVisitor& visit) const;  // in the same order
  std::size_t node_count() const;
  std::vector<CachedEntry> cached() const;
  void for_each_cached(const CachedEntryVisitor& visit) const;  // in the same order
  CacheContents cache_contents() const;
  // What changed since the last call (or since construction), netted.
  DomainChanges take_changes();
  // Every structural invariant; the first that does not hold.
  std::optional<std::string> validate() const;
  std::string describe() const;  // hints and counters, one per line
  TreeHints hints() const;
  // The tree allocations the last alloc_iova or alloc_iova_fast made, in order (none after a
  // range-cache hit; two when the fast path flushed and retried).
  std::span<const TreeAttempt> last_attempts() const { return std::span(last_attempts_).first(attempt_count_); }
  const Config& config() const { return config_; }
  const Variant& variant() const { return variant_; }

 private:
  Config config_;
  const Variant variant_;  // a copy: NAME+fN variants are built on the fly; the parts refer to it
  // The parts are held in place, not each in an allocation of its own: a fuzz execution builds a
  // domain or two for a few dozen operations, under ASan, where each allocation records a stack.
  ChangeJournal journal_;  // before tree_: the tree records into it
  JournaledTree tree_;
  RangeCaches caches_;
  // Held in place rather than in a vector for the same reason: an allocation makes at most two.
  std::array<TreeAttempt, 2> last_attempts_;
  std::size_t attempt_count_ = 0;

  std::optional<Pfn> tree_alloc(Pfn size, Pfn limit_pfn, bool size_aligned);
};

}  // namespace iovacheck::impl
