/* SPDX-License-Identifier: BSD-3-Clause */
/* Import policy: which announced prefixes a peer's policy accepts. Pure. */
#ifndef PEERFWD_BGP_POLICY_H
#define PEERFWD_BGP_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "control/config/config.h"
#include "control/prefix/prefix.h"

enum bgp_filter {
	BGP_FILTER_ACCEPT = 0,
	BGP_FILTER_NO_POLICY, /* RFC 8212 3.1: eBGP without a policy imports nothing */
	BGP_FILTER_LENGTH,    /* prefix length outside the policy's range */
	BGP_FILTER_BOGON,     /* RFC 7454 6.1.1: special-purpose or reserved space */
	BGP_FILTER_AS_LOOP,   /* RFC 4271 9.1.2: our AS in the AS_PATH */
	BGP_FILTER_NEXTHOP,   /* next hop is no configured next hop on the peer's port */
	BGP_FILTER__MAX,
};

const char *bgp_filter_name(enum bgp_filter f);
/* True when p lies inside an RFC 7454 (IANA special-purpose) block. */
bool bgp_prefix_is_bogon(const struct prefix *p);
/* The blocks bgp_prefix_is_bogon matches, as text: *n of them. For its
 * test, which checks the fast match against prefix_contains over these. */
const char *const *bgp_bogon_list(size_t *n);
/* pol NULL: no policy. */
enum bgp_filter bgp_policy_check(const struct cfg_bgp_policy *pol, bool ebgp,
				 const struct prefix *p);

#endif
