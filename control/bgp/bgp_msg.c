/* SPDX-License-Identifier: BSD-3-Clause */
/* BGP message framing, OPEN, KEEPALIVE, NOTIFICATION and ROUTE-REFRESH.
 * UPDATE lives in bgp_update.c. */
#include <errno.h>
#include <string.h>

#include "bgp_buf.h"
#include "bgp_msg.h"

void bgp_err_set(struct bgp_err *err, uint8_t code, uint8_t subcode, const void *data,
		 size_t data_len)
{
	if (data_len > sizeof(err->data))
		data_len = sizeof(err->data);
	err->code = code;
	err->subcode = subcode;
	err->data_len = (uint16_t)data_len;
	if (data_len > 0)
		memcpy(err->data, data, data_len);
}

static int fail(struct bgp_err *err, uint8_t code, uint8_t subcode, const void *data,
		size_t data_len)
{
	bgp_err_set(err, code, subcode, data, data_len);
	return -EBADMSG;
}

/* --- names, for logs --- */

const char *bgp_type_name(uint8_t type)
{
	static const char *const names[] = {
		[BGP_OPEN] = "OPEN",
		[BGP_UPDATE] = "UPDATE",
		[BGP_NOTIFICATION] = "NOTIFICATION",
		[BGP_KEEPALIVE] = "KEEPALIVE",
		[BGP_ROUTE_REFRESH] = "ROUTE-REFRESH",
	};

	if (type < sizeof(names) / sizeof(names[0]) && names[type])
		return names[type];
	return "unknown";
}

const char *bgp_err_code_name(uint8_t code)
{
	static const char *const names[] = {
		[BGP_ERR_HEADER] = "message header error",
		[BGP_ERR_OPEN] = "OPEN message error",
		[BGP_ERR_UPDATE] = "UPDATE message error",
		[BGP_ERR_HOLD] = "hold timer expired",
		[BGP_ERR_FSM] = "finite state machine error",
		[BGP_ERR_CEASE] = "cease",
		[BGP_ERR_ROUTE_REFRESH] = "ROUTE-REFRESH message error",
		[BGP_ERR_SEND_HOLD] = "send hold timer expired",
	};

	if (code < sizeof(names) / sizeof(names[0]) && names[code])
		return names[code];
	return "unknown error";
}

const char *bgp_err_subcode_name(uint8_t code, uint8_t subcode)
{
	static const char *const header[] = {
		[BGP_SUB_CONN_NOT_SYNC] = "connection not synchronized",
		[BGP_SUB_BAD_MSG_LEN] = "bad message length",
		[BGP_SUB_BAD_MSG_TYPE] = "bad message type",
	};
	static const char *const open[] = {
		[BGP_SUB_UNSUP_VERSION] = "unsupported version number",
		[BGP_SUB_BAD_PEER_AS] = "bad peer AS",
		[BGP_SUB_BAD_BGP_ID] = "bad BGP identifier",
		[BGP_SUB_UNSUP_OPT_PARAM] = "unsupported optional parameter",
		[5] = "authentication failure (deprecated)",
		[BGP_SUB_UNACCEPTABLE_HOLD] = "unacceptable hold time",
		[BGP_SUB_UNSUP_CAPABILITY] = "unsupported capability",
		[BGP_SUB_ROLE_MISMATCH] = "role mismatch",
	};
	static const char *const update[] = {
		[BGP_SUB_MALFORMED_ATTR_LIST] = "malformed attribute list",
		[BGP_SUB_UNRECOGNIZED_WK_ATTR] = "unrecognized well-known attribute",
		[BGP_SUB_MISSING_WK_ATTR] = "missing well-known attribute",
		[BGP_SUB_ATTR_FLAGS] = "attribute flags error",
		[BGP_SUB_ATTR_LEN] = "attribute length error",
		[BGP_SUB_INVALID_ORIGIN] = "invalid ORIGIN attribute",
		[7] = "AS routing loop (deprecated)",
		[BGP_SUB_INVALID_NEXT_HOP] = "invalid NEXT_HOP attribute",
		[BGP_SUB_OPT_ATTR] = "optional attribute error",
		[BGP_SUB_INVALID_NETWORK] = "invalid network field",
		[BGP_SUB_MALFORMED_AS_PATH] = "malformed AS_PATH",
	};
	static const char *const cease[] = {
		[BGP_SUB_MAX_PREFIXES] = "maximum number of prefixes reached",
		[BGP_SUB_ADMIN_SHUTDOWN] = "administrative shutdown",
		[BGP_SUB_PEER_DECONFIGURED] = "peer de-configured",
		[BGP_SUB_ADMIN_RESET] = "administrative reset",
		[BGP_SUB_CONN_REJECTED] = "connection rejected",
		[BGP_SUB_OTHER_CONFIG_CHANGE] = "other configuration change",
		[BGP_SUB_CONN_COLLISION] = "connection collision resolution",
		[BGP_SUB_OUT_OF_RESOURCES] = "out of resources",
		[BGP_SUB_HARD_RESET] = "hard reset",
		[BGP_SUB_BFD_DOWN] = "BFD down",
	};
	static const char *const rr[] = {
		[BGP_SUB_RR_INVALID_LEN] = "invalid message length",
	};
	static const struct {
		const char *const *names;
		size_t n;
	} tables[] = {
#define T(a) {a, sizeof(a) / sizeof(a[0])}
		[BGP_ERR_HEADER] = T(header),	 [BGP_ERR_OPEN] = T(open),
		[BGP_ERR_UPDATE] = T(update),	 [BGP_ERR_CEASE] = T(cease),
		[BGP_ERR_ROUTE_REFRESH] = T(rr),
#undef T
	};

	if (subcode == BGP_SUB_UNSPECIFIC)
		return "unspecific";
	if (code < sizeof(tables) / sizeof(tables[0]) && subcode < tables[code].n &&
	    tables[code].names[subcode])
		return tables[code].names[subcode];
	return "unknown subcode";
}

/* --- framing --- */

int bgp_msg_parse(const uint8_t *buf, size_t len, struct bgp_msg *m, struct bgp_err *err)
{
	static const uint16_t min_len[] = {
		[BGP_OPEN] = BGP_OPEN_MIN_LEN,
		[BGP_UPDATE] = BGP_UPDATE_MIN_LEN,
		[BGP_NOTIFICATION] = BGP_NOTIFICATION_MIN_LEN,
		[BGP_KEEPALIVE] = BGP_KEEPALIVE_LEN,
		[BGP_ROUTE_REFRESH] = BGP_ROUTE_REFRESH_LEN,
	};
	uint8_t marker[BGP_MARKER_LEN], type;
	const uint8_t *len_field;
	uint16_t mlen;
	struct rd r;

	rd_init(&r, buf, len);
	if (rd_bytes(&r, marker, sizeof(marker)) < 0)
		return -EAGAIN;
	len_field = rd_ptr(&r);
	if (rd_u16(&r, &mlen) < 0 || rd_u8(&r, &type) < 0)
		return -EAGAIN;
	/* RFC 4271 4.1, 6.1: the marker is all ones. */
	for (size_t i = 0; i < sizeof(marker); i++)
		if (marker[i] != 0xff)
			return fail(err, BGP_ERR_HEADER, BGP_SUB_CONN_NOT_SYNC, NULL, 0);
	/* RFC 4271 6.1: 19 <= Length <= 4096; the data is the Length field. */
	if (mlen < BGP_HDR_LEN || mlen > BGP_MAX_LEN)
		return fail(err, BGP_ERR_HEADER, BGP_SUB_BAD_MSG_LEN, len_field, 2);
	/* RFC 4271 6.1: unknown Type; the data is the Type field. */
	if (type < BGP_OPEN || type > BGP_ROUTE_REFRESH)
		return fail(err, BGP_ERR_HEADER, BGP_SUB_BAD_MSG_TYPE, &type, 1);
	/* RFC 4271 6.1: shorter than the type's minimum, or a KEEPALIVE that is
	 * not exactly 19 octets. */
	if (mlen < min_len[type] || (type == BGP_KEEPALIVE && mlen != BGP_KEEPALIVE_LEN))
		return fail(err, BGP_ERR_HEADER, BGP_SUB_BAD_MSG_LEN, len_field, 2);
	if (len < mlen)
		return -EAGAIN;
	m->type = type;
	m->len = mlen;
	m->raw = buf;
	m->body = buf + BGP_HDR_LEN;
	m->body_len = mlen - BGP_HDR_LEN;
	return mlen;
}

int bgp_msg_begin(struct wr *w, uint8_t type)
{
	int e = 0;

	e |= wr_fill(w, 0xff, BGP_MARKER_LEN);
	e |= wr_u16(w, 0);
	e |= wr_u8(w, type);
	return e;
}

int bgp_msg_finish(struct wr *w, int write_err)
{
	if (write_err || wr_len(w) > BGP_MAX_LEN)
		return -ENOSPC;
	if (wr_put_u16_at(w, BGP_MARKER_LEN, (uint16_t)wr_len(w)) < 0)
		return -ENOSPC;
	return (int)wr_len(w);
}

static size_t cap_len(size_t cap)
{
	return cap < BGP_MAX_LEN ? cap : BGP_MAX_LEN;
}

/* --- OPEN --- */

static void mp_add(struct bgp_afi_safi *v, uint8_t *n, uint16_t afi, uint8_t safi, uint8_t flags)
{
	for (uint8_t i = 0; i < *n; i++)
		if (v[i].afi == afi && v[i].safi == safi) {
			v[i].flags = flags;
			return;
		}
	/* More AFI/SAFIs than we could ever use: the extra ones are ignored. */
	if (*n >= BGP_CAPS_MAX_AFI)
		return;
	v[*n] = (struct bgp_afi_safi){.afi = afi, .safi = safi, .flags = flags};
	(*n)++;
}

static int cap_gr_decode(struct rd *v, struct bgp_caps *c)
{
	uint16_t rt, afi;
	uint8_t safi, flags;

	/* RFC 4724 3: Restart Flags (4 bits), Restart Time (12 bits), then
	 * <AFI, SAFI, Flags> tuples. */
	if (rd_left(v) < 2 || (rd_left(v) - 2) % 4 != 0 || rd_u16(v, &rt) < 0)
		return -1;
	c->gr = true;
	c->gr_flags = rt >> 12;
	c->gr_time = rt & BGP_GR_TIME_MAX;
	c->n_gr_afi = 0;
	while (rd_left(v) > 0) {
		if (rd_u16(v, &afi) < 0 || rd_u8(v, &safi) < 0 || rd_u8(v, &flags) < 0)
			return -1;
		mp_add(c->gr_afi, &c->n_gr_afi, afi, safi, flags);
	}
	return 0;
}

/* RFC 5492 4: a Capabilities parameter holds <code, length, value> triples. */
static int caps_decode(struct rd *r, struct bgp_caps *c, struct bgp_err *err)
{
	while (rd_left(r) > 0) {
		uint8_t code, len, res, safi;
		uint16_t afi;
		struct rd v;

		if (rd_u8(r, &code) < 0 || rd_u8(r, &len) < 0 || rd_sub(r, &v, len) < 0)
			goto malformed;
		switch (code) {
		case BGP_CAP_MP:
			/* RFC 4760 8: AFI (2), Reserved (1), SAFI (1) */
			if (len != 4 || rd_u16(&v, &afi) < 0 || rd_u8(&v, &res) < 0 ||
			    rd_u8(&v, &safi) < 0)
				goto malformed;
			mp_add(c->mp, &c->n_mp, afi, safi, 0);
			break;
		case BGP_CAP_ROUTE_REFRESH:
			/* RFC 2918 2: no value */
			if (len != 0)
				goto malformed;
			c->route_refresh = true;
			break;
		case BGP_CAP_ENH_ROUTE_REFRESH:
			/* RFC 7313 4: no value */
			if (len != 0)
				goto malformed;
			c->enh_route_refresh = true;
			break;
		case BGP_CAP_AS4:
			/* RFC 6793 3: the 4-octet AS number */
			if (len != 4 || rd_u32(&v, &c->as4_asn) < 0)
				goto malformed;
			/* RFC 7607 2: AS 0 is a bad peer AS. */
			if (c->as4_asn == 0)
				return fail(err, BGP_ERR_OPEN, BGP_SUB_BAD_PEER_AS, NULL, 0);
			c->as4 = true;
			break;
		case BGP_CAP_GRACEFUL_RESTART:
			if (cap_gr_decode(&v, c) < 0)
				goto malformed;
			break;
		default:
			/* RFC 5492 3: unknown capabilities are ignored; the first
			 * few are kept for the log. */
			c->n_unknown_total++;
			if (c->n_unknown < BGP_CAPS_MAX_UNKNOWN)
				c->unknown[c->n_unknown++] = (struct bgp_cap_raw){
					.code = code, .len = len, .data = rd_ptr(&v)};
			break;
		}
	}
	return 0;
malformed:
	/* RFC 4271 4.5: no subcode names a malformed capability: Unspecific. */
	return fail(err, BGP_ERR_OPEN, BGP_SUB_UNSPECIFIC, NULL, 0);
}

static int open_params_decode(struct rd *r, struct bgp_open *o, struct bgp_err *err)
{
	uint8_t plen8, ptype;
	uint16_t plen;
	bool ext = false;
	struct rd params;

	if (rd_u8(r, &plen8) < 0)
		goto malformed;
	plen = plen8;
	/* RFC 9072 2: Non-Ext OP Len 255 followed by Non-Ext OP Type 255 means a
	 * two-octet length follows, and each parameter has a two-octet length. */
	if (plen8 == 255 && rd_left(r) > 0 && rd_ptr(r)[0] == 255) {
		if (rd_skip(r, 1) < 0 || rd_u16(r, &plen) < 0)
			goto malformed;
		ext = true;
	}
	/* The parameters fill the rest of the message exactly. */
	if (rd_sub(r, &params, plen) < 0 || rd_left(r) != 0)
		goto malformed;
	while (rd_left(&params) > 0) {
		uint16_t len = 0;
		uint8_t len8 = 0;
		struct rd v;
		int rc;

		if (rd_u8(&params, &ptype) < 0)
			goto malformed;
		if (ext)
			rc = rd_u16(&params, &len);
		else if ((rc = rd_u8(&params, &len8)) == 0)
			len = len8;
		if (rc < 0 || rd_sub(&params, &v, len) < 0)
			goto malformed;
		/* RFC 5492 4: Capabilities is parameter type 2; RFC 4271 6.2:
		 * anything else is an unsupported optional parameter. */
		if (ptype != 2)
			return fail(err, BGP_ERR_OPEN, BGP_SUB_UNSUP_OPT_PARAM, NULL, 0);
		if (caps_decode(&v, &o->caps, err) < 0)
			return -EBADMSG;
	}
	return 0;
malformed:
	return fail(err, BGP_ERR_OPEN, BGP_SUB_UNSPECIFIC, NULL, 0);
}

int bgp_open_decode(const struct bgp_msg *m, struct bgp_open *o, struct bgp_err *err)
{
	static const uint8_t version[2] = {0, BGP_VERSION};
	struct rd r;

	memset(o, 0, sizeof(*o));
	if (m->type != BGP_OPEN)
		return -EINVAL;
	rd_init(&r, m->body, m->body_len);
	if (rd_u8(&r, &o->version) < 0 || rd_u16(&r, &o->my_as) < 0 ||
	    rd_u16(&r, &o->hold_time) < 0 || rd_u32(&r, &o->bgp_id) < 0)
		return fail(err, BGP_ERR_HEADER, BGP_SUB_BAD_MSG_LEN, m->raw + BGP_MARKER_LEN, 2);
	/* RFC 4271 6.2: the data is the largest version we support. */
	if (o->version != BGP_VERSION)
		return fail(err, BGP_ERR_OPEN, BGP_SUB_UNSUP_VERSION, version, sizeof(version));
	/* RFC 7607 2: AS 0 in My Autonomous System is a bad peer AS. */
	if (o->my_as == 0)
		return fail(err, BGP_ERR_OPEN, BGP_SUB_BAD_PEER_AS, NULL, 0);
	/* RFC 4271 6.2: hold time is zero or at least three seconds. */
	if (o->hold_time == 1 || o->hold_time == 2)
		return fail(err, BGP_ERR_OPEN, BGP_SUB_UNACCEPTABLE_HOLD, NULL, 0);
	/* RFC 6286 2.2: the identifier is any nonzero 32-bit value. */
	if (o->bgp_id == 0)
		return fail(err, BGP_ERR_OPEN, BGP_SUB_BAD_BGP_ID, NULL, 0);
	return open_params_decode(&r, o, err);
}

uint32_t bgp_open_peer_as(const struct bgp_open *o)
{
	return o->caps.as4 ? o->caps.as4_asn : o->my_as;
}

bool bgp_caps_has_mp(const struct bgp_caps *c, uint16_t afi, uint8_t safi)
{
	for (uint8_t i = 0; i < c->n_mp; i++)
		if (c->mp[i].afi == afi && c->mp[i].safi == safi)
			return true;
	return false;
}

static int caps_encode(struct wr *w, const struct bgp_caps *c)
{
	int e = 0;

	for (uint8_t i = 0; i < c->n_mp && i < BGP_CAPS_MAX_AFI; i++) {
		e |= wr_u8(w, BGP_CAP_MP);
		e |= wr_u8(w, 4);
		e |= wr_u16(w, c->mp[i].afi);
		e |= wr_u8(w, 0);
		e |= wr_u8(w, c->mp[i].safi);
	}
	if (c->route_refresh) {
		e |= wr_u8(w, BGP_CAP_ROUTE_REFRESH);
		e |= wr_u8(w, 0);
	}
	if (c->enh_route_refresh) {
		e |= wr_u8(w, BGP_CAP_ENH_ROUTE_REFRESH);
		e |= wr_u8(w, 0);
	}
	if (c->as4) {
		e |= wr_u8(w, BGP_CAP_AS4);
		e |= wr_u8(w, 4);
		e |= wr_u32(w, c->as4_asn);
	}
	if (c->gr) {
		uint8_t n = c->n_gr_afi < BGP_CAPS_MAX_AFI ? c->n_gr_afi : BGP_CAPS_MAX_AFI;

		if (2 + 4 * n > 255)
			return -1;
		e |= wr_u8(w, BGP_CAP_GRACEFUL_RESTART);
		e |= wr_u8(w, (uint8_t)(2 + 4 * n));
		e |= wr_u16(w,
			    (uint16_t)((c->gr_flags & 0xf) << 12 | (c->gr_time & BGP_GR_TIME_MAX)));
		for (uint8_t i = 0; i < n; i++) {
			e |= wr_u16(w, c->gr_afi[i].afi);
			e |= wr_u8(w, c->gr_afi[i].safi);
			e |= wr_u8(w, c->gr_afi[i].flags);
		}
	}
	return e;
}

int bgp_open_encode(uint8_t *buf, size_t cap, const struct bgp_open *o)
{
	uint16_t my_as = o->my_as;
	size_t plen_off, caps_off;
	struct wr w;
	int e = 0;

	/* RFC 6793 4.1: a 4-octet AS that does not fit says AS_TRANS. */
	if (o->caps.as4)
		my_as = o->caps.as4_asn > 0xffff ? BGP_AS_TRANS : (uint16_t)o->caps.as4_asn;
	wr_init(&w, buf, cap_len(cap));
	e |= bgp_msg_begin(&w, BGP_OPEN);
	e |= wr_u8(&w, BGP_VERSION);
	e |= wr_u16(&w, my_as);
	e |= wr_u16(&w, o->hold_time);
	e |= wr_u32(&w, o->bgp_id);
	plen_off = wr_len(&w);
	e |= wr_u8(&w, 0);
	/* One Capabilities parameter holding them all (RFC 5492 4 allows it). */
	e |= wr_u8(&w, 2);
	caps_off = wr_len(&w);
	e |= wr_u8(&w, 0);
	e |= caps_encode(&w, &o->caps);
	if (e || wr_len(&w) - caps_off - 1 > 253)
		return -ENOSPC;
	w.p[caps_off] = (uint8_t)(wr_len(&w) - caps_off - 1);
	if (w.p[caps_off] == 0)
		w.len = plen_off + 1; /* no capabilities: no parameter */
	else
		w.p[plen_off] = (uint8_t)(wr_len(&w) - plen_off - 1);
	return bgp_msg_finish(&w, e);
}

/* --- KEEPALIVE (RFC 4271 4.4) --- */

int bgp_keepalive_encode(uint8_t *buf, size_t cap)
{
	struct wr w;

	wr_init(&w, buf, cap_len(cap));
	return bgp_msg_finish(&w, bgp_msg_begin(&w, BGP_KEEPALIVE));
}

/* --- NOTIFICATION (RFC 4271 4.5) --- */

int bgp_notification_decode(const struct bgp_msg *m, struct bgp_notification *n,
			    struct bgp_err *err)
{
	struct rd r;

	memset(n, 0, sizeof(*n));
	if (m->type != BGP_NOTIFICATION)
		return -EINVAL;
	rd_init(&r, m->body, m->body_len);
	if (rd_u8(&r, &n->code) < 0 || rd_u8(&r, &n->subcode) < 0)
		return fail(err, BGP_ERR_HEADER, BGP_SUB_BAD_MSG_LEN, m->raw + BGP_MARKER_LEN, 2);
	n->data = rd_ptr(&r);
	n->data_len = (uint16_t)rd_left(&r);
	/* RFC 9003 2: Cease/Administrative Shutdown or Reset may carry a
	 * length-prefixed message of up to 255 octets. */
	if (n->code == BGP_ERR_CEASE &&
	    (n->subcode == BGP_SUB_ADMIN_SHUTDOWN || n->subcode == BGP_SUB_ADMIN_RESET)) {
		uint8_t len;

		if (rd_u8(&r, &len) == 0 && len > 0 && len <= rd_left(&r)) {
			n->shutdown_msg_len = len;
			n->shutdown_msg = rd_ptr(&r);
		}
	}
	return 0;
}

int bgp_notification_encode(uint8_t *buf, size_t cap, uint8_t code, uint8_t subcode,
			    const void *data, size_t data_len)
{
	struct wr w;
	int e = 0;

	/* Whatever the data, the NOTIFICATION itself must go out. */
	if (data_len > BGP_NOTIF_DATA_MAX)
		data_len = BGP_NOTIF_DATA_MAX;
	wr_init(&w, buf, cap_len(cap));
	e |= bgp_msg_begin(&w, BGP_NOTIFICATION);
	e |= wr_u8(&w, code);
	e |= wr_u8(&w, subcode);
	e |= wr_bytes(&w, data, data_len);
	return bgp_msg_finish(&w, e);
}

int bgp_notification_encode_err(uint8_t *buf, size_t cap, const struct bgp_err *err)
{
	return bgp_notification_encode(buf, cap, err->code, err->subcode, err->data, err->data_len);
}

/* --- ROUTE-REFRESH (RFC 2918 3, RFC 7313 3) --- */

int bgp_route_refresh_decode(const struct bgp_msg *m, struct bgp_route_refresh *rr,
			     struct bgp_err *err)
{
	struct rd r;

	memset(rr, 0, sizeof(*rr));
	if (m->type != BGP_ROUTE_REFRESH)
		return -EINVAL;
	/* RFC 7313 5: any length but 23 (no ORF support) is an Invalid Message
	 * Length; the data is the whole message. */
	if (m->body_len != 4)
		return fail(err, BGP_ERR_ROUTE_REFRESH, BGP_SUB_RR_INVALID_LEN, m->raw, m->len);
	rd_init(&r, m->body, m->body_len);
	if (rd_u16(&r, &rr->afi) < 0 || rd_u8(&r, &rr->subtype) < 0 || rd_u8(&r, &rr->safi) < 0)
		return fail(err, BGP_ERR_ROUTE_REFRESH, BGP_SUB_RR_INVALID_LEN, m->raw, m->len);
	return 0;
}

int bgp_route_refresh_encode(uint8_t *buf, size_t cap, const struct bgp_route_refresh *rr)
{
	struct wr w;
	int e = 0;

	wr_init(&w, buf, cap_len(cap));
	e |= bgp_msg_begin(&w, BGP_ROUTE_REFRESH);
	e |= wr_u16(&w, rr->afi);
	e |= wr_u8(&w, rr->subtype);
	e |= wr_u8(&w, rr->safi);
	return bgp_msg_finish(&w, e);
}
