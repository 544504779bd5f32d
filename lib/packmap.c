#include "packmap.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"

#define MAPS "/proc/self/maps"
#define STATM "/proc/self/statm"

struct cg_packmap {
	size_t bound;  /* resident mapped files a tick drops past, bytes */
	size_t calls;  /* of cg_packmap_tick, in this process */
};

int cg_packmap_new(cg_packmap **out, size_t bound)
{
	*out = cg_calloc(1, sizeof(**out));
	(*out)->bound = bound;
	return 0;
}

void cg_packmap_free(cg_packmap *pm)
{
	free(pm);
}

/* "start-end perms offset dev inode   path": start, end hexadecimal. */
int cg_packmap_select(const char *line, uintptr_t *start, size_t *len)
{
	unsigned long long from, to;
	char *end;

	from = strtoull(line, &end, 16);
	if (*end != '-' || !isxdigit((unsigned char)end[1]))
		return 0;
	to = strtoull(end + 1, &end, 16);
	if (*end != ' ' || to <= from || strncmp(end + 1, "r--s ", 5))
		return 0;
	/* A path, after the offset, the device and the inode, none holding
	 * a '/'. Shared memory has one too (/dev/zero, /memfd:, /SYSV): its
	 * pages stay in its shmem object, so a drop loses nothing there
	 * either. */
	if (!strchr(end + 6, '/'))
		return 0;
	*start = (uintptr_t)from;
	*len = (size_t)(to - from);
	return 1;
}

int cg_packmap_drop(void)
{
	FILE *f = fopen(MAPS, "re");
	char *line = NULL;
	size_t cap = 0, len;
	uintptr_t start;
	int error = 0;

	if (!f)
		return cg_error_set(CG_ERROR, "cannot read " MAPS ": %s", strerror(errno));
	while (getline(&line, &cap, f) > 0)
		if (cg_packmap_select(line, &start, &len) &&
		    madvise((void *)start, len, MADV_DONTNEED) < 0)
			error = cg_error_set(CG_ERROR, "cannot let go of a mapped file's pages: %s",
			                     strerror(errno));
	if (ferror(f))
		error = cg_error_set(CG_ERROR, "cannot read " MAPS ": %s", strerror(errno));
	free(line);
	fclose(f);
	return error;
}

/* The process's resident pages of mapped files (and shared memory), in
 * bytes; 0 when unknown. */
static size_t resident_files(void)
{
	char buf[128];
	int fd = open(STATM, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	unsigned long size, resident, shared;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%lu %lu %lu", &size, &resident, &shared) != 3)
		return 0;
	return (size_t)shared * (size_t)sysconf(_SC_PAGESIZE);
}

int cg_packmap_tick(cg_packmap *pm)
{
	if (pm->calls++ % CG_PACKMAP_EVERY || resident_files() <= pm->bound)
		return 0;
	return cg_packmap_drop();
}
