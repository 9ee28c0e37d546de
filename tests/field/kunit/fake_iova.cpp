// A userspace backend for <linux/iova.h> (our iova_api.h, placed there by CMake) over iovacheck's own
// implementations (impl/), the variant chosen by IOVACHECK_FAKE_VARIANT (default mainline): it
// shows that an emitted KUnit test passes where the allocator is right and fails where it is not.
// The real-kernel harness (iova.c built in userspace) is another backend for the same header.
#include <cstdlib>
#include <map>
#include <memory>

#include "impl/domain.h"
#include "impl/variant.h"

extern "C" {
#include <linux/iova.h>
}

namespace {

struct Backend {
  std::unique_ptr<iovacheck::impl::Domain> domain;
  std::map<unsigned long, std::unique_ptr<iova>> nodes;  // by pfn_lo: stable pointers for callers

  iova* node_at(unsigned long pfn) {
    const auto found = domain->find_iova(pfn);
    if (!found) return nullptr;
    auto& slot = nodes[found->pfn_lo];
    if (!slot) slot = std::make_unique<iova>();
    slot->pfn_lo = found->pfn_lo;
    slot->pfn_hi = found->pfn_hi;
    return slot.get();
  }
  void forget(unsigned long pfn) {
    if (const auto found = domain->find_iova(pfn)) nodes.erase(found->pfn_lo);
  }
};

Backend& backend(struct iova_domain* iovad) { return *static_cast<Backend*>(iovad->backend); }

}  // namespace

extern "C" {

int iova_cache_get(void) { return 0; }
void iova_cache_put(void) {}

void init_iova_domain(struct iova_domain* iovad, unsigned long granule, unsigned long start_pfn) {
  const char* name = std::getenv("IOVACHECK_FAKE_VARIANT");
  const iovacheck::impl::Variant* variant = iovacheck::impl::find_variant(name ? name : "mainline");
  if (!variant) std::abort();
  iovacheck::impl::Config config;
  config.granule = granule;
  config.start_pfn = start_pfn;
  config.dma32_pfn = 1UL << (32 - __builtin_ctzl(granule));
  auto* state = new Backend;
  state->domain = std::make_unique<iovacheck::impl::Domain>(config, *variant);
  iovad->backend = state;
}

int iova_domain_init_rcaches(struct iova_domain*) { return 0; }

struct iova* alloc_iova(struct iova_domain* iovad, unsigned long size, unsigned long limit_pfn, bool size_aligned) {
  const auto result = backend(iovad).domain->alloc_iova(size, limit_pfn, size_aligned);
  return result.status == iovacheck::impl::Status::Ok ? backend(iovad).node_at(result.pfn) : nullptr;
}

void free_iova(struct iova_domain* iovad, unsigned long pfn) {
  backend(iovad).forget(pfn);
  backend(iovad).domain->free_iova(pfn);
}

unsigned long alloc_iova_fast(struct iova_domain* iovad, unsigned long size, unsigned long limit_pfn, bool flush_rcache) {
  const auto result = backend(iovad).domain->alloc_iova_fast(size, limit_pfn, 0, flush_rcache);
  return result.status == iovacheck::impl::Status::Ok ? result.pfn : 0;
}

void free_iova_fast(struct iova_domain* iovad, unsigned long pfn, unsigned long size) {
  backend(iovad).domain->free_iova_fast(pfn, size, 0);
}

struct iova* reserve_iova(struct iova_domain* iovad, unsigned long pfn_lo, unsigned long pfn_hi) {
  const auto result = backend(iovad).domain->reserve_iova(pfn_lo, pfn_hi);
  return result.status == iovacheck::impl::Status::Ok ? backend(iovad).node_at(result.node.pfn_lo) : nullptr;
}

struct iova* find_iova(struct iova_domain* iovad, unsigned long pfn) { return backend(iovad).node_at(pfn); }

void put_iova_domain(struct iova_domain* iovad) {
  delete static_cast<Backend*>(iovad->backend);
  iovad->backend = nullptr;
}

}  // extern "C"
