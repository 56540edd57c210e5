/* SPDX-License-Identifier: BSD-3-Clause */
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

static struct prefix bogons[N_BOGONS];
static bool bogons_ready;

static void bogons_init(void)
{
	for (unsigned i = 0; i < N_BOGONS; i++)
		if (prefix_parse(bogons_src[i], &bogons[i], false) < 0)
			__builtin_trap(); /* the table above is wrong */
	bogons_ready = true;
}

bool bgp_prefix_is_bogon(const struct prefix *p)
{
	if (!bogons_ready)
		bogons_init();
	for (unsigned i = 0; i < N_BOGONS; i++)
		if (bogons[i].addr.family == p->addr.family && prefix_contains(&bogons[i], p))
			return true;
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
