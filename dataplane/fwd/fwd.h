/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Forwarding state shared between the control thread (single writer) and
 * the workers (lock-free readers).
 *
 *   FIB value (22 bits) -> dest word -> path group word -> next hop
 *
 * - dest word (64 bits): which path group a FIB entry uses, whether the
 *   destination is a registered prefix, and that prefix's counter index.
 * - path group word (64 bits): up to four next-hop ids in preference order
 *   (primary, local-redundant, geo-redundant, spare). One atomic store
 *   changes a group, so a reader never sees half a group.
 * - next hops are immutable while published: a change allocates a new id,
 *   swaps the group words that used the old one, and frees the old id after
 *   a QSBR grace period.
 * - link liveness is one 64-bit mask: marking a link down is one store, and
 *   every prefix whose group lists that link moves at once.
 */
#ifndef PEERFWD_FWD_H
#define PEERFWD_FWD_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_rcu_qsbr.h>

#include "dataplane/fib/fib4.h"
#include "dataplane/fib/fib6.h"

#define PF_MAX_PORTS	  32
#define PF_MAX_LINKS	  64 /* bits in the liveness mask; a link is a port */
#define PF_MAX_NEXTHOPS	  4096
#define PF_MAX_PATHGROUPS 4096
#define PF_MAX_DESTS	  (1u << 20)
#define PF_MAX_PREFIXES	  65536 /* registered prefixes (counter slots) */
#define PF_PG_MEMBERS	  4

#define NH_NONE 0xffffu
#define PG_NONE 0xffffu

enum pf_tier {
	TIER_PRIMARY = 0,
	TIER_LOCAL = 1, /* local-redundant: second router, same metro */
	TIER_GEO = 2,	/* geo-redundant: another edge site */
	TIER__MAX,
};

struct nexthop {
	struct rte_ether_addr dst_mac;
	struct rte_ether_addr src_mac;
	uint16_t port_id; /* DPDK port to transmit on */
	uint16_t link_id; /* bit in fwd_tables.link_alive */
	uint16_t vlan;	  /* 802.1Q VID, 0 = untagged */
	uint16_t flags;
	uint16_t mtu; /* its port's L3 MTU: larger packets get an ICMP error; 0: unchecked */
} __rte_aligned(32);
#define NH_F_VALID 0x1 /* published, not released */
/* Published, but its MAC is not known yet (neighbour unresolved or failed):
 * readers skip it as they skip a dead link. A MAC learnt later is a new
 * next hop swapped into the groups, like any other change. */
#define NH_F_NOMAC 0x2
/* Published, but BFD says the neighbour stopped answering: skipped too. */
#define NH_F_DOWN 0x4
/* What a reader may send through: published, resolved and not down. */
#define NH_USABLE(flags) (((flags) & (NH_F_VALID | NH_F_NOMAC | NH_F_DOWN)) == NH_F_VALID)

/* dest word layout */
#define DEST_PG(w)	      ((uint16_t)((w)&0xffff))
#define DEST_FLAGS(w)	      ((uint16_t)(((w) >> 16) & 0xffff))
#define DEST_PREFIX(w)	      ((uint32_t)((w) >> 32))
#define DEST_WORD(pg, fl, px) ((uint64_t)(pg) | ((uint64_t)(fl) << 16) | ((uint64_t)(px) << 32))
#define DEST_F_VALID	      0x1
#define DEST_F_REGISTERED     0x2 /* inside a registered prefix: counted per prefix */
#define DEST_F_LOCAL	      0x4 /* one of the box's own addresses: punt to control */

/* path group word layout: member i in bits [16*i, 16*i+15] */
#define PG_MEMBER(w, i) ((uint16_t)((w) >> (16 * (i))))

enum pf_unreg_policy {
	UNREG_DROP = 0,
	UNREG_PATHGROUP = 1,
};

struct fwd_ctl;

/*
 * The box's control-plane neighbours: its BGP peers and next hops, whose
 * BGP, BFD, ARP and ND the workers punt without the punt rate (see
 * worker_set_punt_rate), and the next hops' MACs, whose ND goes the same
 * way from whatever address (a router's link-local one). Published whole
 * and never changed: fwd_nbrs_set swaps in a new one and frees the old
 * after a grace period. Sorted, one entry per address, so a worker finds
 * one by binary search.
 */
#define NBR_F_GTSM 0x1 /* a BGP peer with ttl_security: its BGP comes with TTL 255 */

struct fwd_nbr4 {
	uint32_t addr; /* host order */
	uint32_t flags;
};

struct fwd_nbr6 {
	uint8_t addr[16];
	uint32_t flags;
};

struct fwd_nbr_mac {
	uint64_t mac; /* the 6 bytes as a big-endian number */
	uint32_t flags;
};

struct fwd_nbrs {
	uint32_t n4, n6, n_mac;
	const struct fwd_nbr4 *v4;
	const struct fwd_nbr6 *v6;
	const struct fwd_nbr_mac *mac;
};

/* fwd_nbrs_set's input: one address (IPv4 in addr[0..3]; a MAC in
 * addr[0..5] when mac) and its flags. */
struct fwd_nbr {
	bool v6, mac;
	uint8_t addr[16];
	uint32_t flags;
};

struct fwd_tables {
	struct fib4 *fib4;
	struct fib6 *fib6;
	uint64_t *dest;		 /* [PF_MAX_DESTS] */
	uint64_t *pathgroup;	 /* [PF_MAX_PATHGROUPS] */
	struct nexthop *nexthop; /* [PF_MAX_NEXTHOPS] */
	struct rte_rcu_qsbr *qsbr;
	const struct fwd_nbrs *nbrs; /* NULL: none yet; fwd_nbrs_set */
	/* Control thread only (next-hop slot allocator); the tables own qsbr. */
	struct fwd_ctl *ctl;
	/* Hot, read by every worker burst: own cache line. */
	uint64_t link_alive __rte_cache_aligned; /* bit = link id */
	uint16_t unreg_policy;			 /* enum pf_unreg_policy */
	uint16_t unreg_pg;			 /* path group used by UNREG_PATHGROUP */
};

struct fwd_conf {
	uint32_t max_routes4, n_tbl8_4;
	uint32_t max_routes6, n_groups6;
	unsigned max_readers; /* worker lcores that report to QSBR */
	int socket_id;
};

/* Control thread. All return 0 or a negative errno. */
int fwd_tables_create(struct fwd_tables *t, const struct fwd_conf *conf);
void fwd_tables_free(struct fwd_tables *t);

/* Next hops: alloc publishes a copy; release frees after a grace period. */
int nexthop_alloc(struct fwd_tables *t, const struct nexthop *nh, uint16_t *id);
int nexthop_release(struct fwd_tables *t, uint16_t id);

/* members: next-hop ids in preference order, n <= PF_PG_MEMBERS. */
int pathgroup_set(struct fwd_tables *t, uint16_t pg, const uint16_t *members, unsigned n);
int dest_set(struct fwd_tables *t, uint32_t dest_id, uint16_t pg, uint16_t flags,
	     uint32_t prefix_idx);
int link_set_alive(struct fwd_tables *t, uint16_t link_id, bool alive);
/* Publish the neighbours in v[0..n) (duplicates merge, flags or-ed) if
 * they differ from the published ones, and free those after a grace
 * period (rte_rcu_qsbr_synchronize: the caller waits for the workers'
 * next quiescent state). 1 published, 0 the same, -ENOMEM unchanged. */
int fwd_nbrs_set(struct fwd_tables *t, const struct fwd_nbr *v, unsigned n);

/* Worker side (punts only): the flags of a neighbour, or -1 when addr is
 * none (s may be NULL); a binary search with fwd_nbrs_set's order. s is
 * what the worker loaded (acquire) from t->nbrs. addr4 in host order. */
int fwd_nbr4_find(const struct fwd_nbrs *s, uint32_t addr);
int fwd_nbr6_find(const struct fwd_nbrs *s, const uint8_t *addr);
/* The same for a neighbour's MAC (6 bytes). */
int fwd_nbr_mac_find(const struct fwd_nbrs *s, const uint8_t *mac);
bool link_is_alive(const struct fwd_tables *t, uint16_t link_id);

/*
 * Worker side: the first member of group pg whose link is alive in the
 * snapshot `alive` (loaded once per burst), or NULL.
 */
static inline const struct nexthop *pathgroup_active_member(const struct fwd_tables *t, uint16_t pg,
							    uint64_t alive)
{
	uint64_t w = __atomic_load_n(&t->pathgroup[pg], __ATOMIC_ACQUIRE);

	for (unsigned i = 0; i < PF_PG_MEMBERS; i++) {
		uint16_t id = PG_MEMBER(w, i);
		if (id == NH_NONE)
			break;
		const struct nexthop *nh = &t->nexthop[id];
		/* the control thread clears flags with an atomic store */
		if (NH_USABLE(__atomic_load_n(&nh->flags, __ATOMIC_RELAXED)) &&
		    (alive >> nh->link_id) & 1)
			return nh;
	}
	return NULL;
}

#endif
