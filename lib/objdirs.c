#include "objdirs.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"

#define ALTERNATES "GIT_ALTERNATE_OBJECT_DIRECTORIES"

/* Reads one C-quoted string from its opening quote, as git's
 * unquote_c_style does; *p is left after the closing quote. */
static int unquote_c(cg_buf *out, const char **p)
{
	static const char from[] = "abfnrtv\"\\", to[] = "\a\b\f\n\r\t\v\"\\";
	const char *s = *p + 1, *q;

	while (*s && *s != '"') {
		if (*s != '\\') {
			cg_buf_putc(out, *s++);
		} else if (s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		           s[3] >= '0' && s[3] <= '7') {
			int c = (s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0');
			if (!c)
				return -1;
			cg_buf_putc(out, (char)c);
			s += 4;
		} else if (s[1] && (q = strchr(from, s[1])) != NULL) {
			cg_buf_putc(out, to[q - from]);
			s += 2;
		} else {
			return -1;
		}
	}
	if (*s != '"')
		return -1;
	*p = s + 1;
	return 0;
}

int cg_objdirs_each_alternate(int (*fn)(const char *dir, int quoted, void *payload),
                              void *payload)
{
	const char *env = getenv(ALTERNATES), *p = env;
	cg_buf dir = CG_BUF_INIT;
	int error = 0;

	while (p && *p && !error) {
		int quoted = *p == '"';
		cg_buf_clear(&dir);
		if (!quoted) {
			size_t n = strcspn(p, ":");
			cg_buf_put(&dir, p, n);
			p += n;
		} else if (unquote_c(&dir, &p) < 0 || (*p && *p != ':')) {
			error = cg_error_set(CG_ERROR, "cannot parse " ALTERNATES " '%s': bad quoting", env);
			break;
		}
		if (dir.size)
			error = fn(dir.ptr, quoted, payload);
		if (*p == ':')
			p++;
	}
	cg_buf_dispose(&dir);
	return error;
}

/* The directories given to the callback so far, resolved. */
typedef struct {
	void (*fn)(const char *dir, void *payload);
	void *payload;
	char **seen;
	size_t nseen;
} each_dir;

static void visit(each_dir *d, const char *dir)
{
	char *real = realpath(dir, NULL);
	size_t i;

	for (i = 0; real && i < d->nseen; i++)
		if (!strcmp(d->seen[i], real))
			break;
	if (!real || i < d->nseen) {
		free(real);
		return;
	}
	d->seen = cg_realloc(d->seen, (d->nseen + 1) * sizeof(*d->seen));
	d->seen[d->nseen++] = real;
	d->fn(real, d->payload);
}

static int visit_alternate(const char *dir, int quoted, void *payload)
{
	(void)quoted;
	visit(payload, dir);
	return 0;
}

void cg_objdirs_each(git_repository *repo, void (*fn)(const char *dir, void *payload),
                     void *payload)
{
	const char *env = getenv("GIT_OBJECT_DIRECTORY");
	const char *common = git_repository_commondir(repo); /* NULL: in memory */
	each_dir d = { fn, payload, NULL, 0 };
	cg_buf dir = CG_BUF_INIT;

	if (env && *env)
		visit(&d, env);
	if (common) {
		cg_buf_printf(&dir, "%sobjects", common);
		visit(&d, dir.ptr);
	}
	if (cg_objdirs_each_alternate(visit_alternate, &d) < 0)
		cg_error_clear(); /* the directories before the bad quoting were visited */
	while (d.nseen)
		free(d.seen[--d.nseen]);
	free(d.seen);
	cg_buf_dispose(&dir);
}
