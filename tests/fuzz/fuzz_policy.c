/*
 * fuzz_policy: libFuzzer target for the policy loader (libyaml and the key
 * table). Any input must load or fail with CG_EPOLICY; a loaded one must round-trip.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* policy.h promises that loading `policy show` output gives the same policy. */
static void round_trip(const cg_policy *p)
{
	cg_buf first = CG_BUF_INIT, second = CG_BUF_INIT;
	cg_policy *again = NULL;

	cg_policy_format(&first, p);
	if (cg_policy_load_buffer(&again, first.ptr, first.size, "round-trip") < 0)
		abort();
	cg_policy_format(&second, again);
	if (first.size != second.size || memcmp(first.ptr, second.ptr, first.size) != 0)
		abort();
	cg_policy_free(again);
	cg_buf_dispose(&first);
	cg_buf_dispose(&second);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cg_policy *p = NULL;
	int error = cg_policy_load_buffer(&p, (const char *)data, size, "fuzz.yml");

	if (error < 0) {
		/* a policy error, with a located message; never anything else */
		if (error != CG_EPOLICY || p != NULL || !*cg_error_last())
			abort();
		return 0;
	}
	round_trip(p);
	cg_policy_free(p);
	return 0;
}
