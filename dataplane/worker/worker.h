/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The run-to-completion worker loop: rx burst -> parse -> FIB lookup ->
 * path group -> rewrite -> tx burst. Never blocks, locks, allocates or
 * makes a syscall; reports a QSBR quiescent state once per loop.
 */
#ifndef PEERFWD_WORKER_H
#define PEERFWD_WORKER_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane/fwd/fwd.h"
#include "dataplane/worker/counters.h"

#define WORKER_MAX_RXQ 16
#define WORKER_BURST   32

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
	struct fwd_tables *tables;
	struct rte_ring *punt; /* to the control thread; multi-producer */
	struct pf_lcore_counters *ctr;
	volatile bool *quit;
};

/* Packets sorted by output port by worker_forward_burst, then sent. */
struct worker_tx {
	uint32_t pending; /* bit p: n[p] > 0 */
	uint16_t n[PF_MAX_PORTS];
	struct rte_mbuf *pkts[PF_MAX_PORTS][WORKER_BURST];
	uint16_t n_punt;
	struct rte_mbuf *punt[WORKER_BURST];
};

/*
 * Forward one burst received on rx_port: every packet ends in exactly one
 * of tx->pkts[port], tx->punt, or freed and counted as a drop (echoes of our
 * own frames are freed uncounted). Pure function of the tables and the
 * packets: unit-testable without any port. tx must have room (the caller
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
