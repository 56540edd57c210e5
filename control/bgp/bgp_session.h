/* SPDX-License-Identifier: BSD-3-Clause */
/* Internals shared by the speaker's files (bgp_session.c, bgp_telemetry.c). */
#ifndef PEERFWD_BGP_SESSION_H
#define PEERFWD_BGP_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "control/bgp/bgp.h"
#include "control/bgp/bgp_msg.h"
#include "control/bgp/bgp_policy.h"
#include "control/bgp/bgp_rib.h"
#include "control/config/config.h"
#include "control/ev/ev.h"

#define BGP_RX_CAP	65536
#define BGP_TX_MAX	(16u << 20) /* beyond: the peer does not read, reset */
#define BGP_GR_TIME_S	120	    /* the restart time we advertise */
#define BGP_STALE_EOR_S 360	    /* RFC 4724 4.2: waiting for End-of-RIB */
#define BGP_MAX_LISTEN	(2 * PF_MAX_PORTS * CFG_MAX_ADDRS)

enum bgp_dir { BGP_OUT = 0, BGP_IN = 1 };

struct bgp_peer;

struct bgp_conn {
	struct bgp_peer *peer;
	enum bgp_dir dir;
	int fd;
	enum bgp_state state; /* CONNECT, OPENSENT, OPENCONFIRM, ESTABLISHED */
	struct ev_timer *hold, *keepalive, *send_hold;
	uint16_t hold_time;   /* negotiated, s */
	struct bgp_open open; /* the peer's; caps.unknown point nowhere after */
	uint8_t *rx;
	size_t rx_len;
	uint8_t *tx;
	size_t tx_off, tx_len, tx_cap;
};

struct bgp_peer {
	struct bgp *b;
	unsigned idx;
	const struct cfg_bgp_peer *cfg;
	int policy; /* index into cfg.bgp.policies, -1 none; changeable */
	bool ebgp;
	struct ip_addr local;	     /* our address on the peer's subnet */
	struct ip_addr self4, self6; /* next hop self per family, family 0 if none */
	struct bgp_conn *conn[2];
	enum bgp_state state;	/* as last logged */
	struct ev_timer *start; /* connect retry, idle hold, max-prefix restart */
	struct ev_timer *stale; /* RFC 4724 restart / End-of-RIB wait */
	bool held_down;		/* max-prefix without restart: until reset */
	bool bfd_down;		/* BFD saw the neighbour fail: no session until BFD is Up */
	bool gshut; /* graceful shutdown (RFC 8326): our routes to it carry GRACEFUL_SHUTDOWN */
	bool restarting; /* the start timer is a max-prefix restart */
	/* The Established session's view. */
	struct bgp_session_params sp;
	bool fam4, fam6;
	bool gr;	     /* the peer advertised graceful restart */
	bool gr4, gr6;	     /* ... for these families */
	uint16_t gr_time;    /* its restart time, s */
	bool stale4, stale6; /* its routes are stale (helper mode) */
	uint64_t est_ms;
	uint32_t remote_id;
	uint16_t hold_time;
	uint64_t established, updates_in, updates_out, received, filtered, taw;
	char last_error[96];
	/* bgp_peer_stats */
	uint64_t msgs_in[BGP_PEER_MSG_TYPES], msgs_out[BGP_PEER_MSG_TYPES], withdrawn;
	char notif_sent[96], notif_received[96];
	time_t notif_sent_at, notif_received_at;
	/* Run-time peers (bgp_dynamic.c). */
	bool managed;		 /* origin: control socket; cfg points to own */
	bool removed;		 /* a free slot: skipped by every walk */
	struct cfg_bgp_peer own; /* a managed peer's definition */
};

struct bgp {
	struct daemon *d;
	const struct cfg_bgp *cfg;
	struct bgp_rib *rib;
	struct bgp_update *u; /* decode scratch (big) */
	struct bgp_update_result res;
	struct bgp_attrs *attrs; /* encode scratch */
	uint8_t buf[BGP_MAX_LEN];
	unsigned n_peers;
	struct bgp_peer peer[CFG_BGP_MAX_PEERS];
	unsigned n_listen;
	int listen_fd[BGP_MAX_LISTEN];
};

/* The live peers' addresses to d->bgp_nbr (GTSM ones flagged), then
 * daemon_nbrs_update: after peers come or go. Without d->lock. */
void bgp_nbrs_publish(struct bgp *b);
/* The speaker without sockets: RIB, peers with their timers and ranks.
 * bgp_start adds listeners, connects and telemetry; bgp_stop frees both. */
struct bgp *bgp_create(struct daemon *d);
/* What the session does with bytes read from c: every whole message in buf
 * goes through the FSM (an UPDATE on an Established connection through
 * decoding, import policy and the RIB). Returns the bytes used (a partial
 * message is left), or -1 when c was closed. tests/perf/bench_bgp feeds it
 * without a socket. */
ssize_t bgp_conn_input(struct bgp_conn *c, const uint8_t *buf, size_t len);
void bgp_peer_info_fill(const struct bgp_peer *p, struct bgp_peer_info *out);
/* bgp_dynamic.c's hands on a session (bgp_session.c), under d->lock.
 * bgp_peer_open: slot i (free or b->n_peers) becomes a managed peer
 * defined by a copy of pc, listener ready, started. bgp_peer_close: Cease
 * 6/3, routes out, the slot freed. */
int bgp_peer_open(struct bgp *b, unsigned i, const struct cfg_bgp_peer *pc);
void bgp_peer_close(struct bgp_peer *p);
int bgp_telemetry_init(struct bgp *b);
void bgp_telemetry_fini(void);

#endif
