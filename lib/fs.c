#include "fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"

int cg_fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	const char *slash = strrchr(path, '/');
	cg_buf tmp = CG_BUF_INIT;
	int fd, error = 0;

	cg_buf_printf(&tmp, "%.*s.%s.changeguard-new", slash ? (int)(slash - path + 1) : 0, path,
	              slash ? slash + 1 : path);
	unlink(tmp.ptr);
	fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_EXCL, 0666);
	if (fd < 0 || (mode && fchmod(fd, mode & 07777) < 0) ||
	    write(fd, data, len) != (ssize_t)len)
		error = cg_error_set(CG_ERROR, "cannot write '%s': %s", tmp.ptr, strerror(errno));
	if (fd >= 0 && close(fd) < 0 && !error)
		error = cg_error_set(CG_ERROR, "cannot write '%s': %s", tmp.ptr, strerror(errno));
	if (!error && rename(tmp.ptr, path) < 0)
		error = cg_error_set(CG_ERROR, "cannot write '%s': %s", path, strerror(errno));
	if (error)
		unlink(tmp.ptr);
	cg_buf_dispose(&tmp);
	return error;
}

/* "16 MiB" rather than 16777216 bytes, when it is a whole number of them. */
static void put_size(cg_buf *out, size_t n)
{
	if (n && n % (1024 * 1024) == 0)
		cg_buf_printf(out, "%zu MiB", n / (1024 * 1024));
	else if (n && n % 1024 == 0)
		cg_buf_printf(out, "%zu KiB", n / 1024);
	else
		cg_buf_printf(out, "%zu bytes", n);
}

/* Reads up to `cap` bytes; *longer says whether the file goes on. */
static int read_capped(cg_buf *out, const char *path, size_t cap, int *longer)
{
	char chunk[65536];
	FILE *fp;
	size_t n, want, got = 0;
	int error = 0, err;

	*longer = 0;
	if (!(fp = fopen(path, "rb"))) {
		err = errno;
		return cg_error_set(err == ENOENT ? CG_ENOTFOUND : CG_ERROR, "cannot read '%s': %s",
		                    path, strerror(err));
	}
	do {
		want = cap - got < sizeof(chunk) ? cap - got : sizeof(chunk);
		n = want ? fread(chunk, 1, want, fp) : 0;
		cg_buf_put(out, chunk, n);
		got += n;
	} while (n > 0 && got < cap);
	/* one byte more tells a file of exactly `cap` bytes from a longer one */
	if (!ferror(fp) && got == cap)
		*longer = fgetc(fp) != EOF;
	if (ferror(fp))
		error = cg_error_set(CG_ERROR, "cannot read '%s': %s", path, strerror(errno));
	fclose(fp);
	return error;
}

int cg_fs_read(cg_buf *out, const char *path, size_t cap)
{
	cg_buf size = CG_BUF_INIT;
	int longer, error = read_capped(out, path, cap, &longer);

	if (error == 0 && longer) {
		put_size(&size, cap);
		error = cg_error_set(CG_ELIMIT, "'%s' is larger than %s", path, size.ptr);
		cg_buf_dispose(&size);
	}
	return error;
}

int cg_fs_read_head(cg_buf *out, const char *path, size_t cap)
{
	int longer;

	return read_capped(out, path, cap, &longer);
}

static int make_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0777) == 0 ||
	    (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode)))
		return 0;
	if (errno == EEXIST)
		errno = ENOTDIR;
	return -1;
}

int cg_fs_mkdir_p(const char *dir, const char *why)
{
	char *copy, *p, saved;
	struct stat st;
	int error = 0;

	/* Every recording hook asks for its audit directory, which is there:
	 * one stat, not a mkdir and a stat for each component of its path. */
	if (!*dir || (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)))
		return 0;
	copy = cg_strdup(dir);
	for (p = copy + 1; error == 0; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		saved = *p;
		*p = '\0';
		if (make_dir(copy) < 0)
			error = cg_error_set(CG_ERROR, "cannot create directory '%s'%s%s: %s", copy,
			                     why ? " " : "", why ? why : "", strerror(errno));
		*p = saved;
		if (!saved)
			break;
	}
	free(copy);
	return error;
}

void cg_fs_git_prefix(cg_buf *out, const char *workdir)
{
	const char *env = getenv("GIT_PREFIX");
	char *cwd, *top;
	size_t n;

	cg_buf_clear(out);
	if (env) {
		cg_buf_puts(out, env);
		if (out->size && out->ptr[out->size - 1] != '/')
			cg_buf_putc(out, '/');
		return;
	}
	cwd = realpath(".", NULL);
	top = workdir ? realpath(workdir, NULL) : NULL;
	n = top ? strlen(top) : 0;
	if (cwd && top && !strncmp(cwd, top, n) && cwd[n] == '/')
		cg_buf_printf(out, "%s/", cwd + n + 1);
	free(cwd);
	free(top);
}

/* The length of `s`'s first component, up to a '/' or the end. */
static size_t component(const char *s)
{
	const char *slash = strchr(s, '/');
	return slash ? (size_t)(slash - s) : strlen(s);
}

void cg_fs_relative(cg_buf *out, const char *prefix, const char *path)
{
	size_t start = out->size, n;

	/* Skip the directories both share, then climb out of the rest. */
	while (*prefix && (n = component(prefix)) == component(path) && !strncmp(prefix, path, n)) {
		prefix += n + 1;
		path += n + (path[n] == '/');
	}
	for (; *prefix; prefix += component(prefix) + (prefix[component(prefix)] == '/'))
		cg_buf_puts(out, "../");
	cg_buf_puts(out, path);
	if (out->size > start && out->ptr[out->size - 1] == '/')
		cg_buf_truncate(out, out->size - 1);
	if (out->size == start)
		cg_buf_putc(out, '.');
}
