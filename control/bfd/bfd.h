/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BFD sessions to next hops (RFC 5880 asynchronous mode, RFC 5881 single
 * hop), one per next hop with bfd = true, on the control thread's event
 * loop and the kernel's UDP sockets of the port's interface.
 *
 * A session that goes from Up to Down takes its next hop out of use
 * (NH_F_DOWN: workers take the next member of the path group, as for a
 * dead link) until it is Up again. A session that never came up does not
 * hold the next hop down, nor does the peer's AdminDown (RFC 5882 3.2).
 */
#ifndef PEERFWD_BFD_H
#define PEERFWD_BFD_H

#include <stdbool.h>
#include <stdint.h>

struct daemon;
struct cfg_nexthop;

/* Sessions for d->cfg's next hops with bfd set. 0 (also when there are
 * none), or -ENOMEM (no BFD then). A socket that cannot be had is logged
 * and leaves its session (or family) down. */
int bfd_start(struct daemon *d);
void bfd_stop(struct daemon *d);

/* One session as bfd_foreach shows it (valid during the callback). */
struct bfd_info {
	const char *nexthop, *port;
	const struct ip_addr *peer, *local;
	bool socket;	/* false: it could not get one, and runs as none */
	bool held_down; /* it holds its next hop down */
	const char *state, *remote_state, *diag, *auth;
	uint32_t local_disc, remote_disc;
	uint64_t tx_interval_us, detect_time_us; /* in use now; 0 before the peer is heard */
	uint8_t multiplier, remote_multiplier;
	uint64_t since_s; /* in this state for */
	uint64_t up_count, rx, tx, auth_failed;
};
/* cb for each session, in the config's next hop order; stops at the first
 * non-zero return and returns it. Control thread only. */
int bfd_foreach(const struct daemon *d, int (*cb)(const struct bfd_info *, void *), void *arg);

struct bfd_changes {
	unsigned added, changed, removed;
};
/*
 * After a config reload applied (d->cfg the new one; without d->lock), the
 * sessions follow the next hops: a new next hop with bfd gets one; one
 * gone, or with bfd off, ends its session (AdminDown, no failure, 6.8.16)
 * and is usable again if that held it down; new intervals or multiplier
 * go to the running session by a Poll Sequence (it stays Up), and so do
 * new keys of the same authentication type (a rollover); a new port,
 * address or authentication type makes a new session, which holds the next
 * hop down until it is Up if the old one did. 0 or -ENOMEM (logged).
 */
int bfd_reload(struct daemon *d, struct bfd_changes *c);

/* Whether c's session holds it down (false without a session). */
bool bfd_holds_down(const struct daemon *d, const struct cfg_nexthop *c);
/* "off" without a session, else the state: admin_down, down, init, up. */
const char *bfd_nexthop_state(const struct daemon *d, const struct cfg_nexthop *c);
/* Packets from c's neighbour that failed authentication (0 without a
 * session). */
uint64_t bfd_nexthop_auth_failed(const struct daemon *d, const struct cfg_nexthop *c);

#endif
