#include "glob.h"

#include "buf.h"
#include "error.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Longer than any real path pattern. A brace expansion is never longer than
 * its pattern, so this also bounds the automaton and lets the matcher keep
 * its state sets on the stack. */
#define MAX_PATTERN 1024
#define MAX_ALTERNATIVES 256

enum tok_kind {
	TOK_ONE,      /* one byte out of `set` */
	TOK_STAR,     /* any run of bytes other than '/' */
	TOK_STARSTAR, /* any run of bytes */
	/* Reads nothing; put before the `**` of a `**` + '/' so that the pair
	 * may also match no directory at all. Only entering the pair may skip
	 * it: once the `**` has read a byte, the '/' must follow. */
	TOK_SKIP
};

struct tok {
	unsigned char kind;
	unsigned char set[32];
};

struct glob {
	struct tok *toks;
	size_t ntoks;
	int basename_only; /* no slash: try every path component */
	int dir_only;      /* trailing slash: only parent directories match */
	size_t specific;   /* states from here on have read a byte of the path
	                      that says something of it, see run_below */
	/* The longest run of bytes every match contains (ASCII lowercase when
	 * `lit_fold`): a path without it is refused before the automaton runs,
	 * which is most paths for most patterns. */
	char *lit;
	size_t litlen;
	int lit_fold;
};

/*
 * cg_globset_match's answers kept by path, one per slot of a table indexed
 * by the path's hash, a newer path taking the slot: along a walk over
 * history the same paths change again and again (rubocop: 64,720 changes
 * of 6,086 paths), and a set of many patterns costs thousands of
 * instructions a path (the default mcp group: two dozen patterns).
 * Replaying rubocop's and vagrant's changes, 4,096 slots answered 84% and
 * 80% from memory (2,048: 77%, 74%). The table is made at the first match,
 * so that a hook that matches nothing pays nothing for it. A set of fewer
 * than MEMO_MIN_GLOBS patterns (most are empty or one or two, refused by
 * their literals) matches about as fast as it hashes: tables for them cost
 * vagrant's history 5% more CPU in page faults and copies than they saved.
 */
#define MEMO_SLOTS 4096
#define MEMO_MIN_GLOBS 4

struct memo_slot {
	uint64_t hash;
	char *path; /* NULL: empty */
	int hit;
};

/* Apart from the set so that a const set can remember. */
struct memo {
	struct memo_slot *slots;
};

struct cg_globset {
	unsigned flags;
	char **patterns;
	size_t npatterns, apatterns;
	struct glob *globs;
	size_t nglobs, aglobs;
	struct memo *memo;
};

/* What compiling one pattern needs besides the text at hand. */
struct compiler {
	const char *pattern; /* as written, for messages */
	unsigned flags;
};

/* Strings made by brace expansion. */
struct strlist {
	cg_buf *v;
	size_t n, alloc;
};

static int bad(const struct compiler *cc, const char *problem)
{
	return cg_error_set(CG_EPOLICY, "bad glob '%s': %s", cc->pattern, problem);
}

static void set_add(unsigned char set[32], unsigned c)
{
	set[c >> 3] |= (unsigned char)(1u << (c & 7));
}

static void set_del(unsigned char set[32], unsigned c)
{
	set[c >> 3] &= (unsigned char)~(1u << (c & 7));
}

static int set_has(const unsigned char set[32], unsigned c)
{
	return set[c >> 3] >> (c & 7) & 1;
}

/* ASCII only, whatever the locale: paths are bytes. */
static void set_fold(unsigned char set[32])
{
	for (unsigned c = 'a'; c <= 'z'; c++) {
		if (set_has(set, c) || set_has(set, c - 'a' + 'A')) {
			set_add(set, c);
			set_add(set, c - 'a' + 'A');
		}
	}
}

static const struct {
	const char *name;
	int (*is)(int);
} posix_classes[] = {
	{ "alnum", isalnum }, { "alpha", isalpha }, { "blank", isblank },
	{ "cntrl", iscntrl }, { "digit", isdigit }, { "graph", isgraph },
	{ "lower", islower }, { "print", isprint }, { "punct", ispunct },
	{ "space", isspace }, { "upper", isupper }, { "xdigit", isxdigit },
};

/* s[*pos] is the '[' of "[:name:]" inside a class. As in git, a '[' not
 * closed by ":]" before the next ']' is an ordinary member. */
static int posix_class(unsigned char set[32], const struct compiler *cc,
                       const char *s, size_t len, size_t *pos)
{
	size_t start = *pos + 2, end = start;

	while (end < len && s[end] != ']')
		end++;
	if (end >= len)
		return bad(cc, "unbalanced '['");
	if (end == start || s[end - 1] != ':') {
		set_add(set, '[');
		*pos += 1;
		return 0;
	}
	for (size_t k = 0; k < sizeof(posix_classes) / sizeof(posix_classes[0]); k++) {
		const char *name = posix_classes[k].name;
		if (strlen(name) != end - 1 - start || memcmp(name, s + start, end - 1 - start) != 0)
			continue;
		for (int c = 0; c < 128; c++)
			if (posix_classes[k].is(c))
				set_add(set, (unsigned)c);
		*pos = end + 1;
		return 0;
	}
	return bad(cc, "unknown character class in '[...]'");
}

/* Reads one class member at s[*pos], after a '\' escape if any. */
static int class_char(const struct compiler *cc, const char *s, size_t len,
                      size_t *pos, unsigned *out)
{
	if (s[*pos] == '\\' && ++*pos >= len)
		return bad(cc, "unbalanced '['");
	*out = (unsigned char)s[(*pos)++];
	return 0;
}

/* Parses the class starting at s[*pos] == '[' into the bytes it accepts,
 * leaving *pos after its ']'. Like `?`, a class never matches '/'. */
static int parse_class(unsigned char set[32], const struct compiler *cc,
                       const char *s, size_t len, size_t *pos)
{
	size_t i = *pos + 1, first;
	int negate = 0, error;

	memset(set, 0, 32);
	if (i < len && (s[i] == '!' || s[i] == '^')) {
		negate = 1;
		i++;
	}
	/* A ']' right after the opening (and its '!') is a member. */
	for (first = i;;) {
		unsigned lo = 0, hi;

		if (i >= len)
			return bad(cc, "unbalanced '['");
		if (s[i] == ']' && i != first)
			break;
		if (s[i] == '[' && i + 1 < len && s[i + 1] == ':') {
			if ((error = posix_class(set, cc, s, len, &i)) < 0)
				return error;
			continue;
		}
		if ((error = class_char(cc, s, len, &i, &lo)) < 0)
			return error;
		/* as in git, the start of a range is a member even when the
		 * range is empty ("[z-a]" matches "z") */
		set_add(set, lo);
		hi = lo;
		if (i + 1 < len && s[i] == '-' && s[i + 1] != ']') {
			i++;
			if ((error = class_char(cc, s, len, &i, &hi)) < 0)
				return error;
		}
		for (unsigned c = lo; c <= hi; c++)
			set_add(set, c);
	}
	if (cc->flags & CG_GLOB_CASEFOLD)
		set_fold(set);
	if (negate)
		for (size_t k = 0; k < 32; k++)
			set[k] = (unsigned char)~set[k];
	set_del(set, '/');
	*pos = i + 1;
	return 0;
}

/* The index just past the atom at s[i]: an escape pair, a class, or a byte. */
static int skip_atom(const struct compiler *cc, const char *s, size_t len,
                     size_t i, size_t *next)
{
	*next = i + 1;
	if (s[i] == '\\') {
		if (i + 1 >= len)
			return bad(cc, "trailing '\\' escapes nothing");
		*next = i + 2;
	} else if (s[i] == '[') {
		unsigned char scratch[32];
		*next = i;
		return parse_class(scratch, cc, s, len, next);
	}
	return 0;
}

static void list_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		cg_buf_dispose(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static cg_buf *list_push(struct strlist *l)
{
	l->v = cg_array_grow(l->v, &l->alloc, l->n + 1, sizeof(*l->v));
	l->v[l->n] = (cg_buf)CG_BUF_INIT;
	return &l->v[l->n++];
}

/* Replaces `l` by every string of `l` followed by every string of `alts`. */
static int list_product(struct strlist *l, const struct strlist *alts,
                        const struct compiler *cc)
{
	struct strlist out = { 0 };

	if (l->n * alts->n > MAX_ALTERNATIVES)
		return bad(cc, "braces expand to more than 256 alternatives");
	for (size_t i = 0; i < l->n; i++) {
		for (size_t j = 0; j < alts->n; j++) {
			cg_buf *b = list_push(&out);
			cg_buf_put(b, l->v[i].ptr, l->v[i].size);
			cg_buf_put(b, alts->v[j].ptr, alts->v[j].size);
		}
	}
	list_free(l);
	*l = out;
	return 0;
}

static int expand(struct strlist *out, const struct compiler *cc,
                  const char *s, size_t len);

/* Moves the strings of `from` to the end of `to`. */
static int list_move(struct strlist *to, struct strlist *from, const struct compiler *cc)
{
	if (to->n + from->n > MAX_ALTERNATIVES)
		return bad(cc, "braces expand to more than 256 alternatives");
	for (size_t i = 0; i < from->n; i++)
		*list_push(to) = from->v[i];
	free(from->v);
	memset(from, 0, sizeof(*from));
	return 0;
}

/* s[*pos] == '{': expands each comma-separated alternative up to the
 * matching '}' into `alts`, and leaves *pos after it. */
static int expand_group(struct strlist *alts, const struct compiler *cc,
                        const char *s, size_t len, size_t *pos)
{
	size_t start = *pos + 1, i = start, next;
	int depth = 0, error;

	while (i < len) {
		if (depth == 0 && (s[i] == ',' || s[i] == '}')) {
			struct strlist one = { 0 };
			if ((error = expand(&one, cc, s + start, i - start)) < 0 ||
			    (error = list_move(alts, &one, cc)) < 0) {
				list_free(&one);
				return error;
			}
			if (s[i] == '}') {
				*pos = i + 1;
				return 0;
			}
			start = i + 1;
		} else if (s[i] == '{') {
			depth++;
		} else if (s[i] == '}') {
			depth--;
		}
		if ((error = skip_atom(cc, s, len, i, &next)) < 0)
			return error;
		i = next;
	}
	return bad(cc, "unbalanced '{'");
}

/* Expands the braces of s[0..len) into `out` (which starts empty). */
static int expand(struct strlist *out, const struct compiler *cc,
                  const char *s, size_t len)
{
	size_t i = 0, next;
	int error = 0;

	list_push(out);
	while (i < len && error == 0) {
		if (s[i] == '{') {
			struct strlist alts = { 0 };
			if ((error = expand_group(&alts, cc, s, len, &i)) == 0)
				error = list_product(out, &alts, cc);
			list_free(&alts);
		} else if (s[i] == '}') {
			error = bad(cc, "unbalanced '}'");
		} else if ((error = skip_atom(cc, s, len, i, &next)) == 0) {
			for (size_t k = 0; k < out->n; k++)
				cg_buf_put(&out->v[k], s + i, next - i);
			i = next;
		}
	}
	return error;
}

static struct tok *push_tok(struct glob *g, size_t *alloc, enum tok_kind kind)
{
	struct tok *t;

	g->toks = cg_array_grow(g->toks, alloc, g->ntoks + 1, sizeof(*g->toks));
	t = &g->toks[g->ntoks++];
	memset(t, 0, sizeof(*t));
	t->kind = (unsigned char)kind;
	return t;
}

/* Compiles the stars at s[*pos]: `**` between slashes (or the pattern's
 * ends) crosses directories; elsewhere, as in git, it is a plain `*`. */
static int compile_stars(struct glob *g, size_t *alloc, const struct compiler *cc,
                         const char *s, size_t len, size_t *pos)
{
	size_t start = *pos, end = start;

	while (end < len && s[end] == '*')
		end++;
	*pos = end;
	if (end - start > 2)
		return bad(cc, "'***' is not a glob; use '**'");
	if (end - start == 1 || (start > 0 && s[start - 1] != '/') ||
	    (end < len && s[end] != '/')) {
		push_tok(g, alloc, TOK_STAR);
		return 0;
	}
	if (end < len)
		push_tok(g, alloc, TOK_SKIP);
	push_tok(g, alloc, TOK_STARSTAR);
	return 0;
}

static int compile_atoms(struct glob *g, const struct compiler *cc,
                         const char *s, size_t len)
{
	size_t alloc = 0, i = 0;
	struct tok *t;
	int error = 0;

	while (i < len && error == 0) {
		if (s[i] == '*') {
			error = compile_stars(g, &alloc, cc, s, len, &i);
			continue;
		}
		t = push_tok(g, &alloc, TOK_ONE);
		if (s[i] == '[') {
			error = parse_class(t->set, cc, s, len, &i);
		} else if (s[i] == '?') {
			memset(t->set, 0xff, sizeof(t->set));
			set_del(t->set, '/');
			i++;
		} else if (s[i] == '\\' && i + 1 >= len) {
			/* only "\/" can get here: its '/' was taken as the trailing one */
			error = bad(cc, "trailing '\\' escapes nothing");
		} else {
			i += s[i] == '\\';
			set_add(t->set, (unsigned char)s[i++]);
			if (cc->flags & CG_GLOB_CASEFOLD)
				set_fold(t->set);
		}
	}
	return error;
}

static int is_slash(const struct tok *t)
{
	unsigned char slash[32] = { 0 };

	set_add(slash, '/');
	return t->kind == TOK_ONE && !memcmp(t->set, slash, sizeof(slash));
}

/* Where the states begin that have read a byte of the path that says
 * something of it: the first that is not a '/' ending a segment of
 * wildcards only (`**`, `*`), which every directory matches alike. */
static void mark_specific(struct glob *g)
{
	size_t i;

	for (i = 0; i < g->ntoks; i++)
		if (g->toks[i].kind == TOK_ONE && !is_slash(&g->toks[i]))
			break;
	g->specific = i + 1;
}

/* The byte `t` reads when it reads exactly one (either case of one ASCII
 * letter when casefolded: *folded set), else -1. */
static int literal_byte(const struct tok *t, int *folded)
{
	int n = 0, first = -1;

	if (t->kind != TOK_ONE)
		return -1;
	/* Eight bytes of the set at a time: a policy's globs have thousands
	 * of tokens, compiled by every hook run, and most of each set is empty. */
	for (int i = 0; i < 32 && n <= 2; i += 8) {
		uint64_t word;
		memcpy(&word, t->set + i, sizeof(word));
		if (!word)
			continue;
		if (first < 0) {
			int b = i;
			while (!t->set[b])
				b++;
			first = b * 8 + __builtin_ctz(t->set[b]);
		}
		n += __builtin_popcountll(word);
	}
	if (n == 1)
		return first;
	if (n == 2 && first >= 'A' && first <= 'Z' && set_has(t->set, (unsigned)first + 32)) {
		*folded = 1;
		return first + 32;
	}
	return -1;
}

/* Finds the longest literal run of `g`. A `**` before a '/' may be skipped
 * with its '/' (TOK_SKIP), so the byte after a `**` is never in a run. */
static void find_literal(struct glob *g)
{
	size_t run = 0, start = 0, best = 0, best_start = 0;
	int folded = 0;

	for (size_t i = 0; i <= g->ntoks; i++) {
		int c = i < g->ntoks && !(i > 0 && g->toks[i - 1].kind == TOK_STARSTAR) ?
			literal_byte(&g->toks[i], &folded) : -1;
		if (c >= 0) {
			start = run++ ? start : i;
			continue;
		}
		if (run > best) {
			best = run;
			best_start = start;
		}
		run = 0;
	}
	if (!best)
		return;
	g->lit = cg_calloc(best + 1, 1);
	g->litlen = best;
	for (size_t k = 0; k < best; k++)
		g->lit[k] = (char)literal_byte(&g->toks[best_start + k], &g->lit_fold);
}

static unsigned char lower_ascii(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Whether path[0..len) holds the literal of `g`; `lower` is the path in
 * ASCII lower case, for a literal of a case-insensitive glob. memchr finds
 * the candidates: a byte-by-byte scan, the same for each glob of a set,
 * cost most of the set's matching on real histories, and memmem's set-up
 * costs more than the scan on short paths. */
static int has_literal(const struct glob *g, const unsigned char *path, const unsigned char *lower,
                       size_t len)
{
	const unsigned char *p = g->lit_fold ? lower : path, *end = p + len;

	while ((size_t)(end - p) >= g->litlen &&
	       (p = memchr(p, g->lit[0], (size_t)(end - p) - g->litlen + 1)) != NULL) {
		if (memcmp(p + 1, g->lit + 1, g->litlen - 1) == 0)
			return 1;
		p++;
	}
	return 0;
}

/* Compiles one brace-free alternative, applying the gitignore rules for
 * slashes before the glob itself. */
static int compile_glob(struct glob *g, const struct compiler *cc, const char *s, size_t len)
{
	int error;

	memset(g, 0, sizeof(*g));
	if (len > 0 && s[len - 1] == '/') {
		g->dir_only = 1;
		len--;
	}
	g->basename_only = memchr(s, '/', len) == NULL;
	if (len > 0 && s[0] == '/') {
		s++;
		len--;
	}
	if (len == 0)
		return bad(cc, "empty pattern");
	if ((error = compile_atoms(g, cc, s, len)) == 0) {
		mark_specific(g);
		find_literal(g);
	}
	return error;
}

static void glob_dispose(struct glob *g)
{
	free(g->toks);
	free(g->lit);
}

int cg_globset_new(cg_globset **out, unsigned flags)
{
	cg_globset *set = cg_calloc(1, sizeof(*set));

	set->flags = flags;
	set->memo = cg_calloc(1, sizeof(*set->memo));
	*out = set;
	return 0;
}

static int compile_all(cg_globset *set, const struct compiler *cc)
{
	struct strlist alts = { 0 };
	size_t first = set->nglobs;
	int error;

	if ((error = expand(&alts, cc, cc->pattern, strlen(cc->pattern))) < 0)
		goto done;
	for (size_t i = 0; i < alts.n; i++) {
		set->globs = cg_array_grow(set->globs, &set->aglobs, set->nglobs + 1,
		                           sizeof(*set->globs));
		error = compile_glob(&set->globs[set->nglobs], cc, alts.v[i].ptr, alts.v[i].size);
		set->nglobs++;
		if (error < 0)
			break;
	}
done:
	if (error < 0) {
		while (set->nglobs > first)
			glob_dispose(&set->globs[--set->nglobs]);
	}
	list_free(&alts);
	return error;
}

static int may_fold(const char *path);

/* In a case-folding set, a pattern with letters that fold (see
 * cg_glob_fs_key) is also compiled folded, for the folded paths to meet. */
static int add_folded(cg_globset *set, const char *pattern)
{
	cg_buf key = CG_BUF_INIT;
	struct compiler cc = { NULL, set->flags };
	int error = 0;

	if (!(set->flags & CG_GLOB_CASEFOLD) || !may_fold(pattern))
		return 0;
	cg_glob_fs_key(&key, pattern, 0);
	cc.pattern = key.ptr;
	if (strcmp(key.ptr, pattern))
		error = compile_all(set, &cc);
	cg_buf_dispose(&key);
	return error;
}

static void memo_forget(struct memo *m)
{
	for (size_t i = 0; m->slots && i < MEMO_SLOTS; i++)
		free(m->slots[i].path);
	free(m->slots);
	m->slots = NULL;
}

int cg_globset_add(cg_globset *set, const char *pattern)
{
	struct compiler cc = { pattern, set->flags };
	int error;

	if (!*pattern)
		return cg_error_set(CG_EPOLICY, "bad glob '': empty pattern");
	if (strlen(pattern) > MAX_PATTERN)
		return bad(&cc, "longer than 1024 bytes");
	if (pattern[0] == '!')
		return bad(&cc, "negation ('!') is not supported; write '\\!' for a literal '!'");
	if ((error = compile_all(set, &cc)) < 0 || (error = add_folded(set, pattern)) < 0)
		return error;
	memo_forget(set->memo); /* its answers were without this pattern */
	set->patterns = cg_array_grow(set->patterns, &set->apatterns, set->npatterns + 1,
	                              sizeof(*set->patterns));
	set->patterns[set->npatterns++] = cg_strdup(pattern);
	return 0;
}

/* Adds the states reachable without reading a byte. Moves only go forward,
 * so one pass in order reaches them all. */
static void close_states(const struct glob *g, unsigned char *st)
{
	for (size_t i = 0; i < g->ntoks; i++) {
		if (!st[i] || g->toks[i].kind == TOK_ONE)
			continue;
		st[i + 1] = 1;
		if (g->toks[i].kind == TOK_SKIP)
			st[i + 3] = 1; /* past the `**` and its '/' */
	}
}

/* Advances every live state over byte `c`; 0 when none survives. */
static int step(const struct glob *g, const unsigned char *cur, unsigned char *next,
                unsigned char c)
{
	int alive = 0;

	memset(next, 0, g->ntoks + 1);
	for (size_t i = 0; i < g->ntoks; i++) {
		const struct tok *t = &g->toks[i];
		size_t to = t->kind == TOK_ONE ? i + 1 : i;

		if (!cur[i] || t->kind == TOK_SKIP ||
		    (t->kind == TOK_ONE && !set_has(t->set, c)) ||
		    (t->kind == TOK_STAR && c == '/'))
			continue;
		next[to] = 1;
		alive = 1;
	}
	close_states(g, next);
	return alive;
}

/* The automaton's live states, and room for the next ones. */
struct states {
	unsigned char a[MAX_PATTERN + 2], b[MAX_PATTERN + 2];
	unsigned char *cur, *next;
};

static void start(const struct glob *g, struct states *st)
{
	st->cur = st->a;
	st->next = st->b;
	memset(st->cur, 0, g->ntoks + 1);
	st->cur[0] = 1;
	close_states(g, st->cur);
}

/* Feeds text[0..len): a set of live states, not backtracking, so hostile
 * patterns cost O(len * tokens). 1 when a prefix that ends right before a
 * '/' matched (a matching parent directory), -1 when no state survives,
 * else 0 with the live states in st->cur. */
static int feed(const struct glob *g, struct states *st, const unsigned char *text, size_t len)
{
	unsigned char *tmp;

	for (size_t i = 0; i < len; i++) {
		if (text[i] == '/' && st->cur[g->ntoks])
			return 1;
		if (!step(g, st->cur, st->next, text[i]))
			return -1;
		tmp = st->cur;
		st->cur = st->next;
		st->next = tmp;
	}
	return 0;
}

/* `at_end` says the text ends where the path does, so it may name a file. */
static int run(const struct glob *g, const unsigned char *text, size_t len, int at_end)
{
	struct states st;
	int fed;

	start(g, &st);
	if ((fed = feed(g, &st, text, len)) != 0)
		return fed > 0;
	return st.cur[g->ntoks] && !(at_end && g->dir_only);
}

/* Whether a path below the directory text[0..len) would match because of
 * what the pattern says of text itself: everything in `mcp`, or
 * `.cursor/mcp.json`, of "mcp" and ".cursor"; not a leading `**` or `*`
 * directory followed by `x.json`, which says nothing of a directory that
 * any other would not share. */
static int run_below(const struct glob *g, const unsigned char *text, size_t len)
{
	struct states st;
	int fed;

	start(g, &st);
	if ((fed = feed(g, &st, text, len)) != 0)
		return fed > 0;
	if (st.cur[g->ntoks])
		return 1;
	if (!step(g, st.cur, st.next, '/'))
		return 0;
	for (size_t i = g->specific; i <= g->ntoks; i++)
		if (st.next[i])
			return 1;
	return 0;
}

/* `below`: whether a path below `path` would match (see run_below). A
 * pattern without a slash names one component of any path: below `path`
 * it matches only through one of path's own, as a parent directory. */
static int glob_match(const struct glob *g, const unsigned char *path, const unsigned char *lower,
                      size_t len, int below)
{
	size_t start = 0, end;

	/* Below a directory, the literal may lie in what is below. */
	if (!below && g->litlen && !has_literal(g, path, lower, len))
		return 0;
	if (!g->basename_only)
		return below ? run_below(g, path, len) : run(g, path, len, 1);
	while (start < len) {
		for (end = start; end < len && path[end] != '/'; end++)
			;
		if (run(g, path + start, end - start, !below && end == len))
			return 1;
		start = end + 1;
	}
	return 0;
}


/* The base letters of U+00C0..U+00FF; '\0' where there is none. */
static const char latin1_base[] =
	"aaaaaaaceeeeiiii" "\0nooooo\0ouuuuy\0\0"
	"aaaaaaaceeeeiiii" "\0nooooo\0ouuuuy\0y";

/* The code point at s[0..len) (UTF-8), its length in *n; -1 if malformed. */
static long utf8_next(const unsigned char *s, size_t len, size_t *n)
{
	long cp;
	size_t need, i;

	if (s[0] < 0x80) {
		*n = 1;
		return s[0];
	}
	need = s[0] >= 0xf0 ? 3 : s[0] >= 0xe0 ? 2 : s[0] >= 0xc0 ? 1 : 0;
	if (!need || need >= len)
		return -1;
	cp = s[0] & (0x3f >> need);
	for (i = 1; i <= need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	*n = need + 1;
	return cp;
}

/* What a code point becomes in a key: a letter, 0 to drop it, -1 to keep it. */
static int fold_code_point(long cp)
{
	if ((cp >= 0x200c && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x206a && cp <= 0x206f) || cp == 0xfeff || (cp >= 0x300 && cp <= 0x36f))
		return 0;
	if (cp == 0x17f)
		return 's';
	if (cp == 0x131)
		return 'i';
	if (cp == 0x212a)
		return 'k';
	if (cp >= 0xc0 && cp <= 0xff && latin1_base[cp - 0xc0])
		return latin1_base[cp - 0xc0];
	return -1;
}

/* Drops what NTFS ignores at the end of the component out[from..]. */
static void trim_ntfs(cg_buf *out, size_t from)
{
	char *colon;
	size_t end;

	if (out->size <= from)
		return; /* an empty component: nothing to trim */
	colon = memchr(out->ptr + from, ':', out->size - from);
	end = colon ? (size_t)(colon - out->ptr) : out->size;
	while (end > from + 1 && (out->ptr[end - 1] == '.' || out->ptr[end - 1] == ' ') &&
	       strspn(out->ptr + from, ".") != end - from)
		end--;
	cg_buf_truncate(out, end);
}

void cg_glob_fs_key(cg_buf *out, const char *path, int ntfs)
{
	const unsigned char *s = (const unsigned char *)path;
	size_t len = strlen(path), i = 0, n, component = out->size;

	while (i < len) {
		long cp = utf8_next(s + i, len - i, &n);
		int c = cp < 0 ? -1 : fold_code_point(cp);

		if (cp < 0)
			n = 1;
		if (s[i] == '/' && ntfs)
			trim_ntfs(out, component);
		if (c > 0)
			cg_buf_putc(out, (char)c);
		else if (c < 0)
			cg_buf_put(out, s + i, n);
		if (s[i] == '/')
			component = out->size;
		i += n;
	}
	if (ntfs)
		trim_ntfs(out, component);
	for (i = 0; i < out->size; i++)
		out->ptr[i] = (char)tolower((unsigned char)out->ptr[i]);
}

/* Whether cg_glob_fs_key may change `path` beyond ASCII case. */
static int may_fold(const char *path)
{
	for (const char *p = path; *p; p++)
		if ((unsigned char)*p >= 0x80 || *p == ':' ||
		    ((*p == '.' || *p == ' ') && (p[1] == '/' || !p[1])))
			return 1;
	return 0;
}

static int globs_match(const cg_globset *set, const char *path, int below)
{
	size_t len = strlen(path), i;
	unsigned char small[256], *lower = len < sizeof(small) ? small : cg_malloc(len + 1);
	int hit = 0;

	for (i = 0; i < len; i++)
		lower[i] = lower_ascii((unsigned char)path[i]);
	for (i = 0; i < set->nglobs && !hit; i++)
		hit = glob_match(&set->globs[i], (const unsigned char *)path, lower, len, below);
	if (lower != small)
		free(lower);
	return hit;
}

static int set_match(const cg_globset *set, const char *path, int below)
{
	cg_buf key = CG_BUF_INIT;
	int hit = globs_match(set, path, below);

	if (!hit && (set->flags & CG_GLOB_CASEFOLD) && may_fold(path)) {
		cg_glob_fs_key(&key, path, 1);
		hit = globs_match(set, key.ptr, below);
		cg_buf_dispose(&key);
	}
	return hit;
}

/* FNV-1a: a few instructions a byte, and paths differ in their last bytes. */
static uint64_t hash_path(const char *path)
{
	uint64_t h = 0xcbf29ce484222325u;

	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		h = (h ^ *p) * 0x100000001b3u;
	return h ^ h >> 32;
}

int cg_globset_match(const cg_globset *set, const char *path)
{
	uint64_t h;
	struct memo_slot *s;

	if (set->nglobs < MEMO_MIN_GLOBS)
		return set_match(set, path, 0);
	h = hash_path(path);
	if (!set->memo->slots)
		set->memo->slots = cg_calloc(MEMO_SLOTS, sizeof(*set->memo->slots));
	s = &set->memo->slots[h & (MEMO_SLOTS - 1)];
	if (s->path && s->hash == h && !strcmp(s->path, path))
		return s->hit;
	free(s->path);
	s->hash = h;
	s->path = cg_strdup(path);
	s->hit = set_match(set, path, 0);
	return s->hit;
}

int cg_globset_match_below(const cg_globset *set, const char *path)
{
	return set_match(set, path, 1);
}

size_t cg_globset_count(const cg_globset *set)
{
	return set->npatterns;
}

const char *cg_globset_pattern(const cg_globset *set, size_t i)
{
	return i < set->npatterns ? set->patterns[i] : NULL;
}

unsigned cg_globset_flags(const cg_globset *set)
{
	return set->flags;
}

void cg_globset_free(cg_globset *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->npatterns; i++)
		free(set->patterns[i]);
	for (size_t i = 0; i < set->nglobs; i++)
		glob_dispose(&set->globs[i]);
	free(set->patterns);
	free(set->globs);
	memo_forget(set->memo);
	free(set->memo);
	free(set);
}
