/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker: per burst, classify every packet (parse, echo filter, punt
 * what the control thread wants), look the rest up in the FIB in bulk, then
 * resolve dest -> path group -> next hop against one snapshot of link
 * liveness, rewrite and queue per output port.
 */
#include <errno.h>
#include <string.h>

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

/* A packet that passed parsing and needs a FIB lookup. */
struct fwd_pkt {
	struct rte_mbuf *m;
	void *l3; /* struct rte_ipv4_hdr or rte_ipv6_hdr */
	struct pkt_l2 l2;
	uint16_t key; /* index into the v4 or v6 lookup arrays */
	bool v6;
};

/*
 * Forwarded packets of one path group in a row: consecutive packets mostly
 * share it (one link's traffic, or the unregistered policy's group), so its
 * active member is looked up once per run and its counters (path group, tx
 * port, forwarded) are added once per run, not per packet.
 */
struct pg_run {
	uint16_t pg; /* PG_NONE: no run yet */
	const struct nexthop *nh;
	uint32_t pkts;
	uint64_t bytes;	   /* as received, for the path group */
	uint64_t tx_bytes; /* as rewritten, for the port */
};

/* One burst's working state; lives on the worker's stack. */
struct burst {
	struct worker *w;
	struct worker_tx *tx;
	struct pf_lcore_counters *c;
	const struct rte_ether_addr *rx_mac;
	uint16_t rx_port;
	unsigned n_fwd, n4, n6, n_dead;
	uint64_t unreg_pkts, unreg_bytes; /* added to c once per burst */
	struct pg_run run;
	struct fwd_pkt fwd[WORKER_BURST];
	uint32_t ip4[WORKER_BURST];
	uint32_t val4[WORKER_BURST];
	uint8_t ip6[WORKER_BURST][FIB6_ADDR_LEN];
	uint32_t val6[WORKER_BURST];
	struct rte_mbuf *dead[WORKER_BURST]; /* freed in bulk at the end */
};

static inline void drop(struct burst *b, struct rte_mbuf *m, enum pf_drop why)
{
	b->c->drops[why]++;
	b->dead[b->n_dead++] = m;
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

static inline void queue_ipv4(struct burst *b, struct fwd_pkt *f, struct rte_mbuf *m,
			      struct rte_ipv4_hdr *ip)
{
	f->l3 = ip;
	f->v6 = false;
	f->key = (uint16_t)b->n4;
	b->ip4[b->n4++] = rte_be_to_cpu_32(ip->dst_addr);
	f->m = m;
	b->n_fwd++;
}

/* Parse one packet of any shape; queue it for lookup, punt it, or drop it. */
static void classify_slow(struct burst *b, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	struct pf_port_count *rx = &b->c->port[b->rx_port];
	struct fwd_pkt *f = &b->fwd[b->n_fwd];
	enum pkt_fault fault;

	if (rte_pktmbuf_data_len(m) >= sizeof(*eth) &&
	    rte_is_same_ether_addr(&eth->src_addr, &b->w->port_mac[b->rx_port])) {
		b->dead[b->n_dead++] = m; /* our own frame echoed by af_packet */
		return;
	}
	rx->rx_pkts++;
	rx->rx_bytes += rte_pktmbuf_pkt_len(m);
	fault = pkt_parse_l2(m, &f->l2);
	if (fault != PKT_OK) {
		drop(b, m, fault_drop[fault]);
		return;
	}
	switch (f->l2.ethertype) {
	case RTE_ETHER_TYPE_IPV4: {
		struct rte_ipv4_hdr *ip;
		fault = pkt_parse_ipv4(m, f->l2.l2_len, &ip);
		if (fault != PKT_OK)
			break;
		if (ipv4_to_us(eth, ip)) {
			punt(b, m);
			return;
		}
		queue_ipv4(b, f, m, ip);
		return;
	}
	case RTE_ETHER_TYPE_IPV6: {
		struct rte_ipv6_hdr *ip6;
		fault = pkt_parse_ipv6(m, f->l2.l2_len, &ip6);
		if (fault != PKT_OK)
			break;
		if (ipv6_to_us(eth, ip6)) {
			punt(b, m);
			return;
		}
		f->l3 = ip6;
		f->v6 = true;
		f->key = (uint16_t)b->n6;
		memcpy(b->ip6[b->n6++], ip6->dst_addr, FIB6_ADDR_LEN);
		f->m = m;
		b->n_fwd++;
		return;
	}
	case RTE_ETHER_TYPE_ARP:
		punt(b, m);
		return;
	default:
		drop(b, m, PF_DROP_NOT_IP);
		return;
	}
	drop(b, m, fault_drop[fault]);
}

/*
 * Untagged IPv4 without options to someone else, not our own echo: queued
 * here; returns its length for the caller to count (rx). Anything else, or
 * any fault: classify_slow, which parses it again, decides and counts; 0.
 */
static __rte_always_inline uint32_t classify(struct burst *b, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	struct fwd_pkt *f = &b->fwd[b->n_fwd];
	struct rte_ipv4_hdr *ip;

	if (likely(pkt_parse_eth_ipv4(m, &ip)) && !ipv4_to_us(eth, ip) &&
	    !rte_is_same_ether_addr(&eth->src_addr, b->rx_mac)) {
		f->l2.ethertype = RTE_ETHER_TYPE_IPV4;
		f->l2.l2_len = RTE_ETHER_HDR_LEN;
		f->l2.n_vlan = 0;
		queue_ipv4(b, f, m, ip);
		return rte_pktmbuf_pkt_len(m);
	}
	classify_slow(b, m);
	return 0;
}

static inline uint32_t fwd_value(const struct burst *b, const struct fwd_pkt *f)
{
	return f->v6 ? b->val6[f->key] : b->val4[f->key];
}

static inline uint8_t fwd_ttl(const struct fwd_pkt *f, bool v6)
{
	return v6 ? ((const struct rte_ipv6_hdr *)f->l3)->hop_limits
		  : ((const struct rte_ipv4_hdr *)f->l3)->time_to_live;
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

static inline void pg_run_flush(struct pf_lcore_counters *c, struct worker_tx *tx,
				const struct pg_run *r)
{
	if (r->pkts == 0)
		return;
	tx->pending |= 1u << r->nh->port_id;
	c->pathgroup[r->pg].pkts += r->pkts;
	c->pathgroup[r->pg].bytes += r->bytes;
	c->port[r->nh->port_id].tx_pkts += r->pkts;
	c->port[r->nh->port_id].tx_bytes += r->tx_bytes;
	c->forwarded += r->pkts;
}

/* The active member of pg, looked up when a new run starts. */
static inline const struct nexthop *pg_run_member(struct burst *b, const struct snap *s,
						  uint16_t pg)
{
	struct pg_run *r = &b->run;

	if (pg != r->pg) {
		pg_run_flush(b->c, b->tx, r);
		r->pg = pg;
		r->nh = pathgroup_active_member(b->w->tables, pg, s->alive);
		r->pkts = 0;
		r->bytes = r->tx_bytes = 0;
	}
	return r->nh;
}

/*
 * dest word -> path group -> next hop -> rewrite -> tx queue.
 * Returns -1 when the packet was queued or punted, else why to drop it.
 */
static __rte_always_inline int resolve(struct burst *b, const struct snap *s, struct fwd_pkt *f,
				       uint32_t value, bool v6)
{
	const struct fwd_tables *t = b->w->tables;
	struct pf_lcore_counters *c = b->c;
	struct rte_mbuf *m = f->m;
	const uint32_t bytes = rte_pktmbuf_pkt_len(m);
	const struct nexthop *nh;
	uint64_t d = 0;
	uint16_t pg = PG_NONE;
	int why;

	if (value < PF_MAX_DESTS)
		d = __atomic_load_n(&t->dest[value], __ATOMIC_ACQUIRE);
	if (dest_is_local(d)) {
		punt(b, m);
		return -1;
	}
	/* TODO: ICMP time exceeded (RFC 1812 5.3.1) via the control thread. */
	if (fwd_ttl(f, v6) <= 1)
		return PF_DROP_TTL_EXPIRED;
	why = dest_pathgroup(d, s->unreg_policy, s->unreg_pg, &pg);
	/* Routed traffic is counted per registered prefix or as unregistered,
	 * whether or not it is then dropped. */
	if (DEST_FLAGS(d) & DEST_F_VALID) {
		if (!(DEST_FLAGS(d) & DEST_F_REGISTERED)) {
			b->unreg_pkts++;
			b->unreg_bytes += bytes;
		} else if (DEST_PREFIX(d) < PF_MAX_PREFIXES) {
			count(&c->prefix[DEST_PREFIX(d)], bytes);
		}
	}
	if (why >= 0)
		return why;
	nh = pg_run_member(b, s, pg);
	if (nh == NULL)
		return PF_DROP_NO_LIVE_PATH;

	const uint16_t port = nh->port_id;
	struct worker_tx *tx = b->tx;
	if (port >= PF_MAX_PORTS)
		return PF_DROP_NO_ROUTE;
	if (tx->n[port] == WORKER_BURST)
		return PF_DROP_TX_FULL;
	if (v6)
		pkt_ipv6_hop_dec(f->l3);
	else
		pkt_ipv4_ttl_dec(f->l3);
	/* Fails only without headroom for a tag: not a well-formed mbuf. */
	if (pkt_rewrite_l2(m, &f->l2, nh) < 0)
		return PF_DROP_L2_MALFORMED;
	b->run.pkts++;
	b->run.bytes += bytes;
	b->run.tx_bytes += rte_pktmbuf_pkt_len(m);
	tx->pkts[port][tx->n[port]++] = m;
	return -1;
}

static void forward_chunk(struct worker *w, uint16_t rx_port, struct rte_mbuf **pkts, uint16_t n,
			  struct worker_tx *tx)
{
	const struct fwd_tables *t = w->tables;
	struct burst b;
	struct snap s;
	uint64_t rx_pkts = 0, rx_bytes = 0; /* classify's fast path; added once */

	b.w = w;
	b.tx = tx;
	b.c = w->ctr;
	b.rx_port = rx_port;
	b.rx_mac = &w->port_mac[rx_port];
	b.n_fwd = b.n4 = b.n6 = b.n_dead = 0;
	b.unreg_pkts = b.unreg_bytes = 0;
	b.run.pg = PG_NONE;
	b.run.pkts = 0;

	for (unsigned i = 0; i < n; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (unsigned i = 0; i < n; i++) {
		const uint32_t bytes = classify(&b, pkts[i]);
		rx_pkts += bytes != 0;
		rx_bytes += bytes;
	}
	b.c->port[rx_port].rx_pkts += rx_pkts;
	b.c->port[rx_port].rx_bytes += rx_bytes;

	if (b.n4 > 0)
		fib4_lookup_bulk(t->fib4, b.ip4, b.val4, b.n4);
	if (b.n6 > 0)
		fib6_lookup_bulk(t->fib6, (const uint8_t(*)[FIB6_ADDR_LEN])b.ip6, b.val6, b.n6);
	for (unsigned i = 0; i < b.n_fwd; i++) {
		uint32_t v = fwd_value(&b, &b.fwd[i]);
		if (v < PF_MAX_DESTS)
			rte_prefetch0(&t->dest[v]);
	}

	/* One snapshot per burst: a link flip applies from the next burst. */
	s.alive = __atomic_load_n(&t->link_alive, __ATOMIC_ACQUIRE);
	s.unreg_policy = __atomic_load_n(&t->unreg_policy, __ATOMIC_RELAXED);
	s.unreg_pg = __atomic_load_n(&t->unreg_pg, __ATOMIC_RELAXED);
	if (b.n6 == 0) {
		/* All IPv4, the common burst: fwd[i] is the i-th lookup. */
		for (unsigned i = 0; i < b.n_fwd; i++) {
			int why = resolve(&b, &s, &b.fwd[i], b.val4[i], false);
			if (why >= 0)
				drop(&b, b.fwd[i].m, (enum pf_drop)why);
		}
	} else {
		for (unsigned i = 0; i < b.n_fwd; i++) {
			struct fwd_pkt *f = &b.fwd[i];
			int why = resolve(&b, &s, f, fwd_value(&b, f), f->v6);
			if (why >= 0)
				drop(&b, f->m, (enum pf_drop)why);
		}
	}
	pg_run_flush(b.c, tx, &b.run);
	b.c->unregistered.pkts += b.unreg_pkts;
	b.c->unregistered.bytes += b.unreg_bytes;

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
