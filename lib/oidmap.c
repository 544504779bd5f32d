#include "oidmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Open addressing with linear probing, kept at most half full. A slot is
 * the id and its value plus one, 0 in a free slot: 24 bytes, where a
 * size_t value and a flag made 40 (a push's maps hold one per commit). */
typedef struct {
	git_oid oid;
	uint32_t value1;
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

	while (map->slots[i].value1 && !git_oid_equal(&map->slots[i].oid, oid))
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
		if (old[i].value1)
			*find(map, &old[i].oid) = old[i];
	free(old);
}

void cg_oidmap_put(cg_oidmap *map, const git_oid *oid, size_t value)
{
	slot *s;

	if (2 * (map->count + 1) > map->size)
		grow(map);
	if (value >= UINT32_MAX)
		abort(); /* a caller's bug: see oidmap.h */
	s = find(map, oid);
	if (!s->value1) {
		git_oid_cpy(&s->oid, oid);
		map->count++;
	}
	s->value1 = (uint32_t)value + 1;
}

int cg_oidmap_get(const cg_oidmap *map, const git_oid *oid, size_t *value)
{
	const slot *s = find(map, oid);

	if (s->value1 && value)
		*value = s->value1 - 1;
	return s->value1 != 0;
}

size_t cg_oidmap_count(const cg_oidmap *map)
{
	return map->count;
}
