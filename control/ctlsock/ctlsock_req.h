/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket's wire layer, free of the daemon so it can be tested
 * alone: framing of newline-delimited requests, the command table, and
 * validation of a request into typed arguments. A request that leaves this
 * layer is well formed; only facts that need the running daemon (does this
 * port exist, is this prefix registered) are left to the handlers.
 */
#ifndef PEERFWD_CTLSOCK_REQ_H
#define PEERFWD_CTLSOCK_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <rte_ether.h>

#include "control/prefix/prefix.h"
#include "dataplane/fwd/fwd.h"

#define CTLSOCK_API_VERSION  1
#define CTLSOCK_MAX_REQUEST  (64 * 1024) /* bytes in one request line, newline excluded */
#define CTLSOCK_NAME_LEN     32
#define CTLSOCK_CUSTOMER_LEN 64
#define CTLSOCK_PATH_LEN     4096
#define CTLSOCK_LIST_DEFAULT 100
#define CTLSOCK_LIST_MAX     1000

/* Error codes: stable strings scripts may match on. */
#define CTLSOCK_E_BAD_JSON	   "bad_json"
#define CTLSOCK_E_BAD_REQUEST	   "bad_request"
#define CTLSOCK_E_TOO_LARGE	   "request_too_large"
#define CTLSOCK_E_UNKNOWN_COMMAND  "unknown_command"
#define CTLSOCK_E_INVALID_ARGUMENT "invalid_argument"
#define CTLSOCK_E_NOT_FOUND	   "not_found"
#define CTLSOCK_E_EXISTS	   "exists"
#define CTLSOCK_E_READ_ONLY	   "read_only"	    /* owned by the config file */
#define CTLSOCK_E_INVALID_CONFIG   "invalid_config" /* config.check: message is FILE:LINE: ... */
#define CTLSOCK_E_BUSY		   "busy"
#define CTLSOCK_E_RESTART_REQUIRED "restart_required" /* config.reload: message names what */
#define CTLSOCK_E_INTERNAL	   "internal"
#define CTLSOCK_E_NOT_CONFIGURED   "not_configured" /* the config has no such section (bgp) */
#define CTLSOCK_E_UNSUPPORTED	   "unsupported"    /* the peer can't do it (soft reset) */

struct ctlsock_err {
	const char *code; /* one of CTLSOCK_E_* */
	char message[256];
};

/* Sets err and returns -1, so validators can `return ctlsock_err_set(...)`. */
int ctlsock_err_set(struct ctlsock_err *err, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

enum ctlsock_cmd_id {
	CTLSOCK_CMD_HELP,
	CTLSOCK_CMD_VERSION,
	CTLSOCK_CMD_STATUS,
	CTLSOCK_CMD_PORTS,
	CTLSOCK_CMD_WORKERS,
	CTLSOCK_CMD_DROPS,
	CTLSOCK_CMD_PREFIX_REGISTER,
	CTLSOCK_CMD_PREFIX_UNREGISTER,
	CTLSOCK_CMD_PREFIX_LIST,
	CTLSOCK_CMD_ROUTE_LOOKUP,
	CTLSOCK_CMD_ROUTE_LIST,
	CTLSOCK_CMD_LINK_SET,
	CTLSOCK_CMD_FAILOVER_HISTORY,
	CTLSOCK_CMD_TIER_FORCE,
	CTLSOCK_CMD_TIER_RELEASE,
	CTLSOCK_CMD_CONFIG_CHECK,
	CTLSOCK_CMD_CONFIG_RELOAD,
	CTLSOCK_CMD_METRICS,
	CTLSOCK_CMD_PEERING_LIST,
	CTLSOCK_CMD_PEERING_STATS,
	CTLSOCK_CMD_PEER_RESET,
	CTLSOCK_CMD_PEER_SET_POLICY,
	CTLSOCK_CMD_ROUTE_ADD,
	CTLSOCK_CMD_ROUTE_DEL,
	CTLSOCK_CMD_PEERING_ADD,
	CTLSOCK_CMD_PEERING_REMOVE,
	CTLSOCK_CMD_PEERING_CONVERT,
	CTLSOCK_CMD_LINK_ADD,
	CTLSOCK_CMD_LINK_REMOVE,
	CTLSOCK_CMD_BFD_LIST,
	CTLSOCK_CMD_PEER_GSHUT,
	CTLSOCK_CMD__MAX,
};

#define CTLSOCK_MD5_LEN 80 /* TCP_MD5SIG_MAXKEYLEN */

/* A BGP peering as peering.add and the state file (peerings.json) give
 * it: names still to resolve against the config. */
struct ctlsock_peering {
	char name[CTLSOCK_NAME_LEN];
	char port[CTLSOCK_NAME_LEN];
	char policy[CTLSOCK_NAME_LEN];
	struct ip_addr addr;
	uint32_t remote_as;
	uint16_t hold_time;	/* 0 or 3..65535, default 90 */
	uint16_t connect_retry; /* 1..65535 s, default 5 */
	/* 3..65535 s; 0 (absent): the default (cfg_bgp_peer's) */
	uint16_t open_hold_time, send_hold_time;
	bool passive, ttl_security;
	bool ipv4, ipv6; /* "families", default: the address's */
	char md5[CTLSOCK_MD5_LEN + 1];
};

/* Validate a peering object (keys: those of peering.add, plus "cmd" and
 * "id" when allow_cmd). 0, or -1 with err set. */
int ctlsock_peering_parse(const json_t *obj, bool allow_cmd, struct ctlsock_peering *out,
			  struct ctlsock_err *err);

#define CTLSOCK_MAX_ADDRS  8   /* CFG_MAX_ADDRS */
#define CTLSOCK_DEVICE_LEN 256 /* cfg_port.device */
#define CTLSOCK_IFACE_LEN  16  /* IF_NAMESIZE */

/* A port as link.add gives it, checked for form: the device string is a
 * PCI address or a net_* vdev (af_packet/af_xdp ones with iface=). */
struct ctlsock_link {
	char name[CTLSOCK_NAME_LEN];
	char device[CTLSOCK_DEVICE_LEN];
	bool is_pci;
	char iface[CTLSOCK_IFACE_LEN]; /* "" when the device has none */
	enum pf_tier tier;	       /* TIER__MAX: none */
	bool has_mac;
	struct rte_ether_addr mac;
	unsigned n_addrs;
	struct prefix addrs[CTLSOCK_MAX_ADDRS];
	/* an exception path (control/daemon/exception.h): default for PCI;
	 * its TAP's name ("pf-" and the name unless given) */
	bool exception;
	char exception_iface[CTLSOCK_IFACE_LEN];
};

/* Validate a link object: link.add's request, or an entry of links.json
 * (other keys are not looked at). 0, or -1 with err set. */
int ctlsock_link_parse(const json_t *obj, struct ctlsock_link *out, struct ctlsock_err *err);

/* A request after validation: the command and its typed arguments. */
struct ctlsock_req {
	const struct ctlsock_cmd_spec *cmd;
	json_t *id; /* optional client tag, echoed in the answer (owned) */
	union {
		struct {
			struct prefix prefix;
			char customer[CTLSOCK_CUSTOMER_LEN];
		} reg; /* prefix.register, prefix.unregister */
		struct {
			struct ip_addr addr;
		} lookup;
		struct {
			int family; /* 0: both */
			uint32_t cursor;
			unsigned limit;
		} list; /* route.list, prefix.list, failover.history */
		struct {
			char port[CTLSOCK_NAME_LEN];
			bool down;
		} link;
		struct {
			enum pf_tier tier;
		} tier;
		struct {
			char path[CTLSOCK_PATH_LEN]; /* "": the running config's file */
		} check;
		struct {
			char name[CTLSOCK_NAME_LEN];
			char policy[CTLSOCK_NAME_LEN]; /* peer.set_policy */
			bool soft;		       /* peer.reset */
			bool on;		       /* peer.graceful_shutdown */
		} peer; /* peering.stats, peer.reset, peer.set_policy, peering.remove,
			 * peering.convert */
		struct {
			struct prefix prefix;
			char pathgroup[CTLSOCK_NAME_LEN]; /* route.add */
		} route;				  /* route.add, route.del */
		struct ctlsock_peering peering;		  /* peering.add */
		struct ctlsock_link link_add;		  /* link.add; link.remove: name */
	};
};

struct ctlsock_cmd_spec {
	const char *name;
	enum ctlsock_cmd_id id;
	bool mutating; /* changes state: logged with the peer's credentials */
	const char *help;
	const char *const *keys; /* arguments accepted besides "cmd" and "id" */
	int (*parse)(const json_t *req, struct ctlsock_req *out, struct ctlsock_err *err);
};

extern const struct ctlsock_cmd_spec ctlsock_cmds[CTLSOCK_CMD__MAX];

const struct ctlsock_cmd_spec *ctlsock_cmd_find(const char *name);

/*
 * Validate one request line (without its newline) into *out. 0, or -1 with
 * err set. On success the caller owns out->id: ctlsock_req_fini().
 */
int ctlsock_req_parse(const char *line, size_t len, struct ctlsock_req *out,
		      struct ctlsock_err *err);
void ctlsock_req_fini(struct ctlsock_req *req);

/* Answers, each one line of JSON ending in '\n' (malloc'd, or NULL when out
 * of memory). ok takes a reference to neither argument. */
char *ctlsock_answer_ok(const json_t *result, const json_t *id);
char *ctlsock_answer_err(const struct ctlsock_err *err, const json_t *id);

/*
 * Framing: bytes from a client accumulate in a linebuf; ctlsock_linebuf_next
 * hands out complete lines. A line longer than CTLSOCK_MAX_REQUEST is an
 * error (the stream can't be resynchronised: the caller closes it).
 */
struct ctlsock_linebuf {
	char *buf;
	size_t len, cap, start;
};

/* Space to read into (at least 1 byte), or NULL when the buffer is full of
 * a too-large request or out of memory. */
char *ctlsock_linebuf_space(struct ctlsock_linebuf *lb, size_t *avail);
void ctlsock_linebuf_commit(struct ctlsock_linebuf *lb, size_t n);
/* 1 and line, len (no newline, NUL-terminated in place) for a complete
 * line; 0 when more bytes are needed; -EMSGSIZE when the pending line is
 * too long. */
int ctlsock_linebuf_next(struct ctlsock_linebuf *lb, char **line, size_t *len);
void ctlsock_linebuf_free(struct ctlsock_linebuf *lb);

const char *ctlsock_tier_name(enum pf_tier t); /* "primary", "local", "geo", "none" */

#endif
