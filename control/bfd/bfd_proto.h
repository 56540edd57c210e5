/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BFD (RFC 5880) control packets and the session state machine of
 * asynchronous mode, without I/O or clocks of their own: bfd.c feeds them
 * packets and the time, the unit tests feed them scripted peers.
 *
 * Not implemented: authentication (a packet asking for it is refused),
 * demand mode (never requested; a peer's D bit is honoured by not
 * expecting its packets) and the echo function (we ask for no echoes).
 */
#ifndef PEERFWD_BFD_PROTO_H
#define PEERFWD_BFD_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BFD_PKT_LEN	 24
#define BFD_SLOW_TX_US	 1000000u /* desired min TX while not Up (6.8.3) */
#define BFD_PORT	 3784	  /* RFC 5881 single hop */
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
	uint64_t detect_at; /* when the detection time expires, 0 = not running */
	uint64_t up_count;  /* times the session came Up */
};

/* A session in Down state with local discriminator disc (non-zero). */
void bfd_sess_init(struct bfd_sess *s, uint32_t disc, uint32_t min_tx_us, uint32_t min_rx_us,
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
/* Interval between periodic packets before jitter (6.8.7), 0 = do not send
 * periodically (the peer asked for none, or is in demand mode while Up). */
uint64_t bfd_sess_tx_interval(const struct bfd_sess *s);
/* Detection time (6.8.4), 0 while the peer has not been heard. */
uint64_t bfd_sess_detect_time(const struct bfd_sess *s);

#endif
