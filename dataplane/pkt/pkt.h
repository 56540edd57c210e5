/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet parsing and rewrite for the worker fast path.
 *
 * Parsers read only the first mbuf segment for headers and check every
 * length against it before touching a byte; frame lengths are checked
 * against pkt_len (all segments). They return a pkt_fault, which the worker
 * maps to its drop counter. Rewrite keeps the L3 header where it is and
 * rebuilds the L2 header in front of it.
 */
#ifndef PEERFWD_PKT_H
#define PEERFWD_PKT_H

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dataplane/fwd/fwd.h"

#define PKT_MAX_VLAN 2 /* 802.1ad outer + 802.1Q inner */

enum pkt_fault {
	PKT_OK = 0,
	PKT_L2_MALFORMED,
	PKT_IPV4_BAD_HDR,
	PKT_IPV4_BAD_CSUM,
	PKT_IPV4_BAD_LEN,
	PKT_IPV6_BAD_HDR,
	PKT_IPV6_BAD_LEN,
	PKT_FAULT__MAX,
};

struct pkt_l2 {
	uint16_t ethertype; /* host order, after the VLAN tags */
	uint16_t l2_len;    /* bytes before the L3 header */
	uint16_t n_vlan;
};

static inline bool pkt_is_vlan_tpid(rte_be16_t type)
{
	return type == RTE_BE16(RTE_ETHER_TYPE_VLAN) || type == RTE_BE16(RTE_ETHER_TYPE_QINQ) ||
	       type == RTE_BE16(RTE_ETHER_TYPE_QINQ1);
}

/* Ethernet with up to PKT_MAX_VLAN tags. */
static inline enum pkt_fault pkt_parse_l2(const struct rte_mbuf *m, struct pkt_l2 *l2)
{
	const uint32_t len = rte_pktmbuf_data_len(m);
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	uint32_t off = sizeof(*eth);
	rte_be16_t type;

	if (len < off)
		return PKT_L2_MALFORMED;
	type = eth->ether_type;
	l2->n_vlan = 0;
	while (pkt_is_vlan_tpid(type)) {
		const struct rte_vlan_hdr *vh;
		if (l2->n_vlan == PKT_MAX_VLAN || len < off + sizeof(*vh))
			return PKT_L2_MALFORMED;
		vh = rte_pktmbuf_mtod_offset(m, const struct rte_vlan_hdr *, off);
		type = vh->eth_proto;
		off += sizeof(*vh);
		l2->n_vlan++;
	}
	l2->ethertype = rte_be_to_cpu_16(type);
	l2->l2_len = (uint16_t)off;
	return PKT_OK;
}

/* Ones-complement sum of an IPv4 header; the 20-byte case (no options) as
 * five 32-bit adds folded once, which is the same sum (RFC 1071 2.(B)). */
static inline uint16_t pkt_ipv4_hdr_sum(const struct rte_ipv4_hdr *ip, uint32_t hl)
{
	uint32_t w[5];
	uint64_t s;

	if (hl != sizeof(*ip))
		return rte_raw_cksum(ip, hl);
	memcpy(w, ip, sizeof(w));
	s = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/*
 * RFC 1071: a 20-byte header is valid when its ones-complement sum is
 * 0xffff. Its 16-bit words summed as two 64-bit words and one 32-bit word,
 * with the carries out of 64 bits added back in (end-around carry), give a
 * number congruent to that sum modulo 0xffff (2^16 = 1 mod 0xffff, and so
 * is 2^64); it is 0 only when all 20 bytes are.
 */
static inline uint64_t pkt_ipv4_hdr20_sum64(const struct rte_ipv4_hdr *ip)
{
	uint64_t a, b;
	uint32_t c;

	memcpy(&a, ip, sizeof(a));
	memcpy(&b, (const uint8_t *)ip + 8, sizeof(b));
	memcpy(&c, (const uint8_t *)ip + 16, sizeof(c));
#if defined(RTE_ARCH_X86_64)
	/* add, adc, adc $0: the last carry cannot carry again (c < 2^32). */
	__asm__("addq %[b], %[s]\n\tadcq %[c], %[s]\n\tadcq $0, %[s]"
		: [s] "+r"(a)
		: [b] "r"(b), [c] "r"((uint64_t)c)
		: "cc");
	return a;
#else
	uint64_t s = a + b;
	s += s < a;
	s += c;
	s += s < c;
	return s;
#endif
}

/* A sum that is not zero folds to 0xffff exactly when it is a multiple of
 * 0xffff: one multiply, no folds. */
static inline bool pkt_ipv4_hdr20_csum_ok(const struct rte_ipv4_hdr *ip)
{
	const uint64_t s = pkt_ipv4_hdr20_sum64(ip);

	return s % 0xffff == 0 && s != 0;
}

/*
 * The frame most traffic is: untagged Ethernet, IPv4 without options,
 * lengths and checksum (the NIC's verdict, else RFC 1071) valid. True with
 * *out set when m is one; false when it is anything else, valid or not, and
 * the general parsers below (pkt_parse_l2, pkt_parse_ipv4) decide. Same
 * checks as they make, in fewer instructions: one load each for the
 * ethertype with version/IHL, and the lengths.
 */
static inline bool pkt_parse_eth_ipv4(const struct rte_mbuf *m, struct rte_ipv4_hdr **out)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	const uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	uint32_t type_vihl;
	uint32_t tot;

	if (rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + sizeof(*ip))
		return false;
	/* ether_type 0x0800 then version_ihl 0x45, as stored. */
	memcpy(&type_vihl, p + offsetof(struct rte_ether_hdr, ether_type), sizeof(type_vihl));
	if ((type_vihl & RTE_BE32(0xffffff00)) != RTE_BE32(0x08004500))
		return false;
	/* 20 <= tot <= pkt_len - 14 in one unsigned compare: tot < 20 wraps
	 * to above any pkt_len - 34 (pkt_len >= data_len >= 34, as in any mbuf). */
	tot = rte_be_to_cpu_16(ip->total_length);
	if ((uint32_t)(tot - sizeof(*ip)) >
	    (uint32_t)(rte_pktmbuf_pkt_len(m) - (RTE_ETHER_HDR_LEN + sizeof(*ip))))
		return false;
	/* pkt_ipv4_hdr20_csum_ok without its zero test: version_ihl is 0x45. */
	if (ck != RTE_MBUF_F_RX_IP_CKSUM_GOOD &&
	    (ck == RTE_MBUF_F_RX_IP_CKSUM_BAD || pkt_ipv4_hdr20_sum64(ip) % 0xffff != 0))
		return false;
	*out = ip;
	return true;
}

/* RFC 791 3.1 and RFC 1812 5.2.2: header sanity before forwarding. */
static inline enum pkt_fault pkt_parse_ipv4(const struct rte_mbuf *m, uint16_t l2_len,
					    struct rte_ipv4_hdr **out)
{
	const uint32_t avail = rte_pktmbuf_data_len(m) - l2_len;
	const uint32_t frame = rte_pktmbuf_pkt_len(m) - l2_len;
	struct rte_ipv4_hdr *ip;
	uint32_t hl, tot;

	if (avail < sizeof(*ip))
		return PKT_IPV4_BAD_LEN;
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, l2_len);
	if ((ip->version_ihl >> 4) != 4)
		return PKT_IPV4_BAD_HDR;
	hl = (uint32_t)(ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER;
	if (hl < sizeof(*ip))
		return PKT_IPV4_BAD_HDR;
	if (hl > avail)
		return PKT_IPV4_BAD_LEN;
	tot = rte_be_to_cpu_16(ip->total_length);
	/* Ethernet padding may follow the datagram; a short frame may not. */
	if (tot < hl || tot > frame)
		return PKT_IPV4_BAD_LEN;
	/* The NIC's verdict when it gives one; else RFC 1071: the
	 * ones-complement sum over a valid header is 0xffff. */
	switch (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) {
	case RTE_MBUF_F_RX_IP_CKSUM_GOOD:
		break;
	case RTE_MBUF_F_RX_IP_CKSUM_BAD:
		return PKT_IPV4_BAD_CSUM;
	default:
		if (pkt_ipv4_hdr_sum(ip, hl) != 0xffff)
			return PKT_IPV4_BAD_CSUM;
	}
	*out = ip;
	return PKT_OK;
}

/* RFC 8200 3: fixed header; the payload must fit in the frame. */
static inline enum pkt_fault pkt_parse_ipv6(const struct rte_mbuf *m, uint16_t l2_len,
					    struct rte_ipv6_hdr **out)
{
	const uint32_t avail = rte_pktmbuf_data_len(m) - l2_len;
	const uint32_t frame = rte_pktmbuf_pkt_len(m) - l2_len;
	struct rte_ipv6_hdr *ip6;

	if (avail < sizeof(*ip6))
		return PKT_IPV6_BAD_LEN;
	ip6 = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, l2_len);
	if ((rte_be_to_cpu_32(ip6->vtc_flow) >> 28) != 6)
		return PKT_IPV6_BAD_HDR;
	if (rte_be_to_cpu_16(ip6->payload_len) + sizeof(*ip6) > frame)
		return PKT_IPV6_BAD_LEN;
	*out = ip6;
	return PKT_OK;
}

/*
 * Decrement TTL (caller checked ttl > 1) and patch the checksum.
 * RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), m being the 16-bit word that
 * holds TTL and protocol. Ones-complement sums are byte-order independent,
 * so the words are used as stored (network order). TTL is that word's high
 * byte, so m' = m - 0x0100 and ~m + m' is the constant ~0x0100 (0xfeff):
 * HC' = ~(~HC + 0xfeff), with the end-around carry; the stored checksum is
 * byte-swapped in host order, and so is the constant.
 *
 * On a little-endian host the constant is 0xfffe and that works out to
 * HC' = HC + 1, but HC + 2 (mod 2^16) for HC = 0xfffe or 0xffff, where
 * ~HC + 0xfffe does not carry: one compare, no fold.
 */
static inline void pkt_ipv4_ttl_dec(struct rte_ipv4_hdr *ip)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	const uint16_t hc = ip->hdr_checksum;

	ip->time_to_live--;
	ip->hdr_checksum = (uint16_t)(hc + 1 + (hc >= 0xfffe));
#else
	uint32_t sum = (uint32_t)(uint16_t)~ip->hdr_checksum + RTE_BE16(0xfeff);

	ip->time_to_live--;
	sum = (sum & 0xffff) + (sum >> 16);
	ip->hdr_checksum = (uint16_t)~sum;
#endif
}

static inline void pkt_ipv6_hop_dec(struct rte_ipv6_hdr *ip6)
{
	ip6->hop_limits--;
}

/*
 * Replace the L2 header (l2->l2_len bytes, any tags) with nh's MACs and,
 * if nh->vlan != 0, one 802.1Q tag, in the data. The L3 header does not
 * move. The mbuf's Tx offload fields (ol_flags' Tx bits, l2_len) are left
 * as they are: peerfwd asks no port for a Tx offload and sets no Tx flag,
 * so a driver never reads them. Returns 0, or -ENOSPC when the mbuf has no
 * headroom for a new tag.
 */
static inline int pkt_rewrite_l2(struct rte_mbuf *m, const struct pkt_l2 *l2,
				 const struct nexthop *nh)
{
	const uint16_t new_len =
		RTE_ETHER_HDR_LEN + (nh->vlan != 0 ? sizeof(struct rte_vlan_hdr) : 0);
	struct rte_ether_hdr *eth;

	if (new_len == l2->l2_len)
		eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	else if (new_len > l2->l2_len)
		eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, new_len - l2->l2_len);
	else
		eth = (struct rte_ether_hdr *)rte_pktmbuf_adj(m, l2->l2_len - new_len);
	if (eth == NULL)
		return -ENOSPC;
	/* Both MACs in one 12-byte copy: adjacent in nexthop as in the header. */
	static_assert(offsetof(struct nexthop, src_mac) == sizeof(struct rte_ether_addr) &&
			      offsetof(struct rte_ether_hdr, src_addr) ==
				      sizeof(struct rte_ether_addr),
		      "nexthop MACs laid out as in the Ethernet header");
	memcpy(eth, &nh->dst_mac, 2 * sizeof(struct rte_ether_addr));
	if (nh->vlan != 0) {
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eth + 1);
		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_VLAN);
		vh->vlan_tci = rte_cpu_to_be_16(nh->vlan & 0xfff);
		vh->eth_proto = rte_cpu_to_be_16(l2->ethertype);
	} else {
		eth->ether_type = rte_cpu_to_be_16(l2->ethertype);
	}
	return 0;
}

/* A next hop's two MACs (destination, source) as the 12 bytes the
 * Ethernet header starts with, in two words a worker keeps in registers. */
struct pkt_macs {
	uint64_t w0;
	uint32_t w1;
};

static inline struct pkt_macs pkt_macs_of(const struct nexthop *nh)
{
	const uint8_t *p = nh->dst_mac.addr_bytes; /* src_mac follows: see pkt_rewrite_l2 */
	struct pkt_macs macs;

	memcpy(&macs.w0, p, sizeof(macs.w0));
	memcpy(&macs.w1, p + sizeof(macs.w0), sizeof(macs.w1));
	return macs;
}

/*
 * pkt_rewrite_l2 of an untagged frame (eth at its start) to an untagged
 * next hop whose pkt_macs_of is macs: the header keeps its length and
 * ethertype, so only the MACs are written.
 */
static inline void pkt_rewrite_eth_macs(struct rte_ether_hdr *eth, struct pkt_macs macs)
{
	memcpy(eth, &macs.w0, sizeof(macs.w0));
	memcpy((uint8_t *)eth + sizeof(macs.w0), &macs.w1, sizeof(macs.w1));
}

/*
 * ICMP errors (RFC 1812 4.3.2, RFC 4443 2.4). The quote is as much of the
 * invoking packet as keeps the error within 576 bytes (IPv4) or the
 * minimum MTU, 1280 (IPv6).
 */
#define PKT_ICMP4_MAX  576u
#define PKT_ICMP6_MAX  1280u
#define PKT_ICMP4_HDRS (sizeof(struct rte_ipv4_hdr) + 8)
#define PKT_ICMP6_HDRS (sizeof(struct rte_ipv6_hdr) + 8)

/*
 * Whether the packet whose parsed L3 header is l3 (checked by
 * pkt_parse_ipv4/6, in m) may get an ICMP error: not for an ICMP error, a
 * fragment other than the first, or a source that names no single host
 * (unspecified, loopback, multicast, broadcast).
 */
bool pkt_icmp_error_allowed(const struct rte_mbuf *m, const void *l3, bool v6);

/*
 * The upper-layer protocol of the packet whose parsed L3 header is l3 (as
 * above), past up to 8 IPv6 extension headers; *l4 is where its header
 * starts and *avail how many of its bytes m's first segment holds (maybe
 * 0). -1 when there is none to read: a fragment other than the first,
 * extension headers beyond the segment or more than 8 (*l4 NULL, *avail 0).
 */
int pkt_l4(const struct rte_mbuf *m, const void *l3, bool v6, const uint8_t **l4, uint32_t *avail);

/* The errors peerfwd sends: type << 8 | code, per family. */
#define PKT_ICMP4_TIME_EXCEEDED (11u << 8 | 0) /* TTL exceeded in transit */
#define PKT_ICMP4_FRAG_NEEDED	(3u << 8 | 4)  /* unreachable: fragmentation needed and DF set */
#define PKT_ICMP6_TIME_EXCEEDED (3u << 8 | 0)  /* hop limit exceeded in transit */
#define PKT_ICMP6_TOO_BIG	(2u << 8 | 0)  /* packet too big */

/*
 * Turn m in place into the ICMP error type_code (PKT_ICMP*) about it: back
 * out of the port it came in on to the neighbour that sent it (destination
 * MAC its source MAC, source MAC src_mac, VLAN tags kept), from src_addr (4
 * or 16 bytes, network order) to its source address. mtu goes where the
 * type wants it (the next-hop MTU of a fragmentation needed, RFC 1191; the
 * MTU of a packet too big) and is 0 otherwise. 0, or -ENOSPC when m is
 * segmented or lacks the headroom (m unchanged).
 */
int pkt_icmp_error(struct rte_mbuf *m, const struct pkt_l2 *l2, bool v6, uint16_t type_code,
		   uint16_t mtu, const struct rte_ether_addr *src_mac, const void *src_addr);

/* "ipv4_bad_checksum"-style name of a fault, for logs and tests. */
const char *pkt_fault_name(enum pkt_fault f);

#endif
