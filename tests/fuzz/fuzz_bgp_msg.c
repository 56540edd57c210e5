/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target for the BGP codec. The first input byte picks the session
 * (bit 0: 4-octet AS, bit 1: eBGP, bit 2: AFI/SAFI disable allowed); the rest
 * is a TCP stream of BGP messages, each decoded by every decoder. An UPDATE
 * that decodes cleanly must re-encode, and decode again to the same prefixes:
 * anything else aborts. */
#include <stdlib.h>
#include <string.h>

#include "control/bgp/bgp_msg.h"

static struct bgp_update u, u2;
static struct bgp_update_result res, res2;
static struct bgp_err err;
static uint8_t out[BGP_MAX_LEN];

static size_t n_prefixes(const struct bgp_update *x)
{
	return x->withdrawn.n + x->nlri.n + x->attrs.mp_reach.nlri.n +
	       x->attrs.mp_unreach.withdrawn.n;
}

static void check_reencode(const struct bgp_session_params *sp)
{
	struct bgp_update_out o = {
		.withdraw4 = u.withdrawn,
		.announce4 = u.nlri,
		.withdraw6 = u.attrs.mp_unreach.withdrawn,
		.announce6 = u.attrs.mp_reach.nlri,
		.attrs = &u.attrs,
	};
	struct bgp_msg m;
	int len;

	/* We send IPv4 in the classic fields only, and nothing without
	 * prefixes (End-of-RIB has its own encoder). */
	if (n_prefixes(&u) == 0 ||
	    (u.attrs.mp_reach.nlri.n > 0 && u.attrs.mp_reach.afi != BGP_AFI_IPV6) ||
	    (u.attrs.mp_unreach.withdrawn.n > 0 && u.attrs.mp_unreach.afi != BGP_AFI_IPV6))
		return;
	len = bgp_update_encode(sp, out, sizeof(out), &o);
	if (len <= 0 || bgp_msg_parse(out, (size_t)len, &m, &err) != len)
		abort();
	if (bgp_update_decode(sp, &m, &u2, &res2) != BGP_ACT_OK)
		abort();
	if (n_prefixes(&u2) != n_prefixes(&u))
		abort();
	/* Attributes go only with announcements. */
	if (u.nlri.n + u.attrs.mp_reach.nlri.n > 0 &&
	    (u2.attrs.origin != u.attrs.origin ||
	     u2.attrs.as_path.n_asns != u.attrs.as_path.n_asns ||
	     u2.attrs.n_communities != u.attrs.n_communities || u2.attrs.med != u.attrs.med))
		abort();
	for (size_t i = 0; i < u.nlri.n; i++)
		if (!prefix_equal(&u.nlri.v[i], &u2.nlri.v[i]))
			abort();
}

static void decode_one(const struct bgp_session_params *sp, const struct bgp_msg *m)
{
	struct bgp_notification n;
	struct bgp_route_refresh rr;
	struct bgp_open o;
	char buf[1024];

	switch (m->type) {
	case BGP_OPEN:
		/* Re-encoding may not fit (caps beyond one parameter): no
		 * check, just exercise it. */
		if (bgp_open_decode(m, &o, &err) == 0)
			bgp_open_encode(out, sizeof(out), &o);
		break;
	case BGP_NOTIFICATION:
		if (bgp_notification_decode(m, &n, &err) == 0) {
			bgp_err_code_name(n.code);
			bgp_err_subcode_name(n.code, n.subcode);
		}
		break;
	case BGP_ROUTE_REFRESH:
		bgp_route_refresh_decode(m, &rr, &err);
		break;
	case BGP_UPDATE:
		bgp_update_decode(sp, m, &u, &res);
		bgp_attrs_format(&u.attrs, buf, sizeof(buf));
		if (res.action == BGP_ACT_OK)
			check_reencode(sp);
		else
			bgp_notification_encode_err(out, sizeof(out), &res.err);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bgp_session_params sp;
	struct bgp_msg m;
	int len;

	if (size < 1)
		return 0;
	sp = (struct bgp_session_params){
		.as4 = data[0] & 1,
		.ebgp = data[0] & 2,
		.mp_error_disables_afi = data[0] & 4,
	};
	data++;
	size--;
	/* The stream, as a session would read it: stop at the first message
	 * that is bad or incomplete. */
	while ((len = bgp_msg_parse(data, size, &m, &err)) > 0) {
		decode_one(&sp, &m);
		data += len;
		size -= (size_t)len;
	}
	return 0;
}
