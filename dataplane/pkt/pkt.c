/* SPDX-License-Identifier: BSD-3-Clause */
/* The hot parsers and rewrite are inline in pkt.h; this is their cold side. */
#include "dataplane/pkt/pkt.h"

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
