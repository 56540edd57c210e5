/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for BFD (control/bfd/bfd_proto.c): the input is a run
 * of datagrams for one session, each preceded by two bytes: time passing
 * (bits 0-6, in 10 ms steps; bit 7: let the detection timer run out
 * first) and the datagram's length. Each is decoded; one that passes goes
 * to the state machine. After each, the packet the session would send must
 * decode by our own rules, never carry P and F together, and the state and
 * intervals must stay in range: anything else aborts.
 */
#include <stdlib.h>

#include "control/bfd/bfd_proto.h"

static void check(struct bfd_sess *s)
{
	struct bfd_pkt out, back;
	uint8_t buf[BFD_PKT_LEN];
	const char *why = NULL;

	if (s->state > BFD_UP || (s->state == BFD_UP && s->remote_disc == 0))
		abort();
	bfd_sess_tx(s, &out);
	if (out.poll && out.final)
		abort();
	bfd_pkt_encode(&out, buf);
	if (bfd_pkt_decode(buf, sizeof(buf), &back, &why) != 0 || back.state != out.state ||
	    back.your_disc != out.your_disc || back.desired_min_tx_us != out.desired_min_tx_us)
		abort();
	uint64_t iv = bfd_sess_tx_interval(s);
	if (iv != 0 && iv < s->adv_tx_us)
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
	while (size >= 2) {
		uint8_t op = data[0];
		size_t len = data[1] % 64;
		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		now += (uint64_t)(op & 0x7f) * 10000;
		if (op & 0x80)
			bfd_sess_expire(&s, s.detect_at != 0 ? s.detect_at : now);

		struct bfd_pkt p;
		const char *why = NULL;
		if (bfd_pkt_decode(data, len, &p, &why) == 0)
			bfd_sess_rx(&s, &p, now);
		else if (why == NULL)
			abort(); /* a refusal always says why */
		check(&s);
		data += len;
		size -= len;
	}
	return 0;
}
