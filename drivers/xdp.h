/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The XDP program of AF_XDP ports (drivers/xdp/peerfwd_xdp.bpf.c): DPDK's
 * af_xdp PMD loads and attaches it when the port's devargs name it
 * (xdp_prog=, added by port_devargs). It keeps the port's control traffic
 * in the kernel, on the port's own interface, and sends the transit
 * traffic to the workers. This side finds its maps on the interface, keeps
 * pf_local (the box's addresses, whose traffic the kernel keeps) up to
 * date and reads its counters.
 */
#ifndef PEERFWD_XDP_H
#define PEERFWD_XDP_H

#include <stdint.h>
#include <linux/types.h>

#include "control/prefix/prefix.h"
#include "drivers/xdp/xdp_maps.h"

#define XDP_PROG_NAME "peerfwd_xdp"

/* The maps of the program on one interface; fds -1 when closed. */
struct xdp_port {
	int local_fd, stats_fd;
};

static inline void xdp_port_init(struct xdp_port *x)
{
	x->local_fd = x->stats_fd = -1;
}

static inline bool xdp_port_on(const struct xdp_port *x)
{
	return x->local_fd >= 0;
}

/* The maps of peerfwd's program attached to iface: 0, -ENOENT when the
 * program there is none or another one, other -errno. */
int xdp_port_open(const char *iface, struct xdp_port *x);
void xdp_port_close(struct xdp_port *x);
/* Take peerfwd's program off iface where a daemon that died left it (the
 * af_xdp PMD attaches only where no program is): 1 one was taken off, 0
 * none of ours was there, -errno. Programs of other names stay. */
int xdp_detach_stale(const char *iface);
/* pf_local := a[0..n) (IPv4 and IPv6). 0, -E2BIG above XDP_MAX_LOCAL, or
 * -errno (then partly set). */
int xdp_local_set(const struct xdp_port *x, const struct ip_addr *a, unsigned n);
/* A verdict's name in peerctl ports and the metrics: "to_kernel",
 * "to_workers", "no_socket". */
const char *xdp_stat_name(unsigned stat);
/* The frames the program sent each way, over all CPUs. 0 or -errno. */
int xdp_stats(const struct xdp_port *x, uint64_t out[XDP_STAT__MAX]);

#endif
