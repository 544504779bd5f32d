/*
 * fuzz_changelog: libFuzzer target for the changelog parser and comparer,
 * the RFC 3339 timestamp parser, the policy duration parser and the regex wrapper.
 *
 * An input whose first line starts with "(?" is a regex and the changelog
 * after it, parsed with that regex as entry_pattern (when it has a group ts).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "changelog.h"
#include "error.h"
#include "policy.h"
#include "timestamp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const cg_pattern *default_pattern(void)
{
	static cg_policy *p;

	if (!p && cg_policy_default(&p) < 0)
		abort();
	return p->changelog.entry_pattern;
}

/* Every lent pointer stays inside the parsed data. */
static void check_lines(const cg_changelog *cl, const char *data, size_t size)
{
	for (size_t i = 0; i < cg_changelog_count(cl); i++) {
		const cg_changelog_line *l = cg_changelog_get(cl, i);
		if (l->text < data || l->len > size || l->text + l->len > data + size)
			abort();
		if (l->ts && (l->ts < l->text || l->ts + l->ts_len > l->text + l->len))
			abort();
	}
	if (cg_changelog_get(cl, cg_changelog_count(cl)) != NULL)
		abort();
}

/* The input as the newer file, its first half as the older one. A parse
 * may only fail when the regex budget runs out. */
static void changelog(const char *data, size_t size, const cg_pattern *entry)
{
	cg_changelog *now = NULL, *before = NULL;
	cg_changelog_delta delta;
	int error;

	(void)cg_changelog_is_binary(data, size);
	if ((error = cg_changelog_parse(&now, data, size, entry)) < 0 ||
	    (error = cg_changelog_parse(&before, data, size / 2, entry)) < 0) {
		if (error != CG_ELIMIT)
			abort();
		goto done;
	}
	check_lines(now, data, size);
	if (cg_changelog_compare(&delta, now, (const cg_changelog *const *)&before, 1) < 0)
		abort();
	if (delta.nadded > cg_changelog_count(now) || delta.nremoved > cg_changelog_count(before))
		abort();
	cg_changelog_delta_dispose(&delta);
done:
	cg_changelog_free(now);
	cg_changelog_free(before);
}

/* A valid instant formats to text that parses back to the same instant. */
static void timestamp(const char *data, size_t size)
{
	char text[32];
	int64_t ms = 0, again = 0;

	if (cg_timestamp_parse(data, size, &ms) != CG_TS_OK)
		return;
	cg_timestamp_format(text, ms, 1);
	if (cg_timestamp_parse(text, strlen(text), &again) != CG_TS_OK || again != ms)
		abort();
	(void)cg_timestamp_status_message(CG_TS_OK);
}

static void duration(const char *data, size_t size)
{
	char *s = cg_strndup(data, size), text[64];
	int64_t ms = 0, again = 0;

	if (cg_duration_parse(s, &ms) == 0) {
		cg_duration_format(text, sizeof(text), ms);
		if (cg_duration_parse(text, &again) < 0 || again != ms)
			abort();
	}
	free(s);
}

/* The first line as a regex that must have a group ts, or NULL. */
static cg_pattern *custom_pattern(const char *data, size_t size, size_t *skip)
{
	const char *nl = memchr(data, '\n', size);
	cg_pattern *p = NULL;
	char *regex;

	if (size < 2 || memcmp(data, "(?", 2) != 0 || !nl)
		return NULL;
	regex = cg_strndup(data, (size_t)(nl - data));
	if (cg_pattern_compile(&p, regex, data[2] == 'i' ? CG_PATTERN_CASELESS : 0) == 0 &&
	    !cg_pattern_has_group(p, "ts")) {
		cg_pattern_free(p);
		p = NULL;
	}
	free(regex);
	*skip = (size_t)(nl - data) + 1;
	return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t skip = 0;
	cg_pattern *custom = custom_pattern((const char *)data, size, &skip);

	if (custom) {
		changelog((const char *)data + skip, size - skip, custom);
		cg_pattern_free(custom);
	}
	changelog((const char *)data, size, default_pattern());
	timestamp((const char *)data, size);
	duration((const char *)data, size);
	return 0;
}
