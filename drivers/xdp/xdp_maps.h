/* SPDX-License-Identifier: BSD-3-Clause */
/* What the XDP program (peerfwd_xdp.bpf.c) and drivers/xdp.c share. */
#ifndef PEERFWD_XDP_MAPS_H
#define PEERFWD_XDP_MAPS_H

#define XDP_MAX_QUEUES 64  /* xsks_map: AF_XDP sockets by rx queue */
#define XDP_MAX_LOCAL  256 /* pf_local: PF_MAX_PORTS x CFG_MAX_ADDRS */

/* pf_local's key: an address of the box, IPv4 ones as ::ffff:a.b.c.d. */
struct xdp_local_key {
	__u8 addr[16];
};

/* pf_xdp_stats: frames the program passed each way (per CPU). */
enum {
	XDP_STAT_KERNEL = 0,	/* control traffic, to the kernel */
	XDP_STAT_DATAPLANE = 1, /* to the AF_XDP socket */
	XDP_STAT_NO_SOCKET = 2, /* for the dataplane, but its queue had no socket */
	XDP_STAT__MAX,
};

#endif
