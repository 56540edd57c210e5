/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port bring-up: one ethdev per configured port, PCI NIC or vdev (af_xdp,
 * af_packet, pcap, ring, null, tap). RSS spreads a port's rx queues over
 * the workers; every worker has its own tx queue on every port. Offloads
 * are requested only where the device reports them.
 */
#ifndef PEERFWD_PORT_H
#define PEERFWD_PORT_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mempool.h>

#include "control/config/config.h"

struct port_rt {
	uint16_t port_id;
	uint16_t n_rxq, n_txq;
	struct rte_ether_addr mac;
	uint16_t mtu;	/* L3 MTU as started (the config's mtu, or the device's default) */
	bool has_iface; /* vdev on a kernel interface: carrier read from it */
	char driver[32];
};

/*
 * The devargs that make port cp exist: its device string, and for an
 * af_xdp vdev that names no program of its own, ",xdp_prog=" and
 * cfg->xdp_program (unless that is ""): peerfwd's XDP program, which keeps
 * the port's control traffic in the kernel (drivers/xdp.h). 0, or
 * -ENAMETOOLONG when it does not fit in len.
 */
int port_devargs(const struct config *cfg, const struct cfg_port *cp, char *buf, size_t len);

/* EAL arguments that make the ports of cfg exist: "--vdev X" per vdev,
 * "-a BDF" per PCI NIC. Appends to argv from *argc; returns 0 or -E2BIG. */
int port_eal_args(const struct config *cfg, char **argv, int *argc, int max);

#define PORT_DEVARGS_LEN                                                                           \
	(RTE_SIZEOF_FIELD(struct cfg_port, device) + sizeof(",xdp_prog=") +                        \
	 RTE_SIZEOF_FIELD(struct config, xdp_program))

/* Configure and start cfg->ports[i]. Errors are explained in err. */
int port_start(const struct config *cfg, unsigned i, uint16_t n_rxq, uint16_t n_txq,
	       struct rte_mempool *mp, struct port_rt *out, char *err, size_t errlen);
void port_stop(struct port_rt *p);

/* Carrier of a started port: kernel interface flags for af_packet/af_xdp
 * vdevs (which report their link as always up), ethdev link otherwise. */
bool port_carrier(const struct cfg_port *cp, const struct port_rt *p);
/* Link speed in Mb/s, 0 if unknown. */
uint32_t port_speed(const struct port_rt *p);

#endif
