/* Runs the one suite an emit-kunit file defines, KTAP-style; exit 1 when a case fails. */
#include <kunit/test.h>
#include <stdio.h>

static struct kunit current;

/* An assertion longjmps back here; `current` is static, so nothing is clobbered. */
static int run_case(struct kunit_case *test_case)
{
	current.name = test_case->name;
	current.failures = 0;
	if (setjmp(current.abort) == 0)
		test_case->run_case(&current);
	return current.failures;
}

int main(void)
{
	int failed = 0;
	struct kunit_case *test_case;

	printf("# Subtest: %s\n", iovacheck_kunit_suite->name);
	for (test_case = iovacheck_kunit_suite->test_cases; test_case->run_case; test_case++) {
		int failures = run_case(test_case);

		printf("    %s %s\n", failures ? "not ok" : "ok", test_case->name);
		failed |= failures != 0;
	}
	printf("%s %s\n", failed ? "not ok" : "ok", iovacheck_kunit_suite->name);
	return failed;
}
