/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/bgp/bgp_rib.h"
#include "dataplane/table_mem.h"

#define RIB_MIN_SLOTS 1024u

enum slot_state { SLOT_FREE = 0, SLOT_USED, SLOT_DELETED };

struct rib_path {
	uint16_t nh;
	uint8_t as_path_len; /* saturated at 255 */
};

struct rib_entry {
	struct prefix p;
	uint8_t state;	/* enum slot_state */
	uint8_t n_inst; /* next hops installed */
	uint32_t peers; /* bit per peer with a path */
	uint32_t stale; /* RFC 4724 4.2: kept across the peer's restart */
	uint16_t inst[PF_PG_MEMBERS];
	struct rib_path path[BGP_RIB_MAX_PEERS];
};

struct rib_rank {
	uint32_t local_pref;
	unsigned tier;
};

struct bgp_rib {
	struct bgp_rib_ops ops;
	void *arg;
	struct rib_entry *slot;
	uint32_t n_slots; /* power of two */
	uint32_t n_used, n_deleted;
	struct rib_rank rank[BGP_RIB_MAX_PEERS];
	unsigned count[BGP_RIB_MAX_PEERS][2]; /* paths per peer, [0] v4 [1] v6 */
	uint64_t fib_errors;
};

static uint32_t prefix_hash(const struct prefix *p)
{
	const uint8_t *b = (const uint8_t *)p;
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < sizeof(*p); i++)
		h = (h ^ b[i]) * 16777619u;
	return h ^ (h >> 15);
}

static unsigned fam_idx(const struct prefix *p)
{
	return p->addr.family == AF_INET6;
}

static bool fam_match(const struct prefix *p, int family)
{
	return family == 0 || p->addr.family == family;
}

/* Prefixes come from decoders and the config; the key is every byte. */
static struct prefix key_of(const struct prefix *p)
{
	struct prefix k;

	memset(&k, 0, sizeof(k));
	k.addr.family = p->addr.family;
	memcpy(k.addr.bytes, p->addr.bytes, p->addr.family == AF_INET ? 4 : 16);
	k.len = p->len;
	return k;
}

static struct rib_entry *find(const struct bgp_rib *rib, const struct prefix *k)
{
	uint32_t mask = rib->n_slots - 1;

	for (uint32_t i = prefix_hash(k) & mask;; i = (i + 1) & mask) {
		struct rib_entry *e = &rib->slot[i];
		if (e->state == SLOT_FREE)
			return NULL;
		if (e->state == SLOT_USED && memcmp(&e->p, k, sizeof(*k)) == 0)
			return e;
	}
}

/* Not calloc: the probes of a resize read the new table's untouched pages
 * first, mapping the shared zero page, and each write after that copies
 * the page with a TLB shootdown IPI to every CPU running this process (the
 * workers): 40 % of the control thread's time loading a full table.
 * Populated, with huge pages: dataplane/table_mem.h. */
static struct rib_entry *slots_alloc(uint32_t n_slots)
{
	return table_map((size_t)n_slots * sizeof(struct rib_entry), true);
}

static void slots_free(struct rib_entry *slot, uint32_t n_slots)
{
	table_unmap(slot, (size_t)n_slots * sizeof(*slot));
}

static int resize(struct bgp_rib *rib, uint32_t n_slots)
{
	struct rib_entry *old = rib->slot;
	uint32_t n_old = rib->n_slots;

	rib->slot = slots_alloc(n_slots);
	if (rib->slot == NULL) {
		rib->slot = old;
		return -ENOMEM;
	}
	rib->n_slots = n_slots;
	rib->n_deleted = 0;
	for (uint32_t i = 0; i < n_old; i++) {
		if (old[i].state != SLOT_USED)
			continue;
		uint32_t mask = n_slots - 1, j = prefix_hash(&old[i].p) & mask;
		while (rib->slot[j].state != SLOT_FREE)
			j = (j + 1) & mask;
		rib->slot[j] = old[i];
	}
	slots_free(old, n_old);
	return 0;
}

static struct rib_entry *insert(struct bgp_rib *rib, const struct prefix *k)
{
	uint32_t mask;

	/* Keep probes short: at most 70% of the slots used or deleted. */
	if ((rib->n_used + rib->n_deleted + 1) * 10 > rib->n_slots * 7) {
		uint32_t n = rib->n_slots;
		while ((rib->n_used + 1) * 10 > n * 5)
			n *= 2;
		if (resize(rib, n) < 0)
			return NULL;
	}
	mask = rib->n_slots - 1;
	for (uint32_t i = prefix_hash(k) & mask;; i = (i + 1) & mask) {
		struct rib_entry *e = &rib->slot[i];
		if (e->state == SLOT_USED)
			continue;
		if (e->state == SLOT_DELETED)
			rib->n_deleted--;
		memset(e, 0, sizeof(*e));
		e->p = *k;
		e->state = SLOT_USED;
		rib->n_used++;
		return e;
	}
}

struct bgp_rib *bgp_rib_create(const struct bgp_rib_ops *ops, void *arg)
{
	struct bgp_rib *rib = calloc(1, sizeof(*rib));

	if (rib == NULL)
		return NULL;
	rib->ops = *ops;
	rib->arg = arg;
	if (resize(rib, RIB_MIN_SLOTS) < 0) {
		free(rib);
		return NULL;
	}
	for (unsigned i = 0; i < BGP_RIB_MAX_PEERS; i++)
		rib->rank[i] = (struct rib_rank){.local_pref = 100, .tier = 0};
	return rib;
}

void bgp_rib_free(struct bgp_rib *rib)
{
	if (rib == NULL)
		return;
	slots_free(rib->slot, rib->n_slots);
	free(rib);
}

void bgp_rib_peer_rank(struct bgp_rib *rib, unsigned peer, uint32_t local_pref, unsigned tier)
{
	if (peer < BGP_RIB_MAX_PEERS)
		rib->rank[peer] = (struct rib_rank){.local_pref = local_pref, .tier = tier};
}

/* Is path a (of peer pa) better than b (of peer pb)? */
static bool better(const struct bgp_rib *rib, const struct rib_entry *e, unsigned pa, unsigned pb)
{
	const struct rib_rank *ra = &rib->rank[pa], *rb = &rib->rank[pb];

	if (ra->local_pref != rb->local_pref)
		return ra->local_pref > rb->local_pref;
	if (ra->tier != rb->tier)
		return ra->tier < rb->tier;
	if (e->path[pa].as_path_len != e->path[pb].as_path_len)
		return e->path[pa].as_path_len < e->path[pb].as_path_len;
	return pa < pb;
}

/* The next hops of the ranked paths, each once, at most PF_PG_MEMBERS. */
static unsigned select_nexthops(const struct bgp_rib *rib, const struct rib_entry *e,
				uint16_t nh[PF_PG_MEMBERS])
{
	unsigned order[BGP_RIB_MAX_PEERS], n_order = 0, n = 0;

	for (unsigned i = 0; i < BGP_RIB_MAX_PEERS; i++) {
		if (!(e->peers & (1u << i)))
			continue;
		unsigned j = n_order++;
		for (; j > 0 && better(rib, e, i, order[j - 1]); j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	for (unsigned i = 0; i < n_order && n < PF_PG_MEMBERS; i++) {
		uint16_t h = e->path[order[i]].nh;
		bool dup = false;
		for (unsigned k = 0; k < n; k++)
			dup |= nh[k] == h;
		if (!dup)
			nh[n++] = h;
	}
	return n;
}

/* Brings the FIB in line with e; frees e when no peer has a path left. */
static void sync_entry(struct bgp_rib *rib, struct rib_entry *e)
{
	uint16_t nh[PF_PG_MEMBERS];
	unsigned n = select_nexthops(rib, e, nh);
	int ret = 0;

	if (n != e->n_inst || memcmp(nh, e->inst, n * sizeof(nh[0])) != 0) {
		ret = n > 0 ? rib->ops.set(rib->arg, &e->p, nh, n)
			    : rib->ops.unset(rib->arg, &e->p);
		if (ret < 0)
			rib->fib_errors++;
		else {
			memcpy(e->inst, nh, n * sizeof(nh[0]));
			e->n_inst = (uint8_t)n;
		}
	}
	if (e->peers == 0 && e->n_inst == 0) {
		e->state = SLOT_DELETED;
		rib->n_used--;
		rib->n_deleted++;
	}
}

int bgp_rib_announce(struct bgp_rib *rib, unsigned peer, const struct prefix *p, uint16_t nh,
		     unsigned as_path_len)
{
	struct prefix k = key_of(p);
	struct rib_entry *e;
	uint32_t bit = 1u << peer;
	int added;

	if (peer >= BGP_RIB_MAX_PEERS)
		return -EINVAL;
	e = find(rib, &k);
	if (e == NULL && (e = insert(rib, &k)) == NULL)
		return -ENOMEM;
	added = !(e->peers & bit);
	e->peers |= bit;
	e->stale &= ~bit;
	e->path[peer] = (struct rib_path){
		.nh = nh, .as_path_len = (uint8_t)(as_path_len > 255 ? 255 : as_path_len)};
	if (added)
		rib->count[peer][fam_idx(&k)]++;
	sync_entry(rib, e);
	return added;
}

static void drop_path(struct bgp_rib *rib, struct rib_entry *e, unsigned peer)
{
	e->peers &= ~(1u << peer);
	e->stale &= ~(1u << peer);
	rib->count[peer][fam_idx(&e->p)]--;
	sync_entry(rib, e);
}

int bgp_rib_withdraw(struct bgp_rib *rib, unsigned peer, const struct prefix *p)
{
	struct prefix k = key_of(p);
	struct rib_entry *e;

	if (peer >= BGP_RIB_MAX_PEERS)
		return -EINVAL;
	e = find(rib, &k);
	if (e == NULL || !(e->peers & (1u << peer)))
		return 0;
	drop_path(rib, e, peer);
	return 1;
}

/* Walks every used slot; sync_entry only marks slots deleted, so the walk
 * is safe while it removes. */
static unsigned walk(struct bgp_rib *rib, unsigned peer, int family, bool stale_only, bool mark)
{
	uint32_t bit = 1u << peer;
	unsigned n = 0;

	if (peer >= BGP_RIB_MAX_PEERS)
		return 0;
	for (uint32_t i = 0; i < rib->n_slots; i++) {
		struct rib_entry *e = &rib->slot[i];
		if (e->state != SLOT_USED || !(e->peers & bit) || !fam_match(&e->p, family))
			continue;
		if (stale_only && !(e->stale & bit))
			continue;
		n++;
		if (mark)
			e->stale |= bit;
		else
			drop_path(rib, e, peer);
	}
	return n;
}

unsigned bgp_rib_flush(struct bgp_rib *rib, unsigned peer, int family)
{
	return walk(rib, peer, family, false, false);
}

unsigned bgp_rib_mark_stale(struct bgp_rib *rib, unsigned peer, int family)
{
	return walk(rib, peer, family, false, true);
}

unsigned bgp_rib_flush_stale(struct bgp_rib *rib, unsigned peer, int family)
{
	return walk(rib, peer, family, true, false);
}

unsigned bgp_rib_peer_count(const struct bgp_rib *rib, unsigned peer, int family)
{
	if (peer >= BGP_RIB_MAX_PEERS)
		return 0;
	if (family == 0)
		return rib->count[peer][0] + rib->count[peer][1];
	return rib->count[peer][family == AF_INET6];
}

unsigned bgp_rib_peer_stale(const struct bgp_rib *rib, unsigned peer)
{
	uint32_t bit = 1u << peer;
	unsigned n = 0;

	for (uint32_t i = 0; i < rib->n_slots; i++)
		n += rib->slot[i].state == SLOT_USED && (rib->slot[i].stale & bit);
	return n;
}

void bgp_rib_installed_by_peer(const struct bgp_rib *rib, unsigned count[BGP_RIB_MAX_PEERS])
{
	memset(count, 0, BGP_RIB_MAX_PEERS * sizeof(count[0]));
	for (uint32_t i = 0; i < rib->n_slots; i++) {
		const struct rib_entry *e = &rib->slot[i];
		if (e->state != SLOT_USED)
			continue;
		for (uint32_t m = e->peers; m != 0; m &= m - 1) {
			unsigned peer = (unsigned)__builtin_ctz(m);
			for (unsigned k = 0; k < e->n_inst; k++)
				if (e->inst[k] == e->path[peer].nh) {
					count[peer]++;
					break;
				}
		}
	}
}

unsigned bgp_rib_prefixes(const struct bgp_rib *rib)
{
	return rib->n_used;
}

uint64_t bgp_rib_fib_errors(const struct bgp_rib *rib)
{
	return rib->fib_errors;
}

unsigned bgp_rib_installed(const struct bgp_rib *rib, const struct prefix *p,
			   uint16_t nh[PF_PG_MEMBERS])
{
	struct prefix k = key_of(p);
	const struct rib_entry *e = find(rib, &k);

	if (e == NULL)
		return 0;
	memcpy(nh, e->inst, e->n_inst * sizeof(nh[0]));
	return e->n_inst;
}
