/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BGP peerings over the control socket: list, per-peer statistics, resets,
 * policy changes, and managed peerings added, removed and converted (kept
 * in STATE_DIR/peerings.json by ctlsock_state.c). Every peer fact comes from control/bgp (bgp.h); a
 * daemon without a bgp section answers not_configured. Runs on the control
 * thread, which alone changes BGP state, so reads need no lock; the bgp_*
 * calls that change state take d->lock themselves.
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "control/bgp/bgp.h"
#include "control/ctlsock/ctlsock_cmd.h"
#include "control/daemon/log.h"

static const char *const msg_type_names[BGP_PEER_MSG_TYPES] = {
	"other", "open", "update", "notification", "keepalive", "route_refresh",
};

/* 0, or -1 with err set when the daemon runs no BGP speaker. */
static int bgp_running(const struct daemon *d, struct ctlsock_err *err)
{
	if (d->bgp != NULL)
		return 0;
	if (!d->cfg.bgp.enabled)
		return ctlsock_err_set(err, CTLSOCK_E_NOT_CONFIGURED,
				       "no bgp section in the config: there are no peerings");
	return ctlsock_err_set(err, CTLSOCK_E_NOT_CONFIGURED,
			       "the BGP speaker did not start (see the daemon's log)");
}

/* Sessions that left Established: every Established but the current one. */
static uint64_t flaps(const struct bgp_peer_info *pi)
{
	uint64_t up = pi->state == BGP_ESTABLISHED;

	return pi->established > up ? pi->established - up : 0;
}

static const char *peer_tier(const struct daemon *d, const struct bgp_peer_info *pi)
{
	int i = config_port_index(&d->cfg, pi->port);

	return ctlsock_tier_name(i >= 0 ? d->cfg.ports[i].tier : TIER__MAX);
}

static json_t *time_json(time_t t)
{
	struct tm tm;
	char buf[32];

	if (t == 0 || gmtime_r(&t, &tm) == NULL)
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static json_t *str_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

/* ---- peering.list ---- */

struct list_walk {
	const struct daemon *d;
	json_t *items;
};

static int list_one(const struct bgp_peer_info *pi, const struct bgp_peer_stats *st, void *arg)
{
	struct list_walk *w = arg;
	char addr[64];

	return json_array_append_new(
		w->items,
		json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:o,s:s,s:b,s:b,s:I,s:{s:I,s:I,s:I,s:I},s:I,s:"
			  "I,s:o}",
			  "name", pi->name, "origin", pi->managed ? "managed" : "legacy", "port",
			  pi->port, "tier", peer_tier(w->d, pi), "address",
			  ip_addr_format(&pi->addr, addr, sizeof(addr)), "remote_as",
			  (json_int_t)pi->remote_as, "policy", str_or_null(pi->policy), "state",
			  bgp_state_name(pi->state), "bfd_down", pi->bfd_down, "graceful_shutdown",
			  pi->gshut, "uptime_s", (json_int_t)pi->uptime_s, "prefixes", "received",
			  (json_int_t)pi->prefixes_received, "accepted",
			  (json_int_t)pi->prefixes_accepted, "installed",
			  (json_int_t)st->prefixes_installed, "filtered",
			  (json_int_t)pi->prefixes_filtered, "established",
			  (json_int_t)pi->established, "flaps", (json_int_t)flaps(pi), "last_error",
			  str_or_null(pi->last_error)));
}

json_t *ctlsock_peering_list(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			     struct ctlsock_err *err)
{
	struct list_walk w = {.d = c->sh->d, .items = json_array()};

	(void)req;
	if (bgp_running(w.d, err) < 0) {
		json_decref(w.items);
		return NULL;
	}
	if (w.items == NULL || bgp_foreach_peer_stats(w.d->bgp, list_one, &w) != 0) {
		json_decref(w.items);
		return ctlsock_nomem(err);
	}
	return json_pack("{s:I,s:o}", "local_as", (json_int_t)w.d->cfg.bgp.asn, "peerings",
			 w.items);
}

/* ---- one peer ---- */

struct peer_find {
	const char *name;
	struct bgp_peer_info info;
	struct bgp_peer_stats st;
};

static int find_one(const struct bgp_peer_info *pi, const struct bgp_peer_stats *st, void *arg)
{
	struct peer_find *f = arg;

	if (strcmp(pi->name, f->name) != 0)
		return 0;
	f->info = *pi; /* its strings live as long as the speaker */
	f->st = *st;
	return 1;
}

/* 0 with f filled, or -1 with err set. */
static int peer_find(const struct daemon *d, const char *name, struct peer_find *f,
		     struct ctlsock_err *err)
{
	if (bgp_running(d, err) < 0)
		return -1;
	f->name = name;
	if (bgp_foreach_peer_stats(d->bgp, find_one, f) != 1)
		return ctlsock_err_set(err, CTLSOCK_E_NOT_FOUND,
				       "no BGP peer '%s' (see 'peering.list')", name);
	return 0;
}

static json_t *msgs_json(const uint64_t *n)
{
	json_t *o = json_object();
	uint64_t total = 0;

	for (unsigned t = 0; o != NULL && t < BGP_PEER_MSG_TYPES; t++) {
		json_object_set_new(o, msg_type_names[t], json_integer((json_int_t)n[t]));
		total += n[t];
	}
	if (o != NULL)
		json_object_set_new(o, "total", json_integer((json_int_t)total));
	return o;
}

static json_t *notif_json(const char *text, time_t when)
{
	if (text == NULL || text[0] == '\0')
		return json_null();
	return json_pack("{s:s,s:o}", "message", text, "time", time_json(when));
}

static json_t *stats_json(const struct daemon *d, const struct peer_find *f)
{
	const struct bgp_peer_info *pi = &f->info;
	const struct bgp_peer_stats *st = &f->st;
	char addr[64], id[16];

	snprintf(id, sizeof(id), "%u.%u.%u.%u", pi->remote_id >> 24, (pi->remote_id >> 16) & 0xff,
		 (pi->remote_id >> 8) & 0xff, pi->remote_id & 0xff);
	return json_pack("{s:s,s:s,s:s,s:s,s:I,s:o,s:o,s:s,s:I,s:o,s:I,s:I,s:{s:I,s:I,s:b,s:b,s:b},"
			 "s:{s:o,s:o},s:{s:I,s:I},s:I,s:{s:I,s:I,s:I,s:I,s:I,s:I},s:{s:o,s:o},s:o}",
			 "name", pi->name, "port", pi->port, "tier", peer_tier(d, pi), "address",
			 ip_addr_format(&pi->addr, addr, sizeof(addr)), "remote_as",
			 (json_int_t)pi->remote_as, "remote_id",
			 pi->remote_id ? json_string(id) : json_null(), "policy",
			 str_or_null(pi->policy), "state", bgp_state_name(pi->state), "uptime_s",
			 (json_int_t)pi->uptime_s, "established_at", time_json(st->established_at),
			 "established", (json_int_t)pi->established, "flaps", (json_int_t)flaps(pi),
			 "negotiated", "hold_time_s", (json_int_t)pi->hold_time, "keepalive_time_s",
			 (json_int_t)st->keepalive_time, "route_refresh", st->route_refresh, "ipv4",
			 pi->ipv4, "ipv6", pi->ipv6, "messages", "in", msgs_json(st->msgs_in),
			 "out", msgs_json(st->msgs_out), "updates", "in",
			 (json_int_t)pi->updates_in, "out", (json_int_t)pi->updates_out,
			 "withdrawals_in", (json_int_t)st->withdrawn_in, "prefixes", "received",
			 (json_int_t)pi->prefixes_received, "accepted",
			 (json_int_t)pi->prefixes_accepted, "installed",
			 (json_int_t)st->prefixes_installed, "filtered",
			 (json_int_t)pi->prefixes_filtered, "stale", (json_int_t)pi->prefixes_stale,
			 "treat_as_withdraw", (json_int_t)pi->treat_as_withdraw,
			 "last_notification", "sent", notif_json(st->notif_sent, st->notif_sent_at),
			 "received", notif_json(st->notif_received, st->notif_received_at),
			 "last_error", str_or_null(pi->last_error));
}

json_t *ctlsock_peering_stats(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			      struct ctlsock_err *err)
{
	struct peer_find f;
	json_t *r;

	if (peer_find(c->sh->d, req->peer.name, &f, err) < 0)
		return NULL;
	r = stats_json(c->sh->d, &f);
	return r ? r : ctlsock_nomem(err);
}

/* ---- changes ---- */

json_t *ctlsock_peer_reset(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			   struct ctlsock_err *err)
{
	struct daemon *d = c->sh->d;
	struct peer_find f;
	int ret;

	if (peer_find(d, req->peer.name, &f, err) < 0)
		return NULL;
	/* bgp_peer_reset would turn an impossible soft reset into a hard
	 * one: the operator asked for soft to keep the session, so refuse. */
	if (req->peer.soft && f.info.state != BGP_ESTABLISHED)
		return ctlsock_fail(err, CTLSOCK_E_UNSUPPORTED,
				    "%s is %s: a soft reset needs an Established session "
				    "(mode hard restarts it)",
				    f.info.name, bgp_state_name(f.info.state));
	if (req->peer.soft && !f.st.route_refresh)
		return ctlsock_fail(err, CTLSOCK_E_UNSUPPORTED,
				    "%s did not offer ROUTE-REFRESH (RFC 2918): no soft reset; "
				    "mode hard drops and re-establishes the session",
				    f.info.name);
	if ((ret = bgp_peer_reset(d->bgp, f.info.name, req->peer.soft)) < 0)
		return ctlsock_fail(err, CTLSOCK_E_INTERNAL, "%s", strerror(-ret));
	return json_pack("{s:s,s:s,s:s}", "peer", f.info.name, "mode",
			 req->peer.soft ? "soft" : "hard", "state_before",
			 bgp_state_name(f.info.state));
}

json_t *ctlsock_peer_gshut(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			   struct ctlsock_err *err)
{
	struct daemon *d = c->sh->d;
	struct peer_find f;
	int ret;

	if (peer_find(d, req->peer.name, &f, err) < 0)
		return NULL;
	if ((ret = bgp_peer_graceful_shutdown(d->bgp, f.info.name, req->peer.on)) < 0)
		return ctlsock_fail(err, CTLSOCK_E_INTERNAL, "%s", strerror(-ret));
	return json_pack("{s:s,s:b,s:b,s:s}", "peer", f.info.name, "graceful_shutdown",
			 req->peer.on, "changed", f.info.gshut != req->peer.on, "state",
			 bgp_state_name(f.info.state));
}

/* The config's policy names, for an error message. */
static void policy_names(const struct daemon *d, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < d->cfg.bgp.n_policies && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
					d->cfg.bgp.policies[i].name);
}

json_t *ctlsock_peer_set_policy(struct ctlsock_ctx *c, const struct ctlsock_req *req,
				struct ctlsock_err *err)
{
	struct daemon *d = c->sh->d;
	struct peer_find f;
	char names[160];
	int ret;

	if (peer_find(d, req->peer.name, &f, err) < 0)
		return NULL;
	if (config_bgp_policy_index(&d->cfg, req->peer.policy) < 0) {
		policy_names(d, names, sizeof(names));
		return ctlsock_fail(err, CTLSOCK_E_NOT_FOUND,
				    "no policy '%s' in the config (policies: %s)", req->peer.policy,
				    names[0] ? names : "none");
	}
	bool changed = strcmp(f.info.policy, req->peer.policy) != 0;
	if ((ret = bgp_peer_set_policy(d->bgp, f.info.name, req->peer.policy)) < 0)
		return ctlsock_fail(err, ret == -EINVAL ? CTLSOCK_E_NOT_FOUND : CTLSOCK_E_INTERNAL,
				    "%s", strerror(-ret));
	/* A managed peering's policy is part of its durable definition. */
	if (changed && f.info.managed &&
	    ctlsock_state_save_peerings(d, NULL, NULL, names, sizeof(names)) < 0)
		PF_LOG(ERR, "ctl: peer.set_policy %s: state not saved: %s", f.info.name, names);
	return json_pack("{s:s,s:s,s:o,s:b,s:o}", "peer", f.info.name, "policy", req->peer.policy,
			 "previous", str_or_null(f.info.policy), "changed", changed, "reset",
			 changed ? json_string("hard") : json_null());
}

/* ---- managed peerings ---- */

static_assert(CTLSOCK_NAME_LEN == CFG_NAME_LEN, "peering names fit the config's");
static_assert(CTLSOCK_MD5_LEN == CFG_BGP_MD5_LEN, "MD5 keys fit the config's");

static void port_names(const struct daemon *d, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < d->cfg.n_ports && off < len; i++)
		if (config_port_present(&d->cfg, i))
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
						d->cfg.ports[i].name);
}

int ctlsock_peering_resolve(const struct daemon *d, const struct ctlsock_peering *in,
			    struct cfg_bgp_peer *out, struct ctlsock_err *err)
{
	int port = config_port_index(&d->cfg, in->port);
	int pol = config_bgp_policy_index(&d->cfg, in->policy);
	char names[160];

	if (port < 0) {
		port_names(d, names, sizeof(names));
		return ctlsock_err_set(err, CTLSOCK_E_NOT_FOUND,
				       "no port '%s' in the config (ports: %s)", in->port, names);
	}
	if (pol < 0) {
		policy_names(d, names, sizeof(names));
		return ctlsock_err_set(err, CTLSOCK_E_NOT_FOUND,
				       "no policy '%s' in the config (policies: %s)", in->policy,
				       names[0] ? names : "none");
	}
	*out = (struct cfg_bgp_peer){.port = (uint16_t)port,
				     .addr = in->addr,
				     .remote_as = in->remote_as,
				     .policy = pol,
				     .hold_time = in->hold_time,
				     .connect_retry = in->connect_retry,
				     .open_hold_time = in->open_hold_time,
				     .send_hold_time = in->send_hold_time,
				     .passive = in->passive,
				     .ttl_security = in->ttl_security,
				     .ipv4 = in->ipv4,
				     .ipv6 = in->ipv6};
	memcpy(out->name, in->name, sizeof(out->name));
	memcpy(out->md5, in->md5, sizeof(out->md5));
	return 0;
}

static const char *add_error_code(int ret)
{
	switch (ret) {
	case -EEXIST:
		return CTLSOCK_E_EXISTS;
	case -ENOENT:
		return CTLSOCK_E_NOT_FOUND;
	case -ENOSPC:
		return CTLSOCK_E_BUSY;
	case -EINVAL:
		return CTLSOCK_E_INVALID_ARGUMENT;
	default:
		return CTLSOCK_E_INTERNAL;
	}
}

json_t *ctlsock_peering_add(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			    struct ctlsock_err *err)
{
	struct daemon *d = c->sh->d;
	struct cfg_bgp_peer pc;
	struct peer_find f;
	char why[256], why2[512];
	int ret;

	if (bgp_running(d, err) < 0 || ctlsock_peering_resolve(d, &req->peering, &pc, err) < 0)
		return NULL;
	if ((ret = bgp_peer_add(d->bgp, &pc, why, sizeof(why))) < 0)
		return ctlsock_fail(err, add_error_code(ret), "%s: %s", pc.name, why);
	/* Only a peering that will survive a restart counts as made. */
	if (ctlsock_state_save_peerings(d, NULL, NULL, why2, sizeof(why2)) < 0) {
		bgp_peer_remove(d->bgp, pc.name);
		PF_LOG(ERR, "ctl: peering.add %s undone: state not saved: %s", pc.name, why2);
		return ctlsock_fail(err, CTLSOCK_E_INTERNAL, "state not saved, nothing changed: %s",
				    why2);
	}
	if (peer_find(d, pc.name, &f, err) < 0)
		return NULL;
	return json_pack("{s:s,s:s,s:s,s:s}", "name", f.info.name, "origin", "managed", "port",
			 f.info.port, "state", bgp_state_name(f.info.state));
}

json_t *ctlsock_peering_remove(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			       struct ctlsock_err *err)
{
	struct daemon *d = c->sh->d;
	struct peer_find f;
	char why[512];
	int ret;

	if (peer_find(d, req->peer.name, &f, err) < 0)
		return NULL;
	if (!f.info.managed)
		return ctlsock_fail(
			err, CTLSOCK_E_READ_ONLY,
			"%s is a config file (legacy) peering: remove it from the config, or "
			"'peering.convert' it first",
			f.info.name);
	/* The file first: if it cannot be written, the session runs on. */
	if (ctlsock_state_save_peerings(d, f.info.name, NULL, why, sizeof(why)) < 0)
		return ctlsock_fail(err, CTLSOCK_E_INTERNAL, "state not saved, nothing changed: %s",
				    why);
	json_t *r = json_pack("{s:s,s:s,s:I}", "name", f.info.name, "state_before",
			      bgp_state_name(f.info.state), "routes_withdrawn",
			      (json_int_t)f.info.prefixes_accepted);
	if ((ret = bgp_peer_remove(d->bgp, req->peer.name)) < 0) {
		json_decref(r);
		return ctlsock_fail(err, CTLSOCK_E_INTERNAL, "%s", strerror(-ret));
	}
	return r ? r : ctlsock_nomem(err);
}

json_t *ctlsock_peering_convert(struct ctlsock_ctx *c, const struct ctlsock_req *req,
				struct ctlsock_err *err)
{
	struct daemon *d = c->sh->d;
	struct peer_find f;
	char why[512];
	int ret;

	if (peer_find(d, req->peer.name, &f, err) < 0)
		return NULL;
	if (f.info.managed)
		return json_pack("{s:s,s:s,s:b}", "name", f.info.name, "origin", "managed",
				 "changed", 0);
	/* peering.add demands a policy; so does a managed peering's file entry. */
	if (f.info.policy[0] == '\0')
		return ctlsock_fail(err, CTLSOCK_E_INVALID_ARGUMENT,
				    "%s has no policy: give it one (peer.set_policy) first",
				    f.info.name);
	if (ctlsock_state_save_peerings(d, NULL, f.info.name, why, sizeof(why)) < 0)
		return ctlsock_fail(err, CTLSOCK_E_INTERNAL, "state not saved, nothing changed: %s",
				    why);
	if ((ret = bgp_peer_convert(d->bgp, f.info.name)) < 0)
		return ctlsock_fail(err, CTLSOCK_E_INTERNAL, "%s", strerror(-ret));
	return json_pack("{s:s,s:s,s:b,s:s}", "name", f.info.name, "origin", "managed", "changed",
			 1, "note",
			 "kept in the state file; at start it replaces the config file's entry "
			 "(remove that)");
}
