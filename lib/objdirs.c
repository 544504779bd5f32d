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
