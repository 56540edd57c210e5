/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The routes peers announced, and what the FIB must hold for them.
 *
 * One open-addressing hash keyed by prefix holds, per prefix, the path each
 * peer announced (the Adj-RIB-In of every peer, after import policy) and the
 * next-hop list last installed. Peers are ranked, and a prefix's next hops
 * are those of the peers announcing it in rank order: with the tier-ordered
 * local_pref of the policies, primary then local then geo. Those become one
 * path group, so the workers fail over between tiers on link liveness
 * without the control thread touching the prefix.
 *
 * Pure: no DPDK. The FIB is reached through ops, so unit tests watch it.
 */
#ifndef PEERFWD_BGP_RIB_H
#define PEERFWD_BGP_RIB_H

#include <stdbool.h>
#include <stdint.h>

#include "control/prefix/prefix.h"
#include "dataplane/fwd/fwd.h"

#define BGP_RIB_MAX_PEERS 32
#define BGP_RIB_NH_NONE	  0xffffu

struct bgp_rib_ops {
	/* nh: next hops (the caller's ids, config next-hop indexes in peerfwd)
	 * in preference order, 1..PF_PG_MEMBERS. 0 or -errno. */
	int (*set)(void *arg, const struct prefix *p, const uint16_t *nh, unsigned n);
	int (*unset)(void *arg, const struct prefix *p);
};

struct bgp_rib;

struct bgp_rib *bgp_rib_create(const struct bgp_rib_ops *ops, void *arg);
void bgp_rib_free(struct bgp_rib *rib);

/* Rank of a peer's paths: higher local_pref first, then lower tier, then
 * shorter AS_PATH, then lower peer index. Set before the peer announces. */
void bgp_rib_peer_rank(struct bgp_rib *rib, unsigned peer, uint32_t local_pref, unsigned tier);

/* Announce p from peer via next hop nh: 1 new for this peer, 0 replaced,
 * -errno (-ENOMEM). Clears the path's stale mark. */
int bgp_rib_announce(struct bgp_rib *rib, unsigned peer, const struct prefix *p, uint16_t nh,
		     unsigned as_path_len);
/* 1 removed, 0 the peer had no path for p. */
int bgp_rib_withdraw(struct bgp_rib *rib, unsigned peer, const struct prefix *p);

/* family 0: both. Return how many paths were affected. */
unsigned bgp_rib_flush(struct bgp_rib *rib, unsigned peer, int family);
unsigned bgp_rib_mark_stale(struct bgp_rib *rib, unsigned peer, int family);
unsigned bgp_rib_flush_stale(struct bgp_rib *rib, unsigned peer, int family);

unsigned bgp_rib_peer_count(const struct bgp_rib *rib, unsigned peer, int family);
unsigned bgp_rib_peer_stale(const struct bgp_rib *rib, unsigned peer);
/* Per peer: its paths whose next hop is in the group installed for the
 * prefix (one walk of the table). */
void bgp_rib_installed_by_peer(const struct bgp_rib *rib, unsigned count[BGP_RIB_MAX_PEERS]);
unsigned bgp_rib_prefixes(const struct bgp_rib *rib); /* prefixes with any path */
uint64_t bgp_rib_fib_errors(const struct bgp_rib *rib);

/* The next hops installed for p (0: none). */
unsigned bgp_rib_installed(const struct bgp_rib *rib, const struct prefix *p,
			   uint16_t nh[PF_PG_MEMBERS]);

#endif
