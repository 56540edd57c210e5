/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The metrics command: the daemon's counters in Prometheus text format,
 * for a node_exporter textfile collector fed by `peerctl metrics`.
 * Counters are per-lcore blocks summed once per answer, so the series of
 * one answer are from (nearly) one moment. Path group counters are per
 * dataplane group: a config group whose members change (config.reload)
 * moves to another group and its counters may restart.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/bfd/bfd.h"
#include "control/bgp/bgp.h"
#include "control/ctlsock/ctlsock_cmd.h"
#include "control/ctlsock/ctlsock_prom.h"

struct metrics {
	const struct daemon *d;
	const struct pf_lcore_counters *k;
	struct prom_text t;
};

static void ports(struct metrics *m)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} f[] = {
		{"peerfwd_port_rx_packets_total", "Packets received by a port's workers",
		 offsetof(struct pf_port_count, rx_pkts)},
		{"peerfwd_port_rx_bytes_total", "Bytes received by a port's workers",
		 offsetof(struct pf_port_count, rx_bytes)},
		{"peerfwd_port_tx_packets_total", "Packets transmitted on a port",
		 offsetof(struct pf_port_count, tx_pkts)},
		{"peerfwd_port_tx_bytes_total", "Bytes transmitted on a port",
		 offsetof(struct pf_port_count, tx_bytes)},
	};
	const struct daemon *d = m->d;

	for (unsigned i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		prom_family(&m->t, f[i].name, "counter", f[i].help);
		for (unsigned p = 0; p < d->n_ports; p++) {
			if (!config_port_present(&d->cfg, p))
				continue;
			const char *l[] = {"port", d->cfg.ports[p].name, "tier",
					   ctlsock_tier_name(d->cfg.ports[p].tier), NULL};
			const struct pf_port_count *pc =
				&m->k->port[d->port[p].port_id % PF_MAX_PORTS];
			prom_sample(&m->t, f[i].name, l,
				    *(const uint64_t *)((const char *)pc + f[i].off));
		}
	}
	prom_family(&m->t, "peerfwd_port_link_up", "gauge",
		    "1 when the workers may use the link (carrier and not forced down)");
	for (unsigned p = 0; p < d->n_ports; p++) {
		if (!config_port_present(&d->cfg, p))
			continue;
		const char *l[] = {"port", d->cfg.ports[p].name, "tier",
				   ctlsock_tier_name(d->cfg.ports[p].tier), NULL};
		prom_sample(&m->t, "peerfwd_port_link_up", l, d->link[p].alive);
	}
	prom_family(&m->t, "peerfwd_link_changes_total", "counter",
		    "Times a link went up or down (as the workers see it)");
	for (unsigned p = 0; p < d->n_ports; p++) {
		if (!config_port_present(&d->cfg, p))
			continue;
		const char *l[] = {"port", d->cfg.ports[p].name, NULL};
		prom_sample(&m->t, "peerfwd_link_changes_total", l, d->link[p].changes);
	}
	/* Ports with an exception path only (no series for the others). */
	prom_family(&m->t, "peerfwd_exception_frames_total", "counter",
		    "Frames through a port's exception TAP: to_kernel (punted into it), "
		    "from_kernel (sent out of the port), dropped (a queue was full, or another "
		    "VLAN's)");
	for (unsigned p = 0; p < d->n_ports; p++) {
		const struct pf_exception *x = &d->exc[p];
		if (!config_port_present(&d->cfg, p) || !x->on)
			continue;
		const struct {
			const char *direction;
			uint64_t frames;
		} c[] = {{"to_kernel", x->to_kernel},
			 {"from_kernel", x->from_kernel},
			 {"dropped", x->dropped}};
		for (unsigned k = 0; k < RTE_DIM(c); k++) {
			const char *l[] = {"port", d->cfg.ports[p].name, "direction",
					   c[k].direction, NULL};
			prom_sample(&m->t, "peerfwd_exception_frames_total", l, c[k].frames);
		}
	}
	/* af_xdp ports with peerfwd's XDP program only. */
	prom_family(&m->t, "peerfwd_xdp_frames_total", "counter",
		    "Frames a port's XDP program sent on: to_kernel (control traffic), "
		    "to_workers (its AF_XDP socket), no_socket (for the workers, but the queue "
		    "had no socket: to the kernel)");
	for (unsigned p = 0; p < d->n_ports; p++) {
		uint64_t xs[XDP_STAT__MAX];
		if (!config_port_present(&d->cfg, p) || !xdp_port_on(&d->xdp[p]) ||
		    xdp_stats(&d->xdp[p], xs) < 0)
			continue;
		for (unsigned k = 0; k < XDP_STAT__MAX; k++) {
			const char *l[] = {"port", d->cfg.ports[p].name, "verdict",
					   xdp_stat_name(k), NULL};
			prom_sample(&m->t, "peerfwd_xdp_frames_total", l, xs[k]);
		}
	}
}

static void nexthops(struct metrics *m)
{
	const struct daemon *d = m->d;

	prom_family(&m->t, "peerfwd_nexthop_usable", "gauge",
		    "1 when the workers may use the next hop: it has a MAC (static, or from the "
		    "neighbour table) and BFD does not hold it down");
	for (unsigned i = 0; i < d->cfg.n_nexthops; i++) {
		const struct cfg_nexthop *c = &d->cfg.nexthops[i];
		if (d->nh_id[i] == NH_NONE || !config_port_present(&d->cfg, c->port))
			continue;
		const char *l[] = {"nexthop", c->name, "port", d->cfg.ports[c->port].name, NULL};
		prom_sample(&m->t, "peerfwd_nexthop_usable", l,
			    NH_USABLE(d->tables.nexthop[d->nh_id[i]].flags));
	}
}

static void workers(struct metrics *m)
{
	const struct daemon *d = m->d;

	prom_family(&m->t, "peerfwd_worker_polls_total", "counter",
		    "Receive polls by a worker: busy returned packets, idle none");
	for (unsigned w = 0; w < d->n_workers; w++) {
		char idx[16], lcore[16];
		snprintf(idx, sizeof(idx), "%u", w);
		snprintf(lcore, sizeof(lcore), "%u", d->worker[w].lcore_id);
		const char *busy[] = {"worker", idx, "lcore", lcore, "state", "busy", NULL};
		const char *idle[] = {"worker", idx, "lcore", lcore, "state", "idle", NULL};
		prom_sample(&m->t, "peerfwd_worker_polls_total", busy, d->ctr[w]->polls_busy);
		prom_sample(&m->t, "peerfwd_worker_polls_total", idle, d->ctr[w]->polls_idle);
	}
}

static void traffic(struct metrics *m)
{
	const struct pf_lcore_counters *k = m->k;

	prom_family(&m->t, "peerfwd_forwarded_packets_total", "counter", "Packets forwarded");
	prom_sample(&m->t, "peerfwd_forwarded_packets_total", NULL, k->forwarded);
	prom_family(&m->t, "peerfwd_icmp_sent_total", "counter",
		    "ICMP errors sent: time exceeded, too big (their packets count as drops)");
	prom_sample(&m->t, "peerfwd_icmp_sent_total", NULL, k->icmp_sent);
	prom_family(&m->t, "peerfwd_icmp_rate_limited_total", "counter",
		    "ICMP errors not sent: over the per-worker icmp_rate");
	prom_sample(&m->t, "peerfwd_icmp_rate_limited_total", NULL, k->icmp_limited);
	prom_family(
		&m->t, "peerfwd_fragmented_packets_total", "counter",
		"IPv4 packets without DF sent on as fragments (larger than the next hop's MTU)");
	prom_sample(&m->t, "peerfwd_fragmented_packets_total", NULL, k->fragmented);
	prom_family(&m->t, "peerfwd_drops_total", "counter", "Packets dropped, by reason");
	for (unsigned i = 0; i < PF_DROP__MAX; i++) {
		const char *l[] = {"reason", pf_drop_names[i], NULL};
		prom_sample(&m->t, "peerfwd_drops_total", l, k->drops[i]);
	}
	prom_family(&m->t, "peerfwd_unregistered_packets_total", "counter",
		    "Packets to destinations outside every registered prefix");
	prom_sample(&m->t, "peerfwd_unregistered_packets_total", NULL, k->unregistered.pkts);
	prom_family(&m->t, "peerfwd_punted_packets_total", "counter",
		    "Packets handed to the control thread");
	prom_sample(&m->t, "peerfwd_punted_packets_total", NULL, m->d->punted);
}

enum prefix_series { PX_PACKETS, PX_BYTES, PX_ACTIVE };

struct prefix_walk {
	struct metrics *m;
	enum prefix_series s;
};

static int prefix_one(const struct registered_info *ri, void *arg)
{
	struct prefix_walk *w = arg;
	const struct pf_pkt_count *c = &w->m->k->prefix[ri->idx];
	char ps[PREFIX_STRLEN];
	const char *l[] = {"prefix", prefix_format(&ri->prefix, ps, sizeof(ps)), "customer",
			   ri->customer, NULL};

	if (w->s == PX_PACKETS)
		prom_sample(&w->m->t, "peerfwd_prefix_packets_total", l, c->pkts);
	else if (w->s == PX_BYTES)
		prom_sample(&w->m->t, "peerfwd_prefix_bytes_total", l, c->bytes);
	else
		prom_sample(&w->m->t, "peerfwd_prefix_active", (const char *[]){l[0], l[1], NULL},
			    ri->routed);
	return w->m->t.failed ? -1 : 0;
}

static void prefixes(struct metrics *m)
{
	static const char *const fam[][3] = {
		{"peerfwd_prefix_packets_total", "counter",
		 "Packets forwarded to a registered prefix"},
		{"peerfwd_prefix_bytes_total", "counter", "Bytes forwarded to a registered prefix"},
		{"peerfwd_prefix_active", "gauge",
		 "1 when a route covers the registered prefix (it is announced)"},
	};

	/* one walk per family: a family's samples must be together */
	for (unsigned s = PX_PACKETS; s <= PX_ACTIVE; s++) {
		struct prefix_walk w = {.m = m, .s = (enum prefix_series)s};
		prom_family(&m->t, fam[s][0], fam[s][1], fam[s][2]);
		routes_registered_foreach(m->d->routes, prefix_one, &w);
	}
}

static void pathgroups(struct metrics *m)
{
	const struct daemon *d = m->d;

	prom_family(&m->t, "peerfwd_pathgroup_packets_total", "counter",
		    "Packets forwarded through a configured path group");
	for (unsigned i = 0; i < d->cfg.n_pathgroups; i++) {
		const char *l[] = {"pathgroup", d->cfg.pathgroups[i].name, NULL};
		uint16_t pg = d->pg_id[i];
		prom_sample(&m->t, "peerfwd_pathgroup_packets_total", l,
			    pg == PG_NONE ? 0 : m->k->pathgroup[pg].pkts);
	}
	prom_family(&m->t, "peerfwd_pathgroup_bytes_total", "counter",
		    "Bytes forwarded through a configured path group");
	for (unsigned i = 0; i < d->cfg.n_pathgroups; i++) {
		const char *l[] = {"pathgroup", d->cfg.pathgroups[i].name, NULL};
		uint16_t pg = d->pg_id[i];
		prom_sample(&m->t, "peerfwd_pathgroup_bytes_total", l,
			    pg == PG_NONE ? 0 : m->k->pathgroup[pg].bytes);
	}
}

enum peer_series { PS_UP, PS_RECEIVED, PS_ACCEPTED, PS_FLAPS };

struct peer_walk {
	struct metrics *m;
	enum peer_series s;
};

static int peer_one(const struct bgp_peer_info *pi, void *arg)
{
	struct peer_walk *w = arg;
	bool up = pi->state == BGP_ESTABLISHED;
	const char *l[] = {"peer", pi->name, "state", NULL, NULL};

	switch (w->s) {
	case PS_UP:
		l[2] = NULL;
		prom_sample(&w->m->t, "peerfwd_bgp_session_up", l, up);
		break;
	case PS_RECEIVED:
		l[3] = "received";
		prom_sample(&w->m->t, "peerfwd_bgp_prefixes", l, pi->prefixes_received);
		break;
	case PS_ACCEPTED:
		l[3] = "accepted";
		prom_sample(&w->m->t, "peerfwd_bgp_prefixes", l, pi->prefixes_accepted);
		break;
	case PS_FLAPS:
		l[2] = NULL;
		/* sessions that ended: every Established but the current one */
		prom_sample(&w->m->t, "peerfwd_bgp_flaps_total", l,
			    pi->established > up ? pi->established - up : 0);
		break;
	}
	return w->m->t.failed ? -1 : 0;
}

/* Per BGP peering; nothing without a bgp section. */
static void peerings(struct metrics *m)
{
	if (m->d->bgp == NULL)
		return;
	prom_family(&m->t, "peerfwd_bgp_session_up", "gauge",
		    "1 when the BGP session is Established");
	bgp_foreach_peer(m->d->bgp, peer_one, &(struct peer_walk){m, PS_UP});
	prom_family(&m->t, "peerfwd_bgp_prefixes", "gauge",
		    "BGP prefixes of a peer: received counts announcements since the daemon "
		    "started (before import policy), accepted the paths in the RIB now");
	bgp_foreach_peer(m->d->bgp, peer_one, &(struct peer_walk){m, PS_RECEIVED});
	bgp_foreach_peer(m->d->bgp, peer_one, &(struct peer_walk){m, PS_ACCEPTED});
	prom_family(&m->t, "peerfwd_bgp_flaps_total", "counter",
		    "Times the BGP session left Established");
	bgp_foreach_peer(m->d->bgp, peer_one, &(struct peer_walk){m, PS_FLAPS});
}

enum bfd_series { BS_UP, BS_FLAPS, BS_RX, BS_TX, BS_AUTH };

struct bfd_walk {
	struct metrics *m;
	enum bfd_series s;
};

static int bfd_one(const struct bfd_info *bi, void *arg)
{
	struct bfd_walk *w = arg;
	const bool up = bi->socket && strcmp(bi->state, "up") == 0;
	const char *l[] = {"nexthop", bi->nexthop, NULL, NULL, NULL};

	switch (w->s) {
	case BS_UP:
		prom_sample(&w->m->t, "peerfwd_bfd_session_up", l, up);
		break;
	case BS_FLAPS: /* every Up but the current one ended */
		prom_sample(&w->m->t, "peerfwd_bfd_flaps_total", l,
			    bi->up_count > up ? bi->up_count - up : 0);
		break;
	case BS_RX:
	case BS_TX:
		l[2] = "direction";
		l[3] = w->s == BS_RX ? "rx" : "tx";
		prom_sample(&w->m->t, "peerfwd_bfd_packets_total", l,
			    w->s == BS_RX ? bi->rx : bi->tx);
		break;
	case BS_AUTH:
		prom_sample(&w->m->t, "peerfwd_bfd_auth_failures_total", l, bi->auth_failed);
		break;
	}
	return w->m->t.failed ? -1 : 0;
}

/* Per BFD session (bfd_foreach: none without one). */
static void bfd_sessions(struct metrics *m)
{
	if (m->d->bfd == NULL)
		return;
	prom_family(&m->t, "peerfwd_bfd_session_up", "gauge", "1 when the BFD session is Up");
	bfd_foreach(m->d, bfd_one, &(struct bfd_walk){m, BS_UP});
	prom_family(&m->t, "peerfwd_bfd_flaps_total", "counter", "Times the BFD session left Up");
	bfd_foreach(m->d, bfd_one, &(struct bfd_walk){m, BS_FLAPS});
	prom_family(&m->t, "peerfwd_bfd_packets_total", "counter",
		    "BFD control packets: rx taken by the session, tx sent");
	bfd_foreach(m->d, bfd_one, &(struct bfd_walk){m, BS_RX});
	bfd_foreach(m->d, bfd_one, &(struct bfd_walk){m, BS_TX});
	prom_family(&m->t, "peerfwd_bfd_auth_failures_total", "counter",
		    "BFD packets from the neighbour discarded by authentication (RFC 5880 6.7)");
	bfd_foreach(m->d, bfd_one, &(struct bfd_walk){m, BS_AUTH});
}

static void tables(struct metrics *m)
{
	const char *v4[] = {"family", "ipv4", NULL}, *v6[] = {"family", "ipv6", NULL};

	prom_family(&m->t, "peerfwd_routes", "gauge",
		    "Table entries (routes, registered prefixes, local addresses)");
	prom_sample(&m->t, "peerfwd_routes", v4, routes_count(m->d->routes, AF_INET));
	prom_sample(&m->t, "peerfwd_routes", v6, routes_count(m->d->routes, AF_INET6));
	prom_family(&m->t, "peerfwd_registered_prefixes", "gauge", "Registered prefixes");
	prom_sample(&m->t, "peerfwd_registered_prefixes", NULL,
		    routes_registered_count(m->d->routes));
	prom_family(&m->t, "peerfwd_start_time_seconds", "gauge",
		    "When the daemon started, seconds since the Unix epoch");
	prom_sample(&m->t, "peerfwd_start_time_seconds", NULL, (uint64_t)m->d->started);
}

char *ctlsock_metrics_text(const struct daemon *d)
{
	struct pf_lcore_counters *k = malloc(sizeof(*k));
	struct metrics m = {.d = d, .k = k};

	if (k == NULL)
		return NULL;
	daemon_counters(d, k);
	ports(&m);
	nexthops(&m);
	workers(&m);
	traffic(&m);
	prefixes(&m);
	pathgroups(&m);
	peerings(&m);
	bfd_sessions(&m);
	tables(&m);
	free(k);
	return prom_text_take(&m.t);
}
