/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The running daemon as the control thread sees it: config, ports, the
 * forwarding tables it alone writes, workers and their counters. The
 * control socket, telemetry and BGP act on it through these functions,
 * all called on the control thread (telemetry callbacks take d->lock).
 */
#ifndef PEERFWD_DAEMON_H
#define PEERFWD_DAEMON_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "control/config/config.h"
#include "control/daemon/exception.h"
#include "control/ev/ev.h"
#include "control/routes/routes.h"
#include "dataplane/fwd/fwd.h"
#include "dataplane/worker/worker.h"
#include "drivers/port.h"
#include "drivers/xdp.h"

#define PF_FAILOVER_HISTORY 256

struct pf_link {
	bool carrier;	  /* physical / kernel interface state */
	bool admin_down;  /* forced down by an operator (maintenance) */
	bool alive;	  /* what the workers see: carrier && !admin_down */
	uint64_t changes; /* alive transitions */
	uint64_t last_change_ms;
};

struct pf_failover_event {
	struct timespec when;	      /* CLOCK_REALTIME */
	unsigned port;		      /* config port index */
	char port_name[CFG_NAME_LEN]; /* the slot may hold another port later */
	enum pf_tier tier;
	char nexthop[CFG_NAME_LEN]; /* "" for the link; else the next hop that */
	bool alive;		    /* became usable or not on it */
	char reason[48];
};

struct daemon {
	struct config cfg;
	char config_path[4096];
	struct fwd_tables tables;
	struct routes *routes;
	struct rte_mempool *mp;
	struct rte_ring *punt;
	struct ev_loop *ev;
	struct bgp *bgp;      /* control/bgp, NULL without a bgp section */
	struct neigh *neigh;  /* control/daemon/neigh.c, NULL when not started */
	struct bfd *bfd;      /* control/bfd, NULL without BFD sessions */
	pthread_mutex_t lock; /* control thread vs telemetry thread */

	unsigned n_ports;
	struct port_rt port[PF_MAX_PORTS];
	struct pf_link link[PF_MAX_PORTS];
	struct pf_exception exc[PF_MAX_PORTS]; /* exception.h: TAPs of PCI ports */
	struct xdp_port xdp[PF_MAX_PORTS];     /* xdp_local.h: af_xdp ports' XDP maps */
	uint16_t nh_id[PF_MAX_NEXTHOPS];       /* config next hop -> fwd next hop, NH_NONE */
	uint16_t pg_id[PF_MAX_PATHGROUPS];     /* config path group -> fwd path group */

	unsigned n_workers;
	struct worker worker[16];
	struct pf_lcore_counters *ctr[16];
	volatile bool workers_quit;

	uint64_t punted, punt_arp, punt_ipv4, punt_ipv6, punt_other;
	/* The BGP peers' addresses, kept by control/bgp (bgp_nbrs_publish)
	 * for daemon_nbrs_update. */
	unsigned n_bgp_nbr;
	struct fwd_nbr bgp_nbr[CFG_BGP_MAX_PEERS];
	struct pf_failover_event history[PF_FAILOVER_HISTORY];
	uint64_t n_history;
	time_t started;
	volatile bool quit;
};

/* Re-evaluate a link after carrier or admin changes; one store moves all
 * traffic using it. reason is logged and kept in the failover history. */
void daemon_link_update(struct daemon *d, unsigned port, const char *reason);
int daemon_link_admin(struct daemon *d, unsigned port, bool down);

/*
 * link.add / link.remove (control thread, without d->lock; the control
 * socket makes added links durable, see ctlsock_state_save_links).
 * add: validate p against the running ports, probe its device (a vdev
 * string or a PCI address), start it with 1 rx queue polled by the least
 * loaded worker and one tx queue per worker, route its addresses as local.
 * The port is marked managed. Returns the new port's index, or -errno with
 * err set (-EEXIST name or device taken, -ENOSPC no room, -ENOMEM mbufs,
 * other: device failure).
 * remove: any port; -ENOENT unknown, -EBUSY a next hop or BGP peering uses
 * it; else off the workers, a QSBR grace period, link down, local
 * addresses unrouted, stopped and detached. Its slot stays, marked removed
 * (cfg_port.removed): indexes are link ids and never move.
 */
int daemon_link_add(struct daemon *d, const struct cfg_port *p, char *err, size_t len);
/* What worker w needs of a started port before it polls it: its MAC (echo
 * filter, ICMP errors' source MAC), its MTU, and the addresses its ICMP
 * errors come from (its first IPv4 address, its first IPv6 address that is
 * not link-local). w->min_mtu starts at UINT16_MAX. */
void daemon_worker_port(struct worker *w, const struct cfg_port *cp, const struct port_rt *rt);
int daemon_link_remove(struct daemon *d, const char *name, char *err, size_t len);

/* The forwarding next hop for next hop i of cfg (d->cfg or a config being
 * reloaded) as things stand: its static MAC or the one the neighbour table
 * gave (else NH_F_NOMAC, neigh.h), NH_F_DOWN while BFD holds it down
 * (control/bfd/bfd.h). */
void daemon_nexthop_make(const struct daemon *d, const struct config *cfg, unsigned i,
			 struct nexthop *nh);
/* Publish what daemon_nexthop_make says for next hop i of d->cfg if the
 * workers see something else: a new next hop swapped into every group
 * naming the old one, which is freed after a grace period (a worker never
 * reads half a MAC). 1 changed, 0 nothing to change, or -errno (unchanged).
 * A change of usable or not goes to the failover history with why.
 * Takes d->lock. */
int daemon_nexthop_refresh(struct daemon *d, unsigned i, const char *why);

/* One neighbour for daemon_nbrs_update, at address a. */
static inline struct fwd_nbr daemon_nbr(const struct ip_addr *a, uint32_t flags)
{
	struct fwd_nbr n = {.v6 = a->family == AF_INET6, .flags = flags};

	memcpy(n.addr, a->bytes, sizeof(n.addr));
	return n;
}

/* Publish the control-plane neighbours (fwd_nbrs_set: their BGP, BFD, ARP
 * and ND pass the punt rate): every next hop of d->cfg, with its MAC when
 * it has one (static or resolved: neigh_mac), and d->bgp_nbr. Call after
 * any of them changes, without d->lock (it waits for the workers' next
 * quiescent state when the set changed). */
void daemon_nbrs_update(struct daemon *d);

/* Sum every worker's counters (control or telemetry thread). */
void daemon_counters(const struct daemon *d, struct pf_lcore_counters *out);

/* Apply config routes, next hops, path groups, registered prefixes and
 * local addresses to fresh tables. Errors go to err. */
int daemon_program(struct daemon *d, char *err, size_t errlen);

int daemon_telemetry_init(struct daemon *d);

/*
 * config.reload: re-read d->config_path and move the running tables to it
 * (next hops, path groups, static routes, config registrations, the
 * unregistered policy) without a moment in which traffic loses its path.
 * Call on the control thread without d->lock (taken around the changes).
 *
 *   0            applied (out says what changed)
 *   -EINVAL      the file does not load; err is "FILE:LINE: SETTING: ...";
 *                or a next hop in it names a port removed with link remove
 *   -EOPNOTSUPP  something only a restart can change (ports, workers, EAL
 *                arguments, FIB sizes, main lcore, socket, state dir, bgp);
 *                err names it; nothing changed
 *   other -errno tables full or out of memory; err says whether anything
 *                was applied
 */
#define RELOAD_MAX_NOTES 8

struct reload_summary {
	bool applied; /* the file's config runs now (also when ret < 0: partly) */
	unsigned nexthops_added, nexthops_changed, nexthops_removed;
	unsigned pathgroups_added, pathgroups_changed, pathgroups_removed;
	unsigned routes_added, routes_changed, routes_removed;
	unsigned registered_added, registered_removed;
	unsigned registered_adopted; /* managed before, listed by the config now */
	bool unregistered_changed;
	unsigned nexthops_held; /* removed from the file, still named by BGP path groups */
	unsigned n_notes;	/* things a person should know, e.g. not applied */
	char notes[RELOAD_MAX_NOTES][160];
};

int daemon_reload(struct daemon *d, char *err, size_t errlen, struct reload_summary *out);
/* daemon_reload with the outcome logged (for SIGHUP). */
int daemon_reload_log(struct daemon *d);

#endif
