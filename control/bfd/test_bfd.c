/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BFD packets and the session state machine (RFC 5880) against scripted
 * peers: the three-way handshake, the Poll Sequence that speeds up after
 * Up, detection-time expiry, the peer's Down and AdminDown, and the
 * packets 6.8.6 says to discard.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "control/bfd/bfd_proto.h"

#define MS 1000u

/* A packet from a peer with discriminator 77 in state st. */
static struct bfd_pkt peer(uint8_t st, uint32_t your_disc)
{
	struct bfd_pkt p = {
		.state = st,
		.detect_mult = 3,
		.my_disc = 77,
		.your_disc = your_disc,
		.desired_min_tx_us = 100 * MS,
		.required_min_rx_us = 100 * MS,
	};
	return p;
}

static void encode_decode(void **state)
{
	struct bfd_pkt p = peer(BFD_UP, 5), q;
	uint8_t buf[BFD_PKT_LEN];
	const char *why = NULL;

	(void)state;
	p.poll = true;
	p.diag = BFD_DIAG_NEIGHBOR_DOWN;
	bfd_pkt_encode(&p, buf);
	assert_int_equal(buf[0], 0x23); /* version 1, diag 3 */
	assert_int_equal(buf[1], 0xe0); /* Up, P */
	assert_int_equal(buf[3], 24);
	assert_int_equal(bfd_pkt_decode(buf, sizeof(buf), &q, &why), 0);
	assert_int_equal(q.state, BFD_UP);
	assert_true(q.poll);
	assert_false(q.final);
	assert_int_equal(q.my_disc, 77);
	assert_int_equal(q.your_disc, 5);
	assert_int_equal(q.desired_min_tx_us, 100 * MS);
	assert_int_equal(q.diag, BFD_DIAG_NEIGHBOR_DOWN);
}

/* 6.8.6: what is discarded before any session is looked at. */
static void decode_refuses(void **state)
{
	struct bfd_pkt p = peer(BFD_UP, 5), q;
	uint8_t buf[BFD_PKT_LEN];
	const char *why = NULL;

	(void)state;
	bfd_pkt_encode(&p, buf);
	assert_int_equal(bfd_pkt_decode(buf, 23, &q, &why), -1);
	assert_string_equal(why, "shorter than 24 bytes");
	buf[0] = (uint8_t)(2u << 5);
	assert_int_equal(bfd_pkt_decode(buf, sizeof(buf), &q, &why), -1);
	assert_string_equal(why, "not version 1");
	bfd_pkt_encode(&p, buf);
	buf[3] = 40; /* longer than what came */
	assert_int_equal(bfd_pkt_decode(buf, sizeof(buf), &q, &why), -1);
	buf[3] = 20;
	assert_int_equal(bfd_pkt_decode(buf, sizeof(buf), &q, &why), -1);
	assert_string_equal(why, "bad length field");
	bfd_pkt_encode(&p, buf);
	buf[2] = 0;
	assert_int_equal(bfd_pkt_decode(buf, sizeof(buf), &q, &why), -1);
	assert_string_equal(why, "detect multiplier 0");
	bfd_pkt_encode(&p, buf);
	buf[1] |= 0x01;
	assert_int_equal(bfd_pkt_decode(buf, sizeof(buf), &q, &why), -1);
	assert_string_equal(why, "multipoint bit set");
	p.my_disc = 0;
	bfd_pkt_encode(&p, buf);
	assert_int_equal(bfd_pkt_decode(buf, sizeof(buf), &q, &why), -1);
	assert_string_equal(why, "my discriminator 0");
	p = peer(BFD_UP, 0);
	bfd_pkt_encode(&p, buf);
	assert_int_equal(bfd_pkt_decode(buf, sizeof(buf), &q, &why), -1);
	assert_string_equal(why, "your discriminator 0 outside Down");
	p = peer(BFD_DOWN, 0); /* fine in Down */
	bfd_pkt_encode(&p, buf);
	assert_int_equal(bfd_pkt_decode(buf, sizeof(buf), &q, &why), 0);
	buf[1] |= 0x04;
	assert_int_equal(bfd_pkt_decode(buf, sizeof(buf), &q, &why), -1); /* auth: length 24 < 26 */
	assert_string_equal(why, "bad length field");
}

/* Down -> Init -> Up, then the Poll Sequence to the fast rate. */
static void handshake_and_poll(void **state)
{
	struct bfd_sess s;
	struct bfd_pkt out, in;
	uint64_t t = 1000000;

	(void)state;
	bfd_sess_init(&s, 9, 100 * MS, 100 * MS, 3);
	bfd_sess_tx(&s, &out);
	assert_int_equal(out.state, BFD_DOWN);
	assert_int_equal(out.your_disc, 0);
	assert_int_equal(out.desired_min_tx_us, BFD_SLOW_TX_US); /* 6.8.3: slow until Up */
	assert_int_equal(out.required_min_rx_us, 100 * MS);

	in = peer(BFD_DOWN, 0);
	assert_int_equal(bfd_sess_rx(&s, &in, t), BFD_DOWN);
	assert_int_equal(s.state, BFD_INIT);
	assert_int_equal(s.remote_disc, 77);
	assert_int_equal(bfd_sess_detect_time(&s), 3 * 100 * MS);
	assert_int_equal(s.detect_at, t + 300 * MS);

	in = peer(BFD_UP, 9);
	assert_int_equal(bfd_sess_rx(&s, &in, t + 50 * MS), BFD_INIT);
	assert_int_equal(s.state, BFD_UP);
	assert_int_equal(s.up_count, 1);
	assert_true(s.polling);
	bfd_sess_tx(&s, &out);
	assert_true(out.poll);
	assert_false(out.final);
	assert_int_equal(out.desired_min_tx_us, 100 * MS);
	assert_int_equal(out.your_disc, 77);
	assert_int_equal(bfd_sess_tx_interval(&s), 100 * MS);

	/* the peer's F ends the poll */
	in = peer(BFD_UP, 9);
	in.final = true;
	bfd_sess_rx(&s, &in, t + 60 * MS);
	assert_false(s.polling);
	bfd_sess_tx(&s, &out);
	assert_false(out.poll);

	/* the peer polls: we answer F once, never P and F together */
	in = peer(BFD_UP, 9);
	in.poll = true;
	s.polling = true;
	bfd_sess_rx(&s, &in, t + 70 * MS);
	assert_true(s.send_final);
	bfd_sess_tx(&s, &out);
	assert_true(out.final);
	assert_false(out.poll);
	bfd_sess_tx(&s, &out);
	assert_false(out.final);
	assert_true(out.poll);
}

static void up(struct bfd_sess *s, uint64_t t)
{
	struct bfd_pkt in = peer(BFD_INIT, 9);

	bfd_sess_init(s, 9, 100 * MS, 100 * MS, 3);
	assert_int_equal(bfd_sess_rx(s, &in, t), BFD_DOWN);
	assert_int_equal(s->state, BFD_UP); /* Down + peer Init -> Up */
}

static void detection_time_expires(void **state)
{
	struct bfd_sess s;
	struct bfd_pkt out;
	uint64_t t = 5000000;

	(void)state;
	up(&s, t);
	assert_false(bfd_sess_expire(&s, t + 299 * MS));
	assert_true(bfd_sess_expire(&s, t + 300 * MS));
	assert_int_equal(s.state, BFD_DOWN);
	assert_int_equal(s.diag, BFD_DIAG_TIME_EXPIRED);
	assert_int_equal(s.remote_disc, 0);
	assert_int_equal(s.detect_at, 0);
	bfd_sess_tx(&s, &out);
	assert_int_equal(out.state, BFD_DOWN);
	assert_int_equal(out.diag, BFD_DIAG_TIME_EXPIRED);
	assert_int_equal(out.your_disc, 0);
	assert_int_equal(out.desired_min_tx_us, BFD_SLOW_TX_US);
	/* once expired, nothing more until heard again */
	assert_false(bfd_sess_expire(&s, t + 900 * MS));
	/* and it comes back with a new handshake */
	struct bfd_pkt in = peer(BFD_DOWN, 0);
	bfd_sess_rx(&s, &in, t + 1000 * MS);
	assert_int_equal(s.state, BFD_INIT);
	in = peer(BFD_UP, 9);
	bfd_sess_rx(&s, &in, t + 1010 * MS);
	assert_int_equal(s.state, BFD_UP);
	assert_int_equal(s.up_count, 2);
}

/* The detection time follows the slower of our RX and the peer's TX. */
static void detect_time_negotiated(void **state)
{
	struct bfd_sess s;
	struct bfd_pkt in = peer(BFD_UP, 9);

	(void)state;
	up(&s, 0);
	in.desired_min_tx_us = 250 * MS;
	in.detect_mult = 5;
	bfd_sess_rx(&s, &in, 1000);
	assert_int_equal(bfd_sess_detect_time(&s), 5 * 250 * MS);
	in.required_min_rx_us = 400 * MS; /* we may not send faster than it takes */
	bfd_sess_rx(&s, &in, 2000);
	assert_int_equal(bfd_sess_tx_interval(&s), 400 * MS);
	in.required_min_rx_us = 0; /* it wants none */
	bfd_sess_rx(&s, &in, 3000);
	assert_int_equal(bfd_sess_tx_interval(&s), 0);
}

static void peer_down_and_admin_down(void **state)
{
	struct bfd_sess s;
	struct bfd_pkt in = peer(BFD_DOWN, 9);

	(void)state;
	up(&s, 0);
	assert_int_equal(bfd_sess_rx(&s, &in, 10), BFD_UP);
	assert_int_equal(s.state, BFD_DOWN);
	assert_int_equal(s.diag, BFD_DIAG_NEIGHBOR_DOWN);

	up(&s, 0);
	in = peer(BFD_ADMIN_DOWN, 9);
	bfd_sess_rx(&s, &in, 10);
	assert_int_equal(s.state, BFD_DOWN);
	assert_int_equal(s.remote_state, BFD_ADMIN_DOWN);
	/* AdminDown keeps us Down, never Init */
	bfd_sess_rx(&s, &in, 20);
	assert_int_equal(s.state, BFD_DOWN);
}

/* A packet naming another session's discriminator is not ours. */
static void wrong_discriminator(void **state)
{
	struct bfd_sess s;
	struct bfd_pkt in = peer(BFD_DOWN, 12345);

	(void)state;
	up(&s, 0);
	assert_int_equal(bfd_sess_rx(&s, &in, 10), -1);
	assert_int_equal(s.state, BFD_UP);
	assert_int_equal(s.remote_disc, 77);
}

/* 6.8.3: new intervals on a session that is Up (a config reload) go by a
 * Poll Sequence; slower TX and faster RX wait for the peer's Final. */
static void params_change_by_poll(void **state)
{
	struct bfd_sess s;
	struct bfd_pkt out, in = peer(BFD_UP, 9);
	uint64_t t = 5000000;

	(void)state;
	up(&s, t);
	in.final = true;
	bfd_sess_rx(&s, &in, t); /* the Up poll done */
	assert_false(s.polling);
	assert_int_equal(bfd_sess_tx_interval(&s), 100 * MS);
	assert_int_equal(bfd_sess_detect_time(&s), 300 * MS);

	/* slower both ways: advertised at once with P; TX stays at 100 ms
	 * until the Final, the peer's detection time (3 x 300) at once */
	bfd_sess_set_params(&s, 300 * MS, 300 * MS, 4);
	bfd_sess_tx(&s, &out);
	assert_true(out.poll);
	assert_int_equal(out.desired_min_tx_us, 300 * MS);
	assert_int_equal(out.required_min_rx_us, 300 * MS);
	assert_int_equal(out.detect_mult, 4);
	assert_int_equal(bfd_sess_tx_interval(&s), 100 * MS);
	assert_int_equal(bfd_sess_detect_time(&s), 900 * MS);
	in.final = false;
	bfd_sess_rx(&s, &in, t + 10 * MS); /* not the Final yet */
	assert_int_equal(bfd_sess_tx_interval(&s), 100 * MS);
	in.final = true;
	bfd_sess_rx(&s, &in, t + 20 * MS);
	assert_false(s.polling);
	assert_int_equal(bfd_sess_tx_interval(&s), 300 * MS);

	/* faster both ways: TX at once (the peer's 100 ms RX still bounds
	 * it), our detection time on the old 300 ms until the Final */
	in.required_min_rx_us = 50 * MS;
	in.desired_min_tx_us = 50 * MS;
	in.final = false;
	bfd_sess_rx(&s, &in, t + 30 * MS);
	bfd_sess_set_params(&s, 50 * MS, 50 * MS, 3);
	assert_int_equal(bfd_sess_tx_interval(&s), 50 * MS);
	assert_int_equal(bfd_sess_detect_time(&s), 900 * MS);
	in.final = true;
	bfd_sess_rx(&s, &in, t + 40 * MS);
	assert_int_equal(bfd_sess_detect_time(&s), 150 * MS);

	/* not Up: no poll, 1 s TX as ever (6.8.3) */
	bfd_sess_expire(&s, s.detect_at);
	assert_int_equal(s.state, BFD_DOWN);
	bfd_sess_set_params(&s, 200 * MS, 200 * MS, 3);
	bfd_sess_tx(&s, &out);
	assert_false(out.poll);
	assert_int_equal(out.desired_min_tx_us, BFD_SLOW_TX_US);
	assert_int_equal(out.required_min_rx_us, 200 * MS);
}

/* ---- authentication (6.7) ---- */

static struct bfd_auth key(uint8_t type, uint8_t id, const char *secret)
{
	struct bfd_auth a = {.type = type, .n_keys = 1};

	a.keys[0] = (struct bfd_key){.id = id, .len = (uint8_t)strlen(secret)};
	memcpy(a.keys[0].key, secret, a.keys[0].len);
	return a;
}

/* A session with authentication a, its first sequence number seq. */
static void auth_sess(struct bfd_sess *s, uint32_t disc, struct bfd_auth a, uint32_t seq)
{
	bfd_sess_init(s, disc, 100 * MS, 100 * MS, 3);
	bfd_sess_set_auth(s, &a, seq);
}

/* s's next packet into buf, decoded into p; its length. */
static size_t auth_pkt(struct bfd_sess *s, uint8_t buf[BFD_PKT_MAX], struct bfd_pkt *p)
{
	struct bfd_pkt out;
	const char *why = NULL;

	bfd_sess_tx(s, &out);
	const size_t len = bfd_sess_encode(s, &out, buf);
	assert_int_equal(bfd_pkt_decode(buf, len, p, &why), 0);
	return len;
}

/* Every type: the section's layout, and a peer with the same key takes
 * the packets; with another secret, key id or type it does not. */
static void auth_types(void **state)
{
	static const unsigned want_len[] = {24, 24 + 3 + 6, 48, 48, 52, 52};
	(void)state;

	for (uint8_t t = BFD_AUTH_NONE; t <= BFD_AUTH_METICULOUS_SHA1; t++) {
		struct bfd_sess a, b, other;
		struct bfd_pkt p;
		uint8_t buf[BFD_PKT_MAX];
		const char *why = NULL;

		auth_sess(&a, 9, key(t, 7, "secret"), 1);
		auth_sess(&b, 77, key(t, 7, "secret"), 0);
		size_t len = auth_pkt(&a, buf, &p);
		assert_int_equal(len, want_len[t]);
		assert_int_equal(buf[3], len);
		assert_int_equal(p.auth, t != BFD_AUTH_NONE);
		assert_int_equal(bfd_sess_auth_rx(&b, &p, buf, len, 1, &why), 0);
		assert_int_equal(b.auth_failed, 0);
		if (t == BFD_AUTH_NONE) {
			/* a session that authenticates refuses it */
			auth_sess(&other, 77, key(BFD_AUTH_KEYED_SHA1, 7, "secret"), 0);
			assert_int_equal(bfd_sess_auth_rx(&other, &p, buf, len, 1, &why), -1);
			assert_string_equal(why, "no authentication (configured)");
			continue;
		}
		assert_int_equal(buf[24], t);
		assert_int_equal(buf[25], len - 24);
		assert_int_equal(buf[26], 7);
		/* one that does not refuses an authenticated packet */
		bfd_sess_init(&other, 77, 100 * MS, 100 * MS, 3);
		assert_int_equal(bfd_sess_auth_rx(&other, &p, buf, len, 1, &why), -1);
		assert_string_equal(why, "authentication asked for (not configured)");
		assert_int_equal(other.auth_failed, 1); /* counted: a one-sided config shows */
		/* another secret, key id, type */
		auth_sess(&other, 77, key(t, 7, "secreT"), 0);
		assert_int_equal(bfd_sess_auth_rx(&other, &p, buf, len, 1, &why), -1);
		assert_string_equal(why, t == BFD_AUTH_SIMPLE ? "wrong password"
							      : "wrong digest (another key?)");
		assert_int_equal(other.auth_failed, 1);
		auth_sess(&other, 77, key(t, 8, "secret"), 0);
		assert_int_equal(bfd_sess_auth_rx(&other, &p, buf, len, 1, &why), -1);
		assert_string_equal(why, "another key id");
		auth_sess(&other, 77, key(t == BFD_AUTH_SIMPLE ? 2 : 1, 7, "secret"), 0);
		assert_int_equal(bfd_sess_auth_rx(&other, &p, buf, len, 1, &why), -1);
		assert_string_equal(why, "another authentication type");
		/* a bit flipped anywhere in a keyed packet */
		if (t >= BFD_AUTH_KEYED_MD5) {
			buf[20] ^= 1;
			auth_sess(&other, 77, key(t, 7, "secret"), 0);
			assert_int_equal(bfd_sess_auth_rx(&other, &p, buf, len, 2, &why), -1);
			assert_string_equal(why, "wrong digest (another key?)");
		}
	}
}

/* The digests against hashlib's (Python), on a packet of known bytes: Down,
 * discriminator 9, multiplier 3, 1 s / 100 ms, key id 7 "secret", sequence
 * number 1: the key padded with zeros in the digest field, hashed over the
 * whole packet (6.7.3, 6.7.4). */
static void auth_known_digests(void **state)
{
	static const uint8_t sha1[20] = {0x0c, 0xb0, 0xf9, 0xcc, 0xb6, 0x90, 0xb4,
					 0x79, 0xb4, 0xbd, 0x0b, 0x05, 0x36, 0x15,
					 0x2c, 0xfb, 0x07, 0xd6, 0xb8, 0x4d};
	static const uint8_t md5[16] = {0x11, 0x84, 0xac, 0xd6, 0xcb, 0xd1, 0x3d, 0xec,
					0xb9, 0xec, 0x67, 0xe6, 0x32, 0xfa, 0xd9, 0x42};
	struct bfd_sess s;
	struct bfd_pkt p;
	uint8_t buf[BFD_PKT_MAX];
	(void)state;

	auth_sess(&s, 9, key(BFD_AUTH_KEYED_SHA1, 7, "secret"), 1);
	assert_int_equal(auth_pkt(&s, buf, &p), 52);
	assert_memory_equal(buf + 24, ((const uint8_t[]){4, 28, 7, 0, 0, 0, 0, 1}), 8);
	assert_memory_equal(buf + 32, sha1, sizeof(sha1));
	assert_int_equal(s.xmit_seq, 2);
	auth_sess(&s, 9, key(BFD_AUTH_KEYED_MD5, 7, "secret"), 1);
	assert_int_equal(auth_pkt(&s, buf, &p), 48);
	assert_memory_equal(buf + 32, md5, sizeof(md5));
}

/* Sequence numbers (6.7.3): meticulous takes only ones above the last, up
 * to 3 x Detect Mult ahead; keyed takes the last again; both forget it
 * after twice the detection time of silence; the window wraps. */
static void auth_sequence(void **state)
{
	(void)state;

	for (uint8_t t = BFD_AUTH_KEYED_MD5; t <= BFD_AUTH_METICULOUS_SHA1; t++) {
		const bool meticulous =
			t == BFD_AUTH_METICULOUS_MD5 || t == BFD_AUTH_METICULOUS_SHA1;
		struct bfd_sess a, b;
		struct bfd_pkt p;
		uint8_t first[BFD_PKT_MAX], buf[BFD_PKT_MAX];
		const char *why = NULL;
		uint64_t now = 1000000;

		auth_sess(&a, 9, key(t, 1, "k"), 0xfffffffeu); /* wraps at the third */
		auth_sess(&b, 77, key(t, 1, "k"), 0);
		size_t len = auth_pkt(&a, first, &p);
		assert_int_equal(bfd_sess_auth_rx(&b, &p, first, len, now, &why), 0);
		/* the same packet again: a replay */
		assert_int_equal(bfd_sess_auth_rx(&b, &p, first, len, now, &why),
				 meticulous ? -1 : 0);
		for (unsigned i = 0; i < 3; i++) { /* 0xffffffff, 0, 1 */
			len = auth_pkt(&a, buf, &p);
			assert_int_equal(bfd_sess_auth_rx(&b, &p, buf, len, now, &why), 0);
		}
		assert_int_equal(b.rcv_seq, 1);
		/* the first one now: behind the window */
		bfd_pkt_decode(first, len, &p, &why);
		assert_int_equal(bfd_sess_auth_rx(&b, &p, first, len, now, &why), -1);
		assert_string_equal(why, "sequence number out of the window (a replay?)");
		/* 9 (3 x 3) ahead is in, 10 is not */
		a.xmit_seq = 10;
		len = auth_pkt(&a, buf, &p);
		assert_int_equal(bfd_sess_auth_rx(&b, &p, buf, len, now, &why), 0);
		a.xmit_seq = 20;
		len = auth_pkt(&a, buf, &p);
		assert_int_equal(bfd_sess_auth_rx(&b, &p, buf, len, now, &why), -1);
		/* silent for twice the detection time (2 x 3 x 1 s: the packets
		 * advertise the slow rate before Up): any number is taken */
		assert_int_equal(bfd_sess_auth_rx(&b, &p, buf, len, now + 6000 * MS - 1, &why), -1);
		assert_int_equal(bfd_sess_auth_rx(&b, &p, buf, len, now + 6000 * MS, &why), 0);
		assert_int_equal(b.rcv_seq, 20);
	}
}

/* A key rolled in (6.7.1: the Key ID says which): both ends take the old
 * and the new key, then sign with the new one, then drop the old; no
 * packet fails on the way, and the sequence numbers go on. */
static void auth_key_rollover(void **state)
{
	struct bfd_auth both = key(BFD_AUTH_METICULOUS_SHA1, 1, "old-key");
	struct bfd_sess a, b;
	struct bfd_pkt p;
	uint8_t buf[BFD_PKT_MAX];
	const char *why = NULL;
	size_t len;
	(void)state;

	both.keys[both.n_keys++] = key(BFD_AUTH_METICULOUS_SHA1, 2, "new-key").keys[0];
	auth_sess(&a, 9, key(BFD_AUTH_METICULOUS_SHA1, 1, "old-key"), 100);
	auth_sess(&b, 77, key(BFD_AUTH_METICULOUS_SHA1, 1, "old-key"), 0);
	len = auth_pkt(&a, buf, &p);
	assert_int_equal(bfd_sess_auth_rx(&b, &p, buf, len, 1, &why), 0);
	/* 1: b takes both, still signs with the old; a too */
	bfd_sess_set_keys(&b, &both);
	bfd_sess_set_keys(&a, &both);
	len = auth_pkt(&a, buf, &p);
	assert_int_equal(buf[26], 1);
	assert_int_equal(bfd_sess_auth_rx(&b, &p, buf, len, 2, &why), 0);
	/* 2: a signs with the new one (its keys reordered), b takes it */
	struct bfd_auth swapped = both;
	swapped.keys[0] = both.keys[1];
	swapped.keys[1] = both.keys[0];
	bfd_sess_set_keys(&a, &swapped);
	len = auth_pkt(&a, buf, &p);
	assert_int_equal(buf[26], 2);
	assert_int_equal(bfd_sess_auth_rx(&b, &p, buf, len, 3, &why), 0);
	assert_int_equal(b.rcv_seq, 102); /* the sequence went on */
	/* 3: b drops the old key: the new one still passes, the old does not */
	bfd_sess_set_keys(&b, &(struct bfd_auth){.type = BFD_AUTH_METICULOUS_SHA1,
						 .n_keys = 1,
						 .keys = {both.keys[1]}});
	len = auth_pkt(&a, buf, &p);
	assert_int_equal(bfd_sess_auth_rx(&b, &p, buf, len, 4, &why), 0);
	bfd_sess_set_keys(&a, &both); /* back to signing with the old */
	len = auth_pkt(&a, buf, &p);
	assert_int_equal(bfd_sess_auth_rx(&b, &p, buf, len, 5, &why), -1);
	assert_string_equal(why, "another key id");
	assert_int_equal(b.auth_failed, 1);
}

/* A section shorter than its type's, or past the packet's length. */
static void auth_malformed(void **state)
{
	struct bfd_sess a, b;
	struct bfd_pkt p;
	uint8_t buf[BFD_PKT_MAX];
	const char *why = NULL;
	(void)state;

	auth_sess(&a, 9, key(BFD_AUTH_METICULOUS_SHA1, 1, "k"), 5);
	auth_sess(&b, 77, key(BFD_AUTH_METICULOUS_SHA1, 1, "k"), 0);
	size_t len = auth_pkt(&a, buf, &p);
	buf[25] = 24; /* the MD5 length */
	assert_int_equal(bfd_sess_auth_rx(&b, &p, buf, len, 1, &why), -1);
	assert_string_equal(why, "bad authentication length");
	buf[25] = 28;
	buf[3] = 40; /* the packet ends inside the section */
	assert_int_equal(bfd_pkt_decode(buf, len, &p, &why), 0);
	assert_int_equal(bfd_sess_auth_rx(&b, &p, buf, len, 1, &why), -1);
	assert_string_equal(why, "bad authentication length");
	buf[3] = 52;
	assert_int_equal(bfd_sess_auth_rx(&b, &p, buf, 40, 1, &why), -1); /* 40 bytes came */
	assert_string_equal(why, "bad length field");
	assert_int_equal(b.auth_failed, 3);
	assert_int_equal(bfd_sess_auth_rx(&b, &p, buf, len, 1, &why), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(encode_decode),
		cmocka_unit_test(decode_refuses),
		cmocka_unit_test(handshake_and_poll),
		cmocka_unit_test(detection_time_expires),
		cmocka_unit_test(detect_time_negotiated),
		cmocka_unit_test(peer_down_and_admin_down),
		cmocka_unit_test(wrong_discriminator),
		cmocka_unit_test(params_change_by_poll),
		cmocka_unit_test(auth_types),
		cmocka_unit_test(auth_known_digests),
		cmocka_unit_test(auth_sequence),
		cmocka_unit_test(auth_malformed),
		cmocka_unit_test(auth_key_rollover),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
