/* SPDX-License-Identifier: BSD-3-Clause */
/* The hot parsers and rewrite are inline in pkt.h; this is their cold side. */
#include <rte_icmp.h>

#include "dataplane/pkt/pkt.h"

/* ICMPv4 types that report errors (RFC 792, 1812 4.3.2.7): the rest (echo,
 * timestamp, information, mask) are queries. */
static bool icmp4_is_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

static bool ipv6_is_ext(int proto)
{
	return proto == IPPROTO_HOPOPTS || proto == IPPROTO_ROUTING || proto == IPPROTO_FRAGMENT ||
	       proto == IPPROTO_DSTOPTS || proto == IPPROTO_AH;
}

int pkt_l4(const struct rte_mbuf *m, const void *l3, bool v6, const uint8_t **l4, uint32_t *avail)
{
	const uint8_t *end = rte_pktmbuf_mtod(m, const uint8_t *) + rte_pktmbuf_data_len(m);
	const uint8_t *p;
	int proto;

	*l4 = NULL;
	*avail = 0;
	if (v6) {
		p = (const uint8_t *)l3 + sizeof(struct rte_ipv6_hdr);
		proto = ((const struct rte_ipv6_hdr *)l3)->proto;
		for (unsigned i = 0; ipv6_is_ext(proto); i++) {
			size_t len = 0;
			if (i == 8 || p + 8 > end)
				return -1;
			/* a later fragment holds no upper-layer header */
			if (proto == IPPROTO_FRAGMENT && ((p[2] << 8 | p[3]) >> 3) != 0)
				return -1;
			proto = rte_ipv6_get_next_ext(p, proto, &len);
			p += len;
		}
	} else {
		const struct rte_ipv4_hdr *ip = l3;
		if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK))
			return -1;
		p = (const uint8_t *)ip + rte_ipv4_hdr_len(ip);
		proto = ip->next_proto_id;
	}
	*l4 = p;
	*avail = p < end ? (uint32_t)(end - p) : 0;
	return proto;
}

bool pkt_icmp_error_allowed(const struct rte_mbuf *m, const void *l3, bool v6)
{
	const uint8_t *icmp;
	uint32_t avail;
	int proto;

	if (v6) {
		const struct rte_ipv6_hdr *ip6 = l3;
		static const uint8_t unspec[16];

		if (ip6->src_addr[0] == 0xff || memcmp(ip6->src_addr, unspec, 16) == 0)
			return false;
		/* RFC 4443 2.4 (e.1): an ICMPv6 error (type below 128) is
		 * answered by none; where the upper layer cannot be read, the
		 * packet is not known to be one. */
		proto = pkt_l4(m, l3, true, &icmp, &avail);
		return !(proto == IPPROTO_ICMPV6 && avail > 0 && icmp[0] < 128);
	}
	const struct rte_ipv4_hdr *ip = l3;
	const uint32_t src = rte_be_to_cpu_32(ip->src_addr);

	if ((src >> 24) == 0 || (src >> 24) == 127 || src >= 0xe0000000)
		return false;
	proto = pkt_l4(m, l3, false, &icmp, &avail);
	if (proto < 0)
		return false; /* RFC 1812 4.3.2.7: only a first fragment */
	return !(proto == IPPROTO_ICMP && avail > 0 && icmp4_is_error(icmp[0]));
}

int pkt_icmp_error(struct rte_mbuf *m, const struct pkt_l2 *l2, bool v6, uint16_t type_code,
		   uint16_t mtu, const struct rte_ether_addr *src_mac, const void *src_addr)
{
	const uint16_t hdrs = v6 ? PKT_ICMP6_HDRS : PKT_ICMP4_HDRS;
	const uint8_t *old = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *l3 = old + l2->l2_len;
	uint32_t quote = rte_pktmbuf_data_len(m) - l2->l2_len;
	uint8_t *p;

	if (!rte_pktmbuf_is_contiguous(m) || rte_pktmbuf_headroom(m) < hdrs)
		return -ENOSPC;
	/* The invoking packet as its header says it ends (no link padding). */
	if (v6)
		quote = RTE_MIN(
			quote,
			(uint32_t)sizeof(struct rte_ipv6_hdr) +
				rte_be_to_cpu_16(((const struct rte_ipv6_hdr *)l3)->payload_len));
	else
		quote = RTE_MIN(quote, (uint32_t)rte_be_to_cpu_16(
					       ((const struct rte_ipv4_hdr *)l3)->total_length));
	quote = RTE_MIN(quote, (v6 ? PKT_ICMP6_MAX : PKT_ICMP4_MAX) - (uint32_t)hdrs);

	/* [L2][new L3 + ICMP][quote]: the L2 header moves to the new front
	 * (at most 22 bytes, below the invoking header it does not reach). */
	p = (uint8_t *)rte_pktmbuf_prepend(m, hdrs);
	memmove(p, old, l2->l2_len);
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - (l2->l2_len + hdrs + quote)));
	m->ol_flags = 0;

	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	eth->dst_addr = eth->src_addr;
	eth->src_addr = *src_mac;

	if (v6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(p + l2->l2_len);
		const struct rte_ipv6_hdr *orig = (const struct rte_ipv6_hdr *)l3;
		uint8_t *icmp = (uint8_t *)(ip6 + 1);

		ip6->vtc_flow = RTE_BE32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(8 + quote));
		ip6->proto = IPPROTO_ICMPV6;
		ip6->hop_limits = 64;
		memcpy(ip6->src_addr, src_addr, 16);
		memcpy(ip6->dst_addr, orig->src_addr, 16);
		const rte_be32_t mtu32 = rte_cpu_to_be_32(mtu);

		icmp[0] = (uint8_t)(type_code >> 8);
		icmp[1] = (uint8_t)type_code;
		memset(icmp + 2, 0, 2);
		memcpy(icmp + 4, &mtu32, 4); /* RFC 4443 3.2: the MTU; else unused */
		uint16_t ck = rte_ipv6_udptcp_cksum(ip6, icmp);
		memcpy(icmp + 2, &ck, 2);
		return 0;
	}
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + l2->l2_len);
	const struct rte_ipv4_hdr *orig = (const struct rte_ipv4_hdr *)l3;
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);

	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0xc0; /* internetwork control, as routers send errors */
	ip->total_length = rte_cpu_to_be_16((uint16_t)(hdrs + quote));
	ip->packet_id = 0;
	ip->fragment_offset = 0;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->hdr_checksum = 0;
	memcpy(&ip->src_addr, src_addr, 4);
	ip->dst_addr = orig->src_addr;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	icmp->icmp_type = (uint8_t)(type_code >> 8);
	icmp->icmp_code = (uint8_t)type_code;
	icmp->icmp_cksum = 0;
	icmp->icmp_ident = 0;			   /* unused */
	icmp->icmp_seq_nb = rte_cpu_to_be_16(mtu); /* RFC 1191: next-hop MTU; else unused */
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, 8 + quote);
	return 0;
}

static const char *const fault_names[PKT_FAULT__MAX] = {
	[PKT_OK] = "ok",
	[PKT_L2_MALFORMED] = "l2_malformed",
	[PKT_IPV4_BAD_HDR] = "ipv4_bad_header",
	[PKT_IPV4_BAD_CSUM] = "ipv4_bad_checksum",
	[PKT_IPV4_BAD_LEN] = "ipv4_bad_length",
	[PKT_IPV6_BAD_HDR] = "ipv6_bad_header",
	[PKT_IPV6_BAD_LEN] = "ipv6_bad_length",
};

const char *pkt_fault_name(enum pkt_fault f)
{
	if ((unsigned)f >= PKT_FAULT__MAX)
		return "unknown";
	return fault_names[f];
}
