/* Our own declaration of the KUnit macros emit-kunit's output uses, for compiling and running it
 * in userspace (tests/field). Written for iovacheck; not the kernel's header. A failed expectation
 * marks the test failed and goes on; a failed assertion ends the test case. */
#ifndef IOVACHECK_FAKE_KUNIT_TEST_H
#define IOVACHECK_FAKE_KUNIT_TEST_H
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>

struct kunit {
	const char *name;
	int failures;
	jmp_buf abort;
};

struct kunit_case {
	void (*run_case)(struct kunit *test);
	const char *name;
};

struct kunit_suite {
	const char *name;
	struct kunit_case *test_cases;
};

#define KUNIT_CASE(fn) { .run_case = fn, .name = #fn }

/* The suite the runner (kunit_runner.c) runs. */
extern struct kunit_suite *iovacheck_kunit_suite;
#define kunit_test_suite(suite) struct kunit_suite *iovacheck_kunit_suite = &(suite)

static inline void iovacheck_kunit_fail(struct kunit *test, bool assertion, const char *file, int line,
					const char *what, const char *message)
{
	printf("    # %s: %s:%d: %s failed%s%s\n", test->name, file, line, what, message ? ": " : "", message ? message : "");
	test->failures++;
	if (assertion)
		longjmp(test->abort, 1);
}

#define IOVACHECK_KUNIT_CHECK(test, assertion, cond, what, msg) \
	do { \
		if (!(cond)) \
			iovacheck_kunit_fail(test, assertion, __FILE__, __LINE__, what, msg); \
	} while (0)

#define KUNIT_EXPECT_TRUE_MSG(test, c, msg) IOVACHECK_KUNIT_CHECK(test, false, (c), #c, msg)
#define KUNIT_EXPECT_EQ(test, a, b) IOVACHECK_KUNIT_CHECK(test, false, (a) == (b), #a " == " #b, NULL)
#define KUNIT_EXPECT_NE(test, a, b) IOVACHECK_KUNIT_CHECK(test, false, (a) != (b), #a " != " #b, NULL)
#define KUNIT_EXPECT_EQ_MSG(test, a, b, msg) IOVACHECK_KUNIT_CHECK(test, false, (a) == (b), #a " == " #b, msg)
#define KUNIT_EXPECT_NE_MSG(test, a, b, msg) IOVACHECK_KUNIT_CHECK(test, false, (a) != (b), #a " != " #b, msg)
#define KUNIT_EXPECT_GE_MSG(test, a, b, msg) IOVACHECK_KUNIT_CHECK(test, false, (a) >= (b), #a " >= " #b, msg)
#define KUNIT_EXPECT_LE_MSG(test, a, b, msg) IOVACHECK_KUNIT_CHECK(test, false, (a) <= (b), #a " <= " #b, msg)
#define KUNIT_EXPECT_NULL(test, p) IOVACHECK_KUNIT_CHECK(test, false, (p) == NULL, #p " == NULL", NULL)
#define KUNIT_EXPECT_NOT_NULL(test, p) IOVACHECK_KUNIT_CHECK(test, false, (p) != NULL, #p " != NULL", NULL)
#define KUNIT_EXPECT_NOT_NULL_MSG(test, p, msg) IOVACHECK_KUNIT_CHECK(test, false, (p) != NULL, #p " != NULL", msg)
#define KUNIT_ASSERT_EQ(test, a, b) IOVACHECK_KUNIT_CHECK(test, true, (a) == (b), #a " == " #b, NULL)
#define KUNIT_ASSERT_NE(test, a, b) IOVACHECK_KUNIT_CHECK(test, true, (a) != (b), #a " != " #b, NULL)
#define KUNIT_ASSERT_NOT_NULL(test, p) IOVACHECK_KUNIT_CHECK(test, true, (p) != NULL, #p " != NULL", NULL)

#endif
