#include "receive_input.h"

#include <git2.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "output.h"

static int is_lower_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int cg_receive_oid_is_zero(const char *hex)
{
	return hex[0] != '\0' && hex[strspn(hex, "0")] == '\0';
}

static int malformed(const char *line, size_t len, size_t lineno, const char *why)
{
	cg_buf esc = CG_BUF_INIT;
	char *copy = cg_strndup(line, len < 200 ? len : 200);

	cg_output_escape(&esc, copy, 0);
	cg_error_set(CG_EUSAGE, "malformed input line %zu '%s%s': %s", lineno, esc.ptr,
	             len > 200 ? "..." : "", why);
	cg_buf_dispose(&esc);
	free(copy);
	return CG_EUSAGE;
}

static int valid_refname(const char *ref)
{
	int valid = 0;

	return !strncmp(ref, "refs/", 5) && git_reference_name_is_valid(&valid, ref) == 0 && valid;
}

int cg_receive_parse_line(cg_receive_update *out, const char *line, size_t len,
                          size_t lineno)
{
	const char *old = line, *new, *ref;
	size_t hexlen;

	memset(out, 0, sizeof(*out));
	if (memchr(line, '\0', len))
		return malformed(line, len, lineno, "it contains a NUL byte");
	if (!(new = memchr(line, ' ', len)) || !(ref = memchr(new + 1, ' ', len - (size_t)(new + 1 - line))))
		return malformed(line, len, lineno, "expected '<old-oid> <new-oid> <refname>'");
	new++;
	ref++;
	hexlen = (size_t)(new - 1 - old);
	if ((hexlen != 40 && hexlen != 64) || (size_t)(ref - 1 - new) != hexlen)
		return malformed(line, len, lineno,
		                 "the object ids must both have 40 (SHA-1) or 64 (SHA-256) hex digits");
	if (!is_lower_hex(old, hexlen) || !is_lower_hex(new, hexlen))
		return malformed(line, len, lineno, "an object id is not lowercase hex");
	memcpy(out->old_oid, old, hexlen);
	memcpy(out->new_oid, new, hexlen);
	if (cg_receive_oid_is_zero(out->old_oid) && cg_receive_oid_is_zero(out->new_oid))
		return malformed(line, len, lineno, "both object ids are zero");
	out->ref = cg_strndup(ref, len - (size_t)(ref - line));
	if (!valid_refname(out->ref)) {
		free(out->ref);
		out->ref = NULL;
		return malformed(line, len, lineno, "the refname is not a valid 'refs/...' name");
	}
	return 0;
}

/* 1 with a line in `line` (newline removed), 0 at the end of input. */
static int read_line(cg_buf *line, FILE *in, size_t lineno)
{
	int c;

	cg_buf_clear(line);
	while ((c = getc(in)) != EOF && c != '\n') {
		if (line->size >= CG_RECEIVE_LINE_MAX)
			return cg_error_set(CG_EUSAGE, "input line %zu is longer than %d bytes",
			                    lineno, CG_RECEIVE_LINE_MAX);
		cg_buf_putc(line, (char)c);
	}
	if (ferror(in))
		return cg_error_set(CG_ERROR, "cannot read the standard input");
	return c != EOF || line->size > 0;
}

int cg_receive_read(cg_receive_update **out, size_t *n, FILE *in)
{
	cg_receive_update *u = NULL;
	cg_buf line = CG_BUF_INIT;
	size_t alloc = 0, count = 0, lineno = 0;
	int error;

	while ((error = read_line(&line, in, ++lineno)) > 0) {
		u = cg_array_grow(u, &alloc, count + 1, sizeof(*u));
		if ((error = cg_receive_parse_line(&u[count], line.ptr, line.size, lineno)) < 0)
			break;
		count++;
	}
	cg_buf_dispose(&line);
	if (error < 0) {
		cg_receive_updates_free(u, count);
		u = NULL;
		count = 0;
	}
	*out = u;
	*n = count;
	return error < 0 ? error : 0;
}

void cg_receive_updates_free(cg_receive_update *updates, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(updates[i].ref);
	free(updates);
}
