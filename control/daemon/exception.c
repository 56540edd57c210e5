/* SPDX-License-Identifier: BSD-3-Clause */
/* The exception path's TAPs (see exception.h). */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "control/daemon/daemon.h"
#include "control/daemon/exception.h"
#include "control/daemon/log.h"

#define TAP_DESC 512
/* Each turn of the control loop moves up to EXC_ROUNDS bursts of EXC_BURST
 * frames each way (per TAP), then lets the rest of the loop run. */
#define EXC_BURST  64
#define EXC_ROUNDS 16

static void tap_name(unsigned i, char *buf, size_t len)
{
	snprintf(buf, len, "net_tap_pfx%u", i);
}

uint16_t exception_txqs(const struct daemon *d, unsigned i)
{
	return d->cfg.ports[i].exception ? 1 : 0;
}

/* RTM_NEWADDR for one of the port's addresses on the TAP: IPv6 without
 * duplicate address detection (the address is the port's, in use at once). */
static int addr_add(int nl, unsigned ifindex, const struct prefix *a)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;
		char attrs[2 * RTA_SPACE(16)];
	} req;
	unsigned alen = a->addr.family == AF_INET ? 4 : 16;
	char ack[256];

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifa));
	req.nh.nlmsg_type = RTM_NEWADDR;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
	req.ifa.ifa_family = a->addr.family;
	req.ifa.ifa_prefixlen = a->len;
	req.ifa.ifa_flags = IFA_F_PERMANENT | (a->addr.family == AF_INET6 ? IFA_F_NODAD : 0);
	req.ifa.ifa_index = ifindex;
	for (unsigned k = 0; k < 2; k++) { /* IFA_LOCAL and IFA_ADDRESS: both the address */
		struct rtattr *rta =
			(struct rtattr *)((char *)&req + NLMSG_ALIGN(req.nh.nlmsg_len));
		rta->rta_type = k == 0 ? IFA_LOCAL : IFA_ADDRESS;
		rta->rta_len = (unsigned short)RTA_LENGTH(alen);
		memcpy(RTA_DATA(rta), a->addr.bytes, alen);
		req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
	}
	if (send(nl, &req, req.nh.nlmsg_len, 0) < 0)
		return -errno;
	ssize_t n = recv(nl, ack, sizeof(ack), 0);
	if (n < 0)
		return -errno;
	const struct nlmsghdr *h = (const struct nlmsghdr *)ack;
	if ((size_t)n < NLMSG_LENGTH(sizeof(struct nlmsgerr)) || h->nlmsg_type != NLMSG_ERROR)
		return -EPROTO;
	return ((const struct nlmsgerr *)NLMSG_DATA(h))->error;
}

static int tap_addrs(const struct cfg_port *cp, char *err, size_t len)
{
	unsigned ifindex = if_nametoindex(cp->kiface);
	int nl, ret = 0;

	if (ifindex == 0) {
		snprintf(err, len, "port %s: TAP %s not found: %s", cp->name, cp->kiface,
			 strerror(errno));
		return -ENODEV;
	}
	nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl < 0) {
		ret = -errno;
		snprintf(err, len, "port %s: netlink: %s", cp->name, strerror(-ret));
		return ret;
	}
	struct timeval tv = {.tv_sec = 1};
	setsockopt(nl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (unsigned k = 0; k < cp->n_addrs && ret == 0; k++) {
		char a[PREFIX_STRLEN];
		if ((ret = addr_add(nl, ifindex, &cp->addrs[k])) < 0)
			snprintf(err, len, "port %s: address %s on TAP %s: %s", cp->name,
				 prefix_format(&cp->addrs[k], a, sizeof(a)), cp->kiface,
				 strerror(-ret));
	}
	close(nl);
	return ret;
}

/* The port's MTU, but no more than 1500: what the kernel sends fits one mbuf
 * (jumbo frames would come off the TAP in segments), and its TCP segments
 * (BGP) advertise an MSS to match. */
static uint16_t tap_mtu(const struct port_rt *rt)
{
	return rt->mtu != 0 && rt->mtu < RTE_ETHER_MTU ? rt->mtu : RTE_ETHER_MTU;
}

int exception_start(struct daemon *d, unsigned i, const struct port_rt *rt, char *err, size_t len)
{
	const struct cfg_port *cp = &d->cfg.ports[i];
	struct pf_exception *x = &d->exc[i];
	struct rte_eth_conf conf = {0};
	char name[32], args[96];
	uint16_t pid;
	int ret;

	memset(x, 0, sizeof(*x));
	if (!cp->exception)
		return 0;
	tap_name(i, name, sizeof(name));
	snprintf(args, sizeof(args), "iface=%s,mac=" RTE_ETHER_ADDR_PRT_FMT, cp->kiface,
		 RTE_ETHER_ADDR_BYTES(&rt->mac));
	if ((ret = rte_eal_hotplug_add("vdev", name, args)) < 0) {
		snprintf(err, len, "port %s: exception TAP %s: %s", cp->name, cp->kiface,
			 strerror(-ret));
		return ret;
	}
	if ((ret = rte_eth_dev_get_port_by_name(name, &pid)) != 0 ||
	    (ret = rte_eth_dev_configure(pid, 1, 1, &conf)) != 0 ||
	    (ret = rte_eth_rx_queue_setup(pid, 0, TAP_DESC, rte_eth_dev_socket_id(pid), NULL,
					  d->mp)) != 0 ||
	    (ret = rte_eth_tx_queue_setup(pid, 0, TAP_DESC, rte_eth_dev_socket_id(pid), NULL)) !=
		    0 ||
	    (ret = rte_eth_dev_set_mtu(pid, tap_mtu(rt))) != 0 ||
	    (ret = rte_eth_dev_start(pid)) != 0) {
		snprintf(err, len, "port %s: exception TAP %s: setup failed: %s", cp->name,
			 cp->kiface, rte_strerror(ret < 0 ? -ret : ret));
		rte_eal_hotplug_remove("vdev", name);
		return ret < 0 ? ret : -EIO;
	}
	if ((ret = tap_addrs(cp, err, len)) < 0) {
		rte_eth_dev_stop(pid);
		rte_eal_hotplug_remove("vdev", name);
		return ret;
	}
	x->tap_id = pid;
	x->txq = (uint16_t)(rt->n_txq - 1);
	x->on = true;
	PF_LOG(INFO, "port %s: exception path through TAP %s (ethdev %u, port tx queue %u)",
	       cp->name, cp->kiface, pid, x->txq);
	return 0;
}

void exception_carrier(struct daemon *d, unsigned i, bool up)
{
	const struct pf_exception *x = &d->exc[i];
	const struct cfg_port *cp = &d->cfg.ports[i];
	char err[160];
	int ret;

	if (!x->on)
		return;
	ret = up ? rte_eth_dev_set_link_up(x->tap_id) : rte_eth_dev_set_link_down(x->tap_id);
	if (ret == 0 && up)
		ret = tap_addrs(cp, err, sizeof(err));
	else if (ret != 0)
		snprintf(err, sizeof(err), "%s", rte_strerror(-ret));
	if (ret != 0)
		PF_LOG(ERR, "port %s: TAP %s not set %s: %s", cp->name, cp->kiface,
		       up ? "up" : "down", err);
}

void exception_stop(struct daemon *d, unsigned i)
{
	struct pf_exception *x = &d->exc[i];
	char name[32];

	if (!x->on)
		return;
	x->on = false;
	tap_name(i, name, sizeof(name));
	rte_eth_dev_stop(x->tap_id);
	rte_eal_hotplug_remove("vdev", name);
}

/* A VLAN port's TAP is the VLAN's interface: its frames lose their tag on
 * the way in (others are dropped) and get it on the way out. */
static bool vlan_strip(struct rte_mbuf *m, uint16_t vlan)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_vlan_hdr *vh = (const struct rte_vlan_hdr *)(eth + 1);

	if (rte_pktmbuf_data_len(m) >= sizeof(*eth) + sizeof(*vh) &&
	    eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_VLAN)) {
		if ((rte_be_to_cpu_16(vh->vlan_tci) & 0xfff) != vlan || rte_vlan_strip(m) != 0)
			return false;
	} else if (!(m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) || (m->vlan_tci & 0xfff) != vlan) {
		return false; /* untagged, unless the device took the tag off */
	}
	m->ol_flags = 0;
	return true;
}

static bool exception_to_kernel(struct daemon *d, struct rte_mbuf *m)
{
	for (unsigned i = 0; i < d->n_ports; i++) {
		struct pf_exception *x = &d->exc[i];
		if (d->port[i].port_id != m->port || !config_port_present(&d->cfg, i))
			continue;
		if (!x->on)
			return false;
		uint16_t vlan = d->cfg.ports[i].vlan;
		if (vlan != 0 && !vlan_strip(m, vlan)) {
			x->dropped++;
			rte_pktmbuf_free(m);
			return true;
		}
		if (rte_eth_tx_burst(x->tap_id, 0, &m, 1) == 1) {
			x->to_kernel++;
		} else {
			x->dropped++;
			rte_pktmbuf_free(m);
		}
		return true;
	}
	return false;
}

/* Up to EXC_BURST frames off the punt ring: how many. */
static unsigned drain_burst(struct daemon *d)
{
	struct rte_mbuf *m[EXC_BURST];
	unsigned n = rte_ring_dequeue_burst(d->punt, (void **)m, RTE_DIM(m), NULL);
	/* Counted, then into the port's exception TAP; the kernel interfaces of
	 * af_packet/af_xdp ports see control traffic themselves (BGP, ARP, ND
	 * run there), so the copy punted from those is dropped. */
	for (unsigned i = 0; i < n; i++) {
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m[i], struct rte_ether_hdr *);
		uint16_t type = rte_be_to_cpu_16(eth->ether_type);
		d->punt_arp += type == RTE_ETHER_TYPE_ARP;
		d->punt_ipv4 += type == RTE_ETHER_TYPE_IPV4;
		d->punt_ipv6 += type == RTE_ETHER_TYPE_IPV6;
		d->punt_other += type != RTE_ETHER_TYPE_ARP && type != RTE_ETHER_TYPE_IPV4 &&
				 type != RTE_ETHER_TYPE_IPV6;
		if (!exception_to_kernel(d, m[i]))
			rte_pktmbuf_free(m[i]);
	}
	d->punted += n;
	return n;
}

void exception_drain_punt(struct daemon *d)
{
	if (d->punt == NULL)
		return;
	for (unsigned k = 0; k < EXC_ROUNDS; k++)
		if (drain_burst(d) < EXC_BURST)
			break;
}

/* Up to EXC_BURST frames the kernel sent on port i's TAP, out of the port. */
static unsigned poll_burst(struct daemon *d, unsigned i)
{
	struct pf_exception *x = &d->exc[i];
	struct rte_mbuf *m[EXC_BURST];
	const uint16_t vlan = d->cfg.ports[i].vlan;
	uint16_t n = rte_eth_rx_burst(x->tap_id, 0, m, EXC_BURST), got = n;

	if (n == 0)
		return 0;
	if (vlan != 0) {
		uint16_t k = 0;
		for (uint16_t j = 0; j < n; j++) {
			m[j]->vlan_tci = vlan;
			if (rte_vlan_insert(&m[j]) == 0) {
				m[k++] = m[j];
			} else {
				x->dropped++;
				rte_pktmbuf_free(m[j]);
			}
		}
		n = k;
	}
	uint16_t sent = rte_eth_tx_burst(d->port[i].port_id, x->txq, m, n);
	x->from_kernel += sent;
	if (sent < n) {
		x->dropped += n - sent;
		rte_pktmbuf_free_bulk(&m[sent], n - sent);
	}
	return got;
}

void exception_poll(struct daemon *d)
{
	for (unsigned i = 0; i < d->n_ports; i++)
		for (unsigned k = 0; d->exc[i].on && k < EXC_ROUNDS; k++)
			if (poll_burst(d, i) < EXC_BURST)
				break;
}
