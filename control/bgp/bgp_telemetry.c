/* SPDX-License-Identifier: BSD-3-Clause */
/* /peerfwd/bgp: the peers, their state and route counts (DPDK telemetry). */
#include <pthread.h>
#include <arpa/inet.h>
#include <stdio.h>

#include <rte_telemetry.h>

#include "control/bgp/bgp_session.h"
#include "control/daemon/daemon.h"

/* Telemetry commands cannot be unregistered: the callback sees NULL after
 * bgp_stop. Both sides hold d->lock. */
static struct bgp *tel_bgp;
static struct daemon *tel_d;
static bool registered;

/* Names allow only [A-Za-z0-9_/]. */
static void tel_name(const char *in, char *out, size_t len)
{
	snprintf(out, len, "%s", in);
	for (char *c = out; *c; c++)
		if (!(*c >= 'a' && *c <= 'z') && !(*c >= 'A' && *c <= 'Z') &&
		    !(*c >= '0' && *c <= '9') && *c != '_' && *c != '/')
			*c = '_';
}

static int peer_cb(const struct bgp_peer_info *pi, void *arg)
{
	struct rte_tel_data *t = arg, *p = rte_tel_data_alloc();
	char name[64], addr[INET6_ADDRSTRLEN];

	if (p == NULL)
		return -1;
	rte_tel_data_start_dict(p);
	rte_tel_data_add_dict_string(p, "state", bgp_state_name(pi->state));
	rte_tel_data_add_dict_u64(p, "uptime_s", pi->uptime_s);
	rte_tel_data_add_dict_string(p, "address", ip_addr_format(&pi->addr, addr, sizeof(addr)));
	rte_tel_data_add_dict_string(p, "port", pi->port);
	rte_tel_data_add_dict_string(p, "policy", pi->policy);
	rte_tel_data_add_dict_u64(p, "remote_as", pi->remote_as);
	rte_tel_data_add_dict_u64(p, "hold_time", pi->hold_time);
	rte_tel_data_add_dict_u64(p, "ipv4", pi->ipv4);
	rte_tel_data_add_dict_u64(p, "ipv6", pi->ipv6);
	rte_tel_data_add_dict_u64(p, "established", pi->established);
	rte_tel_data_add_dict_u64(p, "updates_in", pi->updates_in);
	rte_tel_data_add_dict_u64(p, "updates_out", pi->updates_out);
	rte_tel_data_add_dict_u64(p, "prefixes_received", pi->prefixes_received);
	rte_tel_data_add_dict_u64(p, "prefixes_accepted", pi->prefixes_accepted);
	rte_tel_data_add_dict_u64(p, "prefixes_filtered", pi->prefixes_filtered);
	rte_tel_data_add_dict_u64(p, "prefixes_stale", pi->prefixes_stale);
	rte_tel_data_add_dict_u64(p, "treat_as_withdraw", pi->treat_as_withdraw);
	rte_tel_data_add_dict_string(p, "last_error", pi->last_error);
	tel_name(pi->name, name, sizeof(name));
	rte_tel_data_add_dict_container(t, name, p, 0);
	return 0;
}

static int tel_bgp_cmd(const char *cmd, const char *params, struct rte_tel_data *t)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(t);
	if (tel_d == NULL)
		return 0;
	pthread_mutex_lock(&tel_d->lock);
	bgp_foreach_peer(tel_bgp, peer_cb, t);
	pthread_mutex_unlock(&tel_d->lock);
	return 0;
}

int bgp_telemetry_init(struct bgp *b)
{
	pthread_mutex_lock(&b->d->lock);
	tel_bgp = b;
	tel_d = b->d;
	pthread_mutex_unlock(&b->d->lock);
	if (registered)
		return 0;
	registered = true;
	return rte_telemetry_register_cmd("/peerfwd/bgp", tel_bgp_cmd,
					  "BGP peers: state, uptime, prefixes received/accepted");
}

void bgp_telemetry_fini(void)
{
	if (tel_d == NULL)
		return;
	pthread_mutex_lock(&tel_d->lock);
	tel_bgp = NULL;
	pthread_mutex_unlock(&tel_d->lock);
}
