/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Forwarding tables: the control thread is the only writer; workers read
 * dest, path group and next-hop entries lock-free. Every word a worker reads
 * is published with a release store; next-hop slots are reused only after a
 * QSBR grace period (defer queue), so a worker that still holds an old path
 * group word never sees a slot rewritten under it.
 */
#include <errno.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "dataplane/fwd/fwd.h"

#define NH_WORDS (PF_MAX_NEXTHOPS / 64)

/* Control-side bookkeeping, never read by workers. */
struct fwd_ctl {
	uint64_t nh_used[NH_WORDS]; /* bit set: slot allocated or awaiting grace period */
	struct rte_rcu_qsbr_dq *nh_dq;
};

static void nh_slot_free(struct fwd_ctl *ctl, uint16_t id)
{
	ctl->nh_used[id / 64] &= ~(1ull << (id % 64));
}

static bool nh_slot_used(const struct fwd_ctl *ctl, uint16_t id)
{
	return (ctl->nh_used[id / 64] >> (id % 64)) & 1;
}

/* Defer queue callback: the grace period of these slots is over. */
static void nh_reclaim(void *p, void *e, unsigned n)
{
	const uint32_t *ids = e;

	for (unsigned i = 0; i < n; i++)
		nh_slot_free(p, (uint16_t)ids[i]);
}

static void *zalloc_array(const char *what, size_t n, size_t size, int socket_id)
{
	return rte_zmalloc_socket(what, n * size, RTE_CACHE_LINE_SIZE, socket_id);
}

static int qsbr_create(struct fwd_tables *t, const struct fwd_conf *conf)
{
	ssize_t sz = rte_rcu_qsbr_get_memsize(conf->max_readers);

	if (sz < 0)
		return -EINVAL;
	t->qsbr = rte_zmalloc_socket("pf_qsbr", sz, RTE_CACHE_LINE_SIZE, conf->socket_id);
	if (t->qsbr == NULL)
		return -ENOMEM;
	if (rte_rcu_qsbr_init(t->qsbr, conf->max_readers) != 0)
		return -rte_errno;
	return 0;
}

static int ctl_create(struct fwd_tables *t, unsigned seq, int socket_id)
{
	char name[RTE_RING_NAMESIZE];
	struct rte_rcu_qsbr_dq_parameters p = {
		.name = name,
		.flags = RTE_RCU_QSBR_DQ_MT_UNSAFE, /* single writer */
		.size = PF_MAX_NEXTHOPS,
		.esize = sizeof(uint32_t),
		.trigger_reclaim_limit = 0, /* reclaim what it can on every release */
		.max_reclaim_size = PF_MAX_NEXTHOPS,
		.free_fn = nh_reclaim,
		.v = t->qsbr,
	};

	t->ctl = rte_zmalloc_socket("pf_fwd_ctl", sizeof(*t->ctl), 0, socket_id);
	if (t->ctl == NULL)
		return -ENOMEM;
	p.p = t->ctl;
	snprintf(name, sizeof(name), "pf_nhdq_%u", seq);
	t->ctl->nh_dq = rte_rcu_qsbr_dq_create(&p);
	if (t->ctl->nh_dq == NULL)
		return -(rte_errno ? rte_errno : ENOMEM);
	return 0;
}

static int fibs_create(struct fwd_tables *t, const struct fwd_conf *conf, unsigned seq)
{
	char name[32];
	struct fib4_conf c4 = {
		.max_routes = conf->max_routes4,
		.n_tbl8 = conf->n_tbl8_4,
		.socket_id = conf->socket_id,
		.qsbr = t->qsbr,
	};
	struct fib6_conf c6 = {
		.max_routes = conf->max_routes6,
		.n_groups = conf->n_groups6,
		.socket_id = conf->socket_id,
		.qsbr = t->qsbr,
	};

	snprintf(name, sizeof(name), "pf_fib4_%u", seq);
	t->fib4 = fib4_create(name, &c4);
	if (t->fib4 == NULL)
		return -(rte_errno ? rte_errno : ENOMEM);
	snprintf(name, sizeof(name), "pf_fib6_%u", seq);
	t->fib6 = fib6_create(name, &c6);
	if (t->fib6 == NULL)
		return -(rte_errno ? rte_errno : ENOMEM);
	return 0;
}

int fwd_tables_create(struct fwd_tables *t, const struct fwd_conf *conf)
{
	static unsigned seq; /* DPDK object names must be unique per process */
	int sock = conf->socket_id;
	int ret;

	memset(t, 0, sizeof(*t));
	if (conf->max_readers == 0)
		return -EINVAL;
	t->dest = zalloc_array("pf_dest", PF_MAX_DESTS, sizeof(*t->dest), sock);
	t->pathgroup = zalloc_array("pf_pg", PF_MAX_PATHGROUPS, sizeof(*t->pathgroup), sock);
	t->nexthop = zalloc_array("pf_nh", PF_MAX_NEXTHOPS, sizeof(*t->nexthop), sock);
	if (t->dest == NULL || t->pathgroup == NULL || t->nexthop == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	/* Every member NH_NONE: an unset group has no path. */
	memset(t->pathgroup, 0xff, PF_MAX_PATHGROUPS * sizeof(*t->pathgroup));
	ret = qsbr_create(t, conf);
	if (ret < 0)
		goto fail;
	ret = ctl_create(t, seq, sock);
	if (ret < 0)
		goto fail;
	ret = fibs_create(t, conf, seq);
	if (ret < 0)
		goto fail;
	seq++;
	t->link_alive = 0; /* links come up when BFD/the driver says so */
	t->unreg_policy = UNREG_DROP;
	t->unreg_pg = PG_NONE;
	return 0;
fail:
	seq++;
	fwd_tables_free(t);
	return ret;
}

void fwd_tables_free(struct fwd_tables *t)
{
	if (t == NULL)
		return;
	fib4_free(t->fib4);
	fib6_free(t->fib6);
	/* Workers are offline by now; a slot still in its grace period only
	 * keeps the queue alive, so wait for it rather than leak the queue. */
	if (t->ctl != NULL && rte_rcu_qsbr_dq_delete(t->ctl->nh_dq) != 0) {
		rte_rcu_qsbr_synchronize(t->qsbr, RTE_QSBR_THRID_INVALID);
		rte_rcu_qsbr_dq_delete(t->ctl->nh_dq);
	}
	rte_free((void *)(uintptr_t)t->nbrs);
	rte_free(t->ctl);
	rte_free(t->qsbr);
	rte_free(t->nexthop);
	rte_free(t->pathgroup);
	rte_free(t->dest);
	memset(t, 0, sizeof(*t));
}

static int nh_slot_find(const struct fwd_ctl *ctl)
{
	for (unsigned i = 0; i < NH_WORDS; i++)
		if (~ctl->nh_used[i] != 0)
			return (int)(i * 64 + __builtin_ctzll(~ctl->nh_used[i]));
	return -ENOSPC;
}

int nexthop_alloc(struct fwd_tables *t, const struct nexthop *nh, uint16_t *id)
{
	struct fwd_ctl *ctl = t->ctl;
	int slot;

	if (nh->port_id >= PF_MAX_PORTS || nh->link_id >= PF_MAX_LINKS || nh->vlan > 4095)
		return -EINVAL;
	slot = nh_slot_find(ctl);
	if (slot < 0) {
		/* Released slots whose grace period has ended since. */
		rte_rcu_qsbr_dq_reclaim(ctl->nh_dq, PF_MAX_NEXTHOPS, NULL, NULL, NULL);
		slot = nh_slot_find(ctl);
		if (slot < 0)
			return slot;
	}
	ctl->nh_used[slot / 64] |= 1ull << (slot % 64);

	struct nexthop *dst = &t->nexthop[slot];
	/* No reader can reach the slot yet: a path group names it only after
	 * pathgroup_set's release store, which orders these writes first. The
	 * whole struct, so that a field added later is not left behind. */
	*dst = *nh;
	__atomic_store_n(&dst->flags, (uint16_t)(nh->flags | NH_F_VALID), __ATOMIC_RELEASE);
	*id = (uint16_t)slot;
	return 0;
}

/*
 * The caller has already swapped id out of every path group; a group still
 * naming it would, after the grace period, name whatever reuses the slot.
 * Until then readers skip it (flag cleared) and fall to the next member.
 */
int nexthop_release(struct fwd_tables *t, uint16_t id)
{
	struct fwd_ctl *ctl = t->ctl;
	uint32_t e = id;

	if (id >= PF_MAX_NEXTHOPS || !nh_slot_used(ctl, id))
		return -EINVAL;
	if (!(t->nexthop[id].flags & NH_F_VALID))
		return -EALREADY; /* released, waiting for its grace period */
	/* Workers still holding a group word that names id now skip it. */
	__atomic_store_n(&t->nexthop[id].flags, (uint16_t)(t->nexthop[id].flags & ~NH_F_VALID),
			 __ATOMIC_RELEASE);
	if (rte_rcu_qsbr_dq_enqueue(ctl->nh_dq, &e) == 0)
		return 0;
	/* Queue full (cannot happen with one entry per slot): wait instead. */
	rte_rcu_qsbr_synchronize(t->qsbr, RTE_QSBR_THRID_INVALID);
	nh_slot_free(ctl, id);
	return 0;
}

int pathgroup_set(struct fwd_tables *t, uint16_t pg, const uint16_t *members, unsigned n)
{
	uint64_t w = UINT64_MAX; /* all NH_NONE */

	if (pg >= PF_MAX_PATHGROUPS || n > PF_PG_MEMBERS || (n > 0 && members == NULL))
		return -EINVAL;
	for (unsigned i = 0; i < n; i++) {
		uint16_t id = members[i];
		if (id >= PF_MAX_NEXTHOPS || !nh_slot_used(t->ctl, id) ||
		    !(t->nexthop[id].flags & NH_F_VALID))
			return -EINVAL;
		w &= ~(0xffffull << (16 * i));
		w |= (uint64_t)id << (16 * i);
	}
	__atomic_store_n(&t->pathgroup[pg], w, __ATOMIC_RELEASE);
	return 0;
}

int dest_set(struct fwd_tables *t, uint32_t dest_id, uint16_t pg, uint16_t flags,
	     uint32_t prefix_idx)
{
	const uint16_t known = DEST_F_VALID | DEST_F_REGISTERED | DEST_F_LOCAL;

	if (dest_id >= PF_MAX_DESTS || (flags & ~known) != 0)
		return -EINVAL;
	if (pg >= PF_MAX_PATHGROUPS && pg != PG_NONE)
		return -EINVAL;
	if ((flags & DEST_F_REGISTERED) && prefix_idx >= PF_MAX_PREFIXES)
		return -EINVAL;
	__atomic_store_n(&t->dest[dest_id], DEST_WORD(pg, flags, prefix_idx), __ATOMIC_RELEASE);
	return 0;
}

int link_set_alive(struct fwd_tables *t, uint16_t link_id, bool alive)
{
	uint64_t bit;

	if (link_id >= PF_MAX_LINKS)
		return -EINVAL;
	bit = 1ull << link_id;
	if (alive)
		__atomic_fetch_or(&t->link_alive, bit, __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(&t->link_alive, ~bit, __ATOMIC_RELEASE);
	return 0;
}

bool link_is_alive(const struct fwd_tables *t, uint16_t link_id)
{
	if (link_id >= PF_MAX_LINKS)
		return false;
	return (__atomic_load_n(&t->link_alive, __ATOMIC_ACQUIRE) >> link_id) & 1;
}

static int nbr4_cmp(const void *a, const void *b)
{
	const uint32_t x = ((const struct fwd_nbr4 *)a)->addr,
		       y = ((const struct fwd_nbr4 *)b)->addr;

	return (x > y) - (x < y);
}

static int nbr6_cmp(const void *a, const void *b)
{
	return memcmp(((const struct fwd_nbr6 *)a)->addr, ((const struct fwd_nbr6 *)b)->addr, 16);
}

int fwd_nbr4_find(const struct fwd_nbrs *s, uint32_t addr)
{
	const struct fwd_nbr4 key = {.addr = addr};
	const struct fwd_nbr4 *e =
		s == NULL ? NULL : bsearch(&key, s->v4, s->n4, sizeof(key), nbr4_cmp);

	return e == NULL ? -1 : (int)e->flags;
}

int fwd_nbr6_find(const struct fwd_nbrs *s, const uint8_t *addr)
{
	struct fwd_nbr6 key = {.flags = 0};
	const struct fwd_nbr6 *e;

	memcpy(key.addr, addr, sizeof(key.addr));
	e = s == NULL ? NULL : bsearch(&key, s->v6, s->n6, sizeof(key), nbr6_cmp);
	return e == NULL ? -1 : (int)e->flags;
}

static int nbr_mac_cmp(const void *a, const void *b)
{
	const uint64_t x = ((const struct fwd_nbr_mac *)a)->mac,
		       y = ((const struct fwd_nbr_mac *)b)->mac;

	return (x > y) - (x < y);
}

static uint64_t mac_key(const uint8_t *mac)
{
	uint64_t k = 0;

	for (unsigned i = 0; i < RTE_ETHER_ADDR_LEN; i++)
		k = k << 8 | mac[i];
	return k;
}

int fwd_nbr_mac_find(const struct fwd_nbrs *s, const uint8_t *mac)
{
	const struct fwd_nbr_mac key = {.mac = mac_key(mac)};
	const struct fwd_nbr_mac *e =
		s == NULL ? NULL : bsearch(&key, s->mac, s->n_mac, sizeof(key), nbr_mac_cmp);

	return e == NULL ? -1 : (int)e->flags;
}

/* Sort the n entries of size sz at v and merge equal ones, or-ing their
 * flags (the uint32_t at flags_off); returns how many are left. */
static uint32_t nbrs_sort(void *v, uint32_t n, size_t sz, size_t flags_off,
			  int (*cmp)(const void *, const void *))
{
	uint8_t *e = v, *last = NULL;
	uint32_t k = 0;

	qsort(v, n, sz, cmp);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t f, lf;
		if (last != NULL && cmp(last, e + i * sz) == 0) {
			memcpy(&f, e + i * sz + flags_off, sizeof(f));
			memcpy(&lf, last + flags_off, sizeof(lf));
			lf |= f;
			memcpy(last + flags_off, &lf, sizeof(lf));
			continue;
		}
		last = e + k++ * sz;
		memmove(last, e + i * sz, sz);
	}
	return k;
}

static bool nbrs_same(const struct fwd_nbrs *a, const struct fwd_nbrs *b)
{
	return a != NULL && b != NULL && a->n4 == b->n4 && a->n6 == b->n6 && a->n_mac == b->n_mac &&
	       memcmp(a->v4, b->v4, a->n4 * sizeof(*a->v4)) == 0 &&
	       memcmp(a->v6, b->v6, a->n6 * sizeof(*a->v6)) == 0 &&
	       memcmp(a->mac, b->mac, a->n_mac * sizeof(*a->mac)) == 0;
}

static_assert(sizeof(struct fwd_nbrs) % alignof(struct fwd_nbr_mac) == 0,
	      "the MAC entries follow the header aligned");

int fwd_nbrs_set(struct fwd_tables *t, const struct fwd_nbr *v, unsigned n)
{
	/* One block: the header, then the MAC, IPv4 and IPv6 entries (by
	 * alignment, 8, 4 and 4 bytes, whatever n). */
	const size_t sz =
		sizeof(struct fwd_nbrs) + n * (sizeof(struct fwd_nbr4) + sizeof(struct fwd_nbr6) +
					       sizeof(struct fwd_nbr_mac));
	struct fwd_nbrs *s = rte_zmalloc("pf_nbrs", sz, RTE_CACHE_LINE_SIZE);
	const struct fwd_nbrs *old = t->nbrs;

	if (s == NULL)
		return -ENOMEM;
	struct fwd_nbr_mac *mac = (struct fwd_nbr_mac *)(s + 1);
	struct fwd_nbr4 *v4 = (struct fwd_nbr4 *)(mac + n);
	struct fwd_nbr6 *v6 = (struct fwd_nbr6 *)(v4 + n);
	for (unsigned i = 0; i < n; i++) {
		if (v[i].mac) {
			mac[s->n_mac].mac = mac_key(v[i].addr);
			mac[s->n_mac++].flags = v[i].flags;
		} else if (v[i].v6) {
			memcpy(v6[s->n6].addr, v[i].addr, 16);
			v6[s->n6++].flags = v[i].flags;
		} else {
			uint32_t a;
			memcpy(&a, v[i].addr, 4);
			v4[s->n4].addr = rte_be_to_cpu_32(a);
			v4[s->n4++].flags = v[i].flags;
		}
	}
	s->n4 = nbrs_sort(v4, s->n4, sizeof(*v4), offsetof(struct fwd_nbr4, flags), nbr4_cmp);
	s->n6 = nbrs_sort(v6, s->n6, sizeof(*v6), offsetof(struct fwd_nbr6, flags), nbr6_cmp);
	s->n_mac = nbrs_sort(mac, s->n_mac, sizeof(*mac), offsetof(struct fwd_nbr_mac, flags),
			     nbr_mac_cmp);
	s->v4 = v4;
	s->v6 = v6;
	s->mac = mac;
	if (nbrs_same(s, old)) {
		rte_free(s);
		return 0;
	}
	__atomic_store_n(&t->nbrs, s, __ATOMIC_RELEASE);
	if (old != NULL) {
		rte_rcu_qsbr_synchronize(t->qsbr, RTE_QSBR_THRID_INVALID);
		rte_free((void *)(uintptr_t)old);
	}
	return 1;
}
