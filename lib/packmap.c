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
#include "objdirs.h"

#define MAPS "/proc/self/maps"
#define STATM "/proc/self/statm"

struct cg_packmap {
	char **dirs;   /* watched, without a final '/' */
	size_t ndirs;
	size_t calls;      /* of cg_packmap_tick, in this process */
	size_t dropped_at; /* calls when a tick dropped last; 0: never */
	size_t bound;      /* resident mapped files a tick drops past, bytes */
};

void cg_packmap_watch(cg_packmap *pm, const char *dir)
{
	size_t len = strlen(dir);

	while (len > 1 && dir[len - 1] == '/')
		len--;
	pm->dirs = cg_realloc(pm->dirs, (pm->ndirs + 1) * sizeof(*pm->dirs));
	pm->dirs[pm->ndirs] = cg_malloc(len + 1);
	memcpy(pm->dirs[pm->ndirs], dir, len);
	pm->dirs[pm->ndirs++][len] = '\0';
}

static int watch(const char *dir, void *payload)
{
	cg_packmap_watch(payload, dir);
	return 0;
}

int cg_packmap_new(cg_packmap **out, git_repository *repo)
{
	cg_packmap *pm = cg_calloc(1, sizeof(*pm));

	pm->bound = CG_PACKMAP_BOUND;
	if (repo)
		cg_objdirs_each(repo, watch, pm);
	*out = pm;
	return 0;
}

void cg_packmap_free(cg_packmap *pm)
{
	if (!pm)
		return;
	while (pm->ndirs)
		free(pm->dirs[--pm->ndirs]);
	free(pm->dirs);
	free(pm);
}

static int watched(const cg_packmap *pm, const char *path)
{
	size_t i, n;

	for (i = 0; i < pm->ndirs; i++) {
		n = strlen(pm->dirs[i]);
		if (!strncmp(path, pm->dirs[i], n) && path[n] == '/')
			return 1;
	}
	return 0;
}

/* A .pack, not its .idx: every object lookup reads the index, so its
 * pages are the first read again after a drop, and it is about 3% of the
 * pack's size. Dropping it too cost about 15% more CPU on a hook run of
 * 80,000 commits, where a minor fault takes some 40 us (docs/benchmarks.md). */
static int is_pack(const char *path)
{
	size_t n = strcspn(path, "\n");

	if (n > 10 && !strncmp(path + n - 10, " (deleted)", 10))
		n -= 10;
	return n > 5 && !strncmp(path + n - 5, ".pack", 5);
}

/* "start-end perms offset dev inode   path": start, end hexadecimal. */
int cg_packmap_select(const cg_packmap *pm, const char *line, uintptr_t *start, size_t *len)
{
	unsigned long long from, to;
	const char *p;
	char *end;

	from = strtoull(line, &end, 16);
	if (*end != '-' || !isxdigit((unsigned char)end[1]))
		return 0;
	to = strtoull(end + 1, &end, 16);
	if (*end != ' ' || to <= from || strncmp(end + 1, "r--s ", 5))
		return 0;
	/* After the offset, the device and the inode, none holding a '/'. */
	p = strchr(end + 6, '/');
	if (!p || !watched(pm, p) || !is_pack(p))
		return 0;
	*start = (uintptr_t)from;
	*len = (size_t)(to - from);
	return 1;
}

int cg_packmap_drop(cg_packmap *pm)
{
	FILE *f = fopen(MAPS, "re");
	char *line = NULL;
	size_t cap = 0, len;
	uintptr_t start;
	int error = 0;

	if (!f)
		return cg_error_set(CG_ERROR, "cannot read " MAPS ": %s", strerror(errno));
	while (getline(&line, &cap, f) > 0)
		if (cg_packmap_select(pm, line, &start, &len) &&
		    madvise((void *)start, len, MADV_DONTNEED) < 0)
			error = cg_error_set(CG_ERROR, "cannot let go of a pack's pages: %s",
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
	size_t resident;

	if (pm->calls++ % CG_PACKMAP_EVERY || (resident = resident_files()) <= pm->bound)
		return 0;
	/* What the checks read again between two drops this close is more
	 * than the bound: a drop every few hundred commits cost 30% more CPU
	 * on 160,000 commits. */
	if (pm->dropped_at && pm->calls - pm->dropped_at < CG_PACKMAP_SPACING) {
		pm->bound *= 2;
		if (resident <= pm->bound)
			return 0;
	}
	pm->dropped_at = pm->calls;
	return cg_packmap_drop(pm);
}
