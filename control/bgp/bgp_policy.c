/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdint.h>
#include <string.h>

#include "control/bgp/bgp_policy.h"

/* RFC 7454 6.1.1.1/6.1.1.2 point at the IANA special-purpose registries
 * (RFC 6890) plus unallocated and multicast space; these are the blocks
 * never routed on the Internet. */
static const char *const bogons_src[] = {
	"0.0.0.0/8",	   "10.0.0.0/8",     "100.64.0.0/10", "127.0.0.0/8",	"169.254.0.0/16",
	"172.16.0.0/12",   "192.0.0.0/24",   "192.0.2.0/24",  "192.168.0.0/16", "198.18.0.0/15",
	"198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4",   "240.0.0.0/4",	"::/8",
	"100::/64",	   "2001:2::/48",    "2001:10::/28",  "2001:db8::/32",	"2002::/16",
	"3ffe::/16",	   "3fff::/20",	     "fc00::/7",      "fe80::/10",	"fec0::/10",
	"ff00::/8",
};

#define N_BOGONS (sizeof(bogons_src) / sizeof(bogons_src[0]))

const char *const *bgp_bogon_list(size_t *n)
{
	*n = N_BOGONS;
	return bogons_src;
}

/* A bogon as two big-endian words and their masks: every announced prefix
 * is tested against the list, so a test is a few word operations rather
 * than prefix_contains' walk over the bits. */
struct bogon {
	uint8_t family, len;
	uint64_t hi, lo, mask_hi, mask_lo;
};

static struct bogon bogons[N_BOGONS];
/* Per family (0 IPv4, 1 IPv6), a bit per value of an address's first 16
 * bits that some bogon allows: a prefix inside a bogon has its first 16
 * bits in the bogon's range, so most prefixes are cleared by one bit. */
static uint64_t bogon_first16[2][65536 / 64];
static bool bogons_ready;

static uint64_t be64_at(const uint8_t *b)
{
	uint64_t v;

	memcpy(&v, b, sizeof(v));
	return __builtin_bswap64(v);
}

/* The leading len (0..64) bits of a word. */
static uint64_t mask64(unsigned len)
{
	return len == 0 ? 0 : ~0ull << (64 - len);
}

static void bogons_init(void)
{
	for (unsigned i = 0; i < N_BOGONS; i++) {
		struct prefix p;
		if (prefix_parse(bogons_src[i], &p, false) < 0)
			__builtin_trap(); /* the table above is wrong */
		struct bogon *b = &bogons[i];
		*b = (struct bogon){
			.family = p.addr.family,
			.len = p.len,
			.hi = be64_at(p.addr.bytes),
			.lo = be64_at(p.addr.bytes + 8),
			.mask_hi = mask64(p.len < 64 ? p.len : 64),
			.mask_lo = mask64(p.len > 64 ? p.len - 64u : 0),
		};
		unsigned top = (unsigned)(b->hi >> 48), span = p.len >= 16 ? 1 : 1u << (16 - p.len);
		for (unsigned v = top; v < top + span; v++)
			bogon_first16[b->family == AF_INET6][v / 64] |= 1ull << (v % 64);
	}
	bogons_ready = true;
}

bool bgp_prefix_is_bogon(const struct prefix *p)
{
	uint64_t hi = be64_at(p->addr.bytes), lo;
	unsigned top = (unsigned)(hi >> 48);

	if (!bogons_ready)
		bogons_init();
	if (!(bogon_first16[p->addr.family == AF_INET6][top / 64] & (1ull << (top % 64))))
		return false;
	lo = be64_at(p->addr.bytes + 8);
	for (unsigned i = 0; i < N_BOGONS; i++) {
		const struct bogon *b = &bogons[i];
		if (b->family == p->addr.family && p->len >= b->len &&
		    ((hi ^ b->hi) & b->mask_hi) == 0 && ((lo ^ b->lo) & b->mask_lo) == 0)
			return true;
	}
	return false;
}

const char *bgp_filter_name(enum bgp_filter f)
{
	static const char *const names[] = {
		[BGP_FILTER_ACCEPT] = "accepted", [BGP_FILTER_NO_POLICY] = "no_policy",
		[BGP_FILTER_LENGTH] = "length",	  [BGP_FILTER_BOGON] = "bogon",
		[BGP_FILTER_AS_LOOP] = "as_loop", [BGP_FILTER_NEXTHOP] = "nexthop",
	};
	return f < BGP_FILTER__MAX ? names[f] : "?";
}

enum bgp_filter bgp_policy_check(const struct cfg_bgp_policy *pol, bool ebgp,
				 const struct prefix *p)
{
	if (pol == NULL)
		return ebgp ? BGP_FILTER_NO_POLICY : BGP_FILTER_ACCEPT;
	if (p->addr.family == AF_INET ? p->len < pol->min_len4 || p->len > pol->max_len4
				      : p->len < pol->min_len6 || p->len > pol->max_len6)
		return BGP_FILTER_LENGTH;
	if (pol->bogons && bgp_prefix_is_bogon(p))
		return BGP_FILTER_BOGON;
	return BGP_FILTER_ACCEPT;
}
