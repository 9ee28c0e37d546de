/* The C API around one compiled drivers/iommu/iova.c: what the C++ harness calls through dlopen.
 * Every library exports iovacheck_kernel_entry(); pfns and sizes are the kernel's unsigned long. */
#ifndef IOVACHECK_KIOVA_H
#define IOVACHECK_KIOVA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct iovacheck_kernel;

struct iovacheck_kernel_range {
  unsigned long lo, hi;
};

struct iovacheck_kernel_hints {
  struct iovacheck_kernel_range cached_node, cached32_node;
  int cached_node_in_tree, cached32_node_in_tree; /* 0: the pointer names no node of the tree */
  unsigned long max32_alloc_size, dma_32bit_pfn, start_pfn, granule;
};

enum iovacheck_kernel_result { IOVACHECK_KERNEL_FAIL = 0, IOVACHECK_KERNEL_OK = 1, IOVACHECK_KERNEL_BUG = -1 };

struct iovacheck_kernel_api {
  const char *version;        /* "6.12.117", "6.12.117+mag=4" */
  unsigned mag_size;          /* IOVA_MAG_SIZE as compiled */
  unsigned depot_limit;       /* MAX_GLOBAL_MAGS of the older design; 0: unbounded with trimming */
  unsigned bins;              /* IOVA_RANGE_CACHE_MAX_SIZE */

  /* dma32_pfn 0 keeps init_iova_domain's value; another is set after init (a test geometry).
   * NULL on failure, with *error set to a static message. */
  struct iovacheck_kernel *(*create)(unsigned long granule, unsigned long start_pfn, unsigned long dma32_pfn,
                                     unsigned cpus, const char **error);
  void (*destroy)(struct iovacheck_kernel *k);

  int (*alloc)(struct iovacheck_kernel *k, unsigned long size, unsigned long limit_pfn, int size_aligned,
               struct iovacheck_kernel_range *node);
  /* *pfn is alloc_iova_fast's return: 0 means no result. */
  int (*alloc_fast)(struct iovacheck_kernel *k, unsigned long size, unsigned long limit_pfn, unsigned cpu, int flush,
                    unsigned long *pfn);
  int (*free)(struct iovacheck_kernel *k, unsigned long pfn);
  int (*free_fast)(struct iovacheck_kernel *k, unsigned long pfn, unsigned long size, unsigned cpu);
  int (*reserve)(struct iovacheck_kernel *k, unsigned long lo, unsigned long hi, struct iovacheck_kernel_range *node);
  int (*find)(struct iovacheck_kernel *k, unsigned long pfn, struct iovacheck_kernel_range *node);
  int (*cpu_dead)(struct iovacheck_kernel *k, unsigned cpu);   /* CPU hotplug: free_cpu_cached_iovas */
  int (*flush_depots)(struct iovacheck_kernel *k);             /* static free_global_cached_iovas */
  int (*run_delayed_work)(struct iovacheck_kernel *k);         /* every pending depot-trim work once */

  /* Observation: counts are returned, at most cap entries written. */
  size_t (*nodes)(struct iovacheck_kernel *k, struct iovacheck_kernel_range *out, size_t cap);
  void (*hints)(struct iovacheck_kernel *k, struct iovacheck_kernel_hints *out);
  /* which: 0 loaded, 1 prev. */
  size_t (*magazine)(struct iovacheck_kernel *k, unsigned bin, unsigned cpu, int which, unsigned long *out, size_t cap);
  size_t (*depot_size)(struct iovacheck_kernel *k, unsigned bin);
  /* index 0 is the top of the depot (the next to be popped). */
  size_t (*depot_magazine)(struct iovacheck_kernel *k, unsigned bin, size_t index, unsigned long *out, size_t cap);
  /* The first broken invariant of the real structures (rbtree colours and links, order, anchor,
   * cached nodes, locks, magazines), or NULL. The text lives until the next call. */
  const char *(*validate)(struct iovacheck_kernel *k);
  /* WARN_ON/BUG_ON/lock events since the last call, one per line, or NULL; lives until the next call. */
  const char *(*take_events)(struct iovacheck_kernel *k);
  /* The n-th allocation from now fails (0: the next); negative: none. */
  void (*fail_allocation_after)(struct iovacheck_kernel *k, long n);
};

const struct iovacheck_kernel_api *iovacheck_kernel_entry(void);

#ifdef __cplusplus
}
#endif

#endif
