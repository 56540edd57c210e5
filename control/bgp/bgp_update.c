/* SPDX-License-Identifier: BSD-3-Clause */
/* UPDATE messages (RFC 4271 4.3) and their path attributes, with the error
 * handling of RFC 7606. Path attributes are one table: each entry says what
 * flags the type demands and how to decode, encode and format it, and each
 * decoder names its RFC 7606 action where it finds the fault. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bgp_buf.h"
#include "bgp_msg.h"

struct dec_ctx {
	const struct bgp_session_params *sp;
	struct bgp_update *u;
	struct bgp_update_result *res;
	/* the attribute being decoded, whole, for NOTIFICATION data */
	uint8_t code;
	uint8_t flags;
	const uint8_t *raw;
	size_t raw_len;
};

struct enc_ctx {
	const struct bgp_session_params *sp;
	const struct bgp_attrs *a;
	const struct bgp_update_out *out;
};

struct fmt {
	char *buf;
	size_t len;
	size_t off;
};

struct attr_desc {
	const char *name;
	uint8_t flags; /* the Optional and Transitive bits the type demands */
	enum bgp_action (*decode)(struct dec_ctx *c, struct rd *v);
	int (*encode)(const struct enc_ctx *c, struct wr *w); /* NULL: kept raw */
	void (*format)(const struct bgp_attrs *a, struct fmt *f);
};

#define F_OT (BGP_ATTR_F_OPTIONAL | BGP_ATTR_F_TRANSITIVE)

/* --- faults --- */

/* Records a fault. The result keeps the most severe action and the first
 * fault that called for it. */
static enum bgp_action fault(struct dec_ctx *c, enum bgp_action act, uint8_t subcode,
			     const void *data, size_t len)
{
	struct bgp_update_result *res = c->res;

	res->actions |= (uint8_t)(1u << act);
	if (act == BGP_ACT_ATTR_DISCARD) {
		res->discarded[c->code / 8] |= (uint8_t)(1u << (c->code % 8));
		res->n_discarded++;
	}
	if (act > res->action) {
		res->action = act;
		res->attr_code = c->code;
		bgp_err_set(&res->err, BGP_ERR_UPDATE, subcode, data, len);
	}
	return act;
}

/* RFC 4271 6.3: most attribute errors carry the attribute as data. */
static enum bgp_action attr_fault(struct dec_ctx *c, enum bgp_action act, uint8_t subcode)
{
	return fault(c, act, subcode, c->raw, c->raw_len);
}

/* RFC 7606 5.3: MP_REACH/MP_UNREACH that cannot be parsed reset the session,
 * or, where the operator allows it, disable the AFI/SAFI (RFC 4760 7). */
static enum bgp_action mp_fault(struct dec_ctx *c, uint16_t afi, uint8_t safi)
{
	if (c->sp->mp_error_disables_afi && afi != 0) {
		if (c->res->action < BGP_ACT_AFI_SAFI_DISABLE) {
			c->res->afi = afi;
			c->res->safi = safi;
		}
		return attr_fault(c, BGP_ACT_AFI_SAFI_DISABLE, BGP_SUB_OPT_ATTR);
	}
	return attr_fault(c, BGP_ACT_SESSION_RESET, BGP_SUB_OPT_ATTR);
}

/* --- prefixes (RFC 4271 4.3, RFC 4760 5) --- */

static int prefixes_decode(struct bgp_update *u, struct rd *r, uint8_t family,
			   struct bgp_prefixes *out)
{
	unsigned max = family == AF_INET ? 32 : 128;

	out->v = &u->pool[u->n_pool];
	out->n = 0;
	while (rd_left(r) > 0) {
		struct prefix *p;
		uint8_t len;

		/* Every prefix takes an octet: the pool cannot overflow, but
		 * the bound is checked rather than trusted. */
		if (u->n_pool >= BGP_UPDATE_MAX_PREFIXES || rd_u8(r, &len) < 0)
			return -1;
		/* RFC 7606 5.3: a length beyond the address is a syntax error. */
		if (len > max)
			return -1;
		p = &u->pool[u->n_pool];
		memset(p, 0, sizeof(*p));
		p->addr.family = family;
		p->len = len;
		if (rd_bytes(r, p->addr.bytes, (len + 7u) / 8) < 0)
			return -1;
		/* RFC 4271 4.3: trailing bits are irrelevant. Only the last
		 * octet read can hold any (the rest is zero). */
		if (len % 8 != 0)
			p->addr.bytes[len / 8] &= (uint8_t)(0xff00u >> (len % 8));
		u->n_pool++;
		out->n++;
	}
	return 0;
}

static int prefixes_encode(struct wr *w, const struct bgp_prefixes *ps, uint8_t family)
{
	int e = 0;

	for (size_t i = 0; i < ps->n; i++) {
		const struct prefix *p = &ps->v[i];

		if (p->addr.family != family || p->len > ip_addr_bits(&p->addr))
			return -EINVAL;
		e |= wr_u8(w, p->len);
		e |= wr_bytes(w, p->addr.bytes, (p->len + 7u) / 8);
	}
	return e ? -EMSGSIZE : 0;
}

/* --- attribute encoding helpers --- */

/* Starts an attribute with a two-octet length; attr_end() shrinks it to one
 * octet when the value fits (RFC 4271 4.3 Extended Length bit). */
static int attr_begin(struct wr *w, uint8_t flags, uint8_t code, size_t *len_off)
{
	int e = 0;

	e |= wr_u8(w, flags | BGP_ATTR_F_EXT_LEN);
	e |= wr_u8(w, code);
	*len_off = wr_len(w);
	e |= wr_u16(w, 0);
	return e;
}

static int attr_end(struct wr *w, size_t len_off, int e)
{
	size_t vlen;

	if (e)
		return -1;
	vlen = wr_len(w) - len_off - 2;
	if (vlen > 0xffff || wr_put_u16_at(w, len_off, (uint16_t)vlen) < 0)
		return -1;
	if (vlen > 0xff)
		return 0;
	w->p[len_off - 2] &= (uint8_t)~BGP_ATTR_F_EXT_LEN;
	return wr_cut_u8_at(w, len_off);
}

static void fmt_add(struct fmt *f, const char *spec, ...) __attribute__((format(printf, 2, 3)));
static void fmt_add(struct fmt *f, const char *spec, ...)
{
	va_list ap;
	int n;

	if (f->off >= f->len)
		return;
	va_start(ap, spec);
	n = vsnprintf(f->buf + f->off, f->len - f->off, spec, ap);
	va_end(ap);
	if (n > 0)
		f->off += (size_t)n;
}

/* --- ORIGIN (RFC 4271 5.1.1) --- */

static enum bgp_action origin_decode(struct dec_ctx *c, struct rd *v)
{
	struct bgp_attrs *a = &c->u->attrs;

	/* RFC 7606 7.1: wrong length or undefined value: treat-as-withdraw */
	if (rd_left(v) != 1 || rd_u8(v, &a->origin) < 0)
		return attr_fault(c, BGP_ACT_TREAT_AS_WITHDRAW, BGP_SUB_ATTR_LEN);
	if (a->origin > BGP_ORIGIN_INCOMPLETE)
		return attr_fault(c, BGP_ACT_TREAT_AS_WITHDRAW, BGP_SUB_INVALID_ORIGIN);
	return BGP_ACT_OK;
}

static int origin_encode(const struct enc_ctx *c, struct wr *w)
{
	size_t off;
	int e = attr_begin(w, BGP_ATTR_F_TRANSITIVE, BGP_ATTR_ORIGIN, &off);

	e |= wr_u8(w, c->a->origin);
	return attr_end(w, off, e);
}

static void origin_format(const struct bgp_attrs *a, struct fmt *f)
{
	static const char *const names[] = {"igp", "egp", "incomplete"};

	fmt_add(f, " origin %s", a->origin < 3 ? names[a->origin] : "?");
}

/* --- AS_PATH (RFC 4271 5.1.2, RFC 6793 4) --- */

/* Shared by AS_PATH and AS4_PATH (p NULL: validate only). Returns 0, -1 when
 * malformed, -2 when beyond our bounds. */
static int as_path_parse(struct rd *v, unsigned asn_size, bool allow_confed, struct bgp_as_path *p)
{
	if (p) {
		p->n_segs = 0;
		p->n_asns = 0;
	}
	while (rd_left(v) > 0) {
		uint8_t type, n;

		/* RFC 7606 7.2: a lone trailing octet is an underrun. */
		if (rd_u8(v, &type) < 0 || rd_u8(v, &n) < 0)
			return -1;
		/* RFC 7606 7.2: unknown segment type, or zero length */
		if (type < BGP_AS_SET || type > BGP_AS_CONFED_SET || n == 0)
			return -1;
		/* RFC 5065 5, RFC 7606 7.2: confederation segments only from
		 * inside the confederation (we have none with external peers). */
		if (!allow_confed && (type == BGP_AS_CONFED_SEQUENCE || type == BGP_AS_CONFED_SET))
			return -1;
		/* RFC 7606 7.2: the segment overruns the attribute */
		if (rd_left(v) < (size_t)n * asn_size)
			return -1;
		if (p &&
		    (p->n_segs >= BGP_AS_PATH_MAX_SEGS || p->n_asns + n > BGP_AS_PATH_MAX_ASNS))
			return -2;
		if (p)
			p->segs[p->n_segs++] =
				(struct bgp_as_seg){.type = type, .n = n, .first = p->n_asns};
		for (uint8_t i = 0; i < n; i++) {
			uint32_t asn = 0;
			uint16_t asn16;

			if (asn_size == 4) {
				if (rd_u32(v, &asn) < 0)
					return -1;
			} else {
				if (rd_u16(v, &asn16) < 0)
					return -1;
				asn = asn16;
			}
			/* RFC 7607 2: AS 0 makes the path malformed. */
			if (asn == 0)
				return -1;
			if (p)
				p->asns[p->n_asns++] = asn;
		}
	}
	return 0;
}

static enum bgp_action as_path_decode(struct dec_ctx *c, struct rd *v)
{
	int rc = as_path_parse(v, c->sp->as4 ? 4 : 2, !c->sp->ebgp, &c->u->attrs.as_path);

	/* RFC 7606 7.2: malformed AS_PATH: treat-as-withdraw. Paths beyond our
	 * bounds are withdrawn too: we cannot hold them. */
	if (rc < 0)
		return fault(c, BGP_ACT_TREAT_AS_WITHDRAW, BGP_SUB_MALFORMED_AS_PATH, NULL, 0);
	return BGP_ACT_OK;
}

static bool as_path_needs_as4(const struct bgp_as_path *p)
{
	for (uint16_t i = 0; i < p->n_asns; i++)
		if (p->asns[i] > 0xffff)
			return true;
	return false;
}

static int as_path_write(struct wr *w, const struct bgp_as_path *p, bool as4, bool trans)
{
	int e = 0;

	for (uint16_t s = 0; s < p->n_segs; s++) {
		const struct bgp_as_seg *seg = &p->segs[s];

		if (seg->first + seg->n > p->n_asns)
			return -1;
		e |= wr_u8(w, seg->type);
		e |= wr_u8(w, seg->n);
		for (uint8_t i = 0; i < seg->n; i++) {
			uint32_t asn = p->asns[seg->first + i];

			if (as4)
				e |= wr_u32(w, asn);
			else /* RFC 6793 4.2.2: AS_TRANS stands in */
				e |= wr_u16(w,
					    asn > 0xffff && trans ? BGP_AS_TRANS : (uint16_t)asn);
		}
	}
	return e;
}

static int as_path_encode(const struct enc_ctx *c, struct wr *w)
{
	const struct bgp_as_path *p = &c->a->as_path;
	size_t off;
	int e = attr_begin(w, BGP_ATTR_F_TRANSITIVE, BGP_ATTR_AS_PATH, &off);

	e |= as_path_write(w, p, c->sp->as4, true);
	if (attr_end(w, off, e) < 0)
		return -1;
	/* RFC 6793 4.2.2: to an OLD speaker, the real path goes in AS4_PATH. */
	if (c->sp->as4 || !as_path_needs_as4(p))
		return 0;
	e = attr_begin(w, F_OT, BGP_ATTR_AS4_PATH, &off);
	e |= as_path_write(w, p, true, false);
	return attr_end(w, off, e);
}

static void as_path_format(const struct bgp_attrs *a, struct fmt *f)
{
	const struct bgp_as_path *p = &a->as_path;

	fmt_add(f, " as-path");
	for (uint16_t s = 0; s < p->n_segs; s++) {
		const struct bgp_as_seg *seg = &p->segs[s];
		bool set = seg->type == BGP_AS_SET || seg->type == BGP_AS_CONFED_SET;
		bool confed = seg->type >= BGP_AS_CONFED_SEQUENCE;

		fmt_add(f, " %s%s", confed ? "(" : "", set ? "{" : "");
		for (uint8_t i = 0; i < seg->n && seg->first + i < p->n_asns; i++)
			fmt_add(f, "%s%u", i ? " " : "", p->asns[seg->first + i]);
		fmt_add(f, "%s%s", set ? "}" : "", confed ? ")" : "");
	}
}

/* --- NEXT_HOP (RFC 4271 5.1.3) --- */

static enum bgp_action next_hop_decode(struct dec_ctx *c, struct rd *v)
{
	struct ip_addr *nh = &c->u->attrs.nexthop;
	uint8_t b0;

	memset(nh, 0, sizeof(*nh));
	nh->family = AF_INET;
	/* RFC 7606 7.3: wrong length: treat-as-withdraw */
	if (rd_left(v) != 4 || rd_bytes(v, nh->bytes, 4) < 0)
		return attr_fault(c, BGP_ACT_TREAT_AS_WITHDRAW, BGP_SUB_ATTR_LEN);
	/* RFC 4271 6.3, RFC 7606 7.3: a semantically invalid address (this
	 * network, loopback, multicast or reserved) is treat-as-withdraw. */
	b0 = nh->bytes[0];
	if (b0 == 0 || b0 == 127 || b0 >= 224)
		return attr_fault(c, BGP_ACT_TREAT_AS_WITHDRAW, BGP_SUB_INVALID_NEXT_HOP);
	return BGP_ACT_OK;
}

static int next_hop_encode(const struct enc_ctx *c, struct wr *w)
{
	size_t off;
	int e;

	/* A NEXT_HOP only goes with IPv4 NLRI (RFC 4760 3). */
	if (c->out->announce4.n == 0)
		return 0;
	e = attr_begin(w, BGP_ATTR_F_TRANSITIVE, BGP_ATTR_NEXT_HOP, &off);
	e |= wr_bytes(w, c->a->nexthop.bytes, 4);
	return attr_end(w, off, e);
}

static void next_hop_format(const struct bgp_attrs *a, struct fmt *f)
{
	char buf[PREFIX_STRLEN];

	fmt_add(f, " next-hop %s", ip_addr_format(&a->nexthop, buf, sizeof(buf)));
}

/* --- MULTI_EXIT_DISC (RFC 4271 5.1.4) --- */

static enum bgp_action med_decode(struct dec_ctx *c, struct rd *v)
{
	/* RFC 7606 7.4: wrong length: treat-as-withdraw */
	if (rd_left(v) != 4 || rd_u32(v, &c->u->attrs.med) < 0)
		return attr_fault(c, BGP_ACT_TREAT_AS_WITHDRAW, BGP_SUB_ATTR_LEN);
	return BGP_ACT_OK;
}

static int med_encode(const struct enc_ctx *c, struct wr *w)
{
	size_t off;
	int e = attr_begin(w, BGP_ATTR_F_OPTIONAL, BGP_ATTR_MED, &off);

	e |= wr_u32(w, c->a->med);
	return attr_end(w, off, e);
}

static void med_format(const struct bgp_attrs *a, struct fmt *f)
{
	fmt_add(f, " med %u", a->med);
}

/* --- LOCAL_PREF (RFC 4271 5.1.5) --- */

static enum bgp_action local_pref_decode(struct dec_ctx *c, struct rd *v)
{
	/* RFC 7606 7.5: from an external peer it is discarded, whatever it
	 * holds. */
	if (c->sp->ebgp)
		return attr_fault(c, BGP_ACT_ATTR_DISCARD, BGP_SUB_ATTR_LEN);
	/* RFC 7606 7.5: from an internal peer, wrong length: treat-as-withdraw */
	if (rd_left(v) != 4 || rd_u32(v, &c->u->attrs.local_pref) < 0)
		return attr_fault(c, BGP_ACT_TREAT_AS_WITHDRAW, BGP_SUB_ATTR_LEN);
	return BGP_ACT_OK;
}

static int local_pref_encode(const struct enc_ctx *c, struct wr *w)
{
	size_t off;
	int e;

	/* RFC 4271 5.1.5: never to external peers */
	if (c->sp->ebgp)
		return 0;
	e = attr_begin(w, BGP_ATTR_F_TRANSITIVE, BGP_ATTR_LOCAL_PREF, &off);
	e |= wr_u32(w, c->a->local_pref);
	return attr_end(w, off, e);
}

static void local_pref_format(const struct bgp_attrs *a, struct fmt *f)
{
	fmt_add(f, " local-pref %u", a->local_pref);
}

/* --- ATOMIC_AGGREGATE (RFC 4271 5.1.6) --- */

static enum bgp_action atomic_aggregate_decode(struct dec_ctx *c, struct rd *v)
{
	/* RFC 7606 7.6: wrong length: attribute discard */
	if (rd_left(v) != 0)
		return attr_fault(c, BGP_ACT_ATTR_DISCARD, BGP_SUB_ATTR_LEN);
	return BGP_ACT_OK;
}

static int atomic_aggregate_encode(const struct enc_ctx *c, struct wr *w)
{
	size_t off;
	int e = attr_begin(w, BGP_ATTR_F_TRANSITIVE, BGP_ATTR_ATOMIC_AGGREGATE, &off);

	(void)c;
	return attr_end(w, off, e);
}

static void atomic_aggregate_format(const struct bgp_attrs *a, struct fmt *f)
{
	(void)a;
	fmt_add(f, " atomic-aggregate");
}

/* --- AGGREGATOR (RFC 4271 5.1.7, RFC 6793 4) --- */

static enum bgp_action aggregator_decode(struct dec_ctx *c, struct rd *v)
{
	struct bgp_attrs *a = &c->u->attrs;
	uint16_t as16 = 0;
	int rc;

	memset(&a->aggregator_id, 0, sizeof(a->aggregator_id));
	a->aggregator_id.family = AF_INET;
	/* RFC 7606 7.7: length other than 6 (8 with 4-octet ASs): attribute
	 * discard */
	if (rd_left(v) != (c->sp->as4 ? 8u : 6u))
		return attr_fault(c, BGP_ACT_ATTR_DISCARD, BGP_SUB_ATTR_LEN);
	if (c->sp->as4) {
		rc = rd_u32(v, &a->aggregator_as);
	} else {
		rc = rd_u16(v, &as16);
		a->aggregator_as = as16;
	}
	if (rc < 0 || rd_bytes(v, a->aggregator_id.bytes, 4) < 0)
		return attr_fault(c, BGP_ACT_ATTR_DISCARD, BGP_SUB_ATTR_LEN);
	/* RFC 7607 2: AS 0 is malformed; RFC 7606 7.7: attribute discard */
	if (a->aggregator_as == 0)
		return attr_fault(c, BGP_ACT_ATTR_DISCARD, BGP_SUB_OPT_ATTR);
	return BGP_ACT_OK;
}

static int aggregator_encode(const struct enc_ctx *c, struct wr *w)
{
	uint32_t as = c->a->aggregator_as;
	size_t off;
	int e = attr_begin(w, F_OT, BGP_ATTR_AGGREGATOR, &off);

	if (c->sp->as4)
		e |= wr_u32(w, as);
	else /* RFC 6793 4.2.2 (no AS4_AGGREGATOR from us) */
		e |= wr_u16(w, as > 0xffff ? BGP_AS_TRANS : (uint16_t)as);
	e |= wr_bytes(w, c->a->aggregator_id.bytes, 4);
	return attr_end(w, off, e);
}

static void aggregator_format(const struct bgp_attrs *a, struct fmt *f)
{
	char buf[PREFIX_STRLEN];

	fmt_add(f, " aggregator %u %s", a->aggregator_as,
		ip_addr_format(&a->aggregator_id, buf, sizeof(buf)));
}

/* --- COMMUNITIES (RFC 1997) --- */

static enum bgp_action communities_decode(struct dec_ctx *c, struct rd *v)
{
	struct bgp_attrs *a = &c->u->attrs;

	/* RFC 7606 7.8: length zero or not a multiple of 4: treat-as-withdraw */
	if (rd_left(v) == 0 || rd_left(v) % 4 != 0 || rd_left(v) / 4 > BGP_MAX_COMMUNITIES)
		return attr_fault(c, BGP_ACT_TREAT_AS_WITHDRAW, BGP_SUB_OPT_ATTR);
	a->n_communities = 0;
	while (rd_left(v) > 0)
		if (rd_u32(v, &a->communities[a->n_communities++]) < 0)
			return attr_fault(c, BGP_ACT_TREAT_AS_WITHDRAW, BGP_SUB_OPT_ATTR);
	return BGP_ACT_OK;
}

static int communities_encode(const struct enc_ctx *c, struct wr *w)
{
	size_t off;
	int e;

	if (c->a->n_communities == 0 || c->a->n_communities > BGP_MAX_COMMUNITIES)
		return 0;
	e = attr_begin(w, F_OT, BGP_ATTR_COMMUNITIES, &off);
	for (uint16_t i = 0; i < c->a->n_communities; i++)
		e |= wr_u32(w, c->a->communities[i]);
	return attr_end(w, off, e);
}

static void communities_format(const struct bgp_attrs *a, struct fmt *f)
{
	fmt_add(f, " communities");
	for (uint16_t i = 0; i < a->n_communities; i++)
		fmt_add(f, " %u:%u", a->communities[i] >> 16, a->communities[i] & 0xffff);
}

/* --- attributes we validate and keep raw --- */

static enum bgp_action raw_keep(struct dec_ctx *c, uint8_t flags, struct rd *v)
{
	struct bgp_attrs *a = &c->u->attrs;

	/* One slot per type code, and duplicates never get here. */
	if (a->n_raw >= BGP_MAX_RAW_ATTRS)
		return attr_fault(c, BGP_ACT_ATTR_DISCARD, BGP_SUB_OPT_ATTR);
	a->raw[a->n_raw++] = (struct bgp_attr_raw){
		.flags = flags & ~BGP_ATTR_F_EXT_LEN,
		.code = c->code,
		.len = (uint16_t)rd_left(v),
		.data = rd_ptr(v),
	};
	return BGP_ACT_OK;
}

/* ORIGINATOR_ID (RFC 4456 8) */
static enum bgp_action originator_id_decode(struct dec_ctx *c, struct rd *v)
{
	/* Meaningful only inside an AS (RFC 4456 8): dropped from external
	 * peers. */
	if (c->sp->ebgp)
		return attr_fault(c, BGP_ACT_ATTR_DISCARD, BGP_SUB_OPT_ATTR);
	/* RFC 7606 7.9: length other than 4: treat-as-withdraw */
	if (rd_left(v) != 4)
		return attr_fault(c, BGP_ACT_TREAT_AS_WITHDRAW, BGP_SUB_ATTR_LEN);
	return raw_keep(c, c->flags, v);
}

/* CLUSTER_LIST (RFC 4456 8) */
static enum bgp_action cluster_list_decode(struct dec_ctx *c, struct rd *v)
{
	if (c->sp->ebgp)
		return attr_fault(c, BGP_ACT_ATTR_DISCARD, BGP_SUB_OPT_ATTR);
	/* RFC 7606 7.10: length zero or not a multiple of 4: treat-as-withdraw */
	if (rd_left(v) == 0 || rd_left(v) % 4 != 0)
		return attr_fault(c, BGP_ACT_TREAT_AS_WITHDRAW, BGP_SUB_ATTR_LEN);
	return raw_keep(c, c->flags, v);
}

/* EXTENDED COMMUNITIES (RFC 4360) */
static enum bgp_action ext_communities_decode(struct dec_ctx *c, struct rd *v)
{
	/* RFC 7606 7.14: length zero or not a multiple of 8: treat-as-withdraw */
	if (rd_left(v) == 0 || rd_left(v) % 8 != 0)
		return attr_fault(c, BGP_ACT_TREAT_AS_WITHDRAW, BGP_SUB_OPT_ATTR);
	return raw_keep(c, c->flags, v);
}

/* LARGE_COMMUNITY (RFC 8092) */
static enum bgp_action large_communities_decode(struct dec_ctx *c, struct rd *v)
{
	/* RFC 8092 6: length zero or not a multiple of 12: treat-as-withdraw */
	if (rd_left(v) == 0 || rd_left(v) % 12 != 0)
		return attr_fault(c, BGP_ACT_TREAT_AS_WITHDRAW, BGP_SUB_OPT_ATTR);
	return raw_keep(c, c->flags, v);
}

/* AS4_PATH (RFC 6793 3) */
static enum bgp_action as4_path_decode(struct dec_ctx *c, struct rd *v)
{
	/* RFC 6793 3: a NEW speaker discards AS4_PATH from a NEW speaker. */
	if (c->sp->as4)
		return attr_fault(c, BGP_ACT_ATTR_DISCARD, BGP_SUB_OPT_ATTR);
	/* RFC 6793 6: malformed (confederation segments included): discard */
	if (as_path_parse(&(struct rd){rd_ptr(v), rd_left(v)}, 4, false, NULL) < 0)
		return attr_fault(c, BGP_ACT_ATTR_DISCARD, BGP_SUB_OPT_ATTR);
	return raw_keep(c, c->flags, v);
}

/* AS4_AGGREGATOR (RFC 6793 3) */
static enum bgp_action as4_aggregator_decode(struct dec_ctx *c, struct rd *v)
{
	/* RFC 6793 3 and 6: from a NEW speaker, or not 8 octets: discard */
	if (c->sp->as4 || rd_left(v) != 8)
		return attr_fault(c, BGP_ACT_ATTR_DISCARD, BGP_SUB_OPT_ATTR);
	return raw_keep(c, c->flags, v);
}

/* --- MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760 3, 4) --- */

static int mp_family(uint16_t afi, uint8_t safi)
{
	if (safi != BGP_SAFI_UNICAST)
		return 0;
	return afi == BGP_AFI_IPV4 ? AF_INET : afi == BGP_AFI_IPV6 ? AF_INET6 : 0;
}

static bool v6_nexthop_usable(const struct ip_addr *a)
{
	static const uint8_t zero[16], loop[16] = {[15] = 1};

	/* unspecified, loopback, multicast */
	return memcmp(a->bytes, zero, 16) != 0 && memcmp(a->bytes, loop, 16) != 0 &&
	       a->bytes[0] != 0xff;
}

static enum bgp_action mp_reach_nexthop(struct dec_ctx *c, struct rd *nh, int family)
{
	struct bgp_mp_reach *mp = &c->u->attrs.mp_reach;
	size_t len = rd_left(nh);

	memset(&mp->nexthop, 0, sizeof(mp->nexthop));
	memset(&mp->nexthop_ll, 0, sizeof(mp->nexthop_ll));
	mp->nexthop.family = (uint8_t)family;
	if (family == AF_INET) {
		if (len != 4 || rd_bytes(nh, mp->nexthop.bytes, 4) < 0)
			goto bad_len;
		if (mp->nexthop.bytes[0] == 0 || mp->nexthop.bytes[0] == 127 ||
		    mp->nexthop.bytes[0] >= 224)
			goto bad_nh;
		return BGP_ACT_OK;
	}
	/* RFC 2545 3: a global address, optionally followed by a link-local. */
	if ((len != 16 && len != 32) || rd_bytes(nh, mp->nexthop.bytes, 16) < 0)
		goto bad_len;
	if (len == 32) {
		mp->nexthop_ll.family = AF_INET6;
		if (rd_bytes(nh, mp->nexthop_ll.bytes, 16) < 0)
			goto bad_len;
		/* Some speakers send :: here; keep only a real fe80::/10. */
		if (!ip_addr_is_link_local(&mp->nexthop_ll))
			memset(&mp->nexthop_ll, 0, sizeof(mp->nexthop_ll));
	}
	if (!v6_nexthop_usable(&mp->nexthop))
		goto bad_nh;
	return BGP_ACT_OK;
bad_len:
	/* RFC 7606 7.11: a next hop length the AFI/SAFI does not expect is
	 * treat-as-withdraw: the NLRI after it still parse. */
	return attr_fault(c, BGP_ACT_TREAT_AS_WITHDRAW, BGP_SUB_OPT_ATTR);
bad_nh:
	return attr_fault(c, BGP_ACT_TREAT_AS_WITHDRAW, BGP_SUB_OPT_ATTR);
}

static enum bgp_action mp_reach_decode(struct dec_ctx *c, struct rd *v)
{
	struct bgp_mp_reach *mp = &c->u->attrs.mp_reach;
	uint8_t nh_len, reserved;
	enum bgp_action act;
	struct rd nh;
	int family;

	/* RFC 7606 5.3: AFI, SAFI, next hop length and reserved octet must
	 * all be there, or nothing after them can be trusted. */
	if (rd_u16(v, &mp->afi) < 0 || rd_u8(v, &mp->safi) < 0 || rd_u8(v, &nh_len) < 0 ||
	    rd_sub(v, &nh, nh_len) < 0 || rd_u8(v, &reserved) < 0)
		return mp_fault(c, 0, 0);
	family = mp_family(mp->afi, mp->safi);
	/* An AFI/SAFI we do not speak (so cannot have negotiated): ignored. */
	if (family == 0)
		return attr_fault(c, BGP_ACT_ATTR_DISCARD, BGP_SUB_OPT_ATTR);
	act = mp_reach_nexthop(c, &nh, family);
	/* RFC 7606 5.3 */
	if (prefixes_decode(c->u, v, (uint8_t)family, &mp->nlri) < 0)
		return mp_fault(c, mp->afi, mp->safi);
	return act;
}

static enum bgp_action mp_unreach_decode(struct dec_ctx *c, struct rd *v)
{
	struct bgp_mp_unreach *mp = &c->u->attrs.mp_unreach;
	int family;

	if (rd_u16(v, &mp->afi) < 0 || rd_u8(v, &mp->safi) < 0)
		return mp_fault(c, 0, 0);
	family = mp_family(mp->afi, mp->safi);
	if (family == 0)
		return attr_fault(c, BGP_ACT_ATTR_DISCARD, BGP_SUB_OPT_ATTR);
	/* RFC 7606 5.3 */
	if (prefixes_decode(c->u, v, (uint8_t)family, &mp->withdrawn) < 0)
		return mp_fault(c, mp->afi, mp->safi);
	return BGP_ACT_OK;
}

/* We send IPv6 unicast only through MP attributes; IPv4 uses the classic
 * fields. */
static int mp_reach_encode(const struct enc_ctx *c, struct wr *w)
{
	const struct bgp_mp_reach *mp;
	size_t off;
	bool ll;
	int e;

	/* update_check() made sure attrs exist when announcing */
	if (c->out->announce6.n == 0)
		return 0;
	mp = &c->a->mp_reach;
	ll = mp->nexthop_ll.family == AF_INET6;
	e = attr_begin(w, BGP_ATTR_F_OPTIONAL, BGP_ATTR_MP_REACH, &off);
	e |= wr_u16(w, BGP_AFI_IPV6);
	e |= wr_u8(w, BGP_SAFI_UNICAST);
	/* RFC 2545 3: 16 octets, or 32 with the link-local address */
	e |= wr_u8(w, ll ? 32 : 16);
	e |= wr_bytes(w, mp->nexthop.bytes, 16);
	if (ll)
		e |= wr_bytes(w, mp->nexthop_ll.bytes, 16);
	e |= wr_u8(w, 0); /* reserved */
	if (e == 0 && prefixes_encode(w, &c->out->announce6, AF_INET6) < 0)
		e = -1;
	return attr_end(w, off, e);
}

static int mp_unreach_encode(const struct enc_ctx *c, struct wr *w)
{
	size_t off;
	int e;

	if (c->out->withdraw6.n == 0)
		return 0;
	e = attr_begin(w, BGP_ATTR_F_OPTIONAL, BGP_ATTR_MP_UNREACH, &off);
	e |= wr_u16(w, BGP_AFI_IPV6);
	e |= wr_u8(w, BGP_SAFI_UNICAST);
	if (e == 0 && prefixes_encode(w, &c->out->withdraw6, AF_INET6) < 0)
		e = -1;
	return attr_end(w, off, e);
}

static void prefixes_format(const struct bgp_prefixes *ps, struct fmt *f)
{
	char buf[PREFIX_STRLEN];

	for (size_t i = 0; i < ps->n && i < 4; i++)
		fmt_add(f, " %s", prefix_format(&ps->v[i], buf, sizeof(buf)));
	if (ps->n > 4)
		fmt_add(f, " (+%zu)", ps->n - 4);
}

static void mp_reach_format(const struct bgp_attrs *a, struct fmt *f)
{
	char buf[PREFIX_STRLEN];

	fmt_add(f, " mp-reach %u/%u next-hop %s", a->mp_reach.afi, a->mp_reach.safi,
		ip_addr_format(&a->mp_reach.nexthop, buf, sizeof(buf)));
	if (a->mp_reach.nexthop_ll.family == AF_INET6)
		fmt_add(f, " %s", ip_addr_format(&a->mp_reach.nexthop_ll, buf, sizeof(buf)));
	prefixes_format(&a->mp_reach.nlri, f);
}

static void mp_unreach_format(const struct bgp_attrs *a, struct fmt *f)
{
	fmt_add(f, " mp-unreach %u/%u", a->mp_unreach.afi, a->mp_unreach.safi);
	prefixes_format(&a->mp_unreach.withdrawn, f);
}

/* --- the table --- */

static const struct attr_desc attr_table[256] = {
	[BGP_ATTR_ORIGIN] = {"ORIGIN", BGP_ATTR_F_TRANSITIVE, origin_decode, origin_encode,
			     origin_format},
	[BGP_ATTR_AS_PATH] = {"AS_PATH", BGP_ATTR_F_TRANSITIVE, as_path_decode, as_path_encode,
			      as_path_format},
	[BGP_ATTR_NEXT_HOP] = {"NEXT_HOP", BGP_ATTR_F_TRANSITIVE, next_hop_decode, next_hop_encode,
			       next_hop_format},
	[BGP_ATTR_MED] = {"MULTI_EXIT_DISC", BGP_ATTR_F_OPTIONAL, med_decode, med_encode,
			  med_format},
	[BGP_ATTR_LOCAL_PREF] = {"LOCAL_PREF", BGP_ATTR_F_TRANSITIVE, local_pref_decode,
				 local_pref_encode, local_pref_format},
	[BGP_ATTR_ATOMIC_AGGREGATE] = {"ATOMIC_AGGREGATE", BGP_ATTR_F_TRANSITIVE,
				       atomic_aggregate_decode, atomic_aggregate_encode,
				       atomic_aggregate_format},
	[BGP_ATTR_AGGREGATOR] = {"AGGREGATOR", F_OT, aggregator_decode, aggregator_encode,
				 aggregator_format},
	[BGP_ATTR_COMMUNITIES] = {"COMMUNITIES", F_OT, communities_decode, communities_encode,
				  communities_format},
	[BGP_ATTR_ORIGINATOR_ID] = {"ORIGINATOR_ID", BGP_ATTR_F_OPTIONAL, originator_id_decode,
				    NULL, NULL},
	[BGP_ATTR_CLUSTER_LIST] = {"CLUSTER_LIST", BGP_ATTR_F_OPTIONAL, cluster_list_decode, NULL,
				   NULL},
	[BGP_ATTR_MP_REACH] = {"MP_REACH_NLRI", BGP_ATTR_F_OPTIONAL, mp_reach_decode,
			       mp_reach_encode, mp_reach_format},
	[BGP_ATTR_MP_UNREACH] = {"MP_UNREACH_NLRI", BGP_ATTR_F_OPTIONAL, mp_unreach_decode,
				 mp_unreach_encode, mp_unreach_format},
	[BGP_ATTR_EXT_COMMUNITIES] = {"EXTENDED_COMMUNITIES", F_OT, ext_communities_decode, NULL,
				      NULL},
	[BGP_ATTR_AS4_PATH] = {"AS4_PATH", F_OT, as4_path_decode, NULL, NULL},
	[BGP_ATTR_AS4_AGGREGATOR] = {"AS4_AGGREGATOR", F_OT, as4_aggregator_decode, NULL, NULL},
	[BGP_ATTR_LARGE_COMMUNITIES] = {"LARGE_COMMUNITY", F_OT, large_communities_decode, NULL,
					NULL},
};

/* RFC 7606 5.1: MP_UNREACH_NLRI and MP_REACH_NLRI go first, so a receiver
 * that must treat-as-withdraw finds them even if later attributes are bad. */
static const uint8_t encode_order[] = {
	BGP_ATTR_MP_UNREACH, BGP_ATTR_MP_REACH,	   BGP_ATTR_ORIGIN,	BGP_ATTR_AS_PATH,
	BGP_ATTR_NEXT_HOP,   BGP_ATTR_MED,	   BGP_ATTR_LOCAL_PREF, BGP_ATTR_ATOMIC_AGGREGATE,
	BGP_ATTR_AGGREGATOR, BGP_ATTR_COMMUNITIES,
};

/* --- UPDATE decode --- */

static void attrs_clear(struct bgp_attrs *a)
{
	memset(a->present, 0, sizeof(a->present));
	a->origin = 0;
	a->as_path.n_segs = 0;
	a->as_path.n_asns = 0;
	memset(&a->nexthop, 0, sizeof(a->nexthop));
	a->med = 0;
	a->local_pref = 0;
	a->aggregator_as = 0;
	memset(&a->aggregator_id, 0, sizeof(a->aggregator_id));
	a->n_communities = 0;
	memset(&a->mp_reach, 0, sizeof(a->mp_reach));
	memset(&a->mp_unreach, 0, sizeof(a->mp_unreach));
	a->n_raw = 0;
}

static bool is_mp(uint8_t code)
{
	return code == BGP_ATTR_MP_REACH || code == BGP_ATTR_MP_UNREACH;
}

/* Decodes one attribute header and value; returns 1 when the attribute list
 * ended early (an overrun, already recorded), 0 otherwise. */
static int attr_decode_one(struct dec_ctx *c, struct rd *r, uint8_t seen[32], unsigned *n_attrs)
{
	struct bgp_attrs *a = &c->u->attrs;
	const struct attr_desc *d;
	const uint8_t *start = rd_ptr(r);
	uint8_t flags = 0, code = 0, len8;
	uint16_t len = 0;
	enum bgp_action act;
	struct rd v;
	int rc;

	if (rd_u8(r, &flags) < 0 || rd_u8(r, &code) < 0)
		goto overrun;
	if (flags & BGP_ATTR_F_EXT_LEN)
		rc = rd_u16(r, &len);
	else if ((rc = rd_u8(r, &len8)) == 0)
		len = len8;
	if (rc < 0 || rd_sub(r, &v, len) < 0)
		goto overrun;
	c->code = code;
	c->flags = flags;
	c->raw = start;
	c->raw_len = (size_t)(rd_ptr(r) - start);
	(*n_attrs)++;

	/* RFC 7606 3.g: a repeated MP_REACH/MP_UNREACH is a Malformed
	 * Attribute List (session reset); any other repeat is discarded. */
	if (seen[code / 8] & (1u << (code % 8))) {
		if (is_mp(code))
			fault(c, BGP_ACT_SESSION_RESET, BGP_SUB_MALFORMED_ATTR_LIST, NULL, 0);
		else
			attr_fault(c, BGP_ACT_ATTR_DISCARD, BGP_SUB_MALFORMED_ATTR_LIST);
		return 0;
	}
	seen[code / 8] |= (uint8_t)(1u << (code % 8));

	d = &attr_table[code];
	if (d->decode == NULL) {
		/* RFC 4271 6.3: an unrecognized well-known attribute */
		if (!(flags & BGP_ATTR_F_OPTIONAL)) {
			attr_fault(c, BGP_ACT_SESSION_RESET, BGP_SUB_UNRECOGNIZED_WK_ATTR);
			return 0;
		}
		/* RFC 4271 5: unrecognized optional non-transitive attributes
		 * are ignored; transitive ones are passed on, marked Partial. */
		if (flags & BGP_ATTR_F_TRANSITIVE)
			raw_keep(c, flags | BGP_ATTR_F_PARTIAL, &v);
		return 0;
	}
	/* RFC 7606 3.c: Optional/Transitive bits that contradict the type:
	 * treat-as-withdraw. MP attributes are decoded anyway: they hold the
	 * prefixes to withdraw. */
	if ((flags & F_OT) != d->flags) {
		attr_fault(c, BGP_ACT_TREAT_AS_WITHDRAW, BGP_SUB_ATTR_FLAGS);
		if (!is_mp(code))
			return 0;
	}
	act = d->decode(c, &v);
	if (act == BGP_ACT_OK || (act == BGP_ACT_TREAT_AS_WITHDRAW && is_mp(code)))
		bgp_attr_set_present(a, code);
	return 0;

overrun:
	/* RFC 7606 4: an attribute running past the Total Attribute Length
	 * (or a header cut short) is treat-as-withdraw; that length still
	 * locates the NLRI. An MP attribute cut short hides prefixes: that
	 * cannot be withdrawn, so it resets (RFC 7606 5.3). */
	c->code = code;
	c->raw = start;
	c->raw_len = (size_t)(rd_ptr(r) - start) + rd_left(r);
	if (is_mp(code))
		attr_fault(c, BGP_ACT_SESSION_RESET, BGP_SUB_ATTR_LEN);
	else
		attr_fault(c, BGP_ACT_TREAT_AS_WITHDRAW, BGP_SUB_ATTR_LEN);
	return 1;
}

/* RFC 4271 6.3, RFC 7606 3.d: a well-known mandatory attribute missing from
 * an UPDATE that announces something is treat-as-withdraw. */
static void check_mandatory(struct dec_ctx *c)
{
	const struct bgp_update *u = c->u;
	const struct bgp_attrs *a = &u->attrs;
	bool mp = bgp_attr_present(a, BGP_ATTR_MP_REACH);
	uint8_t need[4];
	unsigned n = 0;

	if (u->nlri.n == 0 && !mp)
		return;
	need[n++] = BGP_ATTR_ORIGIN;
	need[n++] = BGP_ATTR_AS_PATH; /* RFC 4760 3: with MP_REACH too */
	/* RFC 4760 3: NEXT_HOP only with IPv4 NLRI in the NLRI field */
	if (u->nlri.n > 0)
		need[n++] = BGP_ATTR_NEXT_HOP;
	/* RFC 4271 5.1.5: LOCAL_PREF in every UPDATE to internal peers */
	if (!c->sp->ebgp)
		need[n++] = BGP_ATTR_LOCAL_PREF;
	for (unsigned i = 0; i < n; i++) {
		if (bgp_attr_present(a, need[i]))
			continue;
		c->code = need[i];
		/* RFC 4271 6.3: the data is the missing type code. */
		fault(c, BGP_ACT_TREAT_AS_WITHDRAW, BGP_SUB_MISSING_WK_ATTR, &need[i], 1);
	}
}

static enum bgp_action update_fail(struct dec_ctx *c, uint8_t subcode)
{
	c->code = 0;
	return fault(c, BGP_ACT_SESSION_RESET, subcode, NULL, 0);
}

enum bgp_action bgp_update_decode(const struct bgp_session_params *sp, const struct bgp_msg *m,
				  struct bgp_update *u, struct bgp_update_result *res)
{
	struct dec_ctx c = {.sp = sp, .u = u, .res = res};
	uint16_t wlen, alen;
	struct rd r, wd, at;
	uint8_t seen[32] = {0};
	unsigned n_attrs = 0;

	memset(res, 0, offsetof(struct bgp_update_result, err));
	res->err.code = 0;
	res->err.subcode = 0;
	res->err.data_len = 0;
	u->n_pool = 0;
	u->withdrawn = u->nlri = (struct bgp_prefixes){u->pool, 0};
	u->end_of_rib = false;
	u->eor_afi = 0;
	u->eor_safi = 0;
	attrs_clear(&u->attrs);
	if (m->type != BGP_UPDATE)
		return update_fail(&c, BGP_SUB_UNSPECIFIC);

	rd_init(&r, m->body, m->body_len);
	/* RFC 4271 6.3: Withdrawn Routes Length + Total Attribute Length + 23
	 * must fit in the message: Malformed Attribute List, session reset. */
	if (rd_u16(&r, &wlen) < 0 || rd_sub(&r, &wd, wlen) < 0)
		return update_fail(&c, BGP_SUB_MALFORMED_ATTR_LIST);
	if (rd_u16(&r, &alen) < 0 || rd_sub(&r, &at, alen) < 0)
		return update_fail(&c, BGP_SUB_MALFORMED_ATTR_LIST);
	/* RFC 7606 5.3: prefixes that do not parse cannot be withdrawn:
	 * session reset with Invalid Network Field (RFC 4271 6.3). The NLRI
	 * field is what remains after the attributes. */
	if (prefixes_decode(u, &wd, AF_INET, &u->withdrawn) < 0 ||
	    prefixes_decode(u, &r, AF_INET, &u->nlri) < 0)
		return update_fail(&c, BGP_SUB_INVALID_NETWORK);

	/* RFC 4724 2: an UPDATE with nothing in it is the IPv4 End-of-RIB. */
	if (wlen == 0 && alen == 0 && u->nlri.n == 0) {
		u->end_of_rib = true;
		u->eor_afi = BGP_AFI_IPV4;
		u->eor_safi = BGP_SAFI_UNICAST;
		return BGP_ACT_OK;
	}

	while (rd_left(&at) > 0 && res->action != BGP_ACT_SESSION_RESET)
		if (attr_decode_one(&c, &at, seen, &n_attrs))
			break;
	if (res->action == BGP_ACT_SESSION_RESET)
		return res->action;
	check_mandatory(&c);

	/* RFC 4724 2: only an empty MP_UNREACH_NLRI is the End-of-RIB of its
	 * AFI/SAFI. */
	if (wlen == 0 && u->nlri.n == 0 && n_attrs == 1 &&
	    bgp_attr_present(&u->attrs, BGP_ATTR_MP_UNREACH) &&
	    u->attrs.mp_unreach.withdrawn.n == 0 && res->action == BGP_ACT_OK) {
		u->end_of_rib = true;
		u->eor_afi = u->attrs.mp_unreach.afi;
		u->eor_safi = u->attrs.mp_unreach.safi;
	}
	return res->action;
}

/* --- UPDATE encode --- */

static int raw_attrs_encode(const struct enc_ctx *c, struct wr *w)
{
	const struct bgp_attrs *a = c->a;
	bool as4_path_sent = !c->sp->as4 && as_path_needs_as4(&a->as_path) &&
			     bgp_attr_present(a, BGP_ATTR_AS_PATH);

	for (uint16_t i = 0; i < a->n_raw && i < BGP_MAX_RAW_ATTRS; i++) {
		const struct bgp_attr_raw *ra = &a->raw[i];
		size_t off;
		int e;

		/* RFC 6793 3: no AS4_* attributes to a NEW speaker */
		if ((ra->code == BGP_ATTR_AS4_PATH || ra->code == BGP_ATTR_AS4_AGGREGATOR) &&
		    (c->sp->as4 || (ra->code == BGP_ATTR_AS4_PATH && as4_path_sent)))
			continue;
		/* internal-only attributes never leave the AS */
		if ((ra->code == BGP_ATTR_ORIGINATOR_ID || ra->code == BGP_ATTR_CLUSTER_LIST) &&
		    c->sp->ebgp)
			continue;
		e = attr_begin(w, ra->flags, ra->code, &off);
		e |= wr_bytes(w, ra->data, ra->len);
		if (attr_end(w, off, e) < 0)
			return -1;
	}
	return 0;
}

static int update_check(const struct bgp_update_out *out)
{
	const struct bgp_attrs *a = out->attrs;

	/* An empty UPDATE is the IPv4 End-of-RIB: say so with bgp_eor_encode(). */
	if (out->withdraw4.n + out->withdraw6.n + out->announce4.n + out->announce6.n == 0)
		return -EINVAL;
	if (out->announce4.n + out->announce6.n == 0)
		return 0;
	if (a == NULL || !bgp_attr_present(a, BGP_ATTR_ORIGIN) ||
	    !bgp_attr_present(a, BGP_ATTR_AS_PATH))
		return -EINVAL;
	if (out->announce4.n > 0 &&
	    (!bgp_attr_present(a, BGP_ATTR_NEXT_HOP) || a->nexthop.family != AF_INET))
		return -EINVAL;
	if (out->announce6.n > 0 && a->mp_reach.nexthop.family != AF_INET6)
		return -EINVAL;
	return 0;
}

int bgp_update_encode(const struct bgp_session_params *sp, uint8_t *buf, size_t cap,
		      const struct bgp_update_out *out)
{
	struct enc_ctx c = {.sp = sp, .a = out->attrs, .out = out};
	bool announce = out->announce4.n + out->announce6.n > 0;
	size_t off;
	struct wr w;
	int e = 0, rc;

	if ((rc = update_check(out)) < 0)
		return rc;
	wr_init(&w, buf, cap < BGP_MAX_LEN ? cap : BGP_MAX_LEN);
	e |= bgp_msg_begin(&w, BGP_UPDATE);
	off = wr_len(&w);
	e |= wr_u16(&w, 0);
	if ((rc = prefixes_encode(&w, &out->withdraw4, AF_INET)) < 0)
		return rc;
	e |= wr_put_u16_at(&w, off, (uint16_t)(wr_len(&w) - off - 2));
	off = wr_len(&w);
	e |= wr_u16(&w, 0);
	for (size_t i = 0; i < sizeof(encode_order) && e == 0; i++) {
		uint8_t code = encode_order[i];

		/* A withdraw-only UPDATE carries MP_UNREACH at most. */
		if (!is_mp(code) && (!announce || !bgp_attr_present(c.a, code)))
			continue;
		e |= attr_table[code].encode(&c, &w);
	}
	if (announce && e == 0)
		e |= raw_attrs_encode(&c, &w);
	e |= wr_put_u16_at(&w, off, (uint16_t)(wr_len(&w) - off - 2));
	if (e == 0 && (rc = prefixes_encode(&w, &out->announce4, AF_INET)) < 0)
		return rc;
	rc = bgp_msg_finish(&w, e);
	return rc == -ENOSPC ? -EMSGSIZE : rc;
}

void bgp_attrs_init_local(struct bgp_attrs *a, const struct bgp_session_params *sp,
			  uint32_t local_as, const struct ip_addr *nh4, const struct ip_addr *nh6,
			  const struct ip_addr *nh6_ll)
{
	attrs_clear(a);
	a->origin = BGP_ORIGIN_IGP;
	bgp_attr_set_present(a, BGP_ATTR_ORIGIN);
	/* RFC 4271 5.1.2: our AS prepended towards external peers, an empty
	 * path to internal ones. */
	if (sp->ebgp) {
		a->as_path.segs[0] = (struct bgp_as_seg){.type = BGP_AS_SEQUENCE, .n = 1};
		a->as_path.asns[0] = local_as;
		a->as_path.n_segs = 1;
		a->as_path.n_asns = 1;
	} else {
		a->local_pref = 100;
		bgp_attr_set_present(a, BGP_ATTR_LOCAL_PREF);
	}
	bgp_attr_set_present(a, BGP_ATTR_AS_PATH);
	if (nh4) {
		a->nexthop = *nh4;
		bgp_attr_set_present(a, BGP_ATTR_NEXT_HOP);
	}
	if (nh6) {
		a->mp_reach.afi = BGP_AFI_IPV6;
		a->mp_reach.safi = BGP_SAFI_UNICAST;
		a->mp_reach.nexthop = *nh6;
		if (nh6_ll)
			a->mp_reach.nexthop_ll = *nh6_ll;
	}
}

int bgp_eor_encode(uint8_t *buf, size_t cap, uint16_t afi, uint8_t safi)
{
	size_t off;
	struct wr w;
	int e = 0;

	wr_init(&w, buf, cap < BGP_MAX_LEN ? cap : BGP_MAX_LEN);
	e |= bgp_msg_begin(&w, BGP_UPDATE);
	e |= wr_u16(&w, 0); /* no withdrawn routes */
	/* RFC 4724 2: empty UPDATE for IPv4 unicast, else an empty
	 * MP_UNREACH_NLRI. */
	if (afi == BGP_AFI_IPV4 && safi == BGP_SAFI_UNICAST) {
		e |= wr_u16(&w, 0);
		return bgp_msg_finish(&w, e);
	}
	e |= wr_u16(&w, 6);
	e |= attr_begin(&w, BGP_ATTR_F_OPTIONAL, BGP_ATTR_MP_UNREACH, &off);
	e |= wr_u16(&w, afi);
	e |= wr_u8(&w, safi);
	e |= attr_end(&w, off, e);
	return bgp_msg_finish(&w, e);
}

/* --- log formatting --- */

char *bgp_attrs_format(const struct bgp_attrs *a, char *buf, size_t len)
{
	struct fmt f = {.buf = buf, .len = len};

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (unsigned code = 0; code < 256; code++) {
		const struct attr_desc *d = &attr_table[code];

		if (d->format && bgp_attr_present(a, (uint8_t)code))
			d->format(a, &f);
	}
	for (uint16_t i = 0; i < a->n_raw && i < BGP_MAX_RAW_ATTRS; i++) {
		const char *name = attr_table[a->raw[i].code].name;

		if (name)
			fmt_add(&f, " %s (%u octets)", name, a->raw[i].len);
		else
			fmt_add(&f, " attr-%u (%u octets, flags 0x%02x)", a->raw[i].code,
				a->raw[i].len, a->raw[i].flags);
	}
	/* drop the leading space */
	if (buf[0] == ' ')
		memmove(buf, buf + 1, strlen(buf));
	return buf;
}

const char *bgp_action_name(enum bgp_action act)
{
	switch (act) {
	case BGP_ACT_OK:
		return "ok";
	case BGP_ACT_ATTR_DISCARD:
		return "attribute-discard";
	case BGP_ACT_TREAT_AS_WITHDRAW:
		return "treat-as-withdraw";
	case BGP_ACT_AFI_SAFI_DISABLE:
		return "afi-safi-disable";
	case BGP_ACT_SESSION_RESET:
		return "session-reset";
	}
	return "?";
}
