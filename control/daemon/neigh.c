/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Next hops without a static MAC, resolved through the kernel's neighbour
 * table of their port's kernel interface.
 *
 * On af_packet and af_xdp ports the kernel interface carries the link's
 * addresses and already runs ARP and ND there (as it runs BGP), so the
 * daemon follows that table instead of keeping a second one:
 * - it listens to RTMGRP_NEIGH and reads the whole table at start, after a
 *   socket overrun, and every second while a next hop is unresolved;
 * - it asks the kernel to resolve (RTM_NEWNEIGH with NTF_USE, which is what
 *   a packet the kernel sends would do) every second while unresolved, and
 *   every NEIGH_CONFIRM_S seconds once resolved, so that a STALE entry is
 *   probed again and a dead or replaced router is seen;
 * - a valid entry (REACHABLE, STALE, DELAY, PROBE, PERMANENT) gives the
 *   next hop its MAC; FAILED takes it away, and the workers fall to the
 *   next member of the group, as for a dead link; a deleted entry (garbage
 *   collection, a flush) keeps the last MAC and is resolved again.
 *
 * A MAC learnt, changed or lost is a new forwarding next hop swapped into
 * every group naming the old one (routes_nexthop_replace), which is freed
 * after a grace period: workers never see half a MAC.
 *
 * A port without a kernel interface (PCI) has nowhere to resolve from: its
 * next hops need a static MAC (logged at start).
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "control/daemon/daemon.h"
#include "control/daemon/log.h"
#include "control/daemon/neigh.h"

#define NEIGH_TICK_MS	 1000
#define NEIGH_CONFIRM_S	 10
#define NEIGH_DUMP_SEQ	 0x80000000u /* | a counter; NTF_USE requests: next hop index + 1 */
#define NEIGH_NUD_VALID	 (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT)
#define NEIGH_DUMP_STUCK 5 /* ticks without the dump's end: ask again */

struct neigh {
	struct daemon *d;
	int fd;
	struct ev_timer *tick;
	uint64_t ticks;
	uint32_t dump_seq;
	unsigned dump_age; /* ticks since the running dump was asked for, 0 = none */
	bool resync;	   /* overrun: the table must be read again */
	unsigned ifindex[PF_MAX_PORTS];
	int last_err[PF_MAX_NEXTHOPS]; /* last refusal logged, per config next hop */
	/* What the table says of next hops' addresses, by port and address
	 * (config reloads may renumber next hops). */
	unsigned n_learnt;
	struct learnt {
		uint16_t port;
		struct ip_addr addr;
		struct rte_ether_addr mac;
	} learnt[PF_MAX_NEXTHOPS];
};

static const char *family_proto(const struct ip_addr *a)
{
	return a->family == AF_INET ? "ARP" : "ND";
}

/* The next hops this file looks after: no static MAC, on a running port. */
static bool followed(const struct daemon *d, unsigned i)
{
	const struct cfg_nexthop *c = &d->cfg.nexthops[i];

	return !c->has_mac && d->nh_id[i] != NH_NONE && config_port_present(&d->cfg, c->port);
}

static struct learnt *learnt_find(const struct neigh *n, uint16_t port, const struct ip_addr *a)
{
	for (unsigned k = 0; k < n->n_learnt; k++) {
		const struct learnt *l = &n->learnt[k];
		if (l->port == port && memcmp(&l->addr, a, sizeof(*a)) == 0)
			return (struct learnt *)(uintptr_t)l;
	}
	return NULL;
}

bool neigh_mac(const struct daemon *d, const struct cfg_nexthop *c, struct rte_ether_addr *mac)
{
	const struct learnt *l = d->neigh != NULL ? learnt_find(d->neigh, c->port, &c->addr) : NULL;

	if (l != NULL)
		*mac = l->mac;
	return l != NULL;
}

/* The next hops this entry is about: followed, on the port whose interface
 * it is, with its address. More than one next hop may name the same
 * router. */
static bool is_for(const struct neigh *n, unsigned i, uint16_t port, const struct ip_addr *a)
{
	const struct cfg_nexthop *c = &n->d->cfg.nexthops[i];

	return followed(n->d, i) && c->port == port && memcmp(&c->addr, a, sizeof(*a)) == 0;
}

/* The router at addr on port has MAC mac now, or (NULL) none: remember it
 * and publish it for every next hop naming that router. */
static void nh_set(struct neigh *n, uint16_t port, const struct ip_addr *addr,
		   const struct rte_ether_addr *mac, const char *why)
{
	struct daemon *d = n->d;
	const char *ifname = d->cfg.ports[port].kiface;
	struct learnt *l = learnt_find(n, port, addr);
	char a[INET6_ADDRSTRLEN], reason[48];

	if (mac != NULL && l == NULL) {
		if (n->n_learnt == RTE_DIM(n->learnt))
			return; /* pruned every tick to what next hops name: cannot happen */
		l = &n->learnt[n->n_learnt++];
		l->port = port;
		l->addr = *addr;
	}
	if (mac != NULL)
		l->mac = *mac;
	else if (l != NULL)
		*l = n->learnt[--n->n_learnt];
	ip_addr_format(addr, a, sizeof(a));
	snprintf(reason, sizeof(reason), "neighbour %s", mac != NULL ? why : "unresolved");
	for (unsigned i = 0; i < d->cfg.n_nexthops; i++) {
		const char *name = d->cfg.nexthops[i].name;
		int ret;

		if (!is_for(n, i, port, addr))
			continue;
		if ((ret = daemon_nexthop_refresh(d, i, reason)) < 0)
			/* on_tick tries again */
			PF_LOG(ERR, "next hop %s: %s %s on %s: not applied yet: %s", name, a,
			       mac != NULL ? "resolved" : "unresolved", ifname, strerror(-ret));
		else if (mac != NULL)
			PF_LOG(NOTICE,
			       "next hop %s: %s is %02x:%02x:%02x:%02x:%02x:%02x (%s, neighbour "
			       "table of %s)",
			       name, a, RTE_ETHER_ADDR_BYTES(mac), why, ifname);
		else
			PF_LOG(WARNING,
			       "next hop %s: %s on %s unresolved (%s): traffic takes the next "
			       "member",
			       name, a, ifname, why);
	}
	daemon_nbrs_update(d); /* the router's MAC, for its ND */
}

/* Forget what no next hop names any more (reloads remove, re-address or
 * give next hops a static MAC): a router re-added later is asked again. */
static void prune(struct neigh *n)
{
	for (unsigned k = 0; k < n->n_learnt;) {
		bool named = false;
		for (unsigned i = 0; !named && i < n->d->cfg.n_nexthops; i++)
			named = is_for(n, i, n->learnt[k].port, &n->learnt[k].addr);
		if (named)
			k++;
		else
			n->learnt[k] = n->learnt[--n->n_learnt];
	}
}

/* ---- netlink ---- */

static void send_req(struct neigh *n, struct nlmsghdr *h)
{
	struct sockaddr_nl to = {.nl_family = AF_NETLINK};

	if (sendto(n->fd, h, h->nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to)) < 0 &&
	    errno != EAGAIN)
		PF_LOG(WARNING, "neighbour table: netlink send: %s", strerror(errno));
}

/* Ask the kernel to resolve next hop i (or to confirm what it has). */
static void ask(struct neigh *n, unsigned i)
{
	const struct cfg_nexthop *c = &n->d->cfg.nexthops[i];
	struct {
		struct nlmsghdr h;
		struct ndmsg nd;
		struct rtattr dst;
		uint8_t addr[16];
	} req;
	unsigned len = c->addr.family == AF_INET ? 4 : 16;

	memset(&req, 0, sizeof(req));
	req.nd.ndm_family = c->addr.family;
	req.nd.ndm_ifindex = (int)n->ifindex[c->port];
	req.nd.ndm_flags = NTF_USE;
	req.dst.rta_type = NDA_DST;
	req.dst.rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(req.addr, c->addr.bytes, len);
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(req.nd)) + RTA_SPACE(len);
	req.h.nlmsg_type = RTM_NEWNEIGH;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE; /* errors only, no ack */
	req.h.nlmsg_seq = i + 1;
	send_req(n, &req.h);
}

static void dump(struct neigh *n)
{
	struct {
		struct nlmsghdr h;
		struct ndmsg nd;
	} req;

	if (n->dump_age > 0 && n->dump_age < NEIGH_DUMP_STUCK)
		return; /* one at a time per socket */
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(req.nd));
	req.h.nlmsg_type = RTM_GETNEIGH;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = n->dump_seq = NEIGH_DUMP_SEQ | (uint32_t)(n->ticks & 0x7fffffff);
	req.nd.ndm_family = AF_UNSPEC;
	n->dump_age = 1;
	n->resync = false;
	send_req(n, &req.h);
}

static void refused(struct neigh *n, uint32_t seq, int error)
{
	struct daemon *d = n->d;

	if (seq & NEIGH_DUMP_SEQ) {
		if (seq == n->dump_seq)
			n->dump_age = 0;
		if (error != 0)
			PF_LOG(WARNING, "neighbour table: dump refused: %s", strerror(-error));
		return;
	}
	unsigned i = seq - 1;
	if (error == 0 || seq == 0 || i >= d->cfg.n_nexthops || n->last_err[i] == error)
		return;
	n->last_err[i] = error;
	char a[INET6_ADDRSTRLEN];
	const struct cfg_nexthop *c = &d->cfg.nexthops[i];
	PF_LOG(WARNING, "next hop %s: the kernel will not resolve %s on %s: %s", c->name,
	       ip_addr_format(&c->addr, a, sizeof(a)), d->cfg.ports[c->port].kiface,
	       strerror(-error));
}

/* One neighbour entry, new or deleted, against the next hops it may be. */
static void entry(struct neigh *n, const struct nlmsghdr *h)
{
	struct daemon *d = n->d;
	const struct ndmsg *nd = NLMSG_DATA(h);
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*nd));
	const uint8_t *dst = NULL, *ll = NULL;
	unsigned dst_len = 0;
	struct rte_ether_addr mac;

	if (len < 0 || (nd->ndm_family != AF_INET && nd->ndm_family != AF_INET6))
		return;
	for (const struct rtattr *a =
		     (const struct rtattr *)((const char *)nd + NLMSG_ALIGN(sizeof(*nd)));
	     RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == NDA_DST) {
			dst = RTA_DATA(a);
			dst_len = RTA_PAYLOAD(a);
		} else if (a->rta_type == NDA_LLADDR && RTA_PAYLOAD(a) == RTE_ETHER_ADDR_LEN) {
			ll = RTA_DATA(a);
		}
	}
	if (dst == NULL || dst_len != (nd->ndm_family == AF_INET ? 4u : 16u))
		return;
	if (ll != NULL)
		memcpy(mac.addr_bytes, ll, RTE_ETHER_ADDR_LEN);
	bool usable = ll != NULL && (nd->ndm_state & NEIGH_NUD_VALID) &&
		      rte_is_unicast_ether_addr(&mac) && !rte_is_zero_ether_addr(&mac);
	/* A delete (ip neigh del / flush) is announced as FAILED, sent on
	 * behalf of the deleting socket (pid set, seq 0), then as deleted:
	 * that FAILED is no failed probe. The kernel's own changes come with
	 * pid 0; our dumps with our seq. */
	bool deleting = h->nlmsg_pid != 0 && h->nlmsg_seq == 0;

	struct ip_addr addr = {.family = nd->ndm_family};
	memcpy(addr.bytes, dst, dst_len);

	/* the first next hop naming this router decides; nh_set serves all */
	for (unsigned i = 0; i < d->cfg.n_nexthops; i++) {
		const struct cfg_nexthop *c = &d->cfg.nexthops[i];
		struct rte_ether_addr cur = {{0}};

		if (n->ifindex[c->port] == 0 || (int)n->ifindex[c->port] != nd->ndm_ifindex ||
		    !is_for(n, i, c->port, &addr))
			continue;
		bool have = neigh_mac(d, c, &cur);
		if (h->nlmsg_type == RTM_DELNEIGH)
			ask(n, i); /* keep the MAC, resolve again */
		else if (usable && (!have || !rte_is_same_ether_addr(&cur, &mac)))
			nh_set(n, c->port, &c->addr, &mac,
			       have ? "changed" : family_proto(&c->addr));
		else if (have && (nd->ndm_state & NUD_FAILED) && !deleting)
			nh_set(n, c->port, &c->addr, NULL, "no answer to the kernel's probes");
		return;
	}
}

/* NLMSG_OK without its signed/unsigned comparison (clang's -Wsign-compare). */
static bool nl_ok(const struct nlmsghdr *h, int len)
{
	return len >= (int)sizeof(*h) && h->nlmsg_len >= sizeof(*h) &&
	       h->nlmsg_len <= (unsigned)len;
}

static void on_readable(struct ev_loop *loop, int fd, uint32_t events, void *arg)
{
	struct neigh *n = arg;
	char buf[32768] __rte_aligned(NLMSG_ALIGNTO);

	(void)loop;
	(void)events;
	for (;;) {
		ssize_t r = recv(fd, buf, sizeof(buf), 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == ENOBUFS) {
			n->resync = true; /* events lost: read the table again */
			continue;
		}
		if (r <= 0)
			break;
		int len = (int)r;
		for (const struct nlmsghdr *h = (const struct nlmsghdr *)buf; nl_ok(h, len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				if (h->nlmsg_seq == n->dump_seq)
					n->dump_age = 0;
			} else if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)))
					refused(n, h->nlmsg_seq, e->error);
			} else if (h->nlmsg_type == RTM_NEWNEIGH || h->nlmsg_type == RTM_DELNEIGH) {
				entry(n, h);
			}
		}
	}
	if (n->resync)
		dump(n);
}

static void on_tick(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	struct neigh *n = arg;
	struct daemon *d = n->d;
	bool pending = false;

	(void)loop;
	n->ticks++;
	if (n->dump_age > 0)
		n->dump_age++;
	for (unsigned p = 0; p < d->cfg.n_ports && p < PF_MAX_PORTS; p++)
		n->ifindex[p] = config_port_present(&d->cfg, p) && d->cfg.ports[p].kiface[0] != '\0'
					? if_nametoindex(d->cfg.ports[p].kiface)
					: 0;
	prune(n);
	for (unsigned i = 0; i < d->cfg.n_nexthops; i++) {
		/* what failed to apply before (tables full) is tried again, for
		 * every next hop: BFD's holds too, as this is the one periodic
		 * pass over next hops; a no-op when the workers see what they
		 * should */
		daemon_nexthop_refresh(d, i, "retried");
		if (!followed(d, i) || n->ifindex[d->cfg.nexthops[i].port] == 0)
			continue;
		struct rte_ether_addr mac;
		bool have = neigh_mac(d, &d->cfg.nexthops[i], &mac);
		pending |= !have;
		if (!have || n->ticks % NEIGH_CONFIRM_S == 0)
			ask(n, i);
	}
	if (pending || n->resync)
		dump(n); /* entries already valid send no event */
	ev_timer_start(t, NEIGH_TICK_MS);
}

/* ---- start / stop ---- */

int neigh_start(struct daemon *d)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = RTMGRP_NEIGH};
	struct neigh *n = calloc(1, sizeof(*n));
	int ret;

	for (unsigned i = 0; i < d->cfg.n_nexthops; i++) {
		const struct cfg_nexthop *c = &d->cfg.nexthops[i];
		if (!c->has_mac && d->cfg.ports[c->port].kiface[0] == '\0')
			PF_LOG(WARNING,
			       "next hop %s has no MAC and port %s no kernel interface to resolve "
			       "it in: it stays unused until a static mac is configured",
			       c->name, d->cfg.ports[c->port].name);
	}
	if (n == NULL)
		return -ENOMEM;
	n->d = d;
	n->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	ret = n->fd < 0 || bind(n->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
	if (ret == 0)
		ret = ev_fd_add(d->ev, n->fd, EPOLLIN, on_readable, n);
	if (ret < 0) {
		if (n->fd >= 0)
			close(n->fd);
		free(n);
		return ret;
	}
	n->tick = ev_timer_new(d->ev, on_tick, n);
	if (n->tick == NULL) {
		ev_fd_del(d->ev, n->fd);
		close(n->fd);
		free(n);
		return -ENOMEM;
	}
	d->neigh = n;
	on_tick(d->ev, n->tick, n); /* the first requests and the table now */
	return 0;
}

void neigh_stop(struct daemon *d)
{
	struct neigh *n = d->neigh;

	if (n == NULL)
		return;
	ev_timer_free(n->tick);
	ev_fd_del(d->ev, n->fd);
	close(n->fd);
	free(n);
	d->neigh = NULL;
}
