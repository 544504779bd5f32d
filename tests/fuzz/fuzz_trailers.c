/*
 * fuzz_trailers: libFuzzer target for the trailer parser and the message
 * clean-up. The first byte picks the options; the rest is the message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "message.h"
#include "trailers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const configured[] = { "Reviewed-by", "MCP-Authorized-By", "x", NULL };
static const char comment_chars[] = "\0#;@!$%^&|:";

/* Every trailer has a key and a value, and finding by key walks them all. */
static void parse(const char *msg, size_t len, const cg_trailer_opts *opts)
{
	cg_trailers *t = NULL;
	size_t pos = 0, found = 0;

	if (cg_trailers_parse(&t, msg, len, opts) != 0 || !t)
		abort();
	for (size_t i = 0; i < cg_trailers_count(t); i++) {
		const cg_trailer *tr = cg_trailers_get(t, i);
		if (!tr || !tr->key || !tr->value)
			abort();
	}
	if (cg_trailers_count(t) > 0) {
		const char *key = cg_trailers_get(t, 0)->key;
		while (cg_trailers_find(t, key, &pos))
			found++;
		if (found == 0 || found > cg_trailers_count(t))
			abort();
	}
	if (cg_trailers_get(t, cg_trailers_count(t)) != NULL)
		abort();
	cg_trailers_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cg_trailer_opts opts = CG_TRAILER_OPTS_INIT;
	cg_buf clean = CG_BUF_INIT, again = CG_BUF_INIT;
	const char *msg = (const char *)data + 1;
	size_t len;

	if (size == 0)
		return 0;
	len = size - 1;
	opts.comment_char = comment_chars[(data[0] & 0x0f) % (sizeof(comment_chars) - 1)];
	opts.no_divider = data[0] >> 4 & 1;
	opts.separators = data[0] >> 5 & 1 ? ":=#" : NULL;
	opts.configured = data[0] >> 6 & 1 ? configured : NULL;

	(void)cg_message_comment_char(msg, len, opts.comment_char);
	parse(msg, len, &opts);
	cg_message_clean(&clean, msg, len, &opts);
	if (clean.size && clean.ptr[clean.size - 1] != '\n')
		abort();
	parse(clean.ptr, clean.size, &opts);
	/* with a fixed comment character the clean-up is idempotent, as git's */
	if (opts.comment_char) {
		cg_message_clean(&again, clean.ptr, clean.size, &opts);
		if (again.size != clean.size || memcmp(again.ptr, clean.ptr, clean.size) != 0)
			abort();
	}
	cg_buf_dispose(&clean);
	cg_buf_dispose(&again);
	return 0;
}
