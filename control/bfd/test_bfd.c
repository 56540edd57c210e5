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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
