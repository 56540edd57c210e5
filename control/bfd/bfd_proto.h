/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BFD (RFC 5880) control packets and the session state machine of
 * asynchronous mode, without I/O or clocks of their own: bfd.c feeds them
 * packets and the time, the unit tests feed them scripted peers.
 *
 * Authentication (4.2-4.4, 6.7): simple password, keyed and meticulous
 * keyed MD5 and SHA1; a session signs with one key and takes up to
 * BFD_AUTH_MAX_KEYS by Key ID (bfd_sess_set_auth, bfd_sess_set_keys).
 *
 * Not implemented: demand mode (never requested; a peer's D bit is
 * honoured by not expecting its packets) and the echo function (we ask for
 * no echoes).
 */
#ifndef PEERFWD_BFD_PROTO_H
#define PEERFWD_BFD_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define BFD_PKT_LEN	 24
#define BFD_PKT_MAX	 (BFD_PKT_LEN + 28) /* with a SHA1 authentication section */
#define BFD_SLOW_TX_US	 1000000u	    /* desired min TX while not Up (6.8.3) */
#define BFD_PORT	 3784		    /* RFC 5881 single hop */
#define BFD_SRC_PORT_MIN 49152
#define BFD_SRC_PORT_MAX 65535
#define BFD_TTL		 255 /* sent with, and required on receipt (GTSM, RFC 5881) */

enum bfd_state {
	BFD_ADMIN_DOWN = 0,
	BFD_DOWN = 1,
	BFD_INIT = 2,
	BFD_UP = 3,
};

enum bfd_diag {
	BFD_DIAG_NONE = 0,
	BFD_DIAG_TIME_EXPIRED = 1,
	BFD_DIAG_ECHO_FAILED = 2,
	BFD_DIAG_NEIGHBOR_DOWN = 3,
	BFD_DIAG_FWD_RESET = 4,
	BFD_DIAG_PATH_DOWN = 5,
	BFD_DIAG_CONCAT_DOWN = 6,
	BFD_DIAG_ADMIN_DOWN = 7,
	BFD_DIAG_REV_CONCAT_DOWN = 8,
};

/* Authentication types (4.1's Auth Type), and a session's key. */
enum bfd_auth_type {
	BFD_AUTH_NONE = 0,
	BFD_AUTH_SIMPLE = 1,
	BFD_AUTH_KEYED_MD5 = 2,
	BFD_AUTH_METICULOUS_MD5 = 3,
	BFD_AUTH_KEYED_SHA1 = 4,
	BFD_AUTH_METICULOUS_SHA1 = 5,
};
#define BFD_AUTH_KEY_MAX 20 /* SHA1; 16 for a password or MD5 */

#define BFD_AUTH_MAX_KEYS 4

struct bfd_key {
	uint8_t id;
	uint8_t len; /* 1..bfd_auth_key_max(type) */
	uint8_t key[BFD_AUTH_KEY_MAX];
};

/* A session's authentication: keys[0] signs what it sends; a packet is
 * checked with the key its Key ID names, any of keys[0..n_keys) (6.7.1),
 * so that a new key can be rolled in on both ends without a failure. */
struct bfd_auth {
	uint8_t type;	/* enum bfd_auth_type */
	uint8_t n_keys; /* 1..BFD_AUTH_MAX_KEYS but with BFD_AUTH_NONE */
	struct bfd_key keys[BFD_AUTH_MAX_KEYS];
};

/* The config's names: "simple", "keyed-md5", "meticulous-keyed-md5",
 * "keyed-sha1", "meticulous-keyed-sha1" ("none" for 0). */
static inline const char *bfd_auth_name(uint8_t type)
{
	static const char *const n[] = {"none",	      "simple",
					"keyed-md5",  "meticulous-keyed-md5",
					"keyed-sha1", "meticulous-keyed-sha1"};

	return type < sizeof(n) / sizeof(n[0]) ? n[type] : "unknown";
}

/* The type of a name, or -1. */
static inline int bfd_auth_type_of(const char *name)
{
	for (int t = BFD_AUTH_NONE; t <= BFD_AUTH_METICULOUS_SHA1; t++)
		if (strcmp(name, bfd_auth_name((uint8_t)t)) == 0)
			return t;
	return -1;
}

/* The longest key a type takes (a password: 16, 4.2.1). */
static inline unsigned bfd_auth_key_max(uint8_t type)
{
	return type >= BFD_AUTH_KEYED_SHA1 ? 20 : 16;
}

struct bfd_pkt {
	uint8_t diag;
	uint8_t state; /* enum bfd_state */
	bool poll, final, cpi, auth, demand, multipoint;
	uint8_t detect_mult;
	uint32_t my_disc, your_disc;
	uint32_t desired_min_tx_us, required_min_rx_us, required_min_echo_rx_us;
};

/* 0, or -1 with *why set: the checks of RFC 5880 6.8.6 that need no
 * session (version, length, multiplier, multipoint, discriminators). */
int bfd_pkt_decode(const uint8_t *buf, size_t len, struct bfd_pkt *p, const char **why);
void bfd_pkt_encode(const struct bfd_pkt *p, uint8_t out[BFD_PKT_LEN]);

const char *bfd_state_name(uint8_t state);
const char *bfd_diag_name(uint8_t diag);

/* One session's protocol state (RFC 5880 6.8.1 variables). Times in µs. */
struct bfd_sess {
	uint8_t state, remote_state, diag;
	uint32_t local_disc, remote_disc;
	uint32_t min_tx_us, min_rx_us; /* configured: desired min TX once Up, required min RX */
	uint8_t detect_mult;
	uint32_t remote_min_rx_us, remote_min_tx_us;
	uint8_t remote_detect_mult;
	bool remote_demand;
	bool polling;	    /* our P bit is set until the peer's F comes */
	bool send_final;    /* the peer polled: answer with F now */
	uint32_t adv_tx_us; /* desired min TX we advertise now (1 s until Up) */
	/* What the intervals and the peer's detection time go by: adv_tx_us
	 * and min_rx_us, but during a Poll Sequence for slower TX or faster RX
	 * (bfd_sess_set_params) the old values, until the peer's Final (6.8.3) */
	uint32_t tx_in_use_us, rx_in_use_us;
	uint64_t detect_at; /* when the detection time expires, 0 = not running */
	uint64_t up_count;  /* times the session came Up */
	/* authentication (6.8.1's bfd.Auth* variables) */
	struct bfd_auth auth;	/* type BFD_AUTH_NONE: none */
	uint32_t xmit_seq;	/* bfd.XmitAuthSeq */
	uint32_t rcv_seq;	/* bfd.RcvAuthSeq, valid while seq_known */
	bool seq_known;		/* bfd.AuthSeqKnown */
	uint64_t seq_forget_at; /* silence until then forgets rcv_seq (2 detection times) */
	uint64_t auth_failed;	/* packets discarded by 6.7 */
};

/* A session in Down state with local discriminator disc (non-zero). */
void bfd_sess_init(struct bfd_sess *s, uint32_t disc, uint32_t min_tx_us, uint32_t min_rx_us,
		   uint8_t detect_mult);
/*
 * New configured intervals and multiplier for a running session (a config
 * reload): advertised at once; while Up, with a Poll Sequence, and a
 * slower TX or a faster RX is used only once the peer's Final came (6.8.3),
 * so neither side's detection time runs out for the change.
 */
void bfd_sess_set_params(struct bfd_sess *s, uint32_t min_tx_us, uint32_t min_rx_us,
			 uint8_t detect_mult);
/*
 * A decoded packet for this session (the caller matched it: by your_disc,
 * or by address when your_disc is 0) at time now. Returns the state before
 * it (compare with s->state), or -1 when 6.8.6 says to discard it.
 */
int bfd_sess_rx(struct bfd_sess *s, const struct bfd_pkt *p, uint64_t now);
/* The detection time ran out at now: Down with diag 1. Returns true if
 * the state changed. */
bool bfd_sess_expire(struct bfd_sess *s, uint64_t now);
/* The next control packet to send (clears send_final). */
void bfd_sess_tx(struct bfd_sess *s, struct bfd_pkt *out);
/* The session authenticates its packets with a (type BFD_AUTH_NONE: not);
 * the first sequence number sent is seq (6.8.1: random). */
void bfd_sess_set_auth(struct bfd_sess *s, const struct bfd_auth *a, uint32_t seq);
/* New keys of the same type for a running session (a config reload): the
 * sequence numbers go on. */
void bfd_sess_set_keys(struct bfd_sess *s, const struct bfd_auth *a);
/* p (from bfd_sess_tx) as it goes on the wire: encoded, with the
 * session's authentication section (the A bit set; a keyed type's next
 * sequence number, its digest). Returns the length. */
size_t bfd_sess_encode(struct bfd_sess *s, struct bfd_pkt *p, uint8_t out[BFD_PKT_MAX]);
/*
 * 6.7 and 6.8.6 for a decoded packet p (buf, len as received) at time now,
 * before bfd_sess_rx: its A bit must match whether the session
 * authenticates, and its section the session's type, key id and key, with
 * a sequence number in the window (meticulous: above the last one). 0, or
 * -1 with *why set (counted in auth_failed).
 */
int bfd_sess_auth_rx(struct bfd_sess *s, const struct bfd_pkt *p, const uint8_t *buf, size_t len,
		     uint64_t now, const char **why);
/* Interval between periodic packets before jitter (6.8.7), 0 = do not send
 * periodically (the peer asked for none, or is in demand mode while Up). */
uint64_t bfd_sess_tx_interval(const struct bfd_sess *s);
/* Detection time (6.8.4), 0 while the peer has not been heard. */
uint64_t bfd_sess_detect_time(const struct bfd_sess *s);

#endif
