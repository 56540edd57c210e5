/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config.reload. The file is loaded and compared with the running config;
 * what only a restart can change is refused before anything is touched.
 * The rest moves in an order that never leaves a destination without a
 * path:
 *
 *   1. a next hop whose port or MAC changed gets a new id (next hops are
 *      immutable while published, fwd.h); an unchanged one keeps its id
 *   2. every config path group is looked up again with the new ids:
 *      routes.c interns groups by member list, so an unchanged group is the
 *      same id and a changed one a new id whose word is written before use
 *   3. static routes whose group id changed are re-pointed (routes_set
 *      swaps the group of a FIB entry in one store), new ones added,
 *      removed ones withdrawn
 *   4. new registrations before removed ones; then the unregistered policy
 *   5. the old config's group references are dropped, and an old next hop
 *      is released once no group in use names it (nexthop_release lets
 *      workers that still hold it finish first)
 *
 * Groups are not rewritten in place here: routes.c shares one group among
 * every user of the same member list (several config groups, BGP routes),
 * so rewriting one config group's members would move the others too. (The
 * neighbour table and BFD do rewrite in place, with routes_nexthop_replace:
 * they swap one next hop for its fresh copy in every group, which is what
 * every user of those groups wants, and the member lists stay distinct.)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/bfd/bfd.h"
#include "control/daemon/daemon.h"
#include "control/daemon/log.h"

struct reload_plan {
	uint16_t nh_id[PF_MAX_NEXTHOPS];   /* new config next hop -> fwd id */
	bool nh_new[PF_MAX_NEXTHOPS];	   /* allocated by this reload */
	uint16_t pg_id[PF_MAX_PATHGROUPS]; /* new config path group -> group id */
	unsigned n_pg;			   /* pg_id[] entries holding a reference */
};

/* Next hops replaced while a BGP group still named them: retried at every
 * reload (one daemon per process, like the telemetry callbacks). */
static uint16_t held[PF_MAX_NEXTHOPS];
static unsigned n_held;

static void note(struct reload_summary *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note(struct reload_summary *out, const char *fmt, ...)
{
	va_list ap;

	if (out->n_notes == RELOAD_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(out->notes[out->n_notes++], sizeof(out->notes[0]), fmt, ap);
	va_end(ap);
}

/* ---- what needs a restart ---- */

static int restart(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int restart(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < errlen)
		snprintf(err + n, errlen - (size_t)n,
			 ": restart peerfwd to apply (nothing changed)");
	return -EOPNOTSUPP;
}

static const char *port_diff(const struct cfg_port *a, const struct cfg_port *b)
{
	if (strcmp(a->name, b->name) != 0)
		return "name";
	if (strcmp(a->device, b->device) != 0)
		return "device";
	if (a->tier != b->tier)
		return "tier";
	if (a->has_mac != b->has_mac || (a->has_mac && !rte_is_same_ether_addr(&a->mac, &b->mac)))
		return "mac";
	if (a->vlan != b->vlan)
		return "vlan";
	if (a->mtu != b->mtu)
		return "mtu";
	if (a->n_rxq != b->n_rxq)
		return "rx_queues";
	if (a->exception != b->exception || strcmp(a->kiface, b->kiface) != 0)
		return "exception";
	if (a->n_addrs != b->n_addrs ||
	    memcmp(a->addrs, b->addrs, a->n_addrs * sizeof(a->addrs[0])))
		return "addresses";
	return NULL;
}

static bool worker_equal(const struct cfg_worker *a, const struct cfg_worker *b)
{
	return a->lcore == b->lcore && a->n_rxq == b->n_rxq &&
	       memcmp(a->rxq, b->rxq, a->n_rxq * sizeof(a->rxq[0])) == 0;
}

/*
 * The file's ports onto the running slots, by name: a port's index is its
 * link id and link.add / link.remove change the running set, so the file's
 * order need not be the slots' order any more. Rewrites every port index in
 * n (next hops, workers' rx queues, BGP peers) to the running slot and puts
 * the running ports (also the added and removed ones) in n->ports.
 */
static int rebase_ports(const struct config *o, struct config *n, struct reload_summary *out,
			char *err, size_t errlen)
{
	uint16_t slot[PF_MAX_PORTS];
	bool in_file[PF_MAX_PORTS] = {false};

	for (unsigned j = 0; j < n->n_ports; j++) {
		const struct cfg_port *np = &n->ports[j];
		int i = config_port_index(o, np->name);
		for (unsigned k = 0; i < 0 && k < o->n_ports; k++)
			if (o->ports[k].removed && !o->ports[k].managed &&
			    strcmp(o->ports[k].name, np->name) == 0)
				i = (int)k;
		if (i < 0)
			return restart(err, errlen,
				       "ports: \"%s\" is new in the file (link add starts a port "
				       "now)",
				       np->name);
		/* A port from link add that the file lists too: the same port if
		 * the file says what link add said (link add starts 1 queue). */
		struct cfg_port running = o->ports[i];
		if (running.managed)
			running.n_rxq = np->n_rxq;
		const char *what = port_diff(&running, np);
		if (what != NULL && running.managed)
			return restart(err, errlen,
				       "ports: \"%s\" runs from link add, the file's differs (%s)",
				       np->name, what);
		if (what != NULL)
			return restart(err, errlen, "ports: \"%s\": %s changed", np->name, what);
		if (running.managed)
			note(out,
			     "port %s runs from link add and is in the file too: the file's "
			     "entry takes over at the next start",
			     np->name);
		slot[j] = (uint16_t)i;
		in_file[i] = true;
		if (o->ports[i].removed)
			note(out,
			     "port %s is in the file but was removed with link remove: not "
			     "started again (link add it, or restart)",
			     np->name);
	}
	for (unsigned i = 0; i < o->n_ports; i++)
		if (config_port_present(o, i) && !o->ports[i].managed && !in_file[i])
			return restart(err, errlen,
				       "ports: \"%s\" runs but is not in the file any more (link "
				       "remove stops a port now)",
				       o->ports[i].name);
	for (unsigned k = 0; k < n->n_nexthops; k++) {
		struct cfg_nexthop *nh = &n->nexthops[k];
		nh->port = slot[nh->port];
		if (o->ports[nh->port].removed) {
			snprintf(err, errlen,
				 "nexthops[%u] (\"%s\"): port %s was removed with link remove "
				 "(link add it first; nothing changed)",
				 k, nh->name, o->ports[nh->port].name);
			return -EINVAL;
		}
	}
	for (unsigned w = 0; w < n->n_workers; w++)
		for (unsigned q = 0; q < n->workers[w].n_rxq; q++)
			n->workers[w].rxq[q].port = slot[n->workers[w].rxq[q].port];
	for (unsigned k = 0; k < n->bgp.n_peers; k++)
		n->bgp.peers[k].port = slot[n->bgp.peers[k].port];
	memcpy(n->ports, o->ports, sizeof(n->ports));
	n->n_ports = o->n_ports;
	return 0;
}

static int compare_eal(const struct config *o, const struct config *n, char *err, size_t errlen)
{
	if (o->link_poll_ms != n->link_poll_ms)
		return restart(err, errlen, "link_poll_ms changed (%u -> %u)", o->link_poll_ms,
			       n->link_poll_ms);
	if (o->main_lcore != n->main_lcore)
		return restart(err, errlen, "main_lcore changed (%u -> %u)", o->main_lcore,
			       n->main_lcore);
	if (o->n_workers != n->n_workers)
		return restart(err, errlen, "workers: %u running, %u in the file", o->n_workers,
			       n->n_workers);
	for (unsigned i = 0; i < o->n_workers; i++)
		if (!worker_equal(&o->workers[i], &n->workers[i]))
			return restart(err, errlen, "workers[%u] (lcore %u) changed", i,
				       o->workers[i].lcore);
	bool eal = o->n_eal_args != n->n_eal_args;
	for (unsigned i = 0; !eal && i < o->n_eal_args; i++)
		eal = strcmp(o->eal_args[i], n->eal_args[i]) != 0;
	if (eal)
		return restart(err, errlen, "eal_args changed");
	if (o->max_routes4 != n->max_routes4 || o->n_tbl8_4 != n->n_tbl8_4 ||
	    o->max_routes6 != n->max_routes6 || o->n_groups6 != n->n_groups6)
		return restart(err, errlen, "fib sizes changed");
	return 0;
}

/* BGP's RIB names next hops by their index in cfg.nexthops and keeps
 * pointers into cfg.bgp: while it runs, both must stay put. */
static int compare_bgp(const struct config *o, const struct config *n, bool bgp_running, char *err,
		       size_t errlen)
{
	if (memcmp(&o->bgp, &n->bgp, sizeof(o->bgp)) != 0)
		return restart(err, errlen, "bgp section changed");
	if (!bgp_running)
		return 0;
	if (n->n_nexthops < o->n_nexthops)
		return restart(err, errlen, "next hops removed while BGP runs");
	for (unsigned i = 0; i < o->n_nexthops; i++)
		if (strcmp(o->nexthops[i].name, n->nexthops[i].name) != 0)
			return restart(err, errlen,
				       "nexthops[%u]: \"%s\" became \"%s\" while BGP runs (BGP "
				       "names next hops by position: only append new ones)",
				       i, o->nexthops[i].name, n->nexthops[i].name);
	return 0;
}

static int reload_compare(const struct config *o, const struct config *n, bool bgp_running,
			  char *err, size_t errlen)
{
	int ret;

	if ((ret = compare_eal(o, n, err, errlen)) < 0 ||
	    (ret = compare_bgp(o, n, bgp_running, err, errlen)) < 0)
		return ret;
	if (strcmp(o->ctl_socket, n->ctl_socket) != 0)
		return restart(err, errlen, "ctl_socket changed");
	if (strcmp(o->state_dir, n->state_dir) != 0)
		return restart(err, errlen, "state_dir changed");
	if (strcmp(o->xdp_program, n->xdp_program) != 0)
		return restart(err, errlen, "xdp_program changed");
	return 0;
}

/* ---- 1, 2: next hops and path groups (undone on failure) ---- */

static bool nexthop_same(const struct cfg_nexthop *a, const struct cfg_nexthop *b)
{
	/* without a MAC, the address is what the neighbour table resolves */
	return a->port == b->port && a->has_mac == b->has_mac &&
	       (a->has_mac ? rte_is_same_ether_addr(&a->mac, &b->mac)
			   : memcmp(&a->addr, &b->addr, sizeof(a->addr)) == 0);
}

static void plan_undo(struct daemon *d, struct reload_plan *pl, unsigned n_nh)
{
	for (unsigned i = 0; i < pl->n_pg; i++)
		if (pl->pg_id[i] != PG_NONE)
			routes_pathgroup_put(d->routes, pl->pg_id[i]);
	for (unsigned i = 0; i < n_nh; i++)
		if (pl->nh_new[i])
			nexthop_release(&d->tables, pl->nh_id[i]);
}

static int plan_nexthop(struct daemon *d, const struct config *nc, unsigned i,
			struct reload_plan *pl, struct reload_summary *out, char *err,
			size_t errlen)
{
	const struct cfg_nexthop *c = &nc->nexthops[i];
	int o = config_nexthop_index(&d->cfg, c->name);
	struct nexthop nh;
	int ret;

	pl->nh_id[i] = NH_NONE;
	if (o < 0)
		out->nexthops_added++;
	else if (!nexthop_same(&d->cfg.nexthops[o], c) ||
		 memcmp(&d->cfg.nexthops[o].addr, &c->addr, sizeof(c->addr)) != 0)
		out->nexthops_changed++;
	if (o >= 0 && nexthop_same(&d->cfg.nexthops[o], c)) {
		/* one without a MAC keeps what its neighbour resolved to */
		pl->nh_id[i] = d->nh_id[o];
		return 0;
	}
	daemon_nexthop_make(d, nc, i, &nh); /* unresolved without a MAC: neigh.c */
	if ((ret = nexthop_alloc(&d->tables, &nh, &pl->nh_id[i])) < 0) {
		snprintf(err, errlen, "next hop %s: %s (nothing changed)", c->name, strerror(-ret));
		return ret;
	}
	pl->nh_new[i] = true;
	return 0;
}

static int plan_pathgroup(struct daemon *d, const struct config *nc, unsigned i,
			  struct reload_plan *pl, struct reload_summary *out, char *err,
			  size_t errlen)
{
	const struct cfg_pathgroup *c = &nc->pathgroups[i];
	int o = config_pathgroup_index(&d->cfg, c->name);
	uint16_t nh[PF_PG_MEMBERS];
	unsigned n = 0;
	int ret;

	for (unsigned m = 0; m < c->n_members; m++)
		if (pl->nh_id[c->members[m]] != NH_NONE)
			nh[n++] = pl->nh_id[c->members[m]];
	pl->pg_id[i] = PG_NONE;
	pl->n_pg = i + 1;
	if (n > 0 && (ret = routes_pathgroup_get(d->routes, nh, n, &pl->pg_id[i])) < 0) {
		snprintf(err, errlen, "path group %s: %s (nothing changed)", c->name,
			 strerror(-ret));
		return ret;
	}
	if (n == 0)
		note(out, "path group %s has no usable member", c->name);
	if (o < 0)
		out->pathgroups_added++;
	else if (d->pg_id[o] != pl->pg_id[i])
		out->pathgroups_changed++;
	return 0;
}

static int plan_make(struct daemon *d, const struct config *nc, struct reload_plan *pl,
		     struct reload_summary *out, char *err, size_t errlen)
{
	int ret = 0;
	unsigned i;

	for (i = 0; ret == 0 && i < nc->n_nexthops; i++)
		ret = plan_nexthop(d, nc, i, pl, out, err, errlen);
	for (unsigned p = 0; ret == 0 && p < nc->n_pathgroups; p++)
		ret = plan_pathgroup(d, nc, p, pl, out, err, errlen);
	if (ret < 0)
		plan_undo(d, pl, i);
	for (unsigned o = 0; o < d->cfg.n_nexthops; o++)
		out->nexthops_removed += config_nexthop_index(nc, d->cfg.nexthops[o].name) < 0;
	for (unsigned o = 0; o < d->cfg.n_pathgroups; o++)
		out->pathgroups_removed +=
			config_pathgroup_index(nc, d->cfg.pathgroups[o].name) < 0;
	return ret;
}

/* ---- 3, 4: routes and registrations, matched by prefix ---- */

static int prefix_order(const struct prefix *x, const struct prefix *y)
{
	if (x->addr.family != y->addr.family)
		return x->addr.family < y->addr.family ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->addr.bytes, y->addr.bytes, sizeof(x->addr.bytes));
}

static int route_cmp(const void *a, const void *b)
{
	return prefix_order(&(*(const struct cfg_route *const *)a)->prefix,
			    &(*(const struct cfg_route *const *)b)->prefix);
}

static int reg_cmp(const void *a, const void *b)
{
	return prefix_order(&(*(const struct cfg_registered *const *)a)->prefix,
			    &(*(const struct cfg_registered *const *)b)->prefix);
}

/* Pointers to n elements of size sz, sorted by cmp (the configs stay as
 * written: indexes into them are used elsewhere). */
static const void **sorted(const void *base, unsigned n, size_t sz,
			   int (*cmp)(const void *, const void *))
{
	const void **v = malloc((n + 1) * sizeof(*v));

	for (unsigned i = 0; v != NULL && i < n; i++)
		v[i] = (const char *)base + i * sz;
	if (v != NULL)
		qsort(v, n, sizeof(*v), cmp);
	return v;
}

struct apply {
	struct daemon *d;
	const struct config *nc;
	const struct reload_plan *pl;
	struct reload_summary *out;
	char *err;
	size_t errlen;
	int ret; /* first failure */
};

static void apply_fail(struct apply *a, const char *what, const struct prefix *p, int ret)
{
	char ps[PREFIX_STRLEN];

	prefix_format(p, ps, sizeof(ps));
	PF_LOG(ERR, "reload: %s %s: %s", what, ps, strerror(-ret));
	if (a->ret == 0) {
		a->ret = ret;
		snprintf(a->err, a->errlen, "reload partly applied: %s %s: %s", what, ps,
			 strerror(-ret));
	}
}

/* One prefix of the old config (o), the new (n), or both. */
static void route_move(struct apply *a, const struct cfg_route *o, const struct cfg_route *n)
{
	struct daemon *d = a->d;
	uint16_t old_pg = o ? d->pg_id[o->pathgroup] : PG_NONE;
	uint16_t new_pg = n ? a->pl->pg_id[n->pathgroup] : PG_NONE;
	const struct prefix *p = n ? &n->prefix : &o->prefix;
	int ret = 0;

	if (o == NULL)
		a->out->routes_added++;
	else if (n == NULL)
		a->out->routes_removed++;
	else if (old_pg != new_pg || strcmp(d->cfg.pathgroups[o->pathgroup].name,
					    a->nc->pathgroups[n->pathgroup].name) != 0)
		a->out->routes_changed++;
	if (new_pg != PG_NONE && new_pg != old_pg)
		ret = routes_set(d->routes, p, ROUTE_STATIC, new_pg);
	else if (new_pg == PG_NONE && old_pg != PG_NONE)
		ret = routes_unset(d->routes, p, ROUTE_STATIC);
	if (ret < 0 && ret != -ENOENT)
		apply_fail(a, "route", p, ret);
}

static void reg_move(struct apply *a, const struct cfg_registered *o,
		     const struct cfg_registered *n)
{
	struct routes *r = a->d->routes;
	struct registered_info ri;
	char ps[PREFIX_STRLEN];
	int ret;

	if (o != NULL && n != NULL) {
		if (strcmp(o->customer, n->customer) != 0)
			note(a->out, "%s: customer \"%s\" -> \"%s\" takes effect at restart",
			     prefix_format(&n->prefix, ps, sizeof(ps)), o->customer, n->customer);
		return;
	}
	if (n != NULL) {
		ret = routes_register(r, &n->prefix, n->customer, NULL);
		if (ret == -EEXIST && routes_registered_get(r, &n->prefix, &ri) == 0) {
			/* made over the socket: the config owns it now */
			a->out->registered_adopted++;
			if (strcmp(ri.customer, n->customer) != 0)
				note(a->out, "%s: keeps customer \"%s\" until restart",
				     prefix_format(&n->prefix, ps, sizeof(ps)), ri.customer);
		} else if (ret < 0) {
			apply_fail(a, "registered prefix", &n->prefix, ret);
		} else {
			a->out->registered_added++;
		}
		return;
	}
	ret = routes_unregister(r, &o->prefix);
	if (ret < 0 && ret != -ENOENT)
		apply_fail(a, "unregistering", &o->prefix, ret);
	else
		a->out->registered_removed++;
}

/* Walk two sorted pointer lists side by side: fn(old, new) per prefix. */
#define MERGE(a, ov, on, nv, nn, T, fn)                                                            \
	do {                                                                                       \
		unsigned i_ = 0, j_ = 0;                                                           \
		while (i_ < (on) || j_ < (nn)) {                                                   \
			const T *o_ = i_ < (on) ? (ov)[i_] : NULL;                                 \
			const T *n_ = j_ < (nn) ? (nv)[j_] : NULL;                                 \
			int c_ = o_ == NULL   ? 1                                                  \
				 : n_ == NULL ? -1                                                 \
					      : prefix_order(&o_->prefix, &n_->prefix);            \
			fn(a, c_ <= 0 ? o_ : NULL, c_ >= 0 ? n_ : NULL);                           \
			i_ += c_ <= 0;                                                             \
			j_ += c_ >= 0;                                                             \
		}                                                                                  \
	} while (0)

static void reg_add_only(struct apply *a, const struct cfg_registered *o,
			 const struct cfg_registered *n)
{
	if (o == NULL || n != NULL)
		reg_move(a, o, n);
}

static void reg_remove_only(struct apply *a, const struct cfg_registered *o,
			    const struct cfg_registered *n)
{
	if (o != NULL && n == NULL)
		reg_move(a, o, n);
}

static int apply_prefixes(struct apply *a)
{
	const struct config *oc = &a->d->cfg, *nc = a->nc;
	const struct cfg_route **ro = (const struct cfg_route **)sorted(
		oc->routes, oc->n_routes, sizeof(*oc->routes), route_cmp);
	const struct cfg_route **rn = (const struct cfg_route **)sorted(
		nc->routes, nc->n_routes, sizeof(*nc->routes), route_cmp);
	const struct cfg_registered **go = (const struct cfg_registered **)sorted(
		oc->registered, oc->n_registered, sizeof(*oc->registered), reg_cmp);
	const struct cfg_registered **gn = (const struct cfg_registered **)sorted(
		nc->registered, nc->n_registered, sizeof(*nc->registered), reg_cmp);
	int ret = -ENOMEM;

	if (ro != NULL && rn != NULL && go != NULL && gn != NULL) {
		MERGE(a, ro, oc->n_routes, rn, nc->n_routes, struct cfg_route, route_move);
		/* added before removed: an address moving between two registered
		 * prefixes is never unregistered in between */
		MERGE(a, go, oc->n_registered, gn, nc->n_registered, struct cfg_registered,
		      reg_add_only);
		MERGE(a, go, oc->n_registered, gn, nc->n_registered, struct cfg_registered,
		      reg_remove_only);
		ret = 0;
	}
	free(ro);
	free(rn);
	free(go);
	free(gn);
	return ret;
}

static void apply_unregistered(struct daemon *d, const struct config *nc,
			       const struct reload_plan *pl, struct reload_summary *out)
{
	uint16_t policy = (uint16_t)nc->unreg_policy, pg = PG_NONE;

	if (nc->unreg_policy == UNREG_PATHGROUP) {
		pg = pl->pg_id[nc->unreg_pathgroup];
		if (pg == PG_NONE)
			policy = UNREG_DROP;
	}
	out->unregistered_changed = policy != d->tables.unreg_policy ||
				    (policy == UNREG_PATHGROUP && pg != d->tables.unreg_pg);
	/* Workers read the two fields apart: the group goes first, so the
	 * policy never names a group that is not there yet. */
	if (policy == UNREG_PATHGROUP)
		__atomic_store_n(&d->tables.unreg_pg, pg, __ATOMIC_RELEASE);
	__atomic_store_n(&d->tables.unreg_policy, policy, __ATOMIC_RELEASE);
}

/* A per-worker rate (icmp_rate, punt_rate, peer_punt_rate; what are counted, e.g. "errors")
 * applies without a restart: every worker's limit follows, set. */
static void apply_rate(struct daemon *d, const char *name, const char *what, uint32_t was,
		       uint32_t now, void (*set)(struct worker *, uint32_t),
		       struct reload_summary *out)
{
	if (now == was)
		return;
	for (unsigned i = 0; i < d->n_workers; i++)
		set(&d->worker[i], now);
	note(out, "%s %u -> %u %sa second per worker", name, was, now, what);
}

/* ---- 5: the old config's references ---- */

static bool nexthop_in_use(const struct routes *r, uint16_t id)
{
	uint16_t nh[PF_PG_MEMBERS];

	for (unsigned pg = 0; pg < PF_MAX_PATHGROUPS; pg++) {
		unsigned n = routes_pathgroup_members(r, (uint16_t)pg, nh);
		for (unsigned m = 0; m < n; m++)
			if (nh[m] == id)
				return true;
	}
	return false;
}

static void retire(struct daemon *d, uint16_t id)
{
	if (id == NH_NONE)
		return;
	if (!nexthop_in_use(d->routes, id)) {
		nexthop_release(&d->tables, id);
		return;
	}
	held[n_held++] = id;
}

/* Swap the new config's lists into d->cfg; *nc keeps the old ones. */
static void commit(struct daemon *d, struct config *nc, const struct reload_plan *pl,
		   struct reload_summary *out)
{
	uint16_t old_nh[PF_MAX_NEXTHOPS];
	unsigned n_old_nh = d->cfg.n_nexthops, n_retry = n_held;
	struct config *c = &d->cfg;

	for (unsigned i = 0; i < c->n_pathgroups; i++)
		if (d->pg_id[i] != PG_NONE)
			routes_pathgroup_put(d->routes, d->pg_id[i]);
	memcpy(old_nh, d->nh_id, n_old_nh * sizeof(old_nh[0]));
	memcpy(d->nh_id, pl->nh_id, nc->n_nexthops * sizeof(pl->nh_id[0]));
	memcpy(d->pg_id, pl->pg_id, nc->n_pathgroups * sizeof(pl->pg_id[0]));
#define SWAP(f)                                                                                    \
	do {                                                                                       \
		__typeof__(c->f) t_ = c->f;                                                        \
		c->f = nc->f;                                                                      \
		nc->f = t_;                                                                        \
	} while (0)
	SWAP(n_nexthops);
	SWAP(nexthops);
	SWAP(n_pathgroups);
	SWAP(pathgroups);
	SWAP(n_routes);
	SWAP(routes);
	SWAP(n_registered);
	SWAP(registered);
	SWAP(unreg_policy);
	SWAP(unreg_pathgroup);
	SWAP(icmp_rate);
	SWAP(punt_rate);
	SWAP(peer_punt_rate);
#undef SWAP
	/* old ids no new next hop kept, and those held back last time */
	n_held = 0;
	for (unsigned i = 0; i < n_retry; i++)
		retire(d, held[i]);
	for (unsigned i = 0; i < n_old_nh; i++) {
		bool kept = false;
		for (unsigned j = 0; !kept && j < c->n_nexthops; j++)
			kept = d->nh_id[j] == old_nh[i];
		if (kept)
			continue;
		/* Groups the config does not own (BGP's) follow the next hop of
		 * the same name to its new id, as neighbour and BFD changes
		 * do; only a next hop the file removed stays held. */
		int j = config_nexthop_index(c, nc->nexthops[i].name);
		if (j >= 0 && d->nh_id[j] != NH_NONE)
			routes_nexthop_replace(d->routes, old_nh[i], d->nh_id[j]);
		retire(d, old_nh[i]);
	}
	out->nexthops_held = n_held;
	if (n_held > 0)
		note(out,
		     "%u next hops the file removed stay in BGP path groups until their routes are "
		     "announced again",
		     n_held);
}

int daemon_reload(struct daemon *d, char *err, size_t errlen, struct reload_summary *out)
{
	struct config *nc = calloc(1, sizeof(*nc));
	struct reload_plan *pl = calloc(1, sizeof(*pl));
	int ret;

	memset(out, 0, sizeof(*out));
	if (nc == NULL || pl == NULL) {
		free(nc);
		free(pl);
		snprintf(err, errlen, "out of memory (nothing changed)");
		return -ENOMEM;
	}
	if (config_load(d->config_path, nc, err, errlen) < 0) {
		free(nc);
		free(pl);
		return -EINVAL;
	}
	ret = rebase_ports(&d->cfg, nc, out, err, errlen);
	if (ret == 0)
		ret = reload_compare(&d->cfg, nc, d->bgp != NULL, err, errlen);
	if (ret == 0) {
		pthread_mutex_lock(&d->lock);
		ret = plan_make(d, nc, pl, out, err, errlen);
		if (ret == 0) {
			struct apply a = {.d = d,
					  .nc = nc,
					  .pl = pl,
					  .out = out,
					  .err = err,
					  .errlen = errlen};
			ret = apply_prefixes(&a);
			if (ret == 0) {
				apply_unregistered(d, nc, pl, out);
				apply_rate(d, "icmp_rate", "errors ", d->cfg.icmp_rate,
					   nc->icmp_rate, worker_set_icmp_rate, out);
				apply_rate(d, "punt_rate", "", d->cfg.punt_rate, nc->punt_rate,
					   worker_set_punt_rate, out);
				apply_rate(d, "peer_punt_rate", "", d->cfg.peer_punt_rate,
					   nc->peer_punt_rate, worker_set_peer_punt_rate, out);
				commit(d, nc, pl, out);
				out->applied = true;
				ret = a.ret;
			} else {
				plan_undo(d, pl, nc->n_nexthops);
				snprintf(err, errlen, "out of memory (nothing changed)");
			}
		}
		pthread_mutex_unlock(&d->lock);
	}
	if (out->applied) {
		struct bfd_changes bc;
		daemon_nbrs_update(d); /* next hops may have come or gone */
		if (bfd_reload(d, &bc) < 0)
			note(out, "bfd: out of memory: sessions not all made");
		else if (bc.added + bc.changed + bc.removed > 0)
			note(out, "bfd sessions +%u ~%u -%u", bc.added, bc.changed, bc.removed);
	}
	config_free(nc); /* the old lists after a commit */
	free(nc);
	free(pl);
	return ret;
}

int daemon_reload_log(struct daemon *d)
{
	struct reload_summary s;
	char err[1024];
	int ret = daemon_reload(d, err, sizeof(err), &s);

	if (ret < 0)
		PF_LOG(ERR, "reload %s: %s", d->config_path, err);
	if (!s.applied)
		return ret;
	PF_LOG(NOTICE,
	       "reload %s: next hops +%u ~%u -%u, path groups +%u ~%u -%u, routes +%u ~%u -%u, "
	       "registered +%u -%u (%u adopted), unregistered policy %s",
	       d->config_path, s.nexthops_added, s.nexthops_changed, s.nexthops_removed,
	       s.pathgroups_added, s.pathgroups_changed, s.pathgroups_removed, s.routes_added,
	       s.routes_changed, s.routes_removed, s.registered_added, s.registered_removed,
	       s.registered_adopted, s.unregistered_changed ? "changed" : "unchanged");
	for (unsigned i = 0; i < s.n_notes; i++)
		PF_LOG(NOTICE, "reload: %s", s.notes[i]);
	return ret;
}
