#include "oidmap.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Open addressing with linear probing, kept at most half full. */
typedef struct {
	git_oid oid;
	size_t value;
	int used;
} slot;

struct cg_oidmap {
	slot *slots;
	size_t size, count; /* size: a power of two */
};

/* An object id is a hash already: its first bytes are as good as any. */
static size_t hash_of(const git_oid *oid)
{
	size_t h;

	memcpy(&h, oid->id, sizeof(h));
	return h;
}

static slot *find(const cg_oidmap *map, const git_oid *oid)
{
	size_t i = hash_of(oid) & (map->size - 1);

	while (map->slots[i].used && !git_oid_equal(&map->slots[i].oid, oid))
		i = (i + 1) & (map->size - 1);
	return &map->slots[i];
}

cg_oidmap *cg_oidmap_new(void)
{
	cg_oidmap *map = cg_calloc(1, sizeof(*map));

	map->size = 64;
	map->slots = cg_calloc(map->size, sizeof(*map->slots));
	return map;
}

void cg_oidmap_free(cg_oidmap *map)
{
	if (!map)
		return;
	free(map->slots);
	free(map);
}

static void grow(cg_oidmap *map)
{
	slot *old = map->slots;
	size_t i, n = map->size;

	map->size *= 2;
	map->slots = cg_calloc(map->size, sizeof(*map->slots));
	for (i = 0; i < n; i++)
		if (old[i].used)
			*find(map, &old[i].oid) = old[i];
	free(old);
}

void cg_oidmap_put(cg_oidmap *map, const git_oid *oid, size_t value)
{
	slot *s;

	if (2 * (map->count + 1) > map->size)
		grow(map);
	s = find(map, oid);
	if (!s->used) {
		git_oid_cpy(&s->oid, oid);
		s->used = 1;
		map->count++;
	}
	s->value = value;
}

int cg_oidmap_get(const cg_oidmap *map, const git_oid *oid, size_t *value)
{
	const slot *s = find(map, oid);

	if (s->used && value)
		*value = s->value;
	return s->used;
}

size_t cg_oidmap_count(const cg_oidmap *map)
{
	return map->count;
}
