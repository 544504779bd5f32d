/*
 * fuzz_changelog_diff: differential libFuzzer target: cg_changelog_diff, which
 * skips the unchanged prefix and suffix, against parsing both sides whole.
 *
 * Input: 4 bytes (edit offset, 2 bytes; bytes deleted; bytes inserted), then
 * the older text, then the inserted bytes; the newer text is the older one
 * with that edit, so the two share most of their lines as real edits do.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "changelog.h"
#include "error.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const cg_pattern *entry_pattern(void)
{
	static cg_policy *p;

	if (!p && cg_policy_default(&p) < 0)
		abort();
	return p->changelog.entry_pattern;
}

static int compare_text(const void *pa, const void *pb)
{
	const cg_changelog_line *a = *(const cg_changelog_line *const *)pa;
	const cg_changelog_line *b = *(const cg_changelog_line *const *)pb;
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->text, b->text, n);

	return c ? c : (a->len > b->len) - (a->len < b->len);
}

/* Which of several equal lines is reported may differ (a skipped prefix
 * changes which copy counts as the new one), so compare the texts as
 * multisets, with what was read from them. */
static void same_lines(const cg_changelog_line **x, size_t nx, const cg_changelog_line **y,
                       size_t ny)
{
	if (nx != ny)
		abort();
	if (nx == 0)
		return;
	qsort(x, nx, sizeof(*x), compare_text);
	qsort(y, ny, sizeof(*y), compare_text);
	for (size_t i = 0; i < nx; i++)
		if (compare_text(&x[i], &y[i]) != 0 || x[i]->kind != y[i]->kind ||
		    x[i]->status != y[i]->status ||
		    (x[i]->status == CG_TS_OK && x[i]->ts_ms != y[i]->ts_ms))
			abort();
}

static void check(const char *now, size_t nlen, const char *before, size_t blen)
{
	cg_changelog_text tnow = { now, nlen }, tbefore = { before, blen };
	cg_changelog *pnow = NULL, *pbefore = NULL;
	cg_changelog_delta whole, diff;

	if (cg_changelog_parse(&pnow, now, nlen, entry_pattern()) < 0 ||
	    cg_changelog_parse(&pbefore, before, blen, entry_pattern()) < 0)
		abort(); /* the default pattern cannot run out of budget */
	if (cg_changelog_compare(&whole, pnow, (const cg_changelog *const *)&pbefore, 1) < 0 ||
	    cg_changelog_diff(&diff, &tnow, &tbefore, 1, entry_pattern()) < 0)
		abort();
	/* A line the older text already held is no new entry, on either path. */
	cg_changelog_drop_copies(&whole, &tbefore, 1);
	same_lines(whole.added, whole.nadded, diff.added, diff.nadded);
	same_lines(whole.removed, whole.nremoved, diff.removed, diff.nremoved);
	cg_changelog_delta_dispose(&whole);
	cg_changelog_delta_dispose(&diff);
	cg_changelog_free(pnow);
	cg_changelog_free(pbefore);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t at, del, ins, blen;
	cg_buf now = CG_BUF_INIT;
	const char *before;

	if (size < 4)
		return 0;
	ins = data[3];
	if (ins > size - 4)
		ins = size - 4;
	before = (const char *)data + 4;
	blen = size - 4 - ins;
	at = ((size_t)data[0] << 8 | data[1]) % (blen + 1);
	del = data[2] < blen - at ? data[2] : blen - at;
	cg_buf_put(&now, before, at);
	cg_buf_put(&now, before + blen, ins);
	cg_buf_put(&now, before + at + del, blen - at - del);
	check(now.ptr, now.size, before, blen);
	cg_buf_dispose(&now);
	return 0;
}
