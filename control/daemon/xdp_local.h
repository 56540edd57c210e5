/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AF_XDP ports that load peerfwd's XDP program (drivers/xdp.h): their
 * control traffic stays in the kernel, on the port's own interface, by
 * the box's addresses that the program's pf_local map holds. The daemon
 * fills every such port's map with all the box's addresses (a packet for
 * one arrives on any port: multihop BGP to a loopback, or the weak host
 * model) and refills them when a link comes or goes.
 */
#ifndef PEERFWD_XDP_LOCAL_H
#define PEERFWD_XDP_LOCAL_H

#include <stddef.h>

struct daemon;

/* Before any port starts: no port has the program's maps open. */
void xdp_local_init(struct daemon *d);
/* After port i started: its program's maps, when it loads peerfwd's, with
 * the present ports' addresses (a port link.add starts is not present
 * yet: xdp_local_sync once it is). 0 (also for a port without the
 * program) or -errno with err set: the program is not on its interface. */
int xdp_local_start(struct daemon *d, unsigned i, char *err, size_t len);
/* Before port i stops: its maps closed, the others' addresses refilled
 * without port i's (call with port i already marked removed). */
void xdp_local_stop(struct daemon *d, unsigned i);
/* Every program's pf_local := the addresses of the present ports. */
void xdp_local_sync(struct daemon *d);

#endif
