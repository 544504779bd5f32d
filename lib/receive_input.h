/*
 * receive_input.h: the pre-receive hook's input, one line per ref update,
 * read and validated before anything else is done.
 */
#ifndef CG_RECEIVE_INPUT_H
#define CG_RECEIVE_INPUT_H

#include <stddef.h>
#include <stdio.h>

/* Object ids in hex: 40 digits for SHA-1, 64 for SHA-256. */
#define CG_RECEIVE_OID_MAX 64

/* Longest input line accepted: two SHA-256 ids, two spaces and a long refname. */
#define CG_RECEIVE_LINE_MAX 4096

/* One line of the hook's input: `<old-oid> <new-oid> <refname>`. */
typedef struct {
	char old_oid[CG_RECEIVE_OID_MAX + 1]; /* lowercase hex; all zeros: the ref is created */
	char new_oid[CG_RECEIVE_OID_MAX + 1]; /* all zeros: the ref is deleted */
	char *ref;                            /* full name, "refs/..." */
} cg_receive_update;

/* Parses one line (`len` bytes, without its newline). `lineno` (1-based)
 * names it in messages. Both ids have the same length (40 or 64), are
 * lowercase hex and not both zero; the refname is a valid "refs/..." name.
 * Returns 0 (the caller frees out->ref), or CG_EUSAGE with a message that
 * quotes the line escaped. */
int cg_receive_parse_line(cg_receive_update *out, const char *line, size_t len,
                          size_t lineno);

/* Reads every line of `in` until end of file. On success *out holds *n
 * updates (possibly none), freed with cg_receive_updates_free. A malformed
 * line or one longer than CG_RECEIVE_LINE_MAX is CG_EUSAGE; a read error
 * is CG_ERROR. */
int cg_receive_read(cg_receive_update **out, size_t *n, FILE *in);

void cg_receive_updates_free(cg_receive_update *updates, size_t n);

/* 1 when `hex` is the null id (all zeros) git uses for "no object". */
int cg_receive_oid_is_zero(const char *hex);

#endif
