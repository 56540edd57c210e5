/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv6 FIB: the shared multibit trie with 16-byte keys (see mtrie.h). */
#include <errno.h>
#include <stdlib.h>

#include <rte_errno.h>
#include <rte_prefetch.h>

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
	struct fib6 *fib = calloc(1, sizeof(*fib));
	int ret;

	if (fib == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	ret = mtrie_init(&fib->t, name, &mc);
	if (ret < 0) {
		free(fib);
		rte_errno = -ret;
		return NULL;
	}
	return fib;
}

void fib6_free(struct fib6 *fib)
{
	if (fib == NULL)
		return;
	mtrie_fini(&fib->t);
	free(fib);
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

void fib6_lookup_bulk(const struct fib6 *fib, const uint8_t (*ips)[FIB6_ADDR_LEN],
		      uint32_t *values, unsigned n)
{
	const struct mtrie *t = &fib->t;
	unsigned i;

	for (i = 0; i < n && i < 8; i++)
		rte_prefetch0(&t->root[mtrie_root_index(ips[i])]);
	for (i = 0; i < n; i++) {
		if (i + 8 < n)
			rte_prefetch0(&t->root[mtrie_root_index(ips[i + 8])]);
		values[i] = mtrie_lookup(t, ips[i]);
	}
}
