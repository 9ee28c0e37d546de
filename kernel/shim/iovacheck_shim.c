/* The shim's runtime: events, locks, per-CPU arrays, allocation with failure injection, delayed
 * work and CPU hotplug. One copy per compiled kernel library, so libraries never share state. */
#include "iovacheck_shim.h"

#include <stdarg.h>
#include <stdio.h>

unsigned int iovacheck_shim_cpus = 1;
unsigned int iovacheck_shim_current_cpu = 0;
struct iovacheck_shim_context *iovacheck_shim;

static int (*cpu_dead_teardown)(unsigned int, struct hlist_node *);

static void append_event(const char *text) {
  struct iovacheck_shim_context *context = iovacheck_shim;
  if (!context) return;
  size_t length = strlen(text);
  char *grown = realloc(context->events, context->events_length + length + 2);
  if (!grown) return;
  memcpy(grown + context->events_length, text, length);
  grown[context->events_length + length] = '\n';
  grown[context->events_length + length + 1] = '\0';
  context->events = grown;
  context->events_length += length + 1;
}

static const char *base_name(const char *file) {
  const char *slash = strrchr(file, '/');
  return slash ? slash + 1 : file;
}

void iovacheck_shim_event(const char *kind, const char *file, int line, const char *condition) {
  char text[512];
  snprintf(text, sizeof text, "%s(%s) at %s:%d", kind, condition, base_name(file), line);
  append_event(text);
}

void iovacheck_shim_bug(const char *file, int line, const char *condition) {
  iovacheck_shim_event("BUG_ON", file, line, condition);
  if (iovacheck_shim && iovacheck_shim->bug_exit) longjmp(*iovacheck_shim->bug_exit, 1);
  abort(); /* a BUG outside any call the harness made: nowhere to return to */
}

void iovacheck_shim_print(const char *fmt, ...) {
  char text[512];
  va_list args;
  va_start(args, fmt);
  vsnprintf(text, sizeof text, fmt, args);
  va_end(args);
  size_t length = strlen(text);
  if (length && text[length - 1] == '\n') text[length - 1] = '\0';
  char event[560];
  snprintf(event, sizeof event, "printk: %s", text);
  append_event(event);
}

void iovacheck_shim_lock(spinlock_t *lock, const char *file, int line) {
  if (lock->locked) iovacheck_shim_event("spin_lock of a held lock (deadlock)", file, line, "lock");
  lock->locked = 1;
}

void iovacheck_shim_unlock(spinlock_t *lock, const char *file, int line) {
  if (!lock->locked) iovacheck_shim_event("spin_unlock of a free lock", file, line, "lock");
  lock->locked = 0;
}

void *iovacheck_shim_alloc(size_t size, bool zero) {
  struct iovacheck_shim_context *context = iovacheck_shim;
  if (context && context->fail_after >= 0) {
    if (context->fail_after == 0) {
      context->fail_after = -1; /* one injected failure per request */
      return NULL;
    }
    --context->fail_after;
  }
  if (size == 0) size = 1;
  return zero ? calloc(1, size) : malloc(size);
}

void *__alloc_percpu(size_t size, size_t align) {
  (void)align;
  return iovacheck_shim_alloc(size * iovacheck_shim_cpus, true);
}

void free_percpu(void *ptr) { free(ptr); }

struct kmem_cache *kmem_cache_create(const char *name, unsigned int size, unsigned int align, slab_flags_t flags,
                                     void (*ctor)(void *)) {
  (void)align, (void)flags, (void)ctor;
  struct kmem_cache *cache = malloc(sizeof *cache);
  if (!cache) return NULL;
  cache->name = name;
  cache->size = size;
  return cache;
}

void kmem_cache_destroy(struct kmem_cache *cache) { free(cache); }

int cpuhp_setup_state_multi(enum cpuhp_state state, const char *name, int (*startup)(unsigned int, struct hlist_node *),
                            int (*teardown)(unsigned int, struct hlist_node *)) {
  (void)state, (void)name, (void)startup;
  cpu_dead_teardown = teardown;
  return 0;
}

void cpuhp_remove_multi_state(enum cpuhp_state state) {
  (void)state;
  cpu_dead_teardown = NULL;
}

int cpuhp_state_add_instance_nocalls(enum cpuhp_state state, struct hlist_node *node) {
  (void)state;
  if (iovacheck_shim) iovacheck_shim->hotplug_instance = node;
  return 0;
}

int cpuhp_state_remove_instance_nocalls(enum cpuhp_state state, struct hlist_node *node) {
  (void)state;
  if (iovacheck_shim && iovacheck_shim->hotplug_instance == node) iovacheck_shim->hotplug_instance = NULL;
  return 0;
}

int iovacheck_shim_cpu_dead(unsigned int cpu) {
  if (!cpu_dead_teardown || !iovacheck_shim || !iovacheck_shim->hotplug_instance) return -EINVAL;
  return cpu_dead_teardown(cpu, iovacheck_shim->hotplug_instance);
}

bool schedule_delayed_work(struct delayed_work *dwork, unsigned long delay) {
  (void)delay;
  if (dwork->pending || !iovacheck_shim) return false;
  dwork->pending = true;
  dwork->next_pending = iovacheck_shim->pending;
  iovacheck_shim->pending = dwork;
  return true;
}

bool cancel_delayed_work_sync(struct delayed_work *dwork) {
  if (!dwork->pending || !iovacheck_shim) return false;
  for (struct delayed_work **link = &iovacheck_shim->pending; *link; link = &(*link)->next_pending) {
    if (*link == dwork) {
      *link = dwork->next_pending;
      break;
    }
  }
  dwork->pending = false;
  dwork->next_pending = NULL;
  return true;
}

static int by_address(const void *a, const void *b) {
  uintptr_t x = (uintptr_t) * (struct delayed_work *const *)a, y = (uintptr_t) * (struct delayed_work *const *)b;
  return x < y ? -1 : x > y;
}

void iovacheck_shim_run_pending_work(void) {
  struct iovacheck_shim_context *context = iovacheck_shim;
  if (!context) return;
  size_t count = 0;
  for (struct delayed_work *work = context->pending; work; work = work->next_pending) ++count;
  if (!count) return;
  struct delayed_work **due = malloc(count * sizeof *due);
  if (!due) return;
  size_t index = 0;
  for (struct delayed_work *work = context->pending; work; work = work->next_pending) due[index++] = work;
  context->pending = NULL;
  qsort(due, count, sizeof *due, by_address);
  for (size_t i = 0; i < count; ++i) { /* a work that re-schedules itself runs on the next request */
    due[i]->pending = false;
    due[i]->next_pending = NULL;
  }
  for (size_t i = 0; i < count; ++i) due[i]->work.func(&due[i]->work);
  free(due);
}
