/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * link.add / link.remove: ports started and stopped while the daemon runs
 * (the control socket keeps the added ones in links.json).
 *
 * A port's config index is its link id (the bit in link_alive, next hops'
 * link_id, BGP peers' port, workers' rx queues in the config): indexes
 * never move. A removed port leaves its slot marked removed, with its name,
 * so that config.reload still maps the file's ports to slots by name; slots
 * are reused only when the table is full, or by a port of the same name.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_rcu_qsbr.h>

#include "control/bgp/bgp.h"
#include "control/daemon/daemon.h"
#include "control/daemon/exception.h"
#include "control/daemon/log.h"
#include "control/daemon/xdp_local.h"

#define LINK_RX_DESC 1024 /* drivers/port.c */

static void dev_name(const char *device, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s", (int)strcspn(device, ","), device);
}

static struct worker *least_loaded(struct daemon *d)
{
	struct worker *best = NULL;

	for (unsigned i = 0; i < d->n_workers; i++) {
		struct worker *w = &d->worker[i];
		if (w->n_rxq < WORKER_MAX_RXQ && (best == NULL || w->n_rxq < best->n_rxq))
			best = w;
	}
	return best;
}

static bool same_addr(const struct ip_addr *a, const struct ip_addr *b)
{
	return a->family == b->family && memcmp(a->bytes, b->bytes, ip_addr_bits(a) / 8) == 0;
}

static bool addr_of_other_port(const struct daemon *d, unsigned except, const struct ip_addr *a)
{
	for (unsigned p = 0; p < d->cfg.n_ports; p++)
		for (unsigned k = 0;
		     p != except && config_port_present(&d->cfg, p) && k < d->cfg.ports[p].n_addrs;
		     k++)
			if (same_addr(&d->cfg.ports[p].addrs[k].addr, a))
				return true;
	return false;
}

static void locals_del(struct daemon *d, unsigned i, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		const struct ip_addr *a = &d->cfg.ports[i].addrs[k].addr;
		if (!addr_of_other_port(d, i, a))
			routes_local_del(d->routes, a);
	}
}

/* The slot a new port takes: the one a removed port of the same name left,
 * else a fresh one, else the first removed one; PF_MAX_PORTS if none. */
void daemon_worker_port(struct worker *w, const struct cfg_port *cp, const struct port_rt *rt)
{
	const uint16_t port_id = rt->port_id;
	bool v4 = false, v6 = false;

	w->port_mac[port_id] = rt->mac;
	w->port_mtu[port_id] = rt->mtu;
	if (rt->mtu != 0 && rt->mtu < w->min_mtu)
		__atomic_store_n(&w->min_mtu, rt->mtu, __ATOMIC_RELAXED);
	memset(&w->port_addr4[port_id], 0, sizeof(w->port_addr4[port_id]));
	memset(w->port_addr6[port_id], 0, sizeof(w->port_addr6[port_id]));
	for (unsigned k = 0; k < cp->n_addrs; k++) {
		const struct ip_addr *a = &cp->addrs[k].addr;

		if (a->family == AF_INET && !v4) {
			memcpy(&w->port_addr4[port_id], a->bytes, 4);
			v4 = true;
		} else if (a->family == AF_INET6 && !v6 && !ip_addr_is_link_local(a)) {
			memcpy(w->port_addr6[port_id], a->bytes, 16);
			v6 = true;
		}
	}
}

static unsigned free_slot(const struct daemon *d, const char *name)
{
	const struct config *c = &d->cfg;
	unsigned i;

	for (i = 0; i < c->n_ports; i++)
		if (c->ports[i].removed && strcmp(c->ports[i].name, name) == 0)
			return i;
	if (c->n_ports < PF_MAX_PORTS)
		return c->n_ports;
	for (i = 0; i < c->n_ports; i++)
		if (c->ports[i].removed)
			return i;
	return PF_MAX_PORTS;
}

int daemon_link_add(struct daemon *d, const struct cfg_port *p, char *err, size_t len)
{
	const unsigned i = free_slot(d, p->name);
	char name[RTE_ETH_NAME_MAX_LEN];
	struct port_rt rt;
	struct worker *w;
	bool probed = false;
	uint16_t pid;
	unsigned k;
	int ret;

	if (config_port_index(&d->cfg, p->name) >= 0) {
		snprintf(err, len, "a port named '%s' exists", p->name);
		return -EEXIST;
	}
	for (k = 0; k < d->cfg.n_ports; k++)
		if (config_port_present(&d->cfg, k) &&
		    strcmp(d->cfg.ports[k].device, p->device) == 0) {
			snprintf(err, len, "device %s is port '%s'", p->device,
				 d->cfg.ports[k].name);
			return -EEXIST;
		}
	int owner = p->exception ? config_iface_owner(&d->cfg, p->kiface) : -1;
	if (owner >= 0) {
		snprintf(err, len, "interface %s is port '%s''s", p->kiface,
			 d->cfg.ports[owner].name);
		return -EEXIST;
	}
	if (i >= PF_MAX_PORTS) {
		snprintf(err, len, "%u ports: no room for another", PF_MAX_PORTS);
		return -ENOSPC;
	}
	if ((w = least_loaded(d)) == NULL) {
		snprintf(err, len, "every worker polls %u rx queues already", WORKER_MAX_RXQ);
		return -ENOSPC;
	}
	unsigned need = LINK_RX_DESC * (1 + d->n_workers);
	if (rte_mempool_avail_count(d->mp) < need) {
		snprintf(err, len,
			 "%u free packet buffers, the port needs about %u (raise mbufs in the "
			 "config)",
			 rte_mempool_avail_count(d->mp), need);
		return -ENOMEM;
	}

	dev_name(p->device, name, sizeof(name));
	if (rte_eth_dev_get_port_by_name(name, &pid) != 0) {
		/* PCI: the BDF with its devargs; vdev: the whole string, with
		 * the XDP program for af_xdp. */
		char devargs[PORT_DEVARGS_LEN];
		if ((ret = port_devargs(&d->cfg, p, devargs, sizeof(devargs))) < 0) {
			snprintf(err, len, "device %s: with xdp_prog=%s: too long", p->device,
				 d->cfg.xdp_program);
			return ret;
		}
		if ((ret = rte_dev_probe(devargs)) < 0) {
			snprintf(err, len, "device %s: probe failed: %s", p->device,
				 rte_strerror(-ret));
			return ret;
		}
		probed = true;
		if (rte_eth_dev_get_port_by_name(name, &pid) != 0) {
			snprintf(err, len, "device %s: probed, but no ethdev named %s", p->device,
				 name);
			ret = -ENODEV;
			goto unprobe;
		}
	}
	if (pid >= PF_MAX_PORTS) {
		/* Workers index their tx buffers and counters by ethdev id. */
		snprintf(err, len, "device %s: ethdev id %u above %u", p->device, pid,
			 PF_MAX_PORTS - 1);
		ret = -ENOSPC;
		goto unprobe;
	}

	/* Slot i is beyond n_ports or removed: it stays marked removed, so that
	 * nothing uses it, until the port runs (below). port_start reads only
	 * ports[i]; a removed slot's old contents are put back on failure. */
	struct cfg_port old = d->cfg.ports[i], np = *p;
	np.n_rxq = 1;
	np.line = 0;
	np.managed = true;
	np.removed = true;
	pthread_mutex_lock(&d->lock); /* telemetry reads the slots */
	d->cfg.ports[i] = np;
	pthread_mutex_unlock(&d->lock);
	ret = port_start(&d->cfg, i, 1, (uint16_t)(d->n_workers + exception_txqs(d, i)), d->mp, &rt,
			 err, len);
	if (ret == 0 && (ret = exception_start(d, i, &rt, err, len)) < 0) {
		port_stop(&rt);
		probed = false; /* closed: the vdev stays, like a failed start */
	}
	if (ret == 0 && (ret = xdp_local_start(d, i, err, len)) < 0) {
		exception_stop(d, i);
		port_stop(&rt);
		probed = false;
	}
	if (ret < 0) {
		pthread_mutex_lock(&d->lock);
		d->cfg.ports[i] = old;
		pthread_mutex_unlock(&d->lock);
		goto unprobe;
	}

	pthread_mutex_lock(&d->lock);
	for (k = 0; k < p->n_addrs; k++)
		if ((ret = routes_local_add(d->routes, &p->addrs[k].addr)) < 0)
			break;
	if (ret < 0) {
		/* Roll back (slot i is still marked removed). */
		for (unsigned a = 0; a < k; a++)
			if (!addr_of_other_port(d, i, &p->addrs[a].addr))
				routes_local_del(d->routes, &p->addrs[a].addr);
		d->cfg.ports[i] = old;
		pthread_mutex_unlock(&d->lock);
		snprintf(err, len, "address of port %s: %s", p->name, strerror(-ret));
		exception_stop(d, i);
		xdp_port_close(&d->xdp[i]);
		port_stop(&rt);
		probed = false; /* closed: the vdev stays, like a failed start */
		goto unprobe;
	}
	d->port[i] = rt;
	memset(&d->link[i], 0, sizeof(d->link[i]));
	link_set_alive(&d->tables, (uint16_t)i, false); /* a removed port's bit */
	if (i >= d->n_ports)
		d->cfg.n_ports = d->n_ports = i + 1;
	for (k = 0; k < d->n_workers; k++) {
		struct worker *wk = &d->worker[k];
		daemon_worker_port(wk, &d->cfg.ports[i], &rt);
		wk->port_ids[i] = rt.port_id;
		wk->n_ports = d->n_ports;
	}
	d->cfg.ports[i].removed = false;
	pthread_mutex_unlock(&d->lock);
	xdp_local_sync(d); /* its addresses, now that it is present */
	/* port_mac is written before the entry that makes the worker read it
	 * (release store of n_rxq). */
	worker_rxq_add(w, rt.port_id, 0);
	PF_LOG(NOTICE,
	       "link add %s: %s, ethdev %u, 1 rx / %u tx queues, mac " RTE_ETHER_ADDR_PRT_FMT
	       ", rx on worker %u (lcore %u)",
	       p->name, rt.driver, rt.port_id, rt.n_txq, RTE_ETHER_ADDR_BYTES(&rt.mac), w->index,
	       w->lcore_id);
	return (int)i;

unprobe:
	if (probed) {
		struct rte_eth_dev_info di;
		if (rte_eth_dev_info_get(pid, &di) == 0 && di.device != NULL)
			rte_dev_remove(di.device);
	}
	return ret;
}

struct peer_use {
	const char *port;
	const char *peer;
};

static int peer_uses(const struct bgp_peer_info *pi, void *arg)
{
	struct peer_use *u = arg;

	if (pi->port != NULL && strcmp(pi->port, u->port) == 0) {
		u->peer = pi->name;
		return 1;
	}
	return 0;
}

int daemon_link_remove(struct daemon *d, const char *pname, char *err, size_t len)
{
	int i = config_port_index(&d->cfg, pname);
	struct rte_eth_dev_info di;
	struct port_rt rt;
	bool is_pci;

	if (i < 0 || (unsigned)i >= d->n_ports) {
		snprintf(err, len, "no port '%s'", pname);
		return -ENOENT;
	}
	for (unsigned k = 0; k < d->cfg.n_nexthops; k++)
		if (d->cfg.nexthops[k].port == i) {
			snprintf(err, len, "port %s is used by next hop %s", pname,
				 d->cfg.nexthops[k].name);
			return -EBUSY;
		}
	if (d->bgp != NULL) {
		struct peer_use u = {.port = pname};
		if (bgp_foreach_peer(d->bgp, peer_uses, &u) != 0) {
			snprintf(err, len, "port %s is used by BGP peering %s", pname, u.peer);
			return -EBUSY;
		}
	}
	for (unsigned k = 0; k < d->cfg.bgp.n_peers; k++)
		if (d->cfg.bgp.peers[k].port == i) {
			snprintf(err, len, "port %s is used by BGP peer %s", pname,
				 d->cfg.bgp.peers[k].name);
			return -EBUSY;
		}
	/* Anything else transmitting there (e.g. a next hop a reload still holds). */
	for (unsigned k = 0; k < PF_MAX_NEXTHOPS; k++)
		if ((__atomic_load_n(&d->tables.nexthop[k].flags, __ATOMIC_ACQUIRE) & NH_F_VALID) &&
		    d->tables.nexthop[k].link_id == i) {
			snprintf(err, len, "port %s is used by next hop %u of the tables", pname,
				 k);
			return -EBUSY;
		}

	rt = d->port[i];
	is_pci = d->cfg.ports[i].is_pci;
	for (unsigned k = 0; k < d->n_workers; k++)
		worker_rxq_del(&d->worker[k], rt.port_id);
	/* After this no worker is inside an rx burst on the port: each reports
	 * a quiescent state once per loop, after its bursts. */
	rte_rcu_qsbr_synchronize(d->tables.qsbr, RTE_QSBR_THRID_INVALID);

	pthread_mutex_lock(&d->lock);
	d->link[i].carrier = false;
	daemon_link_update(d, (unsigned)i, "port removed by operator");
	link_set_alive(&d->tables, (uint16_t)i, false);
	locals_del(d, (unsigned)i, d->cfg.ports[i].n_addrs);
	d->link[i].admin_down = false;
	d->cfg.ports[i].removed = true; /* keeps its name for config.reload */
	pthread_mutex_unlock(&d->lock);

	exception_stop(d, (unsigned)i); /* its TAP, if it has one, goes first */
	xdp_local_stop(d, (unsigned)i); /* the other programs forget its addresses */
	rte_eth_dev_stop(rt.port_id);
	char devname[RTE_DEV_NAME_MAX_LEN] = "";
	if (rte_eth_dev_info_get(rt.port_id, &di) == 0 && di.device != NULL &&
	    (snprintf(devname, sizeof(devname), "%s", rte_dev_name(di.device)),
	     rte_dev_remove(di.device) == 0)) {
		PF_LOG(NOTICE, "link remove %s: ethdev %u stopped, %s device %s removed", pname,
		       rt.port_id, is_pci ? "PCI" : "virtual", devname);
	} else {
		rte_eth_dev_close(rt.port_id);
		PF_LOG(NOTICE, "link remove %s: ethdev %u stopped and closed", pname, rt.port_id);
	}
	return 0;
}
