/* SPDX-License-Identifier: BSD-3-Clause */
/* Programming the tables from the config, link liveness, counter sums. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/daemon/daemon.h"
#include "control/bfd/bfd.h"
#include "control/daemon/log.h"
#include "control/daemon/neigh.h"

static void history_add(struct daemon *d, unsigned port, const char *nexthop, bool alive,
			const char *reason)
{
	struct pf_failover_event *ev = &d->history[d->n_history % PF_FAILOVER_HISTORY];

	clock_gettime(CLOCK_REALTIME, &ev->when);
	ev->port = port;
	memcpy(ev->port_name, d->cfg.ports[port].name, sizeof(ev->port_name));
	snprintf(ev->nexthop, sizeof(ev->nexthop), "%s", nexthop);
	ev->tier = d->cfg.ports[port].tier;
	ev->alive = alive;
	snprintf(ev->reason, sizeof(ev->reason), "%s", reason);
	d->n_history++;
}

void daemon_link_update(struct daemon *d, unsigned port, const char *reason)
{
	struct pf_link *l = &d->link[port];
	bool alive = l->carrier && !l->admin_down;

	if (alive == l->alive)
		return;
	l->alive = alive;
	l->changes++;
	l->last_change_ms = ev_now_ms();
	link_set_alive(&d->tables, (uint16_t)port, alive);
	history_add(d, port, "", alive, reason);
	PF_LOG(NOTICE, "link %s (tier %s) %s: %s", d->cfg.ports[port].name,
	       d->cfg.ports[port].tier == TIER_PRIMARY ? "primary"
	       : d->cfg.ports[port].tier == TIER_LOCAL ? "local"
	       : d->cfg.ports[port].tier == TIER_GEO   ? "geo"
						       : "none",
	       alive ? "up" : "down", reason);
}

int daemon_link_admin(struct daemon *d, unsigned port, bool down)
{
	if (port >= d->n_ports || !config_port_present(&d->cfg, port))
		return -EINVAL;
	d->link[port].admin_down = down;
	daemon_link_update(d, port, down ? "forced down by operator" : "released by operator");
	return 0;
}

void daemon_counters(const struct daemon *d, struct pf_lcore_counters *out)
{
	pf_counters_sum((struct pf_lcore_counters *const *)d->ctr, d->n_workers, out);
}

void daemon_nexthop_make(const struct daemon *d, const struct config *cfg, unsigned i,
			 struct nexthop *nh)
{
	const struct cfg_nexthop *c = &cfg->nexthops[i];

	*nh = (struct nexthop){
		.dst_mac = c->mac,
		.src_mac = d->port[c->port].mac,
		.port_id = d->port[c->port].port_id,
		.link_id = c->port,
		.vlan = cfg->ports[c->port].vlan,
		.mtu = d->port[c->port].mtu,
	};
	if (!c->has_mac && !neigh_mac(d, c, &nh->dst_mac))
		nh->flags |= NH_F_NOMAC;
	if (c->bfd && bfd_holds_down(d, c))
		nh->flags |= NH_F_DOWN;
}

int daemon_nexthop_refresh(struct daemon *d, unsigned i, const char *why)
{
	const uint16_t state = NH_F_NOMAC | NH_F_DOWN;
	uint16_t old = d->nh_id[i], id;
	struct nexthop nh;
	int ret;

	if (old == NH_NONE)
		return 0;
	daemon_nexthop_make(d, &d->cfg, i, &nh);
	const struct nexthop *cur = &d->tables.nexthop[old];
	if ((cur->flags & state) == (nh.flags & state) &&
	    ((nh.flags & NH_F_NOMAC) || rte_is_same_ether_addr(&cur->dst_mac, &nh.dst_mac)))
		return 0;
	pthread_mutex_lock(&d->lock);
	ret = nexthop_alloc(&d->tables, &nh, &id);
	if (ret == 0 && (ret = routes_nexthop_replace(d->routes, old, id)) < 0)
		nexthop_release(&d->tables, id);
	if (ret >= 0) {
		bool was = NH_USABLE(cur->flags);
		d->nh_id[i] = id;
		nexthop_release(&d->tables, old);
		/* the published copy: nexthop_alloc adds NH_F_VALID to nh's flags */
		if (was != NH_USABLE(d->tables.nexthop[id].flags))
			history_add(d, d->cfg.nexthops[i].port, d->cfg.nexthops[i].name, !was, why);
	}
	pthread_mutex_unlock(&d->lock);
	return ret < 0 ? ret : 1;
}

static int program_nexthops(struct daemon *d, char *err, size_t errlen)
{
	for (unsigned i = 0; i < d->cfg.n_nexthops; i++) {
		const struct cfg_nexthop *c = &d->cfg.nexthops[i];
		struct nexthop nh;

		/* Without a MAC it joins its groups unresolved (workers skip
		 * it) until the neighbour table gives one (neigh.c). */
		daemon_nexthop_make(d, &d->cfg, i, &nh);
		d->nh_id[i] = NH_NONE;
		int ret = nexthop_alloc(&d->tables, &nh, &d->nh_id[i]);
		if (ret < 0) {
			snprintf(err, errlen, "next hop %s: %s", c->name, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static int program_pathgroups(struct daemon *d, char *err, size_t errlen)
{
	for (unsigned i = 0; i < d->cfg.n_pathgroups; i++) {
		const struct cfg_pathgroup *c = &d->cfg.pathgroups[i];
		uint16_t nh[PF_PG_MEMBERS];
		unsigned n = 0;

		for (unsigned m = 0; m < c->n_members; m++)
			if (d->nh_id[c->members[m]] != NH_NONE)
				nh[n++] = d->nh_id[c->members[m]];
		d->pg_id[i] = PG_NONE;
		if (n == 0) {
			PF_LOG(WARNING, "path group %s has no usable member", c->name);
			continue;
		}
		int ret = routes_pathgroup_get(d->routes, nh, n, &d->pg_id[i]);
		if (ret < 0) {
			snprintf(err, errlen, "path group %s: %s", c->name, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static int program_prefixes(struct daemon *d, char *err, size_t errlen)
{
	char buf[64];
	int ret;

	for (unsigned i = 0; i < d->cfg.n_routes; i++) {
		const struct cfg_route *c = &d->cfg.routes[i];
		if (d->pg_id[c->pathgroup] == PG_NONE)
			continue;
		ret = routes_set(d->routes, &c->prefix, ROUTE_STATIC, d->pg_id[c->pathgroup]);
		if (ret < 0) {
			snprintf(err, errlen, "route %s: %s",
				 prefix_format(&c->prefix, buf, sizeof(buf)), strerror(-ret));
			return ret;
		}
	}
	for (unsigned i = 0; i < d->cfg.n_registered; i++) {
		const struct cfg_registered *c = &d->cfg.registered[i];
		ret = routes_register(d->routes, &c->prefix, c->customer, NULL);
		if (ret < 0) {
			snprintf(err, errlen, "registered prefix %s: %s",
				 prefix_format(&c->prefix, buf, sizeof(buf)), strerror(-ret));
			return ret;
		}
	}
	for (unsigned p = 0; p < d->cfg.n_ports; p++)
		for (unsigned a = 0; a < d->cfg.ports[p].n_addrs; a++) {
			ret = routes_local_add(d->routes, &d->cfg.ports[p].addrs[a].addr);
			if (ret < 0) {
				snprintf(err, errlen, "address of port %s: %s",
					 d->cfg.ports[p].name, strerror(-ret));
				return ret;
			}
		}
	return 0;
}

int daemon_program(struct daemon *d, char *err, size_t errlen)
{
	int ret;

	if ((ret = program_nexthops(d, err, errlen)) < 0 ||
	    (ret = program_pathgroups(d, err, errlen)) < 0 ||
	    (ret = program_prefixes(d, err, errlen)) < 0)
		return ret;
	d->tables.unreg_policy = (uint16_t)d->cfg.unreg_policy;
	if (d->cfg.unreg_policy == UNREG_PATHGROUP) {
		d->tables.unreg_pg = d->pg_id[d->cfg.unreg_pathgroup];
		if (d->tables.unreg_pg == PG_NONE)
			d->tables.unreg_policy = UNREG_DROP;
	}
	return 0;
}

void daemon_nbrs_update(struct daemon *d)
{
	const struct config *c = &d->cfg;
	struct fwd_nbr *v = calloc(2 * c->n_nexthops + d->n_bgp_nbr + 1, sizeof(*v));
	unsigned n = 0;
	int ret;

	if (v == NULL) {
		PF_LOG(ERR, "control-plane neighbours: out of memory: the set in use stays");
		return;
	}
	for (unsigned i = 0; i < c->n_nexthops; i++) {
		const struct cfg_nexthop *nh = &c->nexthops[i];
		struct rte_ether_addr mac = nh->mac;
		v[n++] = daemon_nbr(&nh->addr, 0);
		if (nh->has_mac || neigh_mac(d, nh, &mac)) { /* its ND from any address */
			v[n] = (struct fwd_nbr){.mac = true};
			memcpy(v[n++].addr, mac.addr_bytes, RTE_ETHER_ADDR_LEN);
		}
	}
	memcpy(v + n, d->bgp_nbr, d->n_bgp_nbr * sizeof(*v));
	n += d->n_bgp_nbr;
	ret = fwd_nbrs_set(&d->tables, v, n);
	free(v);
	if (ret < 0)
		PF_LOG(ERR, "control-plane neighbours: %s: the set in use stays", strerror(-ret));
	else if (ret > 0)
		PF_LOG(NOTICE,
		       "control-plane neighbours: %u IPv4, %u IPv6, %u MACs (their sessions pass "
		       "the punt rate)",
		       d->tables.nbrs->n4, d->tables.nbrs->n6, d->tables.nbrs->n_mac);
}
