/*
 * entry_pattern.h: the built-in policy's entry pattern, compiled once per
 * group of tests, for the tests of lib/changelog.c.
 */
#ifndef CG_TEST_ENTRY_PATTERN_H
#define CG_TEST_ENTRY_PATTERN_H

#include "policy.h"

/* The built-in policy, whose changelog.entry_pattern is `entry`. */
static cg_policy *builtin;
static const cg_pattern *entry;

static int setup(void **state)
{
	(void)state;
	if (cg_policy_default(&builtin) < 0)
		return -1;
	entry = builtin->changelog.entry_pattern;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cg_policy_free(builtin);
	return 0;
}

#endif
