/*
 * scratch_fixture.h: a scratch repository with the built-in policy, the
 * fixture that the tests of lib/record.c and lib/update.c start from.
 */
#ifndef CG_TEST_SCRATCH_FIXTURE_H
#define CG_TEST_SCRATCH_FIXTURE_H

#include "scratch.h"

#include <git2.h>

#include "policy.h"

typedef struct {
	char dir[4096];
	git_repository *repo;
	cg_policy *policy;
} scratch_fixture;

/* A new repository (`bare` or with a work tree) in "<tmp>/cg-<name>-XXXXXX"
 * and the default policy; 0 or -1. */
static int scratch_fixture_open(scratch_fixture *s, const char *name, int bare)
{
	git_libgit2_init();
	if (scratch_make(s->dir, sizeof(s->dir), name) < 0 ||
	    git_repository_init(&s->repo, s->dir, (unsigned)bare) < 0 ||
	    cg_policy_default(&s->policy) < 0)
		return -1;
	return 0;
}

static void scratch_fixture_close(scratch_fixture *s)
{
	cg_policy_free(s->policy);
	git_repository_free(s->repo);
	scratch_remove(s->dir);
	git_libgit2_shutdown();
}

/* A cmocka teardown for a test's fixture that starts with a scratch_fixture
 * and was allocated with malloc. */
static inline int scratch_fixture_teardown(void **state)
{
	scratch_fixture *s = *state;

	scratch_fixture_close(s);
	free(s);
	return 0;
}

#endif
