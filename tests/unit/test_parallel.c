#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "parallel.h"

/* Jobs whose record is the job's number squared and the pid that did it;
 * `fail`, `kill_at` and `stop_at` make job number that one go wrong. */
typedef struct {
	size_t fail, kill_at, stop_at;
	size_t taken, next;        /* how many records were taken; the next expected job */
	uint64_t sum;
	int other_pids;            /* records that came from another process */
} squares;

#define NONE ((size_t)-1)

static int run_square(size_t i, cg_buf *out, void *payload)
{
	squares *s = payload;

	if (i == s->fail)
		return cg_error_set(CG_EPOLICY, "job %zu failed on purpose", i);
	if (i == s->kill_at)
		raise(SIGKILL);
	cg_buf_put_u64(out, (uint64_t)i * i);
	cg_buf_put_u32(out, (uint32_t)getpid());
	return i == s->stop_at;
}

static int take_square(size_t i, cg_buf_reader *in, void *payload)
{
	squares *s = payload;
	uint64_t v;
	uint32_t pid;

	assert_int_equal(cg_buf_get_u64(in, &v), 0);
	assert_int_equal(cg_buf_get_u32(in, &pid), 0);
	assert_int_equal(v, (uint64_t)i * i);
	assert_true(i >= s->next); /* in job order */
	s->next = i + 1;
	s->taken++;
	s->sum += v;
	s->other_pids += pid != (uint32_t)getpid();
	return 0;
}

static int run_squares(squares *s, size_t n)
{
	cg_parallel_jobs jobs = { run_square, take_square, s };
	return cg_parallel_run(&jobs, n);
}

static squares plain(void)
{
	squares s = { NONE, NONE, NONE, 0, 0, 0, 0 };
	return s;
}

static int several_cpus(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN) >= 2;
}

static void test_every_job_is_taken_once_in_order(void **state)
{
	squares s = plain();
	uint64_t want = 0;
	size_t i, n = 5000;

	(void)state;
	for (i = 0; i < n; i++)
		want += (uint64_t)i * i;
	assert_int_equal(run_squares(&s, n), 0);
	assert_int_equal(s.taken, n);
	assert_int_equal(s.sum, want);
	if (several_cpus())
		assert_true(s.other_pids > 0); /* children did some of them */
}

static void test_a_short_list_stays_in_this_process(void **state)
{
	squares s = plain();

	(void)state;
	assert_int_equal(run_squares(&s, CG_PARALLEL_MIN - 1), 0);
	assert_int_equal(s.taken, CG_PARALLEL_MIN - 1);
	assert_int_equal(s.other_pids, 0);
}

static void test_a_childs_error_comes_back_with_its_message(void **state)
{
	squares s = plain();

	(void)state;
	if (!several_cpus())
		skip();
	s.fail = 4990; /* in the last share, a child's */
	assert_int_equal(run_squares(&s, 5000), CG_EPOLICY);
	assert_string_equal(cg_error_last(), "job 4990 failed on purpose");
}

static void test_a_killed_child_is_an_error(void **state)
{
	squares s = plain();

	(void)state;
	if (!several_cpus())
		skip();
	s.kill_at = 4000;
	assert_int_equal(run_squares(&s, 5000), CG_ERROR);
	assert_string_equal(cg_error_last(), "a checking process was killed by signal 9");
}

static void test_an_error_here_stops_everything(void **state)
{
	squares s = plain();

	(void)state;
	s.fail = 10; /* in the first share, this process's */
	assert_int_equal(run_squares(&s, 5000), CG_EPOLICY);
	assert_int_equal(s.taken, 10);
}

static void test_a_share_may_stop_early(void **state)
{
	squares s = plain();

	(void)state;
	s.stop_at = 100;
	assert_int_equal(run_squares(&s, 5000), 0);
	assert_true(s.taken >= 101 && s.taken < 5000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_job_is_taken_once_in_order),
		cmocka_unit_test(test_a_short_list_stays_in_this_process),
		cmocka_unit_test(test_a_childs_error_comes_back_with_its_message),
		cmocka_unit_test(test_a_killed_child_is_an_error),
		cmocka_unit_test(test_an_error_here_stops_everything),
		cmocka_unit_test(test_a_share_may_stop_early),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
