/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the worker's burst (dataplane/worker/worker.c and
 * the parsers, rewrite, ICMP errors and fragmenter it calls): the input is
 * one burst. Its first byte picks the rx port; then each frame is two bytes
 * of length and the frame, up to WORKER_BURST frames. The tables route
 * IPv4 and IPv6 (registered and not, local addresses, a group without a
 * member) to next hops on ports whose MTUs differ from the rx port's, with
 * and without a VLAN tag, and the worker may send ICMP errors. After the
 * burst every packet must be in exactly one place (a tx array, the punt
 * array, an ICMP error, or freed): the pool holds all its buffers again
 * once those are freed, or the target aborts. Each frame sent must fit its
 * port's MTU and start with that port's MAC as source.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "dataplane/pkt/pkt.h"
#include "dataplane/worker/worker.h"

#define POOL_SIZE 4095
#define N_PORTS	  4

/* ports: 0 the source (MTU 9000), 1 primary (1500), 2 local (1400, VLAN
 * 100), 3 geo (1280) */
static const uint16_t port_mtu[N_PORTS] = {9000, 1500, 1400, 1280};

static struct rte_mempool *pool;
static struct fwd_tables T;
static struct worker W;
static struct worker_tx TX;
static struct pf_lcore_counters C;

static struct rte_ether_addr mac_of(uint16_t p, uint8_t who)
{
	struct rte_ether_addr a = {{0x02, who, 0, 0, 0, (uint8_t)p}};
	return a;
}

static uint16_t nexthop(uint16_t port, uint16_t vlan)
{
	struct nexthop nh = {
		.dst_mac = mac_of(port, 0xcc),
		.src_mac = mac_of(port, 0),
		.port_id = port,
		.link_id = port,
		.vlan = vlan,
		.mtu = port_mtu[port],
	};
	uint16_t id;

	if (nexthop_alloc(&T, &nh, &id) != 0)
		abort();
	return id;
}

static void v6(uint8_t a[16], uint16_t w0, uint16_t w1, uint16_t w2)
{
	memset(a, 0, 16);
	a[0] = (uint8_t)(w0 >> 8), a[1] = (uint8_t)w0;
	a[2] = (uint8_t)(w1 >> 8), a[3] = (uint8_t)w1;
	a[4] = (uint8_t)(w2 >> 8), a[5] = (uint8_t)w2;
}

static void tables(void)
{
	const struct fwd_conf conf = {.max_routes4 = 1024,
				      .n_tbl8_4 = 64,
				      .max_routes6 = 1024,
				      .n_groups6 = 64,
				      .max_readers = 1};
	const uint16_t reg = DEST_F_VALID | DEST_F_REGISTERED;
	uint8_t a[16];

	if (fwd_tables_create(&T, &conf) != 0)
		abort();
	const uint16_t m[3] = {nexthop(1, 0), nexthop(2, 100), nexthop(3, 0)};
	if (pathgroup_set(&T, 10, m, 3) != 0 || pathgroup_set(&T, 20, &m[2], 1) != 0)
		abort();
	for (uint16_t l = 1; l < N_PORTS; l++)
		link_set_alive(&T, l, true);
	dest_set(&T, 1, 10, reg, 7);				  /* registered */
	dest_set(&T, 2, PG_NONE, DEST_F_VALID, 0);		  /* unregistered */
	dest_set(&T, 3, PG_NONE, DEST_F_VALID | DEST_F_LOCAL, 0); /* ours */
	dest_set(&T, 4, 30, reg, 9);				  /* a group without members */
	dest_set(&T, 5, 20, reg, 8);				  /* geo only (MTU 1280) */
	fib4_add(T.fib4, 0xc6336400, 24, 1);
	fib4_add(T.fib4, 0xcb007100, 24, 2);
	fib4_add(T.fib4, 0xc0000201, 32, 3);
	fib4_add(T.fib4, 0xc0000300, 24, 4);
	fib4_add(T.fib4, 0x0a000000, 8, 5);
	fib4_add(T.fib4, 0, 0, 2); /* default: unregistered */
	v6(a, 0x2001, 0xdb8, 1);
	fib6_add(T.fib6, a, 48, 1);
	v6(a, 0x2001, 0xdb8, 2);
	fib6_add(T.fib6, a, 48, 5);
	v6(a, 0x2001, 0xdb8, 0xff);
	a[15] = 1;
	fib6_add(T.fib6, a, 128, 3);
	v6(a, 0, 0, 0);
	fib6_add(T.fib6, a, 0, 2);
	T.unreg_policy = UNREG_PATHGROUP;
	T.unreg_pg = 20;

	W.tables = &T;
	W.ctr = &C;
	W.min_mtu = UINT16_MAX;
	for (uint16_t p = 0; p < N_PORTS; p++) {
		W.port_mac[p] = mac_of(p, 0);
		W.port_mtu[p] = port_mtu[p];
		W.min_mtu = RTE_MIN(W.min_mtu, port_mtu[p]);
		W.port_addr4[p] = rte_cpu_to_be_32(0xc0000201 + ((uint32_t)p << 8));
		v6(W.port_addr6[p], 0x2001, 0xdb8, 0xff);
		W.port_addr6[p][15] = (uint8_t)(p + 1);
	}
	/* neighbours, whose sessions pass the punt rate */
	struct fwd_nbr nb[5] = {{.addr = {10, 0, 0, 1}},
				{.addr = {192, 0, 2, 2}, .flags = NBR_F_GTSM},
				{.v6 = true},
				{.v6 = true, .addr = {0xfe, 0x80, [15] = 1}},
				{.mac = true, .addr = {0x02, 0, 0, 0, 0, 0x01}}};
	v6(nb[2].addr, 0x2001, 0xdb8, 0xff);
	nb[2].addr[15] = 2;
	if (fwd_nbrs_set(&T, nb, 5) != 1)
		abort();
	worker_set_icmp_rate(&W, 1000000);
	/* low enough that a run's punts soon meet the limit: both ways taken */
	worker_set_punt_rate(&W, 1000);
	worker_set_peer_punt_rate(&W, 1000);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char prog[] = "fuzz_worker";
	char *eal[] = {prog,	   "--no-huge",	     "-m", "256", "--no-shconf",
		       "--no-pci", "--no-telemetry", "-l", "0",	  "--log-level=error",
		       NULL};

	(void)argc;
	(void)argv;
	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0)
		abort();
	pool = rte_pktmbuf_pool_create("fuzz_worker", POOL_SIZE, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (pool == NULL)
		abort();
	tables();
	return 0;
}

/* A sent frame: its port's source MAC, and an L3 part within its MTU. */
static void check_sent(const struct rte_mbuf *m, uint16_t port)
{
	const struct rte_ether_addr own = mac_of(port, 0);
	struct pkt_l2 l2;

	if (pkt_parse_l2(m, &l2) != PKT_OK ||
	    memcmp(rte_pktmbuf_mtod(m, const uint8_t *) + 6, own.addr_bytes, 6) != 0 ||
	    rte_pktmbuf_pkt_len(m) - l2.l2_len > port_mtu[port])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf *pkts[WORKER_BURST];
	uint16_t n = 0, rx;

	if (size < 1)
		return 0;
	rx = data[0] % N_PORTS;
	data++, size--;
	while (n < WORKER_BURST && size >= 2) {
		/* a port takes no frame above its MTU (the worker relies on it) */
		const uint16_t max = (uint16_t)RTE_MIN(2048, port_mtu[rx] + RTE_ETHER_HDR_LEN);
		uint16_t len = (uint16_t)((data[0] << 8 | data[1]) % (max + 1));

		data += 2, size -= 2;
		len = (uint16_t)RTE_MIN((size_t)len, size);
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		if (m == NULL)
			abort();
		char *p = rte_pktmbuf_append(m, len);
		if (p == NULL && len > 0)
			abort();
		if (len > 0)
			memcpy(p, data, len);
		data += len, size -= len;
		pkts[n++] = m;
	}
	if (n == 0)
		return 0;
	worker_forward_burst(&W, rx, pkts, n, &TX);

	for (uint16_t p = 0; p < PF_MAX_PORTS; p++) {
		for (uint16_t i = 0; i < TX.n[p]; i++)
			check_sent(TX.pkts[p][i], p);
		rte_pktmbuf_free_bulk(TX.pkts[p], TX.n[p]);
		TX.n[p] = 0;
	}
	TX.pending = 0;
	for (uint16_t i = 0; i < TX.n_icmp; i++) {
		if (TX.icmp_port[i] != rx)
			abort(); /* errors go back where the packet came from */
		check_sent(TX.icmp[i], TX.icmp_port[i]);
	}
	rte_pktmbuf_free_bulk(TX.icmp, TX.n_icmp);
	TX.n_icmp = 0;
	rte_pktmbuf_free_bulk(TX.punt, TX.n_punt);
	TX.n_punt = 0;
	if (rte_mempool_avail_count(pool) != POOL_SIZE)
		abort(); /* a packet went nowhere, or twice */
	return 0;
}
