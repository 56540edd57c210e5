/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The BGP speaker of the control thread: one session per configured peer
 * (control/config bgp.peers) over the kernel's TCP, driven by the control
 * thread's event loop. Routes learned pass the peer's import policy into
 * the RIB (bgp_rib.h), which installs them as ROUTE_BGP routes whose path
 * group lists the announcing peers' next hops in tier order. The service
 * prefixes are announced to every peer, next hop self.
 *
 * Everything here runs on the control thread. The functions below take
 * d->lock themselves when they change state (call them without it);
 * bgp_foreach_peer does not (hold d->lock when calling it from another
 * thread, e.g. telemetry).
 */
#ifndef PEERFWD_BGP_H
#define PEERFWD_BGP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "control/prefix/prefix.h"

struct bgp;
struct cfg_bgp_peer;
struct daemon;

/* RFC 4271 8.2.2 */
enum bgp_state {
	BGP_IDLE = 0,
	BGP_CONNECT,
	BGP_ACTIVE,
	BGP_OPENSENT,
	BGP_OPENCONFIRM,
	BGP_ESTABLISHED,
};

const char *bgp_state_name(enum bgp_state s);

/* NULL when the config has no bgp section (or on failure, logged). */
struct bgp *bgp_start(struct daemon *d);
/* Cease (Administrative Shutdown) to every peer, BGP routes removed. */
void bgp_stop(struct bgp *b);

struct bgp_peer_info {
	const char *name;
	const char *port;
	const char *policy; /* "" when none */
	struct ip_addr addr;
	uint32_t remote_as;
	uint32_t remote_id; /* host order, 0 before the first OPEN */
	enum bgp_state state;
	bool bfd_down;	      /* held back: BFD saw the neighbour fail, not Up again */
	bool gshut;	      /* graceful shutdown: bgp_peer_graceful_shutdown */
	uint64_t uptime_s;    /* since Established, 0 when not */
	uint16_t hold_time;   /* negotiated */
	bool ipv4, ipv6;      /* families negotiated (configured while down) */
	uint64_t established; /* times it reached Established */
	uint64_t updates_in, updates_out;
	uint64_t prefixes_received;	/* announcements seen, before policy */
	uint64_t prefixes_filtered;	/* announcements the policy rejected */
	uint64_t treat_as_withdraw;	/* RFC 7606 faults */
	uint32_t prefixes_accepted;	/* paths in the RIB now */
	uint32_t prefixes_stale;	/* of those, kept across a graceful restart */
	const char *last_error;		/* "" when none */
	bool managed;			/* added over the control socket (or converted): kept in the
					 * state file; false: "legacy", from the config file */
	const struct cfg_bgp_peer *def; /* its definition (policy: see .policy) */
};

/* Calls cb for every peer in config order; stops when cb returns non-zero
 * and returns that. */
int bgp_foreach_peer(struct bgp *b, int (*cb)(const struct bgp_peer_info *, void *), void *arg);

/* Messages counted by RFC 4271 4.1 type code: 1 OPEN .. 5 ROUTE-REFRESH;
 * [0] counts any other type. */
#define BGP_PEER_MSG_TYPES 6

/* What a peer's operator reads beyond bgp_peer_info (control socket). */
struct bgp_peer_stats {
	uint64_t msgs_in[BGP_PEER_MSG_TYPES], msgs_out[BGP_PEER_MSG_TYPES];
	uint64_t withdrawn_in;	     /* prefixes the peer withdrew */
	uint32_t prefixes_installed; /* accepted paths whose next hop is in their prefix's
				      * installed path group */
	uint16_t keepalive_time;     /* negotiated: hold / 3; 0 when none */
	bool route_refresh;	     /* the Established session's peer offered RFC 2918 */
	time_t established_at;	     /* wall clock of the current session's start, 0 down */
	const char *notif_sent;	     /* last NOTIFICATION "code/subcode: why", "" none */
	const char *notif_received;
	time_t notif_sent_at, notif_received_at; /* wall clock, 0 none */
};

/* bgp_foreach_peer with each peer's stats too. The installed counts cost
 * one walk of the RIB per call, not per peer. */
int bgp_foreach_peer_stats(struct bgp *b,
			   int (*cb)(const struct bgp_peer_info *, const struct bgp_peer_stats *,
				     void *),
			   void *arg);

/* Moves a peer to another import policy (NULL or "": none). A running
 * session is hard reset (Cease 6/4) and comes back under the new policy.
 * 0, -ENOENT (no such peer), -EINVAL (no such policy). */
int bgp_peer_set_policy(struct bgp *b, const char *peer, const char *policy);
/* soft: ask for the peer's routes again (ROUTE-REFRESH, RFC 2918) and
 * re-announce ours; hard: Cease 6/4 and reconnect (also restarts a peer
 * held down after max-prefix). 0 or -ENOENT. */
int bgp_peer_reset(struct bgp *b, const char *peer, bool soft);
/*
 * Graceful shutdown (RFC 8326) of the session with peer, on or off: our
 * routes to it carry the GRACEFUL_SHUTDOWN community (65535:0; towards an
 * internal peer also LOCAL_PREF 0), so that the carrier moves the traffic
 * for them to its other links before this one is taken down; sent again at
 * once if Established. Not kept across a restart. 0 or -ENOENT.
 */
int bgp_peer_graceful_shutdown(struct bgp *b, const char *peer, bool on);
/*
 * RFC 5882 10.2: BFD found the neighbour at addr on port (a cfg.ports
 * index) gone. The session with the peer at that address on that port
 * ends now with a Cease/BFD Down (RFC 9384), best effort over a path that
 * is likely dead, and its routes leave the RIB and the FIB without waiting
 * out the hold time (nor a graceful restart). Until bgp_bfd_up, no
 * connection to or from that peer is made or accepted: a path that BFD
 * finds broken does not carry its routes again because TCP still gets
 * through. Whether there was a session or a connection to end.
 */
bool bgp_bfd_down(struct bgp *b, unsigned port, const struct ip_addr *addr);
/* BFD sees that neighbour Up again: its peer may connect and be accepted
 * (at once). Whether bgp_bfd_down had held a peer back. */
bool bgp_bfd_up(struct bgp *b, unsigned port, const struct ip_addr *addr);

/*
 * Peers added and removed while the speaker runs (bgp_dynamic.c), "managed"
 * ones: the control socket keeps them in its state file. Config peers are
 * "legacy" until converted.
 *
 * bgp_peer_add validates p against the config and the running peers (name
 * and address unique, port and policy exist, the address on one of the
 * port's subnets and not ours, hold time 0 or >= 3, the peer limit), copies
 * it and starts the session. 0, or -errno with the reason in err: -EEXIST
 * (name or address taken), -ENOENT (no such port or policy), -EINVAL (bad
 * value), -ENOSPC (CFG_BGP_MAX_PEERS running).
 */
int bgp_peer_add(struct bgp *b, const struct cfg_bgp_peer *p, char *err, size_t errlen);
/* Cease 6/3 (RFC 4486 Peer De-configured) on its connections, its routes
 * out of the RIB and the FIB, the peer freed; legacy peers too (the caller
 * decides who may). 0 or -ENOENT. */
int bgp_peer_remove(struct bgp *b, const char *name);
/* Legacy -> managed, the session untouched. 0, -ENOENT, -EALREADY
 * (already managed). */
int bgp_peer_convert(struct bgp *b, const char *name);

#endif
