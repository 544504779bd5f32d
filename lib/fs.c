#include "fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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
