/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for BFD (control/bfd/bfd_proto.c): the input is a run
 * of datagrams for one session, each preceded by two bytes: time passing
 * (bits 0-6, in 10 ms steps; bit 7: let the detection timer run out
 * first) and the datagram's length (modulo 64; bit 6: new intervals from
 * the first byte first, as a config reload gives). Each is decoded; one that passes goes
 * to the state machine. After each, the packet the session would send must
 * decode by our own rules, never carry P and F together, and the state and
 * intervals must stay in range: anything else aborts.
 *
 * An input whose length is odd runs the session with authentication: its
 * last byte picks the type (of the six, none included) and is not part of
 * the datagrams; then the session's own packets must pass the same key's
 * check (bfd_sess_auth_rx), and the datagrams go through it first.
 */
#include <stdlib.h>
#include <string.h>

#include "control/bfd/bfd_proto.h"

static void check(struct bfd_sess *s)
{
	struct bfd_pkt out, back;
	struct bfd_sess twin;
	uint8_t buf[BFD_PKT_MAX];
	const char *why = NULL;

	if (s->state > BFD_UP || (s->state == BFD_UP && s->remote_disc == 0))
		abort();
	bfd_sess_tx(s, &out);
	if (out.poll && out.final)
		abort();
	const size_t len = bfd_sess_encode(s, &out, buf);
	if (bfd_pkt_decode(buf, len, &back, &why) != 0 || back.state != out.state ||
	    back.your_disc != out.your_disc || back.desired_min_tx_us != out.desired_min_tx_us ||
	    back.auth != (s->auth.type != BFD_AUTH_NONE))
		abort();
	/* a peer with the same key takes it */
	bfd_sess_init(&twin, 5, 100000, 100000, 3);
	bfd_sess_set_auth(&twin, &s->auth, 0);
	if (bfd_sess_auth_rx(&twin, &back, buf, len, 1, &why) != 0)
		abort();
	uint64_t iv = bfd_sess_tx_interval(s);
	if (iv != 0 && iv < (s->polling ? s->tx_in_use_us : s->adv_tx_us))
		abort(); /* never faster than we advertise */
	if (s->state != BFD_UP && s->adv_tx_us < BFD_SLOW_TX_US)
		abort(); /* 6.8.3: at least 1 s until Up */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bfd_sess s;
	uint64_t now = 1000000;

	bfd_sess_init(&s, 9, 100000, 100000, 3);
	if (size % 2 == 1) {
		struct bfd_auth a = {.type = (uint8_t)(data[size - 1] % 6), .n_keys = 2};
		a.keys[0] = (struct bfd_key){.id = 7, .len = (uint8_t)bfd_auth_key_max(a.type)};
		memcpy(a.keys[0].key, "fuzzing-key-of-20-by", a.keys[0].len);
		a.keys[1] = (struct bfd_key){.id = 8, .len = 3};
		memcpy(a.keys[1].key, "old", 3);
		bfd_sess_set_auth(&s, &a, 0xfffffffeu); /* wraps within the run */
		size--;
	}
	while (size >= 2) {
		uint8_t op = data[0];
		size_t len = data[1] % 64;
		const bool reconf = data[1] & 0x40;
		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		now += (uint64_t)(op & 0x7f) * 10000;
		if (op & 0x80)
			bfd_sess_expire(&s, s.detect_at != 0 ? s.detect_at : now);
		if (reconf) /* a config reload: new intervals, 10 ms to 1.28 s */
			bfd_sess_set_params(&s, (uint32_t)((op & 0x7f) + 1) * 10000,
					    (uint32_t)((op & 0x7f) + 1) * 10000,
					    (uint8_t)(op % 5 + 1));

		struct bfd_pkt p;
		const char *why = NULL;
		if (bfd_pkt_decode(data, len, &p, &why) == 0 &&
		    bfd_sess_auth_rx(&s, &p, data, len, now, &why) == 0)
			bfd_sess_rx(&s, &p, now);
		else if (why == NULL)
			abort(); /* a refusal always says why */
		check(&s);
		data += len;
		size -= len;
	}
	return 0;
}
