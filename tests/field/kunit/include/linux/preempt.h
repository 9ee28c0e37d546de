/* Userspace stand-in: one thread, nothing to pin. */
#ifndef IOVACHECK_FAKE_LINUX_PREEMPT_H
#define IOVACHECK_FAKE_LINUX_PREEMPT_H
static inline void migrate_disable(void) {}
static inline void migrate_enable(void) {}
#endif
