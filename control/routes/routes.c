/* SPDX-License-Identifier: BSD-3-Clause */
/* Keeps the FIB equal to routes + registered + local prefixes; see routes.h. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_rcu_qsbr.h>

#include "control/routes/routes.h"
#include "dataplane/table_mem.h"

#define NO_DEST	 UINT32_MAX
#define NO_ENTRY UINT32_MAX

struct rentry {
	struct prefix p;
	uint16_t pg[ROUTE__SOURCES]; /* PG_NONE when the source has no route */
	uint32_t reg;		     /* registered slot when p itself is registered */
	uint32_t dest;		     /* programmed dest id, NO_DEST if none */
	uint32_t slot;		     /* its slot in the index */
	bool local;
	bool used;
};

/* A slot of the index: an entry position + 1 (0 free, SLOT_DELETED a
 * tombstone) and its key's hash, compared before the key. */
#define SLOT_DELETED UINT32_MAX

struct index_slot {
	uint32_t hash;
	uint32_t pos1;
};

/* Entry positions: never used ones first, then freed ones oldest first
 * (the order of rte_hash's free-slot ring, which routes_list shows). */
struct pos_pool {
	uint32_t max, next_fresh;
	uint32_t head, n_free; /* FIFO of freed positions in free[] */
	uint32_t *free;
};

struct reg_slot {
	bool used;
	struct prefix p;
	char customer[64];
	uint32_t entry;
};

struct pg_slot {
	uint32_t ref;
	unsigned n;
	uint16_t nh[PF_PG_MEMBERS];
};

/* Ids freed while a worker may still hold them: reused after a grace period. */
struct id_pool {
	uint32_t max, next_fresh, n_free, n_pending;
	uint32_t *free, *pending;
};

/* How many entries of a kind per prefix length of a family, and which
 * lengths have any: the searches over shorter lengths visit only those. */
struct len_count {
	uint32_t n[129];
	uint64_t any[3]; /* bit per length with n > 0 */
};

struct routes {
	struct fwd_tables *t;
	/* prefix -> position in entries[]: open addressing, linear probing.
	 * An entry knows its slot, so removing it takes no search. */
	struct index_slot *index;
	uint32_t n_slots; /* power of two, > max_entries / 0.7 */
	uint32_t n_used, n_deleted;
	struct pos_pool pos;
	struct rentry *entries;
	uint32_t n_entries, max_entries; /* n_entries: highest position + 1 */
	size_t entries_bytes;
	/* per family (0 v4, 1 v6) and length: how many entries / routes /
	 * registered prefixes, to skip empty lengths in the searches */
	struct len_count len_entries[2], len_routes[2], len_reg[2];
	uint32_t count[2];

	struct reg_slot *reg;	/* [PF_MAX_PREFIXES] */
	uint32_t n_reg, reg_hi; /* reg_hi: one past the highest used slot */
	/* used slots by (family, address, length): the registered prefixes
	 * inside a route are one run, found by binary search */
	uint32_t *reg_order;

	struct rte_hash *dest_index; /* dest word -> dest id */
	uint32_t *dest_ref;
	struct id_pool dest_ids;
	/* The last dest found or made: a table load gives most routes the same
	 * word, and this spares dest_index a lookup per route. */
	uint64_t last_w;
	uint32_t last_id;

	struct pg_slot *pg; /* [PF_MAX_PATHGROUPS] */
	struct id_pool pg_ids;
	uint16_t last_pg; /* the group routes_pathgroup_get returned last */
};

static int fam(const struct prefix *p)
{
	return p->addr.family == AF_INET6;
}

static unsigned maxlen(int f)
{
	return f ? 128 : 32;
}

static void len_add(struct len_count *c, unsigned len, int delta)
{
	c->n[len] += (uint32_t)delta;
	if (c->n[len] > 0)
		c->any[len / 64] |= 1ull << (len % 64);
	else
		c->any[len / 64] &= ~(1ull << (len % 64));
}

/* The longest length below len with entries, -1 if none. */
static int len_below(const struct len_count *c, int len)
{
	for (int w = (len - 1) / 64; len > 0 && w >= 0; w--) {
		uint64_t m = c->any[w];
		if (w == (len - 1) / 64 && (len - 1) % 64 != 63)
			m &= (1ull << ((len - 1) % 64 + 1)) - 1;
		if (m != 0)
			return w * 64 + 63 - __builtin_clzll(m);
	}
	return -1;
}

/* Some length above len has entries. */
static bool len_any_above(const struct len_count *c, unsigned len)
{
	for (unsigned w = len / 64; w < 3; w++) {
		uint64_t m = c->any[w];
		if (w == len / 64)
			m &= len % 64 == 63 ? 0 : ~0ull << (len % 64 + 1);
		if (m != 0)
			return true;
	}
	return false;
}

/* CRC32-C (one instruction per word) over the key: all 16 address octets,
 * family and length. */
static uint32_t prefix_hash(const struct prefix *p)
{
	uint64_t hi, lo;

	memcpy(&hi, p->addr.bytes, 8);
	memcpy(&lo, p->addr.bytes + 8, 8);
	return rte_hash_crc_8byte(lo,
				  rte_hash_crc_8byte(hi, (uint32_t)p->addr.family << 8 | p->len));
}

static bool prefix_same(const struct prefix *a, const struct prefix *b)
{
	return a->addr.family == b->addr.family && a->len == b->len &&
	       memcmp(a->addr.bytes, b->addr.bytes, sizeof(a->addr.bytes)) == 0;
}

static int pool_init(struct id_pool *p, uint32_t max)
{
	p->max = max;
	p->free = calloc(max, sizeof(uint32_t));
	p->pending = calloc(max, sizeof(uint32_t));
	return p->free && p->pending ? 0 : -ENOMEM;
}

static void pool_fini(struct id_pool *p)
{
	free(p->free);
	free(p->pending);
}

static int pool_get(struct id_pool *p, struct rte_rcu_qsbr *qsbr, uint32_t *id)
{
	if (p->n_free == 0 && p->next_fresh == p->max && p->n_pending > 0) {
		rte_rcu_qsbr_synchronize(qsbr, RTE_QSBR_THRID_INVALID);
		memcpy(p->free, p->pending, p->n_pending * sizeof(uint32_t));
		p->n_free = p->n_pending;
		p->n_pending = 0;
	}
	if (p->n_free > 0)
		*id = p->free[--p->n_free];
	else if (p->next_fresh < p->max)
		*id = p->next_fresh++;
	else
		return -ENOSPC;
	return 0;
}

static void pool_put(struct id_pool *p, uint32_t id)
{
	p->pending[p->n_pending++] = id;
}

static int pos_init(struct pos_pool *p, uint32_t max)
{
	p->max = max;
	p->free = calloc(max, sizeof(uint32_t));
	return p->free ? 0 : -ENOMEM;
}

static int pos_get(struct pos_pool *p, uint32_t *pos)
{
	if (p->next_fresh < p->max) {
		*pos = p->next_fresh++;
		return 0;
	}
	if (p->n_free == 0)
		return -ENOSPC;
	*pos = p->free[p->head];
	p->head = (p->head + 1) % p->max;
	p->n_free--;
	return 0;
}

static void pos_put(struct pos_pool *p, uint32_t pos)
{
	p->free[(p->head + p->n_free) % p->max] = pos;
	p->n_free++;
}

static struct index_slot *index_map(uint32_t n_slots)
{
	return table_map((size_t)n_slots * sizeof(struct index_slot), true);
}

/* Puts entry pos (hash h) in the first free or deleted slot. */
static void index_put(struct routes *r, uint32_t h, uint32_t pos)
{
	uint32_t mask = r->n_slots - 1, i = h & mask;

	while (r->index[i].pos1 != 0 && r->index[i].pos1 != SLOT_DELETED)
		i = (i + 1) & mask;
	if (r->index[i].pos1 == SLOT_DELETED)
		r->n_deleted--;
	r->index[i] = (struct index_slot){.hash = h, .pos1 = pos + 1};
	r->entries[pos].slot = i;
	r->n_used++;
}

/* Tombstones lengthen the probes: past 80 % used or deleted, the index is
 * built again without them (the entries stay where they are). */
static int index_rebuild(struct routes *r)
{
	struct index_slot *old = r->index;

	if ((r->index = index_map(r->n_slots)) == NULL) {
		r->index = old;
		return -ENOMEM;
	}
	r->n_used = r->n_deleted = 0;
	for (uint32_t i = 0; i < r->n_slots; i++)
		if (old[i].pos1 != 0 && old[i].pos1 != SLOT_DELETED)
			index_put(r, old[i].hash, old[i].pos1 - 1);
	table_unmap(old, (size_t)r->n_slots * sizeof(*old));
	return 0;
}

/* Position of p's entry, -1 if none. */
static int64_t index_find(const struct routes *r, const struct prefix *p, uint32_t h)
{
	uint32_t mask = r->n_slots - 1;

	for (uint32_t i = h & mask;; i = (i + 1) & mask) {
		const struct index_slot *s = &r->index[i];
		if (s->pos1 == 0)
			return -1;
		if (s->hash == h && s->pos1 != SLOT_DELETED &&
		    prefix_same(&r->entries[s->pos1 - 1].p, p))
			return s->pos1 - 1;
	}
}

/* entries[] is read (e->used) before it is written: populated (see
 * dataplane/table_mem.h). */
static struct rentry *entries_map(struct routes *r, size_t n)
{
	r->entries_bytes = n * sizeof(struct rentry);
	return table_map(r->entries_bytes, true);
}

struct routes *routes_create(struct fwd_tables *t, const struct routes_conf *conf)
{
	static unsigned seq;
	char n2[RTE_HASH_NAMESIZE];
	struct routes *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	snprintf(n2, sizeof(n2), "dests_%u", seq++);
	struct rte_hash_parameters dp = {
		.name = n2,
		.entries = PF_MAX_DESTS,
		.key_len = sizeof(uint64_t),
		.hash_func = rte_hash_crc,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	r->t = t;
	r->max_entries = conf->max_entries;
	r->last_id = NO_DEST;
	r->n_slots = 64;
	while (r->n_slots < (uint64_t)r->max_entries * 10 / 7 + 1)
		r->n_slots *= 2;
	r->index = index_map(r->n_slots);
	r->dest_index = rte_hash_create(&dp);
	r->reg = calloc(PF_MAX_PREFIXES, sizeof(*r->reg));
	r->reg_order = calloc(PF_MAX_PREFIXES, sizeof(*r->reg_order));
	r->pg = calloc(PF_MAX_PATHGROUPS, sizeof(*r->pg));
	r->dest_ref = calloc(PF_MAX_DESTS, sizeof(uint32_t));
	if (r->index == NULL || r->dest_index == NULL || r->reg == NULL || r->reg_order == NULL ||
	    r->pg == NULL || r->dest_ref == NULL || pool_init(&r->dest_ids, PF_MAX_DESTS) < 0 ||
	    pool_init(&r->pg_ids, PF_MAX_PATHGROUPS) < 0 || pos_init(&r->pos, r->max_entries) < 0 ||
	    (r->entries = entries_map(r, r->max_entries)) == NULL) {
		routes_free(r);
		return NULL;
	}
	return r;
}

void routes_free(struct routes *r)
{
	if (r == NULL)
		return;
	table_unmap(r->index, (size_t)r->n_slots * sizeof(*r->index));
	rte_hash_free(r->dest_index);
	table_unmap(r->entries, r->entries_bytes);
	free(r->reg);
	free(r->reg_order);
	free(r->pg);
	free(r->dest_ref);
	pool_fini(&r->dest_ids);
	pool_fini(&r->pg_ids);
	free(r->pos.free);
	free(r);
}

/* ---- path groups ---- */

static bool pg_is(const struct pg_slot *s, const uint16_t *nh, unsigned n)
{
	if (s->ref == 0 || s->n != n)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (s->nh[i] != nh[i])
			return false;
	return true;
}

int routes_pathgroup_get(struct routes *r, const uint16_t *nh, unsigned n, uint16_t *pg)
{
	uint32_t id;
	int ret;

	if (n == 0 || n > PF_PG_MEMBERS)
		return -EINVAL;
	/* The group asked for last first: BGP asks once per route, mostly for
	 * the same next hops. */
	if (pg_is(&r->pg[r->last_pg], nh, n)) {
		r->pg[r->last_pg].ref++;
		*pg = r->last_pg;
		return 0;
	}
	for (uint32_t i = 0; i < r->pg_ids.next_fresh; i++) {
		struct pg_slot *s = &r->pg[i];
		if (pg_is(s, nh, n)) {
			s->ref++;
			*pg = r->last_pg = (uint16_t)i;
			return 0;
		}
	}
	if ((ret = pool_get(&r->pg_ids, r->t->qsbr, &id)) < 0)
		return ret;
	if (id == PG_NONE) /* never hand out the "none" id */
		return -ENOSPC;
	if ((ret = pathgroup_set(r->t, (uint16_t)id, nh, n)) < 0) {
		pool_put(&r->pg_ids, id);
		return ret;
	}
	r->pg[id] = (struct pg_slot){.ref = 1, .n = n};
	memcpy(r->pg[id].nh, nh, n * sizeof(*nh));
	*pg = r->last_pg = (uint16_t)id;
	return 0;
}

void routes_pathgroup_put(struct routes *r, uint16_t pg)
{
	if (pg >= PF_MAX_PATHGROUPS || r->pg[pg].ref == 0)
		return;
	if (--r->pg[pg].ref == 0)
		pool_put(&r->pg_ids, pg); /* word stays until reuse: readers are safe */
}

/* Every group naming `from` names `to` instead; stops at the first error.
 * The number of groups changed, or -errno. */
static int replace_in_groups(struct routes *r, uint16_t from, uint16_t to, uint32_t limit)
{
	int n = 0;

	for (uint32_t i = 0; i < limit; i++) {
		struct pg_slot *s = &r->pg[i];
		uint16_t nh[PF_PG_MEMBERS];
		bool hit = false;

		for (unsigned m = 0; s->ref > 0 && m < s->n; m++) {
			nh[m] = s->nh[m] == from ? to : s->nh[m];
			hit |= s->nh[m] == from;
		}
		if (!hit)
			continue;
		int ret = pathgroup_set(r->t, (uint16_t)i, nh, s->n);
		if (ret < 0)
			return ret;
		memcpy(s->nh, nh, s->n * sizeof(nh[0]));
		n++;
	}
	return n;
}

int routes_nexthop_replace(struct routes *r, uint16_t old_id, uint16_t new_id)
{
	uint32_t limit = r->pg_ids.next_fresh;
	int ret = replace_in_groups(r, old_id, new_id, limit);

	/* Put back the groups already changed: the caller frees new_id after
	 * an error, and a group still naming it would later name whatever
	 * reuses the slot. old_id is still published, so this cannot fail. */
	if (ret < 0)
		replace_in_groups(r, new_id, old_id, limit);
	return ret;
}

unsigned routes_pathgroup_members(const struct routes *r, uint16_t pg, uint16_t nh[PF_PG_MEMBERS])
{
	if (pg >= PF_MAX_PATHGROUPS || r->pg[pg].ref == 0)
		return 0;
	memcpy(nh, r->pg[pg].nh, sizeof(r->pg[pg].nh));
	return r->pg[pg].n;
}

/* ---- dests ---- */

static int dest_get(struct routes *r, uint64_t w, uint32_t *id)
{
	void *data;
	int ret;

	if (r->last_id != NO_DEST && r->last_w == w && r->dest_ref[r->last_id] > 0 &&
	    r->t->dest[r->last_id] == w) {
		*id = r->last_id;
		r->dest_ref[*id]++;
		return 0;
	}
	if (rte_hash_lookup_data(r->dest_index, &w, &data) >= 0) {
		*id = (uint32_t)(uintptr_t)data;
		r->dest_ref[*id]++;
		r->last_w = w;
		r->last_id = *id;
		return 0;
	}
	if ((ret = pool_get(&r->dest_ids, r->t->qsbr, id)) < 0)
		return ret;
	if ((ret = rte_hash_add_key_data(r->dest_index, &w, (void *)(uintptr_t)*id)) < 0) {
		pool_put(&r->dest_ids, *id);
		return ret;
	}
	dest_set(r->t, *id, DEST_PG(w), DEST_FLAGS(w), DEST_PREFIX(w));
	r->dest_ref[*id] = 1;
	r->last_w = w;
	r->last_id = *id;
	return 0;
}

static void dest_put(struct routes *r, uint32_t id)
{
	if (id == NO_DEST || --r->dest_ref[id] > 0)
		return;
	uint64_t w = r->t->dest[id];
	rte_hash_del_key(r->dest_index, &w);
	pool_put(&r->dest_ids, id);
}

/* ---- entries ---- */

static struct rentry *entry_find(const struct routes *r, const struct prefix *p)
{
	int64_t pos = index_find(r, p, prefix_hash(p));

	return pos < 0 ? NULL : &r->entries[pos];
}

/* The entry for p, created if new. NULL when the table is full. */
static struct rentry *entry_get(struct routes *r, const struct prefix *p)
{
	uint32_t h = prefix_hash(p), pos;
	int64_t found = index_find(r, p, h);

	if (found >= 0)
		return &r->entries[found];
	if ((r->n_used + r->n_deleted + 1) * 10 > r->n_slots * 8 && index_rebuild(r) < 0)
		return NULL;
	if (pos_get(&r->pos, &pos) < 0)
		return NULL;
	struct rentry *e = &r->entries[pos];
	*e = (struct rentry){.p = *p,
			     .pg = {PG_NONE, PG_NONE},
			     .reg = ROUTES_NO_REG,
			     .dest = NO_DEST,
			     .used = true};
	index_put(r, h, pos);
	len_add(&r->len_entries[fam(p)], p->len, 1);
	r->count[fam(p)]++;
	if (pos >= r->n_entries)
		r->n_entries = pos + 1;
	return e;
}

static bool entry_has_route(const struct rentry *e)
{
	return e->pg[ROUTE_STATIC] != PG_NONE || e->pg[ROUTE_BGP] != PG_NONE;
}

static uint16_t entry_own_pg(const struct rentry *e)
{
	return e->pg[ROUTE_STATIC] != PG_NONE ? e->pg[ROUTE_STATIC] : e->pg[ROUTE_BGP];
}

static int fib_write(struct routes *r, const struct prefix *p, uint32_t dest)
{
	if (p->addr.family == AF_INET)
		return fib4_add(r->t->fib4, ip_addr_v4_host(&p->addr), p->len, dest);
	return fib6_add(r->t->fib6, p->addr.bytes, p->len, dest);
}

static int fib_erase(struct routes *r, const struct prefix *p)
{
	if (p->addr.family == AF_INET)
		return fib4_del(r->t->fib4, ip_addr_v4_host(&p->addr), p->len);
	return fib6_del(r->t->fib6, p->addr.bytes, p->len);
}

/* The longest entry strictly shorter than p.len covering p for which
 * want(entry) holds, visiting only the lengths that have such entries. */
static struct rentry *covering(const struct routes *r, const struct prefix *p,
			       const struct len_count *lc, bool (*want)(const struct rentry *))
{
	for (int l = len_below(lc, p->len); l >= 0; l = len_below(lc, l)) {
		struct prefix q = *p;
		q.len = (uint8_t)l;
		prefix_mask(&q);
		struct rentry *e = entry_find(r, &q);
		if (e != NULL && want(e))
			return e;
	}
	return NULL;
}

static bool is_registered(const struct rentry *e)
{
	return e->reg != ROUTES_NO_REG;
}

static void effective(const struct routes *r, const struct rentry *e, uint16_t *pg, uint32_t *reg,
		      const struct rentry **via)
{
	const struct rentry *rt =
		entry_has_route(e)
			? e
			: covering(r, &e->p, &r->len_routes[fam(&e->p)], entry_has_route);
	const struct rentry *rg =
		is_registered(e) ? e : covering(r, &e->p, &r->len_reg[fam(&e->p)], is_registered);

	*pg = rt != NULL ? entry_own_pg(rt) : PG_NONE;
	*reg = rg != NULL ? rg->reg : ROUTES_NO_REG;
	if (via != NULL)
		*via = rt;
}

static uint64_t entry_word(const struct routes *r, const struct rentry *e)
{
	uint16_t pg, flags = 0;
	uint32_t reg;

	if (e->local)
		return DEST_WORD(PG_NONE, DEST_F_VALID | DEST_F_LOCAL, 0);
	effective(r, e, &pg, &reg, NULL);
	if (pg != PG_NONE)
		flags |= DEST_F_VALID;
	if (reg != ROUTES_NO_REG)
		flags |= DEST_F_REGISTERED;
	return DEST_WORD(pg, flags, reg == ROUTES_NO_REG ? 0 : reg);
}

static void entry_remove(struct routes *r, struct rentry *e)
{
	fib_erase(r, &e->p);
	dest_put(r, e->dest);
	r->index[e->slot].pos1 = SLOT_DELETED;
	r->n_used--;
	r->n_deleted++;
	pos_put(&r->pos, (uint32_t)(e - r->entries));
	len_add(&r->len_entries[fam(&e->p)], e->p.len, -1);
	r->count[fam(&e->p)]--;
	e->used = false;
}

/* Make the FIB hold what e stands for now; drop e if it stands for nothing. */
static int entry_program(struct routes *r, struct rentry *e)
{
	uint32_t dest;
	int ret;

	if (!entry_has_route(e) && !is_registered(e) && !e->local) {
		entry_remove(r, e);
		return 0;
	}
	uint64_t w = entry_word(r, e);
	if (e->dest != NO_DEST && r->t->dest[e->dest] == w)
		return 0;
	if ((ret = dest_get(r, w, &dest)) < 0)
		return ret;
	if ((ret = fib_write(r, &e->p, dest)) < 0) {
		dest_put(r, dest);
		return ret;
	}
	dest_put(r, e->dest);
	e->dest = dest;
	return 0;
}

static int prefix_order(const struct prefix *a, const struct prefix *b)
{
	int c = (int)a->addr.family - (int)b->addr.family;

	if (c == 0)
		c = memcmp(a->addr.bytes, b->addr.bytes, sizeof(a->addr.bytes));
	return c != 0 ? c : (int)a->len - (int)b->len;
}

/* First position in reg_order whose prefix is not before p. */
static uint32_t reg_lower_bound(const struct routes *r, const struct prefix *p)
{
	uint32_t lo = 0, hi = r->n_reg;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (prefix_order(&r->reg[r->reg_order[mid]].p, p) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Entries strictly inside p whose answer depends on p: registered ones
 * without a route of their own (for a route change), or all of them (for
 * a registration change). */
static void reprogram_inside(struct routes *r, const struct prefix *p, bool all)
{
	if (!all) {
		if (!len_any_above(&r->len_reg[fam(p)], p->len))
			return; /* no registered prefix is longer than p */
		/* Registered prefixes inside p start at p's address, in order. */
		struct prefix from = {.addr = p->addr, .len = 0};
		for (uint32_t i = reg_lower_bound(r, &from); i < r->n_reg; i++) {
			struct reg_slot *s = &r->reg[r->reg_order[i]];
			if (s->p.addr.family != p->addr.family ||
			    !prefix_contains_addr(p, &s->p.addr))
				break;
			if (s->p.len <= p->len)
				continue;
			struct rentry *e = &r->entries[s->entry];
			if (!entry_has_route(e))
				entry_program(r, e);
		}
		return;
	}
	for (uint32_t i = 0; i < r->n_entries; i++) {
		struct rentry *e = &r->entries[i];
		if (e->used && e->p.len > p->len && e->p.addr.family == p->addr.family &&
		    prefix_contains(p, &e->p))
			entry_program(r, e);
	}
}

static bool prefix_ok(const struct prefix *p)
{
	return (p->addr.family == AF_INET && p->len <= 32) ||
	       (p->addr.family == AF_INET6 && p->len <= 128);
}

int routes_set(struct routes *r, const struct prefix *p, enum route_source src, uint16_t pg)
{
	struct rentry *e;
	int ret;

	if (!prefix_ok(p) || src >= ROUTE__SOURCES || pg >= PF_MAX_PATHGROUPS || r->pg[pg].ref == 0)
		return -EINVAL;
	if ((e = entry_get(r, p)) == NULL)
		return -ENOSPC;
	bool had = entry_has_route(e);
	uint16_t old_pg = had ? entry_own_pg(e) : PG_NONE;
	uint16_t old_src_pg = e->pg[src];

	e->pg[src] = pg;
	r->pg[pg].ref++;
	if (!had)
		len_add(&r->len_routes[fam(p)], p->len, 1);
	if ((ret = entry_program(r, e)) < 0) {
		e->pg[src] = old_src_pg;
		r->pg[pg].ref--;
		if (!had) {
			len_add(&r->len_routes[fam(p)], p->len, -1);
			entry_program(r, e);
		}
		return ret;
	}
	if (old_src_pg != PG_NONE)
		routes_pathgroup_put(r, old_src_pg);
	if (old_pg != entry_own_pg(e))
		reprogram_inside(r, p, false);
	return 0;
}

int routes_unset(struct routes *r, const struct prefix *p, enum route_source src)
{
	struct rentry *e;

	if (!prefix_ok(p) || src >= ROUTE__SOURCES)
		return -EINVAL;
	e = entry_find(r, p);
	if (e == NULL || e->pg[src] == PG_NONE)
		return -ENOENT;
	uint16_t old_pg = entry_own_pg(e), src_pg = e->pg[src];

	e->pg[src] = PG_NONE;
	bool has = entry_has_route(e);
	if (!has)
		len_add(&r->len_routes[fam(p)], p->len, -1);
	entry_program(r, e); /* may remove e */
	routes_pathgroup_put(r, src_pg);
	if (!has || entry_own_pg(e) != old_pg)
		reprogram_inside(r, p, false);
	return 0;
}

int routes_register(struct routes *r, const struct prefix *p, const char *customer, uint32_t *idx)
{
	struct rentry *e;
	uint32_t slot;
	int ret;

	if (!prefix_ok(p))
		return -EINVAL;
	e = entry_find(r, p);
	if (e != NULL && is_registered(e))
		return -EEXIST;
	for (slot = 0; slot < PF_MAX_PREFIXES && r->reg[slot].used; slot++)
		;
	if (slot == PF_MAX_PREFIXES)
		return -ENOSPC;
	if (e == NULL && (e = entry_get(r, p)) == NULL)
		return -ENOSPC;
	e->reg = slot;
	len_add(&r->len_reg[fam(p)], p->len, 1);
	if ((ret = entry_program(r, e)) < 0) {
		e->reg = ROUTES_NO_REG;
		len_add(&r->len_reg[fam(p)], p->len, -1);
		entry_program(r, e);
		return ret;
	}
	r->reg[slot] =
		(struct reg_slot){.used = true, .p = *p, .entry = (uint32_t)(e - r->entries)};
	snprintf(r->reg[slot].customer, sizeof(r->reg[slot].customer), "%s",
		 customer ? customer : "");
	uint32_t pos = reg_lower_bound(r, p);
	memmove(&r->reg_order[pos + 1], &r->reg_order[pos],
		(r->n_reg - pos) * sizeof(r->reg_order[0]));
	r->reg_order[pos] = slot;
	r->n_reg++;
	if (slot >= r->reg_hi)
		r->reg_hi = slot + 1;
	reprogram_inside(r, p, true);
	if (idx != NULL)
		*idx = slot;
	return 0;
}

int routes_unregister(struct routes *r, const struct prefix *p)
{
	struct rentry *e = prefix_ok(p) ? entry_find(r, p) : NULL;

	if (e == NULL || !is_registered(e))
		return -ENOENT;
	uint32_t pos = reg_lower_bound(r, p);
	r->n_reg--;
	memmove(&r->reg_order[pos], &r->reg_order[pos + 1],
		(r->n_reg - pos) * sizeof(r->reg_order[0]));
	r->reg[e->reg].used = false;
	e->reg = ROUTES_NO_REG;
	len_add(&r->len_reg[fam(p)], p->len, -1);
	entry_program(r, e);
	reprogram_inside(r, p, true);
	return 0;
}

int routes_local_add(struct routes *r, const struct ip_addr *a)
{
	struct prefix p = {.addr = *a, .len = (uint8_t)ip_addr_bits(a)};
	struct rentry *e = entry_get(r, &p);

	if (e == NULL)
		return -ENOSPC;
	e->local = true;
	return entry_program(r, e);
}

int routes_local_del(struct routes *r, const struct ip_addr *a)
{
	struct prefix p = {.addr = *a, .len = (uint8_t)ip_addr_bits(a)};
	struct rentry *e = entry_find(r, &p);

	if (e == NULL || !e->local)
		return -ENOENT;
	e->local = false;
	return entry_program(r, e); /* may remove e */
}

/* ---- reading ---- */

static void reg_info(const struct routes *r, const struct reg_slot *s, uint32_t slot,
		     struct registered_info *out)
{
	const struct rentry *e = &r->entries[s->entry];
	const struct rentry *via;
	uint16_t pg;
	uint32_t reg;

	memset(out, 0, sizeof(*out));
	out->prefix = s->p;
	memcpy(out->customer, s->customer, sizeof(out->customer));
	out->idx = slot;
	effective(r, e, &pg, &reg, &via);
	out->routed = via != NULL;
	out->pg = pg;
	if (via != NULL)
		out->via = via->p;
}

unsigned routes_registered_count(const struct routes *r)
{
	return r->n_reg;
}

int routes_registered_foreach(const struct routes *r,
			      int (*cb)(const struct registered_info *, void *), void *arg)
{
	struct registered_info info;

	for (uint32_t i = 0; i < r->reg_hi; i++) {
		if (!r->reg[i].used)
			continue;
		reg_info(r, &r->reg[i], i, &info);
		int ret = cb(&info, arg);
		if (ret != 0)
			return ret;
	}
	return 0;
}

int routes_registered_get(const struct routes *r, const struct prefix *p,
			  struct registered_info *out)
{
	const struct rentry *e = prefix_ok(p) ? entry_find(r, p) : NULL;

	if (e == NULL || !is_registered(e))
		return -ENOENT;
	reg_info(r, &r->reg[e->reg], e->reg, out);
	return 0;
}

static void route_info(const struct routes *r, const struct rentry *e, struct route_info *out)
{
	uint64_t w = e->dest != NO_DEST ? r->t->dest[e->dest] : 0;

	memset(out, 0, sizeof(*out));
	out->prefix = e->p;
	out->has_route = entry_has_route(e);
	out->source = e->pg[ROUTE_STATIC] != PG_NONE ? ROUTE_STATIC : ROUTE_BGP;
	out->pg = (DEST_FLAGS(w) & DEST_F_VALID) && !e->local ? DEST_PG(w) : PG_NONE;
	out->local = e->local;
	out->registered = DEST_FLAGS(w) & DEST_F_REGISTERED;
	out->reg_idx = out->registered ? DEST_PREFIX(w) : ROUTES_NO_REG;
	out->dest = e->dest;
}

int routes_lookup(const struct routes *r, const struct ip_addr *a, struct route_info *out)
{
	int f = a->family == AF_INET6;

	for (int l = (int)maxlen(f); l >= 0; l--) {
		if (r->len_entries[f].n[l] == 0)
			continue;
		struct prefix q = {.addr = *a, .len = (uint8_t)l};
		prefix_mask(&q);
		const struct rentry *e = entry_find(r, &q);
		if (e != NULL) {
			route_info(r, e, out);
			return 0;
		}
	}
	return -ENOENT;
}

unsigned routes_list(const struct routes *r, int family, uint32_t *cursor, struct route_info *out,
		     unsigned max)
{
	unsigned n = 0;
	uint32_t i;

	for (i = *cursor; i < r->n_entries && n < max; i++) {
		const struct rentry *e = &r->entries[i];
		if (e->used && (family == 0 || e->p.addr.family == family))
			route_info(r, e, &out[n++]);
	}
	*cursor = i < r->n_entries ? i : 0;
	return n;
}

uint32_t routes_count(const struct routes *r, int family)
{
	if (family == AF_INET)
		return r->count[0];
	if (family == AF_INET6)
		return r->count[1];
	return r->count[0] + r->count[1];
}
