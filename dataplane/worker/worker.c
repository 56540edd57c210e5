/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker: per burst, classify every packet (parse, echo filter, punt
 * what the control thread wants), look the rest up in the FIB, then
 * resolve dest -> path group -> next hop against one snapshot of link
 * liveness, rewrite and queue per output port.
 *
 * Two ways through a burst, with the same outcome for every packet. The
 * common burst, where every packet to look up is untagged IPv4 without
 * options, keeps three words per packet (mbuf, IPv4 header, destination)
 * and resolves them in one tight loop (resolve_fast). The first packet of
 * any other shape that needs a lookup turns the burst general: the packets
 * kept so far become struct fwd_pkt records and every packet from there on
 * is parsed and resolved one by one (classify_slow, resolve_one).
 *
 * The FIB's first-level entries are the one memory access per packet that
 * misses the caches with a large table (a 64 MiB array read at random), so
 * the burst is arranged around them. Parsing prefetches each IPv4
 * destination's entry; a prefetch does not hold up the loop, so the misses
 * of the whole burst overlap with the parsing. The fast loop then reads
 * the entries (fib4_reader_lookup); a general burst looks its IPv4 up in
 * bulk before resolving. Loading the entries in the parse loop itself
 * measured slower: each load held that loop up until it arrived.
 */
#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_prefetch.h>

#include "dataplane/pkt/pkt.h"
#include "dataplane/worker/worker.h"

static const uint8_t fault_drop[PKT_FAULT__MAX] = {
	[PKT_L2_MALFORMED] = PF_DROP_L2_MALFORMED,   [PKT_IPV4_BAD_HDR] = PF_DROP_IPV4_BAD_HDR,
	[PKT_IPV4_BAD_CSUM] = PF_DROP_IPV4_BAD_CSUM, [PKT_IPV4_BAD_LEN] = PF_DROP_IPV4_BAD_LEN,
	[PKT_IPV6_BAD_HDR] = PF_DROP_IPV6_BAD_HDR,   [PKT_IPV6_BAD_LEN] = PF_DROP_IPV6_BAD_LEN,
};

/* What the fast path's packets have in front of their IPv4 header. */
static const struct pkt_l2 l2_eth_ipv4 = {
	.ethertype = RTE_ETHER_TYPE_IPV4,
	.l2_len = RTE_ETHER_HDR_LEN,
	.n_vlan = 0,
};

/* A packet that needs a FIB lookup, in a general burst. */
struct fwd_pkt {
	struct rte_mbuf *m;
	void *l3; /* struct rte_ipv4_hdr or rte_ipv6_hdr */
	struct pkt_l2 l2;
	uint16_t key; /* index into the v4 or v6 lookup arrays */
	bool v6;
};

/* Run keys: the path group a packet goes through (< 2^16, as in the dest
 * word). RUN_NONE matches nothing. */
#define RUN_NONE 0x20000u

/*
 * Forwarded packets of one path group in a row: consecutive packets mostly
 * share it (one link's traffic, or the unregistered policy's group), so its
 * active member is looked up once per run, its packets are appended to the
 * output port's tx array through one cursor, and its counters (path group,
 * tx port, forwarded) are added once per run, not per packet. A key that
 * does not forward (no group, no live member) is remembered with its
 * reason, so a stream of such packets does not look it up again either.
 */
struct pg_run {
	uint32_t key; /* RUN_NONE: no run yet */
	const struct nexthop *nh;
	/* The run's slots in tx->pkts[port]: from first, up to next, room up to end. */
	struct rte_mbuf **first, **next, **end;
	uint32_t max_l3;   /* the next hop's MTU when checked, else UINT32_MAX */
	uint64_t bytes;	   /* as received, for the path group */
	int64_t l2_delta;  /* bytes the rewrite added (tags) or removed, for the port */
	uint32_t drop_key; /* RUN_NONE, or the last key that does not forward */
	int drop_why;	   /* and why */
};

/* One burst's working state; lives on the worker's stack. */
struct burst {
	struct worker *w;
	struct worker_tx *tx;
	struct pf_lcore_counters *c;
	uint16_t rx_port;
	bool general;	/* some packet to look up is not untagged option-less IPv4 */
	bool check_mtu; /* the rx port's MTU is above some port's: packets may not fit */
	unsigned n_fwd, n4, n6, n_dead;
	struct pf_pkt_count unreg; /* added to c once per burst */
	struct pf_pkt_count sink;  /* registered prefixes without a counter slot */
	/* resolve_class's answer: the FIB value whose packets resolve_fast
	 * may queue without looking at their dest word again, and their
	 * counter. */
	uint32_t class_v;
	struct pf_pkt_count *class_count;
	struct pg_run run;
	struct fib4_reader f4; /* the IPv4 FIB, for the prefetches and the fast loop */
	/* Fast: the i-th IPv4 lookup is m[i], l3[i], ip4[i]. General: fwd[],
	 * and ip4[i]'s FIB value is val4[i]. */
	struct rte_mbuf *m[WORKER_BURST];
	struct rte_ipv4_hdr *l3[WORKER_BURST];
	uint32_t ip4[WORKER_BURST];
	uint32_t val4[WORKER_BURST];
	struct fwd_pkt fwd[WORKER_BURST];
	uint8_t ip6[WORKER_BURST][FIB6_ADDR_LEN];
	uint32_t val6[WORKER_BURST];
	struct rte_mbuf *dead[WORKER_BURST]; /* freed in bulk at the end */
};

static inline void drop(struct burst *b, struct rte_mbuf *m, enum pf_drop why)
{
	b->c->drops[why]++;
	b->dead[b->n_dead++] = m;
}

/* GCRA on the TSC: one event per interval cycles (> 0), burst cycles of
 * credit; *tat is the theoretical arrival time of the next. The control
 * thread may change interval and burst at any time (worker_gcra_set). */
static bool gcra_take(uint64_t *tat, uint64_t interval, const uint64_t *burst)
{
	const uint64_t now = rte_rdtsc(), t = RTE_MAX(*tat, now);

	if (t - now > __atomic_load_n(burst, __ATOMIC_RELAXED))
		return false;
	*tat = t + interval;
	return true;
}

/* What a punt is, for the rate it takes. */
enum punt_class {
	PUNT_OTHER,  /* punt_rate */
	PUNT_ONLINK, /* a neighbour's session from on the link: no rate */
	PUNT_PEER,   /* a neighbour's session maybe from off it: peer_punt_rate */
};

/*
 * The punts a storm of anything else must not starve come from the box's
 * control-plane neighbours (fwd_nbrs: BGP peers, next hops) only: BGP (TCP
 * 179 either way; TTL 255 from a GTSM peer, RFC 5082, as its socket takes
 * no other), BFD (UDP to 3784 with TTL 255, RFC 5881 5; to 4784, multihop)
 * and ND (RFC 4861: hop limit 255) from a neighbour, about one (the
 * target of an NS or NA), or from a next hop's MAC (a router's NS for the
 * box's address from its link-local one). Of those, what carries TTL 255 cannot have
 * crossed a router (RFC 5082): PUNT_ONLINK. BGP with a lower TTL from a
 * peer without GTSM, and multihop BFD, may be forged from anywhere with a
 * neighbour's address: PUNT_PEER. l3 is a parsed header (pkt_parse_ipv4/6)
 * in m.
 */
static enum punt_class punt_class(const struct fwd_nbrs *s, const struct rte_mbuf *m,
				  const void *l3, bool v6)
{
	const uint8_t *l4;
	uint32_t avail;
	uint8_t ttl;
	int flags;

	if (v6) {
		const struct rte_ipv6_hdr *ip6 = l3;
		flags = fwd_nbr6_find(s, ip6->src_addr);
		ttl = ip6->hop_limits;
	} else {
		const struct rte_ipv4_hdr *ip = l3;
		flags = fwd_nbr4_find(s, rte_be_to_cpu_32(ip->src_addr));
		ttl = ip->time_to_live;
	}
	const int proto = pkt_l4(m, l3, v6, &l4, &avail);
	if (v6 && proto == IPPROTO_ICMPV6 && ttl == 255 && avail >= 24 &&
	    (l4[0] == 135 || l4[0] == 136)) { /* NS, NA: the target at 8 */
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		const bool nbr = flags >= 0 || fwd_nbr6_find(s, l4 + 8) >= 0 ||
				 fwd_nbr_mac_find(s, eth->src_addr.addr_bytes) >= 0;
		return nbr ? PUNT_ONLINK : PUNT_OTHER;
	}
	if (flags < 0 || proto < 0 || avail < 4)
		return PUNT_OTHER;
	const uint16_t sport = (uint16_t)(l4[0] << 8 | l4[1]);
	const uint16_t dport = (uint16_t)(l4[2] << 8 | l4[3]);
	if (proto == IPPROTO_TCP && (sport == 179 || dport == 179)) {
		if (ttl == 255)
			return PUNT_ONLINK;
		return flags & NBR_F_GTSM ? PUNT_OTHER : PUNT_PEER;
	}
	if (proto == IPPROTO_UDP && dport == 3784 && ttl == 255)
		return PUNT_ONLINK;
	if (proto == IPPROTO_UDP && dport == 4784)
		return PUNT_PEER;
	return PUNT_OTHER;
}

/* An ARP request or reply whose sender is a neighbour (fwd_nbrs): the
 * answers the box's own requests for its next hops and peers get. */
static bool arp_is_session(const struct fwd_nbrs *s, const struct rte_mbuf *m, uint16_t l2_len)
{
	const struct rte_arp_hdr *a;

	if (rte_pktmbuf_data_len(m) < l2_len + sizeof(*a))
		return false;
	a = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, l2_len);
	return a->arp_protocol == RTE_BE16(RTE_ETHER_TYPE_IPV4) && a->arp_plen == 4 &&
	       fwd_nbr4_find(s, rte_be_to_cpu_32(a->arp_data.arp_sip)) >= 0;
}

static inline void punt(struct burst *b, struct rte_mbuf *m)
{
	struct worker_tx *tx = b->tx;

	if (tx->n_punt == WORKER_BURST) {
		drop(b, m, PF_DROP_PUNT_FULL);
		return;
	}
	b->c->port[b->rx_port].punted++;
	tx->punt[tx->n_punt++] = m;
}

/* m punted at one per *interval cycles, up to a burst at once (a GCRA:
 * punt_interval and punt_burst, or the peer_ pair; interval 0: no limit),
 * or dropped as why. */
static inline void punt_rated(struct burst *b, struct rte_mbuf *m, uint64_t *tat,
			      const uint64_t *interval, const uint64_t *burst, enum pf_drop why)
{
	const uint64_t iv = __atomic_load_n(interval, __ATOMIC_RELAXED);

	if (iv == 0 || gcra_take(tat, iv, burst))
		punt(b, m);
	else
		drop(b, m, why);
}

/* Anything for the box but the neighbours' sessions goes through the
 * punt rate. */
static inline void punt_policed(struct burst *b, struct rte_mbuf *m)
{
	struct worker *w = b->w;

	punt_rated(b, m, &w->punt_tat, &w->punt_interval, &w->punt_burst, PF_DROP_PUNT_LIMITED);
}

static inline const struct fwd_nbrs *nbrs(const struct burst *b)
{
	return __atomic_load_n(&b->w->tables->nbrs, __ATOMIC_ACQUIRE);
}

static inline void punt_l3(struct burst *b, struct rte_mbuf *m, const void *l3, bool v6)
{
	struct worker *w = b->w;

	switch (punt_class(nbrs(b), m, l3, v6)) {
	case PUNT_ONLINK:
		punt(b, m);
		return;
	case PUNT_PEER:
		punt_rated(b, m, &w->peer_tat, &w->peer_interval, &w->peer_burst,
			   PF_DROP_PEER_LIMITED);
		return;
	case PUNT_OTHER:
		break;
	}
	punt_policed(b, m);
}

/* Multicast/broadcast at L2 or L3 is for the box, never forwarded (RFC 1812 5.3.4). */
static inline bool ipv4_to_us(const struct rte_ether_hdr *eth, const struct rte_ipv4_hdr *ip)
{
	/* 224/4 by the address's first byte as stored: no byte swap. */
	const uint8_t first = ((const uint8_t *)&ip->dst_addr)[0];

	return rte_is_multicast_ether_addr(&eth->dst_addr) || (first & 0xf0) == 0xe0 ||
	       ip->dst_addr == UINT32_MAX;
}

/* Multicast (ND, RA, MLD) and link-local destinations stay on the link. */
static inline bool ipv6_to_us(const struct rte_ether_hdr *eth, const struct rte_ipv6_hdr *ip6)
{
	return rte_is_multicast_ether_addr(&eth->dst_addr) || ip6->dst_addr[0] == 0xff ||
	       (ip6->dst_addr[0] == 0xfe && (ip6->dst_addr[1] & 0xc0) == 0x80);
}

/*
 * The burst's first packet to look up that the fast path does not take:
 * the ones it took become fwd_pkt records (in order, so fwd[i] is still the
 * i-th IPv4 lookup), and the rest of the burst goes through classify_slow.
 */
static void burst_go_general(struct burst *b)
{
	for (unsigned i = 0; i < b->n4; i++) {
		struct fwd_pkt *f = &b->fwd[i];
		f->m = b->m[i];
		f->l3 = b->l3[i];
		f->l2 = l2_eth_ipv4;
		f->key = (uint16_t)i;
		f->v6 = false;
	}
	b->n_fwd = b->n4;
	b->general = true;
}

/* The next fwd_pkt slot, for a packet to look up in a general burst. */
static inline struct fwd_pkt *fwd_slot(struct burst *b, struct rte_mbuf *m, void *l3,
				       const struct pkt_l2 *l2, bool v6)
{
	struct fwd_pkt *f;

	if (!b->general)
		burst_go_general(b);
	f = &b->fwd[b->n_fwd++];
	f->m = m;
	f->l3 = l3;
	f->l2 = *l2;
	f->v6 = v6;
	return f;
}

/* Parse one packet of any shape; queue it for lookup, punt it, or drop it. */
static void classify_slow(struct burst *b, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	struct pf_port_count *rx = &b->c->port[b->rx_port];
	struct pkt_l2 l2;
	enum pkt_fault fault;

	if (rte_pktmbuf_data_len(m) >= sizeof(*eth) &&
	    rte_is_same_ether_addr(&eth->src_addr, &b->w->port_mac[b->rx_port])) {
		b->dead[b->n_dead++] = m; /* our own frame echoed by af_packet */
		return;
	}
	rx->rx_pkts++;
	rx->rx_bytes += rte_pktmbuf_pkt_len(m);
	fault = pkt_parse_l2(m, &l2);
	if (fault != PKT_OK) {
		drop(b, m, fault_drop[fault]);
		return;
	}
	switch (l2.ethertype) {
	case RTE_ETHER_TYPE_IPV4: {
		struct rte_ipv4_hdr *ip;
		fault = pkt_parse_ipv4(m, l2.l2_len, &ip);
		if (fault != PKT_OK)
			break;
		if (ipv4_to_us(eth, ip)) {
			punt_policed(b, m); /* multicast, broadcast */
			return;
		}
		fwd_slot(b, m, ip, &l2, false)->key = (uint16_t)b->n4;
		b->ip4[b->n4++] = rte_be_to_cpu_32(ip->dst_addr);
		return;
	}
	case RTE_ETHER_TYPE_IPV6: {
		struct rte_ipv6_hdr *ip6;
		fault = pkt_parse_ipv6(m, l2.l2_len, &ip6);
		if (fault != PKT_OK)
			break;
		if (ipv6_to_us(eth, ip6)) {
			punt_l3(b, m, ip6, true); /* BGP may run on link-local addresses */
			return;
		}
		fwd_slot(b, m, ip6, &l2, true)->key = (uint16_t)b->n6;
		memcpy(b->ip6[b->n6++], ip6->dst_addr, FIB6_ADDR_LEN);
		return;
	}
	case RTE_ETHER_TYPE_ARP:
		if (arp_is_session(nbrs(b), m, l2.l2_len))
			punt(b, m);
		else
			punt_policed(b, m);
		return;
	default:
		drop(b, m, PF_DROP_NOT_IP);
		return;
	}
	drop(b, m, fault_drop[fault]);
}

/*
 * The fast path's echo check: a frame's source MAC and ethertype (bytes 6
 * to 13) as one word, for IPv4 frames from the rx port's own MAC.
 */
static inline uint64_t echo_word(const struct rte_ether_addr *own)
{
	uint8_t w[8];
	uint64_t x;

	memcpy(w, own->addr_bytes, RTE_ETHER_ADDR_LEN);
	w[6] = RTE_ETHER_TYPE_IPV4 >> 8;
	w[7] = RTE_ETHER_TYPE_IPV4 & 0xff;
	memcpy(&x, w, sizeof(x));
	return x;
}

/*
 * Untagged IPv4 without options to someone else (the checks of ipv4_to_us),
 * not our own echo (echo is echo_word of the rx port): kept for lookup as
 * the k-th IPv4 packet, its length added to *rx_bytes; true. Anything else,
 * or any fault: false, and classify_slow parses it again, decides and counts.
 */
static __rte_always_inline bool classify_fast(struct burst *b, unsigned k, struct rte_mbuf *m,
					      uint64_t echo, uint64_t *rx_bytes)
{
	struct rte_ipv4_hdr *ip;
	uint64_t src_type;

	if (unlikely(!pkt_parse_eth_ipv4(m, &ip)))
		return false;
	const uint8_t *eth = (const uint8_t *)ip - RTE_ETHER_HDR_LEN;
	const uint32_t dst = rte_be_to_cpu_32(ip->dst_addr);
	/* 224/4 or 255.255.255.255: one compare for the unicast rest. */
	if (unlikely(dst >= 0xe0000000)) {
		if (dst < 0xf0000000 || dst == UINT32_MAX)
			return false;
	}
	memcpy(&src_type, eth + offsetof(struct rte_ether_hdr, src_addr), sizeof(src_type));
	if (unlikely(rte_is_multicast_ether_addr((const struct rte_ether_addr *)eth) ||
		     src_type == echo))
		return false;
	b->m[k] = m;
	b->l3[k] = ip;
	b->ip4[k] = dst;
	fib4_reader_prefetch(&b->f4, dst);
	*rx_bytes += rte_pktmbuf_pkt_len(m);
	return true;
}

/*
 * Classify a burst: classify_fast while the burst is not general, with
 * classify_slow for what it does not take; classify_slow alone once the
 * burst is general. Returns how many packets classify_fast took (counted
 * here as received; classify_slow counts its own).
 */
static unsigned classify_burst(struct burst *b, struct rte_mbuf **pkts, unsigned n,
			       uint64_t *rx_bytes)
{
	const uint64_t echo = echo_word(&b->w->port_mac[b->rx_port]);
	unsigned i, k = 0;

	/* Until the burst turns general, the k IPv4 packets kept are exactly
	 * classify_fast's: classify_slow only punts or drops in that time. */
	for (i = 0; i < n; i++) {
		if (likely(classify_fast(b, k, pkts[i], echo, rx_bytes))) {
			k++;
			continue;
		}
		b->n4 = k;
		classify_slow(b, pkts[i]);
		if (b->general)
			break;
	}
	if (i == n) {
		b->n4 = k;
		return k;
	}
	for (i++; i < n; i++)
		classify_slow(b, pkts[i]);
	return k;
}

static inline void count(struct pf_pkt_count *pc, uint32_t bytes)
{
	pc->pkts++;
	pc->bytes += bytes;
}

/* Per-burst snapshot of the shared words every packet needs. */
struct snap {
	uint64_t alive;
	uint16_t unreg_policy;
	uint16_t unreg_pg;
};

/* Hand the run's packets to its port and count them. */
static inline void pg_run_flush(struct burst *b)
{
	struct pg_run *r = &b->run;
	struct pf_lcore_counters *c = b->c;
	const uint32_t pkts = (uint32_t)(r->next - r->first);

	if (pkts == 0)
		return;
	const uint16_t port = r->nh->port_id;
	b->tx->n[port] = (uint16_t)(r->next - b->tx->pkts[port]);
	b->tx->pending |= 1u << port;
	c->pathgroup[r->key].pkts += pkts;
	c->pathgroup[r->key].bytes += r->bytes;
	c->port[port].tx_pkts += pkts;
	c->port[port].tx_bytes += (uint64_t)((int64_t)r->bytes + r->l2_delta);
	c->forwarded += pkts;
	r->first = r->next;
	r->bytes = 0;
	r->l2_delta = 0;
}

/*
 * A packet with run key `key` where the current run has another: start a
 * run for key (-1), or return why such packets are dropped, leaving the
 * current run as it is.
 */
static __rte_noinline int pg_run_start(struct burst *b, const struct snap *s, uint32_t key)
{
	struct pg_run *r = &b->run;
	const struct nexthop *nh = NULL;
	int why;

	if (key == r->drop_key)
		return r->drop_why;
	if (key >= PF_MAX_PATHGROUPS)
		why = PF_DROP_NO_ROUTE;
	else if ((nh = pathgroup_active_member(b->w->tables, (uint16_t)key, s->alive)) == NULL)
		why = PF_DROP_NO_LIVE_PATH;
	else if (nh->port_id >= PF_MAX_PORTS)
		why = PF_DROP_NO_ROUTE;
	else
		why = -1;
	if (why >= 0) {
		r->drop_key = key;
		r->drop_why = why;
		return why;
	}
	pg_run_flush(b);
	r->key = key;
	r->nh = nh;
	r->max_l3 = b->check_mtu && nh->mtu != 0 ? nh->mtu : UINT32_MAX;
	r->first = r->next = &b->tx->pkts[nh->port_id][b->tx->n[nh->port_id]];
	r->end = &b->tx->pkts[nh->port_id][WORKER_BURST];
	return -1;
}

static int too_big(struct burst *b, struct rte_mbuf *m, void *l3, const struct pkt_l2 *l2, bool v6,
		   uint32_t mtu);

/*
 * Rewrite m (bytes long as received) for the run's next hop and queue it
 * (-1), or why it is dropped. Too big for the next hop's MTU: an ICMP error
 * (-1) or why not (too_big).
 */
static __rte_always_inline int pg_run_queue(struct burst *b, struct rte_mbuf *m, void *l3,
					    const struct pkt_l2 *l2, uint32_t bytes, bool v6)
{
	struct pg_run *r = &b->run;

	if (r->next == r->end)
		return PF_DROP_TX_FULL;
	if (unlikely(bytes - l2->l2_len > r->max_l3))
		return too_big(b, m, l3, l2, v6, r->max_l3);
	if (v6)
		pkt_ipv6_hop_dec(l3);
	else
		pkt_ipv4_ttl_dec(l3);
	/* Fails only without headroom for a tag: not a well-formed mbuf. */
	if (pkt_rewrite_l2(m, l2, r->nh) < 0)
		return PF_DROP_L2_MALFORMED;
	r->bytes += bytes;
	r->l2_delta += (int64_t)rte_pktmbuf_pkt_len(m) - (int64_t)bytes;
	*r->next++ = m;
	return -1;
}

/* One error per icmp_interval cycles, up to WORKER_ICMP_BURST at once. */
static bool icmp_allow(struct worker *w)
{
	const uint64_t interval = __atomic_load_n(&w->icmp_interval, __ATOMIC_RELAXED);

	return interval != 0 && gcra_take(&w->icmp_tat, interval, &w->icmp_burst);
}

/*
 * Turn m into the ICMP error type_code (pkt.h) back to its sender and queue
 * it (-1) when the rx port has an address of its family, the packet may get
 * an error and the rate allows; either way m counts as a drop for why,
 * which is returned when no error is sent.
 */
static int icmp_error(struct burst *b, struct rte_mbuf *m, void *l3, const struct pkt_l2 *l2,
		      bool v6, uint16_t type_code, uint16_t mtu, enum pf_drop why)
{
	static const uint8_t none[16];
	struct worker *w = b->w;
	struct worker_tx *tx = b->tx;
	const uint16_t port = b->rx_port;
	const void *src = v6 ? (const void *)w->port_addr6[port] : &w->port_addr4[port];

	if (port >= PF_MAX_PORTS || memcmp(src, none, v6 ? 16 : 4) == 0 ||
	    tx->n_icmp == WORKER_BURST || !pkt_icmp_error_allowed(m, l3, v6))
		return why;
	if (!icmp_allow(w)) {
		b->c->icmp_limited++;
		return why;
	}
	if (pkt_icmp_error(m, l2, v6, type_code, mtu, &w->port_mac[port], src) < 0)
		return why;
	b->c->drops[why]++; /* not forwarded, whatever comes back */
	tx->icmp_port[tx->n_icmp] = port;
	tx->icmp[tx->n_icmp++] = m;
	return -1;
}

/* TTL or hop limit run out here (RFC 1812 5.3.1, RFC 4443 3.3). */
static __rte_noinline int ttl_expired(struct burst *b, struct rte_mbuf *m, void *l3,
				      const struct pkt_l2 *l2, bool v6)
{
	return icmp_error(b, m, l3, l2, v6, v6 ? PKT_ICMP6_TIME_EXCEEDED : PKT_ICMP4_TIME_EXCEEDED,
			  0, PF_DROP_TTL_EXPIRED);
}

/*
 * The options of an IPv4 header (opt, len bytes) that go into every
 * fragment (RFC 791 3.1: the copied flag, type bit 0x80) into out, padded
 * with End of Option List to a multiple of 4; their length, or -1 when the
 * options are malformed.
 */
static int ipv4_copied_options(const uint8_t *opt, uint32_t len, uint8_t out[40])
{
	uint32_t n = 0;

	for (uint32_t k = 0; k < len;) {
		const uint8_t type = opt[k];
		if (type == 0) /* End of Option List */
			break;
		if (type == 1) { /* No Operation: not copied */
			k++;
			continue;
		}
		if (k + 1 >= len || opt[k + 1] < 2 || k + opt[k + 1] > len)
			return -1;
		if (type & 0x80) {
			memcpy(out + n, opt + k, opt[k + 1]);
			n += opt[k + 1];
		}
		k += opt[k + 1];
	}
	while (n % 4 != 0)
		out[n++] = 0;
	return (int)n;
}

/*
 * IPv4 without DF, larger than the run's MTU: fragmented (RFC 791, RFC 1812
 * 5.2.6) into new mbufs from m's pool, each a copy of its header (TTL
 * decremented, offset and MF set, checksum anew) and of its share of the
 * payload, rewritten for the run's next hop and queued in the run; m is
 * freed. The first fragment keeps every option, the others only those
 * with the copied flag. Fragments count as the packets sent (port, path
 * group, forwarded). Not done, and dropped as mtu_exceeded: malformed
 * options, no room in the run's tx array for all the fragments, no
 * buffers, or an MTU the buffers cannot hold.
 */
static __rte_noinline int fragment4(struct burst *b, struct rte_mbuf *m, struct rte_ipv4_hdr *ip,
				    const struct pkt_l2 *l2, uint32_t mtu, uint32_t bytes)
{
	struct pg_run *r = &b->run;
	const uint16_t l2_len = l2->l2_len;
	const uint32_t total = rte_be_to_cpu_16(ip->total_length), hlen = rte_ipv4_hdr_len(ip);
	const uint16_t frag = rte_be_to_cpu_16(ip->fragment_offset);
	struct rte_mbuf *f[WORKER_BURST];
	uint8_t copied[40];
	int64_t sent = 0;

	const int clen = ipv4_copied_options((const uint8_t *)(ip + 1), hlen - sizeof(*ip), copied);
	/* header bytes of the first fragment and of the others */
	const uint32_t later = sizeof(*ip) + (uint32_t)RTE_MAX(clen, 0);
	if (clen < 0 || mtu <= hlen + 8 || !rte_pktmbuf_is_contiguous(m) || total < hlen ||
	    total + l2_len > rte_pktmbuf_data_len(m))
		return PF_DROP_MTU_EXCEEDED;
	/* payload bytes per fragment: the first's, the others' */
	const uint32_t step1 = (mtu - hlen) & ~7u, step = (mtu - later) & ~7u;
	const uint32_t payload = total - hlen;
	const uint32_t n = payload <= step1 ? 1 : 1 + (payload - step1 + step - 1) / step;
	if (n > (uint32_t)(r->end - r->next) || n > WORKER_BURST ||
	    rte_pktmbuf_data_room_size(m->pool) < RTE_PKTMBUF_HEADROOM + l2_len + hlen + step1 ||
	    rte_pktmbuf_alloc_bulk(m->pool, f, n) != 0)
		return PF_DROP_MTU_EXCEEDED;
	for (uint32_t i = 0, off = 0; i < n; i++) {
		const uint32_t fh = i == 0 ? hlen : later;
		const uint32_t len = RTE_MIN(i == 0 ? step1 : step, payload - off);
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(f[i], (uint16_t)(l2_len + fh + len));
		struct rte_ipv4_hdr *fip = (struct rte_ipv4_hdr *)(p + l2_len);
		const bool more = i + 1 < n || (frag & RTE_IPV4_HDR_MF_FLAG);

		memcpy(p, rte_pktmbuf_mtod(m, const uint8_t *), l2_len);
		memcpy(fip, ip, i == 0 ? hlen : sizeof(*ip));
		if (i > 0) {
			memcpy(fip + 1, copied, fh - sizeof(*ip));
			fip->version_ihl = (uint8_t)(0x40 | fh / 4);
		}
		memcpy((uint8_t *)fip + fh, (const uint8_t *)ip + hlen + off, len);
		fip->total_length = rte_cpu_to_be_16((uint16_t)(fh + len));
		fip->fragment_offset =
			rte_cpu_to_be_16((uint16_t)(((frag & RTE_IPV4_HDR_OFFSET_MASK) + off / 8) |
						    (more ? RTE_IPV4_HDR_MF_FLAG : 0)));
		fip->time_to_live--;
		fip->hdr_checksum = 0;
		fip->hdr_checksum = rte_ipv4_cksum(fip);
		/* the same L2 header as m's: the rewrite has the headroom it had */
		if (pkt_rewrite_l2(f[i], l2, r->nh) < 0) {
			rte_pktmbuf_free_bulk(f, n);
			return PF_DROP_L2_MALFORMED;
		}
		sent += rte_pktmbuf_pkt_len(f[i]);
		off += len;
	}
	for (uint32_t i = 0; i < n; i++)
		*r->next++ = f[i];
	r->bytes += bytes;
	r->l2_delta += sent - (int64_t)bytes;
	b->c->fragmented++;
	b->dead[b->n_dead++] = m; /* its data is in the fragments now */
	return -1;
}

/*
 * Larger than the next hop's MTU: a packet too big (RFC 4443 3.2) or, for
 * IPv4 with DF, a fragmentation needed (RFC 1191), so that path MTU
 * discovery works through the edge. IPv4 without DF is fragmented.
 */
static __rte_noinline int too_big(struct burst *b, struct rte_mbuf *m, void *l3,
				  const struct pkt_l2 *l2, bool v6, uint32_t mtu)
{
	if (!v6 &&
	    !(((const struct rte_ipv4_hdr *)l3)->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG)))
		return fragment4(b, m, l3, l2, mtu, rte_pktmbuf_pkt_len(m));
	return icmp_error(b, m, l3, l2, v6, v6 ? PKT_ICMP6_TOO_BIG : PKT_ICMP4_FRAG_NEEDED,
			  (uint16_t)mtu, PF_DROP_MTU_EXCEEDED);
}

/*
 * The general resolve of one packet: dest word -> path group -> next hop
 * -> rewrite -> tx queue. Returns -1 when the packet was queued or punted,
 * else why to drop it.
 */
static __rte_always_inline int resolve_one(struct burst *b, const struct snap *s,
					   struct rte_mbuf *m, void *l3, const struct pkt_l2 *l2,
					   uint32_t value, bool v6)
{
	const struct fwd_tables *t = b->w->tables;
	struct pg_run *r = &b->run;
	const uint32_t bytes = rte_pktmbuf_pkt_len(m);
	uint64_t d = 0;
	uint16_t pg = PG_NONE;
	int why;

	if (value < PF_MAX_DESTS)
		d = __atomic_load_n(&t->dest[value], __ATOMIC_ACQUIRE);
	if (dest_is_local(d)) {
		punt_l3(b, m, l3, v6);
		return -1;
	}
	if ((v6 ? ((const struct rte_ipv6_hdr *)l3)->hop_limits
		: ((const struct rte_ipv4_hdr *)l3)->time_to_live) <= 1)
		return ttl_expired(b, m, l3, l2, v6);
	why = dest_pathgroup(d, s->unreg_policy, s->unreg_pg, &pg);
	/* Routed traffic is counted per registered prefix or as unregistered,
	 * whether or not it is then dropped. */
	if (DEST_FLAGS(d) & DEST_F_VALID) {
		if (!(DEST_FLAGS(d) & DEST_F_REGISTERED))
			count(&b->unreg, bytes);
		else if (DEST_PREFIX(d) < PF_MAX_PREFIXES)
			count(&b->c->prefix[DEST_PREFIX(d)], bytes);
	}
	if (why >= 0)
		return why;
	if (pg != r->key && (why = pg_run_start(b, s, pg)) >= 0)
		return why;
	return pg_run_queue(b, m, l3, l2, bytes, v6);
}

static void resolve_general(struct burst *b, const struct snap *s)
{
	for (unsigned i = 0; i < b->n_fwd; i++) {
		const struct fwd_pkt *f = &b->fwd[i];
		const uint32_t v = f->v6 ? b->val6[f->key] : b->val4[f->key];
		int why = resolve_one(b, s, f->m, f->l3, &f->l2, v, f->v6);
		if (why >= 0)
			drop(b, f->m, (enum pf_drop)why);
	}
}

/*
 * What the fast loop keeps in registers: the run's cursor and next hop, and
 * the packets it queued since it last settled (settle_fast), which are
 * counted both for the current class and for the run.
 */
struct fast_regs {
	struct pkt_macs macs;
	/* Where the fast loop stops queueing: the end of the tx array, or
	 * next itself when the next hop adds a tag. */
	struct rte_mbuf **next, **stop, **end;
	struct rte_mbuf **settled; /* next as of the last settle_fast */
	uint64_t bytes;		   /* of the packets since then */
	const struct nexthop *nh;
	uint32_t max_bytes; /* frames longer than this do not fit the next hop's MTU */
};

static __rte_always_inline void fast_regs_load(struct fast_regs *x, const struct pg_run *r,
					       const bool mtu)
{
	x->next = r->next;
	x->end = r->end;
	x->settled = r->next;
	x->stop = r->next;
	x->bytes = 0;
	x->nh = r->nh;
	if (mtu)
		x->max_bytes = r->nh != NULL && r->max_l3 != UINT32_MAX
				       ? r->max_l3 + RTE_ETHER_HDR_LEN
				       : UINT32_MAX;
	if (r->nh != NULL && r->nh->vlan == 0) {
		x->macs = pkt_macs_of(r->nh);
		x->stop = r->end;
	}
}

/* Count the packets queued since the last time for class count pc and for
 * the run, and store the cursor: b->run is then up to date. */
static inline void settle_fast(struct fast_regs *x, struct pf_pkt_count *pc, struct pg_run *r)
{
	pc->pkts += (uint64_t)(x->next - x->settled);
	pc->bytes += x->bytes;
	r->bytes += x->bytes;
	r->next = x->next;
	x->settled = x->next;
	x->bytes = 0;
}

/* No FIB value: FIB values are 22-bit, or FIB_MISS. */
#define CLASS_NONE   (FIB_MISS - 1)
#define RESOLVE_FAST (-2)

/*
 * A packet of a fast burst whose FIB value is not the class's, or whose
 * TTL is about to expire. To a valid, not local destination with a TTL
 * above 1, in a path group that forwards: its class becomes the current
 * one (b->class_v, b->class_count), the run is that group's, and
 * RESOLVE_FAST says the caller counts and queues it. Else it is resolved
 * here as resolve_one does it (-1: queued or punted; >= 0: drop why), and
 * there is no current class.
 */
static __rte_noinline int resolve_class(struct burst *b, const struct snap *s, struct rte_mbuf *m,
					struct rte_ipv4_hdr *ip, uint32_t v)
{
	const struct fwd_tables *t = b->w->tables;
	const uint32_t bytes = rte_pktmbuf_pkt_len(m);
	struct pf_pkt_count *pc;
	uint64_t d = 0;
	uint16_t pg = PG_NONE;
	int why;

	b->class_v = CLASS_NONE;
	if (v < PF_MAX_DESTS)
		d = __atomic_load_n(&t->dest[v], __ATOMIC_ACQUIRE);
	if ((DEST_FLAGS(d) & (DEST_F_VALID | DEST_F_LOCAL)) != DEST_F_VALID ||
	    ip->time_to_live <= 1)
		return resolve_one(b, s, m, ip, &l2_eth_ipv4, v, false);
	if (!(DEST_FLAGS(d) & DEST_F_REGISTERED))
		pc = &b->unreg;
	else
		pc = DEST_PREFIX(d) < PF_MAX_PREFIXES ? &b->c->prefix[DEST_PREFIX(d)] : &b->sink;
	/* The path group as resolve_one (and route.lookup) choose it. */
	why = dest_pathgroup(d, s->unreg_policy, s->unreg_pg, &pg);
	if (why < 0 && pg != b->run.key)
		why = pg_run_start(b, s, pg);
	if (why >= 0) {
		count(pc, bytes); /* as resolve_one: counted, then dropped */
		return why;
	}
	if (unlikely(bytes - RTE_ETHER_HDR_LEN > b->run.max_l3)) {
		count(pc, bytes);
		return too_big(b, m, ip, &l2_eth_ipv4, false, b->run.max_l3);
	}
	b->class_v = v;
	b->class_count = pc;
	return RESOLVE_FAST;
}

/*
 * resolve_one for a burst that is not general: every packet is untagged
 * IPv4 without options. Consecutive packets mostly share their FIB value
 * (one dest for all unregistered traffic, one per registered prefix), so
 * the dest word is looked at only when it changes (resolve_class): a
 * packet with the current class's value and a TTL above 1 is in the
 * current run; with room in the tx array it is counted and queued here
 * (the MACs alone when the next hop adds no tag). Everything else goes
 * through resolve_class or pg_run_queue, with the same outcome as
 * resolve_one.
 */
static __rte_always_inline void resolve_fast_t(struct burst *b, const struct snap *s,
					       const bool mtu)
{
	const unsigned n = b->n4;
	struct pf_pkt_count *pc = &b->sink;
	uint32_t class_v = CLASS_NONE;
	struct fast_regs x = {.macs = {0, 0}};
	int why;

	fast_regs_load(&x, &b->run, mtu);
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = b->m[i];
		struct rte_ipv4_hdr *ip = b->l3[i];
		/* Prefetched as it was parsed: the line is there or on its way. */
		const uint32_t v = fib4_reader_lookup(&b->f4, b->ip4[i]);
		const uint32_t bytes = rte_pktmbuf_pkt_len(m);

		if (unlikely(v != class_v || ip->time_to_live <= 1 ||
			     (mtu && bytes > x.max_bytes))) {
			settle_fast(&x, pc, &b->run);
			why = resolve_class(b, s, m, ip, v);
			fast_regs_load(&x, &b->run, mtu);
			class_v = b->class_v;
			pc = b->class_count;
			if (why != RESOLVE_FAST) {
				if (why >= 0)
					drop(b, m, (enum pf_drop)why);
				continue;
			}
		}
		if (unlikely(x.next == x.stop)) {
			if (x.next != x.end) {
				/* A next hop with a tag, and room: the whole rewrite. */
				pkt_ipv4_ttl_dec(ip);
				if (unlikely(pkt_rewrite_l2(m, &l2_eth_ipv4, x.nh) < 0)) {
					count(pc, bytes);
					drop(b, m, PF_DROP_L2_MALFORMED);
					continue;
				}
				b->run.l2_delta += (int64_t)rte_pktmbuf_pkt_len(m) - (int64_t)bytes;
				x.bytes += bytes;
				*x.next++ = m;
				x.stop = x.next;
				continue;
			}
			settle_fast(&x, pc, &b->run); /* the tx array is full */
			count(pc, bytes);
			why = pg_run_queue(b, m, ip, &l2_eth_ipv4, bytes, false);
			fast_regs_load(&x, &b->run, mtu);
			if (why >= 0)
				drop(b, m, (enum pf_drop)why);
			continue;
		}
		pkt_ipv4_ttl_dec(ip);
		pkt_rewrite_eth_macs((struct rte_ether_hdr *)((uint8_t *)ip - RTE_ETHER_HDR_LEN),
				     x.macs);
		x.bytes += bytes;
		*x.next++ = m;
	}
	settle_fast(&x, pc, &b->run);
}

/* The loop without the MTU test when no packet can be too big (all ports'
 * MTUs equal, the common case), and with it. */
static void resolve_fast(struct burst *b, const struct snap *s)
{
	resolve_fast_t(b, s, false);
}

static void resolve_fast_mtu(struct burst *b, const struct snap *s)
{
	resolve_fast_t(b, s, true);
}

static void forward_chunk(struct worker *w, uint16_t rx_port, struct rte_mbuf **pkts, uint16_t n,
			  struct worker_tx *tx)
{
	const struct fwd_tables *t = w->tables;
	struct burst b;
	struct snap s;
	uint64_t rx_pkts, rx_bytes = 0; /* classify_fast's; added once */

	b.w = w;
	b.tx = tx;
	b.c = w->ctr;
	b.rx_port = rx_port;
	b.general = false;
	b.check_mtu = w->port_mtu[rx_port] > w->min_mtu;
	b.n_fwd = b.n4 = b.n6 = b.n_dead = 0;
	b.unreg.pkts = b.unreg.bytes = 0;
	b.class_v = CLASS_NONE;
	b.class_count = &b.sink;
	b.run.key = b.run.drop_key = RUN_NONE;
	b.run.nh = NULL;
	b.run.first = b.run.next = b.run.end = NULL;
	b.run.bytes = 0;
	b.run.l2_delta = 0;
	fib4_reader_init(t->fib4, &b.f4);

	for (unsigned i = 0; i < n; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	rx_pkts = classify_burst(&b, pkts, n, &rx_bytes);
	b.c->port[rx_port].rx_pkts += rx_pkts;
	b.c->port[rx_port].rx_bytes += rx_bytes;

	if (b.general && b.n4 > 0)
		fib4_lookup_bulk(t->fib4, b.ip4, b.val4, b.n4);
	if (b.n6 > 0)
		fib6_lookup_bulk(t->fib6, (const uint8_t(*)[FIB6_ADDR_LEN])b.ip6, b.val6, b.n6);

	/* One snapshot per burst: a link flip applies from the next burst. */
	s.alive = __atomic_load_n(&t->link_alive, __ATOMIC_ACQUIRE);
	s.unreg_policy = __atomic_load_n(&t->unreg_policy, __ATOMIC_RELAXED);
	s.unreg_pg = __atomic_load_n(&t->unreg_pg, __ATOMIC_RELAXED);
	if (!b.general && !b.check_mtu)
		resolve_fast(&b, &s);
	else if (!b.general)
		resolve_fast_mtu(&b, &s);
	else
		resolve_general(&b, &s);
	pg_run_flush(&b);
	b.c->unregistered.pkts += b.unreg.pkts;
	b.c->unregistered.bytes += b.unreg.bytes;

	if (b.n_dead > 0)
		rte_pktmbuf_free_bulk(b.dead, b.n_dead);
}

void worker_forward_burst(struct worker *w, uint16_t rx_port, struct rte_mbuf **pkts, uint16_t n,
			  struct worker_tx *tx)
{
	while (n > 0) {
		uint16_t k = RTE_MIN(n, (uint16_t)WORKER_BURST);
		forward_chunk(w, rx_port, pkts, k, tx);
		pkts += k;
		n -= k;
	}
}

/* ICMP errors: few (rate-limited), one tx call each. */
static __rte_noinline void flush_icmp(struct worker *w, struct worker_tx *tx)
{
	struct pf_lcore_counters *c = w->ctr;

	for (uint16_t i = 0; i < tx->n_icmp; i++) {
		struct rte_mbuf *m = tx->icmp[i];
		const uint16_t port = tx->icmp_port[i];
		const uint32_t len = rte_pktmbuf_pkt_len(m);

		if (rte_eth_tx_burst(port, (uint16_t)w->index, &m, 1) == 1) {
			c->port[port].tx_pkts++;
			c->port[port].tx_bytes += len;
			c->icmp_sent++;
		} else {
			c->port[port].tx_drops++;
			c->drops[PF_DROP_TX_FULL]++;
			rte_pktmbuf_free(m);
		}
	}
	tx->n_icmp = 0;
}

/* Send what worker_forward_burst queued; what the NIC refuses is dropped. */
static void worker_flush(struct worker *w, struct worker_tx *tx)
{
	struct pf_lcore_counters *c = w->ctr;

	for (uint32_t p = tx->pending; p != 0; p &= p - 1) {
		const uint16_t port = (uint16_t)__builtin_ctz(p);
		const uint16_t n = tx->n[port];
		uint16_t sent = rte_eth_tx_burst(port, (uint16_t)w->index, tx->pkts[port], n);
		for (uint16_t i = sent; i < n; i++) {
			struct rte_mbuf *m = tx->pkts[port][i];
			c->port[port].tx_pkts--;
			c->port[port].tx_bytes -= rte_pktmbuf_pkt_len(m);
			c->port[port].tx_drops++;
			c->drops[PF_DROP_TX_FULL]++;
			c->forwarded--;
		}
		if (sent < n)
			rte_pktmbuf_free_bulk(&tx->pkts[port][sent], n - sent);
		tx->n[port] = 0;
	}
	tx->pending = 0;
	if (unlikely(tx->n_icmp > 0))
		flush_icmp(w, tx);
	if (tx->n_punt > 0) {
		unsigned q = 0;
		if (w->punt != NULL)
			q = rte_ring_enqueue_burst(w->punt, (void **)tx->punt, tx->n_punt, NULL);
		if (q < tx->n_punt) {
			c->drops[PF_DROP_PUNT_FULL] += tx->n_punt - q;
			rte_pktmbuf_free_bulk(&tx->punt[q], tx->n_punt - q);
		}
		tx->n_punt = 0;
	}
}

int worker_rxq_add(struct worker *w, uint16_t port_id, uint16_t queue_id)
{
	const unsigned n = w->n_rxq; /* only this (control) thread writes it */
	const struct worker_rxq e = {.port_id = port_id, .queue_id = queue_id};

	if (n >= WORKER_MAX_RXQ)
		return -ENOSPC;
	__atomic_store_n(&w->rxq[n].word, e.word, __ATOMIC_RELAXED);
	__atomic_store_n(&w->n_rxq, n + 1, __ATOMIC_RELEASE);
	return 0;
}

unsigned worker_rxq_del(struct worker *w, uint16_t port_id)
{
	unsigned n = w->n_rxq, removed = 0;

	/* Move the last entry into the removed one's slot (one store: the
	 * worker sees the old entry or the moved one, never half of each), then
	 * shorten the list. A worker that loaded the old count may poll the
	 * moved entry twice in that loop, or the removed one once more; it is
	 * past both after its next quiescent state. */
	for (unsigned q = 0; q < n;) {
		if (w->rxq[q].port_id != port_id) {
			q++;
			continue;
		}
		__atomic_store_n(&w->rxq[q].word, w->rxq[n - 1].word, __ATOMIC_RELAXED);
		__atomic_store_n(&w->n_rxq, n - 1, __ATOMIC_RELEASE);
		n--;
		removed++;
	}
	return removed;
}

int worker_main(void *arg)
{
	struct worker *w = arg;
	struct rte_rcu_qsbr *qsbr = w->tables->qsbr;
	struct rte_mbuf *pkts[WORKER_BURST];
	struct worker_tx tx;

	memset(&tx, 0, sizeof(tx));
	if (rte_rcu_qsbr_thread_register(qsbr, w->index) != 0)
		return -rte_errno;
	rte_rcu_qsbr_thread_online(qsbr, w->index);

	while (!__atomic_load_n(w->quit, __ATOMIC_RELAXED)) {
		const unsigned n_rxq = __atomic_load_n(&w->n_rxq, __ATOMIC_ACQUIRE);
		for (unsigned q = 0; q < n_rxq; q++) {
			const struct worker_rxq rq = {
				.word = __atomic_load_n(&w->rxq[q].word, __ATOMIC_RELAXED)};
			uint16_t n = rte_eth_rx_burst(rq.port_id, rq.queue_id, pkts, WORKER_BURST);
			if (n == 0) {
				w->ctr->polls_idle++;
				continue;
			}
			w->ctr->polls_busy++;
			worker_forward_burst(w, rq.port_id, pkts, n, &tx);
			worker_flush(w, &tx);
		}
		rte_rcu_qsbr_quiescent(qsbr, w->index);
	}

	rte_rcu_qsbr_thread_offline(qsbr, w->index);
	rte_rcu_qsbr_thread_unregister(qsbr, w->index);
	return 0;
}
