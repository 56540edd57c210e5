/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands under /peerfwd/ (query with dpdk-telemetry.py).
 * Callbacks run on DPDK's telemetry thread: counters are read lock-free
 * (per-lcore blocks summed), control-thread state under d->lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "control/daemon/daemon.h"

static struct daemon *tel_d;

static struct pf_lcore_counters *sum(void)
{
	struct pf_lcore_counters *c = malloc(sizeof(*c));

	if (c != NULL)
		daemon_counters(tel_d, c);
	return c;
}

static int tel_version(const char *cmd, const char *params, struct rte_tel_data *t)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(t);
	rte_tel_data_add_dict_string(t, "version", PEERFWD_VERSION);
	rte_tel_data_add_dict_u64(t, "uptime_s", (uint64_t)(time(NULL) - tel_d->started));
	rte_tel_data_add_dict_string(t, "config", tel_d->config_path);
	return 0;
}

static int tel_stats(const char *cmd, const char *params, struct rte_tel_data *t)
{
	struct pf_lcore_counters *c = sum();
	struct rte_tel_data *drops = rte_tel_data_alloc();

	(void)cmd;
	(void)params;
	if (c == NULL || drops == NULL) {
		free(c);
		rte_tel_data_free(drops);
		return -1;
	}
	rte_tel_data_start_dict(t);
	rte_tel_data_add_dict_u64(t, "forwarded", c->forwarded);
	rte_tel_data_add_dict_u64(t, "icmp_sent", c->icmp_sent);
	rte_tel_data_add_dict_u64(t, "icmp_rate_limited", c->icmp_limited);
	rte_tel_data_add_dict_u64(t, "fragmented", c->fragmented);
	rte_tel_data_add_dict_u64(t, "unregistered_packets", c->unregistered.pkts);
	rte_tel_data_add_dict_u64(t, "unregistered_bytes", c->unregistered.bytes);
	rte_tel_data_add_dict_u64(t, "punted", tel_d->punted);
	rte_tel_data_start_dict(drops);
	for (unsigned i = 0; i < PF_DROP__MAX; i++)
		rte_tel_data_add_dict_u64(drops, pf_drop_names[i], c->drops[i]);
	rte_tel_data_add_dict_container(t, "drops", drops, 0);
	free(c);
	return 0;
}

static int tel_ports(const char *cmd, const char *params, struct rte_tel_data *t)
{
	struct pf_lcore_counters *c = sum();

	(void)cmd;
	(void)params;
	if (c == NULL)
		return -1;
	rte_tel_data_start_dict(t);
	for (unsigned i = 0; i < tel_d->n_ports; i++) {
		if (!config_port_present(&tel_d->cfg, i))
			continue;
		struct rte_tel_data *p = rte_tel_data_alloc();
		const struct pf_port_count *pc = &c->port[tel_d->port[i].port_id];
		const struct pf_link *l = &tel_d->link[i];
		if (p == NULL)
			break;
		rte_tel_data_start_dict(p);
		rte_tel_data_add_dict_u64(p, "port_id", tel_d->port[i].port_id);
		rte_tel_data_add_dict_string(p, "link", l->alive ? "up" : "down");
		rte_tel_data_add_dict_u64(p, "carrier", l->carrier);
		rte_tel_data_add_dict_u64(p, "admin_down", l->admin_down);
		rte_tel_data_add_dict_u64(p, "rx_packets", pc->rx_pkts);
		rte_tel_data_add_dict_u64(p, "rx_bytes", pc->rx_bytes);
		rte_tel_data_add_dict_u64(p, "tx_packets", pc->tx_pkts);
		rte_tel_data_add_dict_u64(p, "tx_bytes", pc->tx_bytes);
		rte_tel_data_add_dict_u64(p, "tx_drops", pc->tx_drops);
		rte_tel_data_add_dict_u64(p, "punted", pc->punted);
		rte_tel_data_add_dict_container(t, tel_d->cfg.ports[i].name, p, 0);
	}
	free(c);
	return 0;
}

static int tel_workers(const char *cmd, const char *params, struct rte_tel_data *t)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(t);
	for (unsigned i = 0; i < tel_d->n_workers; i++) {
		const struct pf_lcore_counters *c = tel_d->ctr[i];
		struct rte_tel_data *w = rte_tel_data_alloc();
		char name[24];
		if (w == NULL)
			break;
		rte_tel_data_start_dict(w);
		rte_tel_data_add_dict_u64(w, "lcore", tel_d->worker[i].lcore_id);
		rte_tel_data_add_dict_u64(w, "polls_busy", c->polls_busy);
		rte_tel_data_add_dict_u64(w, "polls_idle", c->polls_idle);
		rte_tel_data_add_dict_u64(w, "forwarded", c->forwarded);
		snprintf(name, sizeof(name), "worker%u", i);
		rte_tel_data_add_dict_container(t, name, w, 0);
	}
	return 0;
}

static int prefix_cb(const struct registered_info *ri, void *arg)
{
	void **a = arg;
	struct rte_tel_data *t = a[0];
	const struct pf_lcore_counters *c = a[1];
	struct rte_tel_data *p = rte_tel_data_alloc();
	char name[64];

	if (p == NULL)
		return -1;
	rte_tel_data_start_dict(p);
	rte_tel_data_add_dict_string(p, "prefix", prefix_format(&ri->prefix, name, sizeof(name)));
	rte_tel_data_add_dict_string(p, "customer", ri->customer);
	rte_tel_data_add_dict_string(p, "state", ri->routed ? "active" : "not_announced");
	rte_tel_data_add_dict_u64(p, "packets", c->prefix[ri->idx].pkts);
	rte_tel_data_add_dict_u64(p, "bytes", c->prefix[ri->idx].bytes);
	/* telemetry names allow only [A-Za-z0-9_/]: 203.0.113.0/24 -> 203_0_113_0/24 */
	for (char *c = name; *c; c++)
		if (*c == '.' || *c == ':')
			*c = '_';
	rte_tel_data_add_dict_container(t, name, p, 0);
	return 0;
}

static int tel_prefixes(const char *cmd, const char *params, struct rte_tel_data *t)
{
	struct pf_lcore_counters *c = sum();
	void *arg[2] = {t, c};

	(void)cmd;
	(void)params;
	if (c == NULL)
		return -1;
	rte_tel_data_start_dict(t); /* at most RTE_TEL_MAX_DICT_ENTRIES shown */
	pthread_mutex_lock(&tel_d->lock);
	routes_registered_foreach(tel_d->routes, prefix_cb, arg);
	pthread_mutex_unlock(&tel_d->lock);
	free(c);
	return 0;
}

static int tel_pathgroups(const char *cmd, const char *params, struct rte_tel_data *t)
{
	struct pf_lcore_counters *c = sum();

	(void)cmd;
	(void)params;
	if (c == NULL)
		return -1;
	rte_tel_data_start_dict(t);
	pthread_mutex_lock(&tel_d->lock); /* a reload replaces cfg.pathgroups */
	for (unsigned i = 0; i < tel_d->cfg.n_pathgroups; i++) {
		uint16_t pg = tel_d->pg_id[i];
		struct rte_tel_data *p = rte_tel_data_alloc();
		if (p == NULL)
			break;
		rte_tel_data_start_dict(p);
		rte_tel_data_add_dict_u64(p, "packets", pg == PG_NONE ? 0 : c->pathgroup[pg].pkts);
		rte_tel_data_add_dict_u64(p, "bytes", pg == PG_NONE ? 0 : c->pathgroup[pg].bytes);
		rte_tel_data_add_dict_container(t, tel_d->cfg.pathgroups[i].name, p, 0);
	}
	pthread_mutex_unlock(&tel_d->lock);
	free(c);
	return 0;
}

int daemon_telemetry_init(struct daemon *d)
{
	tel_d = d;
	return rte_telemetry_register_cmd("/peerfwd/version", tel_version,
					  "peerfwd version, uptime and config file") ||
	       rte_telemetry_register_cmd("/peerfwd/stats", tel_stats,
					  "Forwarded packets and drops by reason") ||
	       rte_telemetry_register_cmd("/peerfwd/ports", tel_ports,
					  "Per port: link state and counters") ||
	       rte_telemetry_register_cmd("/peerfwd/workers", tel_workers,
					  "Per worker: busy and idle polls, forwarded") ||
	       rte_telemetry_register_cmd("/peerfwd/prefixes", tel_prefixes,
					  "Per registered prefix: state and counters") ||
	       rte_telemetry_register_cmd("/peerfwd/pathgroups", tel_pathgroups,
					  "Per configured path group: counters");
}
