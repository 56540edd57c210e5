/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * worker_forward_burst against real tables (fib4/fib6 routes, dests, path
 * groups, next hops): each crafted packet must land on the right port with
 * the right rewrite, in the punt list, or in the right drop counter.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <netinet/in.h>

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "dataplane/worker/worker.h"

#define POOL_SIZE 1023

static struct rte_mempool *pool;
static struct fwd_tables T;
static struct worker W;
static struct worker_tx TX;
static struct pf_lcore_counters *C;
static uint16_t NH_PRI, NH_LOC, NH_GEO;

/* Ports: 0 = rx (customer side), 1 primary, 2 local-redundant, 3 geo (VLAN 300). */
enum { RX = 0, P_PRI = 1, P_LOC = 2, P_GEO = 3 };
#define GEO_VLAN 300

/* Dest ids and path groups */
enum { D_REG = 1, D_UNREG = 2, D_LOCAL = 3, D_DEAD = 4 };
enum { PG_MAIN = 10, PG_DEFAULT = 20, PG_EMPTY = 30 };
#define PX_REG4 7
#define PX_REG6 8

static const uint8_t PEER_MAC[6] = {0x02, 0xee, 0, 0, 0, 1};

static struct rte_ether_addr port_mac(uint16_t p)
{
	struct rte_ether_addr a = {{0x02, 0, 0, 0, 0, (uint8_t)(0x10 * (p + 1))}};
	return a;
}

static struct rte_ether_addr peer_mac(uint16_t p)
{
	struct rte_ether_addr a = {{0x02, 0xcc, 0, 0, 0, (uint8_t)p}};
	return a;
}

/* ---- frames ---- */

static uint8_t frame[2048];

struct eth_opt {
	const uint8_t *src; /* default PEER_MAC */
	const uint8_t *dst; /* default port_mac(RX) */
	uint16_t vid;	    /* one 802.1Q tag when != 0 */
};

static size_t put_eth(uint8_t *p, uint16_t type, const struct eth_opt *o)
{
	struct rte_ether_addr own = port_mac(RX);
	size_t off = 12;

	memcpy(p, o && o->dst ? o->dst : own.addr_bytes, 6);
	memcpy(p + 6, o && o->src ? o->src : PEER_MAC, 6);
	if (o && o->vid) {
		*(rte_be16_t *)(p + 12) = RTE_BE16(RTE_ETHER_TYPE_VLAN);
		*(rte_be16_t *)(p + 14) = rte_cpu_to_be_16(o->vid);
		off += 4;
	}
	*(rte_be16_t *)(p + off) = rte_cpu_to_be_16(type);
	return off + 2;
}

static struct rte_mbuf *mbuf_of(size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), frame, len);
	return m;
}

static struct rte_mbuf *v4(uint32_t dst, uint8_t ttl, const struct eth_opt *o)
{
	size_t l2 = put_eth(frame, RTE_ETHER_TYPE_IPV4, o);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + l2);

	memset(ip, 0, 60);
	ip->version_ihl = 0x45;
	ip->total_length = RTE_BE16(60);
	ip->time_to_live = ttl;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = RTE_BE32(0x0a000001);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return mbuf_of(l2 + 60);
}

static void v6_addr(uint8_t a[16], uint16_t w0, uint16_t w1, uint16_t w2, uint16_t last)
{
	memset(a, 0, 16);
	a[0] = (uint8_t)(w0 >> 8), a[1] = (uint8_t)w0;
	a[2] = (uint8_t)(w1 >> 8), a[3] = (uint8_t)w1;
	a[4] = (uint8_t)(w2 >> 8), a[5] = (uint8_t)w2;
	a[14] = (uint8_t)(last >> 8), a[15] = (uint8_t)last;
}

static struct rte_mbuf *v6(const uint8_t dst[16], uint8_t hops, const struct eth_opt *o)
{
	size_t l2 = put_eth(frame, RTE_ETHER_TYPE_IPV6, o);
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(frame + l2);

	memset(ip6, 0, 40 + 20);
	ip6->vtc_flow = RTE_BE32(0x60000000);
	ip6->payload_len = RTE_BE16(20);
	ip6->proto = IPPROTO_UDP;
	ip6->hop_limits = hops;
	v6_addr(ip6->src_addr, 0x2001, 0xdb8, 0x99, 1);
	memcpy(ip6->dst_addr, dst, 16);
	return mbuf_of(l2 + 60);
}

#define REG4   0xc6336405u /* 198.51.100.5 in 198.51.100.0/24, registered */
#define UNREG4 0xcb007105u /* 203.0.113.5 in 203.0.113.0/24, not registered */
#define LOCAL4 0xc0000201u /* 192.0.2.1/32, ours */
#define DEAD4  0xc0000301u /* 192.0.3.0/24, registered, group without members */
#define NONE4  0x0a636363u /* 10.99.99.99: no route */

/* ---- tables ---- */

static uint16_t add_nh(uint16_t port, uint16_t vlan)
{
	struct nexthop nh = {
		.dst_mac = peer_mac(port),
		.src_mac = port_mac(port),
		.port_id = port,
		.link_id = port,
		.vlan = vlan,
	};
	uint16_t id;

	assert_int_equal(nexthop_alloc(&T, &nh, &id), 0);
	return id;
}

static int tables_setup(void **state)
{
	const struct fwd_conf conf = {
		.max_routes4 = 1024,
		.n_tbl8_4 = 64,
		.max_routes6 = 1024,
		.n_groups6 = 64,
		.max_readers = 1,
	};
	uint8_t a[16];
	(void)state;

	if (fwd_tables_create(&T, &conf) < 0)
		return -1;
	NH_PRI = add_nh(P_PRI, 0);
	NH_LOC = add_nh(P_LOC, 0);
	NH_GEO = add_nh(P_GEO, GEO_VLAN);
	const uint16_t tiers[3] = {NH_PRI, NH_LOC, NH_GEO};
	assert_int_equal(pathgroup_set(&T, PG_MAIN, tiers, 3), 0);
	assert_int_equal(pathgroup_set(&T, PG_DEFAULT, &NH_GEO, 1), 0);
	for (uint16_t l = P_PRI; l <= P_GEO; l++)
		link_set_alive(&T, l, true);

	const uint16_t reg = DEST_F_VALID | DEST_F_REGISTERED;
	assert_int_equal(dest_set(&T, D_REG, PG_MAIN, reg, PX_REG4), 0);
	assert_int_equal(dest_set(&T, D_REG + 100, PG_MAIN, reg, PX_REG6), 0);
	assert_int_equal(dest_set(&T, D_UNREG, PG_NONE, DEST_F_VALID, 0), 0);
	assert_int_equal(dest_set(&T, D_LOCAL, PG_NONE, DEST_F_VALID | DEST_F_LOCAL, 0), 0);
	assert_int_equal(dest_set(&T, D_DEAD, PG_EMPTY, reg, 9), 0);

	assert_int_equal(fib4_add(T.fib4, 0xc6336400, 24, D_REG), 0);
	assert_int_equal(fib4_add(T.fib4, 0xcb007100, 24, D_UNREG), 0);
	assert_int_equal(fib4_add(T.fib4, LOCAL4, 32, D_LOCAL), 0);
	assert_int_equal(fib4_add(T.fib4, 0xc0000300, 24, D_DEAD), 0);
	v6_addr(a, 0x2001, 0xdb8, 1, 0);
	assert_int_equal(fib6_add(T.fib6, a, 48, D_REG + 100), 0);
	v6_addr(a, 0x2001, 0xdb8, 2, 0);
	assert_int_equal(fib6_add(T.fib6, a, 48, D_UNREG), 0);
	v6_addr(a, 0x2001, 0xdb8, 0xff, 1);
	assert_int_equal(fib6_add(T.fib6, a, 128, D_LOCAL), 0);

	memset(&W, 0, sizeof(W));
	W.tables = &T;
	W.ctr = C;
	for (uint16_t p = 0; p < PF_MAX_PORTS; p++)
		W.port_mac[p] = port_mac(p);
	memset(C, 0, sizeof(*C));
	memset(&TX, 0, sizeof(TX));
	return 0;
}

static volatile bool QUIT;
static unsigned LAUNCHED = RTE_MAX_LCORE;

/* Stop a worker left running by a failed assertion before its tables go. */
static void worker_stop(void)
{
	if (LAUNCHED == RTE_MAX_LCORE)
		return;
	QUIT = true;
	rte_eal_wait_lcore(LAUNCHED);
	LAUNCHED = RTE_MAX_LCORE;
}

static void tx_release(void)
{
	for (unsigned p = 0; p < PF_MAX_PORTS; p++) {
		rte_pktmbuf_free_bulk(TX.pkts[p], TX.n[p]);
		TX.n[p] = 0;
	}
	rte_pktmbuf_free_bulk(TX.punt, TX.n_punt);
	TX.n_punt = 0;
	rte_pktmbuf_free_bulk(TX.icmp, TX.n_icmp);
	TX.n_icmp = 0;
}

static int tables_teardown(void **state)
{
	(void)state;
	worker_stop();
	tx_release();
	fwd_tables_free(&T);
	/* Every packet ended in tx, punt, or was freed. */
	return rte_mempool_avail_count(pool) == POOL_SIZE ? 0 : -1;
}

/* ---- helpers ---- */

static void burst1(struct rte_mbuf *m)
{
	worker_forward_burst(&W, RX, &m, 1, &TX);
}

static uint64_t total_drops(void)
{
	uint64_t s = 0;
	for (unsigned i = 0; i < PF_DROP__MAX; i++)
		s += C->drops[i];
	return s;
}

static unsigned total_tx(void)
{
	unsigned s = 0;
	for (unsigned p = 0; p < PF_MAX_PORTS; p++)
		s += TX.n[p];
	return s;
}

/* Send one packet; it must be dropped for `why` and nothing else happen. */
static void expect_drop(struct rte_mbuf *m, enum pf_drop why)
{
	uint64_t before = C->drops[why], all = total_drops();
	unsigned txn = total_tx(), punts = TX.n_punt;

	burst1(m);
	if (C->drops[why] != before + 1)
		fail_msg("expected drop %s", pf_drop_names[why]);
	assert_int_equal(total_drops(), all + 1);
	assert_int_equal(total_tx(), txn);
	assert_int_equal(TX.n_punt, punts);
}

static void expect_punt(struct rte_mbuf *m)
{
	uint64_t all = total_drops(), punted = C->port[RX].punted;
	unsigned txn = total_tx(), punts = TX.n_punt;

	burst1(m);
	assert_int_equal(TX.n_punt, punts + 1);
	assert_ptr_equal(TX.punt[punts], m);
	assert_int_equal(C->port[RX].punted, punted + 1);
	assert_int_equal(total_drops(), all);
	assert_int_equal(total_tx(), txn);
}

/* The last packet queued on port must carry nh's rewrite, ttl and a good checksum. */
static const uint8_t *check_tx(uint16_t port, uint16_t vlan, uint16_t type, uint8_t ttl)
{
	struct rte_ether_addr dst = peer_mac(port), src = port_mac(port);
	struct rte_mbuf *m;
	const uint8_t *p;
	size_t l2 = vlan ? 18 : 14;

	assert_true(TX.n[port] > 0);
	m = TX.pkts[port][TX.n[port] - 1];
	p = rte_pktmbuf_mtod(m, const uint8_t *);
	assert_memory_equal(p, dst.addr_bytes, 6);
	assert_memory_equal(p + 6, src.addr_bytes, 6);
	if (vlan) {
		assert_int_equal(rte_be_to_cpu_16(*(const rte_be16_t *)(p + 12)),
				 RTE_ETHER_TYPE_VLAN);
		assert_int_equal(rte_be_to_cpu_16(*(const rte_be16_t *)(p + 14)) & 0xfff, vlan);
	}
	assert_int_equal(rte_be_to_cpu_16(*(const rte_be16_t *)(p + l2 - 2)), type);
	if (type == RTE_ETHER_TYPE_IPV4) {
		const struct rte_ipv4_hdr *ip = (const void *)(p + l2);
		assert_int_equal(ip->time_to_live, ttl);
		assert_int_equal(rte_raw_cksum(ip, 20), 0xffff);
	} else {
		const struct rte_ipv6_hdr *ip6 = (const void *)(p + l2);
		assert_int_equal(ip6->hop_limits, ttl);
	}
	return p + l2;
}

/* ---- tests ---- */

static void forward_ipv4(void **state)
{
	(void)state;
	burst1(v4(REG4, 64, NULL));
	assert_int_equal(TX.n[P_PRI], 1);
	check_tx(P_PRI, 0, RTE_ETHER_TYPE_IPV4, 63);
	assert_int_equal(total_drops(), 0);
	assert_int_equal(C->port[RX].rx_pkts, 1);
	assert_int_equal(C->port[RX].rx_bytes, 74);
	assert_int_equal(C->port[P_PRI].tx_pkts, 1);
	assert_int_equal(C->port[P_PRI].tx_bytes, 74);
	assert_int_equal(C->prefix[PX_REG4].pkts, 1);
	assert_int_equal(C->prefix[PX_REG4].bytes, 74);
	assert_int_equal(C->pathgroup[PG_MAIN].pkts, 1);
	assert_int_equal(C->forwarded, 1);
	assert_int_equal(C->unregistered.pkts, 0);

	/* Tagged on input: the tag goes, the rest is the same. */
	struct eth_opt o = {.vid = 42};
	burst1(v4(REG4, 2, &o));
	assert_int_equal(TX.n[P_PRI], 2);
	check_tx(P_PRI, 0, RTE_ETHER_TYPE_IPV4, 1);
	assert_int_equal(rte_pktmbuf_pkt_len(TX.pkts[P_PRI][1]), 74);
}

static void forward_ipv6(void **state)
{
	uint8_t a[16];
	(void)state;

	v6_addr(a, 0x2001, 0xdb8, 1, 0x55);
	burst1(v6(a, 255, NULL));
	assert_int_equal(TX.n[P_PRI], 1);
	const uint8_t *l3 = check_tx(P_PRI, 0, RTE_ETHER_TYPE_IPV6, 254);
	assert_memory_equal(((const struct rte_ipv6_hdr *)l3)->dst_addr, a, 16);
	assert_int_equal(C->prefix[PX_REG6].pkts, 1);
	assert_int_equal(C->pathgroup[PG_MAIN].pkts, 1);
}

/* Primary down -> local-redundant; both down -> geo (tagged); all down -> drop. */
static void failover(void **state)
{
	uint8_t a[16];
	(void)state;

	v6_addr(a, 0x2001, 0xdb8, 1, 0x55);
	link_set_alive(&T, P_PRI, false);
	burst1(v4(REG4, 64, NULL));
	burst1(v6(a, 64, NULL));
	assert_int_equal(TX.n[P_PRI], 0);
	assert_int_equal(TX.n[P_LOC], 2);
	check_tx(P_LOC, 0, RTE_ETHER_TYPE_IPV6, 63);

	link_set_alive(&T, P_LOC, false);
	burst1(v4(REG4, 64, NULL));
	assert_int_equal(TX.n[P_GEO], 1);
	check_tx(P_GEO, GEO_VLAN, RTE_ETHER_TYPE_IPV4, 63);
	assert_int_equal(rte_pktmbuf_pkt_len(TX.pkts[P_GEO][0]), 78);

	link_set_alive(&T, P_GEO, false);
	expect_drop(v4(REG4, 64, NULL), PF_DROP_NO_LIVE_PATH);
	expect_drop(v6(a, 64, NULL), PF_DROP_NO_LIVE_PATH);

	link_set_alive(&T, P_PRI, true);
	burst1(v4(REG4, 64, NULL));
	assert_int_equal(TX.n[P_PRI], 1);
	assert_int_equal(C->prefix[PX_REG4].pkts, 4); /* counted even when dropped later */
	assert_int_equal(C->pathgroup[PG_MAIN].pkts, 4);
}

static void drops(void **state)
{
	struct rte_ipv4_hdr *ip;
	struct rte_mbuf *m;
	uint8_t a[16];
	(void)state;

	m = v4(REG4, 64, NULL);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
	ip->hdr_checksum ^= 1;
	expect_drop(m, PF_DROP_IPV4_BAD_CSUM);

	m = v4(REG4, 64, NULL);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
	ip->total_length = RTE_BE16(61);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	expect_drop(m, PF_DROP_IPV4_BAD_LEN);

	m = v4(REG4, 64, NULL);
	rte_pktmbuf_trim(m, 60 - 19); /* 19 bytes of IP header */
	expect_drop(m, PF_DROP_IPV4_BAD_LEN);

	m = v4(REG4, 64, NULL);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
	ip->version_ihl = 0x43;
	expect_drop(m, PF_DROP_IPV4_BAD_HDR);

	v6_addr(a, 0x2001, 0xdb8, 1, 0x55);
	m = v6(a, 64, NULL);
	rte_pktmbuf_trim(m, 1);
	expect_drop(m, PF_DROP_IPV6_BAD_LEN);
	m = v6(a, 64, NULL);
	*rte_pktmbuf_mtod_offset(m, uint8_t *, 14) = 0x40;
	expect_drop(m, PF_DROP_IPV6_BAD_HDR);

	expect_drop(v4(REG4, 1, NULL), PF_DROP_TTL_EXPIRED);
	expect_drop(v4(REG4, 0, NULL), PF_DROP_TTL_EXPIRED);
	expect_drop(v6(a, 1, NULL), PF_DROP_TTL_EXPIRED);
	expect_drop(v4(NONE4, 1, NULL), PF_DROP_TTL_EXPIRED);

	expect_drop(v4(NONE4, 64, NULL), PF_DROP_NO_ROUTE);
	v6_addr(a, 0x2001, 0xdb8, 3, 1);
	expect_drop(v6(a, 64, NULL), PF_DROP_NO_ROUTE);
	expect_drop(v4(DEAD4, 64, NULL), PF_DROP_NO_LIVE_PATH);

	put_eth(frame, 0x88cc, NULL); /* LLDP */
	expect_drop(mbuf_of(60), PF_DROP_NOT_IP);
	expect_drop(mbuf_of(10), PF_DROP_L2_MALFORMED);
	struct eth_opt o = {.vid = 5};
	put_eth(frame, RTE_ETHER_TYPE_IPV4, &o);
	expect_drop(mbuf_of(16), PF_DROP_L2_MALFORMED);

	assert_int_equal(C->forwarded, 0);
	assert_int_equal(C->port[RX].rx_pkts, total_drops());
}

/* ICMP time exceeded: from the rx port's address, back to the sender. */
#define RX_ADDR4 0xc0000201u /* 192.0.2.1 */

static void icmp_port_addrs(void)
{
	W.port_addr4[RX] = rte_cpu_to_be_32(RX_ADDR4);
	v6_addr(W.port_addr6[RX], 0x2001, 0xdb8, 0xff, 1);
}

/* The last packet burst1 turned into an error: its L3 header, after checks
 * that it goes back out of RX to the sender from RX's MAC. */
static const uint8_t *check_icmp(uint16_t type)
{
	struct rte_ether_addr own = port_mac(RX);
	const uint8_t *p;

	assert_true(TX.n_icmp > 0);
	assert_int_equal(TX.icmp_port[TX.n_icmp - 1], RX);
	p = rte_pktmbuf_mtod(TX.icmp[TX.n_icmp - 1], const uint8_t *);
	assert_memory_equal(p, PEER_MAC, 6);
	assert_memory_equal(p + 6, own.addr_bytes, 6);
	assert_int_equal(rte_be_to_cpu_16(*(const rte_be16_t *)(p + 12)), type);
	return p + 14;
}

static void ttl_expired_icmp(void **state)
{
	uint8_t a[16], src6[16];
	uint64_t ttl = C->drops[PF_DROP_TTL_EXPIRED];
	(void)state;

	icmp_port_addrs();
	worker_set_icmp_rate(&W, 1000);

	burst1(v4(REG4, 1, NULL));
	const struct rte_ipv4_hdr *ip = (const void *)check_icmp(RTE_ETHER_TYPE_IPV4);
	assert_int_equal(ip->next_proto_id, IPPROTO_ICMP);
	assert_int_equal(rte_be_to_cpu_32(ip->src_addr), RX_ADDR4);
	assert_int_equal(rte_be_to_cpu_32(ip->dst_addr), 0x0a000001); /* v4()'s source */
	assert_int_equal(((const uint8_t *)(ip + 1))[0], 11);
	/* no route: still an error, as a router decrements first (RFC 1812 5.3.1) */
	burst1(v4(NONE4, 0, NULL));
	check_icmp(RTE_ETHER_TYPE_IPV4);

	v6_addr(a, 0x2001, 0xdb8, 1, 0x55);
	burst1(v6(a, 1, NULL));
	const struct rte_ipv6_hdr *ip6 = (const void *)check_icmp(RTE_ETHER_TYPE_IPV6);
	v6_addr(src6, 0x2001, 0xdb8, 0x99, 1); /* v6()'s source */
	assert_int_equal(ip6->proto, IPPROTO_ICMPV6);
	assert_memory_equal(ip6->src_addr, W.port_addr6[RX], 16);
	assert_memory_equal(ip6->dst_addr, src6, 16);
	assert_int_equal(((const uint8_t *)(ip6 + 1))[0], 3);

	assert_int_equal(TX.n_icmp, 3);
	assert_int_equal(C->drops[PF_DROP_TTL_EXPIRED], ttl + 3); /* none forwarded */
	assert_int_equal(total_tx(), 0);
	assert_int_equal(C->icmp_limited, 0);

	/* A port without an address of the family: the drop alone. */
	memset(W.port_addr6[RX], 0, 16);
	expect_drop(v6(a, 1, NULL), PF_DROP_TTL_EXPIRED);
	/* Rate 0: none at all. */
	worker_set_icmp_rate(&W, 0);
	expect_drop(v4(REG4, 1, NULL), PF_DROP_TTL_EXPIRED);
	assert_int_equal(TX.n_icmp, 3);
	/* A packet the worker forwards is untouched by any of this. */
	burst1(v4(REG4, 64, NULL));
	check_tx(P_PRI, 0, RTE_ETHER_TYPE_IPV4, 63);
}

/* WORKER_ICMP_BURST at once, then the rate: at 1 a second, none more in the
 * time this test takes (well under a second; one more if it were slow). */
static void icmp_rate_limit(void **state)
{
	unsigned sent = 0;
	(void)state;

	icmp_port_addrs();
	worker_set_icmp_rate(&W, 1);
	for (unsigned i = 0; i < WORKER_ICMP_BURST + 20; i++) {
		burst1(v4(REG4, 1, NULL));
		sent += TX.n_icmp;
		tx_release();
	}
	assert_in_range(sent, WORKER_ICMP_BURST, WORKER_ICMP_BURST + 1);
	assert_int_equal(C->icmp_limited, WORKER_ICMP_BURST + 20 - sent);
	assert_int_equal(C->drops[PF_DROP_TTL_EXPIRED], WORKER_ICMP_BURST + 20);
}

/* ---- MTU ---- */

#define NH_MTU 1000

/* An IPv4 packet of total bytes (20 of header), DF or not. */
static struct rte_mbuf *v4_sized(uint32_t dst, uint16_t total, bool df, const struct eth_opt *o)
{
	size_t l2 = put_eth(frame, RTE_ETHER_TYPE_IPV4, o);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + l2);

	memset(ip, 0, total);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(total);
	ip->fragment_offset = df ? RTE_BE16(RTE_IPV4_HDR_DF_FLAG) : 0;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = RTE_BE32(0x0a000001);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return mbuf_of(l2 + total);
}

/* The primary next hop on a port with a smaller MTU than RX's (a tunnel to
 * another site, say): RX's bursts check every packet. */
static void mtu_setup(uint16_t rx_mtu)
{
	struct nexthop nh = T.nexthop[NH_PRI];
	uint16_t id;

	nh.mtu = NH_MTU;
	nh.flags = 0;
	assert_int_equal(nexthop_alloc(&T, &nh, &id), 0);
	const uint16_t tiers[3] = {id, NH_LOC, NH_GEO};
	assert_int_equal(pathgroup_set(&T, PG_MAIN, tiers, 3), 0);
	W.port_mtu[RX] = rx_mtu;
	W.port_mtu[P_PRI] = NH_MTU;
	W.min_mtu = NH_MTU;
	icmp_port_addrs();
	worker_set_icmp_rate(&W, 1000);
}

static void too_big(void **state)
{
	uint64_t over = C->drops[PF_DROP_MTU_EXCEEDED];
	uint8_t a[16];
	(void)state;

	mtu_setup(1500);
	/* exactly the MTU: forwarded (the fast path) */
	burst1(v4_sized(REG4, NH_MTU, true, NULL));
	check_tx(P_PRI, 0, RTE_ETHER_TYPE_IPV4, 63);
	assert_int_equal(TX.n[P_PRI], 1);

	/* one byte more, DF: fragmentation needed, next-hop MTU 1000 */
	burst1(v4_sized(REG4, NH_MTU + 1, true, NULL));
	const struct rte_ipv4_hdr *ip = (const void *)check_icmp(RTE_ETHER_TYPE_IPV4);
	const uint8_t *icmp = (const uint8_t *)(ip + 1);
	assert_int_equal(icmp[0], 3);
	assert_int_equal(icmp[1], 4);
	assert_int_equal(icmp[6] << 8 | icmp[7], NH_MTU);
	assert_int_equal(C->drops[PF_DROP_MTU_EXCEEDED], over + 1);

	/* without DF: fragmented (see fragments), no error */
	burst1(v4_sized(REG4, NH_MTU + 1, false, NULL));
	assert_int_equal(TX.n_icmp, 1);
	assert_int_equal(TX.n[P_PRI], 3); /* the packet above and two fragments */
	assert_int_equal(C->fragmented, 1);

	/* a fast burst: small, big, small, big: the small ones go, one error each big */
	struct rte_mbuf *mix[4] = {v4(REG4, 64, NULL), v4_sized(REG4, 1400, true, NULL),
				   v4(REG4, 64, NULL), v4_sized(REG4, 1200, true, NULL)};
	worker_forward_burst(&W, RX, mix, 4, &TX);
	assert_int_equal(TX.n[P_PRI], 5);
	assert_int_equal(TX.n_icmp, 3);
	assert_ptr_equal(TX.pkts[P_PRI][3], mix[0]);
	assert_ptr_equal(TX.pkts[P_PRI][4], mix[2]);

	/* the general path: tagged IPv4, and IPv6 (packet too big) */
	struct eth_opt tagged = {.vid = 5};
	burst1(v4_sized(REG4, NH_MTU + 1, true, &tagged));
	assert_int_equal(TX.n_icmp, 4);
	v6_addr(a, 0x2001, 0xdb8, 1, 0x55);
	struct rte_mbuf *m = v6(a, 64, NULL);
	char *more = rte_pktmbuf_append(m, NH_MTU - 60 + 1);
	assert_non_null(more);
	memset(more, 0, NH_MTU - 60 + 1);
	rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, 14)->payload_len =
		rte_cpu_to_be_16(NH_MTU - 40 + 1);
	burst1(m);
	const uint8_t *icmp6 = check_icmp(RTE_ETHER_TYPE_IPV6) + 40;
	assert_int_equal(icmp6[0], 2); /* packet too big */
	assert_int_equal((uint32_t)icmp6[4] << 24 | icmp6[5] << 16 | icmp6[6] << 8 | icmp6[7],
			 NH_MTU);
	assert_int_equal(C->drops[PF_DROP_MTU_EXCEEDED], over + 5);
	assert_int_equal(TX.n[P_PRI], 5);
}

/* IPv4 without DF over the MTU: fragments of (1000 - 20) & ~7 = 976 payload
 * bytes, offsets in 8-byte units, MF on all but the last (and on the last
 * too when the packet was a non-last fragment itself), TTL down by one,
 * good checksums, and the payload back whole when put together; with
 * options, the copied ones in every fragment. */
static void fragments(void **state)
{
	static const uint16_t cases[][2] = {{0, 0}, {RTE_IPV4_HDR_MF_FLAG | 100, 100}};
	(void)state;

	mtu_setup(1500);
	for (unsigned c = 0; c < RTE_DIM(cases); c++) {
		const uint16_t total = 2000, payload = total - 20; /* frame[] holds 2048 */
		struct rte_mbuf *m = v4_sized(REG4, total, false, NULL);
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
		uint8_t *data = (uint8_t *)(ip + 1), want[2000], got[2000];
		unsigned first = TX.n[P_PRI], at = 0;
		uint64_t fwd = C->forwarded, txb = C->port[P_PRI].tx_bytes;

		for (unsigned i = 0; i < payload; i++)
			data[i] = (uint8_t)(i * 7 + c);
		ip->fragment_offset = rte_cpu_to_be_16(cases[c][0]);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		memcpy(want, data, payload);
		burst1(m);
		assert_int_equal(TX.n[P_PRI] - first, 3);
		assert_int_equal(C->forwarded - fwd, 3);
		for (unsigned k = 0; k < 3; k++) {
			const struct rte_mbuf *f = TX.pkts[P_PRI][first + k];
			const uint8_t *p = rte_pktmbuf_mtod(f, const uint8_t *);
			const struct rte_ipv4_hdr *fip = (const void *)(p + 14);
			const uint16_t len = k < 2 ? 976 : payload - 2 * 976;
			const uint16_t fo = rte_be_to_cpu_16(fip->fragment_offset);
			struct rte_ether_addr dst = peer_mac(P_PRI);

			assert_memory_equal(p, dst.addr_bytes, 6);
			assert_int_equal(rte_pktmbuf_pkt_len(f), 14 + 20 + len);
			assert_true(rte_pktmbuf_pkt_len(f) - 14 <= NH_MTU);
			assert_int_equal(rte_be_to_cpu_16(fip->total_length), 20 + len);
			assert_int_equal(fo & RTE_IPV4_HDR_OFFSET_MASK, cases[c][1] + k * 976 / 8);
			assert_int_equal(!!(fo & RTE_IPV4_HDR_MF_FLAG), k < 2 || cases[c][1] != 0);
			assert_int_equal(fip->time_to_live, 63);
			assert_int_equal(rte_raw_cksum(fip, 20), 0xffff);
			memcpy(got + at, fip + 1, len);
			at += len;
			txb += 14 + 20 + len;
		}
		assert_int_equal(at, payload);
		assert_memory_equal(got, want, payload);
		assert_int_equal(C->port[P_PRI].tx_bytes, txb);
	}
	assert_int_equal(C->fragmented, 2);
	assert_int_equal(C->drops[PF_DROP_MTU_EXCEEDED], 0);

	/* options (RFC 791 3.1): all in the first fragment, only the copied
	 * ones (Stream ID, type 136) in the others: a 32-byte header, then 24 */
	static const uint8_t opts[12] = {136, 4, 0x12, 0x34, 7, 7, 4, 0, 0, 0, 0, 1};
	struct rte_mbuf *m = v4_sized(REG4, 1200, false, NULL);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
	uint8_t want[1168], got[1168];
	unsigned first = TX.n[P_PRI];

	ip->version_ihl = 0x48;
	memcpy(ip + 1, opts, sizeof(opts));
	for (unsigned i = 0; i < sizeof(want); i++)
		want[i] = ((uint8_t *)ip)[32 + i] = (uint8_t)(i * 3);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	burst1(m);
	assert_int_equal(TX.n[P_PRI] - first, 2);
	const struct rte_ipv4_hdr *f0 =
		rte_pktmbuf_mtod_offset(TX.pkts[P_PRI][first], const struct rte_ipv4_hdr *, 14);
	const struct rte_ipv4_hdr *f1 =
		rte_pktmbuf_mtod_offset(TX.pkts[P_PRI][first + 1], const struct rte_ipv4_hdr *, 14);
	assert_int_equal(f0->version_ihl, 0x48);
	assert_memory_equal(f0 + 1, opts, sizeof(opts));
	assert_int_equal(rte_be_to_cpu_16(f0->total_length), 32 + 968); /* (1000 - 32) & ~7 */
	assert_int_equal(rte_be_to_cpu_16(f0->fragment_offset), RTE_IPV4_HDR_MF_FLAG);
	assert_int_equal(f1->version_ihl, 0x46);
	assert_memory_equal(f1 + 1, opts, 4); /* Stream ID only, no padding needed */
	assert_int_equal(rte_be_to_cpu_16(f1->total_length), 24 + 200);
	assert_int_equal(rte_be_to_cpu_16(f1->fragment_offset), 968 / 8);
	assert_int_equal(rte_raw_cksum(f0, 32), 0xffff);
	assert_int_equal(rte_raw_cksum(f1, 24), 0xffff);
	memcpy(got, (const uint8_t *)f0 + 32, 968);
	memcpy(got + 968, (const uint8_t *)f1 + 24, 200);
	assert_memory_equal(got, want, sizeof(want));

	/* a copied option needing padding (3 bytes: one End of Option List) */
	static const uint8_t odd[8] = {131, 3, 4, 7, 3, 4, 0, 0}; /* LSRR-like, then RR */
	m = v4_sized(REG4, 1200, false, NULL);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
	ip->version_ihl = 0x47;
	memcpy(ip + 1, odd, sizeof(odd));
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	first = TX.n[P_PRI];
	burst1(m);
	assert_int_equal(TX.n[P_PRI] - first, 2);
	f1 = rte_pktmbuf_mtod_offset(TX.pkts[P_PRI][first + 1], const struct rte_ipv4_hdr *, 14);
	assert_int_equal(f1->version_ihl, 0x46);
	assert_memory_equal(f1 + 1, ((const uint8_t[]){131, 3, 4, 0}), 4);

	/* malformed options (a length past the header): dropped */
	m = v4_sized(REG4, 1200, false, NULL);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
	ip->version_ihl = 0x46;
	memcpy(ip + 1, ((const uint8_t[]){7, 9, 4, 0}), 4);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	expect_drop(m, PF_DROP_MTU_EXCEEDED);
	assert_int_equal(C->fragmented, 4);
}

/* When no port's MTU is below the rx port's, nothing is checked: a port
 * does not receive frames above its own MTU. */
static void mtu_unchecked(void **state)
{
	(void)state;
	mtu_setup(NH_MTU);
	burst1(v4_sized(REG4, NH_MTU + 100, true, NULL));
	check_tx(P_PRI, 0, RTE_ETHER_TYPE_IPV4, 63);
	assert_int_equal(TX.n_icmp, 0);
}

static void unregistered_policy(void **state)
{
	uint8_t a[16];
	(void)state;

	assert_int_equal(T.unreg_policy, UNREG_DROP);
	expect_drop(v4(UNREG4, 64, NULL), PF_DROP_UNREGISTERED);
	v6_addr(a, 0x2001, 0xdb8, 2, 9);
	expect_drop(v6(a, 64, NULL), PF_DROP_UNREGISTERED);
	assert_int_equal(C->unregistered.pkts, 2);
	assert_int_equal(C->unregistered.bytes, 148);

	T.unreg_pg = PG_DEFAULT;
	T.unreg_policy = UNREG_PATHGROUP;
	burst1(v4(UNREG4, 64, NULL));
	burst1(v6(a, 64, NULL));
	assert_int_equal(TX.n[P_GEO], 2);
	check_tx(P_GEO, GEO_VLAN, RTE_ETHER_TYPE_IPV6, 63);
	assert_int_equal(C->unregistered.pkts, 4);
	assert_int_equal(C->pathgroup[PG_DEFAULT].pkts, 2);
	assert_int_equal(C->drops[PF_DROP_UNREGISTERED], 2);

	/* A policy pointing at no group is a missing route, not a crash. */
	T.unreg_pg = PG_NONE;
	expect_drop(v4(UNREG4, 64, NULL), PF_DROP_NO_ROUTE);
}

/* af_packet hands back the kernel's own frames: ignored, uncounted. */
static void own_mac_echo(void **state)
{
	struct rte_ether_addr own = port_mac(RX);
	struct eth_opt o = {.src = own.addr_bytes};
	struct rte_mbuf *m[2] = {v4(REG4, 64, &o), NULL};
	(void)state;

	put_eth(frame, RTE_ETHER_TYPE_ARP, &o);
	m[1] = mbuf_of(60);
	worker_forward_burst(&W, RX, m, 2, &TX);
	assert_int_equal(total_tx(), 0);
	assert_int_equal(TX.n_punt, 0);
	assert_int_equal(total_drops(), 0);
	assert_int_equal(C->port[RX].rx_pkts, 0);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_SIZE);

	/* Another port's MAC as source is an ordinary packet here. */
	struct rte_ether_addr other = port_mac(P_PRI);
	o.src = other.addr_bytes;
	burst1(v4(REG4, 64, &o));
	assert_int_equal(TX.n[P_PRI], 1);
}

static void punts(void **state)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	struct eth_opt o = {.dst = bcast};
	uint8_t a[16];
	(void)state;

	put_eth(frame, RTE_ETHER_TYPE_ARP, &o);
	expect_punt(mbuf_of(60));
	o.vid = 7;
	put_eth(frame, RTE_ETHER_TYPE_ARP, &o);
	expect_punt(mbuf_of(64));

	expect_punt(v4(LOCAL4, 64, NULL));
	expect_punt(v4(LOCAL4, 1, NULL));     /* ours: TTL does not matter */
	expect_punt(v4(0xe0000005, 1, NULL)); /* OSPF-style 224.0.0.5 */
	expect_punt(v4(0xffffffff, 64, NULL));
	o.vid = 0;
	expect_punt(v4(REG4, 64, &o)); /* link-layer broadcast */

	v6_addr(a, 0x2001, 0xdb8, 0xff, 1);
	expect_punt(v6(a, 64, NULL));
	v6_addr(a, 0xff02, 0, 0, 1); /* all-nodes */
	expect_punt(v6(a, 255, NULL));
	v6_addr(a, 0xfe80, 0, 0, 1);
	expect_punt(v6(a, 255, NULL));

	/* Punted packets are untouched. */
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(TX.punt[2], void *, 14);
	assert_int_equal(ip->time_to_live, 64);
	assert_int_equal(C->port[RX].punted, 10);
	assert_int_equal(C->forwarded, 0);
}

/* m (from v4 or v6: 14 bytes of Ethernet) as protocol proto between ports
 * sport and dport; an IPv4 one as a later fragment too if asked. */
static struct rte_mbuf *l4_to(struct rte_mbuf *m, bool v6, uint8_t proto, uint16_t sport,
			      uint16_t dport, bool later_fragment)
{
	uint8_t *l3 = rte_pktmbuf_mtod_offset(m, uint8_t *, RTE_ETHER_HDR_LEN);
	uint8_t *l4 = l3 + (v6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr));

	if (v6) {
		((struct rte_ipv6_hdr *)l3)->proto = proto;
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;
		ip->next_proto_id = proto;
		ip->fragment_offset = later_fragment ? RTE_BE16(10) : 0;
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	l4[0] = (uint8_t)(sport >> 8), l4[1] = (uint8_t)sport;
	l4[2] = (uint8_t)(dport >> 8), l4[3] = (uint8_t)dport;
	return m;
}

/* m (from v4 or v6) as sent from src (4 or 16 bytes, network order). */
static struct rte_mbuf *from(struct rte_mbuf *m, bool v6, const void *src)
{
	uint8_t *l3 = rte_pktmbuf_mtod_offset(m, uint8_t *, RTE_ETHER_HDR_LEN);

	if (v6) {
		memcpy(((struct rte_ipv6_hdr *)l3)->src_addr, src, 16);
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;
		memcpy(&ip->src_addr, src, 4);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	return m;
}

/* A v6 packet (hop limit hops, from 2001:db8:99::1) as ICMPv6 type with
 * the 16 bytes at 8 (an NS or NA's target) taken from target. */
/* m, sent from Ethernet address mac */
static struct rte_mbuf *from_mac(struct rte_mbuf *m, const uint8_t *mac)
{
	memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, 6), mac, RTE_ETHER_ADDR_LEN);
	return m;
}

static struct rte_mbuf *icmp6(uint8_t type, uint8_t hops, const uint8_t target[16])
{
	uint8_t dst[16];
	struct rte_mbuf *m;

	v6_addr(dst, 0xff02, 0, 0, 1);
	m = v6(dst, hops, NULL);
	uint8_t *l3 = rte_pktmbuf_mtod_offset(m, uint8_t *, RTE_ETHER_HDR_LEN);
	((struct rte_ipv6_hdr *)l3)->proto = IPPROTO_ICMPV6;
	((struct rte_ipv6_hdr *)l3)->payload_len = RTE_BE16(24);
	rte_pktmbuf_append(m, 4); /* 40 + 24 */
	l3[40] = type;
	memcpy(l3 + 48, target, 16);
	return m;
}

/* An ARP request from sender (host order), for 192.0.2.1. */
static struct rte_mbuf *arp_from(uint32_t sender)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	const struct eth_opt o = {.dst = bcast};
	size_t l2 = put_eth(frame, RTE_ETHER_TYPE_ARP, &o);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(frame + l2);

	memset(a, 0, sizeof(*a));
	a->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = 6;
	a->arp_plen = 4;
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	memcpy(a->arp_data.arp_sha.addr_bytes, PEER_MAC, 6);
	a->arp_data.arp_sip = rte_cpu_to_be_32(sender);
	a->arp_data.arp_tip = RTE_BE32(LOCAL4);
	return mbuf_of(RTE_MAX(l2 + sizeof(*a), (size_t)60));
}

static struct fwd_nbr nbr(bool v6, const void *addr, uint32_t flags)
{
	struct fwd_nbr n = {.v6 = v6, .flags = flags};

	memcpy(n.addr, addr, v6 ? 16 : 4);
	return n;
}

/*
 * The punt rate: WORKER_PUNT_BURST at once, then (at 1 a second) none more
 * in the time this test takes; the sessions of the neighbours (BGP, BFD,
 * ARP, ND) pass all the same, and only theirs.
 */
static void punt_rate_limit(void **state)
{
	const rte_be32_t n4 = RTE_BE32(0x0a000001), gtsm4 = RTE_BE32(0x0a000009),
			 other4 = RTE_BE32(0x0a000002);
	static const uint8_t nbr_mac[6] = {0x02, 0, 0x5e, 0, 0x53, 7}; /* a next hop's */
	uint8_t n6[16], other6[16], nd_target[16], ll[16], a[16];
	unsigned punted = 0;
	(void)state;

	v6_addr(n6, 0x2001, 0xdb8, 0x99, 1); /* v6()'s source */
	v6_addr(other6, 0x2001, 0xdb8, 0x99, 2);
	v6_addr(nd_target, 0x2001, 0xdb8, 0x99, 3);
	v6_addr(ll, 0xfe80, 0, 0, 0x77);
	struct fwd_nbr mac_nb = {.mac = true};
	memcpy(mac_nb.addr, nbr_mac, sizeof(nbr_mac));
	const struct fwd_nbr nb[] = {nbr(false, &n4, 0), nbr(false, &gtsm4, NBR_F_GTSM),
				     nbr(true, n6, 0), nbr(true, nd_target, 0), mac_nb};
	assert_int_equal(fwd_nbrs_set(&T, nb, RTE_DIM(nb)), 1);

	worker_set_punt_rate(&W, 1);
	for (unsigned i = 0; i < WORKER_PUNT_BURST + 20; i++) {
		burst1(arp_from(0x0a000000 | i << 8)); /* not neighbours */
		punted += TX.n_punt;
		tx_release();
	}
	assert_in_range(punted, WORKER_PUNT_BURST, WORKER_PUNT_BURST + 1);
	assert_int_equal(C->drops[PF_DROP_PUNT_LIMITED], WORKER_PUNT_BURST + 20 - punted);

	/* the budget is spent: the neighbours' sessions still get through */
	expect_punt(l4_to(v4(LOCAL4, 64, NULL), false, IPPROTO_TCP, 40000, 179, false));
	expect_punt(l4_to(v4(LOCAL4, 64, NULL), false, IPPROTO_TCP, 179, 40000, false));
	expect_punt(l4_to(v4(LOCAL4, 255, NULL), false, IPPROTO_UDP, 49152, 3784, false));
	expect_punt(l4_to(v4(LOCAL4, 64, NULL), false, IPPROTO_UDP, 49152, 4784, false));
	expect_punt(from(l4_to(v4(LOCAL4, 255, NULL), false, IPPROTO_TCP, 179, 40000, false), false,
			 &gtsm4));
	expect_punt(arp_from(0x0a000001));
	v6_addr(a, 0x2001, 0xdb8, 0xff, 1);
	expect_punt(l4_to(v6(a, 64, NULL), true, IPPROTO_TCP, 50000, 179, false));
	v6_addr(a, 0xfe80, 0, 0, 1); /* to a link-local address */
	expect_punt(l4_to(v6(a, 255, NULL), true, IPPROTO_TCP, 179, 50000, false));
	expect_punt(icmp6(135, 255, other6));			     /* NS from a neighbour */
	expect_punt(from(icmp6(136, 255, nd_target), true, other6)); /* NA about one */
	/* a next hop's NS and NA for the box's address from its link-local one */
	expect_punt(from_mac(from(icmp6(135, 255, other6), true, ll), nbr_mac));
	expect_punt(from_mac(from(icmp6(136, 255, other6), true, ll), nbr_mac));

	/* BGP behind an IPv6 extension header (destination options, 8 bytes) */
	struct rte_mbuf *m = l4_to(v6(a, 64, NULL), true, IPPROTO_DSTOPTS, 0, 0, false);
	uint8_t *ext = rte_pktmbuf_mtod_offset(m, uint8_t *, RTE_ETHER_HDR_LEN + 40);
	ext[0] = IPPROTO_TCP, ext[1] = 0;
	ext[8] = 0xc3, ext[9] = 0x50, ext[10] = 0, ext[11] = 179;
	expect_punt(m);

	/* the rest is policed: other ports, later fragments, multicast */
	expect_drop(l4_to(v4(LOCAL4, 64, NULL), false, IPPROTO_UDP, 3784, 3785, false),
		    PF_DROP_PUNT_LIMITED);
	expect_drop(l4_to(v4(LOCAL4, 64, NULL), false, IPPROTO_TCP, 40000, 179, true),
		    PF_DROP_PUNT_LIMITED);
	expect_drop(l4_to(v4(LOCAL4, 64, NULL), false, IPPROTO_ICMP, 179, 179, false),
		    PF_DROP_PUNT_LIMITED);
	expect_drop(v4(0xe0000005, 1, NULL), PF_DROP_PUNT_LIMITED);
	v6_addr(a, 0xff02, 0, 0, 1);
	expect_drop(v6(a, 255, NULL), PF_DROP_PUNT_LIMITED);
	/* BGP, BFD and ARP from anyone else */
	expect_drop(from(l4_to(v4(LOCAL4, 64, NULL), false, IPPROTO_TCP, 40000, 179, false), false,
			 &other4),
		    PF_DROP_PUNT_LIMITED);
	expect_drop(from(l4_to(v4(LOCAL4, 255, NULL), false, IPPROTO_UDP, 49152, 3784, false),
			 false, &other4),
		    PF_DROP_PUNT_LIMITED);
	v6_addr(a, 0x2001, 0xdb8, 0xff, 1);
	expect_drop(
		from(l4_to(v6(a, 64, NULL), true, IPPROTO_TCP, 50000, 179, false), true, other6),
		PF_DROP_PUNT_LIMITED);
	expect_drop(arp_from(0x0a000002), PF_DROP_PUNT_LIMITED);
	/* a GTSM peer's BGP below TTL 255; single-hop BFD below 255 (RFC 5881) */
	expect_drop(from(l4_to(v4(LOCAL4, 254, NULL), false, IPPROTO_TCP, 179, 40000, false), false,
			 &gtsm4),
		    PF_DROP_PUNT_LIMITED);
	expect_drop(l4_to(v4(LOCAL4, 254, NULL), false, IPPROTO_UDP, 49152, 3784, false),
		    PF_DROP_PUNT_LIMITED);
	/* ND off the link (hop limit), and about and from no neighbour */
	expect_drop(icmp6(135, 254, other6), PF_DROP_PUNT_LIMITED);
	expect_drop(from(icmp6(136, 255, other6), true, other6), PF_DROP_PUNT_LIMITED);
	expect_drop(from(icmp6(128, 255, nd_target), true, other6), PF_DROP_PUNT_LIMITED);
	expect_drop(from(icmp6(135, 255, other6), true, ll), PF_DROP_PUNT_LIMITED); /* other MAC */
	expect_drop(from_mac(from(icmp6(135, 254, other6), true, ll), nbr_mac),
		    PF_DROP_PUNT_LIMITED);
	expect_drop(from_mac(from(icmp6(128, 255, other6), true, ll), nbr_mac),
		    PF_DROP_PUNT_LIMITED); /* not ND */

	/* with no neighbours, none of it is a session */
	assert_int_equal(fwd_nbrs_set(&T, NULL, 0), 1);
	expect_drop(l4_to(v4(LOCAL4, 64, NULL), false, IPPROTO_TCP, 40000, 179, false),
		    PF_DROP_PUNT_LIMITED);
	expect_drop(arp_from(0x0a000001), PF_DROP_PUNT_LIMITED);

	/* 0: no limit */
	worker_set_punt_rate(&W, 0);
	expect_punt(arp_from(0x0a000002));
}

/*
 * The peer punt rate: the neighbours' BGP below TTL 255 (no GTSM) and
 * multihop BFD, which a forged neighbour address could bring from off the
 * link, WORKER_PEER_BURST at once and then (at 1 a second) none more; what
 * carries TTL 255 from them, and everything the punt rate polices, is not
 * held by it.
 */
static void peer_punt_rate_limit(void **state)
{
	const rte_be32_t n4 = RTE_BE32(0x0a000001), gtsm4 = RTE_BE32(0x0a000009);
	uint8_t n6[16], other6[16], a[16];
	unsigned punted = 0;
	(void)state;

	v6_addr(n6, 0x2001, 0xdb8, 0x99, 1); /* v6()'s source */
	v6_addr(other6, 0x2001, 0xdb8, 0x99, 2);
	const struct fwd_nbr nb[] = {nbr(false, &n4, 0), nbr(false, &gtsm4, NBR_F_GTSM),
				     nbr(true, n6, 0)};
	assert_int_equal(fwd_nbrs_set(&T, nb, RTE_DIM(nb)), 1);

	worker_set_punt_rate(&W, 0);
	worker_set_peer_punt_rate(&W, 1);
	for (unsigned i = 0; i < WORKER_PEER_BURST + 20; i++) { /* SYNs from the neighbour */
		burst1(l4_to(v4(LOCAL4, 64, NULL), false, IPPROTO_TCP, (uint16_t)(1024 + i), 179,
			     false));
		punted += TX.n_punt;
		tx_release();
	}
	assert_in_range(punted, WORKER_PEER_BURST, WORKER_PEER_BURST + 1);
	assert_int_equal(C->drops[PF_DROP_PEER_LIMITED], WORKER_PEER_BURST + 20 - punted);
	assert_int_equal(C->drops[PF_DROP_PUNT_LIMITED], 0);

	/* the budget is spent: more of the same, either way, and IPv6 */
	expect_drop(l4_to(v4(LOCAL4, 64, NULL), false, IPPROTO_TCP, 179, 40000, false),
		    PF_DROP_PEER_LIMITED);
	expect_drop(l4_to(v4(LOCAL4, 1, NULL), false, IPPROTO_TCP, 40000, 179, false),
		    PF_DROP_PEER_LIMITED);
	v6_addr(a, 0x2001, 0xdb8, 0xff, 1);
	expect_drop(l4_to(v6(a, 64, NULL), true, IPPROTO_TCP, 50000, 179, false),
		    PF_DROP_PEER_LIMITED);
	/* multihop BFD, whatever its TTL */
	expect_drop(l4_to(v4(LOCAL4, 255, NULL), false, IPPROTO_UDP, 49152, 4784, false),
		    PF_DROP_PEER_LIMITED);

	/* from on the link: TTL 255 BGP (with GTSM or not), BFD, ARP, ND */
	expect_punt(l4_to(v4(LOCAL4, 255, NULL), false, IPPROTO_TCP, 40000, 179, false));
	expect_punt(from(l4_to(v4(LOCAL4, 255, NULL), false, IPPROTO_TCP, 179, 40000, false), false,
			 &gtsm4));
	expect_punt(l4_to(v6(a, 255, NULL), true, IPPROTO_TCP, 179, 50000, false));
	expect_punt(l4_to(v4(LOCAL4, 255, NULL), false, IPPROTO_UDP, 49152, 3784, false));
	expect_punt(arp_from(0x0a000001));
	expect_punt(icmp6(135, 255, other6));
	/* a GTSM peer's BGP below 255 is the punt rate's (here none), not this */
	expect_punt(from(l4_to(v4(LOCAL4, 254, NULL), false, IPPROTO_TCP, 179, 40000, false), false,
			 &gtsm4));
	expect_punt(arp_from(0x0a000002));
	assert_int_equal(C->drops[PF_DROP_PUNT_LIMITED], 0);

	/* 0: no limit */
	worker_set_peer_punt_rate(&W, 0);
	expect_punt(l4_to(v4(LOCAL4, 64, NULL), false, IPPROTO_TCP, 40000, 179, false));
}

/* One burst of everything: order kept per port, every packet accounted. */
static void mixed_burst(void **state)
{
	struct rte_mbuf *m[WORKER_BURST];
	uint8_t a[16];
	unsigned n = 0;
	(void)state;

	v6_addr(a, 0x2001, 0xdb8, 1, 0x55);
	for (unsigned i = 0; i < 8; i++) {
		m[n++] = v4(REG4, (uint8_t)(10 + i), NULL);
		m[n++] = v6(a, (uint8_t)(10 + i), NULL);
		m[n++] = v4(NONE4, 64, NULL);
		m[n++] = v4(LOCAL4, 64, NULL);
	}
	struct rte_mbuf *copy[WORKER_BURST];
	memcpy(copy, m, sizeof(m));
	worker_forward_burst(&W, RX, m, (uint16_t)n, &TX);
	assert_int_equal(TX.n[P_PRI], 16);
	assert_int_equal(TX.n_punt, 8);
	assert_int_equal(C->drops[PF_DROP_NO_ROUTE], 8);
	for (unsigned i = 0; i < 16; i++)
		assert_ptr_equal(TX.pkts[P_PRI][i], copy[(i / 2) * 4 + i % 2]);
	assert_int_equal(C->port[RX].rx_pkts, 32);
	assert_int_equal(C->forwarded, 16);

	/* More than a burst on one port while tx is full: dropped and counted. */
	tx_release();
	for (unsigned i = 0; i < WORKER_BURST; i++)
		m[i] = v4(REG4, 64, NULL);
	worker_forward_burst(&W, RX, m, WORKER_BURST, &TX);
	assert_int_equal(TX.n[P_PRI], WORKER_BURST);
	expect_drop(v4(REG4, 64, NULL), PF_DROP_TX_FULL);
}

/*
 * The same packets as bursts of random sizes and one by one must end the
 * same: every counter, every tx and punt array (order and bytes). Bursts
 * take the fast path, turn general midway, switch runs (two path groups,
 * one tagged), meet dropping groups and full tx arrays; single packets
 * never share a run. Links flip between rounds.
 */
enum kind {
	K_REG,
	K_UNREG,
	K_TTL1,
	K_LOCAL,
	K_NONE,
	K_DEAD,
	K_MCAST,
	K_TAGGED,
	K_V6,
	K_ECHO,
	K_CSUM,
	K_ARP,
	K__MAX
};

static struct rte_mbuf *kind_pkt(unsigned k)
{
	struct rte_ether_addr own = port_mac(RX);
	struct eth_opt o = {.vid = 9};
	struct rte_mbuf *m;
	uint8_t a[16];

	switch (k) {
	case K_UNREG:
		return v4(UNREG4, 64, NULL);
	case K_TTL1:
		return v4(REG4, 1, NULL);
	case K_LOCAL:
		return v4(LOCAL4, 64, NULL);
	case K_NONE:
		return v4(NONE4, 64, NULL);
	case K_DEAD:
		return v4(DEAD4, 64, NULL);
	case K_MCAST:
		return v4(0xe0000005, 64, NULL);
	case K_TAGGED:
		return v4(REG4, 30, &o);
	case K_V6:
		v6_addr(a, 0x2001, 0xdb8, 1, 7);
		return v6(a, 64, NULL);
	case K_ECHO:
		o.vid = 0;
		o.src = own.addr_bytes;
		return v4(REG4, 64, &o);
	case K_CSUM:
		m = v4(REG4, 64, NULL);
		rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14)->hdr_checksum ^= 0x10;
		return m;
	case K_ARP:
		put_eth(frame, RTE_ETHER_TYPE_ARP, NULL);
		return mbuf_of(60);
	default:
		return v4(REG4, 64, NULL);
	}
}

#define OUT_SNAP 96
struct outcome {
	struct pf_lcore_counters c;
	uint16_t n[PF_MAX_PORTS + 1]; /* the last: punt */
	uint8_t data[PF_MAX_PORTS + 1][WORKER_BURST][OUT_SNAP];
	uint16_t len[PF_MAX_PORTS + 1][WORKER_BURST];
};

static void outcome_take(struct outcome *o)
{
	memcpy(&o->c, C, sizeof(*C));
	for (unsigned p = 0; p <= PF_MAX_PORTS; p++) {
		struct rte_mbuf **v = p < PF_MAX_PORTS ? TX.pkts[p] : TX.punt;
		o->n[p] = p < PF_MAX_PORTS ? TX.n[p] : TX.n_punt;
		for (unsigned i = 0; i < o->n[p]; i++) {
			o->len[p][i] = (uint16_t)rte_pktmbuf_pkt_len(v[i]);
			memset(o->data[p][i], 0, OUT_SNAP);
			memcpy(o->data[p][i], rte_pktmbuf_mtod(v[i], void *),
			       RTE_MIN(o->len[p][i], OUT_SNAP));
		}
	}
	/* Punts leave in classify (ARP, multicast) or in resolve (our own
	 * addresses), so bursts change their order, not their set: sorted. */
	for (unsigned i = 1; i < o->n[PF_MAX_PORTS]; i++)
		for (unsigned j = i; j > 0 && memcmp(o->data[PF_MAX_PORTS][j - 1],
						     o->data[PF_MAX_PORTS][j], OUT_SNAP) > 0;
		     j--) {
			uint8_t t[OUT_SNAP];
			uint16_t l = o->len[PF_MAX_PORTS][j];
			memcpy(t, o->data[PF_MAX_PORTS][j], OUT_SNAP);
			memcpy(o->data[PF_MAX_PORTS][j], o->data[PF_MAX_PORTS][j - 1], OUT_SNAP);
			memcpy(o->data[PF_MAX_PORTS][j - 1], t, OUT_SNAP);
			o->len[PF_MAX_PORTS][j] = o->len[PF_MAX_PORTS][j - 1];
			o->len[PF_MAX_PORTS][j - 1] = l;
		}
	tx_release();
	memset(C, 0, sizeof(*C));
}

static uint64_t lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005ull + 1442695040888963407ull;
	return *x >> 33;
}

/* One round: n packets of kinds drawn from seed, in bursts (sizes from
 * seed) or one by one; how many of each kind in kinds. */
static void run_round(uint64_t seed, unsigned n, bool bursts, unsigned kinds[K__MAX])
{
	struct rte_mbuf *m[WORKER_BURST];
	uint64_t ks = seed, bs = seed ^ 0x5555;

	for (unsigned done = 0; done < n;) {
		unsigned size = bursts ? 1 + (unsigned)(lcg(&bs) % WORKER_BURST) : 1;
		size = RTE_MIN(size, n - done);
		for (unsigned i = 0; i < size; i++) {
			/* Mostly the fast path's packets, in streaks. */
			unsigned r = (unsigned)(lcg(&ks) % 32);
			unsigned k = r < 12 ? K_REG : r < 20 ? K_UNREG : r - 20;
			m[i] = kind_pkt(k);
			kinds[k]++;
		}
		worker_forward_burst(&W, RX, m, (uint16_t)size, &TX);
		done += size;
	}
}

/* What every round must add up to, whatever the grouping. */
static void outcome_check(const struct outcome *o, unsigned n, const unsigned kinds[K__MAX])
{
	const struct pf_lcore_counters *c = &o->c;
	uint64_t drops = 0, pg = 0, tx = 0;

	for (unsigned i = 0; i < PF_DROP__MAX; i++)
		drops += c->drops[i];
	for (unsigned i = 0; i < PF_MAX_PATHGROUPS; i++)
		pg += c->pathgroup[i].pkts;
	for (unsigned p = 0; p < PF_MAX_PORTS; p++) {
		uint64_t bytes = 0;
		for (unsigned i = 0; i < o->n[p]; i++)
			bytes += o->len[p][i];
		assert_int_equal(c->port[p].tx_pkts, o->n[p]);
		assert_int_equal(c->port[p].tx_bytes, bytes);
		tx += c->port[p].tx_pkts;
	}
	assert_int_equal(c->port[RX].rx_pkts, n - kinds[K_ECHO]);
	assert_int_equal(c->port[RX].rx_pkts, c->forwarded + drops + c->port[RX].punted);
	assert_int_equal(c->forwarded, pg);
	assert_int_equal(c->forwarded, tx);
	assert_int_equal(c->port[RX].punted, kinds[K_LOCAL] + kinds[K_MCAST] + kinds[K_ARP]);
	assert_int_equal(c->unregistered.pkts, kinds[K_UNREG]);
	assert_int_equal(c->unregistered.bytes, 74 * kinds[K_UNREG]);
	assert_int_equal(c->prefix[PX_REG4].pkts, kinds[K_REG] + kinds[K_TAGGED]);
	assert_int_equal(c->prefix[PX_REG4].bytes, 74 * kinds[K_REG] + 78 * kinds[K_TAGGED]);
	assert_int_equal(c->prefix[9].pkts, kinds[K_DEAD]); /* D_DEAD's prefix slot */
	assert_int_equal(c->drops[PF_DROP_TTL_EXPIRED], kinds[K_TTL1]);
	assert_int_equal(c->drops[PF_DROP_NO_ROUTE], kinds[K_NONE]);
	assert_int_equal(c->drops[PF_DROP_IPV4_BAD_CSUM], kinds[K_CSUM]);
}

static void bursts_match_single_packets(void **state)
{
	struct outcome *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	uint64_t fwd = 0, punted = 0, expired = 0, tx_full = 0, no_path = 0;
	(void)state;

	assert_non_null(a);
	assert_non_null(b);
	T.unreg_pg = PG_DEFAULT;
	for (unsigned round = 0; round < 24; round++) {
		const uint64_t seed = 1000 + round;
		T.unreg_policy = round % 3 == 0 ? UNREG_DROP : UNREG_PATHGROUP;
		link_set_alive(&T, P_PRI, round % 4 != 1);
		link_set_alive(&T, P_LOC, round % 8 != 1);
		link_set_alive(&T, P_GEO, round % 5 != 2);
		/* Enough packets to fill some tx arrays in the later rounds. */
		const unsigned n = round < 12 ? 40 : 90;
		unsigned kinds[K__MAX] = {0}, again[K__MAX] = {0};
		run_round(seed, n, true, kinds);
		outcome_take(a);
		run_round(seed, n, false, again);
		outcome_take(b);
		outcome_check(a, n, kinds);
		assert_memory_equal(&a->c, &b->c, sizeof(a->c));
		assert_memory_equal(a->n, b->n, sizeof(a->n));
		for (unsigned p = 0; p <= PF_MAX_PORTS; p++)
			for (unsigned i = 0; i < a->n[p]; i++) {
				assert_int_equal(a->len[p][i], b->len[p][i]);
				assert_memory_equal(a->data[p][i], b->data[p][i],
						    RTE_MIN(a->len[p][i], OUT_SNAP));
			}
		fwd += a->c.forwarded;
		punted += a->n[PF_MAX_PORTS];
		expired += a->c.drops[PF_DROP_TTL_EXPIRED];
		tx_full += a->c.drops[PF_DROP_TX_FULL];
		no_path += a->c.drops[PF_DROP_NO_LIVE_PATH];
	}
	/* The rounds did meet each case. */
	assert_true(fwd > 0 && punted > 0 && expired > 0 && tx_full > 0 && no_path > 0);
	free(a);
	free(b);
}

static void counters_sum_and_names(void **state)
{
	struct pf_lcore_counters *b[3] = {C, NULL, NULL}, *out;
	(void)state;

	b[2] = rte_zmalloc(NULL, sizeof(*C), RTE_CACHE_LINE_SIZE);
	out = rte_zmalloc(NULL, sizeof(*C), RTE_CACHE_LINE_SIZE);
	assert_non_null(b[2]);
	assert_non_null(out);
	C->drops[PF_DROP_NO_ROUTE] = 3;
	C->prefix[PF_MAX_PREFIXES - 1].bytes = 10;
	C->polls_busy = 1;
	b[2]->drops[PF_DROP_NO_ROUTE] = 4;
	b[2]->prefix[PF_MAX_PREFIXES - 1].bytes = 5;
	b[2]->port[PF_MAX_PORTS - 1].punted = 2;
	memset(out, 0xab, sizeof(*out));
	pf_counters_sum(b, 3, out);
	assert_int_equal(out->drops[PF_DROP_NO_ROUTE], 7);
	assert_int_equal(out->prefix[PF_MAX_PREFIXES - 1].bytes, 15);
	assert_int_equal(out->port[PF_MAX_PORTS - 1].punted, 2);
	assert_int_equal(out->polls_busy, 1);
	assert_int_equal(out->forwarded, 0);
	rte_free(b[2]);
	rte_free(out);

	for (unsigned i = 0; i < PF_DROP__MAX; i++)
		assert_non_null(pf_drop_names[i]);
	assert_string_equal(pf_drop_names[PF_DROP_TTL_EXPIRED], "ttl_expired");
	assert_string_equal(pf_drop_names[PF_DROP_TX_FULL], "tx_full");
}

/*
 * worker_main end to end on ring-PMD ports, on a second lcore: rx from
 * port 0, forwarded packet on port 1's tx ring, ARP on the punt ring, and
 * the worker back offline in QSBR after quit.
 */
/* --vdev net_ringN: one ring per queue, shared by rx and tx (a loopback). */
static struct rte_ring *RING[4];

static void ring_ports(void)
{
	const struct rte_eth_conf conf = {0};
	char name[32];

	if (RING[0] != NULL)
		return;
	assert_int_equal(rte_eth_dev_count_avail(), 4);
	for (uint16_t p = 0; p < 4; p++) {
		snprintf(name, sizeof(name), "ETH_RXTX0_net_ring%u", p);
		RING[p] = rte_ring_lookup(name);
		assert_non_null(RING[p]);
		assert_int_equal(rte_eth_dev_configure(p, 1, 1, &conf), 0);
		assert_int_equal(rte_eth_rx_queue_setup(p, 0, 64, 0, NULL, pool), 0);
		assert_int_equal(rte_eth_tx_queue_setup(p, 0, 64, 0, NULL), 0);
		assert_int_equal(rte_eth_dev_start(p), 0);
	}
}

static void *ring_wait(struct rte_ring *r)
{
	void *o = NULL;

	for (unsigned i = 0; i < 2000 && rte_ring_dequeue(r, &o) != 0; i++)
		rte_delay_ms(1);
	return o;
}

static void main_loop(void **state)
{
	struct rte_ring *punt = rte_ring_create("tpunt", 64, 0, RING_F_SC_DEQ);
	unsigned lcore = rte_get_next_lcore(-1, 1, 0);
	struct rte_mbuf *m;
	(void)state;

	assert_non_null(punt);
	assert_true(lcore < RTE_MAX_LCORE);
	ring_ports();
	W.lcore_id = lcore;
	W.index = 0;
	W.n_rxq = 1;
	W.rxq[0].port_id = RX;
	W.punt = punt;
	W.quit = &QUIT;
	QUIT = false;
	assert_int_equal(rte_eal_remote_launch(worker_main, &W, lcore), 0);
	LAUNCHED = lcore;

	m = v4(REG4, 64, NULL);
	assert_int_equal(rte_ring_enqueue(RING[RX], m), 0);
	assert_ptr_equal(ring_wait(RING[P_PRI]), m);
	{
		const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, void *, 14);
		assert_int_equal(ip->time_to_live, 63);
	}
	rte_pktmbuf_free(m);

	put_eth(frame, RTE_ETHER_TYPE_ARP, NULL);
	m = mbuf_of(60);
	assert_int_equal(rte_ring_enqueue(RING[RX], m), 0);
	assert_ptr_equal(ring_wait(punt), m);
	rte_pktmbuf_free(m);

	/* An ICMP error goes back out of RX (and comes in again there as
	 * our own frame, which the echo filter drops uncounted). */
	icmp_port_addrs();
	worker_set_icmp_rate(&W, 1000);
	m = v4(REG4, 1, NULL);
	assert_int_equal(rte_ring_enqueue(RING[RX], m), 0);
	for (unsigned i = 0; i < 2000 && __atomic_load_n(&C->icmp_sent, __ATOMIC_RELAXED) == 0; i++)
		rte_delay_ms(1);
	assert_int_equal(__atomic_load_n(&C->icmp_sent, __ATOMIC_RELAXED), 1);

	/* A full tx ring: what the NIC refuses is dropped and taken back out of tx. */
	while (rte_ring_enqueue(RING[P_PRI], (void *)1) == 0)
		;
	m = v4(REG4, 64, NULL);
	assert_int_equal(rte_ring_enqueue(RING[RX], m), 0);
	for (unsigned i = 0;
	     i < 2000 && __atomic_load_n(&C->drops[PF_DROP_TX_FULL], __ATOMIC_RELAXED) == 0; i++)
		rte_delay_ms(1);

	/* Online and looping: it reports quiescent states, so this returns. */
	rte_rcu_qsbr_synchronize(T.qsbr, RTE_QSBR_THRID_INVALID);
	QUIT = true;
	assert_int_equal(rte_eal_wait_lcore(lcore), 0);
	LAUNCHED = RTE_MAX_LCORE;
	rte_ring_reset(RING[P_PRI]);
	assert_int_equal(C->drops[PF_DROP_TX_FULL], 1);
	assert_int_equal(C->port[P_PRI].tx_pkts, 1);
	assert_int_equal(C->port[P_PRI].tx_drops, 1);
	assert_int_equal(C->port[RX].tx_pkts, 1); /* the ICMP error */
	assert_int_equal(C->forwarded, 1);
	assert_int_equal(C->port[RX].punted, 1);
	assert_true(C->polls_busy >= 4);
	assert_true(C->polls_idle > 0);
	/* Offline and unregistered: a writer's grace period does not wait for it. */
	rte_rcu_qsbr_synchronize(T.qsbr, RTE_QSBR_THRID_INVALID);
	rte_ring_free(punt);
}

static int group_setup(void **state)
{
	static char prog[] = "test_worker";
	char *eal[] = {prog,
		       "--no-huge",
		       "-m",
		       "512",
		       "--no-shconf",
		       "--no-pci",
		       "--no-telemetry",
		       "-l",
		       "0-1",
		       "--log-level=error",
		       "--vdev=net_ring0",
		       "--vdev=net_ring1",
		       "--vdev=net_ring2",
		       "--vdev=net_ring3",
		       NULL};
	(void)state;
	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0)
		return -1;
	pool = rte_pktmbuf_pool_create("test_worker", POOL_SIZE, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       0);
	C = rte_zmalloc(NULL, sizeof(*C), RTE_CACHE_LINE_SIZE);
	return pool == NULL || C == NULL ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	rte_free(C);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return 0;
}

#define T_(f) cmocka_unit_test_setup_teardown(f, tables_setup, tables_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_(forward_ipv4),
		T_(forward_ipv6),
		T_(failover),
		T_(drops),
		T_(ttl_expired_icmp),
		T_(icmp_rate_limit),
		T_(too_big),
		T_(mtu_unchecked),
		T_(fragments),
		T_(unregistered_policy),
		T_(own_mac_echo),
		T_(punts),
		T_(punt_rate_limit),
		T_(peer_punt_rate_limit),
		T_(mixed_burst),
		T_(bursts_match_single_packets),
		T_(counters_sum_and_names),
		T_(main_loop),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
