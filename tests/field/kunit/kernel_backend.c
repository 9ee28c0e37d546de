/* The backend that makes an emitted KUnit test run against the real kernel: drivers/iommu/iova.c
 * and lib/rbtree.c of a kernel tree, included unmodified and compiled against iovacheck's shim
 * (kernel/shim), so the test calls the kernel's own init_iova_domain, alloc_iova, ... as declared
 * by the kernel's own include/linux/iova.h. One domain context, one CPU (the emitted test refuses
 * traces that choose another); no failure injection. */
#include "iovacheck_shim.h"

#include <stdio.h>

#include IOVACHECK_RBTREE_SOURCE
#include IOVACHECK_IOVA_SOURCE

static struct iovacheck_shim_context kunit_context = {.fail_after = -1};

__attribute__((constructor)) static void attach_shim(void)
{
	iovacheck_shim = &kunit_context;
	iovacheck_shim_cpus = 1;
	iovacheck_shim_current_cpu = 0;
}

/* WARN_ON, BUG_ON and lock misuse in the kernel's code, as KTAP diagnostics: a kernel running the
 * test would have logged them. */
__attribute__((destructor)) static void print_kernel_events(void)
{
	const char *line = kunit_context.events;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		int length = end ? (int)(end - line) : (int)strlen(line);

		printf("# kernel: %.*s\n", length, line);
		line += length + (end ? 1 : 0);
	}
}
