/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv6 FIB: the shared multibit trie with 16-byte keys (see mtrie.h). */

#include "dataplane/fib/fib6.h"
#include "dataplane/fib/mtrie.h"

struct fib6 {
	struct mtrie t;
};

struct fib6 *fib6_create(const char *name, const struct fib6_conf *conf)
{
	struct mtrie_conf mc = {
		.key_len = FIB6_ADDR_LEN,
		.max_rules = conf->max_routes,
		.n_groups = conf->n_groups,
		.socket_id = conf->socket_id,
		.qsbr = conf->qsbr,
	};
	struct mtrie *t = mtrie_create(name, &mc);

	return t == NULL ? NULL : container_of(t, struct fib6, t);
}

void fib6_free(struct fib6 *fib)
{
	if (fib != NULL)
		mtrie_destroy(&fib->t);
}

int fib6_add(struct fib6 *fib, const uint8_t ip[FIB6_ADDR_LEN], uint8_t depth, uint32_t value)
{
	return mtrie_add(&fib->t, ip, depth, value);
}

int fib6_del(struct fib6 *fib, const uint8_t ip[FIB6_ADDR_LEN], uint8_t depth)
{
	return mtrie_del(&fib->t, ip, depth);
}

int fib6_get(const struct fib6 *fib, const uint8_t ip[FIB6_ADDR_LEN], uint8_t depth,
	     uint32_t *value)
{
	return mtrie_get(&fib->t, ip, depth, value);
}

uint32_t fib6_count(const struct fib6 *fib)
{
	return fib->t.n_rules;
}

size_t fib6_memory(const struct fib6 *fib)
{
	return mtrie_memory(&fib->t);
}

uint32_t fib6_lookup(const struct fib6 *fib, const uint8_t ip[FIB6_ADDR_LEN])
{
	return mtrie_lookup(&fib->t, ip);
}

/*
 * Root entries for a chunk of addresses first (see fib4_lookup_bulk), then
 * the chunk descends in lockstep: every step consumes the next byte of
 * every address still on an ext entry, so the group loads of different
 * addresses are independent and their cache misses overlap.
 */
#define FIB6_CHUNK 32

static void lookup_chunk(const struct mtrie *t, const uint8_t (*ips)[FIB6_ADDR_LEN],
			 uint32_t *values, unsigned n)
{
	const uint32_t *root = t->root, *groups = t->groups;
	const uint32_t def = __atomic_load_n(&t->default_value, __ATOMIC_RELAXED);
	uint32_t pending = 0; /* bit i: values[i] is an ext entry */
	unsigned i;

	for (i = 0; i < n; i++) {
		values[i] = __atomic_load_n(&root[mtrie_root_index(ips[i])], __ATOMIC_RELAXED);
		pending |= (uint32_t) !!(values[i] & MTRIE_EXT) << i;
	}
	for (unsigned byte = 3; pending != 0 && byte < FIB6_ADDR_LEN; byte++) {
		uint32_t next = 0;
		for (uint32_t p = pending; p != 0; p &= p - 1) {
			i = (unsigned)__builtin_ctz(p);
			uint32_t e = __atomic_load_n(
				&groups[(size_t)MTRIE_GROUP(values[i]) << 8 | ips[i][byte]],
				__ATOMIC_RELAXED);
			values[i] = e;
			next |= (uint32_t) !!(e & MTRIE_EXT) << i;
		}
		pending = next;
	}
	for (i = 0; i < n; i++)
		values[i] = (values[i] & MTRIE_VALID) ? MTRIE_VALUE(values[i]) : def;
}

void fib6_lookup_bulk(const struct fib6 *fib, const uint8_t (*ips)[FIB6_ADDR_LEN], uint32_t *values,
		      unsigned n)
{
	while (n > 0) {
		unsigned k = n < FIB6_CHUNK ? n : FIB6_CHUNK;
		lookup_chunk(&fib->t, ips, values, k);
		ips += k;
		values += k;
		n -= k;
	}
}
