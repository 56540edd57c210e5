/* SPDX-License-Identifier: BSD-3-Clause */
/* BGP-4 message codec (RFC 4271) with the extensions peerfwd speaks:
 * capabilities (RFC 5492), multiprotocol (RFC 4760, IPv6 unicast per RFC 2545),
 * route refresh (RFC 2918/7313), 4-octet AS (RFC 6793), graceful restart
 * (RFC 4724) and revised UPDATE error handling (RFC 7606).
 *
 * Pure: no sockets, no allocation, no global state. Decoders take a message
 * framed by bgp_msg_parse() and report faults as the NOTIFICATION to send
 * (struct bgp_err); UPDATE faults also carry the RFC 7606 action. Pointers in
 * decoded structs (raw attributes, unknown capabilities, NOTIFICATION data)
 * point into the received buffer and live as long as it does. */
#ifndef PEERFWD_BGP_MSG_H
#define PEERFWD_BGP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/prefix/prefix.h"

/* RFC 4271 4.1 */
#define BGP_MARKER_LEN 16
#define BGP_HDR_LEN    19
#define BGP_MAX_LEN    4096 /* no RFC 8654 extended messages */
/* RFC 4271 4.2-4.5, RFC 2918 3: smallest legal message of each type */
#define BGP_OPEN_MIN_LEN	 29
#define BGP_UPDATE_MIN_LEN	 23
#define BGP_NOTIFICATION_MIN_LEN 21
#define BGP_KEEPALIVE_LEN	 19
#define BGP_ROUTE_REFRESH_LEN	 23
#define BGP_NOTIF_DATA_MAX	 (BGP_MAX_LEN - BGP_NOTIFICATION_MIN_LEN)

#define BGP_VERSION  4
#define BGP_PORT     179
#define BGP_AS_TRANS 23456 /* RFC 6793 9 */

enum bgp_type {
	BGP_OPEN = 1,
	BGP_UPDATE = 2,
	BGP_NOTIFICATION = 3,
	BGP_KEEPALIVE = 4,
	BGP_ROUTE_REFRESH = 5,
};

/* RFC 4271 4.5 error codes, RFC 7313 5 (code 7). */
enum bgp_err_code {
	BGP_ERR_HEADER = 1,
	BGP_ERR_OPEN = 2,
	BGP_ERR_UPDATE = 3,
	BGP_ERR_HOLD = 4,
	BGP_ERR_FSM = 5,
	BGP_ERR_CEASE = 6,
	BGP_ERR_ROUTE_REFRESH = 7,
	BGP_ERR_SEND_HOLD = 8, /* RFC 9687 5: Send Hold Timer Expired */
};

/* RFC 4271 4.5: zero is "Unspecific" for every code. */
#define BGP_SUB_UNSPECIFIC 0

enum bgp_err_header_sub {
	BGP_SUB_CONN_NOT_SYNC = 1,
	BGP_SUB_BAD_MSG_LEN = 2,
	BGP_SUB_BAD_MSG_TYPE = 3,
};

enum bgp_err_open_sub {
	BGP_SUB_UNSUP_VERSION = 1,
	BGP_SUB_BAD_PEER_AS = 2,
	BGP_SUB_BAD_BGP_ID = 3,
	BGP_SUB_UNSUP_OPT_PARAM = 4,
	/* 5 deprecated (authentication failure) */
	BGP_SUB_UNACCEPTABLE_HOLD = 6,
	BGP_SUB_UNSUP_CAPABILITY = 7, /* RFC 5492 5 */
	BGP_SUB_ROLE_MISMATCH = 11,   /* RFC 9234 */
};

enum bgp_err_update_sub {
	BGP_SUB_MALFORMED_ATTR_LIST = 1,
	BGP_SUB_UNRECOGNIZED_WK_ATTR = 2,
	BGP_SUB_MISSING_WK_ATTR = 3,
	BGP_SUB_ATTR_FLAGS = 4,
	BGP_SUB_ATTR_LEN = 5,
	BGP_SUB_INVALID_ORIGIN = 6,
	/* 7 deprecated (AS routing loop) */
	BGP_SUB_INVALID_NEXT_HOP = 8,
	BGP_SUB_OPT_ATTR = 9,
	BGP_SUB_INVALID_NETWORK = 10,
	BGP_SUB_MALFORMED_AS_PATH = 11,
};

/* RFC 4486, RFC 8538 */
enum bgp_err_cease_sub {
	BGP_SUB_MAX_PREFIXES = 1,
	BGP_SUB_ADMIN_SHUTDOWN = 2,
	BGP_SUB_PEER_DECONFIGURED = 3,
	BGP_SUB_ADMIN_RESET = 4,
	BGP_SUB_CONN_REJECTED = 5,
	BGP_SUB_OTHER_CONFIG_CHANGE = 6,
	BGP_SUB_CONN_COLLISION = 7,
	BGP_SUB_OUT_OF_RESOURCES = 8,
	BGP_SUB_HARD_RESET = 9,
	BGP_SUB_BFD_DOWN = 10, /* RFC 9384 */
};

enum bgp_err_rr_sub {
	BGP_SUB_RR_INVALID_LEN = 1, /* RFC 7313 5 */
};

/* The NOTIFICATION a fault calls for (RFC 4271 6). For UPDATE faults that
 * RFC 7606 softens, it says what a strict speaker would have sent and is
 * there for the log. */
struct bgp_err {
	uint8_t code;
	uint8_t subcode;
	uint16_t data_len;
	uint8_t data[BGP_NOTIF_DATA_MAX];
};

void bgp_err_set(struct bgp_err *err, uint8_t code, uint8_t subcode, const void *data,
		 size_t data_len);

const char *bgp_type_name(uint8_t type);
const char *bgp_err_code_name(uint8_t code);
const char *bgp_err_subcode_name(uint8_t code, uint8_t subcode);

/* A framed message: header checked, body bounded. */
struct bgp_msg {
	uint8_t type;
	uint16_t len;	     /* whole message, header included */
	const uint8_t *raw;  /* the whole message */
	const uint8_t *body; /* after the header */
	size_t body_len;
};

/* Frames one message from the start of a stream buffer. Returns the message
 * length (> 0), -EAGAIN when fewer bytes than the header or the length field
 * asks for are buffered, or -EBADMSG with *err set (RFC 4271 6.1). */
int bgp_msg_parse(const uint8_t *buf, size_t len, struct bgp_msg *m, struct bgp_err *err);

struct wr;
/* Writes a header with a placeholder length; bgp_msg_finish() fills it in
 * (the message must start at offset 0 of w) and returns the message length,
 * or -ENOSPC when anything did not fit. */
int bgp_msg_begin(struct wr *w, uint8_t type);
int bgp_msg_finish(struct wr *w, int write_err);

/* Address families (RFC 4760, IANA). */
#define BGP_AFI_IPV4	 1
#define BGP_AFI_IPV6	 2
#define BGP_SAFI_UNICAST 1

/* --- OPEN (RFC 4271 4.2) and capabilities (RFC 5492) --- */

enum bgp_cap_code {
	BGP_CAP_MP = 1,			/* RFC 4760 8 */
	BGP_CAP_ROUTE_REFRESH = 2,	/* RFC 2918 2 */
	BGP_CAP_ENH_ROUTE_REFRESH = 70, /* RFC 7313 */
	BGP_CAP_GRACEFUL_RESTART = 64,	/* RFC 4724 3 */
	BGP_CAP_AS4 = 65,		/* RFC 6793 3 */
};

#define BGP_CAPS_MAX_AFI     32
#define BGP_CAPS_MAX_UNKNOWN 16

/* RFC 4724 3: restart flags (top 4 bits of the 16-bit field) and the
 * per-AFI/SAFI flags. */
#define BGP_GR_F_RESTART       0x8
#define BGP_GR_F_NOTIFICATION  0x4 /* RFC 8538 2 */
#define BGP_GR_TIME_MAX	       0xfff
#define BGP_GR_AF_F_FORWARDING 0x80

struct bgp_afi_safi {
	uint16_t afi;
	uint8_t safi;
	uint8_t flags; /* graceful restart only */
};

struct bgp_cap_raw {
	uint8_t code;
	uint8_t len;
	const uint8_t *data;
};

struct bgp_caps {
	uint8_t n_mp;
	struct bgp_afi_safi mp[BGP_CAPS_MAX_AFI];
	bool route_refresh;
	bool enh_route_refresh;
	bool as4;
	uint32_t as4_asn;
	bool gr;
	uint8_t gr_flags; /* BGP_GR_F_* */
	uint16_t gr_time; /* seconds, 12 bits */
	uint8_t n_gr_afi;
	struct bgp_afi_safi gr_afi[BGP_CAPS_MAX_AFI];
	/* Kept for the log, otherwise ignored (RFC 5492 3). Extra ones are
	 * counted only. */
	uint8_t n_unknown;
	uint16_t n_unknown_total;
	struct bgp_cap_raw unknown[BGP_CAPS_MAX_UNKNOWN];
};

struct bgp_open {
	uint8_t version;
	uint16_t my_as; /* the 2-octet field: AS_TRANS when the AS needs 4 */
	uint16_t hold_time;
	uint32_t bgp_id; /* host order */
	struct bgp_caps caps;
};

/* Checks what the message alone can tell (version, AS 0 (RFC 7607), hold
 * time, identifier, parameter syntax). Whether the AS, identifier and
 * capabilities suit the configured peer is the session's business. */
int bgp_open_decode(const struct bgp_msg *m, struct bgp_open *o, struct bgp_err *err);
/* The AS the peer speaks for: the 4-octet capability when present. */
uint32_t bgp_open_peer_as(const struct bgp_open *o);
bool bgp_caps_has_mp(const struct bgp_caps *c, uint16_t afi, uint8_t safi);
/* Encodes the capabilities in *caps that have content (mp, route refresh,
 * as4, gr); my_as is derived from caps.as4_asn when caps.as4 is set.
 * Returns the message length or -ENOSPC. */
int bgp_open_encode(uint8_t *buf, size_t cap, const struct bgp_open *o);

/* --- KEEPALIVE, NOTIFICATION, ROUTE-REFRESH --- */

int bgp_keepalive_encode(uint8_t *buf, size_t cap);

struct bgp_notification {
	uint8_t code;
	uint8_t subcode;
	uint16_t data_len;
	const uint8_t *data;
	/* RFC 9003 shutdown communication (Cease/2 and Cease/4), when present
	 * and well formed: UTF-8, not NUL-terminated. */
	uint8_t shutdown_msg_len;
	const uint8_t *shutdown_msg;
};

int bgp_notification_decode(const struct bgp_msg *m, struct bgp_notification *n,
			    struct bgp_err *err);
int bgp_notification_encode(uint8_t *buf, size_t cap, uint8_t code, uint8_t subcode,
			    const void *data, size_t data_len);
int bgp_notification_encode_err(uint8_t *buf, size_t cap, const struct bgp_err *err);

/* RFC 7313 3 message subtypes (the RFC 2918 reserved octet). */
enum bgp_rr_subtype {
	BGP_RR_NORMAL = 0,
	BGP_RR_BORR = 1,
	BGP_RR_EORR = 2,
};

struct bgp_route_refresh {
	uint16_t afi;
	uint8_t subtype;
	uint8_t safi;
};

int bgp_route_refresh_decode(const struct bgp_msg *m, struct bgp_route_refresh *rr,
			     struct bgp_err *err);
int bgp_route_refresh_encode(uint8_t *buf, size_t cap, const struct bgp_route_refresh *rr);

/* --- UPDATE (RFC 4271 4.3) --- */

enum bgp_attr_code {
	BGP_ATTR_ORIGIN = 1,
	BGP_ATTR_AS_PATH = 2,
	BGP_ATTR_NEXT_HOP = 3,
	BGP_ATTR_MED = 4,
	BGP_ATTR_LOCAL_PREF = 5,
	BGP_ATTR_ATOMIC_AGGREGATE = 6,
	BGP_ATTR_AGGREGATOR = 7,
	BGP_ATTR_COMMUNITIES = 8,
	BGP_ATTR_ORIGINATOR_ID = 9,
	BGP_ATTR_CLUSTER_LIST = 10,
	BGP_ATTR_MP_REACH = 14,
	BGP_ATTR_MP_UNREACH = 15,
	BGP_ATTR_EXT_COMMUNITIES = 16,
	BGP_ATTR_AS4_PATH = 17,
	BGP_ATTR_AS4_AGGREGATOR = 18,
	BGP_ATTR_LARGE_COMMUNITIES = 32,
};

/* RFC 4271 4.3 attribute flags */
#define BGP_ATTR_F_OPTIONAL   0x80
#define BGP_ATTR_F_TRANSITIVE 0x40
#define BGP_ATTR_F_PARTIAL    0x20
#define BGP_ATTR_F_EXT_LEN    0x10

enum bgp_origin {
	BGP_ORIGIN_IGP = 0,
	BGP_ORIGIN_EGP = 1,
	BGP_ORIGIN_INCOMPLETE = 2,
};

enum bgp_as_seg_type {
	BGP_AS_SET = 1,
	BGP_AS_SEQUENCE = 2,
	BGP_AS_CONFED_SEQUENCE = 3, /* RFC 5065 */
	BGP_AS_CONFED_SET = 4,
};

/* Local bounds on AS_PATH (beyond them a route is treated as withdrawn: we
 * cannot hold it, and no sane path is that long). */
#define BGP_AS_PATH_MAX_SEGS 255
#define BGP_AS_PATH_MAX_ASNS 1024

/* Every prefix in an UPDATE takes at least one octet, so this bounds the
 * prefixes of all kinds in one message. */
#define BGP_UPDATE_MAX_PREFIXES (BGP_MAX_LEN - BGP_UPDATE_MIN_LEN)
#define BGP_MAX_COMMUNITIES	((BGP_MAX_LEN - BGP_UPDATE_MIN_LEN) / 4)
#define BGP_COMMUNITY_GSHUT	0xffff0000u /* GRACEFUL_SHUTDOWN, 65535:0 (RFC 8326) */
/* One raw slot per attribute type code: duplicates are dropped (RFC 7606
 * 3.g), so no UPDATE can hold more. */
#define BGP_MAX_RAW_ATTRS 256

struct bgp_as_seg {
	uint8_t type;
	uint8_t n;	/* ASNs in the segment */
	uint16_t first; /* index into bgp_as_path.asns */
};

struct bgp_as_path {
	uint16_t n_segs;
	uint16_t n_asns;
	struct bgp_as_seg segs[BGP_AS_PATH_MAX_SEGS];
	uint32_t asns[BGP_AS_PATH_MAX_ASNS];
};

struct bgp_prefixes {
	const struct prefix *v;
	size_t n;
};

struct bgp_mp_reach {
	uint16_t afi;
	uint8_t safi;
	struct ip_addr nexthop;
	struct ip_addr nexthop_ll; /* RFC 2545 3: family 0 when absent */
	struct bgp_prefixes nlri;
};

struct bgp_mp_unreach {
	uint16_t afi;
	uint8_t safi;
	struct bgp_prefixes withdrawn;
};

/* An attribute kept as it came: unknown optional transitive ones (with the
 * partial bit set, RFC 4271 5), and known ones we only validate. */
struct bgp_attr_raw {
	uint8_t flags;
	uint8_t code;
	uint16_t len;
	const uint8_t *data;
};

struct bgp_attrs {
	uint8_t present[32]; /* bitmap by type code; see bgp_attr_present() */
	uint8_t origin;
	struct bgp_as_path as_path;
	struct ip_addr nexthop;
	uint32_t med;
	uint32_t local_pref;
	/* ATOMIC_AGGREGATE has no value: presence only */
	uint32_t aggregator_as;
	struct ip_addr aggregator_id;
	uint16_t n_communities;
	uint32_t communities[BGP_MAX_COMMUNITIES];
	struct bgp_mp_reach mp_reach;
	struct bgp_mp_unreach mp_unreach;
	uint16_t n_raw;
	struct bgp_attr_raw raw[BGP_MAX_RAW_ATTRS];
};

static inline bool bgp_attr_present(const struct bgp_attrs *a, uint8_t code)
{
	return a->present[code / 8] & (1u << (code % 8));
}

static inline void bgp_attr_set_present(struct bgp_attrs *a, uint8_t code)
{
	a->present[code / 8] |= (uint8_t)(1u << (code % 8));
}

/* RFC 7606 2: what to do with an UPDATE, least to most severe. */
enum bgp_action {
	BGP_ACT_OK = 0,
	BGP_ACT_ATTR_DISCARD,	   /* an attribute was dropped; use the rest */
	BGP_ACT_TREAT_AS_WITHDRAW, /* withdraw every prefix the UPDATE carries */
	BGP_ACT_AFI_SAFI_DISABLE,  /* drop the AFI/SAFI's routes, stop using it */
	BGP_ACT_SESSION_RESET,	   /* send err as NOTIFICATION, close */
};

struct bgp_update_result {
	enum bgp_action action; /* the most severe of those applied */
	uint8_t actions;	/* bitmask, 1u << each bgp_action applied */
	uint8_t attr_code;	/* attribute at fault, 0 if none */
	uint16_t afi;		/* for BGP_ACT_AFI_SAFI_DISABLE */
	uint8_t safi;
	uint16_t n_discarded;
	uint8_t discarded[32]; /* bitmap: codes of which an occurrence was dropped */
	struct bgp_err err;    /* the fault behind action */
};

/* About 85 KB (room for every prefix a 4096-octet message can hold): keep
 * one per session or reader, not on the stack. */
struct bgp_update {
	struct bgp_prefixes withdrawn; /* IPv4 Withdrawn Routes field */
	struct bgp_prefixes nlri;      /* IPv4 NLRI field */
	struct bgp_attrs attrs;	       /* MP prefixes are in attrs.mp_* */
	bool end_of_rib;	       /* RFC 4724 2 */
	uint16_t eor_afi;
	uint8_t eor_safi;
	size_t n_pool;
	struct prefix pool[BGP_UPDATE_MAX_PREFIXES];
};

struct bgp_session_params {
	bool as4;  /* 4-octet AS negotiated (RFC 6793) */
	bool ebgp; /* the peer is external */
	/* RFC 7606 5.3 lets malformed MP_REACH/MP_UNREACH NLRI disable the
	 * AFI/SAFI instead of resetting the session. */
	bool mp_error_disables_afi;
};

/* Decodes an UPDATE. Returns res->action. The update is filled as far as it
 * could be parsed; with BGP_ACT_TREAT_AS_WITHDRAW every prefix in nlri and
 * attrs.mp_reach.nlri is to be withdrawn, like those in withdrawn. */
enum bgp_action bgp_update_decode(const struct bgp_session_params *sp, const struct bgp_msg *m,
				  struct bgp_update *u, struct bgp_update_result *res);

/* What we advertise. Attributes are taken from attrs where present (the
 * presence bitmap decides); prefixes from the lists (IPv6 ones go in
 * MP_REACH/MP_UNREACH per RFC 4760, with attrs.mp_reach's next hop).
 * Returns the message length, -EMSGSIZE when it would not fit in
 * min(cap, BGP_MAX_LEN) (send fewer prefixes per message), or -EINVAL for
 * no prefixes at all (End-of-RIB is bgp_eor_encode()), a prefix of the wrong
 * family, or announcements without ORIGIN, AS_PATH and their next hop. */
struct bgp_update_out {
	struct bgp_prefixes withdraw4;
	struct bgp_prefixes announce4;
	struct bgp_prefixes withdraw6;
	struct bgp_prefixes announce6;
	const struct bgp_attrs *attrs;
};

int bgp_update_encode(const struct bgp_session_params *sp, uint8_t *buf, size_t cap,
		      const struct bgp_update_out *out);
/* The attributes of our own routes: ORIGIN IGP, AS_PATH [local_as] (empty to
 * iBGP peers), NEXT_HOP nh4 and/or MP_REACH next hop nh6 (+ nh6_ll). Either
 * next hop may be NULL. LOCAL_PREF 100 to iBGP peers. */
void bgp_attrs_init_local(struct bgp_attrs *a, const struct bgp_session_params *sp,
			  uint32_t local_as, const struct ip_addr *nh4, const struct ip_addr *nh6,
			  const struct ip_addr *nh6_ll);
/* RFC 4724 2: End-of-RIB marker. */
int bgp_eor_encode(uint8_t *buf, size_t cap, uint16_t afi, uint8_t safi);

/* One line for the log: "origin igp as-path 65001 {65002 65003} next-hop ...". */
char *bgp_attrs_format(const struct bgp_attrs *a, char *buf, size_t len);
const char *bgp_action_name(enum bgp_action act);

#endif
