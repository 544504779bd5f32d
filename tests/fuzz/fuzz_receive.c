/*
 * fuzz_receive: libFuzzer target for the pre-receive input parser: one line
 * with cg_receive_parse_line, and the whole input as a stream with cg_receive_read.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "receive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A parsed update honours everything receive.h promises about it. */
static void check_update(const cg_receive_update *u)
{
	size_t n = strlen(u->old_oid);

	if ((n != 40 && n != 64) || strlen(u->new_oid) != n ||
	    strspn(u->old_oid, "0123456789abcdef") != n ||
	    strspn(u->new_oid, "0123456789abcdef") != n ||
	    (cg_receive_oid_is_zero(u->old_oid) && cg_receive_oid_is_zero(u->new_oid)) ||
	    !u->ref || strncmp(u->ref, "refs/", 5) != 0)
		abort();
}

static void one_line(const char *data, size_t size)
{
	cg_receive_update u;
	int error = cg_receive_parse_line(&u, data, size, 1);

	if (error == 0) {
		check_update(&u);
		free(u.ref);
	} else if (error != CG_EUSAGE || u.ref != NULL) {
		abort();
	}
}

static void stream(const char *data, size_t size)
{
	cg_receive_update *u = NULL;
	size_t n = 0;
	FILE *in;
	int error;

	if (size == 0 || !(in = fmemopen((void *)data, size, "rb")))
		return;
	error = cg_receive_read(&u, &n, in);
	fclose(in);
	if (error == 0)
		for (size_t i = 0; i < n; i++)
			check_update(&u[i]);
	else if (error != CG_EUSAGE || u != NULL || n != 0)
		abort();
	cg_receive_updates_free(u, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one_line((const char *)data, size);
	stream((const char *)data, size);
	return 0;
}
