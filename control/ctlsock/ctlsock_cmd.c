/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket command handlers. Requests arrive validated for form
 * (ctlsock_req.c); a handler checks what needs the daemon (does the port
 * exist, is the prefix registered) before it changes anything, and takes
 * d->lock around each change because telemetry reads under it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>

#include "control/bfd/bfd.h"
#include "control/ctlsock/ctlsock_cmd.h"
#include "control/daemon/log.h"

json_t *ctlsock_fail(struct ctlsock_err *err, const char *code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return NULL;
}

json_t *ctlsock_nomem(struct ctlsock_err *err)
{
	return ctlsock_fail(err, CTLSOCK_E_INTERNAL, "%s", "out of memory");
}

typedef json_t *(*ctlsock_handler)(struct ctlsock_ctx *c, const struct ctlsock_req *req,
				   struct ctlsock_err *err);

static struct pf_lcore_counters *counters_sum(const struct daemon *d)
{
	struct pf_lcore_counters *c = malloc(sizeof(*c));

	if (c != NULL)
		daemon_counters(d, c);
	return c;
}

/* ---- naming things ---- */

static const char *pathgroup_name(const struct daemon *d, uint16_t pg, char *buf, size_t len)
{
	for (unsigned i = 0; i < d->cfg.n_pathgroups; i++)
		if (d->pg_id[i] == pg)
			return d->cfg.pathgroups[i].name;
	snprintf(buf, len, "pg%u", pg); /* made by BGP: no config name */
	return buf;
}

static json_t *nexthop_json(const struct daemon *d, uint16_t id)
{
	const struct nexthop *nh = &d->tables.nexthop[id];
	const struct cfg_nexthop *cn = NULL;
	char addr[64] = "";

	for (unsigned i = 0; i < d->cfg.n_nexthops; i++)
		if (d->nh_id[i] == id) {
			cn = &d->cfg.nexthops[i];
			break;
		}
	if (cn != NULL)
		ip_addr_format(&cn->addr, addr, sizeof(addr));
	const struct cfg_port *cp =
		config_port_present(&d->cfg, nh->link_id) ? &d->cfg.ports[nh->link_id] : NULL;
	/* resolved: published with a MAC (static, or from the neighbour table);
	 * usable: resolved and not held down by BFD, what the workers check */
	bool resolved = (nh->flags & (NH_F_VALID | NH_F_NOMAC)) == NH_F_VALID;
	char mac[RTE_ETHER_ADDR_FMT_SIZE] = "";

	if (resolved) /* as the config and ip-neighbour write it */
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
			 RTE_ETHER_ADDR_BYTES(&nh->dst_mac));
	return json_pack("{s:s,s:s,s:s,s:s,s:b,s:b,s:s,s:s,s:s,s:s,s:I,s:b,s:i}", "nexthop",
			 cn ? cn->name : "", "address", addr, "port", cp ? cp->name : "", "tier",
			 ctlsock_tier_name(cp ? cp->tier : TIER__MAX), "alive",
			 link_is_alive(&d->tables, nh->link_id), "resolved", resolved, "mac", mac,
			 "mac_from",
			 cn == NULL    ? ""
			 : cn->has_mac ? "config"
				       : "neighbour",
			 "bfd", cn == NULL ? "off" : bfd_nexthop_state(d, cn), "bfd_auth",
			 cn == NULL ? "none" : bfd_auth_name(cn->bfd_auth.type), "bfd_auth_failed",
			 (json_int_t)(cn == NULL ? 0 : bfd_nexthop_auth_failed(d, cn)), "usable",
			 NH_USABLE(nh->flags), "mtu", (int)nh->mtu);
}

static json_t *members_json(const struct daemon *d, uint16_t pg)
{
	uint16_t nh[PF_PG_MEMBERS];
	unsigned n = pg == PG_NONE ? 0 : routes_pathgroup_members(d->routes, pg, nh);
	json_t *a = json_array();

	for (unsigned i = 0; a != NULL && i < n; i++)
		json_array_append_new(a, nexthop_json(d, nh[i]));
	return a;
}

/* The member the workers would use now: the same function they call. */
static json_t *active_json(const struct daemon *d, uint16_t pg)
{
	uint64_t alive = __atomic_load_n(&d->tables.link_alive, __ATOMIC_ACQUIRE);
	const struct nexthop *nh =
		pg == PG_NONE ? NULL : pathgroup_active_member(&d->tables, pg, alive);

	return nh == NULL ? json_null() : nexthop_json(d, (uint16_t)(nh - d->tables.nexthop));
}

static json_t *prefix_str(const struct prefix *p)
{
	char buf[PREFIX_STRLEN];

	return json_string(prefix_format(p, buf, sizeof(buf)));
}

static json_t *port_names(const struct daemon *d, uint64_t mask)
{
	json_t *a = json_array();

	for (unsigned i = 0; a != NULL && i < d->n_ports; i++)
		if ((mask & (1ull << i)) && config_port_present(&d->cfg, i))
			json_array_append_new(a, json_string(d->cfg.ports[i].name));
	return a;
}

/* ---- read-only ---- */

static json_t *cmd_help(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			struct ctlsock_err *err)
{
	json_t *a = json_array();

	(void)c;
	(void)req;
	for (unsigned i = 0; a != NULL && i < CTLSOCK_CMD__MAX; i++)
		json_array_append_new(a, json_pack("{s:s,s:b,s:s}", "name", ctlsock_cmds[i].name,
						   "mutating", ctlsock_cmds[i].mutating, "help",
						   ctlsock_cmds[i].help));
	return a ? json_pack("{s:o}", "commands", a) : ctlsock_nomem(err);
}

static json_t *cmd_version(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			   struct ctlsock_err *err)
{
	(void)c;
	(void)req;
	(void)err;
	return json_pack("{s:s,s:i}", "version", PEERFWD_VERSION, "api", CTLSOCK_API_VERSION);
}

static uint64_t drops_total(const struct pf_lcore_counters *k)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < PF_DROP__MAX; i++)
		n += k->drops[i];
	return n;
}

static json_t *cmd_status(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			  struct ctlsock_err *err)
{
	const struct daemon *d = c->sh->d;
	struct pf_lcore_counters *k = counters_sum(d);
	unsigned up = 0, ports = 0;
	json_t *r;

	(void)req;
	if (k == NULL)
		return ctlsock_nomem(err);
	for (unsigned i = 0; i < d->n_ports; i++) {
		up += d->link[i].alive;
		ports += config_port_present(&d->cfg, i);
	}
	r = json_pack(
		"{s:s,s:I,s:s,s:i,s:i,s:i,s:{s:I,s:I},s:i,s:I,s:I,s:{s:I,s:I},s:I,s:{s:I,s:I},"
		"s:o}",
		"version", PEERFWD_VERSION, "uptime_s", (json_int_t)(time(NULL) - d->started),
		"config", d->config_path, "ports", (int)ports, "ports_up", (int)up, "workers",
		(int)d->n_workers, "routes", "ipv4", (json_int_t)routes_count(d->routes, AF_INET),
		"ipv6", (json_int_t)routes_count(d->routes, AF_INET6), "registered",
		(int)routes_registered_count(d->routes), "punted", (json_int_t)d->punted,
		"forwarded", (json_int_t)k->forwarded, "unregistered", "packets",
		(json_int_t)k->unregistered.pkts, "bytes", (json_int_t)k->unregistered.bytes,
		"drops", (json_int_t)drops_total(k), "icmp", "sent", (json_int_t)k->icmp_sent,
		"rate_limited", (json_int_t)k->icmp_limited, "tier_forced",
		c->sh->forced_tier < 0
			? json_null()
			: json_string(ctlsock_tier_name((enum pf_tier)c->sh->forced_tier)));
	free(k);
	return r ? r : ctlsock_nomem(err);
}

static json_t *port_json(const struct daemon *d, unsigned i, const struct pf_lcore_counters *k)
{
	const struct cfg_port *cp = &d->cfg.ports[i];
	const struct port_rt *p = &d->port[i];
	const struct pf_link *l = &d->link[i];
	const struct pf_port_count *pc = &k->port[p->port_id < PF_MAX_PORTS ? p->port_id : 0];
	struct rte_eth_stats hw;
	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	json_t *r;

	rte_ether_format_addr(mac, sizeof(mac), &p->mac);
	r = json_pack("{s:s,s:i,s:i,s:s,s:s,s:s,s:s,s:b,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
		      "name", cp->name, "index", (int)i, "port_id", (int)p->port_id, "driver",
		      p->driver, "mac", mac, "tier", ctlsock_tier_name(cp->tier), "link",
		      l->alive ? "up" : "down", "carrier", l->carrier, "admin",
		      l->admin_down ? "down" : "up", "speed_mbps", (json_int_t)port_speed(p),
		      "changes", (json_int_t)l->changes, "rx_packets", (json_int_t)pc->rx_pkts,
		      "rx_bytes", (json_int_t)pc->rx_bytes, "tx_packets", (json_int_t)pc->tx_pkts,
		      "tx_bytes", (json_int_t)pc->tx_bytes, "tx_drops", (json_int_t)pc->tx_drops,
		      "punted", (json_int_t)pc->punted);
	if (r != NULL)
		json_object_set_new(r, "origin", json_string(cp->managed ? "managed" : "config"));
	if (r != NULL && rte_eth_stats_get(p->port_id, &hw) == 0)
		json_object_set_new(
			r, "hw",
			json_pack("{s:I,s:I,s:I,s:I,s:I}", "ipackets", (json_int_t)hw.ipackets,
				  "opackets", (json_int_t)hw.opackets, "imissed",
				  (json_int_t)hw.imissed, "ierrors", (json_int_t)hw.ierrors,
				  "oerrors", (json_int_t)hw.oerrors));
	const struct pf_exception *x = &d->exc[i];
	if (r != NULL && x->on)
		json_object_set_new(r, "exception",
				    json_pack("{s:s,s:I,s:I,s:I}", "iface", cp->kiface, "to_kernel",
					      (json_int_t)x->to_kernel, "from_kernel",
					      (json_int_t)x->from_kernel, "dropped",
					      (json_int_t)x->dropped));
	uint64_t xs[XDP_STAT__MAX];
	json_t *o;
	if (r != NULL && xdp_port_on(&d->xdp[i]) && xdp_stats(&d->xdp[i], xs) == 0 &&
	    (o = json_pack("{s:s}", "program", d->cfg.xdp_program)) != NULL) {
		for (unsigned k = 0; k < XDP_STAT__MAX; k++)
			json_object_set_new(o, xdp_stat_name(k), json_integer((json_int_t)xs[k]));
		json_object_set_new(r, "xdp", o);
	}
	return r;
}

static json_t *cmd_ports(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			 struct ctlsock_err *err)
{
	const struct daemon *d = c->sh->d;
	struct pf_lcore_counters *k = counters_sum(d);
	json_t *a = json_array();

	(void)req;
	for (unsigned i = 0; k != NULL && a != NULL && i < d->n_ports; i++)
		if (config_port_present(&d->cfg, i))
			json_array_append_new(a, port_json(d, i, k));
	free(k);
	if (k == NULL || a == NULL) {
		json_decref(a);
		return ctlsock_nomem(err);
	}
	return json_pack("{s:o}", "ports", a);
}

void ctlsock_cmd_sample(struct ctlsock_shared *sh)
{
	const struct daemon *d = sh->d;

	for (unsigned i = 0; i < d->n_workers && i < 16; i++) {
		uint64_t b = d->ctr[i]->polls_busy, n = d->ctr[i]->polls_idle;
		uint64_t db = b - sh->prev_busy[i], dn = n - sh->prev_idle[i];
		sh->load_pct[i] = db + dn ? 100.0 * (double)db / (double)(db + dn) : 0.0;
		sh->prev_busy[i] = b;
		sh->prev_idle[i] = n;
	}
}

static json_t *cmd_workers(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			   struct ctlsock_err *err)
{
	const struct daemon *d = c->sh->d;
	json_t *a = json_array();

	(void)req;
	for (unsigned i = 0; a != NULL && i < d->n_workers; i++) {
		const struct pf_lcore_counters *k = d->ctr[i];
		uint64_t b = k->polls_busy, n = k->polls_idle;
		json_array_append_new(a,
				      json_pack("{s:i,s:i,s:I,s:I,s:I,s:f,s:f}", "index", (int)i,
						"lcore", (int)d->worker[i].lcore_id, "polls_busy",
						(json_int_t)b, "polls_idle", (json_int_t)n,
						"forwarded", (json_int_t)k->forwarded, "load_pct",
						i < 16 ? c->sh->load_pct[i] : 0.0, "load_pct_total",
						b + n ? 100.0 * (double)b / (double)(b + n) : 0.0));
	}
	return a ? json_pack("{s:o}", "workers", a) : ctlsock_nomem(err);
}

static json_t *cmd_drops(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			 struct ctlsock_err *err)
{
	struct pf_lcore_counters *k = counters_sum(c->sh->d);
	json_t *o = json_object(), *r;

	(void)req;
	for (unsigned i = 0; k != NULL && o != NULL && i < PF_DROP__MAX; i++)
		json_object_set_new(o, pf_drop_names[i], json_integer((json_int_t)k->drops[i]));
	if (k == NULL || o == NULL) {
		free(k);
		json_decref(o);
		return ctlsock_nomem(err);
	}
	r = json_pack("{s:o,s:I,s:{s:I,s:I}}", "drops", o, "total", (json_int_t)drops_total(k),
		      "unregistered", "packets", (json_int_t)k->unregistered.pkts, "bytes",
		      (json_int_t)k->unregistered.bytes);
	free(k);
	return r ? r : ctlsock_nomem(err);
}

/* ---- registered prefixes ---- */

static json_t *registered_json(const struct daemon *d, const struct registered_info *ri,
			       const struct pf_lcore_counters *k)
{
	char pgbuf[16];
	bool pg = ri->routed && ri->pg != PG_NONE;

	return json_pack("{s:o,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:I,s:I}", "prefix",
			 prefix_str(&ri->prefix), "customer", ri->customer, "origin",
			 ctlsock_state_is_config(d, &ri->prefix) ? "config" : "managed", "state",
			 ri->routed ? "active" : "not_announced", "via",
			 ri->routed ? prefix_str(&ri->via) : json_null(), "pathgroup",
			 pg ? json_string(pathgroup_name(d, ri->pg, pgbuf, sizeof(pgbuf)))
			    : json_null(),
			 "members", members_json(d, pg ? ri->pg : PG_NONE), "active",
			 active_json(d, pg ? ri->pg : PG_NONE), "packets",
			 (json_int_t)(k ? k->prefix[ri->idx].pkts : 0), "bytes",
			 (json_int_t)(k ? k->prefix[ri->idx].bytes : 0));
}

static json_t *registered_one(const struct daemon *d, const struct prefix *p)
{
	struct registered_info ri;

	if (routes_registered_get(d->routes, p, &ri) < 0)
		return json_object();
	return registered_json(d, &ri, NULL);
}

static json_t *cmd_prefix_register(struct ctlsock_ctx *c, const struct ctlsock_req *req,
				   struct ctlsock_err *err)
{
	struct daemon *d = c->sh->d;
	const struct prefix *p = &req->reg.prefix;
	struct registered_info ri;
	char ps[PREFIX_STRLEN], why[512];
	int ret;

	prefix_format(p, ps, sizeof(ps));
	if (routes_registered_get(d->routes, p, &ri) == 0)
		return ctlsock_fail(err, CTLSOCK_E_EXISTS, "%s is already registered", ps);
	if (routes_registered_count(d->routes) >= PF_MAX_PREFIXES)
		return ctlsock_fail(err, CTLSOCK_E_BUSY, "%s: the registered prefix table is full",
				    ps);
	pthread_mutex_lock(&d->lock);
	ret = routes_register(d->routes, p, req->reg.customer, NULL);
	pthread_mutex_unlock(&d->lock);
	if (ret < 0)
		return ctlsock_fail(err, ret == -ENOSPC ? CTLSOCK_E_BUSY : CTLSOCK_E_INTERNAL, "%s",
				    strerror(-ret));
	/* Only a registration that will survive a restart counts as made. */
	if ((ret = ctlsock_state_save(d, why, sizeof(why))) < 0) {
		pthread_mutex_lock(&d->lock);
		routes_unregister(d->routes, p);
		pthread_mutex_unlock(&d->lock);
		PF_LOG(ERR, "ctl: prefix.register %s undone: state not saved: %s", ps, why);
		return ctlsock_fail(err, CTLSOCK_E_INTERNAL, "state not saved, nothing changed: %s",
				    why);
	}
	return registered_one(d, p);
}

static json_t *cmd_prefix_unregister(struct ctlsock_ctx *c, const struct ctlsock_req *req,
				     struct ctlsock_err *err)
{
	struct daemon *d = c->sh->d;
	const struct prefix *p = &req->reg.prefix;
	struct registered_info ri;
	char ps[PREFIX_STRLEN], why[512];
	int ret;

	prefix_format(p, ps, sizeof(ps));
	if (routes_registered_get(d->routes, p, &ri) < 0)
		return ctlsock_fail(err, CTLSOCK_E_NOT_FOUND, "%s is not registered", ps);
	if (ctlsock_state_is_config(d, p))
		return ctlsock_fail(err, CTLSOCK_E_READ_ONLY,
				    "%s is registered by the config file: remove it there", ps);
	pthread_mutex_lock(&d->lock);
	ret = routes_unregister(d->routes, p);
	pthread_mutex_unlock(&d->lock);
	if (ret < 0)
		return ctlsock_fail(err, CTLSOCK_E_INTERNAL, "%s", strerror(-ret));
	if ((ret = ctlsock_state_save(d, why, sizeof(why))) < 0) {
		pthread_mutex_lock(&d->lock);
		routes_register(d->routes, p, ri.customer, NULL);
		pthread_mutex_unlock(&d->lock);
		PF_LOG(ERR, "ctl: prefix.unregister %s undone: state not saved: %s", ps, why);
		return ctlsock_fail(err, CTLSOCK_E_INTERNAL, "state not saved, nothing changed: %s",
				    why);
	}
	return json_pack("{s:s,s:s}", "prefix", ps, "customer", ri.customer);
}

struct list_walk {
	const struct daemon *d;
	const struct ctlsock_req *req;
	const struct pf_lcore_counters *k;
	json_t *items;
	unsigned n;
	int64_t next; /* -1: no more */
};

static int list_one(const struct registered_info *ri, void *arg)
{
	struct list_walk *w = arg;

	if (ri->idx < w->req->list.cursor ||
	    (w->req->list.family != 0 && ri->prefix.addr.family != w->req->list.family))
		return 0;
	if (w->n == w->req->list.limit) {
		w->next = ri->idx; /* one more exists: the next page starts here */
		return 1;
	}
	w->n++;
	return json_array_append_new(w->items, registered_json(w->d, ri, w->k));
}

static json_t *cmd_prefix_list(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			       struct ctlsock_err *err)
{
	struct list_walk w = {.d = c->sh->d, .req = req, .items = json_array(), .next = -1};
	struct pf_lcore_counters *k = counters_sum(c->sh->d);

	w.k = k;
	if (k == NULL || w.items == NULL ||
	    routes_registered_foreach(c->sh->d->routes, list_one, &w) < 0) {
		free(k);
		json_decref(w.items);
		return ctlsock_nomem(err);
	}
	free(k);
	return json_pack("{s:o,s:i,s:o}", "prefixes", w.items, "total",
			 (int)routes_registered_count(c->sh->d->routes), "next_cursor",
			 w.next < 0 ? json_null() : json_integer(w.next));
}

/* ---- routes ---- */

static const char *source_name(const struct route_info *ri)
{
	if (!ri->has_route)
		return NULL;
	return ri->source == ROUTE_STATIC ? "static" : "bgp";
}

/* What a worker does with a packet to this destination: the worker's own
 * decision functions (worker.h), against the live link state. */
static const char *lookup_verdict(const struct daemon *d, bool found, uint64_t w, uint16_t *pg)
{
	uint64_t alive = __atomic_load_n(&d->tables.link_alive, __ATOMIC_ACQUIRE);
	int why;

	*pg = PG_NONE;
	if (!found)
		w = 0;
	if (dest_is_local(w))
		return "punt";
	why = dest_pathgroup(w, d->tables.unreg_policy, d->tables.unreg_pg, pg);
	if (why >= 0) {
		*pg = PG_NONE;
		return pf_drop_names[why];
	}
	if (pathgroup_active_member(&d->tables, *pg, alive) == NULL)
		return pf_drop_names[PF_DROP_NO_LIVE_PATH];
	return "forward";
}

static json_t *cmd_route_lookup(struct ctlsock_ctx *c, const struct ctlsock_req *req,
				struct ctlsock_err *err)
{
	const struct daemon *d = c->sh->d;
	const struct ip_addr *a = &req->lookup.addr;
	struct route_info ri;
	struct registered_info reg;
	bool found = routes_lookup(d->routes, a, &ri) == 0, is_reg = false;
	uint64_t w = found && ri.dest < PF_MAX_DESTS ? d->tables.dest[ri.dest] : 0;
	char as[64], pgbuf[16];
	const char *src = found ? source_name(&ri) : NULL;
	uint16_t pg;
	const char *verdict = lookup_verdict(d, found, w, &pg);
	json_t *r;

	/* The longest registered prefix holding the address. */
	for (int l = (int)ip_addr_bits(a); l >= 0 && !is_reg; l--) {
		struct prefix q = {.addr = *a, .len = (uint8_t)l};
		prefix_mask(&q);
		is_reg = routes_registered_get(d->routes, &q, &reg) == 0;
	}
	r = json_pack(
		"{s:s,s:o,s:o,s:b,s:b,s:o,s:o,s:o,s:o,s:o,s:s}", "address",
		ip_addr_format(a, as, sizeof(as)), "matched",
		found ? prefix_str(&ri.prefix) : json_null(), "source",
		src ? json_string(src) : json_null(), "local", found && ri.local, "registered",
		is_reg, "registered_prefix", is_reg ? prefix_str(&reg.prefix) : json_null(),
		"customer", is_reg ? json_string(reg.customer) : json_null(), "pathgroup",
		pg != PG_NONE ? json_string(pathgroup_name(d, pg, pgbuf, sizeof(pgbuf)))
			      : json_null(),
		"members", members_json(d, pg), "active", active_json(d, pg), "action",
		strcmp(verdict, "forward") == 0 || strcmp(verdict, "punt") == 0 ? verdict : "drop");
	if (r != NULL && strcmp(verdict, "forward") != 0 && strcmp(verdict, "punt") != 0)
		json_object_set_new(r, "drop_reason", json_string(verdict));
	(void)err;
	return r ? r : ctlsock_nomem(err);
}

static json_t *cmd_route_list(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			      struct ctlsock_err *err)
{
	const struct daemon *d = c->sh->d;
	struct route_info *ri = calloc(req->list.limit, sizeof(*ri));
	uint32_t cursor = req->list.cursor;
	json_t *a = json_array();
	char pgbuf[16];
	unsigned n;

	if (ri == NULL || a == NULL) {
		free(ri);
		json_decref(a);
		return ctlsock_nomem(err);
	}
	n = routes_list(d->routes, req->list.family, &cursor, ri, req->list.limit);
	for (unsigned i = 0; i < n; i++) {
		const char *src = source_name(&ri[i]);
		json_array_append_new(
			a, json_pack("{s:o,s:o,s:o,s:b,s:b}", "prefix", prefix_str(&ri[i].prefix),
				     "source", src ? json_string(src) : json_null(), "pathgroup",
				     ri[i].pg != PG_NONE
					     ? json_string(pathgroup_name(d, ri[i].pg, pgbuf,
									  sizeof(pgbuf)))
					     : json_null(),
				     "registered", ri[i].registered, "local", ri[i].local));
	}
	free(ri);
	return json_pack("{s:o,s:I,s:o}", "routes", a, "total",
			 (json_int_t)routes_count(d->routes, req->list.family), "next_cursor",
			 cursor == 0 ? json_null() : json_integer(cursor));
}

/* ---- links and tiers ---- */

static bool carrier_tier(const struct daemon *d, unsigned i)
{
	return config_port_present(&d->cfg, i) && d->cfg.ports[i].tier < TIER__MAX;
}

/* A note for the operator when no carrier link is left alive. */
static void warn_if_isolated(const struct daemon *d, json_t *r)
{
	for (unsigned i = 0; i < d->n_ports; i++)
		if (carrier_tier(d, i) && d->link[i].alive)
			return;
	json_object_set_new(r, "warning",
			    json_string("no carrier link is alive: traffic to "
					"registered prefixes is dropped"));
}

static json_t *cmd_link_set(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			    struct ctlsock_err *err)
{
	struct daemon *d = c->sh->d;
	int i = config_port_index(&d->cfg, req->link.port);
	bool changed;
	json_t *r;

	if (i < 0 || (unsigned)i >= d->n_ports)
		return ctlsock_fail(err, CTLSOCK_E_NOT_FOUND, "no port '%s' (see 'ports')",
				    req->link.port);
	changed = d->link[i].admin_down != req->link.down;
	pthread_mutex_lock(&d->lock);
	/* The operator now owns this link's admin state, not tier.force. */
	c->sh->tier_downed &= ~(1ull << i);
	if (changed)
		daemon_link_admin(d, (unsigned)i, req->link.down);
	pthread_mutex_unlock(&d->lock);
	r = json_pack("{s:s,s:s,s:s,s:b,s:b}", "port", req->link.port, "admin",
		      d->link[i].admin_down ? "down" : "up", "link",
		      d->link[i].alive ? "up" : "down", "carrier", d->link[i].carrier, "changed",
		      changed);
	if (r != NULL)
		warn_if_isolated(d, r);
	return r ? r : ctlsock_nomem(err);
}

static json_t *cmd_failover_history(struct ctlsock_ctx *c, const struct ctlsock_req *req,
				    struct ctlsock_err *err)
{
	const struct daemon *d = c->sh->d;
	uint64_t n = d->n_history < PF_FAILOVER_HISTORY ? d->n_history : PF_FAILOVER_HISTORY;
	json_t *a = json_array();

	if (n > req->list.limit)
		n = req->list.limit;
	for (uint64_t k = 0; a != NULL && k < n; k++) {
		const struct pf_failover_event *ev =
			&d->history[(d->n_history - 1 - k) % PF_FAILOVER_HISTORY];
		struct tm tm;
		char when[64];
		gmtime_r(&ev->when.tv_sec, &tm);
		size_t off = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(when + off, sizeof(when) - off, ".%03ldZ", ev->when.tv_nsec / 1000000);
		json_array_append_new(
			a, json_pack("{s:s,s:f,s:s,s:s,s:s,s:s,s:s}", "time", when, "time_unix",
				     (double)ev->when.tv_sec + (double)ev->when.tv_nsec / 1e9,
				     "port", ev->port_name, "tier", ctlsock_tier_name(ev->tier),
				     "nexthop", ev->nexthop, "state", ev->alive ? "up" : "down",
				     "reason", ev->reason));
	}
	return a ? json_pack("{s:o,s:I}", "events", a, "total", (json_int_t)d->n_history)
		 : ctlsock_nomem(err);
}

static void tier_apply(struct daemon *d, struct ctlsock_shared *sh, uint64_t down)
{
	uint64_t release = sh->tier_downed & ~down;

	pthread_mutex_lock(&d->lock);
	for (unsigned i = 0; i < d->n_ports; i++)
		if (release & (1ull << i))
			daemon_link_admin(d, i, false);
	for (unsigned i = 0; i < d->n_ports; i++)
		if ((down & (1ull << i)) && !d->link[i].admin_down)
			daemon_link_admin(d, i, true);
	sh->tier_downed = down;
	pthread_mutex_unlock(&d->lock);
}

static json_t *cmd_tier_force(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			      struct ctlsock_err *err)
{
	struct daemon *d = c->sh->d;
	struct ctlsock_shared *sh = c->sh;
	enum pf_tier t = req->tier.tier;
	uint64_t down = 0, before = sh->tier_downed;
	unsigned in_tier = 0, usable = 0;
	json_t *r;

	for (unsigned i = 0; i < d->n_ports; i++) {
		const struct pf_link *l = &d->link[i];
		bool ours = sh->tier_downed & (1ull << i);
		if (!carrier_tier(d, i))
			continue;
		if (d->cfg.ports[i].tier == t) {
			in_tier++;
			/* usable once our own earlier force is undone */
			usable += l->carrier && (!l->admin_down || ours);
		} else if (!l->admin_down || ours) {
			down |= 1ull << i; /* an operator's link.set down stays theirs */
		}
	}
	if (in_tier == 0)
		return ctlsock_fail(err, CTLSOCK_E_NOT_FOUND, "no port carries tier %s",
				    ctlsock_tier_name(t));
	if (usable == 0)
		return ctlsock_fail(err, CTLSOCK_E_INVALID_ARGUMENT,
				    "no %s link has carrier: forcing it would stop all traffic",
				    ctlsock_tier_name(t));
	tier_apply(d, sh, down);
	sh->forced_tier = (int)t;
	r = json_pack("{s:s,s:o,s:o}", "tier", ctlsock_tier_name(t), "forced_down",
		      port_names(d, down), "released", port_names(d, before & ~down));
	return r ? r : ctlsock_nomem(err);
}

static json_t *cmd_tier_release(struct ctlsock_ctx *c, const struct ctlsock_req *req,
				struct ctlsock_err *err)
{
	struct ctlsock_shared *sh = c->sh;
	uint64_t before = sh->tier_downed;
	bool was = sh->forced_tier >= 0;
	json_t *r;

	(void)req;
	tier_apply(sh->d, sh, 0);
	sh->forced_tier = -1;
	r = json_pack("{s:b,s:o}", "changed", was, "released", port_names(sh->d, before));
	return r ? r : ctlsock_nomem(err);
}

/* ---- config ---- */

static json_t *cmd_config_check(struct ctlsock_ctx *c, const struct ctlsock_req *req,
				struct ctlsock_err *err)
{
	const char *path = req->check.path[0] ? req->check.path : c->sh->d->config_path;
	struct config *cfg = calloc(1, sizeof(*cfg));
	char why[1024];
	json_t *r;

	if (cfg == NULL)
		return ctlsock_nomem(err);
	if (config_load(path, cfg, why, sizeof(why)) < 0) {
		free(cfg);
		/* message is "FILE:LINE: SETTING: what is wrong" from the parser */
		return ctlsock_fail(err, CTLSOCK_E_INVALID_CONFIG, "%s", why);
	}
	r = json_pack("{s:s,s:b,s:i,s:i,s:i,s:i}", "path", path, "valid", 1, "ports",
		      (int)cfg->n_ports, "workers", (int)cfg->n_workers, "routes",
		      (int)cfg->n_routes, "registered", (int)cfg->n_registered);
	config_free(cfg);
	free(cfg);
	return r ? r : ctlsock_nomem(err);
}

static json_t *counts(unsigned added, unsigned changed, unsigned removed)
{
	return json_pack("{s:i,s:i,s:i}", "added", (int)added, "changed", (int)changed, "removed",
			 (int)removed);
}

static json_t *reload_json(const struct daemon *d, const struct reload_summary *s)
{
	json_t *notes = json_array();

	for (unsigned i = 0; notes != NULL && i < s->n_notes; i++)
		json_array_append_new(notes, json_string(s->notes[i]));
	return json_pack(
		"{s:s,s:o,s:o,s:o,s:{s:i,s:i,s:i},s:b,s:i,s:o*}", "path", d->config_path,
		"nexthops", counts(s->nexthops_added, s->nexthops_changed, s->nexthops_removed),
		"pathgroups",
		counts(s->pathgroups_added, s->pathgroups_changed, s->pathgroups_removed), "routes",
		counts(s->routes_added, s->routes_changed, s->routes_removed), "registered",
		"added", (int)s->registered_added, "removed", (int)s->registered_removed, "adopted",
		(int)s->registered_adopted, "unregistered_changed", s->unregistered_changed,
		"nexthops_held", (int)s->nexthops_held, "notes", notes);
}

static json_t *cmd_config_reload(struct ctlsock_ctx *c, const struct ctlsock_req *req,
				 struct ctlsock_err *err)
{
	struct daemon *d = c->sh->d;
	struct reload_summary s;
	char why[1024], why2[512];
	int ret;
	json_t *r;

	(void)req;
	ret = daemon_reload(d, why, sizeof(why), &s);
	if (ret == -EINVAL)
		return ctlsock_fail(err, CTLSOCK_E_INVALID_CONFIG, "%s", why);
	if (ret == -EOPNOTSUPP)
		return ctlsock_fail(err, CTLSOCK_E_RESTART_REQUIRED, "%s", why);
	if (s.applied && s.registered_added + s.registered_removed + s.registered_adopted > 0 &&
	    ctlsock_state_save(d, why2, sizeof(why2)) < 0)
		/* the registrations run; only the state file lags (next save fixes it) */
		PF_LOG(ERR, "ctl: config.reload: state not saved: %s", why2);
	if (ret < 0)
		return ctlsock_fail(err, CTLSOCK_E_INTERNAL, "%s", why);
	r = reload_json(d, &s);
	return r ? r : ctlsock_nomem(err);
}

static json_t *cmd_metrics(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			   struct ctlsock_err *err)
{
	char *text = ctlsock_metrics_text(c->sh->d);
	json_t *r;

	(void)req;
	if (text == NULL)
		return ctlsock_nomem(err);
	r = json_pack("{s:s,s:s}", "format", "prometheus-text-0.0.4", "text", text);
	free(text);
	return r ? r : ctlsock_nomem(err);
}

/* ---- bfd.list ---- */

static int bfd_one(const struct bfd_info *bi, void *arg)
{
	char peer[INET6_ADDRSTRLEN], local[INET6_ADDRSTRLEN];

	return json_array_append_new(
		arg,
		json_pack("{s:s,s:s,s:s,s:s,s:b,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:i,s:i,s:s,s:I,s:I,"
			  "s:I,s:I,s:I,s:b}",
			  "nexthop", bi->nexthop, "port", bi->port, "address",
			  ip_addr_format(bi->peer, peer, sizeof(peer)), "local",
			  ip_addr_format(bi->local, local, sizeof(local)), "socket", bi->socket,
			  "state", bi->socket ? bi->state : "off", "remote_state", bi->remote_state,
			  "diag", bi->diag, "since_s", (json_int_t)bi->since_s, "local_disc",
			  (json_int_t)bi->local_disc, "remote_disc", (json_int_t)bi->remote_disc,
			  "tx_interval_ms", (json_int_t)(bi->tx_interval_us / 1000), "multiplier",
			  (int)bi->multiplier, "remote_multiplier", (int)bi->remote_multiplier,
			  "auth", bi->auth, "detect_time_ms",
			  (json_int_t)(bi->detect_time_us / 1000), "up_count",
			  (json_int_t)bi->up_count, "rx", (json_int_t)bi->rx, "tx",
			  (json_int_t)bi->tx, "auth_failed", (json_int_t)bi->auth_failed,
			  "holds_down", bi->held_down));
}

static json_t *cmd_bfd_list(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			    struct ctlsock_err *err)
{
	json_t *a = json_array();

	(void)req;
	if (a == NULL || bfd_foreach(c->sh->d, bfd_one, a) != 0) {
		json_decref(a);
		return ctlsock_nomem(err);
	}
	return json_pack("{s:o}", "sessions", a);
}

/* ---- link.add, link.remove ---- */

int ctlsock_link_start(struct daemon *d, const struct ctlsock_link *l, char *msg, size_t len)
{
	struct cfg_port p;

	RTE_BUILD_BUG_ON(CTLSOCK_MAX_ADDRS != CFG_MAX_ADDRS);
	RTE_BUILD_BUG_ON(CTLSOCK_DEVICE_LEN != sizeof(p.device));
	RTE_BUILD_BUG_ON(CTLSOCK_IFACE_LEN != sizeof(p.iface));
	RTE_BUILD_BUG_ON(CTLSOCK_NAME_LEN != sizeof(p.name));
	memset(&p, 0, sizeof(p));
	memcpy(p.name, l->name, sizeof(p.name));
	memcpy(p.device, l->device, sizeof(p.device));
	memcpy(p.iface, l->iface, sizeof(p.iface));
	p.exception = l->exception;
	memcpy(p.kiface, l->exception ? l->exception_iface : l->iface, sizeof(p.kiface));
	p.is_pci = l->is_pci;
	p.tier = l->tier;
	p.has_mac = l->has_mac;
	p.mac = l->mac;
	p.n_addrs = l->n_addrs;
	memcpy(p.addrs, l->addrs, sizeof(p.addrs));
	return daemon_link_add(d, &p, msg, len);
}

static json_t *cmd_link_add(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			    struct ctlsock_err *err)
{
	struct daemon *d = c->sh->d;
	const struct ctlsock_link *l = &req->link_add;
	char msg[512], why[512];
	int ret = ctlsock_link_start(d, l, msg, sizeof(msg));

	if (ret == -EEXIST)
		return ctlsock_fail(err, CTLSOCK_E_EXISTS, "%s", msg);
	if (ret == -ENOSPC || ret == -ENOMEM)
		return ctlsock_fail(err, CTLSOCK_E_BUSY, "%s", msg);
	if (ret < 0)
		return ctlsock_fail(err, CTLSOCK_E_INVALID_ARGUMENT, "%s", msg);
	/* Only a link that a restart brings back counts as added. */
	if (ctlsock_state_save_links(d, NULL, why, sizeof(why)) < 0) {
		daemon_link_remove(d, l->name, msg, sizeof(msg));
		PF_LOG(ERR, "ctl: link.add %s undone: state not saved: %s", l->name, why);
		return ctlsock_fail(err, CTLSOCK_E_INTERNAL, "state not saved, nothing changed: %s",
				    why);
	}
	const struct port_rt *rt = &d->port[ret];
	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	rte_ether_format_addr(mac, sizeof(mac), &rt->mac);
	json_t *r =
		json_pack("{s:s,s:s,s:s,s:i,s:s,s:s,s:s,s:b}", "name", l->name, "device", l->device,
			  "driver", rt->driver, "ethdev", (int)rt->port_id, "mac", mac, "tier",
			  ctlsock_tier_name(l->tier), "origin", "managed", "durable", 1);
	return r ? r : ctlsock_nomem(err);
}

static json_t *cmd_link_remove(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			       struct ctlsock_err *err)
{
	struct daemon *d = c->sh->d;
	const char *name = req->link_add.name;
	int i = config_port_index(&d->cfg, name);
	bool managed = i >= 0 && d->cfg.ports[i].managed;
	char msg[512], why[512];
	int ret;

	/* A managed link leaves the state file first: if that fails, nothing
	 * changed; if the removal then fails, the file is written back. */
	if (managed && ctlsock_state_save_links(d, name, why, sizeof(why)) < 0)
		return ctlsock_fail(err, CTLSOCK_E_INTERNAL, "state not saved, nothing changed: %s",
				    why);
	ret = daemon_link_remove(d, name, msg, sizeof(msg));
	if (ret < 0 && managed && ctlsock_state_save_links(d, NULL, why, sizeof(why)) < 0)
		PF_LOG(ERR, "ctl: link.remove %s failed and links.json not restored: %s", name,
		       why);
	if (ret == -ENOENT)
		return ctlsock_fail(err, CTLSOCK_E_NOT_FOUND, "%s (see 'ports')", msg);
	if (ret == -EBUSY)
		return ctlsock_fail(err, CTLSOCK_E_BUSY, "%s", msg);
	if (ret < 0)
		return ctlsock_fail(err, CTLSOCK_E_INTERNAL, "%s", msg);
	c->sh->tier_downed &= ~(1ull << i);
	/* A config file port comes back at the next start unless the file
	 * drops it. */
	json_t *r = json_pack("{s:s,s:s,s:b}", "name", name, "origin",
			      managed ? "managed" : "config", "durable", managed);
	if (r != NULL && !managed)
		json_object_set_new(r, "note",
				    json_string("a config file port: it is back at the next "
						"start unless the config file drops it"));
	return r ? r : ctlsock_nomem(err);
}

static const ctlsock_handler handlers[CTLSOCK_CMD__MAX] = {
	[CTLSOCK_CMD_HELP] = cmd_help,
	[CTLSOCK_CMD_VERSION] = cmd_version,
	[CTLSOCK_CMD_STATUS] = cmd_status,
	[CTLSOCK_CMD_PORTS] = cmd_ports,
	[CTLSOCK_CMD_WORKERS] = cmd_workers,
	[CTLSOCK_CMD_DROPS] = cmd_drops,
	[CTLSOCK_CMD_PREFIX_REGISTER] = cmd_prefix_register,
	[CTLSOCK_CMD_PREFIX_UNREGISTER] = cmd_prefix_unregister,
	[CTLSOCK_CMD_PREFIX_LIST] = cmd_prefix_list,
	[CTLSOCK_CMD_ROUTE_LOOKUP] = cmd_route_lookup,
	[CTLSOCK_CMD_ROUTE_LIST] = cmd_route_list,
	[CTLSOCK_CMD_LINK_SET] = cmd_link_set,
	[CTLSOCK_CMD_FAILOVER_HISTORY] = cmd_failover_history,
	[CTLSOCK_CMD_TIER_FORCE] = cmd_tier_force,
	[CTLSOCK_CMD_TIER_RELEASE] = cmd_tier_release,
	[CTLSOCK_CMD_CONFIG_CHECK] = cmd_config_check,
	[CTLSOCK_CMD_CONFIG_RELOAD] = cmd_config_reload,
	[CTLSOCK_CMD_METRICS] = cmd_metrics,
	[CTLSOCK_CMD_PEERING_LIST] = ctlsock_peering_list,
	[CTLSOCK_CMD_PEERING_STATS] = ctlsock_peering_stats,
	[CTLSOCK_CMD_PEER_RESET] = ctlsock_peer_reset,
	[CTLSOCK_CMD_PEER_SET_POLICY] = ctlsock_peer_set_policy,
	[CTLSOCK_CMD_ROUTE_ADD] = ctlsock_route_add,
	[CTLSOCK_CMD_ROUTE_DEL] = ctlsock_route_del,
	[CTLSOCK_CMD_PEERING_ADD] = ctlsock_peering_add,
	[CTLSOCK_CMD_PEERING_REMOVE] = ctlsock_peering_remove,
	[CTLSOCK_CMD_PEERING_CONVERT] = ctlsock_peering_convert,
	[CTLSOCK_CMD_LINK_ADD] = cmd_link_add,
	[CTLSOCK_CMD_LINK_REMOVE] = cmd_link_remove,
	[CTLSOCK_CMD_BFD_LIST] = cmd_bfd_list,
	[CTLSOCK_CMD_PEER_GSHUT] = ctlsock_peer_gshut,
};

json_t *ctlsock_cmd_run(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			struct ctlsock_err *err)
{
	ctlsock_handler h = handlers[req->cmd->id];

	if (h == NULL)
		return ctlsock_fail(err, CTLSOCK_E_INTERNAL, "%s: no handler", req->cmd->name);
	return h(c, req, err);
}
