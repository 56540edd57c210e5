/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread's view of what the FIB must hold, and the code that
 * keeps the FIB so. Three kinds of prefixes meet here:
 *
 *   routes      prefix -> path group, from the config (static) or BGP
 *   registered  customer prefixes; traffic inside them is forwarded and
 *               counted per prefix, traffic outside follows the
 *               unregistered policy
 *   local       the box's own addresses: punted to the control thread
 *
 * Every such prefix is one FIB entry whose value is a dest id. A dest is
 * the triple (path group, flags, registered index), interned and
 * refcounted, so a million routes need only as many dests as there are
 * distinct triples. A registered prefix with no route of its own inherits
 * the path group of the longest route covering it; a route inside a
 * registered prefix is flagged registered and counted under it.
 */
#ifndef PEERFWD_ROUTES_H
#define PEERFWD_ROUTES_H

#include <stdbool.h>
#include <stdint.h>

#include "control/prefix/prefix.h"
#include "dataplane/fwd/fwd.h"

#define ROUTES_NO_REG UINT32_MAX

enum route_source {
	ROUTE_STATIC = 0, /* config file: wins over BGP */
	ROUTE_BGP = 1,
	ROUTE__SOURCES,
};

struct routes;

struct routes_conf {
	uint32_t max_entries; /* routes + registered + local, both families */
};

struct routes *routes_create(struct fwd_tables *t, const struct routes_conf *conf);
void routes_free(struct routes *r);

/*
 * Path groups: the id of the group with these next hops in this order,
 * created on first use and shared after (refcounted). 0 or -errno.
 */
int routes_pathgroup_get(struct routes *r, const uint16_t *nh, unsigned n, uint16_t *pg);
void routes_pathgroup_put(struct routes *r, uint16_t pg);
/*
 * Every group naming next hop old_id names new_id instead, each with one
 * store (a neighbour's MAC learnt or lost: see control/daemon/neigh.c).
 * The number of groups changed, or -errno with every group as it was.
 */
int routes_nexthop_replace(struct routes *r, uint16_t old_id, uint16_t new_id);
/* Members of pg, or 0 when pg is unused. */
unsigned routes_pathgroup_members(const struct routes *r, uint16_t pg, uint16_t nh[PF_PG_MEMBERS]);

/* Routes. set replaces the source's previous path group for p. */
int routes_set(struct routes *r, const struct prefix *p, enum route_source src, uint16_t pg);
int routes_unset(struct routes *r, const struct prefix *p, enum route_source src);

/* Registered prefixes; idx is the per-prefix counter slot. */
int routes_register(struct routes *r, const struct prefix *p, const char *customer, uint32_t *idx);
int routes_unregister(struct routes *r, const struct prefix *p);

/* The box's own addresses (host routes, punted). */
int routes_local_add(struct routes *r, const struct ip_addr *a);
/* Undo routes_local_add (link.remove); -ENOENT when a is not local. */
int routes_local_del(struct routes *r, const struct ip_addr *a);

struct registered_info {
	struct prefix prefix;
	char customer[64];
	uint32_t idx;	   /* counter slot */
	bool routed;	   /* a route covers it (its own or a shorter one) */
	struct prefix via; /* that route */
	uint16_t pg;	   /* that route's path group */
};

unsigned routes_registered_count(const struct routes *r);
/* Calls cb for every registered prefix; stops early if cb returns non-zero. */
int routes_registered_foreach(const struct routes *r,
			      int (*cb)(const struct registered_info *, void *), void *arg);
int routes_registered_get(const struct routes *r, const struct prefix *p,
			  struct registered_info *out);

struct route_info {
	struct prefix prefix;
	bool has_route;
	enum route_source source; /* winning source when has_route */
	uint16_t pg;		  /* effective path group, PG_NONE if none */
	bool registered, local;
	uint32_t reg_idx;
	uint32_t dest;
};

/* Longest match for an address over the control-side entries (what the
 * FIB answers), or -ENOENT. */
int routes_lookup(const struct routes *r, const struct ip_addr *a, struct route_info *out);
/* Entries in insertion-slot order from *cursor (start at 0); returns how many
 * were written, sets *cursor for the next page (0 at the end). family 0: both. */
unsigned routes_list(const struct routes *r, int family, uint32_t *cursor, struct route_info *out,
		     unsigned max);
uint32_t routes_count(const struct routes *r, int family);

#endif
