/* SPDX-License-Identifier: BSD-3-Clause */
/* Parsers on good and bad frames, RFC 1624 update vs full recompute, rewrite. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <netinet/in.h>

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include "dataplane/pkt/pkt.h"

static struct rte_mempool *pool;

/* ---- frame building ---- */

struct tag {
	uint16_t tpid, vid;
};

static uint8_t frame[2048];

static size_t put_eth(uint8_t *p, uint16_t type, const struct tag *tags, unsigned n_tags)
{
	static const uint8_t dst[6] = {0x02, 0, 0, 0, 0, 0x01}, src[6] = {0x02, 0, 0, 0, 0, 0x02};
	size_t off = 12;

	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	for (unsigned i = 0; i < n_tags; i++) {
		*(rte_be16_t *)(p + off) = rte_cpu_to_be_16(tags[i].tpid);
		*(rte_be16_t *)(p + off + 2) = rte_cpu_to_be_16(tags[i].vid);
		off += 4;
	}
	*(rte_be16_t *)(p + off) = rte_cpu_to_be_16(type);
	return off + 2;
}

/* IPv4 header of ihl words, then payload bytes; valid checksum. */
static size_t put_ipv4(uint8_t *p, uint8_t ihl, uint8_t ttl, uint16_t payload)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
	size_t hl = ihl * 4u;

	memset(p, 0, hl + payload);
	ip->version_ihl = (uint8_t)(0x40 | ihl);
	ip->total_length = rte_cpu_to_be_16((uint16_t)(hl + payload));
	ip->packet_id = RTE_BE16(0x1234);
	ip->time_to_live = ttl;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = RTE_BE32(0xc0000201);
	ip->dst_addr = RTE_BE32(0xc6336401);
	for (size_t i = sizeof(*ip); i < hl; i++)
		p[i] = 1; /* NOP options */
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return hl + payload;
}

static size_t put_ipv6(uint8_t *p, uint8_t hops, uint16_t payload)
{
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)p;

	memset(p, 0, sizeof(*ip6) + payload);
	ip6->vtc_flow = RTE_BE32(0x60000000);
	ip6->payload_len = rte_cpu_to_be_16(payload);
	ip6->proto = IPPROTO_UDP;
	ip6->hop_limits = hops;
	ip6->src_addr[0] = 0x20;
	ip6->src_addr[1] = 0x01;
	ip6->dst_addr[0] = 0x20;
	ip6->dst_addr[1] = 0x01;
	ip6->dst_addr[15] = 1;
	return sizeof(*ip6) + payload;
}

static struct rte_mbuf *mbuf_of(const uint8_t *data, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	assert_non_null(m);
	char *p = rte_pktmbuf_append(m, (uint16_t)len);
	assert_non_null(p);
	memcpy(p, data, len);
	return m;
}

static size_t eth_ipv4(const struct tag *tags, unsigned n_tags, uint8_t ihl, uint8_t ttl,
		       uint16_t payload)
{
	size_t l2 = put_eth(frame, RTE_ETHER_TYPE_IPV4, tags, n_tags);
	return l2 + put_ipv4(frame + l2, ihl, ttl, payload);
}

/* ---- L2 ---- */

static void l2_parse(void **state)
{
	static const struct tag one = {RTE_ETHER_TYPE_VLAN, 100};
	static const struct tag qinq[2] = {{RTE_ETHER_TYPE_QINQ, 10}, {RTE_ETHER_TYPE_VLAN, 20}};
	static const struct tag three[3] = {
		{RTE_ETHER_TYPE_QINQ, 1}, {RTE_ETHER_TYPE_VLAN, 2}, {RTE_ETHER_TYPE_VLAN, 3}};
	struct pkt_l2 l2 = {0};
	struct rte_mbuf *m;
	size_t len;
	(void)state;

	len = eth_ipv4(NULL, 0, 5, 64, 10);
	m = mbuf_of(frame, len);
	assert_int_equal(pkt_parse_l2(m, &l2), PKT_OK);
	assert_int_equal(l2.ethertype, RTE_ETHER_TYPE_IPV4);
	assert_int_equal(l2.l2_len, 14);
	assert_int_equal(l2.n_vlan, 0);
	rte_pktmbuf_free(m);

	len = eth_ipv4(&one, 1, 5, 64, 10);
	m = mbuf_of(frame, len);
	assert_int_equal(pkt_parse_l2(m, &l2), PKT_OK);
	assert_int_equal(l2.ethertype, RTE_ETHER_TYPE_IPV4);
	assert_int_equal(l2.l2_len, 18);
	assert_int_equal(l2.n_vlan, 1);
	rte_pktmbuf_free(m);

	len = eth_ipv4(qinq, 2, 5, 64, 10);
	m = mbuf_of(frame, len);
	assert_int_equal(pkt_parse_l2(m, &l2), PKT_OK);
	assert_int_equal(l2.l2_len, 22);
	assert_int_equal(l2.n_vlan, 2);
	rte_pktmbuf_free(m);

	len = eth_ipv4(three, 3, 5, 64, 10);
	m = mbuf_of(frame, len);
	assert_int_equal(pkt_parse_l2(m, &l2), PKT_L2_MALFORMED);
	rte_pktmbuf_free(m);

	/* Shorter than an Ethernet header; a tag cut short. */
	m = mbuf_of(frame, 13);
	assert_int_equal(pkt_parse_l2(m, &l2), PKT_L2_MALFORMED);
	rte_pktmbuf_free(m);
	put_eth(frame, RTE_ETHER_TYPE_IPV4, &one, 1);
	m = mbuf_of(frame, 16);
	assert_int_equal(pkt_parse_l2(m, &l2), PKT_L2_MALFORMED);
	rte_pktmbuf_free(m);

	/* ARP: parsed, ethertype reported. */
	len = put_eth(frame, RTE_ETHER_TYPE_ARP, NULL, 0) + 28;
	m = mbuf_of(frame, len);
	assert_int_equal(pkt_parse_l2(m, &l2), PKT_OK);
	assert_int_equal(l2.ethertype, RTE_ETHER_TYPE_ARP);
	rte_pktmbuf_free(m);
}

/* ---- IPv4 ---- */

static enum pkt_fault parse4(size_t len, struct rte_ipv4_hdr **ip)
{
	struct rte_mbuf *m = mbuf_of(frame, len);
	struct pkt_l2 l2 = {0};
	enum pkt_fault f = pkt_parse_l2(m, &l2);

	assert_int_equal(f, PKT_OK);
	f = pkt_parse_ipv4(m, l2.l2_len, ip);
	rte_pktmbuf_free(m);
	return f;
}

static void fix_csum(struct rte_ipv4_hdr *ip)
{
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

static void ipv4_parse(void **state)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + 14), *out;
	size_t len;
	(void)state;

	len = eth_ipv4(NULL, 0, 5, 64, 30);
	assert_int_equal(parse4(len, &out), PKT_OK);
	/* Options (IHL 6..15). */
	for (uint8_t ihl = 6; ihl <= 15; ihl++) {
		len = eth_ipv4(NULL, 0, ihl, 64, 8);
		assert_int_equal(parse4(len, &out), PKT_OK);
	}
	/* Ethernet padding after the datagram is fine. */
	len = eth_ipv4(NULL, 0, 5, 64, 6);
	assert_int_equal(parse4(len + 20, &out), PKT_OK);

	len = eth_ipv4(NULL, 0, 5, 64, 30);
	ip->version_ihl = 0x65;
	fix_csum(ip);
	assert_int_equal(parse4(len, &out), PKT_IPV4_BAD_HDR);

	len = eth_ipv4(NULL, 0, 5, 64, 30);
	ip->version_ihl = 0x44;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = (uint16_t)~rte_raw_cksum(ip, 16);
	assert_int_equal(parse4(len, &out), PKT_IPV4_BAD_HDR);

	/* Header cut short by the frame. */
	len = eth_ipv4(NULL, 0, 5, 64, 0);
	assert_int_equal(parse4(len - 1, &out), PKT_IPV4_BAD_LEN);
	len = eth_ipv4(NULL, 0, 8, 64, 0);
	assert_int_equal(parse4(14 + 24, &out), PKT_IPV4_BAD_LEN);

	/* total_length below the header, above the frame. */
	len = eth_ipv4(NULL, 0, 6, 64, 30);
	ip->total_length = RTE_BE16(20);
	fix_csum(ip);
	assert_int_equal(parse4(len, &out), PKT_IPV4_BAD_LEN);
	len = eth_ipv4(NULL, 0, 5, 64, 30);
	ip->total_length = rte_cpu_to_be_16(51);
	fix_csum(ip);
	assert_int_equal(parse4(len, &out), PKT_IPV4_BAD_LEN);

	/* Any one flipped bit breaks the checksum. */
	for (unsigned bit = 0; bit < 160; bit++) {
		len = eth_ipv4(NULL, 0, 5, 64, 30);
		if (bit / 8 == 0 || bit / 8 == 2 || bit / 8 == 3)
			continue; /* version/IHL, total length: other faults first */
		frame[14 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(parse4(len, &out), PKT_IPV4_BAD_CSUM);
	}

	/* Behind a QinQ pair. */
	static const struct tag qinq[2] = {{RTE_ETHER_TYPE_QINQ, 10}, {RTE_ETHER_TYPE_VLAN, 20}};
	len = eth_ipv4(qinq, 2, 5, 64, 30);
	assert_int_equal(parse4(len, &out), PKT_OK);
}

/* Headers in the first segment, payload in a second: lengths use pkt_len. */
static void ipv4_multiseg(void **state)
{
	size_t len = eth_ipv4(NULL, 0, 5, 64, 200);
	struct rte_mbuf *a = mbuf_of(frame, 14 + 20), *b = mbuf_of(frame + 34, len - 34);
	struct rte_ipv4_hdr *ip;
	struct pkt_l2 l2 = {0};
	(void)state;

	assert_int_equal(rte_pktmbuf_chain(a, b), 0);
	assert_int_equal(pkt_parse_l2(a, &l2), PKT_OK);
	assert_int_equal(pkt_parse_ipv4(a, l2.l2_len, &ip), PKT_OK);
	rte_pktmbuf_trim(a, 1);
	assert_int_equal(pkt_parse_ipv4(a, l2.l2_len, &ip), PKT_IPV4_BAD_LEN);
	rte_pktmbuf_free(a);
}

/* ---- IPv6 ---- */

static enum pkt_fault parse6(size_t len)
{
	struct rte_mbuf *m = mbuf_of(frame, len);
	struct rte_ipv6_hdr *ip6;
	struct pkt_l2 l2 = {0};
	enum pkt_fault f = pkt_parse_l2(m, &l2);

	assert_int_equal(f, PKT_OK);
	assert_int_equal(l2.ethertype, RTE_ETHER_TYPE_IPV6);
	f = pkt_parse_ipv6(m, l2.l2_len, &ip6);
	rte_pktmbuf_free(m);
	return f;
}

static void ipv6_parse(void **state)
{
	static const struct tag one = {RTE_ETHER_TYPE_VLAN, 7};
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(frame + 14);
	size_t l2, len;
	(void)state;

	l2 = put_eth(frame, RTE_ETHER_TYPE_IPV6, NULL, 0);
	len = l2 + put_ipv6(frame + l2, 64, 100);
	assert_int_equal(parse6(len), PKT_OK);
	assert_int_equal(parse6(len + 10), PKT_OK); /* padding */
	assert_int_equal(parse6(len - 1), PKT_IPV6_BAD_LEN);
	assert_int_equal(parse6(l2 + 39), PKT_IPV6_BAD_LEN);
	ip6->vtc_flow = RTE_BE32(0x40000000);
	assert_int_equal(parse6(len), PKT_IPV6_BAD_HDR);

	l2 = put_eth(frame, RTE_ETHER_TYPE_IPV6, &one, 1);
	len = l2 + put_ipv6(frame + l2, 64, 0);
	assert_int_equal(parse6(len), PKT_OK);
}

/*
 * pkt_parse_eth_ipv4 is a shortcut of pkt_parse_l2 + pkt_parse_ipv4: on
 * frames with random damage (any header byte, truncation, checksum flags),
 * it accepts only what they accept as untagged IPv4 without options, with
 * the same header, and accepts every valid such frame.
 */
static void ipv4_fast_path_agrees(void **state)
{
	static const uint64_t flags[] = {0, RTE_MBUF_F_RX_IP_CKSUM_GOOD, RTE_MBUF_F_RX_IP_CKSUM_BAD,
					 RTE_MBUF_F_RX_IP_CKSUM_NONE};
	unsigned accepted = 0;
	(void)state;

	for (unsigned round = 0; round < 20000; round++) {
		size_t len = eth_ipv4(NULL, 0, (uint8_t)(round % 4 == 3 ? 6 : 5), 64, 30);
		const unsigned damage = round % 3 == 0 ? 0 : 1 + (unsigned)rte_rand_max(3);
		for (unsigned d = 0; d < damage; d++)
			frame[12 + rte_rand_max(26)] = (uint8_t)rte_rand();
		if (round % 7 == 0)
			len = (size_t)rte_rand_max(len + 1);
		struct rte_mbuf *m = mbuf_of(frame, len);
		m->ol_flags = flags[round % RTE_DIM(flags)];
		struct rte_ipv4_hdr *fast = NULL, *ip = NULL;
		struct pkt_l2 l2;
		const bool ok = pkt_parse_eth_ipv4(m, &fast);
		const bool general = pkt_parse_l2(m, &l2) == PKT_OK &&
				     l2.ethertype == RTE_ETHER_TYPE_IPV4 && l2.n_vlan == 0 &&
				     pkt_parse_ipv4(m, l2.l2_len, &ip) == PKT_OK &&
				     (ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) == 5;
		assert_int_equal(ok, general);
		if (ok)
			assert_ptr_equal(fast, ip);
		accepted += ok;
		rte_pktmbuf_free(m);
	}
	assert_true(accepted > 1000);
}

/* ---- RFC 1624 ---- */

static void ttl_incremental_checksum(void **state)
{
	uint8_t hdr[60];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)hdr;
	(void)state;

	for (unsigned round = 0; round < 200; round++) {
		for (unsigned ttl = 1; ttl <= 255; ttl++) {
			uint8_t ihl = (uint8_t)(5 + rte_rand_max(11));
			for (unsigned i = 0; i < sizeof(hdr); i++)
				hdr[i] = (uint8_t)rte_rand();
			ip->version_ihl = (uint8_t)(0x40 | ihl);
			ip->time_to_live = (uint8_t)ttl;
			fix_csum(ip);
			assert_int_equal(rte_raw_cksum(ip, ihl * 4u), 0xffff);

			pkt_ipv4_ttl_dec(ip);
			uint16_t inc = ip->hdr_checksum;
			assert_int_equal(ip->time_to_live, ttl - 1);
			fix_csum(ip);
			assert_int_equal(inc, ip->hdr_checksum);
		}
	}
	/* Hand-made edge: all-zero fields, so the sum is small. */
	memset(hdr, 0, sizeof(hdr));
	ip->version_ihl = 0x45;
	for (unsigned ttl = 2; ttl <= 255; ttl++) {
		ip->time_to_live = (uint8_t)ttl;
		ip->next_proto_id = (uint8_t)(255 - ttl);
		fix_csum(ip);
		pkt_ipv4_ttl_dec(ip);
		uint16_t inc = ip->hdr_checksum;
		fix_csum(ip);
		assert_int_equal(inc, ip->hdr_checksum);
	}
}

/* The fast path's 20-byte checksum test against RFC 1071 on random headers,
 * valid ones, and the carry-heavy extremes. */
static void hdr20_checksum_agrees(void **state)
{
	uint8_t hdr[20];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)hdr;
	unsigned valid = 0;
	(void)state;

	for (unsigned round = 0; round < 200000; round++) {
		const uint8_t fill = round % 5 == 0 ? 0xff : round % 5 == 1 ? 0x00 : 0;
		for (unsigned i = 0; i < sizeof(hdr); i++)
			hdr[i] = round % 5 < 2 && rte_rand_max(4) != 0 ? fill : (uint8_t)rte_rand();
		ip->version_ihl = 0x45;
		if (round % 2 == 0)
			fix_csum(ip);
		const bool ok = rte_raw_cksum(ip, sizeof(hdr)) == 0xffff;
		assert_int_equal(pkt_ipv4_hdr20_csum_ok(ip), ok);
		valid += ok;
	}
	assert_true(valid >= 100000);
	memset(hdr, 0, sizeof(hdr));
	assert_false(pkt_ipv4_hdr20_csum_ok(ip));
	memset(hdr, 0xff, sizeof(hdr));
	assert_true(pkt_ipv4_hdr20_csum_ok(ip)); /* sums to 0xffff (-0) */
}

/* Every stored checksum value against RFC 1624 eqn. 3 as written (fold
 * with end-around carry), including 0xfffe and 0xffff, where the update is
 * not HC + 1. */
static void ttl_checksum_every_value(void **state)
{
	struct rte_ipv4_hdr ip = {.version_ihl = 0x45};
	(void)state;

	for (uint32_t hc = 0; hc <= 0xffff; hc++) {
		uint32_t sum = (uint32_t)(uint16_t)~hc + RTE_BE16(0xfeff);
		sum = (sum & 0xffff) + (sum >> 16);
		ip.hdr_checksum = (uint16_t)hc;
		ip.time_to_live = 64;
		pkt_ipv4_ttl_dec(&ip);
		assert_int_equal(ip.time_to_live, 63);
		assert_int_equal(ip.hdr_checksum, (uint16_t)~sum);
	}
}

/* ---- rewrite ---- */

static const struct nexthop nh_untagged = {
	.dst_mac = {{0x02, 0xaa, 0, 0, 0, 1}},
	.src_mac = {{0x02, 0xbb, 0, 0, 0, 2}},
	.port_id = 1,
	.vlan = 0,
};
static const struct nexthop nh_vlan = {
	.dst_mac = {{0x02, 0xaa, 0, 0, 0, 3}},
	.src_mac = {{0x02, 0xbb, 0, 0, 0, 4}},
	.port_id = 2,
	.vlan = 301,
};

/* Rewrite a frame with the given tags via nh; check the result. */
static void rewrite_case(const struct tag *tags, unsigned n_tags, const struct nexthop *nh)
{
	size_t len = eth_ipv4(tags, n_tags, 5, 64, 40);
	size_t l2_in = 14 + 4 * n_tags, l2_out = nh->vlan ? 18 : 14;
	struct rte_mbuf *m = mbuf_of(frame, len);
	struct pkt_l2 l2 = {0};

	assert_int_equal(pkt_parse_l2(m, &l2), PKT_OK);
	assert_int_equal(pkt_rewrite_l2(m, &l2, nh), 0);
	assert_int_equal(rte_pktmbuf_pkt_len(m), len - l2_in + l2_out);
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	assert_memory_equal(p, nh->dst_mac.addr_bytes, 6);
	assert_memory_equal(p + 6, nh->src_mac.addr_bytes, 6);
	if (nh->vlan) {
		assert_int_equal(rte_be_to_cpu_16(*(const rte_be16_t *)(p + 12)),
				 RTE_ETHER_TYPE_VLAN);
		assert_int_equal(rte_be_to_cpu_16(*(const rte_be16_t *)(p + 14)), nh->vlan);
	}
	assert_int_equal(rte_be_to_cpu_16(*(const rte_be16_t *)(p + l2_out - 2)),
			 RTE_ETHER_TYPE_IPV4);
	assert_memory_equal(p + l2_out, frame + l2_in, len - l2_in); /* L3 untouched */
	/* And it parses back to the same L3. */
	assert_int_equal(pkt_parse_l2(m, &l2), PKT_OK);
	assert_int_equal(l2.l2_len, l2_out);
	struct rte_ipv4_hdr *ip;
	assert_int_equal(pkt_parse_ipv4(m, l2.l2_len, &ip), PKT_OK);
	rte_pktmbuf_free(m);
}

static void rewrite_vlan(void **state)
{
	static const struct tag one = {RTE_ETHER_TYPE_VLAN, 100};
	static const struct tag qinq[2] = {{RTE_ETHER_TYPE_QINQ, 10}, {RTE_ETHER_TYPE_VLAN, 20}};
	(void)state;

	rewrite_case(NULL, 0, &nh_untagged);
	rewrite_case(NULL, 0, &nh_vlan);
	rewrite_case(&one, 1, &nh_untagged);
	rewrite_case(&one, 1, &nh_vlan);
	rewrite_case(qinq, 2, &nh_untagged);
	rewrite_case(qinq, 2, &nh_vlan);
}

/* pkt_rewrite_eth_macs does what pkt_rewrite_l2 does for an untagged frame
 * to an untagged next hop, byte for byte; neither touches the mbuf's
 * offload fields. */
static void rewrite_eth_macs_same(void **state)
{
	size_t len = eth_ipv4(NULL, 0, 5, 64, 40);
	struct rte_mbuf *a = mbuf_of(frame, len), *b = mbuf_of(frame, len);
	const uint64_t flags = RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	struct pkt_l2 l2 = {0};
	uint64_t tx_offload;
	(void)state;

	a->ol_flags = b->ol_flags = flags;
	a->l2_len = b->l2_len = 3;
	a->l3_len = b->l3_len = 20;
	tx_offload = a->tx_offload;
	assert_int_equal(pkt_parse_l2(a, &l2), PKT_OK);
	assert_int_equal(pkt_rewrite_l2(a, &l2, &nh_untagged), 0);
	pkt_rewrite_eth_macs(rte_pktmbuf_mtod(b, struct rte_ether_hdr *),
			     pkt_macs_of(&nh_untagged));
	assert_int_equal(rte_pktmbuf_pkt_len(a), rte_pktmbuf_pkt_len(b));
	assert_int_equal(a->data_off, b->data_off);
	assert_memory_equal(rte_pktmbuf_mtod(a, void *), rte_pktmbuf_mtod(b, void *), len);
	assert_int_equal(a->ol_flags, flags);
	assert_int_equal(b->ol_flags, flags);
	assert_int_equal(a->tx_offload, tx_offload);
	assert_int_equal(b->tx_offload, tx_offload);
	rte_pktmbuf_free(a);
	rte_pktmbuf_free(b);
}

static void rewrite_no_headroom(void **state)
{
	size_t len = eth_ipv4(NULL, 0, 5, 64, 40);
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct pkt_l2 l2 = {0};
	(void)state;

	assert_non_null(m);
	m->data_off = 0;
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), frame, len);
	assert_int_equal(pkt_parse_l2(m, &l2), PKT_OK);
	assert_int_equal(pkt_rewrite_l2(m, &l2, &nh_vlan), -ENOSPC);
	assert_int_equal(pkt_rewrite_l2(m, &l2, &nh_untagged), 0);
	rte_pktmbuf_free(m);
}

/* ---- ICMP errors ---- */

static const struct rte_ether_addr icmp_mac = {{0x02, 0xaa, 0, 0, 0, 0x07}};
static const uint8_t icmp_src4[4] = {198, 51, 100, 1};
static const uint8_t icmp_src6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

/* frame[0..len) with pad bytes of link padding after it, into an mbuf;
 * its L2 and L3 parsed. */
static struct rte_mbuf *icmp_case(size_t len, size_t pad, bool v6, struct pkt_l2 *l2, void **l3)
{
	struct rte_mbuf *m;

	memset(frame + len, 0xee, pad);
	m = mbuf_of(frame, len + pad);
	assert_int_equal(pkt_parse_l2(m, l2), PKT_OK);
	if (v6)
		assert_int_equal(pkt_parse_ipv6(m, l2->l2_len, (struct rte_ipv6_hdr **)l3), PKT_OK);
	else
		assert_int_equal(pkt_parse_ipv4(m, l2->l2_len, (struct rte_ipv4_hdr **)l3), PKT_OK);
	return m;
}

/* The error's L2 header: back to the sender (put_eth's src), from
 * icmp_mac, with the tags and ethertype the packet had. */
static const uint8_t *check_icmp_l2(const struct rte_mbuf *m, const uint8_t *orig, size_t l2_len)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	assert_memory_equal(p, orig + 6, 6);
	assert_memory_equal(p + 6, icmp_mac.addr_bytes, 6);
	assert_memory_equal(p + 12, orig + 12, l2_len - 12);
	return p + l2_len;
}

static void icmp4_case(const struct tag *tags, unsigned n_tags, uint16_t payload, uint32_t quote,
		       uint16_t type_code, uint16_t mtu)
{
	size_t len = eth_ipv4(tags, n_tags, 5, 1, payload);
	uint8_t orig[2048];
	struct pkt_l2 l2;
	void *l3;
	struct rte_mbuf *m = icmp_case(len, 6, false, &l2, &l3);

	memcpy(orig, frame, len);
	assert_true(pkt_icmp_error_allowed(m, l3, false));
	assert_int_equal(pkt_icmp_error(m, &l2, false, type_code, mtu, &icmp_mac, icmp_src4), 0);
	assert_int_equal(rte_pktmbuf_pkt_len(m), l2.l2_len + 28 + quote);
	assert_int_equal(rte_pktmbuf_data_len(m), rte_pktmbuf_pkt_len(m));

	const struct rte_ipv4_hdr *ip = (const void *)check_icmp_l2(m, orig, l2.l2_len);
	const struct rte_ipv4_hdr *in = (const void *)(orig + l2.l2_len);
	const uint8_t *icmp = (const uint8_t *)(ip + 1);

	assert_int_equal(ip->version_ihl, 0x45);
	assert_int_equal(rte_be_to_cpu_16(ip->total_length), 28 + quote);
	assert_int_equal(ip->time_to_live, 64);
	assert_int_equal(ip->next_proto_id, IPPROTO_ICMP);
	assert_memory_equal(&ip->src_addr, icmp_src4, 4);
	assert_int_equal(ip->dst_addr, in->src_addr);
	assert_int_equal(rte_raw_cksum(ip, 20), 0xffff);
	assert_int_equal(icmp[0], type_code >> 8);
	assert_int_equal(icmp[1], type_code & 0xff);
	assert_int_equal(icmp[4] << 8 | icmp[5], 0);   /* unused */
	assert_int_equal(icmp[6] << 8 | icmp[7], mtu); /* RFC 1191 next-hop MTU, or unused */
	assert_int_equal(rte_raw_cksum(icmp, 8 + quote), 0xffff);
	assert_memory_equal(icmp + 8, in, quote); /* the packet as received */
	rte_pktmbuf_free(m);
}

static void icmp4_time_exceeded(void **state)
{
	static const struct tag one = {RTE_ETHER_TYPE_VLAN, 7};
	(void)state;

	icmp4_case(NULL, 0, 40, 60, PKT_ICMP4_TIME_EXCEEDED, 0); /* all of it, no link padding */
	icmp4_case(&one, 1, 40, 60, PKT_ICMP4_TIME_EXCEEDED, 0); /* back on its VLAN */
	/* the error stays within 576 bytes */
	icmp4_case(NULL, 0, 1400, 576 - 28, PKT_ICMP4_TIME_EXCEEDED, 0);
	icmp4_case(NULL, 0, 1400, 576 - 28, PKT_ICMP4_FRAG_NEEDED, 1280);
	assert_int_equal(PKT_ICMP4_FRAG_NEEDED, 3 << 8 | 4); /* unreachable, DF set */
}

static void icmp6_case(uint16_t payload, uint32_t quote, uint16_t type_code, uint16_t mtu)
{
	size_t l2_len = put_eth(frame, RTE_ETHER_TYPE_IPV6, NULL, 0);
	size_t len = l2_len + put_ipv6(frame + l2_len, 1, payload);
	uint8_t orig[2048];
	struct pkt_l2 l2;
	void *l3;
	struct rte_mbuf *m = icmp_case(len, 4, true, &l2, &l3);

	memcpy(orig, frame, len);
	assert_true(pkt_icmp_error_allowed(m, l3, true));
	assert_int_equal(pkt_icmp_error(m, &l2, true, type_code, mtu, &icmp_mac, icmp_src6), 0);
	assert_int_equal(rte_pktmbuf_pkt_len(m), l2_len + 48 + quote);

	const struct rte_ipv6_hdr *ip6 = (const void *)check_icmp_l2(m, orig, l2_len);
	const struct rte_ipv6_hdr *in = (const void *)(orig + l2_len);
	const uint8_t *icmp = (const uint8_t *)(ip6 + 1);

	assert_int_equal(rte_be_to_cpu_32(ip6->vtc_flow) >> 28, 6);
	assert_int_equal(rte_be_to_cpu_16(ip6->payload_len), 8 + quote);
	assert_int_equal(ip6->proto, IPPROTO_ICMPV6);
	assert_int_equal(ip6->hop_limits, 64);
	assert_memory_equal(ip6->src_addr, icmp_src6, 16);
	assert_memory_equal(ip6->dst_addr, in->src_addr, 16);
	assert_int_equal(icmp[0], type_code >> 8);
	assert_int_equal(icmp[1], type_code & 0xff);
	assert_int_equal((uint32_t)icmp[4] << 24 | icmp[5] << 16 | icmp[6] << 8 | icmp[7], mtu);
	assert_int_equal(rte_ipv6_udptcp_cksum_verify(ip6, icmp), 0);
	assert_memory_equal(icmp + 8, in, quote);
	rte_pktmbuf_free(m);
}

static void icmp6_time_exceeded(void **state)
{
	(void)state;
	icmp6_case(20, 60, PKT_ICMP6_TIME_EXCEEDED, 0);
	icmp6_case(1400, 1280 - 48, PKT_ICMP6_TIME_EXCEEDED, 0); /* within the minimum MTU */
	icmp6_case(1400, 1280 - 48, PKT_ICMP6_TOO_BIG, 1400);
	assert_int_equal(PKT_ICMP6_TOO_BIG, 2 << 8);
}

/* What gets no error: sources that are no host, later fragments, errors. */
static bool icmp4_allowed_for(uint32_t src, uint16_t frag, uint8_t proto, uint8_t type)
{
	size_t len = eth_ipv4(NULL, 0, 5, 1, 40);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + 14);
	struct pkt_l2 l2;
	void *l3;

	ip->src_addr = rte_cpu_to_be_32(src);
	ip->fragment_offset = rte_cpu_to_be_16(frag);
	ip->next_proto_id = proto;
	frame[14 + 20] = type;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);

	struct rte_mbuf *m = icmp_case(len, 0, false, &l2, &l3);
	bool ok = pkt_icmp_error_allowed(m, l3, false);

	rte_pktmbuf_free(m);
	return ok;
}

static bool icmp6_allowed_for(uint8_t src0, uint8_t proto, uint8_t type)
{
	size_t len = 14 + put_ipv6(frame + put_eth(frame, RTE_ETHER_TYPE_IPV6, NULL, 0), 1, 20);
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(frame + 14);
	struct pkt_l2 l2;
	void *l3;

	memset(ip6->src_addr, 0, 16);
	ip6->src_addr[0] = src0;
	ip6->src_addr[15] = src0 == 0 ? 0 : 1;
	ip6->proto = proto;
	frame[14 + 40] = type;

	struct rte_mbuf *m = icmp_case(len, 0, true, &l2, &l3);
	bool ok = pkt_icmp_error_allowed(m, l3, true);

	rte_pktmbuf_free(m);
	return ok;
}

/* An IPv6 packet with a 24-byte payload: an extension header ext (8 bytes
 * of hop-by-hop, or a fragment header with offset frag_off in 8-byte units)
 * whose next header is next, and first_l4 the first byte after it. */
static struct rte_mbuf *ext6_case(uint8_t ext, uint16_t frag_off, uint8_t next, uint8_t first_l4,
				  void **l3)
{
	size_t l2 = put_eth(frame, RTE_ETHER_TYPE_IPV6, NULL, 0);
	size_t len = l2 + put_ipv6(frame + l2, 1, 24);
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(frame + l2);
	uint8_t *h = (uint8_t *)(ip6 + 1);
	struct pkt_l2 l2h;

	ip6->proto = ext;
	h[0] = next;
	h[1] = 0;
	h[2] = (uint8_t)(frag_off >> 5);
	h[3] = (uint8_t)(frag_off << 3);
	h[8] = first_l4;
	return icmp_case(len, 0, true, &l2h, l3);
}

/* An ICMPv6 message of type behind ext (as ext6_case). */
static bool icmp6_ext_allowed_for(uint8_t ext, uint16_t frag_off, uint8_t type)
{
	void *l3;
	struct rte_mbuf *m = ext6_case(ext, frag_off, IPPROTO_ICMPV6, type, &l3);
	bool ok = pkt_icmp_error_allowed(m, l3, true);

	rte_pktmbuf_free(m);
	return ok;
}

static void icmp_error_allowed(void **state)
{
	(void)state;
	assert_true(icmp4_allowed_for(0xc0000201, 0, IPPROTO_UDP, 0));
	assert_true(icmp4_allowed_for(0xc0000201, 0x2000, IPPROTO_UDP, 0));  /* first fragment */
	assert_false(icmp4_allowed_for(0xc0000201, 0x2001, IPPROTO_UDP, 0)); /* a later one */
	assert_false(icmp4_allowed_for(0x00000001, 0, IPPROTO_UDP, 0));
	assert_false(icmp4_allowed_for(0x7f000001, 0, IPPROTO_UDP, 0));
	assert_false(icmp4_allowed_for(0xe0000001, 0, IPPROTO_UDP, 0));
	assert_false(icmp4_allowed_for(0xffffffff, 0, IPPROTO_UDP, 0));
	assert_true(icmp4_allowed_for(0xc0000201, 0, IPPROTO_ICMP, 8));	 /* echo request */
	assert_false(icmp4_allowed_for(0xc0000201, 0, IPPROTO_ICMP, 3)); /* unreachable */
	assert_false(icmp4_allowed_for(0xc0000201, 0, IPPROTO_ICMP, 11));
	assert_true(icmp6_allowed_for(0x20, IPPROTO_UDP, 0));
	assert_false(icmp6_allowed_for(0x00, IPPROTO_UDP, 0));	   /* :: */
	assert_false(icmp6_allowed_for(0xff, IPPROTO_UDP, 0));	   /* multicast */
	assert_true(icmp6_allowed_for(0x20, IPPROTO_ICMPV6, 128)); /* echo request */
	assert_false(icmp6_allowed_for(0x20, IPPROTO_ICMPV6, 1));  /* unreachable */
	assert_false(icmp6_allowed_for(0x20, IPPROTO_ICMPV6, 3));
	/* behind extension headers */
	assert_false(icmp6_ext_allowed_for(IPPROTO_HOPOPTS, 0, 1));
	assert_true(icmp6_ext_allowed_for(IPPROTO_HOPOPTS, 0, 128));
	assert_false(icmp6_ext_allowed_for(IPPROTO_FRAGMENT, 0, 2));  /* first fragment */
	assert_true(icmp6_ext_allowed_for(IPPROTO_FRAGMENT, 100, 2)); /* no ICMPv6 header in it */
}

/* pkt_l4 on TCP behind ext (as ext6_case): the protocol, and in *off /
 * *avail where the upper layer starts (from the IPv6 header) and what is
 * left. */
static int l4_of6(uint8_t ext, uint16_t frag_off, uint32_t *off, uint32_t *avail)
{
	const uint8_t *l4 = frame; /* anything but NULL */
	void *l3;
	struct rte_mbuf *m = ext6_case(ext, frag_off, IPPROTO_TCP, 0, &l3);

	*avail = 999;
	int proto = pkt_l4(m, l3, true, &l4, avail);
	*off = l4 == NULL ? UINT32_MAX : (uint32_t)(l4 - (const uint8_t *)l3);
	rte_pktmbuf_free(m);
	return proto;
}

/* The upper layer past the extension headers; none in a later fragment,
 * where nothing is left to read. */
static void upper_layer(void **state)
{
	uint32_t off, avail;
	(void)state;

	assert_int_equal(l4_of6(IPPROTO_HOPOPTS, 0, &off, &avail), IPPROTO_TCP);
	assert_int_equal(off, 48);
	assert_int_equal(avail, 16);
	assert_int_equal(l4_of6(IPPROTO_UDP, 0, &off, &avail), IPPROTO_UDP);
	assert_int_equal(off, 40);
	assert_int_equal(avail, 24);
	assert_int_equal(l4_of6(IPPROTO_FRAGMENT, 0, &off, &avail), IPPROTO_TCP);
	assert_int_equal(off, 48);
	assert_int_equal(l4_of6(IPPROTO_FRAGMENT, 100, &off, &avail), -1);
	assert_int_equal(off, UINT32_MAX); /* *l4 NULL */
	assert_int_equal(avail, 0);
}

static void icmp_no_headroom(void **state)
{
	size_t len = eth_ipv4(NULL, 0, 5, 1, 40);
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct pkt_l2 l2 = {0};
	(void)state;

	assert_non_null(m);
	m->data_off = 20;
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), frame, len);
	assert_int_equal(pkt_parse_l2(m, &l2), PKT_OK);
	assert_int_equal(
		pkt_icmp_error(m, &l2, false, PKT_ICMP4_TIME_EXCEEDED, 0, &icmp_mac, icmp_src4),
		-ENOSPC);
	assert_int_equal(rte_pktmbuf_pkt_len(m), len);
	assert_memory_equal(rte_pktmbuf_mtod(m, void *), frame, len);
	rte_pktmbuf_free(m);
}

static void fault_names(void **state)
{
	(void)state;
	assert_string_equal(pkt_fault_name(PKT_IPV4_BAD_CSUM), "ipv4_bad_checksum");
	assert_string_equal(pkt_fault_name(PKT_FAULT__MAX), "unknown");
}

static int group_setup(void **state)
{
	static char prog[] = "test_pkt";
	char *eal[] = {prog,	   "--no-huge",	     "-m", "256", "--no-shconf",
		       "--no-pci", "--no-telemetry", "-l", "0",	  "--log-level=error",
		       NULL};

	(void)state;
	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0)
		return -1;
	rte_srand(4242);
	pool = rte_pktmbuf_pool_create("test_pkt", 1024, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	return pool == NULL ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	/* Every test frees what it allocates. */
	assert_int_equal(rte_mempool_avail_count(pool), 1024);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(l2_parse),
		cmocka_unit_test(ipv4_parse),
		cmocka_unit_test(ipv4_multiseg),
		cmocka_unit_test(ipv6_parse),
		cmocka_unit_test(ipv4_fast_path_agrees),
		cmocka_unit_test(ttl_incremental_checksum),
		cmocka_unit_test(rewrite_vlan),
		cmocka_unit_test(rewrite_no_headroom),
		cmocka_unit_test(rewrite_eth_macs_same),
		cmocka_unit_test(hdr20_checksum_agrees),
		cmocka_unit_test(ttl_checksum_every_value),
		cmocka_unit_test(icmp4_time_exceeded),
		cmocka_unit_test(icmp6_time_exceeded),
		cmocka_unit_test(icmp_error_allowed),
		cmocka_unit_test(icmp_no_headroom),
		cmocka_unit_test(upper_layer),
		cmocka_unit_test(fault_names),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
