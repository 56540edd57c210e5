/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Peers added, removed and converted while the speaker runs ("managed"
 * peers, from the control socket). A peer's index is its RIB peer id and
 * its timers point at its slot, so slots never move: a removed peer leaves
 * a free slot that every walk skips and the next added peer takes.
 *
 * A new peer is held to what the config parser demands of bgp.peers
 * (control/config/config.c), against the running peers rather than the
 * file's: both kinds share one name space and one address space.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/bgp/bgp_session.h"
#include "control/daemon/daemon.h"
#include "control/daemon/log.h"

static struct bgp_peer *live_by_name(struct bgp *b, const char *name)
{
	for (unsigned i = 0; i < b->n_peers; i++)
		if (!b->peer[i].removed && strcmp(b->peer[i].cfg->name, name) == 0)
			return &b->peer[i];
	return NULL;
}

static struct bgp_peer *live_by_addr(struct bgp *b, const struct ip_addr *a)
{
	for (unsigned i = 0; i < b->n_peers; i++)
		if (!b->peer[i].removed && memcmp(&b->peer[i].cfg->addr, a, sizeof(*a)) == 0)
			return &b->peer[i];
	return NULL;
}

/* The address must be a neighbour's on one of the port's subnets: the
 * session binds to our address there and its routes resolve to the
 * port's next hops. */
static int check_address(const struct config *cfg, const struct cfg_bgp_peer *p, char *err,
			 size_t errlen)
{
	const struct cfg_port *port = &cfg->ports[p->port];
	char a[INET6_ADDRSTRLEN];
	bool on_link = false;

	ip_addr_format(&p->addr, a, sizeof(a));
	for (unsigned i = 0; i < port->n_addrs; i++) {
		if (memcmp(&port->addrs[i].addr, &p->addr, sizeof(p->addr)) == 0) {
			snprintf(err, errlen, "%s is our own address on port %s", a, port->name);
			return -EINVAL;
		}
		on_link |= prefix_contains_addr(&port->addrs[i], &p->addr);
	}
	if (!on_link) {
		snprintf(err, errlen, "%s is on none of port %s's subnets (no %s address there)", a,
			 port->name, p->addr.family == AF_INET ? "IPv4" : "IPv6");
		return -EINVAL;
	}
	return 0;
}

static int check_peer(struct bgp *b, const struct cfg_bgp_peer *p, char *err, size_t errlen)
{
	const struct config *cfg = &b->d->cfg;
	const struct bgp_peer *o;
	char a[INET6_ADDRSTRLEN];

	if (p->name[0] == '\0' || memchr(p->name, '\0', sizeof(p->name)) == NULL) {
		snprintf(err, errlen, "a peer name is 1..%d characters", CFG_NAME_LEN - 1);
		return -EINVAL;
	}
	if (live_by_name(b, p->name) != NULL) {
		snprintf(err, errlen, "a peer named %s exists", p->name);
		return -EEXIST;
	}
	if ((o = live_by_addr(b, &p->addr)) != NULL) {
		snprintf(err, errlen, "%s is peer %s's address",
			 ip_addr_format(&p->addr, a, sizeof(a)), o->cfg->name);
		return -EEXIST;
	}
	if (!config_port_present(cfg, p->port)) {
		snprintf(err, errlen, "no port %u", p->port);
		return -ENOENT;
	}
	if (p->policy < 0 || (unsigned)p->policy >= b->cfg->n_policies) {
		snprintf(err, errlen, "no policy %d", p->policy);
		return -ENOENT;
	}
	if (p->remote_as == 0) {
		snprintf(err, errlen, "remote AS 0 is reserved (RFC 7607)");
		return -EINVAL;
	}
	/* RFC 4271 4.2: zero or at least three seconds. */
	if (p->hold_time == 1 || p->hold_time == 2) {
		snprintf(err, errlen, "hold time is 0 or 3..65535 seconds");
		return -EINVAL;
	}
	if (p->connect_retry == 0 || (!p->ipv4 && !p->ipv6) ||
	    memchr(p->md5, '\0', sizeof(p->md5)) == NULL) {
		snprintf(err, errlen, "connect retry, families or MD5 key not set");
		return -EINVAL;
	}
	return check_address(cfg, p, err, errlen);
}

/* A free slot, or the next one; -1 at the limit. */
static int free_slot(const struct bgp *b)
{
	for (unsigned i = 0; i < b->n_peers; i++)
		if (b->peer[i].removed)
			return (int)i;
	return b->n_peers < CFG_BGP_MAX_PEERS ? (int)b->n_peers : -1;
}

int bgp_peer_add(struct bgp *b, const struct cfg_bgp_peer *p, char *err, size_t errlen)
{
	char a[INET6_ADDRSTRLEN];
	int ret, i;

	pthread_mutex_lock(&b->d->lock);
	if ((ret = check_peer(b, p, err, errlen)) < 0)
		goto out;
	if ((i = free_slot(b)) < 0) {
		snprintf(err, errlen, "%d peers run already (the limit)", CFG_BGP_MAX_PEERS);
		ret = -ENOSPC;
		goto out;
	}
	PF_LOG(NOTICE, "bgp %s (%s AS%u): added on port %s, policy %s", p->name,
	       ip_addr_format(&p->addr, a, sizeof(a)), p->remote_as, b->d->cfg.ports[p->port].name,
	       b->cfg->policies[p->policy].name);
	if ((ret = bgp_peer_open(b, (unsigned)i, p)) < 0)
		snprintf(err, errlen, "%s", strerror(-ret));
out:
	pthread_mutex_unlock(&b->d->lock);
	if (ret == 0)
		bgp_nbrs_publish(b);
	return ret;
}

int bgp_peer_remove(struct bgp *b, const char *name)
{
	struct bgp_peer *p;
	int ret = 0;

	pthread_mutex_lock(&b->d->lock);
	if ((p = live_by_name(b, name)) == NULL)
		ret = -ENOENT;
	else
		bgp_peer_close(p);
	pthread_mutex_unlock(&b->d->lock);
	if (ret == 0)
		bgp_nbrs_publish(b);
	return ret;
}

int bgp_peer_convert(struct bgp *b, const char *name)
{
	struct bgp_peer *p;
	int ret = 0;

	pthread_mutex_lock(&b->d->lock);
	if ((p = live_by_name(b, name)) == NULL) {
		ret = -ENOENT;
	} else if (p->managed) {
		ret = -EALREADY;
	} else {
		/* Own a copy: the peer no longer depends on the config's entry. */
		p->own = *p->cfg;
		p->cfg = &p->own;
		p->managed = true;
		PF_LOG(NOTICE, "bgp %s: converted from the config file to managed", p->cfg->name);
	}
	pthread_mutex_unlock(&b->d->lock);
	return ret;
}
