/* SPDX-License-Identifier: BSD-3-Clause */
/* The writer side of the multibit trie; see mtrie.h for the invariants. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>

#include "dataplane/fib/fib4.h" /* FIB_MISS, FIB_VALUE_MAX */
#include "dataplane/fib/mtrie.h"
#include "dataplane/table_mem.h"

#define ROOT_ENTRIES (1u << 24)
#define GROUP_SIZE   256u
#define ROOT_BITS    24u

struct rule_key {
	uint8_t key[MTRIE_KEY_MAX];
	uint8_t depth;
	uint8_t pad[3];
};

/* Tables: dataplane/table_mem.h. Both are populated at create: the root
 * because it is read before it is written; the groups (the configured
 * capacity, as rte_lpm6 reserves its tbl8s) so that a full-table load
 * neither waits on page faults nor finds memory short half way. */

static uint32_t *group_ptr(const struct mtrie *t, uint32_t g)
{
	return &t->groups[(size_t)g * GROUP_SIZE];
}

static void group_push_free(struct mtrie *t, uint32_t g)
{
	t->free_stack[t->n_free++] = g;
	t->groups_used--;
}

static void group_free_cb(void *p, void *e, unsigned n)
{
	struct mtrie *t = p;
	const uint32_t *g = e;

	for (unsigned i = 0; i < n; i++)
		group_push_free(t, g[i]);
}

static uint32_t groups_available(const struct mtrie *t)
{
	return t->n_groups - t->next_fresh + t->n_free;
}

/* Make sure `need` groups can be allocated, waiting out a grace period if
 * the only free ones are still in the defer queue. */
static int groups_reserve(struct mtrie *t, uint32_t need)
{
	if (groups_available(t) >= need)
		return 0;
	if (t->dq != NULL) {
		rte_rcu_qsbr_dq_reclaim(t->dq, UINT32_MAX, NULL, NULL, NULL);
		if (groups_available(t) < need) {
			rte_rcu_qsbr_synchronize(t->qsbr, RTE_QSBR_THRID_INVALID);
			rte_rcu_qsbr_dq_reclaim(t->dq, UINT32_MAX, NULL, NULL, NULL);
		}
	}
	return groups_available(t) >= need ? 0 : -ENOSPC;
}

static uint32_t group_alloc(struct mtrie *t)
{
	t->groups_used++;
	if (t->n_free > 0)
		return t->free_stack[--t->n_free];
	return t->next_fresh++;
}

static void group_release(struct mtrie *t, uint32_t g)
{
	if (t->dq == NULL) {
		group_push_free(t, g);
		return;
	}
	if (rte_rcu_qsbr_dq_enqueue(t->dq, &g) == 0)
		return;
	/* Queue full even after its own reclaim: wait for the readers. */
	rte_rcu_qsbr_synchronize(t->qsbr, RTE_QSBR_THRID_INVALID);
	rte_rcu_qsbr_dq_reclaim(t->dq, UINT32_MAX, NULL, NULL, NULL);
	group_push_free(t, g);
}

int mtrie_init(struct mtrie *t, const char *name, const struct mtrie_conf *conf)
{
	char hname[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = hname,
		.entries = conf->max_rules,
		.key_len = sizeof(struct rule_key),
		.hash_func = rte_hash_crc, /* one crc32 instruction per 8 bytes */
		.socket_id = conf->socket_id,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	memset(t, 0, sizeof(*t));
	if ((conf->key_len != 4 && conf->key_len != 16) || conf->max_rules == 0 ||
	    conf->n_groups == 0 || conf->n_groups > MTRIE_GROUP(UINT32_MAX))
		return -EINVAL;
	t->key_len = conf->key_len;
	t->max_depth = conf->key_len * 8;
	t->max_rules = conf->max_rules;
	t->n_groups = conf->n_groups;
	t->default_value = FIB_MISS;
	t->root_bytes = ROOT_ENTRIES * sizeof(uint32_t);
	t->groups_bytes = (size_t)conf->n_groups * GROUP_SIZE * sizeof(uint32_t);
	t->root = table_map(t->root_bytes, true);
	t->groups = table_map(t->groups_bytes, true);
	t->free_stack = calloc(conf->n_groups, sizeof(uint32_t));
	snprintf(hname, sizeof(hname), "r_%s", name);
	t->rules = rte_hash_create(&hp);
	if (t->root == NULL || t->groups == NULL || t->free_stack == NULL || t->rules == NULL)
		goto fail;
	if (conf->qsbr != NULL) {
		char dname[RTE_RCU_QSBR_DQ_NAMESIZE];
		struct rte_rcu_qsbr_dq_parameters dp = {
			.name = dname,
			.size = RTE_MIN(conf->n_groups, 1u << 16),
			.esize = sizeof(uint32_t),
			.trigger_reclaim_limit = 64,
			.max_reclaim_size = 1024,
			.free_fn = group_free_cb,
			.p = t,
			.v = conf->qsbr,
		};
		snprintf(dname, sizeof(dname), "d_%s", name);
		t->qsbr = conf->qsbr;
		t->dq = rte_rcu_qsbr_dq_create(&dp);
		if (t->dq == NULL)
			goto fail;
	}
	return 0;
fail:
	mtrie_fini(t);
	return -ENOMEM;
}

void mtrie_fini(struct mtrie *t)
{
	if (t->dq != NULL)
		rte_rcu_qsbr_dq_delete(t->dq);
	rte_hash_free(t->rules);
	free(t->free_stack);
	table_unmap(t->root, t->root_bytes);
	table_unmap(t->groups, t->groups_bytes);
	memset(t, 0, sizeof(*t));
}

struct mtrie *mtrie_create(const char *name, const struct mtrie_conf *conf)
{
	struct mtrie *t = calloc(1, sizeof(*t));
	int ret;

	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	ret = mtrie_init(t, name, conf);
	if (ret < 0) {
		free(t);
		rte_errno = -ret;
		return NULL;
	}
	return t;
}

void mtrie_destroy(struct mtrie *t)
{
	if (t == NULL)
		return;
	mtrie_fini(t);
	free(t);
}

static void rule_key_make(const struct mtrie *t, const uint8_t *key, uint8_t depth,
			  struct rule_key *rk)
{
	memset(rk, 0, sizeof(*rk));
	memcpy(rk->key, key, t->key_len);
	for (unsigned i = 0; i < t->key_len; i++) {
		unsigned lo = i * 8;
		if (depth <= lo)
			rk->key[i] = 0;
		else if (depth < lo + 8)
			rk->key[i] &= (uint8_t)(0xff << (lo + 8 - depth));
	}
	rk->depth = depth;
}

static int rule_find(const struct mtrie *t, const struct rule_key *rk, uint32_t *value)
{
	void *data;

	if (rte_hash_lookup_data(t->rules, rk, &data) < 0)
		return -ENOENT;
	*value = (uint32_t)(uintptr_t)data;
	return 0;
}

static void store(uint32_t *slot, uint32_t e)
{
	__atomic_store_n(slot, e, __ATOMIC_RELEASE);
}

/* Entries [first, first+n) of tbl now belong to a route of depth d unless a
 * longer route owns them; children are walked, never replaced. */
static void fill(struct mtrie *t, uint32_t *tbl, uint32_t first, uint32_t n, uint32_t e, uint8_t d)
{
	for (uint32_t i = first; i < first + n; i++) {
		uint32_t cur = tbl[i];

		if (cur & MTRIE_EXT)
			fill(t, group_ptr(t, MTRIE_GROUP(cur)), 0, GROUP_SIZE, e, d);
		else if (!(cur & MTRIE_VALID) || MTRIE_DEPTH(cur) <= d)
			store(&tbl[i], e);
	}
}

/* A group whose entries are all the same route of depth <= the bits above
 * it says nothing its parent entry cannot: unlink it. */
static bool group_try_collapse(struct mtrie *t, uint32_t *slot, unsigned bits_above)
{
	uint32_t g = MTRIE_GROUP(*slot);
	const uint32_t *grp = group_ptr(t, g);
	uint32_t e0 = grp[0];

	if ((e0 & MTRIE_EXT) || ((e0 & MTRIE_VALID) && MTRIE_DEPTH(e0) > bits_above))
		return false;
	/* All 256 the same: each equal to the next, one (vectorised) memcmp
	 * of the group against itself shifted by an entry. A withdrawn table
	 * scans many groups to the end. */
	if (memcmp(grp, grp + 1, (GROUP_SIZE - 1) * sizeof(*grp)) != 0)
		return false;
	store(slot, e0);
	group_release(t, g);
	return true;
}

/* Entries of a deleted route of depth d become `repl` (its parent route,
 * or invalid); emptied child groups are collapsed on the way back up. */
static void clear(struct mtrie *t, uint32_t *tbl, uint32_t first, uint32_t n, uint32_t repl,
		  uint8_t d, unsigned bits)
{
	for (uint32_t i = first; i < first + n; i++) {
		uint32_t cur = tbl[i];

		if (cur & MTRIE_EXT) {
			clear(t, group_ptr(t, MTRIE_GROUP(cur)), 0, GROUP_SIZE, repl, d, bits + 8);
			group_try_collapse(t, &tbl[i], bits);
		} else if ((cur & MTRIE_VALID) && MTRIE_DEPTH(cur) == d) {
			store(&tbl[i], repl);
		}
	}
}

/* Walk (and for an add, build) the path to the table that holds depth d.
 * path[] collects the ext slots passed, for collapsing after a delete. */
static uint32_t *descend(struct mtrie *t, const uint8_t *key, uint8_t d, bool build, uint32_t *idx,
			 unsigned *bits, uint32_t **path, unsigned *depth_of_path)
{
	uint32_t *tbl = t->root;
	unsigned b = ROOT_BITS, byte = 3, np = 0;
	uint32_t i = mtrie_root_index(key);

	while (d > b) {
		uint32_t *slot = &tbl[i];
		uint32_t e = *slot;

		if (!(e & MTRIE_EXT)) {
			if (!build)
				return NULL;
			uint32_t g = group_alloc(t);
			uint32_t *grp = group_ptr(t, g);
			for (unsigned k = 0; k < GROUP_SIZE; k++)
				grp[k] = e;
			store(slot, MTRIE_EXT | g);
			e = MTRIE_EXT | g;
		}
		if (path != NULL)
			path[np++] = slot;
		tbl = group_ptr(t, MTRIE_GROUP(e));
		i = key[byte++];
		b += 8;
	}
	*idx = i;
	*bits = b;
	if (depth_of_path != NULL)
		*depth_of_path = np;
	return tbl;
}

static int default_set(struct mtrie *t, uint32_t value, bool add)
{
	bool had = t->default_value != FIB_MISS;

	if (!add && !had)
		return -ENOENT;
	if (add && !had && t->n_rules >= t->max_rules)
		return -ENOSPC;
	t->n_rules += add ? !had : -1;
	__atomic_store_n(&t->default_value, add ? value : FIB_MISS, __ATOMIC_RELEASE);
	return 0;
}

int mtrie_add(struct mtrie *t, const uint8_t *key, uint8_t depth, uint32_t value)
{
	struct rule_key rk;
	uint32_t old, idx;
	unsigned bits;
	uint32_t *tbl;

	if (depth > t->max_depth || value > FIB_VALUE_MAX)
		return -EINVAL;
	if (depth == 0)
		return default_set(t, value, true);
	rule_key_make(t, key, depth, &rk);
	/* Reserve before touching the rules: a new route must not fail half
	 * way. Only when that fails is it worth asking whether p is a replace
	 * (which needs nothing); otherwise one hash operation does it all. */
	uint32_t need = depth > ROOT_BITS ? (depth - ROOT_BITS + 7) / 8 : 0;
	if ((t->n_rules >= t->max_rules || groups_reserve(t, need) < 0) &&
	    rule_find(t, &rk, &old) < 0)
		return -ENOSPC;
	int32_t before = rte_hash_count(t->rules);
	if (rte_hash_add_key_data(t->rules, &rk, (void *)(uintptr_t)value) < 0)
		return -ENOSPC;
	if (rte_hash_count(t->rules) != before) {
		t->n_rules++;
		t->depth_count[depth]++;
	}
	tbl = descend(t, rk.key, depth, true, &idx, &bits, NULL, NULL);
	fill(t, tbl, idx, 1u << (bits - depth), MTRIE_ENTRY(value, depth), depth);
	return 0;
}

/*
 * The parent of a route [first, first + n) of depth d in tbl, read from the
 * trie: its buddy [first ^ n, +n) lies in the same table (d is below the
 * table's first bit), and any route shorter than d covering one covers
 * both. So the first buddy entry that is neither a child group nor a route
 * longer than d is the longest route covering the buddy, hence the parent
 * (or none: invalid). Looks at a few entries; false when they do not tell.
 */
static bool parent_from_buddy(const uint32_t *tbl, uint32_t first, uint32_t n, uint8_t d,
			      uint32_t *out)
{
	const uint32_t *b = &tbl[first ^ n];

	for (uint32_t i = 0; i < n && i < 16; i++) {
		uint32_t e = b[i];
		if (e & MTRIE_EXT)
			continue;
		if (!(e & MTRIE_VALID)) {
			*out = 0;
			return true;
		}
		if (MTRIE_DEPTH(e) < d) {
			*out = e;
			return true;
		}
	}
	return false;
}

/* The longest remaining route strictly covering key/depth, as an entry. */
static uint32_t parent_entry(const struct mtrie *t, const uint8_t *key, uint8_t depth)
{
	for (int d = depth - 1; d > 0; d--) {
		struct rule_key rk;
		uint32_t v;

		if (t->depth_count[d] == 0)
			continue;
		rule_key_make(t, key, (uint8_t)d, &rk);
		if (rule_find(t, &rk, &v) == 0)
			return MTRIE_ENTRY(v, d);
	}
	return 0;
}

int mtrie_del(struct mtrie *t, const uint8_t *key, uint8_t depth)
{
	uint32_t *path[MTRIE_KEY_MAX];
	struct rule_key rk;
	unsigned bits, np;
	uint32_t v, idx;
	uint32_t *tbl;

	if (depth > t->max_depth)
		return -EINVAL;
	if (depth == 0)
		return default_set(t, 0, false);
	rule_key_make(t, key, depth, &rk);
	if (rule_find(t, &rk, &v) < 0)
		return -ENOENT;
	rte_hash_del_key(t->rules, &rk);
	t->n_rules--;
	t->depth_count[depth]--;

	tbl = descend(t, rk.key, depth, false, &idx, &bits, path, &np);
	if (tbl == NULL)
		rte_panic("mtrie: route %u/%u has no path\n", rk.key[0], depth);
	uint32_t n = 1u << (bits - depth), parent;
	if (!parent_from_buddy(tbl, idx, n, depth, &parent))
		parent = parent_entry(t, rk.key, depth);
	clear(t, tbl, idx, n, parent, depth, bits);
	/* path[i] is the slot at the level with ROOT_BITS + 8*i bits above it */
	while (np > 0) {
		np--;
		if (!group_try_collapse(t, path[np], ROOT_BITS + 8 * np))
			break;
	}
	return 0;
}

int mtrie_get(const struct mtrie *t, const uint8_t *key, uint8_t depth, uint32_t *value)
{
	struct rule_key rk;

	if (depth > t->max_depth)
		return -EINVAL;
	if (depth == 0) {
		if (t->default_value == FIB_MISS)
			return -ENOENT;
		*value = t->default_value;
		return 0;
	}
	rule_key_make(t, key, depth, &rk);
	return rule_find(t, &rk, value);
}

size_t mtrie_memory(const struct mtrie *t)
{
	/* root + groups in use + the rule hash (key, bucket slot, data) */
	return t->root_bytes + (size_t)t->groups_used * GROUP_SIZE * sizeof(uint32_t) +
	       (size_t)t->max_rules * (sizeof(struct rule_key) + 16);
}
