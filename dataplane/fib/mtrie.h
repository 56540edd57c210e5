/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A multibit trie for longest-prefix match, shared by fib4 and fib6:
 * a 2^24-entry root indexed by the first three bytes of the key, then
 * 256-entry groups, one per further byte (DIR-24-8 generalised to any key
 * length). Each entry is one 32-bit word:
 *
 *   bit 31 valid | bit 30 ext | bits 29..22 depth | bits 21..0 value
 *   ext entries: bit 30 set, bits 29..0 index of the child group
 *
 * Single writer, lock-free readers. Every change a reader can observe is
 * one aligned 32-bit store: a new group is filled before the entry that
 * points to it is published (release), so a lookup racing an update sees
 * the old answer or the new one. A group that a delete makes redundant is
 * unlinked with one store and reused only after a QSBR grace period.
 *
 * DPDK 22.11 has no such structure for IPv6 (rte_lpm6 and rte_fib6 free
 * groups at once), and rte_lpm's rule table is a linear array per depth,
 * which makes a 2M-route install quadratic; here the rules live in an
 * rte_hash, so add and delete cost O(depth) whatever the table size.
 */
#ifndef PEERFWD_MTRIE_H
#define PEERFWD_MTRIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <rte_common.h>
#include <rte_rcu_qsbr.h>

#define MTRIE_KEY_MAX 16

#define MTRIE_VALID	  0x80000000u
#define MTRIE_EXT	  0x40000000u
#define MTRIE_DEPTH(e)	  (((e) >> 22) & 0xffu)
#define MTRIE_VALUE(e)	  ((e)&0x3fffffu)
#define MTRIE_GROUP(e)	  ((e)&0x3fffffffu)
#define MTRIE_ENTRY(v, d) (MTRIE_VALID | ((uint32_t)(d) << 22) | (uint32_t)(v))

struct mtrie {
	/* read by workers */
	uint32_t *root;		/* 1 << 24 entries */
	uint32_t *groups;	/* n_groups * 256 entries */
	uint32_t default_value; /* FIB_MISS when there is no default route */
	uint8_t key_len;	/* bytes: 4 or 16 */

	/* writer only */
	uint8_t max_depth;
	uint32_t n_groups, next_fresh, n_free, groups_used;
	uint32_t *free_stack;
	uint32_t n_rules, max_rules;
	uint32_t depth_count[MTRIE_KEY_MAX * 8 + 1];
	struct rte_hash *rules;
	struct rte_rcu_qsbr *qsbr;
	struct rte_rcu_qsbr_dq *dq;
	size_t root_bytes, groups_bytes;
};

struct mtrie_conf {
	uint8_t key_len;
	uint32_t max_rules;
	uint32_t n_groups;
	int socket_id;
	struct rte_rcu_qsbr *qsbr;
};

/* Writer side: 0 or a negative errno. Keys are in network byte order. */
int mtrie_init(struct mtrie *t, const char *name, const struct mtrie_conf *conf);
void mtrie_fini(struct mtrie *t);
/* mtrie_init on a fresh allocation: NULL with rte_errno set on failure.
 * fib4 and fib6 are this with their key length. */
struct mtrie *mtrie_create(const char *name, const struct mtrie_conf *conf);
void mtrie_destroy(struct mtrie *t);
int mtrie_add(struct mtrie *t, const uint8_t *key, uint8_t depth, uint32_t value);
int mtrie_del(struct mtrie *t, const uint8_t *key, uint8_t depth);
int mtrie_get(const struct mtrie *t, const uint8_t *key, uint8_t depth, uint32_t *value);
size_t mtrie_memory(const struct mtrie *t);

static inline uint32_t mtrie_root_index(const uint8_t *key)
{
	return (uint32_t)key[0] << 16 | (uint32_t)key[1] << 8 | key[2];
}

/* A leaf entry's value, or def (the default route's) where it holds none. */
static inline uint32_t mtrie_value_or(uint32_t e, uint32_t def)
{
	return (e & MTRIE_VALID) ? MTRIE_VALUE(e) : def;
}

static inline uint32_t mtrie_resolve(const struct mtrie *t, uint32_t e)
{
	return mtrie_value_or(e, __atomic_load_n(&t->default_value, __ATOMIC_RELAXED));
}

/* Reader side: lock-free, never blocks. */
static inline uint32_t mtrie_lookup(const struct mtrie *t, const uint8_t *key)
{
	uint32_t e = __atomic_load_n(&t->root[mtrie_root_index(key)], __ATOMIC_ACQUIRE);
	unsigned b = 3;

	while (unlikely(e & MTRIE_EXT))
		e = __atomic_load_n(&t->groups[(size_t)MTRIE_GROUP(e) << 8 | key[b++]],
				    __ATOMIC_ACQUIRE);
	return mtrie_resolve(t, e);
}

#endif
