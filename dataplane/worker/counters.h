/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore counters. Each worker writes only its own block, with plain
 * stores; readers (control thread, telemetry) sum all blocks. 64-bit aligned
 * loads are atomic on x86-64, so a sum is never torn, only slightly stale.
 */
#ifndef PEERFWD_COUNTERS_H
#define PEERFWD_COUNTERS_H

#include <stdint.h>
#include <rte_common.h>

#include "dataplane/fwd/fwd.h"

#define PF_MAX_WORKERS 64

#define PF_DROP_REASONS(X)                                                                         \
	X(L2_MALFORMED, "l2_malformed")                                                            \
	X(NOT_IP, "not_ip")                                                                        \
	X(IPV4_BAD_CSUM, "ipv4_bad_checksum")                                                      \
	X(IPV4_BAD_HDR, "ipv4_bad_header")                                                         \
	X(IPV4_BAD_LEN, "ipv4_bad_length")                                                         \
	X(IPV6_BAD_HDR, "ipv6_bad_header")                                                         \
	X(IPV6_BAD_LEN, "ipv6_bad_length")                                                         \
	X(TTL_EXPIRED, "ttl_expired")                                                              \
	X(MTU_EXCEEDED, "mtu_exceeded")                                                            \
	X(UNREGISTERED, "unregistered")                                                            \
	X(NO_ROUTE, "no_route")                                                                    \
	X(NO_LIVE_PATH, "no_live_path")                                                            \
	X(PUNT_FULL, "punt_ring_full")                                                             \
	X(PUNT_LIMITED, "punt_rate_limited")                                                       \
	X(PEER_LIMITED, "peer_punt_rate_limited")                                                  \
	X(TX_FULL, "tx_full")

enum pf_drop {
#define X(e, s) PF_DROP_##e,
	PF_DROP_REASONS(X)
#undef X
		PF_DROP__MAX
};

extern const char *const pf_drop_names[PF_DROP__MAX];

struct pf_pkt_count {
	uint64_t pkts;
	uint64_t bytes;
};

struct pf_port_count {
	uint64_t rx_pkts, rx_bytes;
	uint64_t tx_pkts, tx_bytes;
	uint64_t tx_drops;
	uint64_t punted;
};

struct pf_lcore_counters {
	uint64_t polls_busy; /* rx bursts that returned packets */
	uint64_t polls_idle;
	uint64_t forwarded;
	uint64_t icmp_sent;    /* ICMP errors sent (their packets count as drops) */
	uint64_t icmp_limited; /* not sent: over the worker's ICMP rate */
	uint64_t fragmented;   /* IPv4 packets sent on as fragments (MTU, no DF) */
	uint64_t drops[PF_DROP__MAX];
	struct pf_pkt_count unregistered; /* seen for unregistered destinations */
	struct pf_port_count port[PF_MAX_PORTS];
	struct pf_pkt_count pathgroup[PF_MAX_PATHGROUPS];
	struct pf_pkt_count prefix[PF_MAX_PREFIXES];
} __rte_cache_aligned;

/*
 * Sum n per-lcore blocks (NULL entries skipped) into out. Control side:
 * reads each 64-bit word once, so a concurrent writer makes the result
 * stale, never torn.
 */
void pf_counters_sum(struct pf_lcore_counters *const *blocks, unsigned n,
		     struct pf_lcore_counters *out);

#endif
