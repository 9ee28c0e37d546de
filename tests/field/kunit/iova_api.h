/* Our own declaration of the IOVA API (drivers/iommu/iova.c, v6.12) as emit-kunit's output calls
 * it, for compiling that output in userspace. Written for iovacheck; not the kernel's header. */
#ifndef IOVACHECK_FAKE_LINUX_IOVA_H
#define IOVACHECK_FAKE_LINUX_IOVA_H
#include <stdbool.h>

struct iova {
	unsigned long pfn_hi;
	unsigned long pfn_lo;
};

/* Complete so that callers can declare one, as the kernel's is; the backend owns what it points to. */
struct iova_domain {
	void *backend;
};

int iova_cache_get(void);
void iova_cache_put(void);
void init_iova_domain(struct iova_domain *iovad, unsigned long granule, unsigned long start_pfn);
int iova_domain_init_rcaches(struct iova_domain *iovad);
struct iova *alloc_iova(struct iova_domain *iovad, unsigned long size, unsigned long limit_pfn, bool size_aligned);
void free_iova(struct iova_domain *iovad, unsigned long pfn);
unsigned long alloc_iova_fast(struct iova_domain *iovad, unsigned long size, unsigned long limit_pfn, bool flush_rcache);
void free_iova_fast(struct iova_domain *iovad, unsigned long pfn, unsigned long size);
struct iova *reserve_iova(struct iova_domain *iovad, unsigned long pfn_lo, unsigned long pfn_hi);
struct iova *find_iova(struct iova_domain *iovad, unsigned long pfn);
void put_iova_domain(struct iova_domain *iovad);

#endif
