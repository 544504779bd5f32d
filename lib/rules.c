#include "rules.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "approval.h"
#include "buf.h"
#include "changelog.h"
#include "error.h"
#include "forbid.h"
#include "fs.h"
#include "glob.h"
#include "mcpdiff.h"
#include "memo.h"
#include "packblob.h"
#include "timestamp.h"

/* A CHANGELOG that the change needs an entry in, and the paths that need it. */
typedef struct {
	char *path;
	size_t count;
	char *example[3];
} requirement;

/* A CHANGELOG read on both sides of the change, read at most once. */
typedef struct {
	char *path;
	int exists;              /* in the new side, as a regular file */
	cg_packblob_ref **texts; /* [0] now, [1..] before; NULL where absent */
	git_oid *oids;           /* their blobs' ids */
	cg_changelog_delta delta;
	size_t valid_entries;    /* added entries that satisfy the rule */
	int too_large;           /* a side is over the size cap: no entry can go in */
} changelog_state;

typedef struct {
	const cg_rules_input *in;
	cg_result *result;
	requirement *reqs;
	size_t nreqs, areqs;
	changelog_state *logs;
	size_t nlogs, alogs;
	cg_buf scratch;
	int error;               /* a search of a merge's sides that failed */
} evaluation;

/* --- which CHANGELOG a path needs ------------------------------------- */

static const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static int is_changelog(const cg_policy *p, const char *path)
{
	return !strcmp(basename_of(path), p->changelog.file);
}

/* A name some file system opens as the changelog (CHANGELOG.md. on NTFS,
 * changelog.md where case is ignored, CHANGELOG.m\u200Cd on HFS+) that is
 * not it: the entries it holds would escape every changelog rule. */
static int is_changelog_lookalike(const cg_policy *p, const char *path)
{
	const char *base = basename_of(path);
	cg_buf a = CG_BUF_INIT, b = CG_BUF_INIT;
	int same;

	if (!strcmp(base, p->changelog.file))
		return 0;
	cg_glob_fs_key(&a, base, 1);
	cg_glob_fs_key(&b, p->changelog.file, 1);
	same = !strcmp(a.ptr, b.ptr);
	cg_buf_dispose(&a);
	cg_buf_dispose(&b);
	return same;
}

static int is_regular(uint32_t mode)
{
	return mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE;
}

/* A lookup that fails for another reason than "no such file" counts as
 * present: reading the file then reports the error, never "absent". */
static int exists_in(const cg_snapshot *snap, const char *path)
{
	git_oid oid;
	uint32_t mode;
	int error = cg_snapshot_lookup(snap, path, &oid, &mode);

	return error == CG_ENOTFOUND ? 0 : error < 0 || is_regular(mode);
}

/* Sets `out` to dir + "/" + file ("file" for the root). */
static void join(cg_buf *out, const char *dir, size_t dirlen, const char *file)
{
	cg_buf_clear(out);
	if (dirlen) {
		cg_buf_put(out, dir, dirlen);
		cg_buf_putc(out, '/');
	}
	cg_buf_puts(out, file);
}

void cg_rules_needed_changelog(cg_buf *out, const cg_policy *p, const cg_snapshot *now,
                               const char *path)
{
	size_t dirlen = (size_t)(basename_of(path) - path);

	dirlen = dirlen ? dirlen - 1 : 0;
	switch (p->changelog.mode) {
	case CG_CHANGELOG_ROOT:
		join(out, NULL, 0, p->changelog.file);
		return;
	case CG_CHANGELOG_EVERY_DIRECTORY:
		join(out, path, dirlen, p->changelog.file);
		return;
	case CG_CHANGELOG_NEAREST:
		for (;;) {
			join(out, path, dirlen, p->changelog.file);
			if (!dirlen || exists_in(now, out->ptr))
				return;
			do
				dirlen--;
			while (dirlen && path[dirlen] != '/');
		}
	}
}

int cg_rules_needs_entry(const cg_policy *p, const char *path)
{
	return !is_changelog(p, path) &&
	       cg_globset_match(p->changelog.require_for, path) &&
	       !cg_globset_match(p->changelog.ignore, path);
}

static requirement *find_or_add_requirement(evaluation *ev, const char *changelog)
{
	int found;
	size_t at = cg_array_find(ev->reqs, ev->nreqs, sizeof(*ev->reqs),
	                          offsetof(requirement, path), changelog, &found);

	if (!found) {
		ev->reqs = cg_array_insert(ev->reqs, &ev->nreqs, &ev->areqs, at, sizeof(*ev->reqs));
		ev->reqs[at].path = cg_strdup(changelog);
	}
	return &ev->reqs[at];
}

static void collect_requirements(evaluation *ev)
{
	cg_buf changelog = CG_BUF_INIT, lastdir = CG_BUF_INIT;
	size_t i, n = cg_changes_count(ev->in->changes);

	for (i = 0; i < n; i++) {
		const char *path = cg_changes_get(ev->in->changes, i)->path;
		size_t dirlen = (size_t)(basename_of(path) - path);
		requirement *r;

		if (!cg_rules_needs_entry(ev->in->policy, path))
			continue;
		/* Changes arrive in tree order: most neighbours share a directory. */
		if (!changelog.size || lastdir.size != dirlen || memcmp(lastdir.ptr, path, dirlen)) {
			cg_rules_needed_changelog(&changelog, ev->in->policy, ev->in->now, path);
			cg_buf_clear(&lastdir);
			cg_buf_put(&lastdir, path, dirlen);
		}
		r = find_or_add_requirement(ev, changelog.ptr);
		if (r->count < 3)
			r->example[r->count] = cg_strdup(path);
		r->count++;
	}
	cg_buf_dispose(&changelog);
	cg_buf_dispose(&lastdir);
}

/* --- reading and comparing CHANGELOG files ---------------------------- */

static void quote_for_shell(cg_buf *out, const char *s)
{
	cg_buf_putc(out, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			cg_buf_puts(out, "'\\''");
		else
			cg_buf_putc(out, *s);
	}
	cg_buf_putc(out, '\'');
}

/* `path` quoted for the shell, as seen from where the user ran git: a
 * hook runs at the top of the work tree, the user pastes the hint below. */
static void quote_path(cg_buf *out, const cg_rules_input *in, const char *path)
{
	cg_buf rel = CG_BUF_INIT;

	cg_fs_relative(&rel, in->prefix ? in->prefix : "", path);
	quote_for_shell(out, rel.ptr);
	cg_buf_dispose(&rel);
}

static const char too_large[] = "is larger than 32 MiB and was not read";

/*
 * From this size up a walk reads a version from the pack itself
 * (packblob.h) rather than through libgit2 and the memo. Measured
 * (docs/benchmarks.md): reading cost a third less for rootlog's 1.2 MB
 * versions, rubocop's 0.5 MB and vagrant's 0.23 MB; for the generated
 * history's 10 KB CHANGELOGs, which the memo serves as well, the whole
 * run took 1.9% more instructions through the pack.
 */
#define READ_FROM_PACK_MIN (64 * 1024)

/* The blob `oid` of `size` bytes, through the walk's memo (may be NULL). */
static int read_blob(cg_packblob_ref **out, git_repository *repo, cg_memo *memo,
                     const git_oid *oid, size_t size)
{
	cg_packblob *packs = size >= READ_FROM_PACK_MIN && memo ? cg_memo_packblob(memo, repo) : NULL;
	git_blob *blob;

	if (packs)
		return cg_packblob_read(out, packs, oid) < 0 ? cg_error_from_git("cannot read changelog") : 0;
	if (git_blob_lookup(&blob, repo, oid) < 0)
		return cg_error_from_git("cannot read changelog");
	cg_memo_keep(memo, (git_object *)blob);
	cg_packblob_ref_wrap(out, blob);
	return 0;
}

static cg_changelog_text ref_text(const cg_packblob_ref *ref)
{
	cg_changelog_text t = { "", 0 };
	if (ref) {
		t.data = (const char *)cg_packblob_ref_data(ref);
		t.len = cg_packblob_ref_size(ref);
	}
	return t;
}

/* The blob of `path` on one side, or none; `problem` says why a present
 * file cannot be read as a changelog (and leaves *out NULL). */
static int read_side(const cg_snapshot *snap, cg_memo *memo, const char *path,
                     git_oid *oid, cg_packblob_ref **out, const char **problem)
{
	git_repository *repo = cg_snapshot_repository(snap);
	git_blob *blob = NULL;
	uint32_t mode;
	size_t size;
	git_object_t type;
	int error = cg_snapshot_lookup(snap, path, oid, &mode);

	if (error == CG_ENOTFOUND)
		return 0;
	if (error < 0)
		return error;
	if (!is_regular(mode)) {
		*problem = "is not a regular file, so it can hold no entries";
		return 0;
	}
	/* On a walk, the parent's version is usually one an earlier commit read. */
	cg_memo_find((git_object **)&blob, memo, oid);
	if (blob) {
		cg_packblob_ref_wrap(out, blob);
		return 0;
	}
	/* The header alone tells the size, so a huge blob is never inflated. */
	if (cg_memo_header(&size, &type, memo, repo, oid) < 0)
		return cg_error_from_git("cannot read changelog");
	if (size > CG_CHANGELOG_MAX_BYTES) {
		*problem = too_large;
		return 0;
	}
	if ((error = read_blob(out, repo, memo, oid, size)) < 0)
		return error;
	if (cg_changelog_is_binary((const char *)cg_packblob_ref_data(*out), cg_packblob_ref_size(*out))) {
		*problem = "is a binary file, so it can hold no entries";
		cg_packblob_ref_free(*out);
		*out = NULL;
	}
	return 0;
}

/* Why an added line is not a valid entry, in `why`; 0 when it is one.
 * Returns 1 for an entry that must be fixed: malformed, or dated beyond
 * max_skew in the future, which no waiver lets in; and 2 for one older than
 * max_age: an entry copied by a cherry-pick or merged in late is real but
 * old, so like a missing entry it can be waived. */
static int entry_problem(const evaluation *ev, const cg_changelog_line *l, cg_buf *why)
{
	const cg_policy *p = ev->in->policy;
	int64_t t = ev->in->commit_time_ms;
	char limit[32];

	cg_buf_clear(why);
	if (l->kind == CG_LINE_NEAR_MISS && l->status == CG_TS_OK) {
		cg_buf_puts(why, "does not match the policy's entry_pattern");
		return 1;
	}
	if (l->status != CG_TS_OK) {
		cg_buf_puts(why, cg_timestamp_status_message(l->status));
		return 1;
	}
	if (l->ts_ms < t - p->changelog.max_age_ms) {
		cg_duration_format(limit, sizeof(limit), p->changelog.max_age_ms);
		cg_buf_printf(why, "is older than max_age (%s) before the commit time", limit);
		return 2;
	}
	if (l->ts_ms > t + p->changelog.max_skew_ms) {
		cg_duration_format(limit, sizeof(limit), p->changelog.max_skew_ms);
		cg_buf_printf(why, "lies more than max_skew (%s) after the commit time", limit);
		return 1;
	}
	/* A pushed commit's time is what its author says: one dated ahead with
	 * its entry would fit any window. The clock here is not theirs. */
	if (l->ts_ms > cg_timestamp_now_ms() + p->changelog.max_skew_ms) {
		cg_duration_format(limit, sizeof(limit), p->changelog.max_skew_ms);
		cg_buf_printf(why, "lies more than max_skew (%s) in the future by this "
		              "machine's clock (check the author's clock: date -u)", limit);
		return 1;
	}
	return 0;
}

static void report_line(evaluation *ev, const char *path, const cg_changelog_line *l,
                        const char *what, const char *hint, const char *waiver)
{
	cg_buf detail = CG_BUF_INIT;
	int shown = l->len > 80 ? 77 : (int)l->len;

	cg_buf_printf(&detail, "line %zu: %s: %.*s%s", l->line, what, shown, l->text,
	              l->len > 80 ? "..." : "");
	cg_result_add_finding(ev->result, "changelog", path, detail.ptr, hint, waiver);
	cg_buf_dispose(&detail);
}

/* No waiver: a commit that keeps git's markers has both sides' text
 * unmerged, whatever entries it also adds. */
static void report_conflict(evaluation *ev, const char *path, const cg_changelog_line *l)
{
	cg_buf hint = CG_BUF_INIT;

	cg_buf_puts(&hint, "keep both sides' entries, delete the marker lines, then: git add ");
	quote_path(&hint, ev->in, path);
	report_line(ev, path, l, "an unresolved merge conflict marker", hint.ptr, NULL);
	cg_buf_dispose(&hint);
}

static const char *skip_trailer(const cg_policy *p)
{
	return p->changelog.skip_trailer[0] ? p->changelog.skip_trailer : NULL;
}

static const char *amend_trailer(const cg_policy *p)
{
	return p->changelog.amend_trailer[0] ? p->changelog.amend_trailer : NULL;
}

/* The added line that rewrites removed entry `r`: the first one not yet
 * taken that carries the same timestamp text (a corrected typo keeps it). */
static long rewrite_of(const cg_changelog_delta *d, const cg_changelog_line *r,
                       const unsigned char *taken)
{
	size_t i;

	for (i = 0; r->ts && i < d->nadded; i++)
		if (!taken[i] && d->added[i]->ts && d->added[i]->ts_len == r->ts_len &&
		    !memcmp(d->added[i]->ts, r->ts, r->ts_len))
			return (long)i;
	return -1;
}

static void put_line(cg_buf *out, const cg_changelog_line *l)
{
	int shown = l->len > 80 ? 77 : (int)l->len;
	cg_buf_printf(out, "%.*s%s", shown, l->text, l->len > 80 ? "..." : "");
}

/* The amend trailer, when the message has it with a reason. */
static const cg_trailer *amend_given(const evaluation *ev)
{
	const char *key = amend_trailer(ev->in->policy);
	const cg_trailer *t;
	size_t pos = 0;

	if (!key || !ev->in->trailers || !(t = cg_trailers_find(ev->in->trailers, key, &pos)))
		return NULL;
	return t->value[0] ? t : NULL;
}

/* An existing entry rewritten (`now` its new text) or removed (NULL): with
 * the policy's amend trailer, a finding that trailer settles, recording
 * the old and the new text; removal only when amend_removes allows it. */
static void report_amend(evaluation *ev, const char *path, const cg_changelog_line *old,
                         const cg_changelog_line *now)
{
	const cg_policy *p = ev->in->policy;
	const char *amend = amend_trailer(p);
	int waivable = amend && (now || p->changelog.amend_removes);
	cg_buf detail = CG_BUF_INIT, hint = CG_BUF_INIT;

	cg_buf_printf(&detail, "line %zu: an existing entry was removed or rewritten "
	              "(append_only): ", old->line);
	put_line(&detail, old);
	if (now) {
		cg_buf_printf(&detail, " -> now line %zu: ", now->line);
		put_line(&detail, now);
	}
	if (waivable)
		cg_buf_printf(&hint, "to correct it on purpose: git commit --trailer '%s: <why>'", amend);
	cg_result_add_finding(ev->result, "changelog", path,
	                      detail.ptr, hint.size ? hint.ptr : NULL, waivable ? amend : NULL);
	cg_buf_dispose(&detail);
	cg_buf_dispose(&hint);
}

/* pair[i]: the added line that rewrites removed entry i, or -1; taken[k]
 * marks the added lines so paired. */
static void pair_rewrites(const evaluation *ev, const cg_changelog_delta *d, long *pair,
                          unsigned char *taken)
{
	size_t i;

	for (i = 0; i < d->nremoved; i++) {
		pair[i] = amend_trailer(ev->in->policy) ? rewrite_of(d, d->removed[i], taken) : -1;
		if (pair[i] >= 0)
			taken[pair[i]] = 1;
	}
}

static void judge_delta(evaluation *ev, changelog_state *cs)
{
	const cg_policy *p = ev->in->policy;
	cg_buf why = CG_BUF_INIT, what = CG_BUF_INIT;
	unsigned char *taken = cg_calloc(cs->delta.nadded + 1, 1);
	long *pair = cg_calloc(cs->delta.nremoved + 1, sizeof(*pair));
	size_t i;

	/* with the amend trailer, a rewritten entry's new text is no new
	 * entry: it is judged with the removal it pairs with */
	if (p->changelog.append_only)
		pair_rewrites(ev, &cs->delta, pair, taken);
	for (i = 0; i < cs->delta.nadded; i++) {
		const cg_changelog_line *l = cs->delta.added[i];
		int problem;
		if (taken[i] && amend_given(ev))
			continue;
		if (l->kind == CG_LINE_CONFLICT) {
			report_conflict(ev, cs->path, l);
			continue;
		}
		problem = entry_problem(ev, l, &why);
		if (!problem) {
			cs->valid_entries++;
			continue;
		}
		cg_buf_clear(&what);
		if (l->ts)
			cg_buf_printf(&what, "new entry timestamp '%.*s' %s", (int)l->ts_len, l->ts, why.ptr);
		else
			cg_buf_printf(&what, "new entry %s", why.ptr);
		report_line(ev, cs->path, l, what.ptr, NULL, problem == 2 ? skip_trailer(p) : NULL);
	}
	for (i = 0; p->changelog.append_only && i < cs->delta.nremoved; i++)
		report_amend(ev, cs->path, cs->delta.removed[i],
		             pair[i] >= 0 ? cs->delta.added[pair[i]] : NULL);
	free(pair);
	free(taken);
	cg_buf_dispose(&why);
	cg_buf_dispose(&what);
}

/* 1 when the file is the same blob on every side: nothing was added or
 * removed, and nothing needs reading (most commits leave a CHANGELOG be). */
static int unchanged_everywhere(const cg_rules_input *in, const char *path)
{
	git_oid now, then;
	uint32_t mode, then_mode;
	size_t k;

	if (cg_snapshot_lookup(in->now, path, &now, &mode) < 0)
		return 0;
	for (k = 0; k < in->nbefore; k++)
		if (cg_snapshot_lookup(in->before[k], path, &then, &then_mode) < 0 ||
		    then_mode != mode || !git_oid_equal(&now, &then))
			return 0;
	return 1;
}

cg_changelog_text cg_rules_blob_text(const git_blob *blob)
{
	cg_changelog_text t = { "", 0 };
	if (blob) {
		t.data = git_blob_rawcontent(blob);
		t.len = (size_t)git_blob_rawsize(blob);
	}
	return t;
}

/* 1 when the file's blob on that side is over the size cap (its header
 * says): asked by every commit that needs an entry there and adds none,
 * so through the walk's memo (may be NULL). */
static int over_cap(const cg_snapshot *snap, cg_memo *memo, const char *path)
{
	git_object_t type;
	git_oid oid;
	uint32_t mode;
	size_t size = 0;

	if (cg_snapshot_lookup(snap, path, &oid, &mode) < 0 || !is_regular(mode) ||
	    cg_memo_header(&size, &type, memo, cg_snapshot_repository(snap), &oid) < 0)
		return 0;
	return size > CG_CHANGELOG_MAX_BYTES;
}

/* A changelog over the size cap cannot take another entry: a new file can.
 * When only the side before is too large (the file was moved away and
 * started anew), nothing can be compared, so the skip trailer may say so. */
static int too_large_finding(evaluation *ev, const char *path, int before_only)
{
	const char *skip = skip_trailer(ev->in->policy);
	cg_buf hint = CG_BUF_INIT, old = CG_BUF_INIT;

	cg_changelog_archive_name(&old, path);
	cg_buf_puts(&hint, "start a new changelog and keep the old one beside it:\ngit mv ");
	quote_for_shell(&hint, path);
	cg_buf_putc(&hint, ' ');
	quote_for_shell(&hint, old.ptr);
	cg_buf_puts(&hint, " && changeguard entry \"describe the change\"");
	if (skip)
		cg_buf_printf(&hint, "\ngit commit --trailer '%s: %s is over 32 MiB, moved to %s'",
		              skip, path, old.ptr);
	cg_result_add_finding(ev->result, "changelog", path, too_large, hint.ptr,
	                      before_only ? skip : NULL);
	cg_buf_dispose(&hint);
	cg_buf_dispose(&old);
	return 0;
}

/* cg_changelog_utf8_error of the new text (texts[0]), decoded only where
 * it differs from a version before it known valid, when there is one: a
 * walk from the oldest commit on (a parallel run's back end) knows the
 * older version, as one from the newest knows the newer. */
static int new_text_utf8_error(const cg_rules_input *in, cg_packblob_ref *const *texts,
                               const git_oid *oids, size_t *at)
{
	cg_changelog_text now = ref_text(texts[0]), t;
	size_t k;

	for (k = 1; in->memo && k <= in->nbefore; k++)
		if (texts[k] && cg_memo_utf8_known(in->memo, &oids[k])) {
			t = ref_text(texts[k]);
			return cg_changelog_utf8_error_beside(now.data, now.len, t.data, t.len, at);
		}
	return cg_changelog_utf8_error(now.data, now.len, at);
}

/* Whether the new text (texts[0]) is not UTF-8, each version decoded once
 * along a walk: one known valid is not decoded again, and the versions
 * before it are decoded where they differ from it, so that they are known
 * when their own commits come. */
static int utf8_error(const cg_rules_input *in, cg_packblob_ref *const *texts,
                      const git_oid *oids, size_t *at)
{
	cg_changelog_text now = ref_text(texts[0]), t;
	size_t k, unused;

	if (!texts[0] || !cg_memo_utf8_known(in->memo, &oids[0])) {
		if (new_text_utf8_error(in, texts, oids, at))
			return 1;
		if (texts[0])
			cg_memo_utf8_mark(in->memo, &oids[0]);
	}
	for (k = 1; in->memo && k <= in->nbefore; k++) {
		t = ref_text(texts[k]);
		if (texts[k] && !cg_memo_utf8_known(in->memo, &oids[k]) &&
		    !cg_changelog_utf8_error_beside(t.data, t.len, now.data, now.len, &unused))
			cg_memo_utf8_mark(in->memo, &oids[k]);
	}
	return 0;
}

/* A new text that is not UTF-8: refused, or with non_utf8: warn allowed
 * and recorded as a waiver by the policy; either way with the offset. */
static void check_utf8(evaluation *ev, const char *path, cg_packblob_ref *const *texts,
                       const git_oid *oids)
{
	cg_changelog_text t = ref_text(texts[0]);
	cg_buf detail = CG_BUF_INIT, reason = CG_BUF_INIT;
	size_t at, line = 1, i;

	if (!utf8_error(ev->in, texts, oids, &at))
		return;
	for (i = 0; i < at; i++)
		line += t.data[i] == '\n';
	cg_buf_printf(&detail, "is not valid UTF-8: byte %zu (line %zu) is not part of a UTF-8 "
	              "character", at, line);
	if (ev->in->policy->changelog.non_utf8_warn) {
		cg_buf_puts(&detail, "; allowed by the policy's non_utf8: warn");
		cg_buf_printf(&reason, "%s: %s", path, detail.ptr);
		cg_result_add_waiver(ev->result, "changelog", "policy", "non_utf8", reason.ptr, NULL);
	} else {
		cg_buf hint = CG_BUF_INIT;
		cg_buf_puts(&hint, "convert it to UTF-8, e.g. from Latin-1: iconv -f ISO-8859-1 -t UTF-8 ");
		quote_for_shell(&hint, path);
		cg_buf_puts(&hint, " >changelog.utf8 && mv changelog.utf8 ");
		quote_for_shell(&hint, path);
		cg_buf_puts(&hint, " && git add ");
		quote_for_shell(&hint, path);
		cg_result_add_finding(ev->result, "changelog", path, detail.ptr, hint.ptr, NULL);
		cg_buf_dispose(&hint);
	}
	cg_buf_dispose(&detail);
	cg_buf_dispose(&reason);
}

static int load_changelog(evaluation *ev, changelog_state *cs)
{
	const cg_rules_input *in = ev->in;
	size_t k, sides = in->nbefore + 1;
	const char *problem = NULL;
	cg_changelog_text now, *before;
	int error = 0;

	cs->exists = exists_in(in->now, cs->path);
	cs->texts = cg_calloc(sides, sizeof(*cs->texts));
	cs->oids = cg_calloc(sides, sizeof(*cs->oids));
	if (unchanged_everywhere(in, cs->path))
		return 0;
	for (k = 0; k < sides && !error && !problem; k++)
		error = read_side(k ? in->before[k - 1] : in->now, in->memo, cs->path, &cs->oids[k],
		                  &cs->texts[k], &problem);
	if (error < 0)
		return cg_error_prefix(error, "%s", cs->path);
	cs->too_large = problem == too_large;
	if (cs->too_large)
		return too_large_finding(ev, cs->path, k > 1);
	if (problem) {
		cg_result_add_finding(ev->result, "changelog", cs->path, problem, NULL, NULL);
		return 0;
	}
	check_utf8(ev, cs->path, cs->texts, cs->oids);
	/* An absent side compares as an empty file. */
	now = ref_text(cs->texts[0]);
	before = cg_calloc(in->nbefore ? in->nbefore : 1, sizeof(*before));
	for (k = 0; k < in->nbefore; k++)
		before[k] = ref_text(cs->texts[k + 1]);
	error = cg_changelog_diff(&cs->delta, &now, before, in->nbefore,
	                          in->policy->changelog.entry_pattern);
	free(before);
	if (error < 0)
		return cg_error_prefix(error, "%s", cs->path);
	judge_delta(ev, cs);
	return 0;
}

static changelog_state *find_changelog(evaluation *ev, const char *path)
{
	size_t i;
	for (i = 0; i < ev->nlogs; i++)
		if (!strcmp(ev->logs[i].path, path))
			return &ev->logs[i];
	return NULL;
}

static int get_changelog(evaluation *ev, const char *path, changelog_state **out)
{
	changelog_state *cs = find_changelog(ev, path);

	if (!cs) {
		ev->logs = cg_array_grow(ev->logs, &ev->alogs, ev->nlogs + 1, sizeof(*ev->logs));
		cs = &ev->logs[ev->nlogs++];
		memset(cs, 0, sizeof(*cs));
		cs->path = cg_strdup(path);
		*out = cs;
		return load_changelog(ev, cs);
	}
	*out = cs;
	return 0;
}

static void free_changelog(changelog_state *cs, size_t sides)
{
	size_t k;

	cg_changelog_delta_dispose(&cs->delta); /* before the blobs it points into */
	for (k = 0; cs->texts && k < sides; k++)
		cg_packblob_ref_free(cs->texts[k]);
	free(cs->texts);
	free(cs->oids);
	free(cs->path);
}

/* --- the changelog rule ------------------------------------------------ */

static int unstaged_in_worktree(git_repository *repo, const char *path)
{
	unsigned int flags = 0;
	if (!repo || git_repository_is_bare(repo) || git_status_file(&flags, repo, path) < 0)
		return 0;
	return (flags & (GIT_STATUS_WT_MODIFIED | GIT_STATUS_WT_NEW)) != 0;
}

static void entry_hint(cg_buf *hint, const cg_rules_input *in, const requirement *r)
{
	const char *base = basename_of(r->path);
	char now[32];

	cg_timestamp_format(now, cg_timestamp_now_ms(), 0);
	cg_buf_puts(hint, in->commit_all ? "changeguard entry --all " : "changeguard entry ");
	if (base != r->path) {
		char *dir = cg_strndup(r->path, (size_t)(base - r->path) - 1);
		cg_buf_puts(hint, "--dir ");
		quote_path(hint, in, dir);
		cg_buf_putc(hint, ' ');
		free(dir);
	}
	cg_buf_printf(hint, "\"describe the change\"\nor add a line '- %s you: what changed' to ", now);
	quote_path(hint, in, r->path);
	cg_buf_puts(hint, " and run: git add ");
	quote_path(hint, in, r->path);
}

static void describe_paths(cg_buf *out, const requirement *r)
{
	size_t i, shown = r->count < 3 ? r->count : 3;

	cg_buf_puts(out, " (for ");
	for (i = 0; i < shown; i++)
		cg_buf_printf(out, "%s%s", i ? ", " : "", r->example[i]);
	if (r->count > shown)
		cg_buf_printf(out, " and %zu more", r->count - shown);
	cg_buf_putc(out, ')');
}

static int check_requirement(evaluation *ev, const requirement *r)
{
	const char *skip = skip_trailer(ev->in->policy);
	cg_buf detail = CG_BUF_INIT, hint = CG_BUF_INIT;
	changelog_state *cs;
	int error;

	if ((error = get_changelog(ev, r->path, &cs)) < 0)
		return error;
	if (cs->valid_entries)
		return 0;
	if (!cs->too_large && cs->exists && over_cap(ev->in->now, ev->in->memo, cs->path)) {
		cs->too_large = 1; /* unchanged, so not read: but no entry can go in */
		too_large_finding(ev, cs->path, 0);
	}
	if (!cs->exists && ev->in->policy->changelog.mode == CG_CHANGELOG_EVERY_DIRECTORY)
		cg_buf_puts(&detail, "does not exist, and in every-directory mode each directory with "
		            "code keeps its own; changeguard entry creates it with the entry");
	else if (!cs->exists)
		cg_buf_puts(&detail, "does not exist, and the change needs a new entry in it");
	else
		cg_buf_puts(&detail, "needs a new entry");
	describe_paths(&detail, r);
	if (unstaged_in_worktree(ev->in->worktree, r->path)) {
		cg_buf_puts(&detail, "; it is edited in the work tree but not staged");
		cg_buf_puts(&hint, "git add ");
		quote_path(&hint, ev->in, r->path);
	} else if (!cs->too_large) { /* that finding's hint says what works */
		entry_hint(&hint, ev->in, r);
	}
	cg_result_add_finding(ev->result, "changelog", r->path, detail.ptr,
	                      hint.size ? hint.ptr : NULL, skip);
	ev->result->findings[ev->result->nfindings - 1].needs_entry = 1;
	cg_buf_dispose(&detail);
	cg_buf_dispose(&hint);
	return 0;
}

static int check_changelogs(evaluation *ev)
{
	size_t i, n = cg_changes_count(ev->in->changes);
	changelog_state *cs;
	int error = 0;

	collect_requirements(ev);
	for (i = 0; i < ev->nreqs && !error; i++)
		error = check_requirement(ev, &ev->reqs[i]);
	/* Every changelog the change touches is checked, needed or not:
	 * bad new entries and rewritten old ones are findings anywhere. */
	for (i = 0; i < n && !error; i++) {
		const cg_change *c = cg_changes_get(ev->in->changes, i);
		const char *path = c->path;
		if (is_changelog(ev->in->policy, path))
			error = get_changelog(ev, path, &cs);
		else if (c->new_mode && is_changelog_lookalike(ev->in->policy, path))
			cg_result_add_finding(ev->result, "changelog", path,
			                      "a name that some file systems open as the changelog; "
			                      "rename it", NULL, NULL);
	}
	/* A merge also for what it changes on its first parent's branch: one
	 * that takes the other side's CHANGELOG drops this side's entries. */
	n = ev->in->first_parent ? cg_changes_count(ev->in->first_parent) : 0;
	for (i = 0; i < n && !error; i++) {
		const char *path = cg_changes_get(ev->in->first_parent, i)->path;
		if (is_changelog(ev->in->policy, path))
			error = get_changelog(ev, path, &cs);
	}
	return error;
}

/* --- waivers ----------------------------------------------------------- */

static int is_waivable_by(const cg_finding *f, const char *trailer)
{
	return f->waiver && trailer && !strcasecmp(f->waiver, trailer);
}

/* Drops the findings that `trailer` settles; returns how many. */
static size_t settle(cg_result *r, const char *trailer, const char *rule_prefix)
{
	size_t i, kept = 0, settled = 0;

	for (i = 0; i < r->nfindings; i++) {
		cg_finding *f = &r->findings[i];
		if (is_waivable_by(f, trailer) && !strncmp(f->rule, rule_prefix, strlen(rule_prefix))) {
			cg_result_finding_dispose(f);
			settled++;
		} else {
			r->findings[kept++] = *f;
		}
	}
	r->nfindings = kept;
	return settled;
}

static int has_waivable(const cg_result *r, const char *trailer)
{
	size_t i;
	for (i = 0; i < r->nfindings; i++)
		if (is_waivable_by(&r->findings[i], trailer))
			return 1;
	return 0;
}

/* Settles the findings of `rule` that the trailer `key` of the message
 * waives, and records the waiver; one without a reason is a finding. */
static void waive_by_trailer(evaluation *ev, const char *key, const char *rule,
                             const char *why_none)
{
	const cg_trailer *t;
	size_t pos = 0;

	if (!ev->in->trailers || !(t = cg_trailers_find(ev->in->trailers, key, &pos)))
		return;
	if (!t->value[0]) {
		cg_buf hint = CG_BUF_INIT, detail = CG_BUF_INIT;
		cg_buf_printf(&hint, "git commit --amend --trailer '%s: %s'", key, why_none);
		cg_buf_printf(&detail, "the waiver trailer has no reason; say %s", why_none);
		cg_result_add_finding(ev->result, rule, NULL, detail.ptr, hint.ptr, NULL);
		cg_buf_dispose(&hint);
		cg_buf_dispose(&detail);
		return;
	}
	settle(ev->result, key, rule);
	cg_result_add_waiver(ev->result, rule, "trailer", t->key, t->value, NULL);
}

/* With the amend trailer and a reason, the rewrites it can settle are
 * allowed, each recorded as a waiver whose reason keeps the old and the
 * new text (the finding's detail) with the reason given. */
static void apply_amend(evaluation *ev)
{
	const cg_trailer *t = amend_given(ev);
	cg_result *r = ev->result;
	cg_buf reason = CG_BUF_INIT;
	size_t i, kept = 0;

	if (!t)
		return;
	for (i = 0; i < r->nfindings; i++) {
		cg_finding *f = &r->findings[i];
		if (is_waivable_by(f, t->key)) {
			cg_buf_clear(&reason);
			cg_buf_printf(&reason, "%s; %s: %s", t->value, f->path, f->detail);
			cg_result_add_waiver(r, "changelog", "trailer", t->key, reason.ptr, NULL);
			cg_result_finding_dispose(f);
		} else {
			r->findings[kept++] = *f;
		}
	}
	r->nfindings = kept;
	cg_buf_dispose(&reason);
}

static void apply_skip(evaluation *ev)
{
	const cg_rules_input *in = ev->in;
	const char *key = in->policy->changelog.skip_trailer;

	if (!key[0] || !has_waivable(ev->result, key))
		return;
	if (in->push_skip_reason && in->push_skip_reason[0]) {
		settle(ev->result, key, "changelog");
		cg_result_add_waiver(ev->result, "changelog", "push-option", "changeguard.skip",
		                     in->push_skip_reason, in->pusher);
		return;
	}
	waive_by_trailer(ev, key, "changelog", "why no entry is needed");
}

/* --- the forbid rule (forbid.c) ----------------------------------------- */

static int check_forbidden(evaluation *ev)
{
	const char *key = ev->in->policy->forbid.skip_trailer;
	int error = cg_forbid_judge(ev->result, ev->in->policy, ev->in->changes, ev->in->now,
	                            ev->in->nbefore == 1 ? ev->in->before[0] : NULL);

	if (!error && key[0] && has_waivable(ev->result, key))
		waive_by_trailer(ev, key, CG_FORBID_RULE, "why the file belongs");
	return error;
}

/* --- the protect rule -------------------------------------------------- */

/* Splits "Name <email>" into its parts (either may come back empty). */
static void split_ident(const char *value, cg_buf *name, cg_buf *email)
{
	const char *lt = strchr(value, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	const char *end = lt && gt ? lt : value + strlen(value);

	cg_buf_clear(name);
	cg_buf_clear(email);
	if (!lt && strchr(value, '@') && !strchr(value, ' ')) {
		cg_buf_puts(email, value); /* a bare address */
		return;
	}
	while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	cg_buf_put(name, value, (size_t)(end - value));
	if (lt && gt)
		cg_buf_put(email, lt + 1, (size_t)(gt - lt - 1));
}

/* An authorizer entry may be an email, a name, or "Name <email>". */
static int ident_matches(const char *entry, const char *name, const char *email)
{
	cg_buf ename = CG_BUF_INIT, eemail = CG_BUF_INIT;
	int hit;

	split_ident(entry, &ename, &eemail);
	if (eemail.size)
		hit = email[0] && !strcasecmp(eemail.ptr, email);
	else
		hit = name[0] && !strcasecmp(ename.ptr, name);
	cg_buf_dispose(&ename);
	cg_buf_dispose(&eemail);
	return hit;
}

static int listed(char *const *list, size_t n, const char *name, const char *email)
{
	for (size_t i = 0; i < n; i++)
		if (ident_matches(list[i], name, email))
			return 1;
	return 0;
}

/* Who may authorize a group's change: its authorizers (anyone named, when
 * it lists none), or, to remove or disable an MCP server, its removal
 * authorizers; `role` is how messages call one of them. */
typedef struct {
	char *const *names;
	size_t n;
	const char *role;
} roster;

static roster authorizers_of(const cg_protect_group *g)
{
	return (roster){ g->authorizers, g->authorizers_len, "an authorizer" };
}

static roster removers_of(const cg_protect_group *g)
{
	return (roster){ g->removal_authorizers, g->removal_authorizers_len, "a removal authorizer" };
}

static int on_roster(const roster *r, const char *name, const char *email)
{
	if (!r->n)
		return name[0] != '\0';
	return listed(r->names, r->n, name, email);
}

static void list_names(cg_buf *out, char *const *list, size_t n)
{
	cg_buf_puts(out, "one of: ");
	for (size_t i = 0; i < n; i++)
		cg_buf_printf(out, "%s%s", i ? ", " : "", list[i]);
}

static void list_authorizers(cg_buf *out, const cg_protect_group *g)
{
	if (!g->authorizers_len) {
		cg_buf_puts(out, "any named sign-off");
		return;
	}
	list_names(out, g->authorizers, g->authorizers_len);
}

/* The group's sign-off naming someone on `r`, or NULL; `why` says what
 * was wrong with the trailers there were. */
static const cg_trailer *find_signoff(const cg_rules_input *in, const cg_protect_group *g,
                                      const roster *r, cg_buf *why)
{
	cg_buf name = CG_BUF_INIT, email = CG_BUF_INIT;
	const cg_trailer *t, *found = NULL;
	size_t pos = 0;

	while (!found && (t = cg_trailers_find(in->trailers, g->trailer, &pos)) != NULL) {
		split_ident(t->value, &name, &email);
		if (on_roster(r, name.ptr, email.ptr))
			found = t;
		else {
			cg_buf_clear(why);
			cg_buf_printf(why, "'%s: %s' does not name %s", t->key, t->value, r->role);
		}
	}
	cg_buf_dispose(&name);
	cg_buf_dispose(&email);
	return found;
}

static int pusher_may_sign(const cg_rules_input *in, const cg_protect_group *g, const roster *r)
{
	size_t i;

	if (!in->pusher || g->verify != CG_VERIFY_PUSHER || !r->n)
		return 1;
	for (i = 0; i < r->n; i++)
		if (ident_matches(r->names[i], in->pusher, in->pusher))
			return 1;
	return 0;
}

void cg_rules_signoff_hint(cg_buf *out, const cg_protect_group *g, const char *command)
{
	cg_buf trailer = CG_BUF_INIT;
	size_t i;

	if (!g->authorizers_len) {
		/* Any named sign-off counts: the committer's, as git will write it. */
		cg_buf_printf(out, "%s --trailer \"%s: $(git var GIT_COMMITTER_IDENT | "
		              "sed 's/>.*/>/')\"", command, g->trailer);
		return;
	}
	cg_buf_puts(out, "only these may sign off: ");
	for (i = 0; i < g->authorizers_len; i++)
		cg_buf_printf(out, "%s%s", i ? ", " : "", g->authorizers[i]);
	cg_buf_printf(&trailer, "%s: %s", g->trailer, g->authorizers[0]);
	cg_buf_printf(out, "\nwith their agreement: %s --trailer ", command);
	quote_for_shell(out, trailer.ptr);
	cg_buf_dispose(&trailer);
}

const cg_protect_group *cg_rules_signoff_group(const cg_policy *p, const char *path)
{
	size_t i;

	for (i = 0; i < p->protect_len; i++)
		if (p->protect[i].trailer[0] && cg_globset_match(p->protect[i].paths, path))
			return &p->protect[i];
	return NULL;
}

static void protect_finding(evaluation *ev, const cg_protect_group *g, const char *rule,
                            const char *path, const char *problem)
{
	cg_buf detail = CG_BUF_INIT, hint = CG_BUF_INIT;

	cg_buf_printf(&detail, "%s; the '%s' group needs ", problem, g->name);
	if (g->trailer[0]) {
		cg_buf_printf(&detail, "a '%s:' trailer from ", g->trailer);
		list_authorizers(&detail, g);
		cg_rules_signoff_hint(&hint, g, "git commit");
	} else {
		cg_buf_puts(&detail, "a policy change before it can be modified");
	}
	cg_result_add_finding(ev->result, rule, path, detail.ptr, hint.size ? hint.ptr : NULL,
	                      g->trailer[0] ? g->trailer : NULL);
	cg_buf_dispose(&detail);
	cg_buf_dispose(&hint);
}

static int is_link(uint32_t mode)
{
	return mode == GIT_FILEMODE_LINK || mode == GIT_FILEMODE_COMMIT;
}

const char *cg_rules_protected_change(const cg_protect_group *g, const cg_change *c)
{
	if (cg_globset_match(g->paths, c->path))
		return "protected path changed without sign-off";
	if ((is_link(c->old_mode) || is_link(c->new_mode)) &&
	    cg_globset_match_below(g->paths, c->path))
		return "symlink or submodule where protected paths would be found, "
		       "changed without sign-off";
	return NULL;
}

/* `detail` NULL: any finding of the rule about the path. */
static int has_finding(const cg_result *r, const char *rule, const char *path, const char *detail)
{
	for (size_t i = 0; i < r->nfindings; i++)
		if (!strcmp(r->findings[i].rule, rule) && !strcmp(r->findings[i].path, path) &&
		    (!detail || !strcmp(r->findings[i].detail, detail)))
			return 1;
	return 0;
}

static int has_waiver(const cg_result *r, const char *rule, const char *reason,
                      const char *authorizer)
{
	for (size_t i = 0; i < r->nwaivers; i++)
		if (!strcmp(r->waivers[i].rule, rule) && r->waivers[i].reason &&
		    !strcmp(r->waivers[i].reason, reason) && r->waivers[i].authorizer &&
		    !strcmp(r->waivers[i].authorizer, authorizer))
			return 1;
	return 0;
}

/* Whether the merged side made this change of a merge with a sign-off. A
 * search that cannot finish (a deadline, a missing object) is the
 * evaluation's error, not a missing sign-off: the refusal must say why. */
static int merged_signed(evaluation *ev, const cg_protect_group *g, const cg_change *c)
{
	const cg_rules_input *in = ev->in;
	int authorized = 0, error;

	if (!in->first_parent || !in->merge_authorized || ev->error)
		return 0;
	if ((error = in->merge_authorized(&authorized, g, c, in->merge_payload)) < 0)
		ev->error = error;
	return !error && authorized;
}

static void add_finding_once(evaluation *ev, const char *rule, const char *path,
                             const char *detail, const char *hint, const char *waiver)
{
	if (!has_finding(ev->result, rule, path, detail))
		cg_result_add_finding(ev->result, rule, path, detail, hint, waiver);
}

/* --- who authorized a change ------------------------------------------- */

static int principal_authorizes(const char *principal, void *payload)
{
	return on_roster(payload, principal, principal);
}

/* What is wrong when no approval was found, unless the approvals said. */
static void approval_missing(const cg_rules_input *in, const cg_protect_group *g, cg_buf *why)
{
	const cg_trailer *claim = g->trailer[0] && in->trailers
	                          ? cg_trailers_find(in->trailers, g->trailer, NULL) : NULL;

	if (why->size)
		return;
	if (claim)
		cg_buf_printf(why, "'%s: %s' is a claim anyone can write, not a signed approval",
		              claim->key, claim->value);
	else
		cg_buf_puts(why, "protected path changed without a signed approval");
}

/* Looks for an approval of `changes` signed by someone on `r`; `why` says
 * why there is none. */
static int find_approval(int *found, cg_approval_signer *signer, cg_buf *why,
                         const cg_rules_input *in, const cg_protect_group *g, const roster *r,
                         const cg_change *const *changes, size_t n)
{
	cg_buf statement = CG_BUF_INIT, allowed = CG_BUF_INIT, revoked = CG_BUF_INIT;
	cg_sshsig_trust trust = { NULL, NULL };
	int error;

	*found = 0;
	if ((error = cg_approval_trust(&allowed, &revoked, cg_snapshot_repository(in->now))) < 0)
		goto done;
	if (!allowed.size) {
		cg_buf_puts(why, "no allowed signers are configured to check approvals against "
		            "(git config changeguard.allowedSignersFile PATH)");
		goto done;
	}
	trust.allowed_signers = allowed.ptr;
	trust.revoked_keys = revoked.size ? revoked.ptr : NULL;
	cg_approval_statement(&statement, g->name, changes, n);
	error = cg_approval_find(found, signer, why, in->trailers, g->name, statement.ptr, &trust,
	                         principal_authorizes, (void *)r);
done:
	cg_buf_dispose(&statement);
	cg_buf_dispose(&allowed);
	cg_buf_dispose(&revoked);
	return error;
}

/* How a group's change is authorized: a sign-off `trailer`, or an
 * approval's `signer`; otherwise `why` says what was wrong. */
typedef struct {
	int ok;
	const cg_trailer *trailer;
	cg_approval_signer signer;
	cg_buf why;
	int pusher_refused; /* a sign-off was there, the pusher may not give it */
} grant;

#define GRANT_INIT { 0, NULL, { CG_BUF_INIT, CG_BUF_INIT }, CG_BUF_INIT, 0 }

static void grant_dispose(grant *gr)
{
	cg_approval_signer_dispose(&gr->signer);
	cg_buf_dispose(&gr->why);
}

/* Whether someone on `r` authorized the group's `changes` (the protected
 * ones), the way the group's verify mode asks: an approval signed over
 * exactly those changes (signature); else a sign-off trailer naming them,
 * and with `verify: pusher` the pusher on `r` as well. */
static void authorize(grant *out, const cg_rules_input *in, const cg_protect_group *g,
                      const roster *r, const cg_change *const *changes, size_t n)
{
	if (g->verify == CG_VERIFY_SIGNATURE) {
		if (n && in->trailers &&
		    find_approval(&out->ok, &out->signer, &out->why, in, g, r, changes, n) < 0) {
			cg_buf_clear(&out->why);
			cg_buf_printf(&out->why, "the approval could not be checked: %s", cg_error_last());
		}
		if (!out->ok)
			approval_missing(in, g, &out->why);
		return;
	}
	if (g->trailer[0] && in->trailers)
		out->trailer = find_signoff(in, g, r, &out->why);
	if (out->trailer && !pusher_may_sign(in, g, r)) {
		cg_buf_clear(&out->why);
		cg_buf_printf(&out->why, "the pusher '%s' is not %s", in->pusher, r->role);
		out->trailer = NULL;
		out->pusher_refused = 1;
	}
	out->ok = out->trailer != NULL;
}

/* Records the grant as the waiver of the rule for the paths in `reason`. */
static void grant_waiver(evaluation *ev, const char *rule, const grant *gr, const char *reason)
{
	const char *by = gr->trailer ? gr->trailer->value : gr->signer.principal.ptr;

	if (!has_waiver(ev->result, rule, reason, by))
		cg_result_add_waiver(ev->result, rule, gr->trailer ? "trailer" : "signature",
		                     gr->trailer ? gr->trailer->key : gr->signer.fingerprint.ptr,
		                     reason, by);
}

/* --- MCP configurations ----------------------------------------------- */

static void removal_finding(evaluation *ev, const cg_protect_group *g, const char *rule,
                            const char *path, const grant *gr)
{
	const int signed_ = g->verify == CG_VERIFY_SIGNATURE;
	cg_buf detail = CG_BUF_INIT, hint = CG_BUF_INIT;

	cg_buf_printf(&detail, "removes or disables an MCP server; the '%s' group needs ", g->name);
	if (signed_)
		cg_buf_puts(&detail, "a '" CG_APPROVAL_TRAILER ":' approval signed by ");
	else
		cg_buf_printf(&detail, "a '%s:' trailer from ", g->trailer);
	list_names(&detail, g->removal_authorizers, g->removal_authorizers_len);
	cg_buf_puts(&detail, " (removal_authorizers)");
	if (gr->pusher_refused)
		cg_buf_printf(&detail, "; %s", gr->why.ptr);
	if (signed_)
		cg_buf_puts(&hint, "a removal authorizer approves the staged change too: changeguard approve\n"
		            "then commit with both approvals as the message's last paragraph");
	else
		cg_buf_printf(&hint, "git commit --trailer '%s: Removal Authorizer <them@example.com>'",
		              g->trailer);
	add_finding_once(ev, rule, path, detail.ptr, hint.ptr,
	                 signed_ ? CG_APPROVAL_TRAILER : g->trailer);
	cg_buf_dispose(&detail);
	cg_buf_dispose(&hint);
}

/* Says what changed in the servers of a protected MCP configuration, as
 * notes that block nothing; a new version that does not parse, and a
 * removal that no removal authorizer authorized (the group's protected
 * `changes`, as the group's verify mode asks), are findings. */
static void check_mcp(evaluation *ev, const cg_protect_group *g, const char *rule,
                      const cg_change *c, const cg_change *const *changes, size_t n)
{
	cg_buf note_rule = CG_BUF_INIT, detail = CG_BUF_INIT;
	cg_mcpdiff *d = NULL;

	if (cg_mcpdiff_blobs(&d, cg_snapshot_repository(ev->in->now), c->path,
	                     is_regular(c->old_mode) ? &c->old_oid : NULL,
	                     is_regular(c->new_mode) ? &c->new_oid : NULL) < 0) {
		add_finding_once(ev, rule, c->path, cg_error_last(), cg_error_hints(), NULL);
		return;
	}
	cg_buf_printf(&note_rule, "mcp:%s", g->name);
	for (size_t i = 0; i < cg_mcpdiff_count(d); i++)
		cg_result_add_note(ev->result, note_rule.ptr, c->path, cg_mcpdiff_get(d, i)->text);
	if (cg_mcpdiff_unparsable(d)) {
		cg_buf_printf(&detail, "the new version is not a valid MCP configuration, which no "
		              "sign-off makes acceptable: %s", cg_mcpdiff_unparsable(d));
		add_finding_once(ev, rule, c->path, detail.ptr, NULL, NULL);
	}
	if (cg_mcpdiff_removes(d) && g->removal_authorizers_len &&
	    (g->trailer[0] || g->verify == CG_VERIFY_SIGNATURE)) {
		roster removers = removers_of(g);
		grant gr = GRANT_INIT;
		authorize(&gr, ev->in, g, &removers, changes, n);
		if (!gr.ok)
			removal_finding(ev, g, rule, c->path, &gr);
		else
			grant_waiver(ev, rule, &gr, c->path);
		grant_dispose(&gr);
	}
	cg_mcpdiff_free(d);
	cg_buf_dispose(&note_rule);
	cg_buf_dispose(&detail);
}

/* --- the protect rule's groups ----------------------------------------- */

static void approval_finding(evaluation *ev, const cg_protect_group *g, const char *rule,
                             const char *path, const char *problem)
{
	cg_buf detail = CG_BUF_INIT;

	cg_buf_printf(&detail, "%s; the '%s' group needs a '%s:' approval signed by ", problem,
	              g->name, CG_APPROVAL_TRAILER);
	list_authorizers(&detail, g);
	cg_result_add_finding(ev->result, rule, path, detail.ptr,
	                      "an authorizer approves the staged change with: changeguard approve\n"
	                      "then commit with the trailer it prints: "
	                      "git commit --trailer \"$(changeguard approve)\"",
	                      CG_APPROVAL_TRAILER);
	cg_buf_dispose(&detail);
}

/* A group with `verify: signature`: its changes need an approval signed by
 * an authorizer's key over exactly their content; a trailer is only a
 * claim, which anyone (an AI agent with the user's shell too) can write. */
static void check_signed_group(evaluation *ev, const cg_protect_group *g, const cg_changes *changes,
                               const char *rule, cg_buf *paths)
{
	roster authorizers = authorizers_of(g);
	grant gr = GRANT_INIT;
	size_t i, k = 0, n = cg_changes_count(changes);
	const cg_change **mine = cg_calloc(n ? n : 1, sizeof(*mine));

	for (i = 0; i < n; i++) {
		const cg_change *c = cg_changes_get(changes, i);
		if (cg_rules_protected_change(g, c) && !merged_signed(ev, g, c)) {
			mine[k++] = c;
			cg_buf_printf(paths, "%s%s", paths->size ? ", " : "", c->path);
		}
	}
	if (k)
		authorize(&gr, ev->in, g, &authorizers, mine, k);
	if (gr.ok)
		grant_waiver(ev, rule, &gr, paths->ptr);
	for (i = 0; i < k; i++) {
		if (!gr.ok && !has_finding(ev->result, rule, mine[i]->path, NULL))
			approval_finding(ev, g, rule, mine[i]->path, gr.why.ptr);
		check_mcp(ev, g, rule, mine[i], mine, k);
	}
	free(mine);
	grant_dispose(&gr);
}

/* Checks one group; a group of the same name from the policy in force
 * (see check_protected) may come through here twice, hence no duplicates. */
static void check_group(evaluation *ev, const cg_protect_group *g, cg_buf *paths)
{
	const cg_rules_input *in = ev->in;
	/* A merge brings its first parent's branch what differs from it there. */
	const cg_changes *changes = in->first_parent ? in->first_parent : in->changes;
	roster authorizers = authorizers_of(g);
	grant gr = GRANT_INIT;
	cg_buf rule = CG_BUF_INIT;
	size_t i, n = cg_changes_count(changes);
	const char *problem;

	cg_buf_clear(paths);
	cg_buf_printf(&rule, "protect:%s", g->name);
	if (g->verify == CG_VERIFY_SIGNATURE) {
		check_signed_group(ev, g, changes, rule.ptr, paths);
		cg_buf_dispose(&rule);
		return;
	}
	/* A sign-off does not depend on the changes: asked before them, it
	 * spares the search of a merge's other side. */
	authorize(&gr, in, g, &authorizers, NULL, 0);
	for (i = 0; i < n; i++) {
		const cg_change *c = cg_changes_get(changes, i);
		if ((problem = cg_rules_protected_change(g, c)) == NULL ||
		    (!gr.ok && merged_signed(ev, g, c)))
			continue;
		cg_buf_printf(paths, "%s%s", paths->size ? ", " : "", c->path);
		if (!gr.ok && !has_finding(ev->result, rule.ptr, c->path, NULL))
			protect_finding(ev, g, rule.ptr, c->path, gr.why.size ? gr.why.ptr : problem);
		check_mcp(ev, g, rule.ptr, c, &c, 1);
	}
	if (gr.ok && paths->size)
		grant_waiver(ev, rule.ptr, &gr, paths->ptr);
	cg_buf_dispose(&rule);
	grant_dispose(&gr);
}

/* A staged policy cannot vote on its own rules: until it has landed, the
 * groups of the policy in force (HEAD's) hold as well, so that loosening
 * a group and using the looser rules takes that group's sign-off too. */
static void check_protected(evaluation *ev)
{
	const cg_policy *p = ev->in->policy, *base = ev->in->base_policy;
	size_t i;

	for (i = 0; i < p->protect_len; i++)
		check_group(ev, &p->protect[i], &ev->scratch);
	for (i = 0; base && base != p && i < base->protect_len; i++)
		check_group(ev, &base->protect[i], &ev->scratch);
}

/* --- verdict ----------------------------------------------------------- */

static cg_verdict decide(const cg_rules_input *in, const cg_result *r)
{
	size_t i;
	int waivable_only = 1;

	for (i = 0; i < r->nfindings; i++)
		if (!r->findings[i].waiver)
			waivable_only = 0;
	if (r->nfindings)
		return waivable_only && !in->trailers && !in->pusher ? CG_VERDICT_DEFERRED
		                                                     : CG_VERDICT_BLOCKED;
	for (i = 0; i < r->nwaivers; i++)
		if (!r->waivers[i].authorizer || !strcmp(r->waivers[i].source, "push-option"))
			return CG_VERDICT_WAIVED;
	return CG_VERDICT_ALLOWED;
}

int cg_rules_evaluate(cg_result **out, const cg_rules_input *in)
{
	evaluation ev = { in, cg_calloc(1, sizeof(cg_result)), NULL, 0, 0, NULL, 0, 0, CG_BUF_INIT, 0 };
	size_t i, k;
	int error;

	error = check_changelogs(&ev);
	if (!error) {
		apply_skip(&ev);
		apply_amend(&ev);
		error = check_forbidden(&ev);
	}
	if (!error) {
		check_protected(&ev);
		if ((error = ev.error) == 0)
			ev.result->verdict = decide(in, ev.result);
	}
	for (i = 0; i < ev.nreqs; i++) {
		for (k = 0; k < 3; k++)
			free(ev.reqs[i].example[k]);
		free(ev.reqs[i].path);
	}
	free(ev.reqs);
	for (i = 0; i < ev.nlogs; i++)
		free_changelog(&ev.logs[i], in->nbefore + 1);
	free(ev.logs);
	cg_buf_dispose(&ev.scratch);
	if (error < 0) {
		cg_result_free(ev.result);
		ev.result = NULL;
	}
	*out = ev.result;
	return error;
}
