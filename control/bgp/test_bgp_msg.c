/* SPDX-License-Identifier: BSD-3-Clause */
/* BGP codec tests. The BIRD and GoBGP messages were captured from BIRD 2.0.12 and
 * GoBGP 3.10.0 peering with a stub listener (AS 65000) in a network namespace. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "control/bgp/bgp_buf.h"
#include "control/bgp/bgp_msg.h"

#define M16                                                                                        \
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  \
		0xff

/* BIRD 2: AS 65001, hold 240, id 192.0.2.7; MP v4+v6, route refresh, GR
 * (120 s, v4+v6), AS4 65001, enhanced route refresh, long-lived GR. */
static const uint8_t bird_open[] = {
	M16,  0x00, 0x43, 0x01, 0x04, 0xfd, 0xe9, 0x00, 0xf0, 0xc0, 0x00, 0x02, 0x07,
	0x26, 0x02, 0x24, 0x01, 0x04, 0x00, 0x01, 0x00, 0x01, 0x01, 0x04, 0x00, 0x02,
	0x00, 0x01, 0x02, 0x00, 0x40, 0x0a, 0x00, 0x78, 0x00, 0x01, 0x01, 0x00, 0x00,
	0x02, 0x01, 0x00, 0x41, 0x04, 0x00, 0x00, 0xfd, 0xe9, 0x46, 0x00, 0x47, 0x00,
};
/* BIRD 2: 198.51.100.0/24 and 203.0.113.128/25 via 10.99.0.1, AS_PATH 65001 */
static const uint8_t bird_update4[] = {
	M16,  0x00, 0x34, 0x02, 0x00, 0x00, 0x00, 0x14, 0x40, 0x01, 0x01, 0x00, 0x40,
	0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfd, 0xe9, 0x40, 0x03, 0x04, 0x0a, 0x63,
	0x00, 0x01, 0x18, 0xc6, 0x33, 0x64, 0x19, 0xcb, 0x00, 0x71, 0x80,
};
static const uint8_t bird_eor4[] = {M16, 0x00, 0x17, 0x02, 0x00, 0x00, 0x00, 0x00};
/* BIRD 2: 2001:db8:100::/48 via 2001:db8::7, MP_REACH with Extended Length */
static const uint8_t bird_update6[] = {
	M16,  0x00, 0x44, 0x02, 0x00, 0x00, 0x00, 0x2d, 0x90, 0x0e, 0x00, 0x1c, 0x00, 0x02,
	0x01, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x07, 0x00, 0x30, 0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00, 0x40, 0x01,
	0x01, 0x00, 0x40, 0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfd, 0xe9,
};
static const uint8_t bird_eor6[] = {
	M16, 0x00, 0x1d, 0x02, 0x00, 0x00, 0x00, 0x06, 0x80, 0x0f, 0x03, 0x00, 0x02, 0x01,
};
/* GoBGP 3: AS 4200000001 (AS_TRANS in My AS), hold 90; route refresh, FQDN
 * (73), MP v4+v6, AS4, GR (90 s), extended next hop (5). */
static const uint8_t gobgp_open[] = {
	M16,  0x00, 0x4d, 0x01, 0x04, 0x5b, 0xa0, 0x00, 0x5a, 0xc0, 0x00, 0x02, 0x08,
	0x30, 0x02, 0x2e, 0x02, 0x00, 0x49, 0x04, 0x02, 0x76, 0x6d, 0x00, 0x01, 0x04,
	0x00, 0x01, 0x00, 0x01, 0x01, 0x04, 0x00, 0x02, 0x00, 0x01, 0x41, 0x04, 0xfa,
	0x56, 0xea, 0x01, 0x40, 0x0a, 0x00, 0x5a, 0x00, 0x01, 0x01, 0x00, 0x00, 0x02,
	0x01, 0x00, 0x05, 0x06, 0x00, 0x01, 0x00, 0x01, 0x00, 0x02,
};
/* GoBGP 3: 2001:db8:200::/48 via ::ffff:10.99.0.1, origin incomplete */
static const uint8_t gobgp_update6[] = {
	M16,  0x00, 0x43, 0x02, 0x00, 0x00, 0x00, 0x2c, 0x40, 0x01, 0x01, 0x02, 0x40,
	0x02, 0x06, 0x02, 0x01, 0xfa, 0x56, 0xea, 0x01, 0x80, 0x0e, 0x1c, 0x00, 0x02,
	0x01, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff,
	0xff, 0x0a, 0x63, 0x00, 0x01, 0x00, 0x30, 0x20, 0x01, 0x0d, 0xb8, 0x02, 0x00,
};
/* GoBGP 3: 198.51.100.0/24, MED 10, COMMUNITIES 65000:100 */
static const uint8_t gobgp_update4[] = {
	M16,  0x00, 0x3d, 0x02, 0x00, 0x00, 0x00, 0x22, 0x40, 0x01, 0x01, 0x02,
	0x40, 0x02, 0x06, 0x02, 0x01, 0xfa, 0x56, 0xea, 0x01, 0x40, 0x03, 0x04,
	0x0a, 0x63, 0x00, 0x01, 0x80, 0x04, 0x04, 0x00, 0x00, 0x00, 0x0a, 0xc0,
	0x08, 0x04, 0xfd, 0xe8, 0x00, 0x64, 0x18, 0xc6, 0x33, 0x64,
};

static const struct bgp_session_params ebgp4 = {.as4 = true, .ebgp = true};
static const struct bgp_session_params ebgp2 = {.as4 = false, .ebgp = true};
static const struct bgp_session_params ibgp4 = {.as4 = true, .ebgp = false};

/* Big: keep them off the stack. */
static struct bgp_update U, U2;
static struct bgp_update_result R, R2;
static struct bgp_err E;
static uint8_t B[BGP_MAX_LEN], B2[BGP_MAX_LEN];

static void msg_ok(const uint8_t *buf, size_t len, struct bgp_msg *m)
{
	assert_int_equal(bgp_msg_parse(buf, len, m, &E), (int)len);
}

static enum bgp_action update_decode(const struct bgp_session_params *sp, const uint8_t *buf,
				     size_t len, struct bgp_update *u, struct bgp_update_result *r)
{
	struct bgp_msg m;

	msg_ok(buf, len, &m);
	return bgp_update_decode(sp, &m, u, r);
}

static char *pfx(const struct prefix *p)
{
	static char buf[4][PREFIX_STRLEN];
	static int i;

	i = (i + 1) % 4;
	return prefix_format(p, buf[i], sizeof(buf[i]));
}

static struct prefix P(const char *s) {
	struct prefix p;

	assert_int_equal(prefix_parse(s, &p, false), 0);
	return p;
}

static struct ip_addr
A(const char *s) {
	struct ip_addr a;

	assert_int_equal(ip_addr_parse(s, &a), 0);
	return a;
}

/* Builds an UPDATE from its three fields; returns the message length. */
static size_t
mk_update(uint8_t *buf, const uint8_t *wd, size_t wdlen, const uint8_t *at, size_t alen,
	  const uint8_t *nlri, size_t nlen)
{
	size_t len = BGP_UPDATE_MIN_LEN + wdlen + alen + nlen;

	assert_true(len <= BGP_MAX_LEN);
	memset(buf, 0xff, 16);
	buf[16] = (uint8_t)(len >> 8);
	buf[17] = (uint8_t)len;
	buf[18] = BGP_UPDATE;
	buf[19] = (uint8_t)(wdlen >> 8);
	buf[20] = (uint8_t)wdlen;
	if (wdlen)
		memcpy(buf + 21, wd, wdlen);
	buf[21 + wdlen] = (uint8_t)(alen >> 8);
	buf[22 + wdlen] = (uint8_t)alen;
	if (alen)
		memcpy(buf + 23 + wdlen, at, alen);
	if (nlen)
		memcpy(buf + 23 + wdlen + alen, nlri, nlen);
	return len;
}

/* --- bounded buffers --- */

static void buf_reader_bounds(void **state)
{
	static const uint8_t d[] = {1, 2, 3, 4, 5};
	uint8_t b8, out[8];
	uint16_t b16;
	uint32_t b32;
	struct rd r, sub;

	(void)state;
	rd_init(&r, d, sizeof(d));
	assert_int_equal(rd_u16(&r, &b16), 0);
	assert_int_equal(b16, 0x0102);
	assert_int_equal(rd_u32(&r, &b32), -1); /* 3 left: fails, consumes nothing */
	assert_int_equal(rd_left(&r), 3);
	assert_int_equal(rd_sub(&r, &sub, 4), -1);
	assert_int_equal(rd_sub(&r, &sub, 2), 0);
	assert_int_equal(rd_bytes(&sub, out, 3), -1);
	assert_int_equal(rd_u8(&sub, &b8), 0);
	assert_int_equal(b8, 3);
	assert_int_equal(rd_u8(&sub, &b8), 0);
	assert_int_equal(rd_u8(&sub, &b8), -1);
	assert_int_equal(rd_left(&r), 1);
	assert_int_equal(rd_skip(&r, 2), -1);
	assert_int_equal(rd_skip(&r, 1), 0);
	assert_int_equal(rd_u8(&r, &b8), -1);
	assert_int_equal(rd_bytes(&r, out, 0), 0);
}

static void buf_writer_bounds(void **state)
{
	uint8_t buf[6];
	struct wr w;

	(void)state;
	wr_init(&w, buf, sizeof(buf));
	assert_int_equal(wr_u32(&w, 0x01020304), 0);
	assert_int_equal(wr_u32(&w, 0), -1);
	assert_int_equal(wr_len(&w), 4);
	assert_int_equal(wr_u16(&w, 0x0506), 0);
	assert_int_equal(wr_u8(&w, 7), -1);
	assert_int_equal(wr_put_u16_at(&w, 5, 0), -1);
	assert_int_equal(wr_put_u16_at(&w, 0, 0xaabb), 0);
	assert_int_equal(buf[0], 0xaa);
	assert_int_equal(wr_cut_u8_at(&w, 0), 0);
	assert_int_equal(wr_len(&w), 5);
	assert_int_equal(buf[0], 0xbb);
	assert_int_equal(buf[4], 0x06);
}

/* --- header (RFC 4271 4.1, 6.1) --- */

static void header_valid_and_partial(void **state)
{
	struct bgp_msg m;
	int len = bgp_keepalive_encode(B, sizeof(B));

	(void)state;
	assert_int_equal(len, BGP_KEEPALIVE_LEN);
	msg_ok(B, (size_t)len, &m);
	assert_int_equal(m.type, BGP_KEEPALIVE);
	assert_int_equal(m.body_len, 0);
	for (size_t i = 0; i < sizeof(bird_update4); i++)
		assert_int_equal(bgp_msg_parse(bird_update4, i, &m, &E), -EAGAIN);
	/* a stream holding more than one message frames the first */
	memcpy(B, bird_eor4, sizeof(bird_eor4));
	memcpy(B + sizeof(bird_eor4), bird_update4, sizeof(bird_update4));
	assert_int_equal(bgp_msg_parse(B, sizeof(bird_eor4) + sizeof(bird_update4), &m, &E),
			 (int)sizeof(bird_eor4));
}

static void header_errors(void **state)
{
	static const struct {
		const char *name;
		size_t off;
		uint8_t val;
		uint8_t sub;
		uint8_t data_len;
	} cases[] = {
		{"marker", 3, 0xfe, BGP_SUB_CONN_NOT_SYNC, 0},
		{"length 18", 17, 18, BGP_SUB_BAD_MSG_LEN, 2},
		{"length 4097", 16, 0x10, BGP_SUB_BAD_MSG_LEN, 2},
		{"type 0", 18, 0, BGP_SUB_BAD_MSG_TYPE, 1},
		{"type 6", 18, 6, BGP_SUB_BAD_MSG_TYPE, 1},
		{"keepalive of 23", 18, BGP_KEEPALIVE, BGP_SUB_BAD_MSG_LEN, 2},
		{"open of 23", 18, BGP_OPEN, BGP_SUB_BAD_MSG_LEN, 2},
		{"notification of 20", 17, 20, BGP_SUB_BAD_MSG_LEN, 2},
	};
	struct bgp_msg m;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(B, bird_eor4, sizeof(bird_eor4));
		B[cases[i].off] = cases[i].val;
		if (strcmp(cases[i].name, "length 4097") == 0)
			B[17] = 0x01;
		if (strcmp(cases[i].name, "notification of 20") == 0)
			B[18] = BGP_NOTIFICATION;
		memset(&E, 0, sizeof(E));
		if (bgp_msg_parse(B, BGP_MAX_LEN, &m, &E) != -EBADMSG || E.code != BGP_ERR_HEADER ||
		    E.subcode != cases[i].sub || E.data_len != cases[i].data_len)
			fail_msg("%s: got %u/%u len %u", cases[i].name, E.code, E.subcode,
				 E.data_len);
		/* RFC 4271 6.1: the data is the offending field itself */
		if (cases[i].data_len == 2)
			assert_memory_equal(E.data, B + 16, 2);
		if (cases[i].data_len == 1)
			assert_int_equal(E.data[0], B[18]);
	}
	/* a bad header is reported before the rest of the message arrives */
	memcpy(B, bird_eor4, sizeof(bird_eor4));
	B[18] = 9;
	assert_int_equal(bgp_msg_parse(B, BGP_HDR_LEN, &m, &E), -EBADMSG);
}

/* --- OPEN --- */

static void open_decode(const uint8_t *buf, size_t len, struct bgp_open *o)
{
	struct bgp_msg m;

	msg_ok(buf, len, &m);
	assert_int_equal(bgp_open_decode(&m, o, &E), 0);
}

static void open_bird(void **state)
{
	struct bgp_open o;

	(void)state;
	open_decode(bird_open, sizeof(bird_open), &o);
	assert_int_equal(o.version, 4);
	assert_int_equal(o.my_as, 65001);
	assert_int_equal(o.hold_time, 240);
	assert_int_equal(o.bgp_id, 0xc0000207);
	assert_int_equal(o.caps.n_mp, 2);
	assert_true(bgp_caps_has_mp(&o.caps, BGP_AFI_IPV4, BGP_SAFI_UNICAST));
	assert_true(bgp_caps_has_mp(&o.caps, BGP_AFI_IPV6, BGP_SAFI_UNICAST));
	assert_false(bgp_caps_has_mp(&o.caps, BGP_AFI_IPV6, 2));
	assert_true(o.caps.route_refresh);
	assert_true(o.caps.enh_route_refresh);
	assert_true(o.caps.as4);
	assert_int_equal(bgp_open_peer_as(&o), 65001);
	assert_true(o.caps.gr);
	assert_int_equal(o.caps.gr_flags, 0);
	assert_int_equal(o.caps.gr_time, 120);
	assert_int_equal(o.caps.n_gr_afi, 2);
	assert_int_equal(o.caps.gr_afi[1].afi, BGP_AFI_IPV6);
	assert_int_equal(o.caps.gr_afi[1].flags, 0);
	/* long-lived graceful restart (71) is not ours: kept, ignored */
	assert_int_equal(o.caps.n_unknown, 1);
	assert_int_equal(o.caps.unknown[0].code, 71);
	assert_int_equal(o.caps.unknown[0].len, 0);
}

static void open_gobgp(void **state)
{
	struct bgp_open o;

	(void)state;
	open_decode(gobgp_open, sizeof(gobgp_open), &o);
	assert_int_equal(o.my_as, BGP_AS_TRANS);
	assert_int_equal(bgp_open_peer_as(&o), 4200000001u);
	assert_int_equal(o.hold_time, 90);
	assert_int_equal(o.bgp_id, 0xc0000208);
	assert_true(o.caps.route_refresh);
	assert_false(o.caps.enh_route_refresh);
	assert_int_equal(o.caps.gr_time, 90);
	assert_int_equal(o.caps.n_unknown, 2);
	assert_int_equal(o.caps.unknown[0].code, 73); /* FQDN */
	assert_int_equal(o.caps.unknown[0].len, 4);
	assert_memory_equal(o.caps.unknown[0].data, "\x02vm\x00", 4);
	assert_int_equal(o.caps.unknown[1].code, 5); /* extended next hop */
}

static void open_round_trip(void **state)
{
	struct bgp_open o = {
		.hold_time = 90,
		.bgp_id = 0xc0000201,
		.caps = {.n_mp = 2,
			 .mp = {{BGP_AFI_IPV4, BGP_SAFI_UNICAST, 0},
				{BGP_AFI_IPV6, BGP_SAFI_UNICAST, 0}},
			 .route_refresh = true,
			 .as4 = true,
			 .as4_asn = 4200000123u,
			 .gr = true,
			 .gr_flags = BGP_GR_F_RESTART | BGP_GR_F_NOTIFICATION,
			 .gr_time = 120,
			 .n_gr_afi = 2,
			 .gr_afi = {{BGP_AFI_IPV4, BGP_SAFI_UNICAST, BGP_GR_AF_F_FORWARDING},
				    {BGP_AFI_IPV6, BGP_SAFI_UNICAST, 0}}},
	};
	struct bgp_open d;
	int len;

	(void)state;
	len = bgp_open_encode(B, sizeof(B), &o);
	assert_true(len > BGP_OPEN_MIN_LEN);
	open_decode(B, (size_t)len, &d);
	assert_int_equal(d.my_as, BGP_AS_TRANS);
	assert_int_equal(bgp_open_peer_as(&d), 4200000123u);
	assert_int_equal(d.hold_time, 90);
	assert_int_equal(d.bgp_id, o.bgp_id);
	assert_int_equal(d.caps.n_mp, 2);
	assert_memory_equal(d.caps.mp, o.caps.mp, sizeof(o.caps.mp[0]) * 2);
	assert_true(d.caps.route_refresh);
	assert_int_equal(d.caps.gr_flags, o.caps.gr_flags);
	assert_int_equal(d.caps.gr_time, 120);
	assert_memory_equal(d.caps.gr_afi, o.caps.gr_afi, sizeof(o.caps.gr_afi[0]) * 2);
	assert_int_equal(d.caps.n_unknown, 0);

	/* BIRD's capabilities re-encode to the same message but for LLGR */
	open_decode(bird_open, sizeof(bird_open), &d);
	len = bgp_open_encode(B, sizeof(B), &d);
	assert_int_equal(len, (int)sizeof(bird_open) - 2);
	open_decode(B, (size_t)len, &o);
	assert_int_equal(o.caps.n_gr_afi, 2);
	assert_true(o.caps.enh_route_refresh);

	/* no capabilities: no optional parameters at all */
	memset(&o, 0, sizeof(o));
	o.my_as = 65000;
	o.bgp_id = 1;
	assert_int_equal(bgp_open_encode(B, sizeof(B), &o), BGP_OPEN_MIN_LEN);
	assert_int_equal(bgp_open_encode(B, BGP_OPEN_MIN_LEN - 1, &o), -ENOSPC);
}

static void open_errors(void **state)
{
	static const struct {
		const char *name;
		size_t off;
		uint8_t val;
		uint8_t sub;
	} cases[] = {
		{"version 3", 19, 3, BGP_SUB_UNSUP_VERSION},
		{"AS 0", 20, 0, BGP_SUB_BAD_PEER_AS},
		{"hold 1", 23, 1, BGP_SUB_UNACCEPTABLE_HOLD},
		{"hold 2", 23, 2, BGP_SUB_UNACCEPTABLE_HOLD},
		{"id 0", 24, 0, BGP_SUB_BAD_BGP_ID},
		{"param type 1", 29, 1, BGP_SUB_UNSUP_OPT_PARAM},
		{"params too long", 28, 0x27, BGP_SUB_UNSPECIFIC},
		{"params too short", 28, 0x25, BGP_SUB_UNSPECIFIC},
		{"cap overruns param", 30, 0x25, BGP_SUB_UNSPECIFIC},
		{"MP cap of 3", 32, 3, BGP_SUB_UNSPECIFIC},
		{"RR cap of 1", 44, 1, BGP_SUB_UNSPECIFIC},
		{"GR cap of 9", 46, 9, BGP_SUB_UNSPECIFIC},
		{"AS4 cap AS 0", 62, 0, BGP_SUB_BAD_PEER_AS},
		{"AS4 cap of 3", 58, 3, BGP_SUB_UNSPECIFIC},
	};
	struct bgp_open o;
	struct bgp_msg m;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;

		memcpy(B, bird_open, sizeof(bird_open));
		B[cases[i].off] = cases[i].val;
		if (cases[i].sub == BGP_SUB_BAD_PEER_AS && cases[i].off == 20)
			B[21] = 0;
		if (cases[i].off == 23)
			B[22] = 0;
		if (cases[i].off == 24)
			memset(B + 24, 0, 4);
		if (cases[i].off == 62)
			memset(B + 59, 0, 4);
		msg_ok(B, sizeof(bird_open), &m);
		memset(&E, 0, sizeof(E));
		rc = bgp_open_decode(&m, &o, &E);
		if (rc != -EBADMSG || E.code != BGP_ERR_OPEN || E.subcode != cases[i].sub)
			fail_msg("%s: rc %d, %u/%u", cases[i].name, rc, E.code, E.subcode);
	}
	/* RFC 4271 6.2: the data is the version we support */
	memcpy(B, bird_open, sizeof(bird_open));
	B[19] = 5;
	msg_ok(B, sizeof(bird_open), &m);
	assert_int_equal(bgp_open_decode(&m, &o, &E), -EBADMSG);
	assert_int_equal(E.data_len, 2);
	assert_memory_equal(E.data, "\x00\x04", 2);
	/* hold time 0 and 3 are fine */
	for (uint8_t h = 0; h <= 3; h += 3) {
		memcpy(B, bird_open, sizeof(bird_open));
		B[22] = 0;
		B[23] = h;
		open_decode(B, sizeof(bird_open), &o);
		assert_int_equal(o.hold_time, h);
	}
}

static void open_ext_params(void **state)
{
	/* RFC 9072: the BIRD capabilities in an extended parameters block */
	size_t caps_len = sizeof(bird_open) - 31, len = 29 + 3 + 3 + caps_len;
	struct bgp_open o;

	(void)state;
	memcpy(B, bird_open, 28);
	B[16] = 0;
	B[17] = (uint8_t)len;
	B[28] = 255;
	B[29] = 255;
	B[30] = 0;
	B[31] = (uint8_t)(3 + caps_len);
	B[32] = 2;
	B[33] = 0;
	B[34] = (uint8_t)caps_len;
	memcpy(B + 35, bird_open + 31, caps_len);
	open_decode(B, len, &o);
	assert_int_equal(o.caps.n_mp, 2);
	assert_true(o.caps.as4);
	assert_int_equal(o.caps.n_unknown, 1);
}

static void open_truncated(void **state)
{
	struct bgp_open o;
	struct bgp_msg m;

	(void)state;
	/* every shorter OPEN (with the length field fixed up) is an error */
	for (size_t len = BGP_OPEN_MIN_LEN; len < sizeof(gobgp_open); len++) {
		memcpy(B, gobgp_open, len);
		B[17] = (uint8_t)len;
		msg_ok(B, len, &m);
		assert_int_equal(bgp_open_decode(&m, &o, &E), -EBADMSG);
		assert_int_equal(E.code, BGP_ERR_OPEN);
	}
}

/* --- NOTIFICATION, KEEPALIVE, ROUTE-REFRESH --- */

static void notification_round_trip(void **state)
{
	static const char msg[] = "\x0bmaintenance";
	struct bgp_notification n;
	struct bgp_msg m;
	int len;

	(void)state;
	len = bgp_notification_encode(B, sizeof(B), BGP_ERR_CEASE, BGP_SUB_ADMIN_SHUTDOWN, msg,
				      sizeof(msg) - 1);
	assert_int_equal(len, BGP_NOTIFICATION_MIN_LEN + 12);
	msg_ok(B, (size_t)len, &m);
	assert_int_equal(bgp_notification_decode(&m, &n, &E), 0);
	assert_int_equal(n.code, BGP_ERR_CEASE);
	assert_int_equal(n.subcode, BGP_SUB_ADMIN_SHUTDOWN);
	assert_int_equal(n.data_len, 12);
	assert_int_equal(n.shutdown_msg_len, 11);
	assert_memory_equal(n.shutdown_msg, "maintenance", 11);

	/* a shutdown length beyond the data is not a message */
	B[BGP_NOTIFICATION_MIN_LEN] = 12;
	assert_int_equal(bgp_notification_decode(&m, &n, &E), 0);
	assert_int_equal(n.shutdown_msg_len, 0);

	/* from a struct bgp_err, as a decoder filled it */
	bgp_err_set(&E, BGP_ERR_UPDATE, BGP_SUB_MISSING_WK_ATTR, "\x03", 1);
	len = bgp_notification_encode_err(B, sizeof(B), &E);
	assert_int_equal(len, 22);
	msg_ok(B, (size_t)len, &m);
	assert_int_equal(bgp_notification_decode(&m, &n, &E), 0);
	assert_int_equal(n.data_len, 1);
	assert_int_equal(n.data[0], 3);

	/* oversized data is cut to fit one message, not refused */
	memset(B2, 0xab, sizeof(B2));
	len = bgp_notification_encode(B, sizeof(B), 3, 1, B2, sizeof(B2));
	assert_int_equal(len, BGP_MAX_LEN);
	assert_int_equal(bgp_notification_encode(B, 20, 3, 1, NULL, 0), -ENOSPC);
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(bgp_type_name(BGP_UPDATE), "UPDATE");
	assert_string_equal(bgp_type_name(9), "unknown");
	assert_string_equal(bgp_err_code_name(BGP_ERR_CEASE), "cease");
	assert_string_equal(bgp_err_code_name(0), "unknown error");
	assert_string_equal(bgp_err_code_name(BGP_ERR_SEND_HOLD), "send hold timer expired");
	assert_string_equal(bgp_err_code_name(9), "unknown error");
	assert_string_equal(bgp_err_subcode_name(BGP_ERR_UPDATE, BGP_SUB_MALFORMED_AS_PATH),
			    "malformed AS_PATH");
	assert_string_equal(bgp_err_subcode_name(BGP_ERR_OPEN, BGP_SUB_UNSUP_CAPABILITY),
			    "unsupported capability");
	assert_string_equal(bgp_err_subcode_name(BGP_ERR_HEADER, BGP_SUB_CONN_NOT_SYNC),
			    "connection not synchronized");
	assert_string_equal(bgp_err_subcode_name(BGP_ERR_CEASE, BGP_SUB_HARD_RESET), "hard reset");
	assert_string_equal(bgp_err_subcode_name(BGP_ERR_HOLD, 0), "unspecific");
	assert_string_equal(bgp_err_subcode_name(BGP_ERR_HOLD, 1), "unknown subcode");
	assert_string_equal(bgp_err_subcode_name(200, 1), "unknown subcode");
	assert_string_equal(bgp_action_name(BGP_ACT_TREAT_AS_WITHDRAW), "treat-as-withdraw");
}

static void route_refresh(void **state)
{
	struct bgp_route_refresh rr = {BGP_AFI_IPV6, BGP_RR_BORR, BGP_SAFI_UNICAST}, d;
	struct bgp_msg m;
	int len;

	(void)state;
	len = bgp_route_refresh_encode(B, sizeof(B), &rr);
	assert_int_equal(len, BGP_ROUTE_REFRESH_LEN);
	msg_ok(B, (size_t)len, &m);
	assert_int_equal(bgp_route_refresh_decode(&m, &d, &E), 0);
	assert_memory_equal(&d, &rr, sizeof(rr));
	/* RFC 7313 5: wrong length; the data is the whole message */
	B[17] = 24;
	B[23] = 0;
	msg_ok(B, 24, &m);
	assert_int_equal(bgp_route_refresh_decode(&m, &d, &E), -EBADMSG);
	assert_int_equal(E.code, BGP_ERR_ROUTE_REFRESH);
	assert_int_equal(E.subcode, BGP_SUB_RR_INVALID_LEN);
	assert_int_equal(E.data_len, 24);
	assert_memory_equal(E.data, B, 24);
	/* RFC 4271 6.1: shorter than 23 never gets past the header */
	B[17] = 22;
	assert_int_equal(bgp_msg_parse(B, 22, &m, &E), -EBADMSG);
	assert_int_equal(E.subcode, BGP_SUB_BAD_MSG_LEN);
}

/* --- UPDATE decode of real messages --- */

static void update_bird4(void **state)
{
	char buf[256];

	(void)state;
	assert_int_equal(update_decode(&ebgp4, bird_update4, sizeof(bird_update4), &U, &R),
			 BGP_ACT_OK);
	assert_int_equal(U.withdrawn.n, 0);
	assert_int_equal(U.nlri.n, 2);
	assert_string_equal(pfx(&U.nlri.v[0]), "198.51.100.0/24");
	assert_string_equal(pfx(&U.nlri.v[1]), "203.0.113.128/25");
	assert_int_equal(U.attrs.origin, BGP_ORIGIN_IGP);
	assert_int_equal(U.attrs.as_path.n_segs, 1);
	assert_int_equal(U.attrs.as_path.segs[0].type, BGP_AS_SEQUENCE);
	assert_int_equal(U.attrs.as_path.asns[0], 65001);
	assert_true(bgp_attr_present(&U.attrs, BGP_ATTR_NEXT_HOP));
	assert_int_equal(ip_addr_v4_host(&U.attrs.nexthop), 0x0a630001);
	assert_false(bgp_attr_present(&U.attrs, BGP_ATTR_MED));
	assert_false(U.end_of_rib);
	assert_string_equal(bgp_attrs_format(&U.attrs, buf, sizeof(buf)),
			    "origin igp as-path 65001 next-hop 10.99.0.1");
}

static void update_bird6(void **state)
{
	char buf[256];

	(void)state;
	assert_int_equal(update_decode(&ebgp4, bird_update6, sizeof(bird_update6), &U, &R),
			 BGP_ACT_OK);
	assert_int_equal(U.nlri.n, 0);
	assert_true(bgp_attr_present(&U.attrs, BGP_ATTR_MP_REACH));
	assert_int_equal(U.attrs.mp_reach.afi, BGP_AFI_IPV6);
	assert_int_equal(U.attrs.mp_reach.nlri.n, 1);
	assert_string_equal(pfx(&U.attrs.mp_reach.nlri.v[0]), "2001:db8:100::/48");
	assert_string_equal(ip_addr_format(&U.attrs.mp_reach.nexthop, buf, sizeof(buf)),
			    "2001:db8::7");
	assert_int_equal(U.attrs.mp_reach.nexthop_ll.family, 0);
	assert_false(U.end_of_rib);
	bgp_attrs_format(&U.attrs, buf, sizeof(buf));
	assert_string_equal(buf, "origin igp as-path 65001 mp-reach 2/1 next-hop 2001:db8::7 "
				 "2001:db8:100::/48");
}

static void update_gobgp(void **state)
{
	char buf[256];

	(void)state;
	assert_int_equal(update_decode(&ebgp4, gobgp_update4, sizeof(gobgp_update4), &U, &R),
			 BGP_ACT_OK);
	assert_int_equal(U.attrs.origin, BGP_ORIGIN_INCOMPLETE);
	assert_int_equal(U.attrs.as_path.asns[0], 4200000001u);
	assert_int_equal(U.attrs.med, 10);
	assert_int_equal(U.attrs.n_communities, 1);
	assert_int_equal(U.attrs.communities[0], 65000u << 16 | 100);
	bgp_attrs_format(&U.attrs, buf, sizeof(buf));
	assert_string_equal(buf, "origin incomplete as-path 4200000001 next-hop 10.99.0.1 "
				 "med 10 communities 65000:100");

	assert_int_equal(update_decode(&ebgp4, gobgp_update6, sizeof(gobgp_update6), &U, &R),
			 BGP_ACT_OK);
	assert_string_equal(ip_addr_format(&U.attrs.mp_reach.nexthop, buf, sizeof(buf)),
			    "::ffff:10.99.0.1");
	assert_string_equal(pfx(&U.attrs.mp_reach.nlri.v[0]), "2001:db8:200::/48");
}

static void update_end_of_rib(void **state)
{
	static const uint8_t unreach_one[] = {0x80, 0x0f, 0x06, 0x00, 0x02, 0x01, 0x10, 0x20, 0x01};
	size_t len;

	(void)state;
	assert_int_equal(update_decode(&ebgp4, bird_eor4, sizeof(bird_eor4), &U, &R), BGP_ACT_OK);
	assert_true(U.end_of_rib);
	assert_int_equal(U.eor_afi, BGP_AFI_IPV4);
	assert_int_equal(U.eor_safi, BGP_SAFI_UNICAST);
	assert_int_equal(update_decode(&ebgp4, bird_eor6, sizeof(bird_eor6), &U, &R), BGP_ACT_OK);
	assert_true(U.end_of_rib);
	assert_int_equal(U.eor_afi, BGP_AFI_IPV6);
	/* a withdrawal of IPv6 prefixes is not an End-of-RIB */
	len = mk_update(B, NULL, 0, unreach_one, sizeof(unreach_one), NULL, 0);
	assert_int_equal(update_decode(&ebgp4, B, len, &U, &R), BGP_ACT_OK);
	assert_false(U.end_of_rib);
	assert_int_equal(U.attrs.mp_unreach.withdrawn.n, 1);
	assert_string_equal(pfx(&U.attrs.mp_unreach.withdrawn.v[0]), "2001::/16");
	/* ours are the same bytes as BIRD's */
	assert_int_equal(bgp_eor_encode(B, sizeof(B), BGP_AFI_IPV4, BGP_SAFI_UNICAST),
			 (int)sizeof(bird_eor4));
	assert_memory_equal(B, bird_eor4, sizeof(bird_eor4));
	assert_int_equal(bgp_eor_encode(B, sizeof(B), BGP_AFI_IPV6, BGP_SAFI_UNICAST),
			 (int)sizeof(bird_eor6));
	assert_memory_equal(B, bird_eor6, sizeof(bird_eor6));
}

static void update_withdrawn_and_host_bits(void **state)
{
	/* 10.0.0.0/8, 192.0.2.1/24 (host bits: ignored), 0.0.0.0/0 */
	static const uint8_t wd[] = {8, 10, 24, 192, 0, 2, 0};
	static const uint8_t nlri[] = {32, 192, 0, 2, 1};
	static const uint8_t at[] = {0x40, 1, 1, 0, 0x40, 2, 0, 0x40, 3, 4, 192, 0, 2, 9};
	size_t len;

	(void)state;
	len = mk_update(B, wd, sizeof(wd), at, sizeof(at), nlri, sizeof(nlri));
	assert_int_equal(update_decode(&ebgp4, B, len, &U, &R), BGP_ACT_OK);
	assert_int_equal(U.withdrawn.n, 3);
	assert_string_equal(pfx(&U.withdrawn.v[0]), "10.0.0.0/8");
	assert_string_equal(pfx(&U.withdrawn.v[1]), "192.0.2.0/24");
	assert_string_equal(pfx(&U.withdrawn.v[2]), "0.0.0.0/0");
	assert_string_equal(pfx(&U.nlri.v[0]), "192.0.2.1/32");
	assert_int_equal(U.attrs.as_path.n_segs, 0); /* empty path: fine */
	/* withdraw-only: no attributes needed */
	len = mk_update(B, wd, sizeof(wd), NULL, 0, NULL, 0);
	assert_int_equal(update_decode(&ebgp4, B, len, &U, &R), BGP_ACT_OK);
	assert_int_equal(U.withdrawn.n, 3);
	assert_false(U.end_of_rib);
	/* host bits inside the last octet: 10.1.255.0/20, 255.0.0.0/1, 10.1.2.255/31 */
	static const uint8_t wd2[] = {20, 10, 1, 255, 1, 255, 31, 10, 1, 2, 255};
	len = mk_update(B, wd2, sizeof(wd2), NULL, 0, NULL, 0);
	assert_int_equal(update_decode(&ebgp4, B, len, &U, &R), BGP_ACT_OK);
	assert_int_equal(U.withdrawn.n, 3);
	assert_string_equal(pfx(&U.withdrawn.v[0]), "10.1.240.0/20");
	assert_string_equal(pfx(&U.withdrawn.v[1]), "128.0.0.0/1");
	assert_string_equal(pfx(&U.withdrawn.v[2]), "10.1.2.254/31");
	for (unsigned i = 0; i < 3; i++) /* octets past the prefix stay zero */
		assert_int_equal(U.withdrawn.v[i].addr.bytes[4] | U.withdrawn.v[i].addr.bytes[15],
				 0);
}

/* --- UPDATE error handling (RFC 7606) --- */

#define A_ORIGIN  0x40, 1, 1, 0
#define A_ASPATH4 0x40, 2, 6, 2, 1, 0, 0, 0xfd, 0xe8
#define A_ASPATH2 0x40, 2, 4, 2, 1, 0xfd, 0xe8
#define A_NH	  0x40, 3, 4, 10, 0, 0, 1
#define A_BASE4	  A_ORIGIN, A_ASPATH4, A_NH
#define A_MPR6                                                                                     \
	0x80, 14, 26, 0, 2, 1, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0,  \
		32, 0x20, 0x01, 0x0d, 0xb8
#define ATTRS(...) .at = {__VA_ARGS__}, .alen = sizeof((uint8_t[]){__VA_ARGS__})

struct upd_case {
	const char *name;
	const struct bgp_session_params *sp;
	uint8_t at[96];
	size_t alen;
	bool no_nlri;
	enum bgp_action act;
	uint8_t sub;
	uint8_t code; /* attribute at fault */
};

static const struct bgp_session_params ebgp4_disable = {
	.as4 = true, .ebgp = true, .mp_error_disables_afi = true};

static const struct upd_case upd_cases[] = {
	{"valid", &ebgp4, ATTRS(A_BASE4), .act = BGP_ACT_OK},
	{"valid 2-octet", &ebgp2, ATTRS(A_ORIGIN, A_ASPATH2, A_NH), .act = BGP_ACT_OK},
	{"ORIGIN length 2", &ebgp4, ATTRS(0x40, 1, 2, 0, 0, A_ASPATH4, A_NH),
	 .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_ATTR_LEN, .code = 1},
	{"ORIGIN value 3", &ebgp4, ATTRS(0x40, 1, 1, 3, A_ASPATH4, A_NH),
	 .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_INVALID_ORIGIN, .code = 1},
	{"ORIGIN flags optional", &ebgp4, ATTRS(0xc0, 1, 1, 0, A_ASPATH4, A_NH),
	 .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_ATTR_FLAGS, .code = 1},
	{"AS_PATH segment overrun", &ebgp4,
	 ATTRS(A_ORIGIN, 0x40, 2, 6, 2, 2, 0, 0, 0xfd, 0xe8, A_NH),
	 .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_MALFORMED_AS_PATH, .code = 2},
	{"AS_PATH 2-octet path on 4-octet session", &ebgp4, ATTRS(A_ORIGIN, A_ASPATH2, A_NH),
	 .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_MALFORMED_AS_PATH, .code = 2},
	{"AS_PATH 4-octet path on 2-octet session", &ebgp2, ATTRS(A_ORIGIN, A_ASPATH4, A_NH),
	 .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_MALFORMED_AS_PATH, .code = 2},
	{"AS_PATH zero-length segment", &ebgp4, ATTRS(A_ORIGIN, 0x40, 2, 2, 2, 0, A_NH),
	 .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_MALFORMED_AS_PATH, .code = 2},
	{"AS_PATH segment type 5", &ebgp4,
	 ATTRS(A_ORIGIN, 0x40, 2, 6, 5, 1, 0, 0, 0xfd, 0xe8, A_NH),
	 .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_MALFORMED_AS_PATH, .code = 2},
	{"AS_PATH lone trailing octet", &ebgp4,
	 ATTRS(A_ORIGIN, 0x40, 2, 7, 2, 1, 0, 0, 0xfd, 0xe8, 2, A_NH),
	 .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_MALFORMED_AS_PATH, .code = 2},
	{"AS_PATH AS 0", &ebgp4, ATTRS(A_ORIGIN, 0x40, 2, 6, 2, 1, 0, 0, 0, 0, A_NH),
	 .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_MALFORMED_AS_PATH, .code = 2},
	{"AS_PATH confed from eBGP", &ebgp4,
	 ATTRS(A_ORIGIN, 0x40, 2, 6, 3, 1, 0, 0, 0xfd, 0xe8, A_NH),
	 .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_MALFORMED_AS_PATH, .code = 2},
	{"AS_PATH confed from iBGP", &ibgp4,
	 ATTRS(A_ORIGIN, 0x40, 2, 6, 3, 1, 0, 0, 0xfd, 0xe8, A_NH, 0x40, 5, 4, 0, 0, 0, 100),
	 .act = BGP_ACT_OK},
	{"AS_PATH AS_SET", &ebgp4,
	 ATTRS(A_ORIGIN, 0x40, 2, 16, 2, 1, 0, 0, 0xfd, 0xe8, 1, 2, 0, 0, 0, 1, 0, 0, 0, 2, A_NH),
	 .act = BGP_ACT_OK},
	{"NEXT_HOP length 5", &ebgp4, ATTRS(A_ORIGIN, A_ASPATH4, 0x40, 3, 5, 10, 0, 0, 1, 0),
	 .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_ATTR_LEN, .code = 3},
	{"NEXT_HOP 0.0.0.0", &ebgp4, ATTRS(A_ORIGIN, A_ASPATH4, 0x40, 3, 4, 0, 0, 0, 0),
	 .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_INVALID_NEXT_HOP, .code = 3},
	{"NEXT_HOP multicast", &ebgp4, ATTRS(A_ORIGIN, A_ASPATH4, 0x40, 3, 4, 224, 0, 0, 5),
	 .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_INVALID_NEXT_HOP, .code = 3},
	{"NEXT_HOP loopback", &ebgp4, ATTRS(A_ORIGIN, A_ASPATH4, 0x40, 3, 4, 127, 0, 0, 1),
	 .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_INVALID_NEXT_HOP, .code = 3},
	{"MED length 3", &ebgp4, ATTRS(A_BASE4, 0x80, 4, 3, 0, 0, 1),
	 .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_ATTR_LEN, .code = 4},
	{"MED flags transitive", &ebgp4, ATTRS(A_BASE4, 0xc0, 4, 4, 0, 0, 0, 1),
	 .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_ATTR_FLAGS, .code = 4},
	{"LOCAL_PREF from eBGP", &ebgp4, ATTRS(A_BASE4, 0x40, 5, 4, 0, 0, 0, 100),
	 .act = BGP_ACT_ATTR_DISCARD, .code = 5, .sub = BGP_SUB_ATTR_LEN},
	{"LOCAL_PREF from eBGP malformed", &ebgp4, ATTRS(A_BASE4, 0x40, 5, 1, 0),
	 .act = BGP_ACT_ATTR_DISCARD, .code = 5, .sub = BGP_SUB_ATTR_LEN},
	{"LOCAL_PREF from iBGP length 3", &ibgp4, ATTRS(A_BASE4, 0x40, 5, 3, 0, 0, 100),
	 .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_ATTR_LEN, .code = 5},
	{"LOCAL_PREF missing from iBGP", &ibgp4, ATTRS(A_BASE4), .act = BGP_ACT_TREAT_AS_WITHDRAW,
	 .sub = BGP_SUB_MISSING_WK_ATTR, .code = 5},
	{"ATOMIC_AGGREGATE length 1", &ebgp4, ATTRS(A_BASE4, 0x40, 6, 1, 0),
	 .act = BGP_ACT_ATTR_DISCARD, .sub = BGP_SUB_ATTR_LEN, .code = 6},
	{"ATOMIC_AGGREGATE", &ebgp4, ATTRS(A_BASE4, 0x40, 6, 0), .act = BGP_ACT_OK},
	{"AGGREGATOR length 6 on 4-octet", &ebgp4,
	 ATTRS(A_BASE4, 0xc0, 7, 6, 0xfd, 0xe8, 1, 2, 3, 4), .act = BGP_ACT_ATTR_DISCARD,
	 .sub = BGP_SUB_ATTR_LEN, .code = 7},
	{"AGGREGATOR length 8 on 2-octet", &ebgp2,
	 ATTRS(A_ORIGIN, A_ASPATH2, A_NH, 0xc0, 7, 8, 0, 0, 0xfd, 0xe8, 1, 2, 3, 4),
	 .act = BGP_ACT_ATTR_DISCARD, .sub = BGP_SUB_ATTR_LEN, .code = 7},
	{"AGGREGATOR AS 0", &ebgp4, ATTRS(A_BASE4, 0xc0, 7, 8, 0, 0, 0, 0, 1, 2, 3, 4),
	 .act = BGP_ACT_ATTR_DISCARD, .sub = BGP_SUB_OPT_ATTR, .code = 7},
	{"AGGREGATOR flags", &ebgp4, ATTRS(A_BASE4, 0x80, 7, 8, 0, 0, 0, 1, 1, 2, 3, 4),
	 .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_ATTR_FLAGS, .code = 7},
	{"COMMUNITIES length 0", &ebgp4, ATTRS(A_BASE4, 0xc0, 8, 0),
	 .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_OPT_ATTR, .code = 8},
	{"COMMUNITIES length 5", &ebgp4, ATTRS(A_BASE4, 0xc0, 8, 5, 1, 2, 3, 4, 5),
	 .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_OPT_ATTR, .code = 8},
	{"COMMUNITIES partial bit", &ebgp4, ATTRS(A_BASE4, 0xe0, 8, 4, 1, 2, 3, 4),
	 .act = BGP_ACT_OK},
	{"EXT_COMMUNITIES length 7", &ebgp4, ATTRS(A_BASE4, 0xc0, 16, 7, 0, 2, 0, 0, 0, 0, 1),
	 .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_OPT_ATTR, .code = 16},
	{"LARGE_COMMUNITY length 11", &ebgp4,
	 ATTRS(A_BASE4, 0xc0, 32, 11, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0),
	 .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_OPT_ATTR, .code = 32},
	{"ORIGINATOR_ID from eBGP", &ebgp4, ATTRS(A_BASE4, 0x80, 9, 4, 1, 2, 3, 4),
	 .act = BGP_ACT_ATTR_DISCARD, .sub = BGP_SUB_OPT_ATTR, .code = 9},
	{"CLUSTER_LIST from iBGP length 3", &ibgp4,
	 ATTRS(A_BASE4, 0x40, 5, 4, 0, 0, 0, 100, 0x80, 10, 3, 1, 2, 3),
	 .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_ATTR_LEN, .code = 10},
	{"AS4_PATH from a NEW speaker", &ebgp4, ATTRS(A_BASE4, 0xc0, 17, 6, 2, 1, 0, 1, 0, 0),
	 .act = BGP_ACT_ATTR_DISCARD, .sub = BGP_SUB_OPT_ATTR, .code = 17},
	{"AS4_PATH from an OLD speaker", &ebgp2,
	 ATTRS(A_ORIGIN, A_ASPATH2, A_NH, 0xc0, 17, 6, 2, 1, 0, 1, 0, 0), .act = BGP_ACT_OK},
	{"AS4_PATH malformed from OLD", &ebgp2,
	 ATTRS(A_ORIGIN, A_ASPATH2, A_NH, 0xc0, 17, 6, 2, 2, 0, 1, 0, 0),
	 .act = BGP_ACT_ATTR_DISCARD, .sub = BGP_SUB_OPT_ATTR, .code = 17},
	{"duplicate ORIGIN", &ebgp4, ATTRS(A_BASE4, 0x40, 1, 1, 2), .act = BGP_ACT_ATTR_DISCARD,
	 .sub = BGP_SUB_MALFORMED_ATTR_LIST, .code = 1},
	{"duplicate malformed COMMUNITIES", &ebgp4,
	 ATTRS(A_BASE4, 0xc0, 8, 4, 1, 2, 3, 4, 0xc0, 8, 1, 0), .act = BGP_ACT_ATTR_DISCARD,
	 .sub = BGP_SUB_MALFORMED_ATTR_LIST, .code = 8},
	{"duplicate MP_REACH", &ebgp4, ATTRS(A_ORIGIN, A_ASPATH4, A_MPR6, A_MPR6), .no_nlri = true,
	 .act = BGP_ACT_SESSION_RESET, .sub = BGP_SUB_MALFORMED_ATTR_LIST, .code = 14},
	{"duplicate MP_UNREACH", &ebgp4, ATTRS(0x80, 15, 3, 0, 2, 1, 0x80, 15, 3, 0, 2, 1),
	 .no_nlri = true, .act = BGP_ACT_SESSION_RESET, .sub = BGP_SUB_MALFORMED_ATTR_LIST,
	 .code = 15},
	{"unrecognized well-known", &ebgp4, ATTRS(A_BASE4, 0x40, 99, 1, 0),
	 .act = BGP_ACT_SESSION_RESET, .sub = BGP_SUB_UNRECOGNIZED_WK_ATTR, .code = 99},
	{"unknown optional transitive", &ebgp4, ATTRS(A_BASE4, 0xc0, 99, 2, 1, 2),
	 .act = BGP_ACT_OK},
	{"unknown optional non-transitive", &ebgp4, ATTRS(A_BASE4, 0x80, 99, 2, 1, 2),
	 .act = BGP_ACT_OK},
	{"attribute overruns attributes", &ebgp4, ATTRS(A_BASE4, 0xc0, 8, 8, 1, 2, 3, 4),
	 .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_ATTR_LEN, .code = 8},
	{"attribute header cut", &ebgp4, ATTRS(A_BASE4, 0xc0, 8), .act = BGP_ACT_TREAT_AS_WITHDRAW,
	 .sub = BGP_SUB_ATTR_LEN, .code = 8},
	{"extended length cut", &ebgp4, ATTRS(A_BASE4, 0xd0, 8, 0),
	 .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_ATTR_LEN, .code = 8},
	{"MP_REACH overruns attributes", &ebgp4, ATTRS(A_ORIGIN, A_ASPATH4, 0x80, 14, 40, 0, 2, 1),
	 .no_nlri = true, .act = BGP_ACT_SESSION_RESET, .sub = BGP_SUB_ATTR_LEN, .code = 14},
	{"missing NEXT_HOP", &ebgp4, ATTRS(A_ORIGIN, A_ASPATH4), .act = BGP_ACT_TREAT_AS_WITHDRAW,
	 .sub = BGP_SUB_MISSING_WK_ATTR, .code = 3},
	{"missing ORIGIN", &ebgp4, ATTRS(A_ASPATH4, A_NH), .act = BGP_ACT_TREAT_AS_WITHDRAW,
	 .sub = BGP_SUB_MISSING_WK_ATTR, .code = 1},
	{"missing AS_PATH with MP_REACH", &ebgp4, ATTRS(A_ORIGIN, A_MPR6), .no_nlri = true,
	 .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_MISSING_WK_ATTR, .code = 2},
	{"MP_REACH without NEXT_HOP", &ebgp4, ATTRS(A_ORIGIN, A_ASPATH4, A_MPR6), .no_nlri = true,
	 .act = BGP_ACT_OK},
	{"MP_REACH prefix /129", &ebgp4,
	 ATTRS(A_ORIGIN, A_ASPATH4, 0x80, 14, 22, 0, 2, 1, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	       0, 0, 0, 0, 0, 0, 0, 1, 0, 129),
	 .no_nlri = true, .act = BGP_ACT_SESSION_RESET, .sub = BGP_SUB_OPT_ATTR, .code = 14},
	{"MP_REACH prefix /129, AFI disable allowed", &ebgp4_disable,
	 ATTRS(A_ORIGIN, A_ASPATH4, 0x80, 14, 22, 0, 2, 1, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	       0, 0, 0, 0, 0, 0, 0, 1, 0, 129),
	 .no_nlri = true, .act = BGP_ACT_AFI_SAFI_DISABLE, .sub = BGP_SUB_OPT_ATTR, .code = 14},
	{"MP_REACH prefix cut", &ebgp4,
	 ATTRS(A_ORIGIN, A_ASPATH4, 0x80, 14, 23, 0, 2, 1, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	       0, 0, 0, 0, 0, 0, 0, 1, 0, 32, 0x20),
	 .no_nlri = true, .act = BGP_ACT_SESSION_RESET, .sub = BGP_SUB_OPT_ATTR, .code = 14},
	{"MP_REACH next hop length 8", &ebgp4,
	 ATTRS(A_ORIGIN, A_ASPATH4, 0x80, 14, 18, 0, 2, 1, 8, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0,
	       32, 0x20, 0x01, 0x0d, 0xb8),
	 .no_nlri = true, .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_OPT_ATTR, .code = 14},
	{"MP_REACH next hop ::", &ebgp4,
	 ATTRS(A_ORIGIN, A_ASPATH4, 0x80, 14, 26, 0, 2, 1, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	       0, 0, 0, 0, 0, 32, 0x20, 0x01, 0x0d, 0xb8),
	 .no_nlri = true, .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_OPT_ATTR, .code = 14},
	{"MP_REACH header cut", &ebgp4, ATTRS(A_ORIGIN, A_ASPATH4, 0x80, 14, 3, 0, 2, 1),
	 .no_nlri = true, .act = BGP_ACT_SESSION_RESET, .sub = BGP_SUB_OPT_ATTR, .code = 14},
	{"MP_REACH flags transitive", &ebgp4,
	 ATTRS(A_ORIGIN, A_ASPATH4, 0xc0, 14, 26, 0, 2, 1, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	       0, 0, 0, 0, 0, 0, 0, 1, 0, 32, 0x20, 0x01, 0x0d, 0xb8),
	 .no_nlri = true, .act = BGP_ACT_TREAT_AS_WITHDRAW, .sub = BGP_SUB_ATTR_FLAGS, .code = 14},
	{"MP_REACH unknown AFI", &ebgp4, ATTRS(A_BASE4, 0x80, 14, 9, 0, 25, 65, 4, 1, 2, 3, 4, 0),
	 .act = BGP_ACT_ATTR_DISCARD, .sub = BGP_SUB_OPT_ATTR, .code = 14},
	{"MP_UNREACH prefix /200", &ebgp4, ATTRS(0x80, 15, 5, 0, 2, 1, 200, 0), .no_nlri = true,
	 .act = BGP_ACT_SESSION_RESET, .sub = BGP_SUB_OPT_ATTR, .code = 15},
	{"MP_REACH IPv4 unicast", &ebgp4,
	 ATTRS(A_ORIGIN, A_ASPATH4, 0x80, 14, 13, 0, 1, 1, 4, 10, 0, 0, 2, 0, 24, 198, 51, 100),
	 .no_nlri = true, .act = BGP_ACT_OK},
};

static void update_rfc7606_cases(void **state)
{
	static const uint8_t nlri[] = {24, 198, 51, 100};

	(void)state;
	for (size_t i = 0; i < sizeof(upd_cases) / sizeof(upd_cases[0]); i++) {
		const struct upd_case *c = &upd_cases[i];
		size_t len =
			mk_update(B, NULL, 0, c->at, c->alen, nlri, c->no_nlri ? 0 : sizeof(nlri));
		enum bgp_action act = update_decode(c->sp, B, len, &U, &R);

		if (act != c->act || R.action != act ||
		    (act != BGP_ACT_OK && (R.err.code != BGP_ERR_UPDATE ||
					   R.err.subcode != c->sub || R.attr_code != c->code)))
			fail_msg("%s: got %s %u/%u attr %u", c->name, bgp_action_name(act),
				 R.err.code, R.err.subcode, R.attr_code);
		if (!c->no_nlri && act != BGP_ACT_SESSION_RESET)
			assert_int_equal(U.nlri.n, 1); /* what treat-as-withdraw withdraws */
	}
}

static void update_rfc7606_details(void **state)
{
	static const uint8_t nlri[] = {24, 198, 51, 100};
	uint8_t at[] = {A_BASE4, 0xc0, 1, 1, 0};
	size_t len;

	(void)state;
	/* RFC 4271 6.3: a flags error carries the whole attribute */
	at[0] = 0xc0;
	len = mk_update(B, NULL, 0, at, sizeof(at) - 4, nlri, sizeof(nlri));
	assert_int_equal(update_decode(&ebgp4, B, len, &U, &R), BGP_ACT_TREAT_AS_WITHDRAW);
	assert_int_equal(R.err.data_len, 4);
	assert_memory_equal(R.err.data, at, 4);
	/* a missing attribute's data is its type code */
	len = mk_update(B, NULL, 0, at + 4, 9, nlri, sizeof(nlri));
	assert_int_equal(update_decode(&ebgp4, B, len, &U, &R), BGP_ACT_TREAT_AS_WITHDRAW);
	assert_int_equal(R.err.subcode, BGP_SUB_MISSING_WK_ATTR);
	assert_int_equal(R.err.data_len, 1);
	assert_int_equal(R.err.data[0], BGP_ATTR_ORIGIN);
	/* a duplicate keeps the first; discard and treat-as-withdraw both show */
	{
		uint8_t dup[] = {A_BASE4, 0x40, 1, 1, 2, 0x40, 6, 1, 0, 0x80, 4, 1, 0};

		len = mk_update(B, NULL, 0, dup, sizeof(dup), nlri, sizeof(nlri));
		assert_int_equal(update_decode(&ebgp4, B, len, &U, &R), BGP_ACT_TREAT_AS_WITHDRAW);
		assert_int_equal(U.attrs.origin, BGP_ORIGIN_IGP);
		assert_true(R.actions & (1u << BGP_ACT_ATTR_DISCARD));
		assert_true(R.actions & (1u << BGP_ACT_TREAT_AS_WITHDRAW));
		assert_int_equal(R.n_discarded, 2);
		assert_true(R.discarded[0] & (1u << BGP_ATTR_ATOMIC_AGGREGATE));
		assert_false(bgp_attr_present(&U.attrs, BGP_ATTR_ATOMIC_AGGREGATE));
		assert_int_equal(R.attr_code, BGP_ATTR_MED);
	}
	/* unknown optional transitive: kept, Partial set; non-transitive: gone */
	{
		uint8_t unk[] = {A_BASE4, 0xc0, 99, 2, 1, 2, 0x80, 98, 1, 7};
		char buf[256];

		len = mk_update(B, NULL, 0, unk, sizeof(unk), nlri, sizeof(nlri));
		assert_int_equal(update_decode(&ebgp4, B, len, &U, &R), BGP_ACT_OK);
		assert_int_equal(U.attrs.n_raw, 1);
		assert_int_equal(U.attrs.raw[0].code, 99);
		assert_int_equal(U.attrs.raw[0].flags, 0xe0);
		assert_int_equal(U.attrs.raw[0].len, 2);
		assert_memory_equal(U.attrs.raw[0].data, "\x01\x02", 2);
		bgp_attrs_format(&U.attrs, buf, sizeof(buf));
		assert_string_equal(buf, "origin igp as-path 65000 next-hop 10.0.0.1 "
					 "attr-99 (2 octets, flags 0xe0)");
	}
	/* the AFI/SAFI to disable is reported */
	{
		static const uint8_t bad[] = {A_ORIGIN, A_ASPATH4, 0x80, 15, 5, 0, 2, 1, 129, 0};

		len = mk_update(B, NULL, 0, bad, sizeof(bad), NULL, 0);
		assert_int_equal(update_decode(&ebgp4_disable, B, len, &U, &R),
				 BGP_ACT_AFI_SAFI_DISABLE);
		assert_int_equal(R.afi, BGP_AFI_IPV6);
		assert_int_equal(R.safi, BGP_SAFI_UNICAST);
	}
}

static void update_framing_errors(void **state)
{
	static const uint8_t at[] = {A_BASE4};
	static const struct {
		const char *name;
		uint8_t nlri[8];
		size_t nlen;
		uint8_t sub;
	} cases[] = {
		{"prefix /33", {33, 1, 2, 3, 4, 5}, 6, BGP_SUB_INVALID_NETWORK},
		{"prefix cut", {24, 198, 51}, 3, BGP_SUB_INVALID_NETWORK},
		{"prefix /255", {255}, 1, BGP_SUB_INVALID_NETWORK},
	};
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = mk_update(B, NULL, 0, at, sizeof(at), cases[i].nlri, cases[i].nlen);
		assert_int_equal(update_decode(&ebgp4, B, len, &U, &R), BGP_ACT_SESSION_RESET);
		assert_int_equal(R.err.subcode, cases[i].sub);
		/* the same in the Withdrawn Routes field */
		len = mk_update(B, cases[i].nlri, cases[i].nlen, NULL, 0, NULL, 0);
		assert_int_equal(update_decode(&ebgp4, B, len, &U, &R), BGP_ACT_SESSION_RESET);
		assert_int_equal(R.err.subcode, cases[i].sub);
	}
	/* RFC 4271 6.3: Withdrawn Routes Length overrunning the message */
	len = mk_update(B, NULL, 0, at, sizeof(at), NULL, 0);
	B[20] = 200;
	assert_int_equal(update_decode(&ebgp4, B, len, &U, &R), BGP_ACT_SESSION_RESET);
	assert_int_equal(R.err.subcode, BGP_SUB_MALFORMED_ATTR_LIST);
	/* Total Attribute Length overrunning the message */
	len = mk_update(B, NULL, 0, at, sizeof(at), NULL, 0);
	B[22] = (uint8_t)(sizeof(at) + 1);
	assert_int_equal(update_decode(&ebgp4, B, len, &U, &R), BGP_ACT_SESSION_RESET);
	assert_int_equal(R.err.code, BGP_ERR_UPDATE);
	assert_int_equal(R.err.subcode, BGP_SUB_MALFORMED_ATTR_LIST);
}

static void update_as_path_bounds(void **state)
{
	/* 300 one-ASN segments: beyond BGP_AS_PATH_MAX_SEGS */
	static uint8_t at[4 + 9 + 7 + 4 + 300 * 6];
	static const uint8_t nlri[] = {24, 198, 51, 100};
	size_t n = 0, len;

	(void)state;
	at[n++] = 0x40, at[n++] = 1, at[n++] = 1, at[n++] = 0;
	at[n++] = 0x40, at[n++] = 3, at[n++] = 4, at[n++] = 10, at[n++] = 0, at[n++] = 0,
	at[n++] = 1;
	at[n++] = 0x50, at[n++] = 2, at[n++] = (300 * 6) >> 8, at[n++] = (300 * 6) & 0xff;
	for (int i = 0; i < 300; i++) {
		at[n++] = BGP_AS_SEQUENCE, at[n++] = 1;
		at[n++] = 0, at[n++] = 0, at[n++] = 0xfd, at[n++] = 0xe8;
	}
	len = mk_update(B, NULL, 0, at, n, nlri, sizeof(nlri));
	assert_int_equal(update_decode(&ebgp4, B, len, &U, &R), BGP_ACT_TREAT_AS_WITHDRAW);
	assert_int_equal(R.err.subcode, BGP_SUB_MALFORMED_AS_PATH);
	/* 255 segments fit */
	at[13] = (255 * 6) >> 8;
	at[14] = (255 * 6) & 0xff;
	len = mk_update(B, NULL, 0, at, 15 + 255 * 6, nlri, sizeof(nlri));
	assert_int_equal(update_decode(&ebgp4, B, len, &U, &R), BGP_ACT_OK);
	assert_int_equal(U.attrs.as_path.n_segs, 255);
	assert_int_equal(U.attrs.as_path.n_asns, 255);
}

static void update_max_prefixes(void **state)
{
	/* a message full of /0 withdrawals: one octet each */
	size_t n = BGP_MAX_LEN - BGP_UPDATE_MIN_LEN, len;

	(void)state;
	memset(B2, 0, n);
	len = mk_update(B, B2, n, NULL, 0, NULL, 0);
	assert_int_equal(len, BGP_MAX_LEN);
	assert_int_equal(update_decode(&ebgp4, B, len, &U, &R), BGP_ACT_OK);
	assert_int_equal(U.withdrawn.n, BGP_UPDATE_MAX_PREFIXES);
}

/* --- UPDATE encode --- */

static void check_same_prefixes(const struct bgp_prefixes *a, const struct prefix *b, size_t n)
{
	assert_int_equal(a->n, n);
	for (size_t i = 0; i < n; i++)
		assert_true(prefix_equal(&a->v[i], &b[i]));
}

static void update_round_trip(void **state)
{
	const struct bgp_session_params *modes[] = {&ebgp4, &ebgp2, &ibgp4};
	struct prefix a4[] = {P("192.0.2.0/24"), P("198.51.100.128/25"), P("10.0.0.1/32")};
	struct prefix w4[] = {P("203.0.113.0/24")};
	struct prefix a6[] = {P("2001:db8:100::/48"), P("2001:db8:1::1/128"), P("::/0")};
	struct prefix w6[] = {P("2001:db8:dead::/48")};
	struct ip_addr nh4 = A("192.0.2.254"), nh6 = A("2001:db8::fe"), ll = A("fe80::1");
	static struct bgp_attrs attrs;

	(void)state;
	for (size_t m = 0; m < 3; m++) {
		const struct bgp_session_params *sp = modes[m];
		struct bgp_update_out out = {
			.withdraw4 = {w4, 1},
			.announce4 = {a4, 3},
			.withdraw6 = {w6, 1},
			.announce6 = {a6, 3},
			.attrs = &attrs,
		};
		int len;

		bgp_attrs_init_local(&attrs, sp, 4200000123u, &nh4, &nh6, &ll);
		len = bgp_update_encode(sp, B, sizeof(B), &out);
		assert_true(len > 0);
		assert_int_equal(update_decode(sp, B, (size_t)len, &U, &R), BGP_ACT_OK);
		check_same_prefixes(&U.withdrawn, w4, 1);
		check_same_prefixes(&U.nlri, a4, 3);
		check_same_prefixes(&U.attrs.mp_reach.nlri, a6, 3);
		check_same_prefixes(&U.attrs.mp_unreach.withdrawn, w6, 1);
		assert_int_equal(U.attrs.origin, BGP_ORIGIN_IGP);
		assert_true(ip_addr_v4_host(&U.attrs.nexthop) == 0xc00002fe);
		assert_memory_equal(U.attrs.mp_reach.nexthop.bytes, nh6.bytes, 16);
		assert_memory_equal(U.attrs.mp_reach.nexthop_ll.bytes, ll.bytes, 16);
		if (sp->ebgp) {
			assert_int_equal(U.attrs.as_path.n_asns, 1);
			assert_false(bgp_attr_present(&U.attrs, BGP_ATTR_LOCAL_PREF));
		} else {
			assert_int_equal(U.attrs.as_path.n_asns, 0);
			assert_int_equal(U.attrs.local_pref, 100);
		}
		if (sp == &ebgp4)
			assert_int_equal(U.attrs.as_path.asns[0], 4200000123u);
		if (sp == &ebgp2) {
			/* RFC 6793 4.2.2: AS_TRANS in AS_PATH, the truth in AS4_PATH */
			assert_int_equal(U.attrs.as_path.asns[0], BGP_AS_TRANS);
			assert_int_equal(U.attrs.n_raw, 1);
			assert_int_equal(U.attrs.raw[0].code, BGP_ATTR_AS4_PATH);
			assert_memory_equal(U.attrs.raw[0].data, "\x02\x01\xfa\x56\xea\x7b", 6);
		}
		/* RFC 7606 5.1: MP_UNREACH then MP_REACH come first */
		assert_int_equal(B[BGP_HDR_LEN + 2 + 4 + 2 + 1], BGP_ATTR_MP_UNREACH);
	}
}

static void update_reencode_bird(void **state)
{
	struct bgp_update_out out = {.attrs = &U.attrs};
	int len;

	(void)state;
	/* BIRD orders and sizes attributes as we do: byte-identical */
	assert_int_equal(update_decode(&ebgp4, bird_update4, sizeof(bird_update4), &U, &R),
			 BGP_ACT_OK);
	out.announce4 = U.nlri;
	len = bgp_update_encode(&ebgp4, B, sizeof(B), &out);
	assert_int_equal(len, (int)sizeof(bird_update4));
	assert_memory_equal(B, bird_update4, sizeof(bird_update4));
	/* GoBGP's (MED, COMMUNITIES) as well */
	assert_int_equal(update_decode(&ebgp4, gobgp_update4, sizeof(gobgp_update4), &U, &R),
			 BGP_ACT_OK);
	out.announce4 = U.nlri;
	len = bgp_update_encode(&ebgp4, B, sizeof(B), &out);
	assert_int_equal(len, (int)sizeof(gobgp_update4));
	assert_memory_equal(B, gobgp_update4, sizeof(gobgp_update4));
	/* GoBGP's IPv6 one: same content, one octet shorter (we put MP_REACH first) */
	assert_int_equal(update_decode(&ebgp4, gobgp_update6, sizeof(gobgp_update6), &U, &R),
			 BGP_ACT_OK);
	out.announce4 = (struct bgp_prefixes){0};
	out.announce6 = U.attrs.mp_reach.nlri;
	len = bgp_update_encode(&ebgp4, B, sizeof(B), &out);
	assert_int_equal(len, (int)sizeof(gobgp_update6));
	assert_int_equal(update_decode(&ebgp4, B, (size_t)len, &U2, &R), BGP_ACT_OK);
	check_same_prefixes(&U2.attrs.mp_reach.nlri, U.attrs.mp_reach.nlri.v, 1);
}

static void update_encode_limits(void **state)
{
	static struct prefix many[1200];
	static struct bgp_attrs attrs;
	struct ip_addr nh4 = A("192.0.2.254");
	struct bgp_update_out out = {.attrs = &attrs};
	struct prefix v6 = P("2001:db8::/32");

	(void)state;
	for (size_t i = 0; i < 1200; i++) {
		many[i] = P("10.0.0.0/24");
		many[i].addr.bytes[1] = (uint8_t)(i >> 8);
		many[i].addr.bytes[2] = (uint8_t)i;
	}
	bgp_attrs_init_local(&attrs, &ebgp4, 65000, &nh4, NULL, NULL);
	out.announce4 = (struct bgp_prefixes){many, 1200};
	assert_int_equal(bgp_update_encode(&ebgp4, B, sizeof(B), &out), -EMSGSIZE);
	out.announce4.n = 1000;
	assert_true(bgp_update_encode(&ebgp4, B, sizeof(B), &out) > 0);
	assert_int_equal(bgp_update_encode(&ebgp4, B, 100, &out), -EMSGSIZE);
	/* IPv6 without a next hop, or an IPv6 prefix in the IPv4 list */
	out.announce4.n = 0;
	out.announce6 = (struct bgp_prefixes){&v6, 1};
	assert_int_equal(bgp_update_encode(&ebgp4, B, sizeof(B), &out), -EINVAL);
	out.announce6.n = 0;
	out.withdraw4 = (struct bgp_prefixes){&v6, 1};
	assert_int_equal(bgp_update_encode(&ebgp4, B, sizeof(B), &out), -EINVAL);
	/* withdraw-only needs no attributes */
	out.withdraw4 = (struct bgp_prefixes){many, 3};
	out.attrs = NULL;
	assert_int_equal(bgp_update_encode(&ebgp4, B, sizeof(B), &out), 23 + 12);
	/* nothing at all: that is an End-of-RIB, not ours to guess */
	out.withdraw4.n = 0;
	assert_int_equal(bgp_update_encode(&ebgp4, B, sizeof(B), &out), -EINVAL);
}

/* --- robustness --- */

static const struct {
	const uint8_t *p;
	size_t len;
} seeds[] = {
	{bird_open, sizeof(bird_open)},		{bird_update4, sizeof(bird_update4)},
	{bird_eor4, sizeof(bird_eor4)},		{bird_update6, sizeof(bird_update6)},
	{bird_eor6, sizeof(bird_eor6)},		{gobgp_open, sizeof(gobgp_open)},
	{gobgp_update6, sizeof(gobgp_update6)}, {gobgp_update4, sizeof(gobgp_update4)},
};

static size_t total_prefixes(const struct bgp_update *u)
{
	return u->withdrawn.n + u->nlri.n + u->attrs.mp_reach.nlri.n +
	       u->attrs.mp_unreach.withdrawn.n;
}

static void update_truncated_everywhere(void **state)
{
	(void)state;
	for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
		size_t full = seeds[s].len, orig;
		struct bgp_msg m;

		if (seeds[s].p[18] != BGP_UPDATE || full == BGP_UPDATE_MIN_LEN)
			continue;
		assert_int_equal(update_decode(&ebgp4, seeds[s].p, full, &U2, &R), BGP_ACT_OK);
		orig = total_prefixes(&U2);
		for (size_t len = 0; len < full; len++) {
			enum bgp_action act;

			/* as the stream delivers it: not a message yet */
			assert_int_equal(bgp_msg_parse(seeds[s].p, len, &m, &E), -EAGAIN);
			if (len < BGP_UPDATE_MIN_LEN)
				continue;
			/* with the length field claiming the cut: an error, or
			 * (cut between prefixes) fewer prefixes */
			memcpy(B, seeds[s].p, len);
			B[16] = (uint8_t)(len >> 8);
			B[17] = (uint8_t)len;
			act = update_decode(&ebgp4, B, len, &U, &R);
			if (act == BGP_ACT_OK)
				assert_true(total_prefixes(&U) < orig);
			else
				assert_int_equal(act, BGP_ACT_SESSION_RESET);
		}
	}
}

/* xorshift32: the same sequence on every run */
static uint32_t rng(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Decodes whatever the bytes are with every decoder; an UPDATE that decodes
 * cleanly must encode and decode again to the same prefixes. */
static unsigned n_outcome[BGP_ACT_SESSION_RESET + 2]; /* last: not an UPDATE */

static void decode_all(const uint8_t *buf, size_t len, const struct bgp_session_params *sp)
{
	struct bgp_notification n;
	struct bgp_route_refresh rr;
	struct bgp_open o;
	struct bgp_msg m;
	char fmt[512];
	int rc;

	if (bgp_msg_parse(buf, len, &m, &E) <= 0)
		return;
	bgp_open_decode(&m, &o, &E);
	bgp_notification_decode(&m, &n, &E);
	bgp_route_refresh_decode(&m, &rr, &E);
	n_outcome[m.type == BGP_UPDATE ? bgp_update_decode(sp, &m, &U, &R)
				       : BGP_ACT_SESSION_RESET + 1]++;
	if (m.type != BGP_UPDATE || R.action != BGP_ACT_OK)
		return;
	bgp_attrs_format(&U.attrs, fmt, sizeof(fmt));
	if (total_prefixes(&U) == 0)
		return;
	if (U.attrs.mp_reach.nlri.n > 0 && U.attrs.mp_reach.afi != BGP_AFI_IPV6)
		return;
	if (U.attrs.mp_unreach.withdrawn.n > 0 && U.attrs.mp_unreach.afi != BGP_AFI_IPV6)
		return;
	{
		struct bgp_update_out out = {
			.withdraw4 = U.withdrawn,
			.announce4 = U.nlri,
			.withdraw6 = U.attrs.mp_unreach.withdrawn,
			.announce6 = U.attrs.mp_reach.nlri,
			.attrs = &U.attrs,
		};

		rc = bgp_update_encode(sp, B2, sizeof(B2), &out);
		assert_true(rc > 0);
		assert_int_equal(update_decode(sp, B2, (size_t)rc, &U2, &R2), BGP_ACT_OK);
		assert_int_equal(total_prefixes(&U2), total_prefixes(&U));
	}
}

static void mutation_loop(void **state)
{
	static uint8_t buf[BGP_MAX_LEN];
	uint32_t seed = 0x5eed1234;

	(void)state;
	for (int iter = 0; iter < 10000; iter++) {
		size_t s = rng(&seed) % (sizeof(seeds) / sizeof(seeds[0]));
		size_t len = seeds[s].len;
		unsigned nmut = 1 + rng(&seed) % 4;

		memcpy(buf, seeds[s].p, len);
		for (unsigned k = 0; k < nmut; k++) {
			uint32_t r = rng(&seed);
			size_t pos = BGP_HDR_LEN + r % (len - BGP_HDR_LEN + (len == BGP_HDR_LEN));

			if (pos >= len)
				pos = len - 1;
			switch ((r >> 16) % 5) {
			case 0: /* flip a bit */
				buf[pos] ^= (uint8_t)(1u << ((r >> 24) % 8));
				break;
			case 1: /* any byte */
				buf[pos] = (uint8_t)(r >> 24);
				break;
			case 2: /* a boundary value */
				buf[pos] = (r >> 24) & 1 ? 0xff : 0;
				break;
			case 3: /* cut */
				len = pos > BGP_HDR_LEN ? pos : len;
				break;
			default: /* grow with junk */
				if (len < sizeof(buf) - 8)
					for (int j = 0; j < 8; j++)
						buf[len++] = (uint8_t)rng(&seed);
				break;
			}
		}
		buf[16] = (uint8_t)(len >> 8);
		buf[17] = (uint8_t)len;
		decode_all(buf, len, &ebgp4);
		decode_all(buf, len, &ebgp2);
		decode_all(buf, len, &ibgp4);
	}
	/* the mutations reach every outcome */
	for (int a = 0; a <= BGP_ACT_SESSION_RESET + 1; a++) {
		print_message("%s: %u\n", a <= BGP_ACT_SESSION_RESET ? bgp_action_name(a) : "other",
			      n_outcome[a]);
		if (a != BGP_ACT_AFI_SAFI_DISABLE)
			assert_true(n_outcome[a] > 50);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buf_reader_bounds),
		cmocka_unit_test(buf_writer_bounds),
		cmocka_unit_test(header_valid_and_partial),
		cmocka_unit_test(header_errors),
		cmocka_unit_test(open_bird),
		cmocka_unit_test(open_gobgp),
		cmocka_unit_test(open_round_trip),
		cmocka_unit_test(open_errors),
		cmocka_unit_test(open_ext_params),
		cmocka_unit_test(open_truncated),
		cmocka_unit_test(notification_round_trip),
		cmocka_unit_test(names),
		cmocka_unit_test(route_refresh),
		cmocka_unit_test(update_bird4),
		cmocka_unit_test(update_bird6),
		cmocka_unit_test(update_gobgp),
		cmocka_unit_test(update_end_of_rib),
		cmocka_unit_test(update_withdrawn_and_host_bits),
		cmocka_unit_test(update_rfc7606_cases),
		cmocka_unit_test(update_rfc7606_details),
		cmocka_unit_test(update_framing_errors),
		cmocka_unit_test(update_as_path_bounds),
		cmocka_unit_test(update_max_prefixes),
		cmocka_unit_test(update_round_trip),
		cmocka_unit_test(update_reencode_bird),
		cmocka_unit_test(update_encode_limits),
		cmocka_unit_test(update_truncated_everywhere),
		cmocka_unit_test(mutation_loop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
