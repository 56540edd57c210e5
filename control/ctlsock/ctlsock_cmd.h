/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the control socket: the command handlers (ctlsock_cmd.c) and the
 * durable registrations (ctlsock_state.c), called by the server
 * (ctlsock.c) on the control thread.
 */
#ifndef PEERFWD_CTLSOCK_CMD_H
#define PEERFWD_CTLSOCK_CMD_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <jansson.h>

#include "control/ctlsock/ctlsock_req.h"
#include "control/daemon/daemon.h"

/* What outlives a request: state kept by the socket for the daemon. */
struct ctlsock_shared {
	struct daemon *d;
	int forced_tier;      /* -1, or the tier tier.force left carrying traffic */
	uint64_t tier_downed; /* ports tier.force put admin-down (bit = port) */
	/* workers: busy/idle polls one sample ago, for load over the last second */
	uint64_t prev_busy[16], prev_idle[16];
	double load_pct[16];
};

struct ctlsock_ctx {
	struct ctlsock_shared *sh;
	const struct ucred *peer;
};

/* Run a validated request: the result object (owned by the caller), or
 * NULL with err set. */
/* Set err and return NULL, so that a handler can `return ctlsock_fail(...)`
 * (ctlsock_err_set is the same for validators, returning -1). */
json_t *ctlsock_fail(struct ctlsock_err *err, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
json_t *ctlsock_nomem(struct ctlsock_err *err);

json_t *ctlsock_cmd_run(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			struct ctlsock_err *err);

/* The metrics command's text (Prometheus format; the caller frees it), or
 * NULL when out of memory. */
char *ctlsock_metrics_text(const struct daemon *d);

/* Handlers in their own files: BGP peerings (ctlsock_peering.c) and
 * operator static routes (ctlsock_route.c). */
json_t *ctlsock_peering_list(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			     struct ctlsock_err *err);
json_t *ctlsock_peering_stats(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			      struct ctlsock_err *err);
json_t *ctlsock_peer_gshut(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			   struct ctlsock_err *err);
json_t *ctlsock_peer_reset(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			   struct ctlsock_err *err);
json_t *ctlsock_peer_set_policy(struct ctlsock_ctx *c, const struct ctlsock_req *req,
				struct ctlsock_err *err);
json_t *ctlsock_peering_add(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			    struct ctlsock_err *err);
json_t *ctlsock_peering_remove(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			       struct ctlsock_err *err);
json_t *ctlsock_peering_convert(struct ctlsock_ctx *c, const struct ctlsock_req *req,
				struct ctlsock_err *err);
/* A validated peering's names resolved against the config (not_found
 * names the choices). 0, or -1 with err set. */
int ctlsock_peering_resolve(const struct daemon *d, const struct ctlsock_peering *in,
			    struct cfg_bgp_peer *out, struct ctlsock_err *err);
json_t *ctlsock_route_add(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			  struct ctlsock_err *err);
json_t *ctlsock_route_del(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			  struct ctlsock_err *err);
/* Frees the index of the config's static routes. */
void ctlsock_route_fini(void);

/* Once a second: worker load. */
void ctlsock_cmd_sample(struct ctlsock_shared *sh);

/* Registrations: "config" when the config file lists the prefix, else
 * "managed" (made over the socket and kept in the state file). */
bool ctlsock_state_is_config(const struct daemon *d, const struct prefix *p);
/* Write every managed registration to the state file, atomically. 0 or
 * -errno with the reason in err. */
int ctlsock_state_save(struct daemon *d, char *err, size_t errlen);
void ctlsock_state_fini(void);
/* Write the managed peerings to STATE_DIR/peerings.json (mode 0600: MD5
 * keys), atomically as registered.json. skip: a peer left out (about to be
 * removed); also: a legacy peer written as managed (about to be
 * converted); either NULL. 0 or -errno with the reason in err. */
int ctlsock_state_save_peerings(struct daemon *d, const char *skip, const char *also, char *err,
				size_t errlen);
/* Start the port l describes (daemon_link_add): its index, or -errno with
 * the reason in msg. */
int ctlsock_link_start(struct daemon *d, const struct ctlsock_link *l, char *msg, size_t len);
/* Write the ports added with link.add (cfg_port.managed) to
 * STATE_DIR/links.json, atomically as registered.json; skip: one left out
 * (about to be removed) or NULL. 0 or -errno with the reason in err. */
int ctlsock_state_save_links(struct daemon *d, const char *skip, char *err, size_t errlen);
/* mkdir -p: 0 or -errno. */
int ctlsock_mkdir_p(const char *path, mode_t mode);

#endif
