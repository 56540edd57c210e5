/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 FIB: the shared multibit trie with 4-byte keys, which is DIR-24-8
 * (a 2^24 root and one 256-entry group per prefix longer than /24), with
 * groups reused only after a QSBR grace period.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "dataplane/fib/fib4.h"
#include "dataplane/fib/mtrie.h"

static void key4(uint32_t ip, uint8_t key[4])
{
	uint32_t be = rte_cpu_to_be_32(ip);
	memcpy(key, &be, 4);
}

struct fib4 *fib4_create(const char *name, const struct fib4_conf *conf)
{
	struct mtrie_conf mc = {
		.key_len = 4,
		.max_rules = conf->max_routes,
		.n_groups = conf->n_tbl8,
		.socket_id = conf->socket_id,
		.qsbr = conf->qsbr,
	};
	struct mtrie *t = mtrie_create(name, &mc);

	return t == NULL ? NULL : container_of(t, struct fib4, t);
}

void fib4_free(struct fib4 *fib)
{
	if (fib != NULL)
		mtrie_destroy(&fib->t);
}

int fib4_add(struct fib4 *fib, uint32_t ip, uint8_t depth, uint32_t value)
{
	uint8_t k[4];

	key4(ip, k);
	return mtrie_add(&fib->t, k, depth, value);
}

int fib4_del(struct fib4 *fib, uint32_t ip, uint8_t depth)
{
	uint8_t k[4];

	key4(ip, k);
	return mtrie_del(&fib->t, k, depth);
}

int fib4_get(const struct fib4 *fib, uint32_t ip, uint8_t depth, uint32_t *value)
{
	uint8_t k[4];

	key4(ip, k);
	return mtrie_get(&fib->t, k, depth, value);
}

uint32_t fib4_count(const struct fib4 *fib)
{
	return fib->t.n_rules;
}

size_t fib4_memory(const struct fib4 *fib)
{
	return mtrie_memory(&fib->t);
}
