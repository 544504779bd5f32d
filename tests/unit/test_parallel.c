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
 * `fail`, `kill_at` and `stop_at` make job number that one go wrong, and
 * the jobs below `slow_below` take 2 ms each. */
typedef struct {
	size_t fail, kill_at, stop_at, slow_below;
	int stop_taken;            /* the record of job stop_at was taken */
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
	if (i < s->slow_below)
		usleep(2000);
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
	s->stop_taken |= i == s->stop_at;
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
	squares s = { NONE, NONE, NONE, 0, 0, 0, 0, 0, 0 };
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
	/* 0.5 s of slow jobs first, so that a child started late on a loaded
	 * machine still finds jobs left. */
	s.slow_below = 250;
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
	s.fail = 4999; /* the last job: a child's first */
	assert_int_equal(run_squares(&s, 5000), CG_EPOLICY);
	assert_string_equal(cg_error_last(), "job 4999 failed on purpose");
}

static void test_a_killed_child_is_an_error(void **state)
{
	squares s = plain();

	(void)state;
	if (!several_cpus())
		skip();
	s.kill_at = 4999;
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

/* A process that stops early (a deadline passed) stops the others: the
 * caller's, or a child's, whose first job is the last. For the child's,
 * this process's jobs take 2 ms each: on a loaded machine it could else do
 * every job, the last included, before the child starts. */
static void test_a_process_may_stop_early(void **state)
{
	static const struct {
		size_t stop_at, slow_below;
	} cases[] = { { 100, 0 }, { 4999, 4999 } };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		squares s = plain();
		s.stop_at = cases[i].stop_at;
		s.slow_below = cases[i].slow_below;
		assert_int_equal(run_squares(&s, 5000), 0);
		assert_true(s.stop_taken);
		assert_true(s.taken < 5000);
	}
}

/* The jobs are not cut into fixed halves: when the first half costs more,
 * the child, done with the second, takes some of the first. */
static void test_slow_jobs_are_shared(void **state)
{
	squares s = plain();

	(void)state;
	if (!several_cpus())
		skip();
	s.slow_below = 500;
	assert_int_equal(run_squares(&s, 1000), 0);
	assert_int_equal(s.taken, 1000);
	assert_true(s.other_pids > 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_job_is_taken_once_in_order),
		cmocka_unit_test(test_a_short_list_stays_in_this_process),
		cmocka_unit_test(test_a_childs_error_comes_back_with_its_message),
		cmocka_unit_test(test_a_killed_child_is_an_error),
		cmocka_unit_test(test_an_error_here_stops_everything),
		cmocka_unit_test(test_a_process_may_stop_early),
		cmocka_unit_test(test_slow_jobs_are_shared),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
