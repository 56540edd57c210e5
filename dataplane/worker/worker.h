/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The run-to-completion worker loop: rx burst -> parse -> FIB lookup ->
 * path group -> rewrite -> tx burst. Never blocks, locks, allocates
 * memory or makes a syscall (the only buffers it takes are mbufs from the
 * pool, for IPv4 fragments); reports a QSBR quiescent state once per loop.
 */
#ifndef PEERFWD_WORKER_H
#define PEERFWD_WORKER_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane/fwd/fwd.h"
#include "dataplane/worker/counters.h"

#define WORKER_MAX_RXQ 16
#define WORKER_BURST   32
/* ICMP errors a worker may send at once after a quiet spell, as Linux's
 * net.ipv4.icmp_msgs_burst. */
#define WORKER_ICMP_BURST 50
/* Punts other than the neighbours' sessions a worker lets through at once
 * (punt rate). */
#define WORKER_PUNT_BURST 64
/* The neighbours' sessions that may come from off the link a worker lets
 * through at once (peer punt rate). */
#define WORKER_PEER_BURST 256

/* One word, so the control thread can replace an entry a worker may be
 * reading (link.add / link.remove) with a single 32-bit store. */
struct worker_rxq {
	union {
		struct {
			uint16_t port_id;
			uint16_t queue_id;
		};
		uint32_t word;
	};
};

struct worker {
	unsigned lcore_id;
	unsigned index; /* QSBR thread id, and this worker's tx queue on every port */
	/* Changed at run time by the control thread (worker_rxq_add/del): an
	 * entry is written whole before n_rxq (release) makes it visible. */
	unsigned n_rxq;
	struct worker_rxq rxq[WORKER_MAX_RXQ];
	uint16_t port_ids[PF_MAX_PORTS]; /* ports this worker may transmit on */
	unsigned n_ports;
	/* Each port's own MAC, filled at launch (rte_eth_macaddr_get). af_packet
	 * ports also receive the kernel's own outgoing frames: a frame whose
	 * source is the rx port's MAC is one of ours echoed back, and ignored. */
	struct rte_ether_addr port_mac[PF_MAX_PORTS];
	/* ICMP errors (worker_set_icmp_rate): each port's own addresses, the
	 * errors' source (zero: none of that family), filled before the port
	 * is polled; and this worker's rate limit, a GCRA on the TSC. */
	rte_be32_t port_addr4[PF_MAX_PORTS];
	uint8_t port_addr6[PF_MAX_PORTS][16];
	/* Each port's L3 MTU and the smallest of them: a burst from a port
	 * whose MTU is above it checks every packet against its next hop's. */
	uint16_t port_mtu[PF_MAX_PORTS];
	uint16_t min_mtu;
	uint64_t icmp_interval; /* TSC cycles per error at the rate; 0: send none */
	uint64_t icmp_burst;	/* cycles of credit: WORKER_ICMP_BURST - 1 errors */
	uint64_t icmp_tat;	/* theoretical arrival time of the next error */
	/* Control-plane protection (worker_set_punt_rate): a GCRA on what is
	 * punted, except the neighbours' sessions; interval 0: no limit. */
	uint64_t punt_interval, punt_burst, punt_tat;
	/* The same for the neighbours' BGP without TTL 255 and multihop BFD
	 * (worker_set_peer_punt_rate). */
	uint64_t peer_interval, peer_burst, peer_tat;
	struct fwd_tables *tables;
	struct rte_ring *punt; /* to the control thread; multi-producer */
	struct pf_lcore_counters *ctr;
	volatile bool *quit;
};

/*
 * The worker's decision for a FIB answer (dest word d), shared with the
 * control socket's route.lookup so that both always agree. dest_is_local:
 * punt to the control thread. Otherwise dest_pathgroup gives the path group
 * to forward through (-1 returned) or why the packet is dropped (a
 * pf_drop). Link liveness and TTL are the caller's.
 */
static inline bool dest_is_local(uint64_t d)
{
	return (DEST_FLAGS(d) & (DEST_F_VALID | DEST_F_LOCAL)) == (DEST_F_VALID | DEST_F_LOCAL);
}

static inline int dest_pathgroup(uint64_t d, uint16_t unreg_policy, uint16_t unreg_pg, uint16_t *pg)
{
	const uint16_t fl = DEST_FLAGS(d);

	if (!(fl & DEST_F_VALID))
		return PF_DROP_NO_ROUTE;
	if (fl & DEST_F_REGISTERED)
		*pg = DEST_PG(d);
	else if (unreg_policy == UNREG_DROP)
		return PF_DROP_UNREGISTERED;
	else
		*pg = unreg_pg;
	return *pg < PF_MAX_PATHGROUPS ? -1 : PF_DROP_NO_ROUTE;
}

/* Packets sorted by output port by worker_forward_burst, then sent. */
struct worker_tx {
	uint32_t pending; /* bit p: n[p] > 0 */
	uint16_t n[PF_MAX_PORTS];
	struct rte_mbuf *pkts[PF_MAX_PORTS][WORKER_BURST];
	uint16_t n_punt;
	struct rte_mbuf *punt[WORKER_BURST];
	/* ICMP errors, each back out of the port in icmp_port[i] */
	uint16_t n_icmp;
	uint16_t icmp_port[WORKER_BURST];
	struct rte_mbuf *icmp[WORKER_BURST];
};

/* A worker GCRA's interval (TSC cycles per event at per_s a second; 0 for
 * 0) and credit for bursts of n: one store each. */
static inline void worker_gcra_set(uint64_t *interval, uint64_t *burst, uint32_t per_s, unsigned n)
{
	const uint64_t iv = per_s == 0 ? 0 : RTE_MAX(rte_get_tsc_hz() / per_s, (uint64_t)1);

	__atomic_store_n(burst, iv * (n - 1), __ATOMIC_RELAXED);
	__atomic_store_n(interval, iv, __ATOMIC_RELAXED);
}

/*
 * The ICMP errors (time exceeded, too big) this worker may send: at most
 * per_s a second (0: none; the drops are counted either way), in bursts of
 * up to WORKER_ICMP_BURST. Control thread, also while the worker runs
 * (config reload): the two words change one store each.
 */
static inline void worker_set_icmp_rate(struct worker *w, uint32_t per_s)
{
	worker_gcra_set(&w->icmp_interval, &w->icmp_burst, per_s, WORKER_ICMP_BURST);
}

/*
 * What this worker punts to the control thread besides the sessions of the
 * box's neighbours (tables->nbrs: their BGP, BFD, ARP and ND): other ARP
 * and ND, ICMP, multicast, anyone else's BGP, anything else for the box, at
 * most per_s a second in bursts of up to WORKER_PUNT_BURST (0: no limit);
 * the rest is dropped as punt_rate_limited. A storm then cannot crowd the
 * sessions' packets out of the punt ring, where an exception path's BFD,
 * BGP and neighbour resolution travel. Control thread, also while the
 * worker runs.
 */
static inline void worker_set_punt_rate(struct worker *w, uint32_t per_s)
{
	worker_gcra_set(&w->punt_interval, &w->punt_burst, per_s, WORKER_PUNT_BURST);
}

/*
 * The neighbours' sessions that may come from off the link: BGP from a
 * neighbour (not GTSM) without TTL 255, and multihop BFD (UDP 4784). A
 * forged neighbour address gets a storm past the punt rate; this rate keeps
 * it from the punt ring and the control thread, at per_s a second in bursts
 * of up to WORKER_PEER_BURST (0: no limit); the rest is dropped as
 * peer_punt_rate_limited. BFD (TTL 255), GTSM BGP, ARP and ND from the
 * neighbours cannot be forged from off the link and take no rate.
 * Control thread, also while the worker runs.
 */
static inline void worker_set_peer_punt_rate(struct worker *w, uint32_t per_s)
{
	worker_gcra_set(&w->peer_interval, &w->peer_burst, per_s, WORKER_PEER_BURST);
}

/*
 * Forward one burst received on rx_port: every packet ends in exactly one
 * of tx->pkts[port], tx->punt, tx->icmp (turned into an ICMP error), or
 * freed and counted as a drop (echoes of our own frames are freed
 * uncounted). A function of the tables, the packets and (for ICMP errors)
 * the clock: unit-testable without any port. tx must have room (the caller
 * flushes between bursts); a full tx or punt array drops with TX_FULL or
 * PUNT_FULL. Counts port tx when a packet is queued; the flush in
 * worker_main takes back what the NIC refuses.
 */
void worker_forward_burst(struct worker *w, uint16_t rx_port, struct rte_mbuf **pkts, uint16_t n,
			  struct worker_tx *tx);

/*
 * Control thread only, while the worker runs. add: -ENOSPC when full.
 * del: removes every entry of port_id and returns how many; the caller must
 * then wait for a QSBR grace period (rte_rcu_qsbr_synchronize) before it
 * stops the port, since the worker may still be in an rx burst on it.
 */
int worker_rxq_add(struct worker *w, uint16_t port_id, uint16_t queue_id);
unsigned worker_rxq_del(struct worker *w, uint16_t port_id);

/* lcore entry point for rte_eal_remote_launch; arg is a struct worker. */
int worker_main(void *arg);

#endif
