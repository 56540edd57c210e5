/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_ethdev.h>

#include "control/daemon/log.h"
#include "drivers/port.h"
#include "drivers/xdp.h"

#define RX_DESC 1024
#define TX_DESC 1024

/* The ethdev name of a configured device: a vdev's name is up to the
 * first comma; a PCI device is named by its address. */
static void dev_name(const struct cfg_port *cp, char *buf, size_t len)
{
	size_t n = strcspn(cp->device, ",");

	snprintf(buf, len, "%.*s", (int)n, cp->device);
}

int port_devargs(const struct config *cfg, const struct cfg_port *cp, char *buf, size_t len)
{
	int n;

	if (config_xdp_ours(cfg, cp))
		n = snprintf(buf, len, "%s,xdp_prog=%s", cp->device, cfg->xdp_program);
	else
		n = snprintf(buf, len, "%s", cp->device);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int port_eal_args(const struct config *cfg, char **argv, int *argc, int max)
{
	/* argv keeps pointers into it until the EAL has parsed them */
	static char devargs[PF_MAX_PORTS][PORT_DEVARGS_LEN];

	for (unsigned i = 0; i < cfg->n_ports; i++) {
		if (*argc + 2 > max)
			return -E2BIG;
		if (port_devargs(cfg, &cfg->ports[i], devargs[i], sizeof(devargs[i])) < 0)
			return -E2BIG;
		argv[(*argc)++] = cfg->ports[i].is_pci ? "-a" : "--vdev";
		argv[(*argc)++] = devargs[i];
	}
	return 0;
}

static void rss_conf(const struct rte_eth_dev_info *di, uint16_t n_rxq, struct rte_eth_conf *c)
{
	uint64_t want = RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP;

	if (n_rxq < 2 || (di->flow_type_rss_offloads & want) == 0)
		return;
	c->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	c->rx_adv_conf.rss_conf.rss_hf = di->flow_type_rss_offloads & want;
}

int port_start(const struct config *cfg, unsigned i, uint16_t n_rxq, uint16_t n_txq,
	       struct rte_mempool *mp, struct port_rt *out, char *err, size_t errlen)
{
	const struct cfg_port *cp = &cfg->ports[i];
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info di;
	char name[RTE_ETH_NAME_MAX_LEN];
	uint16_t pid, nrx = RX_DESC, ntx = TX_DESC;
	int ret;

	memset(out, 0, sizeof(*out));
	dev_name(cp, name, sizeof(name));
	if (rte_eth_dev_get_port_by_name(name, &pid) != 0) {
		snprintf(err, errlen, "port %s: device %s not found (check the device string)",
			 cp->name, name);
		return -ENODEV;
	}
	if ((ret = rte_eth_dev_info_get(pid, &di)) != 0)
		goto fail;
	snprintf(out->driver, sizeof(out->driver), "%s", di.driver_name);
	if (n_rxq > di.max_rx_queues || n_txq > di.max_tx_queues) {
		snprintf(err, errlen,
			 "port %s: needs %u rx and %u tx queues, device %s has %u and %u "
			 "(af_packet: add qpairs=N to the device string)",
			 cp->name, n_rxq, n_txq, di.driver_name, di.max_rx_queues,
			 di.max_tx_queues);
		return -EINVAL;
	}
	/* A daemon that died left its XDP program on the interface, where the
	 * PMD would attach none (rx queue setup would fail). */
	if (config_xdp_ours(cfg, cp) && (ret = xdp_detach_stale(cp->iface)) != 0) {
		if (ret < 0) {
			snprintf(err, errlen, "port %s: the XDP program left on %s: %s", cp->name,
				 cp->iface, strerror(-ret));
			return ret;
		}
		PF_LOG(NOTICE, "port %s: took the XDP program a previous run left off %s", cp->name,
		       cp->iface);
	}
	rss_conf(&di, n_rxq, &conf);
	/* Fast-free is safe: one mempool, no refcounted mbufs on tx. */
	if (di.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	/* The worker trusts a NIC's IPv4 checksum verdict and checks in software
	 * only where there is none. */
	if (di.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	if ((ret = rte_eth_dev_configure(pid, n_rxq, n_txq, &conf)) != 0)
		goto fail;
	if ((ret = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nrx, &ntx)) != 0)
		goto fail;
	if (cp->mtu != 0 && (ret = rte_eth_dev_set_mtu(pid, cp->mtu)) != 0)
		goto fail;
	for (uint16_t q = 0; q < n_rxq; q++)
		if ((ret = rte_eth_rx_queue_setup(pid, q, nrx, rte_eth_dev_socket_id(pid), NULL,
						  mp)) != 0)
			goto fail;
	for (uint16_t q = 0; q < n_txq; q++)
		if ((ret = rte_eth_tx_queue_setup(pid, q, ntx, rte_eth_dev_socket_id(pid), NULL)) !=
		    0)
			goto fail;
	if (cp->has_mac)
		rte_eth_dev_default_mac_addr_set(pid, (struct rte_ether_addr *)&cp->mac);
	if ((ret = rte_eth_dev_start(pid)) != 0)
		goto fail;
	rte_eth_macaddr_get(pid, &out->mac);
	if (rte_eth_dev_get_mtu(pid, &out->mtu) != 0)
		out->mtu = 0; /* unknown: next hops on it are not checked */
	out->port_id = pid;
	out->n_rxq = n_rxq;
	out->n_txq = n_txq;
	out->has_iface = cp->iface[0] != '\0';
	return 0;
fail:
	snprintf(err, errlen, "port %s (%s): setup failed: %s", cp->name, name, rte_strerror(-ret));
	return ret < 0 ? ret : -EIO;
}

void port_stop(struct port_rt *p)
{
	rte_eth_dev_stop(p->port_id);
	rte_eth_dev_close(p->port_id);
}

static bool iface_running(const char *iface)
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool up = false;

	if (fd < 0)
		return false;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0)
		up = (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
	close(fd);
	return up;
}

bool port_carrier(const struct cfg_port *cp, const struct port_rt *p)
{
	struct rte_eth_link link;

	if (cp->iface[0] != '\0')
		return iface_running(cp->iface);
	if (rte_eth_link_get_nowait(p->port_id, &link) != 0)
		return false;
	return link.link_status == RTE_ETH_LINK_UP;
}

uint32_t port_speed(const struct port_rt *p)
{
	struct rte_eth_link link;

	if (rte_eth_link_get_nowait(p->port_id, &link) != 0 ||
	    link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN)
		return 0;
	return link.link_speed;
}
