/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Next hops without a static MAC: resolved through the kernel's neighbour
 * table of their port's kernel interface (see neigh.c). Control thread.
 */
#ifndef PEERFWD_NEIGH_H
#define PEERFWD_NEIGH_H

#include <stdbool.h>

struct daemon;

/* Follow the neighbour table from now on (netlink socket and a 1 s timer on
 * d->ev). 0, or -errno: then next hops without a MAC stay unresolved. */
int neigh_start(struct daemon *d);
void neigh_stop(struct daemon *d);

struct cfg_nexthop;
struct rte_ether_addr;
/* The MAC the neighbour table gives c's address on c's port, if any. */
bool neigh_mac(const struct daemon *d, const struct cfg_nexthop *c, struct rte_ether_addr *mac);

#endif
