/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's configuration as parsed from a libconfig file. Parsing
 * validates everything (names resolve, prefixes are well formed, limits
 * hold) and needs no DPDK: the daemon checks its config before it touches
 * any port. Errors name the file, the line and the setting.
 */
#ifndef PEERFWD_CONFIG_H
#define PEERFWD_CONFIG_H

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <rte_ether.h>

#include "control/bfd/bfd_proto.h"
#include "control/prefix/prefix.h"
#include "dataplane/fwd/fwd.h"

#define CFG_NAME_LEN	 32
#define CFG_MAX_ADDRS	 8
#define CFG_MAX_RXQ	 16
#define CFG_MAX_EAL_ARGS 32

struct cfg_port {
	char name[CFG_NAME_LEN];
	char device[256]; /* PCI address "0000:01:00.0" or vdev "net_af_packet0,iface=x" */
	bool is_pci;
	char iface[IF_NAMESIZE]; /* kernel interface of an af_xdp/af_packet vdev ("" if none) */
	/* The exception path (control/daemon/exception.c): a TAP interface that
	 * carries the port's addresses and control traffic (BGP, BFD, ARP, ND)
	 * for a port whose frames no kernel sees (PCI ports, by default). */
	bool exception;
	/* The kernel interface whose sockets and neighbour table serve the port:
	 * the exception TAP, else iface ("" if none). */
	char kiface[IF_NAMESIZE];
	enum pf_tier tier; /* role of the link this port carries; TIER__MAX: none
			    * (a traffic-source port that is no carrier link) */
	bool has_mac;
	struct rte_ether_addr mac; /* override the port's own MAC */
	uint16_t vlan;		   /* 0: untagged */
	uint16_t n_rxq;		   /* rx queues = RSS spread; defaults to the workers polling it */
	uint16_t mtu;		   /* 0: device default */
	unsigned n_addrs;
	struct prefix addrs[CFG_MAX_ADDRS]; /* the box's own addresses on this link */
	int line;
	/* Run time only (control/daemon/link.c): a port's index is its link id
	 * and never moves, so a removed port leaves its slot behind. */
	bool managed; /* added over the control socket (links.json), not the file */
	bool removed; /* removed at run time: no device, no name lookups */
};

struct cfg_rxq {
	uint16_t port; /* index into cfg.ports */
	uint16_t queue;
};

struct cfg_worker {
	unsigned lcore;
	unsigned n_rxq;
	struct cfg_rxq rxq[CFG_MAX_RXQ];
};

struct cfg_nexthop {
	char name[CFG_NAME_LEN];
	uint16_t port; /* index into cfg.ports */
	struct ip_addr addr;
	bool has_mac; /* false: from the kernel's neighbour table (daemon/neigh.c) */
	struct rte_ether_addr mac;
	bool bfd;		  /* a BFD session to addr (control/bfd) */
	uint32_t bfd_interval_ms; /* desired min TX = required min RX */
	uint32_t bfd_multiplier;
	struct bfd_auth bfd_auth; /* bfd_auth, bfd_key_id, bfd_secret; type 0: none */
};

#define CFG_BFD_INTERVAL_MS 300
#define CFG_BFD_MULTIPLIER  3

struct cfg_pathgroup {
	char name[CFG_NAME_LEN];
	unsigned n_members;
	uint16_t members[PF_PG_MEMBERS]; /* indexes into cfg.nexthops, preference order */
};

struct cfg_route {
	struct prefix prefix;
	uint16_t pathgroup; /* index into cfg.pathgroups */
};

struct cfg_registered {
	struct prefix prefix;
	char customer[64];
};

/* BGP (control/bgp): limits of the lab-to-edge scale peerfwd targets. */
#define CFG_BGP_MAX_PEERS    32
#define CFG_BGP_MAX_POLICIES 16
#define CFG_BGP_MAX_SERVICE  64
#define CFG_BGP_MD5_LEN	     80 /* TCP_MD5SIG_MAXKEYLEN */

/* Per-peer timer defaults, s: the hold time while OpenSent (RFC 4271 8.2.2
 * suggests 4 minutes) and the send hold time's floor (RFC 9687: 8 minutes). */
#define CFG_BGP_OPEN_HOLD_S 240
#define CFG_BGP_SEND_HOLD_S 480

/* Import policy of a group of peers. */
struct cfg_bgp_policy {
	char name[CFG_NAME_LEN];
	uint32_t max_prefixes;	/* 0: no limit; more: Cease 6/1 (RFC 4486) */
	uint32_t restart_after; /* seconds after a max-prefix Cease; 0: stay down */
	uint8_t min_len4, max_len4, min_len6, max_len6; /* accepted prefix lengths */
	bool bogons;			    /* reject RFC 7454 special-purpose prefixes */
	uint32_t local_pref[TIER__MAX + 1]; /* by tier of the peer's port */
};

struct cfg_bgp_peer {
	char name[CFG_NAME_LEN];
	uint16_t port; /* index into cfg.ports: its tier ranks the peer's routes */
	struct ip_addr addr;
	uint32_t remote_as;
	int policy;		/* index into bgp.policies; -1: none (RFC 8212: eBGP denied) */
	uint16_t hold_time;	/* 0 or 3..65535 s */
	uint16_t connect_retry; /* s */
	bool passive;		/* wait for the peer to connect */
	char md5[CFG_BGP_MD5_LEN + 1]; /* TCP MD5 signature key (RFC 2385), "" none */
	bool ttl_security;	       /* RFC 5082 GTSM */
	bool ipv4, ipv6;	       /* address families (MP capabilities) */
	/* RFC 4271 8.2.2: the hold time while OpenSent, 3..65535 s; 0 (a peer
	 * from the control socket): CFG_BGP_OPEN_HOLD_S. */
	uint16_t open_hold_time;
	/* RFC 9687: how long our output may stay stuck, 3..65535 s; 0: the
	 * RFC's default, max(CFG_BGP_SEND_HOLD_S, 2 x the negotiated hold). */
	uint16_t send_hold_time;
};

struct cfg_bgp {
	bool enabled; /* a bgp section is present */
	uint32_t asn;
	uint32_t router_id; /* host order */
	unsigned n_service;
	struct prefix service[CFG_BGP_MAX_SERVICE]; /* announced to every peer, next hop self */
	unsigned n_policies;
	struct cfg_bgp_policy policies[CFG_BGP_MAX_POLICIES];
	unsigned n_peers;
	struct cfg_bgp_peer peers[CFG_BGP_MAX_PEERS];
};

/* Carriers are polled this often (ms) besides the kernel's link events. */
#define CFG_LINK_POLL_MS 10
#define CFG_ICMP_RATE	 1000 /* ICMP errors a second per worker (Linux's icmp_msgs_per_sec) */
/* The XDP program's object as built in PEERFWD_BUILD_DIR and as installed
 * (meson defines them), for xdp_program's default (config_xdp_default). */
#ifndef PEERFWD_XDP_PROG_INSTALLED
#define PEERFWD_XDP_PROG_INSTALLED "/usr/local/lib/peerfwd/peerfwd_xdp.o"
#endif
#ifndef PEERFWD_XDP_PROG
#define PEERFWD_XDP_PROG PEERFWD_XDP_PROG_INSTALLED
#endif
#ifndef PEERFWD_BUILD_DIR
#define PEERFWD_BUILD_DIR "/nonexistent"
#endif
#define CFG_PUNT_RATE 2000 /* punts other than the neighbours' sessions a second per worker */
/* The neighbours' sessions that may come from off the link (BGP without TTL
 * 255, multihop BFD) a second per worker. */
#define CFG_PEER_PUNT_RATE 50000

struct config {
	char path[4096];
	char ctl_socket[108]; /* control socket path */
	char state_dir[256];  /* durable state (managed peerings, registrations) */
	unsigned n_eal_args;
	char *eal_args[CFG_MAX_EAL_ARGS]; /* extra EAL arguments, owned */
	unsigned main_lcore;
	uint32_t n_mbufs;      /* packet buffers; 0: sized from ports and workers */
	uint32_t link_poll_ms; /* carrier poll interval (CFG_LINK_POLL_MS) */
	uint32_t icmp_rate;    /* time exceeded errors a second per worker; 0: none */
	uint32_t punt_rate;    /* punts but neighbours' sessions a second per worker; 0: no limit */
	uint32_t peer_punt_rate; /* neighbours' sessions maybe from off the link, the same */
	/* The XDP program af_xdp ports load (drivers/xdp.h), an absolute path;
	 * "": the af_xdp PMD's own, which gives every frame to the workers. */
	char xdp_program[256];

	uint32_t max_routes4, n_tbl8_4, max_routes6, n_groups6;

	unsigned n_ports;
	struct cfg_port ports[PF_MAX_PORTS];
	unsigned n_workers;
	struct cfg_worker workers[16];
	unsigned n_nexthops;
	struct cfg_nexthop *nexthops;
	unsigned n_pathgroups;
	struct cfg_pathgroup *pathgroups;
	unsigned n_routes;
	struct cfg_route *routes;
	unsigned n_registered;
	struct cfg_registered *registered;

	enum pf_unreg_policy unreg_policy;
	uint16_t unreg_pathgroup; /* index into cfg.pathgroups when UNREG_PATHGROUP */

	struct cfg_bgp bgp;
};

/*
 * Parse and validate path into *cfg. Returns 0, or -1 after writing one
 * human-readable error, "FILE:LINE: SETTING: what is wrong", into err.
 */
int config_load(const char *path, struct config *cfg, char *err, size_t errlen);
void config_free(struct config *cfg);
/* xdp_program's default into buf: the build tree's object
 * (PEERFWD_XDP_PROG) for a peerfwd run from PEERFWD_BUILD_DIR, else the
 * installed one (PEERFWD_XDP_PROG_INSTALLED). */
void config_xdp_default(char *buf, size_t len);
/* A name an interface may have and a devargs string may carry: 1..15 of
 * letters, digits, '-', '_', '.' (the control socket checks it too). */
static inline bool config_iface_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= IF_NAMESIZE)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}
/* The exception TAP's name for a port without exception_iface: "pf-" and
 * the port's name; false when that is longer than an interface name. */
static inline bool config_tap_default(const char *port_name, char tap[IF_NAMESIZE])
{
	return snprintf(tap, IF_NAMESIZE, "pf-%s", port_name) < IF_NAMESIZE;
}
/* The present port whose device interface or control interface (iface,
 * kiface) is ifname, or -1. */
int config_iface_owner(const struct config *cfg, const char *ifname);
/* Index of the named port / path group / next hop, or -1 (removed ports
 * have no name). */
int config_port_index(const struct config *cfg, const char *name);
/* Port i exists and is not removed. */
/* Whether port cp is an af_xdp vdev that loads cfg->xdp_program: it names
 * no xdp_prog= of its own, and the config does not turn it off (""). */
static inline bool config_xdp_ours(const struct config *cfg, const struct cfg_port *cp)
{
	return strncmp(cp->device, "net_af_xdp", 10) == 0 &&
	       strstr(cp->device, ",xdp_prog=") == NULL && cfg->xdp_program[0] != '\0';
}

static inline bool config_port_present(const struct config *cfg, unsigned i)
{
	return i < cfg->n_ports && !cfg->ports[i].removed;
}
int config_pathgroup_index(const struct config *cfg, const char *name);
int config_nexthop_index(const struct config *cfg, const char *name);
int config_bgp_policy_index(const struct config *cfg, const char *name);
int config_bgp_peer_index(const struct config *cfg, const char *name);

#endif
