/* The harness's side of one compiled kernel: drivers/iommu/iova.c and lib/rbtree.c, included
 * unmodified (so that the static drains are reachable), wrapped in the C API of kiova.h. */
#include "iovacheck_shim.h"

#include <stdio.h>

#include IOVACHECK_RBTREE_SOURCE
#include IOVACHECK_IOVA_SOURCE

#include "iovacheck_kernel_version.h" /* written by kernel/prepare-source.cmake */
#include "kiova.h"

struct iovacheck_kernel {
  struct iova_domain iovad;
  struct iovacheck_shim_context shim;
  unsigned cpus;
  int dead; /* a BUG_ON fired: the kernel would have oopsed, nothing runs any more */
  char message[256];
  char *events_taken;
};

/* Every entry point runs with the shim pointed at this domain and the current CPU set. */
#define ENTER(k, cpu)                                     \
  jmp_buf bug_exit;                                       \
  if ((k)->dead) return IOVACHECK_KERNEL_BUG;             \
  iovacheck_shim = &(k)->shim;                            \
  iovacheck_shim_cpus = (k)->cpus;                        \
  iovacheck_shim_current_cpu = (cpu);                     \
  (k)->shim.bug_exit = &bug_exit;                         \
  if (setjmp(bug_exit)) {                                 \
    (k)->dead = 1;                                        \
    (k)->shim.bug_exit = NULL;                            \
    return IOVACHECK_KERNEL_BUG;                          \
  }
#define LEAVE(k, value)          \
  do {                           \
    (k)->shim.bug_exit = NULL;   \
    return (value);              \
  } while (0)

static struct iovacheck_kernel_range range_of(const struct iova *iova) {
  struct iovacheck_kernel_range range = {iova->pfn_lo, iova->pfn_hi};
  return range;
}

static struct iovacheck_kernel *k_create(unsigned long granule, unsigned long start_pfn, unsigned long dma32_pfn,
                                         unsigned cpus, const char **error) {
  static int cache_users;
  if (!is_power_of_2(granule) || granule > PAGE_SIZE) {
    *error = "granule must be a power of two up to the shim's PAGE_SIZE (64 KiB)";
    return NULL;
  }
  if (cpus == 0) {
    *error = "at least one CPU";
    return NULL;
  }
  struct iovacheck_kernel *k = calloc(1, sizeof *k);
  if (!k) {
    *error = "out of memory";
    return NULL;
  }
  k->cpus = cpus;
  k->shim.fail_after = -1;
  iovacheck_shim = &k->shim;
  iovacheck_shim_cpus = cpus;
  iovacheck_shim_current_cpu = 0;
  if (iova_cache_get() != 0) {
    *error = "iova_cache_get failed";
    free(k);
    return NULL;
  }
  ++cache_users;
  init_iova_domain(&k->iovad, granule, start_pfn);
  if (dma32_pfn) {
    k->iovad.dma_32bit_pfn = dma32_pfn;
    k->iovad.max32_alloc_size = dma32_pfn;
  }
  if (iova_domain_init_rcaches(&k->iovad) != 0) {
    *error = "iova_domain_init_rcaches failed";
    put_iova_domain(&k->iovad);
    iova_cache_put();
    free(k);
    return NULL;
  }
  return k;
}

static void k_destroy(struct iovacheck_kernel *k) {
  if (!k) return;
  iovacheck_shim = &k->shim;
  iovacheck_shim_cpus = k->cpus;
  if (!k->dead) {
    /* A reserve reaching 2^64-1 (granule 1) lowers the anchor's pfn_lo, and put_iova_domain would
     * then free the anchor, which is part of iovad: validate() reports the moved anchor, and the
     * harness does not run that free. */
    k->iovad.anchor.pfn_lo = IOVA_ANCHOR;
    put_iova_domain(&k->iovad);
    iova_cache_put();
  }
  iovacheck_shim = NULL;
  free(k->shim.events);
  free(k->events_taken);
  free(k);
}

static int k_alloc(struct iovacheck_kernel *k, unsigned long size, unsigned long limit_pfn, int size_aligned,
                   struct iovacheck_kernel_range *node) {
  ENTER(k, 0);
  struct iova *iova = alloc_iova(&k->iovad, size, limit_pfn, size_aligned != 0);
  if (iova) *node = range_of(iova);
  LEAVE(k, iova ? IOVACHECK_KERNEL_OK : IOVACHECK_KERNEL_FAIL);
}

static int k_alloc_fast(struct iovacheck_kernel *k, unsigned long size, unsigned long limit_pfn, unsigned cpu,
                        int flush, unsigned long *pfn) {
  ENTER(k, cpu);
  *pfn = alloc_iova_fast(&k->iovad, size, limit_pfn, flush != 0);
  LEAVE(k, *pfn ? IOVACHECK_KERNEL_OK : IOVACHECK_KERNEL_FAIL);
}

static int k_free(struct iovacheck_kernel *k, unsigned long pfn) {
  ENTER(k, 0);
  free_iova(&k->iovad, pfn);
  LEAVE(k, IOVACHECK_KERNEL_OK);
}

static int k_free_fast(struct iovacheck_kernel *k, unsigned long pfn, unsigned long size, unsigned cpu) {
  ENTER(k, cpu);
  free_iova_fast(&k->iovad, pfn, size);
  LEAVE(k, IOVACHECK_KERNEL_OK);
}

static int k_reserve(struct iovacheck_kernel *k, unsigned long lo, unsigned long hi,
                     struct iovacheck_kernel_range *node) {
  ENTER(k, 0);
  struct iova *iova = reserve_iova(&k->iovad, lo, hi);
  if (iova) *node = range_of(iova);
  LEAVE(k, iova ? IOVACHECK_KERNEL_OK : IOVACHECK_KERNEL_FAIL);
}

static int k_find(struct iovacheck_kernel *k, unsigned long pfn, struct iovacheck_kernel_range *node) {
  ENTER(k, 0);
  struct iova *iova = find_iova(&k->iovad, pfn);
  if (iova) *node = range_of(iova);
  LEAVE(k, iova ? IOVACHECK_KERNEL_OK : IOVACHECK_KERNEL_FAIL);
}

static int k_cpu_dead(struct iovacheck_kernel *k, unsigned cpu) {
  ENTER(k, 0);
  int error = iovacheck_shim_cpu_dead(cpu);
  LEAVE(k, error == 0 ? IOVACHECK_KERNEL_OK : IOVACHECK_KERNEL_FAIL);
}

static int k_flush_depots(struct iovacheck_kernel *k) {
  ENTER(k, 0);
  free_global_cached_iovas(&k->iovad);
  LEAVE(k, IOVACHECK_KERNEL_OK);
}

static int k_run_delayed_work(struct iovacheck_kernel *k) {
  ENTER(k, 0);
  iovacheck_shim_run_pending_work();
  LEAVE(k, IOVACHECK_KERNEL_OK);
}

static size_t k_nodes(struct iovacheck_kernel *k, struct iovacheck_kernel_range *out, size_t cap) {
  size_t count = 0;
  for (struct rb_node *node = rb_first(&k->iovad.rbroot); node; node = rb_next(node), ++count)
    if (count < cap) out[count] = range_of(to_iova(node));
  return count;
}

static int in_tree(struct iovacheck_kernel *k, struct rb_node *wanted) {
  for (struct rb_node *node = rb_first(&k->iovad.rbroot); node; node = rb_next(node))
    if (node == wanted) return 1;
  return 0;
}

static void k_hints(struct iovacheck_kernel *k, struct iovacheck_kernel_hints *out) {
  memset(out, 0, sizeof *out);
  out->cached_node_in_tree = in_tree(k, k->iovad.cached_node);
  out->cached32_node_in_tree = in_tree(k, k->iovad.cached32_node);
  if (out->cached_node_in_tree) out->cached_node = range_of(to_iova(k->iovad.cached_node));
  if (out->cached32_node_in_tree) out->cached32_node = range_of(to_iova(k->iovad.cached32_node));
  out->max32_alloc_size = k->iovad.max32_alloc_size;
  out->dma_32bit_pfn = k->iovad.dma_32bit_pfn;
  out->start_pfn = k->iovad.start_pfn;
  out->granule = k->iovad.granule;
}

static size_t copy_pfns(const struct iova_magazine *mag, size_t size, unsigned long *out, size_t cap) {
  for (size_t i = 0; i < size && i < cap; ++i) out[i] = mag->pfns[i];
  return size;
}

static size_t k_magazine(struct iovacheck_kernel *k, unsigned bin, unsigned cpu, int which, unsigned long *out,
                         size_t cap) {
  if (bin >= IOVA_RANGE_CACHE_MAX_SIZE || cpu >= k->cpus || !k->iovad.rcaches) return 0;
  struct iova_cpu_rcache *cpu_rcache = per_cpu_ptr(k->iovad.rcaches[bin].cpu_rcaches, cpu);
  const struct iova_magazine *mag = which == 0 ? cpu_rcache->loaded : cpu_rcache->prev;
  return mag ? copy_pfns(mag, mag->size, out, cap) : 0;
}

/* The depot's design differs by version: a linked stack of full magazines (v6.7+) or an array
 * capped at MAX_GLOBAL_MAGS whose top is the last entry (v5.18..v6.6). */
#ifdef MAX_GLOBAL_MAGS
#define DEPOT_LIMIT MAX_GLOBAL_MAGS
static size_t k_depot_size(struct iovacheck_kernel *k, unsigned bin) {
  return bin < IOVA_RANGE_CACHE_MAX_SIZE && k->iovad.rcaches ? k->iovad.rcaches[bin].depot_size : 0;
}
static const struct iova_magazine *depot_at(struct iova_rcache *rcache, size_t index, size_t *size) {
  if (index >= rcache->depot_size) return NULL;
  const struct iova_magazine *mag = rcache->depot[rcache->depot_size - 1 - index];
  *size = mag->size;
  return mag;
}
#else
#define DEPOT_LIMIT 0
static size_t k_depot_size(struct iovacheck_kernel *k, unsigned bin) {
  return bin < IOVA_RANGE_CACHE_MAX_SIZE && k->iovad.rcaches ? k->iovad.rcaches[bin].depot_size : 0;
}
static const struct iova_magazine *depot_at(struct iova_rcache *rcache, size_t index, size_t *size) {
  const struct iova_magazine *mag = rcache->depot;
  for (size_t i = 0; mag && i < index; ++i) mag = mag->next;
  *size = IOVA_MAG_SIZE; /* the size field holds the link while a magazine is in the depot */
  return mag;
}
#endif

static size_t k_depot_magazine(struct iovacheck_kernel *k, unsigned bin, size_t index, unsigned long *out,
                               size_t cap) {
  if (bin >= IOVA_RANGE_CACHE_MAX_SIZE || !k->iovad.rcaches) return 0;
  size_t size = 0;
  const struct iova_magazine *mag = depot_at(&k->iovad.rcaches[bin], index, &size);
  return mag ? copy_pfns(mag, size, out, cap) : 0;
}

/* Black height of the subtree, or -1 with k->message set. */
static int check_subtree(struct iovacheck_kernel *k, struct rb_node *node, struct rb_node *parent) {
  if (!node) return 1;
  if (rb_parent(node) != parent) {
    snprintf(k->message, sizeof k->message, "rbtree: node [%#lx, %#lx] has a wrong parent link",
             to_iova(node)->pfn_lo, to_iova(node)->pfn_hi);
    return -1;
  }
  if (rb_is_red(node) && ((node->rb_left && rb_is_red(node->rb_left)) || (node->rb_right && rb_is_red(node->rb_right)))) {
    snprintf(k->message, sizeof k->message, "rbtree: red node [%#lx, %#lx] has a red child", to_iova(node)->pfn_lo,
             to_iova(node)->pfn_hi);
    return -1;
  }
  int left = check_subtree(k, node->rb_left, node);
  if (left < 0) return -1;
  int right = check_subtree(k, node->rb_right, node);
  if (right < 0) return -1;
  if (left != right) {
    snprintf(k->message, sizeof k->message, "rbtree: black heights differ below [%#lx, %#lx]", to_iova(node)->pfn_lo,
             to_iova(node)->pfn_hi);
    return -1;
  }
  return left + (rb_is_black(node) ? 1 : 0);
}

static const char *k_validate(struct iovacheck_kernel *k) {
  struct iova_domain *iovad = &k->iovad;
  if (k->dead) return "a BUG_ON fired: the kernel would have stopped here";
  struct rb_node *root = iovad->rbroot.rb_node;
  if (root && rb_is_red(root)) return "rbtree: the root is red";
  if (check_subtree(k, root, NULL) < 0) return k->message;
  const struct iova *previous = NULL;
  for (struct rb_node *node = rb_first(&iovad->rbroot); node; node = rb_next(node)) {
    const struct iova *iova = to_iova(node);
    if (iova->pfn_lo > iova->pfn_hi) {
      snprintf(k->message, sizeof k->message, "node [%#lx, %#lx] has pfn_lo > pfn_hi", iova->pfn_lo, iova->pfn_hi);
      return k->message;
    }
    if (previous && previous->pfn_hi >= iova->pfn_lo) {
      snprintf(k->message, sizeof k->message, "nodes [%#lx, %#lx] and [%#lx, %#lx] overlap or are out of order",
               previous->pfn_lo, previous->pfn_hi, iova->pfn_lo, iova->pfn_hi);
      return k->message;
    }
    previous = iova;
  }
  if (rb_last(&iovad->rbroot) != &iovad->anchor.node) return "the anchor is not the highest node";
  if (iovad->anchor.pfn_lo != IOVA_ANCHOR || iovad->anchor.pfn_hi != IOVA_ANCHOR) return "the anchor moved";
  if (!in_tree(k, iovad->cached_node)) return "cached_node names no node of the tree";
  if (!in_tree(k, iovad->cached32_node)) return "cached32_node names no node of the tree";
  if (iovad->iova_rbtree_lock.locked) return "iova_rbtree_lock is held after the call";
  for (unsigned bin = 0; iovad->rcaches && bin < IOVA_RANGE_CACHE_MAX_SIZE; ++bin) {
    struct iova_rcache *rcache = &iovad->rcaches[bin];
    if (rcache->lock.locked) return "an rcache lock is held after the call";
    for (unsigned cpu = 0; cpu < k->cpus; ++cpu) {
      struct iova_cpu_rcache *cpu_rcache = per_cpu_ptr(rcache->cpu_rcaches, cpu);
      if (cpu_rcache->lock.locked) return "a cpu_rcache lock is held after the call";
      if (cpu_rcache->loaded->size > IOVA_MAG_SIZE || cpu_rcache->prev->size > IOVA_MAG_SIZE) {
        snprintf(k->message, sizeof k->message, "rcache bin %u cpu %u: a magazine holds more than %d pfns", bin, cpu,
                 IOVA_MAG_SIZE);
        return k->message;
      }
    }
    if (DEPOT_LIMIT && k_depot_size(k, bin) > (size_t)DEPOT_LIMIT) return "a depot holds more than its limit";
  }
  return NULL;
}

static const char *k_take_events(struct iovacheck_kernel *k) {
  free(k->events_taken);
  k->events_taken = k->shim.events;
  k->shim.events = NULL;
  k->shim.events_length = 0;
  return k->events_taken;
}

static void k_fail_allocation_after(struct iovacheck_kernel *k, long n) { k->shim.fail_after = n; }

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

__attribute__((visibility("default"))) const struct iovacheck_kernel_api *iovacheck_kernel_entry(void) {
  static const struct iovacheck_kernel_api api = {
      .version = IOVACHECK_KERNEL_VERSION,
      .mag_size = IOVA_MAG_SIZE,
      .depot_limit = DEPOT_LIMIT,
      .bins = IOVA_RANGE_CACHE_MAX_SIZE,
      .create = k_create,
      .destroy = k_destroy,
      .alloc = k_alloc,
      .alloc_fast = k_alloc_fast,
      .free = k_free,
      .free_fast = k_free_fast,
      .reserve = k_reserve,
      .find = k_find,
      .cpu_dead = k_cpu_dead,
      .flush_depots = k_flush_depots,
      .run_delayed_work = k_run_delayed_work,
      .nodes = k_nodes,
      .hints = k_hints,
      .magazine = k_magazine,
      .depot_size = k_depot_size,
      .depot_magazine = k_depot_magazine,
      .validate = k_validate,
      .take_events = k_take_events,
      .fail_allocation_after = k_fail_allocation_after,
  };
  return &api;
}
