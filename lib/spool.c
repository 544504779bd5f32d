#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "buf.h"
#include "error.h"
#include "hash.h"

/* flock with a deadline, since a plain LOCK_EX could wait forever. */
static int lock_file(int fd, int timeout_ms)
{
	const struct timespec pause = { 0, 5 * 1000 * 1000 };
	int waited;

	for (waited = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; waited += 5) {
		if ((errno != EWOULDBLOCK && errno != EINTR) || waited >= timeout_ms)
			return -1;
		nanosleep(&pause, NULL);
	}
	return 0;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A new file's name survives a crash only once its directory is synced.
 * Best effort: the data itself is already synced. */
static void sync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? cg_strndup(path, slash == path ? 1 : (size_t)(slash - path)) :
		cg_strdup(".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

struct cg_spool {
	int fd;
	char *path;
	off_t start;  /* the file's size before the append */
};

int cg_spool_open(cg_spool **out, const char *path, int timeout_ms)
{
	int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	struct stat st;
	char last = '\n';
	cg_spool *s;

	*out = NULL;
	if (fd < 0)
		return cg_error_set(CG_ERROR, "cannot open '%s': %s", path, strerror(errno));
	if (lock_file(fd, timeout_ms) < 0 || fstat(fd, &st) < 0 ||
	    (st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) != 1)) {
		cg_error_set(CG_ERROR, "cannot lock '%s': %s", path, strerror(errno));
		close(fd);
		return CG_ERROR;
	}
	s = cg_calloc(1, sizeof(*s));
	s->fd = fd;
	s->path = cg_strdup(path);
	s->start = st.st_size;
	if (last != '\n' && cg_spool_write(s, "\n", 1) < 0)
		return cg_spool_close(s, CG_ERROR);
	*out = s;
	return 0;
}

int cg_spool_write(cg_spool *s, const char *data, size_t len)
{
	if (write_all(s->fd, data, len) < 0)
		return cg_error_set(CG_ERROR, "cannot write '%s': %s", s->path, strerror(errno));
	return 0;
}

int cg_spool_close(cg_spool *s, int error)
{
	if (error == 0 && fsync(s->fd) < 0)
		error = cg_error_set(CG_ERROR, "cannot write '%s': %s", s->path, strerror(errno));
	if (error < 0 && ftruncate(s->fd, s->start) < 0) {
		/* then the next append ends the partial line */
	} else if (error == 0 && s->start == 0) {
		sync_parent(s->path);
	}
	close(s->fd);
	free(s->path);
	free(s);
	return error;
}

int cg_spool_append(const char *path, const char *data, size_t len, int timeout_ms)
{
	cg_spool *s = NULL;
	int error = cg_spool_open(&s, path, timeout_ms);

	return error < 0 ? error : cg_spool_close(s, cg_spool_write(s, data, len));
}

/* Unique per line, so the database can tell which lines it has imported. */
void cg_spool_new_id(char out[33])
{
	static unsigned int counter;
	unsigned char seed[16];
	char hex[CG_SHA256_HEX_LEN + 1];
	struct timespec ts;
	cg_buf b = CG_BUF_INIT;

	if (getentropy(seed, sizeof(seed)) < 0)
		memset(seed, 0, sizeof(seed)); /* pid, clock and counter still differ */
	clock_gettime(CLOCK_REALTIME, &ts);
	cg_buf_printf(&b, "%ld %lld %ld %u ", (long)getpid(), (long long)ts.tv_sec,
	              ts.tv_nsec, counter++);
	cg_buf_put(&b, seed, sizeof(seed));
	cg_hash_sha256_hex(hex, b.ptr, b.size);
	memcpy(out, hex, 32);
	out[32] = '\0';
	cg_buf_dispose(&b);
}

