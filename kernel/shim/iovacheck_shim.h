/* The userspace kernel that drivers/iommu/iova.c and lib/rbtree.c are compiled against: only what
 * those two files use, written for iovacheck (no kernel code). Made for Linux 6.12 and checked
 * against 6.1; a tree that needs more fails to compile naming the missing symbol.
 *
 * What it fakes: spinlocks and mutexes are flags (a lock taken twice or an assert on a free lock is
 * reported, nothing runs concurrently); per-CPU data is an array indexed by a settable current
 * CPU; kmem_cache and kmalloc are malloc with deterministic failure injection; delayed work is
 * recorded and run on request; CPU hotplug calls the registered teardown on request; WARN_ON and
 * BUG_ON record events (BUG_ON also abandons the call). */
#ifndef IOVACHECK_SHIM_H
#define IOVACHECK_SHIM_H

#include <limits.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- types ---- */
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;
typedef u64 dma_addr_t;
typedef u64 phys_addr_t;
typedef unsigned int gfp_t;
typedef unsigned int slab_flags_t;

struct hlist_node {
  struct hlist_node *next, **pprev;
};

/* ---- compiler ---- */
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define noinline __attribute__((noinline))
#define __percpu
#define __rcu
#define __init
#define __exit
#define __must_check
#define __maybe_unused __attribute__((unused))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define READ_ONCE(x) (*(volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val) (*(volatile __typeof__(x) *)&(x) = (val))
#define barrier() __asm__ __volatile__("" ::: "memory")
#define rcu_assign_pointer(p, v) ((p) = (v))
#define rcu_dereference_raw(p) (p)
#define RCU_INIT_POINTER(p, v) ((p) = (v))
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define container_of_const(ptr, type, member) container_of(ptr, type, member)
#define hlist_entry_safe(ptr, type, member) ((ptr) ? container_of(ptr, type, member) : NULL)
#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)
#define MODULE_AUTHOR(x)
#define MODULE_DESCRIPTION(x)
#define MODULE_LICENSE(x)
#define IS_REACHABLE(option) 1
#define IS_ENABLED(option) 0
#ifdef IOVACHECK_MAG_COPY
/* A copy with another IOVA_MAG_SIZE: the magazine no longer fills a kmalloc bucket exactly. */
#define static_assert(expr, ...)
#else
#define static_assert(expr, ...) _Static_assert(expr, #expr)
#endif

/* ---- arithmetic ---- */
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define swap(a, b)               \
  do {                           \
    __typeof__(a) __tmp = (a);   \
    (a) = (b);                   \
    (b) = __tmp;                 \
  } while (0)
#define ALIGN(x, a) (((x) + ((__typeof__(x))(a)-1)) & ~((__typeof__(x))(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define BITS_PER_LONG (__SIZEOF_LONG__ * 8) /* the kernel's asm/bitsperlong.h; kernel/fixes/f10.cmake uses it */
static inline int fls_long(unsigned long x) { return x ? 64 - __builtin_clzl(x) : 0; }
static inline int fls64(u64 x) { return x ? 64 - __builtin_clzll(x) : 0; }
static inline unsigned long __ffs(unsigned long x) { return (unsigned long)__builtin_ctzl(x); }
static inline bool is_power_of_2(unsigned long n) { return n != 0 && (n & (n - 1)) == 0; }
static inline unsigned long roundup_pow_of_two(unsigned long n) { return 1UL << fls_long(n - 1); }
static inline int order_base_2(unsigned long n) { return n > 1 ? fls_long(n - 1) : 0; }

/* ---- pages, errors, printing ---- */
/* 64 KiB pages (arm64's largest common size), so that every granule up to 64 KiB initialises. */
#define PAGE_SHIFT 16
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define ENOMEM 12
#define EINVAL 22
#define ENOTSUPP 524
#define ERR_PTR(err) ((void *)(long)(err))
void iovacheck_shim_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define pr_err(...) iovacheck_shim_print(__VA_ARGS__)
#define pr_warn(...) iovacheck_shim_print(__VA_ARGS__)
#define pr_info(...) ((void)0)

/* ---- reported events: WARN_ON continues, BUG_ON abandons the call ---- */
void iovacheck_shim_event(const char *kind, const char *file, int line, const char *condition);
void iovacheck_shim_bug(const char *file, int line, const char *condition) __attribute__((noreturn));
#define WARN_ON(condition)                                                                   \
  ({                                                                                         \
    int __warned = !!(condition);                                                            \
    if (__warned) iovacheck_shim_event("WARN_ON", __FILE__, __LINE__, #condition);           \
    __warned;                                                                                \
  })
#define WARN_ON_ONCE(condition) WARN_ON(condition)
#define BUG_ON(condition)                                                    \
  do {                                                                       \
    if (condition) iovacheck_shim_bug(__FILE__, __LINE__, #condition);       \
  } while (0)
#define BUG() iovacheck_shim_bug(__FILE__, __LINE__, "BUG()")

/* ---- locks: flags that catch a double lock and an unlocked assert ---- */
typedef struct {
  int locked;
} spinlock_t;
#define spin_lock_init(lock) ((lock)->locked = 0)
void iovacheck_shim_lock(spinlock_t *lock, const char *file, int line);
void iovacheck_shim_unlock(spinlock_t *lock, const char *file, int line);
#define spin_lock(lock) iovacheck_shim_lock(lock, __FILE__, __LINE__)
#define spin_unlock(lock) iovacheck_shim_unlock(lock, __FILE__, __LINE__)
#define spin_lock_irqsave(lock, flags) ((flags) = 0, iovacheck_shim_lock(lock, __FILE__, __LINE__))
#define spin_unlock_irqrestore(lock, flags) ((void)(flags), iovacheck_shim_unlock(lock, __FILE__, __LINE__))
#define assert_spin_locked(lock) \
  ((lock)->locked ? (void)0 : iovacheck_shim_event("assert_spin_locked", __FILE__, __LINE__, #lock))
struct mutex {
  int locked;
};
#define DEFINE_MUTEX(name) struct mutex name = {0}
#define mutex_lock(m) ((m)->locked = 1)
#define mutex_unlock(m) ((m)->locked = 0)

/* ---- CPUs and per-CPU data: arrays indexed by the current CPU ---- */
extern unsigned int iovacheck_shim_cpus;        /* possible == online */
extern unsigned int iovacheck_shim_current_cpu;  /* what raw_cpu_ptr indexes */
#define num_online_cpus() (iovacheck_shim_cpus)
#define num_possible_cpus() (iovacheck_shim_cpus)
#define nr_cpu_ids (iovacheck_shim_cpus)
#define for_each_possible_cpu(cpu) for ((cpu) = 0; (cpu) < iovacheck_shim_cpus; (cpu)++)
#define for_each_online_cpu(cpu) for_each_possible_cpu(cpu)
#define smp_processor_id() (iovacheck_shim_current_cpu)
#define cache_line_size() 64
void *__alloc_percpu(size_t size, size_t align);
void free_percpu(void *ptr);
#define alloc_percpu(type) ((type *)__alloc_percpu(sizeof(type), __alignof__(type)))
#define per_cpu_ptr(ptr, cpu) (&(ptr)[(cpu)])
#define raw_cpu_ptr(ptr) (&(ptr)[iovacheck_shim_current_cpu])
#define this_cpu_ptr(ptr) raw_cpu_ptr(ptr)
#define get_cpu_ptr(ptr) raw_cpu_ptr(ptr)
#define put_cpu_ptr(ptr) ((void)(ptr))

/* ---- CPU hotplug: the teardown registered for the IOVA state runs on request ---- */
enum cpuhp_state { CPUHP_IOMMU_IOVA_DEAD = 1 };
int cpuhp_setup_state_multi(enum cpuhp_state state, const char *name, int (*startup)(unsigned int, struct hlist_node *),
                            int (*teardown)(unsigned int, struct hlist_node *));
void cpuhp_remove_multi_state(enum cpuhp_state state);
int cpuhp_state_add_instance_nocalls(enum cpuhp_state state, struct hlist_node *node);
int cpuhp_state_remove_instance_nocalls(enum cpuhp_state state, struct hlist_node *node);

/* ---- memory: malloc with deterministic failure injection ---- */
#define GFP_KERNEL 0x1u
#define GFP_ATOMIC 0x2u
#define GFP_NOWAIT 0x4u
#define __GFP_NOWARN 0x8u
#define SLAB_HWCACHE_ALIGN 0x1u
struct kmem_cache {
  const char *name;
  size_t size;
};
void *iovacheck_shim_alloc(size_t size, bool zero); /* NULL when an injected failure is due */
struct kmem_cache *kmem_cache_create(const char *name, unsigned int size, unsigned int align, slab_flags_t flags,
                                     void (*ctor)(void *));
void kmem_cache_destroy(struct kmem_cache *cache);
#define kmem_cache_alloc(cache, flags) iovacheck_shim_alloc((cache)->size, false)
#define kmem_cache_zalloc(cache, flags) iovacheck_shim_alloc((cache)->size, true)
#define kmem_cache_free(cache, ptr) free(ptr)
#define kmalloc(size, flags) iovacheck_shim_alloc(size, false)
#define kzalloc(size, flags) iovacheck_shim_alloc(size, true)
#define kcalloc(n, size, flags) iovacheck_shim_alloc((n) * (size), true)
#define kfree(ptr) free((void *)(ptr))
#define kvfree(ptr) free((void *)(ptr))
#define kmemleak_transient_leak(ptr) ((void)(ptr))
#define kmemleak_not_leak(ptr) ((void)(ptr))

/* ---- delayed work: recorded when scheduled, run on request ---- */
struct work_struct;
typedef void (*work_func_t)(struct work_struct *work);
struct work_struct {
  work_func_t func;
};
struct delayed_work {
  struct work_struct work;
  bool pending;
  struct delayed_work *next_pending;
};
#define INIT_DELAYED_WORK(dwork, fn)  \
  do {                                \
    (dwork)->work.func = (fn);        \
    (dwork)->pending = false;         \
    (dwork)->next_pending = NULL;     \
  } while (0)
#define msecs_to_jiffies(ms) ((unsigned long)(ms))
bool schedule_delayed_work(struct delayed_work *dwork, unsigned long delay);
bool cancel_delayed_work_sync(struct delayed_work *dwork);

/* ---- the harness's side: context, events, injection, work ---- */
struct iovacheck_shim_context {
  char *events;          /* newline-separated WARN/BUG/lock events since the last read */
  size_t events_length;
  long fail_after;       /* allocations left before the next injected failure; < 0: never */
  jmp_buf *bug_exit;     /* where BUG_ON returns to */
  struct delayed_work *pending; /* scheduled delayed work, newest first */
  struct hlist_node *hotplug_instance;
};
extern struct iovacheck_shim_context *iovacheck_shim;
/* Runs every pending delayed work once, in address order (the rcaches array, so bin order). */
void iovacheck_shim_run_pending_work(void);
/* The registered CPU-dead teardown for the current instance. */
int iovacheck_shim_cpu_dead(unsigned int cpu);

#endif
