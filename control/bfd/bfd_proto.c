/* SPDX-License-Identifier: BSD-3-Clause */
/* BFD control packets and the asynchronous-mode state machine (RFC 5880). */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "control/bfd/bfd_proto.h"

#define MAX(a, b) ((a) > (b) ? (a) : (b))

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int bfd_pkt_decode(const uint8_t *buf, size_t len, struct bfd_pkt *p, const char **why)
{
	if (len < BFD_PKT_LEN) {
		*why = "shorter than 24 bytes";
		return -1;
	}
	if (buf[0] >> 5 != 1) {
		*why = "not version 1";
		return -1;
	}
	memset(p, 0, sizeof(*p));
	p->diag = buf[0] & 0x1f;
	p->state = buf[1] >> 6;
	p->poll = buf[1] & 0x20;
	p->final = buf[1] & 0x10;
	p->cpi = buf[1] & 0x08;
	p->auth = buf[1] & 0x04;
	p->demand = buf[1] & 0x02;
	p->multipoint = buf[1] & 0x01;
	p->detect_mult = buf[2];
	p->my_disc = get32(buf + 4);
	p->your_disc = get32(buf + 8);
	p->desired_min_tx_us = get32(buf + 12);
	p->required_min_rx_us = get32(buf + 16);
	p->required_min_echo_rx_us = get32(buf + 20);
	if (buf[3] < (p->auth ? 26 : BFD_PKT_LEN) || buf[3] > len) {
		*why = "bad length field";
		return -1;
	}
	if (p->detect_mult == 0) {
		*why = "detect multiplier 0";
		return -1;
	}
	if (p->multipoint) {
		*why = "multipoint bit set";
		return -1;
	}
	if (p->my_disc == 0) {
		*why = "my discriminator 0";
		return -1;
	}
	if (p->your_disc == 0 && p->state != BFD_DOWN && p->state != BFD_ADMIN_DOWN) {
		*why = "your discriminator 0 outside Down";
		return -1;
	}
	return 0;
}

void bfd_pkt_encode(const struct bfd_pkt *p, uint8_t out[BFD_PKT_LEN])
{
	out[0] = (uint8_t)(1u << 5 | (p->diag & 0x1f));
	out[1] = (uint8_t)((p->state & 3) << 6 | p->poll << 5 | p->final << 4 | p->cpi << 3 |
			   p->auth << 2 | p->demand << 1 | p->multipoint);
	out[2] = p->detect_mult;
	out[3] = BFD_PKT_LEN;
	put32(out + 4, p->my_disc);
	put32(out + 8, p->your_disc);
	put32(out + 12, p->desired_min_tx_us);
	put32(out + 16, p->required_min_rx_us);
	put32(out + 20, p->required_min_echo_rx_us);
}

const char *bfd_state_name(uint8_t state)
{
	static const char *const n[] = {"admin_down", "down", "init", "up"};

	return n[state & 3];
}

const char *bfd_diag_name(uint8_t diag)
{
	static const char *const n[] = {
		"no diagnostic",
		"control detection time expired",
		"echo function failed",
		"neighbor signaled session down",
		"forwarding plane reset",
		"path down",
		"concatenated path down",
		"administratively down",
		"reverse concatenated path down",
	};

	return diag < sizeof(n) / sizeof(n[0]) ? n[diag] : "unknown diagnostic";
}

void bfd_sess_init(struct bfd_sess *s, uint32_t disc, uint32_t min_tx_us, uint32_t min_rx_us,
		   uint8_t detect_mult)
{
	memset(s, 0, sizeof(*s));
	s->state = BFD_DOWN;
	s->remote_state = BFD_DOWN;
	s->local_disc = disc;
	s->min_tx_us = min_tx_us;
	s->min_rx_us = min_rx_us;
	s->detect_mult = detect_mult;
	s->remote_min_rx_us = 1; /* 6.8.1: until heard */
	s->adv_tx_us = MAX(min_tx_us, BFD_SLOW_TX_US);
	s->tx_in_use_us = s->adv_tx_us;
	s->rx_in_use_us = min_rx_us;
}

/* The Poll Sequence ended (the peer's Final), or none runs: what is
 * advertised is what is used. */
static void params_settled(struct bfd_sess *s)
{
	s->tx_in_use_us = s->adv_tx_us;
	s->rx_in_use_us = s->min_rx_us;
}

void bfd_sess_set_params(struct bfd_sess *s, uint32_t min_tx_us, uint32_t min_rx_us,
			 uint8_t detect_mult)
{
	const uint32_t old_tx = s->tx_in_use_us, old_rx = s->rx_in_use_us;

	s->min_tx_us = min_tx_us;
	s->min_rx_us = min_rx_us;
	s->detect_mult = detect_mult;
	if (s->state != BFD_UP) {
		s->adv_tx_us = MAX(min_tx_us, BFD_SLOW_TX_US);
		params_settled(s);
		return;
	}
	s->adv_tx_us = min_tx_us;
	s->polling = true;
	/* faster TX and slower RX at once; the others after the Final */
	s->tx_in_use_us = min_tx_us < old_tx ? min_tx_us : old_tx;
	s->rx_in_use_us = min_rx_us > old_rx ? min_rx_us : old_rx;
}

/* Going to state st: what changes with it (6.8.3 slow TX while not Up). */
static void set_state(struct bfd_sess *s, uint8_t st, uint8_t diag)
{
	s->state = st;
	if (st == BFD_UP) {
		s->diag = BFD_DIAG_NONE;
		s->up_count++;
		if (s->adv_tx_us != s->min_tx_us) {
			/* faster now: a Poll Sequence carries the change */
			s->adv_tx_us = s->min_tx_us;
			s->polling = true;
		}
	} else {
		s->diag = diag;
		s->adv_tx_us = MAX(s->min_tx_us, BFD_SLOW_TX_US);
		s->polling = false; /* slower: no poll needed while not Up */
	}
	params_settled(s); /* faster at Up; slower out of Up, the peer's 1 s too */
}

uint64_t bfd_sess_detect_time(const struct bfd_sess *s)
{
	if (s->remote_detect_mult == 0)
		return 0;
	return (uint64_t)s->remote_detect_mult * MAX(s->rx_in_use_us, s->remote_min_tx_us);
}

int bfd_sess_rx(struct bfd_sess *s, const struct bfd_pkt *p, uint64_t now)
{
	uint8_t before = s->state;

	if (p->your_disc != 0 && p->your_disc != s->local_disc)
		return -1;
	s->remote_disc = p->my_disc;
	s->remote_state = p->state;
	s->remote_demand = p->demand;
	s->remote_min_rx_us = p->required_min_rx_us;
	s->remote_min_tx_us = p->desired_min_tx_us;
	s->remote_detect_mult = p->detect_mult;
	if (p->final) {
		s->polling = false;
		params_settled(s);
	}
	if (s->state == BFD_ADMIN_DOWN)
		return before;
	if (p->state == BFD_ADMIN_DOWN) {
		if (s->state != BFD_DOWN)
			set_state(s, BFD_DOWN, BFD_DIAG_NEIGHBOR_DOWN);
	} else if (s->state == BFD_DOWN) {
		if (p->state == BFD_DOWN)
			set_state(s, BFD_INIT, BFD_DIAG_NONE);
		else if (p->state == BFD_INIT)
			set_state(s, BFD_UP, BFD_DIAG_NONE);
	} else if (s->state == BFD_INIT) {
		if (p->state == BFD_INIT || p->state == BFD_UP)
			set_state(s, BFD_UP, BFD_DIAG_NONE);
	} else if (p->state == BFD_DOWN) { /* Up */
		set_state(s, BFD_DOWN, BFD_DIAG_NEIGHBOR_DOWN);
	}
	if (p->poll)
		s->send_final = true;
	s->detect_at = now + bfd_sess_detect_time(s);
	return before;
}

bool bfd_sess_expire(struct bfd_sess *s, uint64_t now)
{
	if (s->detect_at == 0 || now < s->detect_at)
		return false;
	bool change = s->state == BFD_INIT || s->state == BFD_UP;

	/* 6.8.1: the peer is forgotten (RemoteDiscr 0), and resynchronises
	 * from our Down packets */
	s->detect_at = 0;
	s->remote_disc = 0;
	s->remote_state = BFD_DOWN;
	s->remote_detect_mult = 0;
	s->remote_min_rx_us = 1;
	s->remote_demand = false;
	if (change)
		set_state(s, BFD_DOWN, BFD_DIAG_TIME_EXPIRED);
	return change;
}

void bfd_sess_tx(struct bfd_sess *s, struct bfd_pkt *out)
{
	memset(out, 0, sizeof(*out));
	out->diag = s->diag;
	out->state = s->state;
	out->final = s->send_final;
	out->poll = s->polling && !s->send_final; /* 6.8.7: never both */
	out->detect_mult = s->detect_mult;
	out->my_disc = s->local_disc;
	out->your_disc = s->remote_disc;
	out->desired_min_tx_us = s->adv_tx_us;
	out->required_min_rx_us = s->min_rx_us;
	out->required_min_echo_rx_us = 0;
	s->send_final = false;
}

uint64_t bfd_sess_tx_interval(const struct bfd_sess *s)
{
	if (s->remote_min_rx_us == 0)
		return 0;
	if (s->remote_demand && s->state == BFD_UP && s->remote_state == BFD_UP && !s->polling)
		return 0;
	return MAX(s->tx_in_use_us, s->remote_min_rx_us);
}

/* ---- authentication (6.7) ---- */

void bfd_sess_set_auth(struct bfd_sess *s, const struct bfd_auth *a, uint32_t seq)
{
	s->auth = *a;
	s->xmit_seq = seq;
	s->seq_known = false;
}

void bfd_sess_set_keys(struct bfd_sess *s, const struct bfd_auth *a)
{
	s->auth = *a;
}

static bool auth_meticulous(uint8_t type)
{
	return type == BFD_AUTH_METICULOUS_MD5 || type == BFD_AUTH_METICULOUS_SHA1;
}

/* The section's length with key k (4.2-4.4): a password's 3 + its length,
 * MD5 24, SHA1 28. */
static unsigned auth_len(const struct bfd_auth *a, const struct bfd_key *k)
{
	if (a->type == BFD_AUTH_SIMPLE)
		return 3u + k->len;
	return a->type >= BFD_AUTH_KEYED_SHA1 ? 28 : 24;
}

static const struct bfd_key *auth_key(const struct bfd_auth *a, uint8_t id)
{
	for (unsigned k = 0; k < a->n_keys && k < BFD_AUTH_MAX_KEYS; k++)
		if (a->keys[k].id == id)
			return &a->keys[k];
	return NULL;
}

/* The digest of the len-byte packet pkt whose digest field (at 32) holds
 * the key, zero-padded (6.7.3, 6.7.4), into md (16 or 20 bytes). */
static bool auth_digest(const struct bfd_auth *a, const uint8_t *pkt, size_t len, uint8_t *md)
{
	unsigned n = 0;

	return EVP_Digest(pkt, len, md, &n, a->type >= BFD_AUTH_KEYED_SHA1 ? EVP_sha1() : EVP_md5(),
			  NULL) == 1;
}

size_t bfd_sess_encode(struct bfd_sess *s, struct bfd_pkt *p, uint8_t out[BFD_PKT_MAX])
{
	const struct bfd_auth *a = &s->auth;
	const struct bfd_key *k = &a->keys[0];

	p->auth = a->type != BFD_AUTH_NONE;
	bfd_pkt_encode(p, out);
	if (!p->auth)
		return BFD_PKT_LEN;
	const unsigned alen = auth_len(a, k), len = BFD_PKT_LEN + alen;
	uint8_t *sec = out + BFD_PKT_LEN;
	memset(sec, 0, alen);
	sec[0] = a->type;
	sec[1] = (uint8_t)alen;
	sec[2] = k->id;
	out[3] = (uint8_t)len;
	if (a->type == BFD_AUTH_SIMPLE) {
		memcpy(sec + 3, k->key, k->len);
		return len;
	}
	put32(sec + 4, s->xmit_seq++); /* every packet: meticulous must, keyed may */
	memcpy(sec + 8, k->key, k->len);
	uint8_t md[EVP_MAX_MD_SIZE];
	if (!auth_digest(a, out, len, md))
		memset(md, 0, sizeof(md)); /* no digest: the peer discards it, as it should */
	memcpy(sec + 8, md, alen - 8);
	return len;
}

/* Why p (buf: len bytes as received), with its A bit set, fails the
 * session's authentication, or NULL when it passes (rcv_seq then moves). */
static const char *auth_check(struct bfd_sess *s, const struct bfd_pkt *p, const uint8_t *buf,
			      size_t len, uint64_t now)
{
	const struct bfd_auth *a = &s->auth;
	/* bfd_pkt_decode checked 26 <= buf[3] */
	const unsigned plen = buf[3];
	const uint8_t *sec = buf + BFD_PKT_LEN;

	if (plen > len)
		return "bad length field";
	if (sec[0] != a->type)
		return "another authentication type";
	const struct bfd_key *k = auth_key(a, sec[2]);
	if (k == NULL)
		return "another key id";
	const unsigned alen = auth_len(a, k);
	if (sec[1] != alen || BFD_PKT_LEN + alen > plen)
		return "bad authentication length";
	if (a->type == BFD_AUTH_SIMPLE)
		return CRYPTO_memcmp(sec + 3, k->key, k->len) == 0 ? NULL : "wrong password";
	const uint32_t seq = get32(sec + 4);
	if (s->seq_known && now >= s->seq_forget_at)
		s->seq_known = false; /* 6.8.1: silent for twice the detection time */
	if (s->seq_known) {
		/* 6.7.3: within 3 x Detect Mult of the last (meticulous: above it) */
		const uint32_t d = seq - s->rcv_seq, lo = auth_meticulous(a->type) ? 1 : 0;
		if (d < lo || d > 3u * p->detect_mult)
			return "sequence number out of the window (a replay?)";
	}
	uint8_t pkt[256], md[EVP_MAX_MD_SIZE];
	memcpy(pkt, buf, plen);
	memset(pkt + BFD_PKT_LEN + 8, 0, alen - 8);
	memcpy(pkt + BFD_PKT_LEN + 8, k->key, k->len);
	if (!auth_digest(a, pkt, plen, md) || CRYPTO_memcmp(md, sec + 8, alen - 8) != 0)
		return "wrong digest (another key?)";
	s->rcv_seq = seq;
	s->seq_known = true;
	s->seq_forget_at =
		now + 2 * (uint64_t)p->detect_mult * MAX(s->min_rx_us, p->desired_min_tx_us);
	return NULL;
}

int bfd_sess_auth_rx(struct bfd_sess *s, const struct bfd_pkt *p, const uint8_t *buf, size_t len,
		     uint64_t now, const char **why)
{
	const bool ours = s->auth.type != BFD_AUTH_NONE;

	if (p->auth != ours)
		*why = p->auth ? "authentication asked for (not configured)"
			       : "no authentication (configured)";
	else if (!p->auth || (*why = auth_check(s, p, buf, len, now)) == NULL)
		return 0;
	s->auth_failed++;
	return -1;
}
