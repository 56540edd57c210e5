/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/bgp/bgp_rib.h"
#include "dataplane/table_mem.h"

#define RIB_MIN_SLOTS	 1024u
#define RIB_INLINE_PATHS 5 /* most prefixes have 1-3 paths: no allocation */

enum slot_state { SLOT_FREE = 0, SLOT_USED, SLOT_DELETED };

struct rib_path {
	uint16_t nh;
	uint8_t as_path_len; /* saturated at 255 */
	uint8_t pad;
};

/*
 * One prefix, one cache line. The key is the address as two words plus
 * family and length: hashing and comparing it are a few word operations.
 * The paths are in peer order, one per bit of peers: peer i's is at the
 * number of lower bits set; the first RIB_INLINE_PATHS here, the rest in
 * more (allocated while the prefix has that many).
 */
struct rib_entry {
	uint64_t key_hi, key_lo; /* address octets 0..7, 8..15 (IPv4: 0..3, rest zero) */
	uint8_t family, len;
	uint8_t state;	/* enum slot_state */
	uint8_t n_inst; /* next hops installed */
	uint16_t inst[PF_PG_MEMBERS];
	uint32_t peers; /* bit per peer with a path */
	uint32_t stale; /* RFC 4724 4.2: kept across the peer's restart */
	struct rib_path path[RIB_INLINE_PATHS];
	struct rib_path *more; /* [BGP_RIB_MAX_PEERS - RIB_INLINE_PATHS] */
};

_Static_assert(sizeof(struct rib_entry) == 64, "a RIB entry is one cache line");

struct rib_key {
	uint64_t hi, lo;
	uint8_t family, len;
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

/* murmur3's 64-bit finaliser over the key words: linear probing needs
 * the low bits to depend on every octet. */
static uint32_t key_hash(const struct rib_key *k)
{
	uint64_t h = k->hi ^ (k->lo << 29 | k->lo >> 35) ^
		     ((uint64_t)k->family << 56 | (uint64_t)k->len << 48);

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (uint32_t)h;
}

static unsigned fam_idx(const struct rib_entry *e)
{
	return e->family == AF_INET6;
}

static bool fam_match(const struct rib_entry *e, int family)
{
	return family == 0 || e->family == family;
}

/* Prefixes come from decoders and the config; the key is the address
 * octets of the family, its family and length. */
static struct rib_key key_of(const struct prefix *p)
{
	struct rib_key k = {.family = p->addr.family, .len = p->len};

	if (p->addr.family == AF_INET) {
		uint32_t v4;
		memcpy(&v4, p->addr.bytes, 4);
		k.hi = v4;
	} else {
		memcpy(&k.hi, p->addr.bytes, 8);
		memcpy(&k.lo, p->addr.bytes + 8, 8);
	}
	return k;
}

static struct rib_key entry_key(const struct rib_entry *e)
{
	return (struct rib_key){
		.hi = e->key_hi, .lo = e->key_lo, .family = e->family, .len = e->len};
}

static bool key_is(const struct rib_entry *e, const struct rib_key *k)
{
	return e->key_hi == k->hi && e->key_lo == k->lo && e->family == k->family &&
	       e->len == k->len;
}

static struct prefix entry_prefix(const struct rib_entry *e)
{
	struct prefix p;

	memset(&p, 0, sizeof(p));
	p.addr.family = e->family;
	p.len = e->len;
	if (e->family == AF_INET) {
		uint32_t v4 = (uint32_t)e->key_hi;
		memcpy(p.addr.bytes, &v4, 4);
	} else {
		memcpy(p.addr.bytes, &e->key_hi, 8);
		memcpy(p.addr.bytes + 8, &e->key_lo, 8);
	}
	return p;
}

/* ---- paths in peer order ---- */

static unsigned path_count(const struct rib_entry *e)
{
	return (unsigned)__builtin_popcount(e->peers);
}

/* Position of peer's path (or where it goes). */
static unsigned path_pos(const struct rib_entry *e, unsigned peer)
{
	return (unsigned)__builtin_popcount(e->peers & ((1u << peer) - 1));
}

static const struct rib_path *path_at_c(const struct rib_entry *e, unsigned pos)
{
	return pos < RIB_INLINE_PATHS ? &e->path[pos] : &e->more[pos - RIB_INLINE_PATHS];
}

/* The same for a caller that may change the path (e is its own). */
static struct rib_path *path_at(struct rib_entry *e, unsigned pos)
{
	return (struct rib_path *)path_at_c(e, pos);
}

/* Room for one more path at pos, peer's bit set: 0 or -ENOMEM. */
static int path_insert(struct rib_entry *e, unsigned peer, unsigned pos)
{
	unsigned n = path_count(e);

	if (n == RIB_INLINE_PATHS) {
		e->more = malloc((BGP_RIB_MAX_PEERS - RIB_INLINE_PATHS) * sizeof(*e->more));
		if (e->more == NULL)
			return -ENOMEM;
	}
	for (unsigned i = n; i > pos; i--)
		*path_at(e, i) = *path_at(e, i - 1);
	e->peers |= 1u << peer;
	return 0;
}

/* Drops peer's path (its bit must be set). */
static void path_remove(struct rib_entry *e, unsigned peer)
{
	unsigned n = path_count(e);

	for (unsigned i = path_pos(e, peer); i + 1 < n; i++)
		*path_at(e, i) = *path_at(e, i + 1);
	e->peers &= ~(1u << peer);
	e->stale &= ~(1u << peer);
	if (n - 1 == RIB_INLINE_PATHS) {
		free(e->more);
		e->more = NULL;
	}
}

/* ---- the table ---- */

static struct rib_entry *find(const struct bgp_rib *rib, const struct rib_key *k)
{
	uint32_t mask = rib->n_slots - 1;

	for (uint32_t i = key_hash(k) & mask;; i = (i + 1) & mask) {
		struct rib_entry *e = &rib->slot[i];
		if (e->state == SLOT_FREE)
			return NULL;
		if (e->state == SLOT_USED && key_is(e, k))
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
		struct rib_key k = entry_key(&old[i]);
		uint32_t mask = n_slots - 1, j = key_hash(&k) & mask;
		while (rib->slot[j].state != SLOT_FREE)
			j = (j + 1) & mask;
		rib->slot[j] = old[i];
	}
	slots_free(old, n_old);
	return 0;
}

static struct rib_entry *insert(struct bgp_rib *rib, const struct rib_key *k)
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
	for (uint32_t i = key_hash(k) & mask;; i = (i + 1) & mask) {
		struct rib_entry *e = &rib->slot[i];
		if (e->state == SLOT_USED)
			continue;
		if (e->state == SLOT_DELETED)
			rib->n_deleted--;
		*e = (struct rib_entry){.key_hi = k->hi,
					.key_lo = k->lo,
					.family = k->family,
					.len = k->len,
					.state = SLOT_USED};
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
	for (uint32_t i = 0; i < rib->n_slots; i++)
		if (rib->slot[i].state == SLOT_USED)
			free(rib->slot[i].more);
	slots_free(rib->slot, rib->n_slots);
	free(rib);
}

void bgp_rib_peer_rank(struct bgp_rib *rib, unsigned peer, uint32_t local_pref, unsigned tier)
{
	if (peer < BGP_RIB_MAX_PEERS)
		rib->rank[peer] = (struct rib_rank){.local_pref = local_pref, .tier = tier};
}

/* Is path a (of peer pa) better than b (of peer pb)? */
static bool better(const struct bgp_rib *rib, const struct rib_path *a, unsigned pa,
		   const struct rib_path *b, unsigned pb)
{
	const struct rib_rank *ra = &rib->rank[pa], *rb = &rib->rank[pb];

	if (ra->local_pref != rb->local_pref)
		return ra->local_pref > rb->local_pref;
	if (ra->tier != rb->tier)
		return ra->tier < rb->tier;
	if (a->as_path_len != b->as_path_len)
		return a->as_path_len < b->as_path_len;
	return pa < pb;
}

/* The next hops of the ranked paths, each once, at most PF_PG_MEMBERS. */
static unsigned select_nexthops(const struct bgp_rib *rib, const struct rib_entry *e,
				uint16_t nh[PF_PG_MEMBERS])
{
	unsigned order[BGP_RIB_MAX_PEERS], n_order = 0, n = 0;
	const struct rib_path *path[BGP_RIB_MAX_PEERS];

	if (e->peers != 0 && (e->peers & (e->peers - 1)) == 0) { /* one path */
		nh[0] = e->path[0].nh;
		return 1;
	}
	for (uint32_t m = e->peers; m != 0; m &= m - 1) {
		unsigned i = (unsigned)__builtin_ctz(m), j = n_order;
		const struct rib_path *pi = path_at_c(e, n_order++);
		for (; j > 0 && better(rib, pi, i, path[j - 1], order[j - 1]); j--) {
			order[j] = order[j - 1];
			path[j] = path[j - 1];
		}
		order[j] = i;
		path[j] = pi;
	}
	for (unsigned i = 0; i < n_order && n < PF_PG_MEMBERS; i++) {
		uint16_t h = path[i]->nh;
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
	uint16_t nh[PF_PG_MEMBERS] = {0};
	unsigned n = select_nexthops(rib, e, nh);
	int ret = 0;

	if (n != e->n_inst || memcmp(nh, e->inst, n * sizeof(nh[0])) != 0) {
		struct prefix p = entry_prefix(e);
		ret = n > 0 ? rib->ops.set(rib->arg, &p, nh, n) : rib->ops.unset(rib->arg, &p);
		if (ret < 0)
			rib->fib_errors++;
		else {
			memcpy(e->inst, nh, sizeof(e->inst)); /* past n: unused */
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
	struct rib_key k = key_of(p);
	struct rib_entry *e;
	uint32_t bit = 1u << peer;
	unsigned pos;
	int added;

	if (peer >= BGP_RIB_MAX_PEERS)
		return -EINVAL;
	e = find(rib, &k);
	if (e == NULL && (e = insert(rib, &k)) == NULL)
		return -ENOMEM;
	pos = path_pos(e, peer);
	added = !(e->peers & bit);
	if (added && path_insert(e, peer, pos) < 0) {
		if (e->peers == 0 && e->n_inst == 0) /* new: nothing to keep */
			sync_entry(rib, e);
		return -ENOMEM;
	}
	e->stale &= ~bit;
	*path_at(e, pos) = (struct rib_path){
		.nh = nh, .as_path_len = (uint8_t)(as_path_len > 255 ? 255 : as_path_len)};
	if (added)
		rib->count[peer][fam_idx(e)]++;
	sync_entry(rib, e);
	return added;
}

static void drop_path(struct bgp_rib *rib, struct rib_entry *e, unsigned peer)
{
	path_remove(e, peer);
	rib->count[peer][fam_idx(e)]--;
	sync_entry(rib, e);
}

int bgp_rib_withdraw(struct bgp_rib *rib, unsigned peer, const struct prefix *p)
{
	struct rib_key k = key_of(p);
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
		if (e->state != SLOT_USED || !(e->peers & bit) || !fam_match(e, family))
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
		unsigned pos = 0;
		for (uint32_t m = e->peers; m != 0; m &= m - 1) {
			unsigned peer = (unsigned)__builtin_ctz(m);
			uint16_t nh = path_at_c(e, pos++)->nh;
			for (unsigned k = 0; k < e->n_inst; k++)
				if (e->inst[k] == nh) {
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
	struct rib_key k = key_of(p);
	const struct rib_entry *e = find(rib, &k);

	if (e == NULL)
		return 0;
	memcpy(nh, e->inst, e->n_inst * sizeof(nh[0]));
	return e->n_inst;
}
