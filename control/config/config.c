/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config file parser. Every check happens here, at load time, so the daemon
 * never starts half configured. Errors read "FILE:LINE: SETTING: message"
 * where SETTING is a path below the peerfwd group, e.g. ports[1].device,
 * and LINE is that setting's line (its group's line when it is missing).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <libconfig.h>

#include "control/config/config.h"

#define CFG_PATH_LEN	160
#define CFG_MAX_WORKERS (sizeof(((struct config *)0)->workers) / sizeof(struct cfg_worker))
#define CFG_MTU_MIN	68
#define CFG_MTU_MAX	9728
#define CFG_VLAN_MAX	4094
#define CFG_LCORE_MAX	(RTE_MAX_LCORE - 1)

struct cfg_parse {
	struct config *cfg;
	char *err;
	size_t errlen;
	const config_setting_t *port_set[PF_MAX_PORTS];
	int poller[PF_MAX_PORTS][CFG_MAX_RXQ]; /* worker polling (port, queue), or -1 */
};

typedef int (*cfg_group_fn)(struct cfg_parse *p, const config_setting_t *g, const char *gpath);
typedef int (*cfg_string_fn)(struct cfg_parse *p, const config_setting_t *s, const char *path,
			     const char *v, void *arg);

/* --- errors and paths --- */

static unsigned setting_line(const config_setting_t *s)
{
	for (; s != NULL; s = config_setting_parent(s))
		if (config_setting_source_line(s) > 0)
			return config_setting_source_line(s);
	return 1;
}

static const char *setting_file(const struct cfg_parse *p, const config_setting_t *s)
{
	for (; s != NULL; s = config_setting_parent(s))
		if (config_setting_source_file(s) != NULL)
			return config_setting_source_file(s);
	return p->cfg->path;
}

static int __attribute__((format(printf, 4, 5)))
cfg_error(struct cfg_parse *p, const config_setting_t *s, const char *path, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(p->err, p->errlen, "%s:%u: %s: ", setting_file(p, s), setting_line(s), path);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Paths are bounded by the name lengths; a truncated one is marked "...". */
static const char *path_mark_truncated(char *buf, int n)
{
	if (n >= CFG_PATH_LEN)
		memcpy(buf + CFG_PATH_LEN - 4, "...", 4);
	return buf;
}

static const char *path_join(char *buf, const char *parent, const char *name)
{
	int n = snprintf(buf, CFG_PATH_LEN, "%s%s%s", parent, *parent != '\0' ? "." : "", name);

	return path_mark_truncated(buf, n);
}

static const char *path_index(char *buf, const char *parent, unsigned i)
{
	return path_mark_truncated(buf, snprintf(buf, CFG_PATH_LEN, "%s[%u]", parent, i));
}

/* --- typed getters: 1 found and valid, 0 absent, -EINVAL wrong --- */

static int required(struct cfg_parse *p, const config_setting_t *g, const char *gpath,
		    const char *name, int rc)
{
	char path[CFG_PATH_LEN];

	if (rc != 0)
		return rc;
	return cfg_error(p, g, path_join(path, gpath, name), "missing");
}

static int get_string(struct cfg_parse *p, const config_setting_t *g, const char *gpath,
		      const char *name, char *out, size_t outlen)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	char path[CFG_PATH_LEN];
	const char *v;

	if (s == NULL)
		return 0;
	path_join(path, gpath, name);
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return cfg_error(p, s, path, "expected a string");
	v = config_setting_get_string(s);
	if (*v == '\0')
		return cfg_error(p, s, path, "must not be empty");
	if (strlen(v) >= outlen)
		return cfg_error(p, s, path, "longer than %zu characters", outlen - 1);
	memcpy(out, v, strlen(v) + 1);
	return 1;
}

static int get_u32(struct cfg_parse *p, const config_setting_t *g, const char *gpath,
		   const char *name, uint32_t min, uint32_t max, uint32_t *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	char path[CFG_PATH_LEN];
	long long v;

	if (s == NULL)
		return 0;
	path_join(path, gpath, name);
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return cfg_error(p, s, path, "expected an integer");
	v = config_setting_get_int64(s);
	if (v < min || v > max)
		return cfg_error(p, s, path, "%lld out of range %u..%u", v, min, max);
	*out = (uint32_t)v;
	return 1;
}

/* --- structure: groups, lists, allowed keys --- */

static bool name_in(const char *name, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(name, *list) == 0)
			return true;
	return false;
}

/* Typos matter to operators: a misspelt optional setting would be ignored. */
static int check_keys(struct cfg_parse *p, const config_setting_t *g, const char *gpath,
		      const char *const *allowed)
{
	char path[CFG_PATH_LEN], known[512] = "";
	const config_setting_t *s;
	const char *name;

	for (int i = 0; (s = config_setting_get_elem(g, (unsigned)i)) != NULL; i++) {
		name = config_setting_name(s);
		if (name_in(name, allowed))
			continue;
		for (const char *const *k = allowed; *k != NULL; k++)
			snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s",
				 k == allowed ? "" : ", ", *k);
		return cfg_error(p, s, path_join(path, gpath, name),
				 "unknown setting (known here: %s)", known);
	}
	return 0;
}

static bool is_list(const config_setting_t *s, int type)
{
	return config_setting_type(s) == type ||
	       (config_setting_type(s) == CONFIG_TYPE_ARRAY && config_setting_length(s) == 0);
}

static unsigned list_len(const config_setting_t *g, const char *name)
{
	const config_setting_t *s = config_setting_get_member(g, name);

	return s != NULL && config_setting_is_aggregate(s) ? (unsigned)config_setting_length(s) : 0;
}

/* name = ( { ... }, ... ) below the group at ppath: at most max groups holding
 * only allowed keys. */
static int each_group_in(struct cfg_parse *p, const config_setting_t *parent, const char *ppath,
			 const char *name, unsigned max, const char *const *allowed,
			 cfg_group_fn fn)
{
	const config_setting_t *l = config_setting_get_member(parent, name);
	char gpath[CFG_PATH_LEN], lpath[CFG_PATH_LEN];
	unsigned n;
	int rc;

	if (l == NULL)
		return 0;
	path_join(lpath, ppath, name);
	if (!is_list(l, CONFIG_TYPE_LIST))
		return cfg_error(p, l, lpath, "expected a list of groups: %s = ( { ... }, ... )",
				 name);
	n = (unsigned)config_setting_length(l);
	if (n > max)
		return cfg_error(p, l, lpath, "%u entries, at most %u allowed", n, max);
	for (unsigned i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(l, i);

		path_index(gpath, lpath, i);
		if (config_setting_type(g) != CONFIG_TYPE_GROUP)
			return cfg_error(p, g, gpath, "expected a group { ... }");
		if ((rc = check_keys(p, g, gpath, allowed)) < 0 || (rc = fn(p, g, gpath)) < 0)
			return rc;
	}
	return 0;
}

static int each_group(struct cfg_parse *p, const config_setting_t *parent, const char *name,
		      unsigned max, const char *const *allowed, cfg_group_fn fn)
{
	return each_group_in(p, parent, "", name, max, allowed, fn);
}

/* name = [ "a", "b" ]: returns the number of strings (at most max) or -EINVAL. */
static int each_string(struct cfg_parse *p, const config_setting_t *g, const char *gpath,
		       const char *name, unsigned max, cfg_string_fn fn, void *arg)
{
	const config_setting_t *l = config_setting_get_member(g, name);
	char lpath[CFG_PATH_LEN], epath[CFG_PATH_LEN];
	unsigned n;
	int rc;

	if (l == NULL)
		return 0;
	path_join(lpath, gpath, name);
	if (!is_list(l, CONFIG_TYPE_ARRAY) && config_setting_type(l) != CONFIG_TYPE_LIST)
		return cfg_error(p, l, lpath, "expected a list of strings: [ \"...\", ... ]");
	n = (unsigned)config_setting_length(l);
	if (n > max)
		return cfg_error(p, l, lpath, "%u entries, at most %u allowed", n, max);
	for (unsigned i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(l, i);

		path_index(epath, lpath, i);
		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			return cfg_error(p, s, epath, "expected a string");
		if (*config_setting_get_string(s) == '\0')
			return cfg_error(p, s, epath, "must not be empty");
		if ((rc = fn(p, s, epath, config_setting_get_string(s), arg)) < 0)
			return rc;
	}
	return (int)n;
}

/* --- value parsers --- */

static int hex_digit(char c)
{
	return isdigit((unsigned char)c) ? c - '0' : tolower((unsigned char)c) - 'a' + 10;
}

/* Exactly "xx:xx:xx:xx:xx:xx". */
static int mac_parse(const char *s, struct rte_ether_addr *mac)
{
	for (unsigned i = 0; i < RTE_ETHER_ADDR_LEN; i++, s += 3) {
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]))
			return -EINVAL;
		if (s[2] != (i == RTE_ETHER_ADDR_LEN - 1 ? '\0' : ':'))
			return -EINVAL;
		mac->addr_bytes[i] = (uint8_t)(hex_digit(s[0]) << 4 | hex_digit(s[1]));
	}
	return 0;
}

static int get_mac(struct cfg_parse *p, const config_setting_t *g, const char *gpath, bool *has,
		   struct rte_ether_addr *mac)
{
	char buf[32], path[CFG_PATH_LEN];
	int rc = get_string(p, g, gpath, "mac", buf, sizeof(buf));

	if (rc <= 0)
		return rc;
	path_join(path, gpath, "mac");
	if (mac_parse(buf, mac) < 0)
		return cfg_error(p, config_setting_get_member(g, "mac"), path,
				 "\"%s\" is not a MAC address like 02:00:00:00:01:01", buf);
	if (!rte_is_unicast_ether_addr(mac) || rte_is_zero_ether_addr(mac))
		return cfg_error(p, config_setting_get_member(g, "mac"), path,
				 "%s is not a unicast MAC address", buf);
	*has = true;
	return 1;
}

/* Names appear inside "port:queue" strings and on the control socket. */
static int get_name(struct cfg_parse *p, const config_setting_t *g, const char *gpath, char *out)
{
	char path[CFG_PATH_LEN];
	int rc = required(p, g, gpath, "name", get_string(p, g, gpath, "name", out, CFG_NAME_LEN));

	if (rc < 0)
		return rc;
	for (const char *c = out; *c != '\0'; c++)
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' && *c != '.')
			return cfg_error(p, config_setting_get_member(g, "name"),
					 path_join(path, gpath, "name"),
					 "\"%s\": use only letters, digits, '-', '_' and '.'", out);
	return 0;
}

static int dup_name(struct cfg_parse *p, const config_setting_t *g, const char *gpath,
		    const char *what, int other)
{
	char path[CFG_PATH_LEN];

	if (other < 0)
		return 0;
	return cfg_error(p, config_setting_get_member(g, "name"), path_join(path, gpath, "name"),
			 "duplicate name (also %s[%d])", what, other);
}

/* --- top-level scalars --- */

static int eal_arg_add(struct cfg_parse *p, const config_setting_t *s, const char *path,
		       const char *v, void *arg)
{
	struct config *cfg = p->cfg;

	(void)s;
	(void)path;
	(void)arg;
	cfg->eal_args[cfg->n_eal_args] = strdup(v);
	if (cfg->eal_args[cfg->n_eal_args] == NULL)
		return cfg_error(p, s, path, "out of memory");
	cfg->n_eal_args++;
	return 0;
}

static int absolute_path(struct cfg_parse *p, const config_setting_t *g, const char *name,
			 char *out, size_t outlen)
{
	int rc = get_string(p, g, "", name, out, outlen);

	if (rc > 0 && out[0] != '/')
		return cfg_error(p, config_setting_get_member(g, name), name,
				 "\"%s\" is not an absolute path", out);
	return rc < 0 ? rc : 0;
}

/* xdp_program: an absolute path, or "" for the af_xdp PMD's own program. */
static int parse_xdp_program(struct cfg_parse *p, const config_setting_t *root)
{
	const config_setting_t *s = config_setting_get_member(root, "xdp_program");

	if (s != NULL && config_setting_type(s) == CONFIG_TYPE_STRING &&
	    *config_setting_get_string(s) == '\0') {
		p->cfg->xdp_program[0] = '\0';
		return 0;
	}
	return absolute_path(p, root, "xdp_program", p->cfg->xdp_program,
			     sizeof(p->cfg->xdp_program));
}

static int parse_globals(struct cfg_parse *p, const config_setting_t *root)
{
	struct config *cfg = p->cfg;
	uint32_t lcore = cfg->main_lcore;
	int rc;

	if ((rc = absolute_path(p, root, "ctl_socket", cfg->ctl_socket, sizeof(cfg->ctl_socket))) <
		    0 ||
	    (rc = absolute_path(p, root, "state_dir", cfg->state_dir, sizeof(cfg->state_dir))) <
		    0 ||
	    (rc = get_u32(p, root, "", "main_lcore", 0, CFG_LCORE_MAX, &lcore)) < 0 ||
	    (rc = get_u32(p, root, "", "mbufs", 0, 1u << 26, &cfg->n_mbufs)) < 0 ||
	    (rc = get_u32(p, root, "", "link_poll_ms", 1, 60000, &cfg->link_poll_ms)) < 0 ||
	    (rc = get_u32(p, root, "", "icmp_rate", 0, 1000000, &cfg->icmp_rate)) < 0 ||
	    (rc = get_u32(p, root, "", "punt_rate", 0, 10000000, &cfg->punt_rate)) < 0 ||
	    (rc = get_u32(p, root, "", "peer_punt_rate", 0, 10000000, &cfg->peer_punt_rate)) < 0 ||
	    (rc = parse_xdp_program(p, root)) < 0)
		return rc;
	cfg->main_lcore = lcore;
	rc = each_string(p, root, "", "eal_args", CFG_MAX_EAL_ARGS, eal_arg_add, NULL);
	return rc < 0 ? rc : 0;
}

static int parse_fib(struct cfg_parse *p, const config_setting_t *root)
{
	static const char *const keys[] = {"max_routes4", "tbl8_groups4", "max_routes6", "groups6",
					   NULL};
	const config_setting_t *g = config_setting_get_member(root, "fib");
	struct config *cfg = p->cfg;
	int rc;

	if (g == NULL)
		return 0;
	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return cfg_error(p, g, "fib", "expected a group { ... }");
	if ((rc = check_keys(p, g, "fib", keys)) < 0 ||
	    (rc = get_u32(p, g, "fib", "max_routes4", 1, UINT32_MAX, &cfg->max_routes4)) < 0 ||
	    (rc = get_u32(p, g, "fib", "tbl8_groups4", 1, UINT32_MAX, &cfg->n_tbl8_4)) < 0 ||
	    (rc = get_u32(p, g, "fib", "max_routes6", 1, UINT32_MAX, &cfg->max_routes6)) < 0 ||
	    (rc = get_u32(p, g, "fib", "groups6", 1, UINT32_MAX, &cfg->n_groups6)) < 0)
		return rc;
	return 0;
}

/* --- ports --- */

/* DDDD:BB:DD.F, e.g. 0000:01:00.0 */
static bool is_pci_addr(const char *s)
{
	static const char pattern[] = "xxxx:xx:xx.x";

	if (strlen(s) != sizeof(pattern) - 1)
		return false;
	for (unsigned i = 0; i < sizeof(pattern) - 1; i++)
		if (pattern[i] == 'x' ? !isxdigit((unsigned char)s[i]) : s[i] != pattern[i])
			return false;
	return hex_digit(s[8]) * 16 + hex_digit(s[9]) <= 0x1f && s[11] >= '0' && s[11] <= '7';
}

/* af_packet and af_xdp vdevs bind a kernel interface: "net_af_xdp0,iface=eth1". */
static int vdev_iface(const char *dev, char *iface)
{
	const char *arg = strchr(dev, ',');
	size_t n;

	if (strncmp(dev, "net_af_packet", 13) != 0 && strncmp(dev, "net_af_xdp", 10) != 0)
		return 0;
	for (; arg != NULL; arg = strchr(arg + 1, ',')) {
		if (strncmp(arg + 1, "iface=", 6) != 0)
			continue;
		n = strcspn(arg + 7, ",");
		if (n == 0 || n >= IF_NAMESIZE)
			return -ENAMETOOLONG;
		memcpy(iface, arg + 7, n);
		iface[n] = '\0';
		return 0;
	}
	return -ENOENT;
}

static int port_device(struct cfg_parse *p, const config_setting_t *g, const char *gpath,
		       struct cfg_port *port)
{
	const config_setting_t *s = config_setting_get_member(g, "device");
	char path[CFG_PATH_LEN];
	int rc = get_string(p, g, gpath, "device", port->device, sizeof(port->device));

	if ((rc = required(p, g, gpath, "device", rc)) < 0)
		return rc;
	path_join(path, gpath, "device");
	port->is_pci = is_pci_addr(port->device);
	if (!port->is_pci && (strncmp(port->device, "net_", 4) != 0 || !isalnum(port->device[4])))
		return cfg_error(p, s, path,
				 "\"%s\" is neither a PCI address (0000:01:00.0) nor a vdev "
				 "(net_...)",
				 port->device);
	rc = port->is_pci ? 0 : vdev_iface(port->device, port->iface);
	if (rc == -ENOENT)
		return cfg_error(p, s, path, "this vdev needs iface=<kernel interface>");
	if (rc < 0)
		return cfg_error(p, s, path, "iface= must name an interface of 1..%d characters",
				 IF_NAMESIZE - 1);
	for (unsigned i = 0; i < p->cfg->n_ports; i++)
		if (strcmp(p->cfg->ports[i].device, port->device) == 0)
			return cfg_error(p, s, path, "device also used by ports[%u]", i);
	if (config_xdp_ours(p->cfg, port) && access(p->cfg->xdp_program, R_OK) != 0)
		return cfg_error(
			p, s, path,
			"af_xdp loads the XDP program %s (xdp_program; \"\" for the af_xdp "
			"PMD's own): %s",
			p->cfg->xdp_program, strerror(errno));
	return 0;
}

static int port_tier(struct cfg_parse *p, const config_setting_t *g, const char *gpath,
		     struct cfg_port *port)
{
	static const char *const names[] = {[TIER_PRIMARY] = "primary",
					    [TIER_LOCAL] = "local",
					    [TIER_GEO] = "geo",
					    [TIER__MAX] = "none"};
	char buf[16], path[CFG_PATH_LEN];
	int rc = get_string(p, g, gpath, "tier", buf, sizeof(buf));

	port->tier = TIER__MAX;
	if (rc <= 0)
		return rc;
	for (unsigned t = 0; t < RTE_DIM(names); t++)
		if (strcmp(buf, names[t]) == 0) {
			port->tier = (enum pf_tier)t;
			return 0;
		}
	return cfg_error(p, config_setting_get_member(g, "tier"), path_join(path, gpath, "tier"),
			 "\"%s\": expected primary, local, geo or none", buf);
}

static int port_numbers(struct cfg_parse *p, const config_setting_t *g, const char *gpath,
			struct cfg_port *port)
{
	uint32_t vlan = 0, mtu = 0, rxq = 0;
	char path[CFG_PATH_LEN];
	int rc;

	if ((rc = get_u32(p, g, gpath, "vlan", 0, CFG_VLAN_MAX, &vlan)) < 0 ||
	    (rc = get_u32(p, g, gpath, "mtu", 0, CFG_MTU_MAX, &mtu)) < 0 ||
	    (rc = get_u32(p, g, gpath, "rx_queues", 1, CFG_MAX_RXQ, &rxq)) < 0)
		return rc;
	if (mtu != 0 && mtu < CFG_MTU_MIN)
		return cfg_error(p, config_setting_get_member(g, "mtu"),
				 path_join(path, gpath, "mtu"),
				 "%u below the minimum %u (0: device default)", mtu, CFG_MTU_MIN);
	port->vlan = (uint16_t)vlan;
	port->mtu = (uint16_t)mtu;
	port->n_rxq = (uint16_t)rxq; /* 0 until the workers say */
	return 0;
}

static int get_bool(struct cfg_parse *p, const config_setting_t *g, const char *gpath,
		    const char *name, bool *out);

/* exception (default: a PCI port) and exception_iface (default "pf-" and the
 * port's name); kiface is then the TAP (the VLAN's interface on a VLAN
 * port), else iface. */
static int port_exception(struct cfg_parse *p, const config_setting_t *g, const char *gpath,
			  struct cfg_port *port)
{
	char tap[IF_NAMESIZE] = "", path[CFG_PATH_LEN];
	int rc, rt;

	port->exception = port->is_pci;
	if ((rc = get_bool(p, g, gpath, "exception", &port->exception)) < 0 ||
	    (rt = get_string(p, g, gpath, "exception_iface", tap, sizeof(tap))) < 0)
		return rc < 0 ? rc : rt;
	if (!port->exception) {
		if (rt > 0)
			return cfg_error(p, config_setting_get_member(g, "exception_iface"),
					 path_join(path, gpath, "exception_iface"),
					 "set without exception = true");
		memcpy(port->kiface, port->iface, sizeof(port->kiface));
		return 0;
	}
	/* errors point at the setting, or at the port when it is a default */
	const config_setting_t *at = config_setting_get_member(g, "exception");
	if (at == NULL)
		at = g;
	path_join(path, gpath, "exception");
	if (rt == 0 && !config_tap_default(port->name, tap))
		return cfg_error(p, at, path,
				 "the TAP's default name pf-%s is longer than %d characters: set "
				 "exception_iface",
				 port->name, IF_NAMESIZE - 1);
	if (rt > 0) { /* the name's own errors point at it */
		at = config_setting_get_member(g, "exception_iface");
		path_join(path, gpath, "exception_iface");
		if (!config_iface_name_ok(tap))
			return cfg_error(p, at, path,
					 "\"%s\" is no interface name (letters, digits, '-', '_', "
					 "'.')",
					 tap);
	}
	int owner = config_iface_owner(p->cfg, tap);
	if (owner >= 0)
		return cfg_error(p, at, path, "interface %s is also ports[%d]'s", tap, owner);
	if (strcmp(port->iface, tap) == 0)
		return cfg_error(p, at, path, "the TAP cannot be the port's own interface %s", tap);
	memcpy(port->kiface, tap, sizeof(port->kiface));
	return 0;
}

static int port_addr_add(struct cfg_parse *p, const config_setting_t *s, const char *path,
			 const char *v, void *arg)
{
	struct cfg_port *port = arg;
	struct prefix *a = &port->addrs[port->n_addrs];

	if (prefix_parse(v, a, true) < 0)
		return cfg_error(p, s, path,
				 "\"%s\" is not an address with prefix length "
				 "(198.51.100.1/30, 2001:db8::1/64)",
				 v);
	for (unsigned i = 0; i < port->n_addrs; i++)
		if (prefix_equal(&port->addrs[i], a))
			return cfg_error(p, s, path, "\"%s\" listed twice", v);
	port->n_addrs++;
	return 0;
}

static int parse_port(struct cfg_parse *p, const config_setting_t *g, const char *gpath)
{
	struct config *cfg = p->cfg;
	struct cfg_port *port = &cfg->ports[cfg->n_ports];
	int rc;

	port->line = (int)setting_line(g);
	p->port_set[cfg->n_ports] = g;
	if ((rc = get_name(p, g, gpath, port->name)) < 0 ||
	    (rc = dup_name(p, g, gpath, "ports", config_port_index(cfg, port->name))) < 0 ||
	    (rc = port_device(p, g, gpath, port)) < 0 || (rc = port_tier(p, g, gpath, port)) < 0 ||
	    (rc = get_mac(p, g, gpath, &port->has_mac, &port->mac)) < 0 ||
	    (rc = port_numbers(p, g, gpath, port)) < 0 ||
	    (rc = port_exception(p, g, gpath, port)) < 0)
		return rc;
	rc = each_string(p, g, gpath, "addresses", CFG_MAX_ADDRS, port_addr_add, port);
	if (rc < 0)
		return rc;
	cfg->n_ports++;
	return 0;
}

/* --- next hops, path groups --- */

static bool port_has_family(const struct cfg_port *port, uint8_t family)
{
	for (unsigned i = 0; i < port->n_addrs; i++)
		if (port->addrs[i].addr.family == family)
			return true;
	return false;
}

static int get_port_ref(struct cfg_parse *p, const config_setting_t *g, const char *gpath,
			uint16_t *port)
{
	char name[CFG_NAME_LEN], path[CFG_PATH_LEN];
	int rc = get_string(p, g, gpath, "port", name, sizeof(name));
	int i;

	if ((rc = required(p, g, gpath, "port", rc)) < 0)
		return rc;
	if ((i = config_port_index(p->cfg, name)) < 0)
		return cfg_error(p, config_setting_get_member(g, "port"),
				 path_join(path, gpath, "port"), "unknown port \"%s\"", name);
	*port = (uint16_t)i;
	return 0;
}

static int nexthop_address(struct cfg_parse *p, const config_setting_t *g, const char *gpath,
			   struct cfg_nexthop *nh)
{
	const struct cfg_port *port = &p->cfg->ports[nh->port];
	const config_setting_t *s = config_setting_get_member(g, "address");
	char buf[INET6_ADDRSTRLEN], path[CFG_PATH_LEN];
	int rc = get_string(p, g, gpath, "address", buf, sizeof(buf));

	if ((rc = required(p, g, gpath, "address", rc)) < 0)
		return rc;
	path_join(path, gpath, "address");
	if (ip_addr_parse(buf, &nh->addr) < 0)
		return cfg_error(p, s, path, "\"%s\" is not an IPv4 or IPv6 address", buf);
	/* A port without addresses can still reach next hops with a static MAC. */
	if (port->n_addrs > 0 && !port_has_family(port, nh->addr.family))
		return cfg_error(p, s, path, "port \"%s\" has no IPv%c address", port->name,
				 nh->addr.family == AF_INET ? '4' : '6');
	return 0;
}

static int get_bool(struct cfg_parse *p, const config_setting_t *g, const char *gpath,
		    const char *name, bool *out);

/* bfd = true, with bfd_interval_ms and bfd_multiplier; the session runs on
 * the kernel's sockets from the port's address of the next hop's family. */
static int nexthop_bfd(struct cfg_parse *p, const config_setting_t *g, const char *gpath,
		       struct cfg_nexthop *nh)
{
	const struct cfg_port *port = &p->cfg->ports[nh->port];
	const config_setting_t *s = config_setting_get_member(g, "bfd");
	char path[CFG_PATH_LEN];
	int rc, ri, rm;

	nh->bfd_interval_ms = CFG_BFD_INTERVAL_MS;
	nh->bfd_multiplier = CFG_BFD_MULTIPLIER;
	if ((rc = get_bool(p, g, gpath, "bfd", &nh->bfd)) < 0 ||
	    (ri = get_u32(p, g, gpath, "bfd_interval_ms", 10, 60000, &nh->bfd_interval_ms)) < 0 ||
	    (rm = get_u32(p, g, gpath, "bfd_multiplier", 1, 255, &nh->bfd_multiplier)) < 0)
		return rc < 0 ? rc : ri < 0 ? ri : rm;
	if (!nh->bfd) {
		const char *k = ri > 0 ? "bfd_interval_ms" : rm > 0 ? "bfd_multiplier" : NULL;
		if (k != NULL)
			return cfg_error(p, config_setting_get_member(g, k),
					 path_join(path, gpath, k), "%s", "set without bfd = true");
		return 0;
	}
	path_join(path, gpath, "bfd");
	if (port->kiface[0] == '\0')
		return cfg_error(p, s, path,
				 "port \"%s\" has no kernel interface to run BFD on (af_packet or "
				 "af_xdp with iface=, or exception = true)",
				 port->name);
	if (port->vlan != 0 && !port->exception)
		return cfg_error(p, s, path,
				 "port \"%s\" sends on VLAN %u, but BFD would run on its untagged "
				 "kernel interface %s",
				 port->name, port->vlan, port->kiface);
	if (!port_has_family(port, nh->addr.family))
		return cfg_error(p, s, path, "port \"%s\" has no IPv%c address to run BFD from",
				 port->name, nh->addr.family == AF_INET ? '4' : '6');
	return 0;
}

/* A key of nh's BFD authentication (after the type is set): id, secret
 * (at most the type's length); setting names the secret's setting. */
static int bfd_key_add(struct cfg_parse *p, const config_setting_t *g, const char *gpath,
		       const char *setting, struct cfg_nexthop *nh, uint32_t id, const char *secret)
{
	struct bfd_auth *a = &nh->bfd_auth;
	const unsigned max = bfd_auth_key_max(a->type);
	char path[CFG_PATH_LEN];

	if (strlen(secret) > max)
		return cfg_error(p, config_setting_get_member(g, setting),
				 path_join(path, gpath, setting),
				 "longer than %u characters, the most %s takes", max,
				 bfd_auth_name(a->type));
	for (unsigned k = 0; k < a->n_keys; k++)
		if (a->keys[k].id == id)
			return cfg_error(p, g, gpath, "key id %u is the next hop's already", id);
	a->keys[a->n_keys] = (struct bfd_key){.id = (uint8_t)id, .len = (uint8_t)strlen(secret)};
	memcpy(a->keys[a->n_keys++].key, secret, strlen(secret));
	return 0;
}

/* One of bfd_accept's keys, { key_id; secret; }, of the next hop being read. */
static int bfd_accept_key(struct cfg_parse *p, const config_setting_t *g, const char *gpath)
{
	struct cfg_nexthop *nh = &p->cfg->nexthops[p->cfg->n_nexthops];
	char secret[64];
	uint32_t id = 0;
	int rk, rs;

	if ((rk = get_u32(p, g, gpath, "key_id", 0, 255, &id)) < 0 ||
	    (rs = get_string(p, g, gpath, "secret", secret, sizeof(secret))) < 0)
		return rk < 0 ? rk : rs;
	if (rk == 0 || rs == 0)
		return cfg_error(p, g, gpath, "needs %s", rk == 0 ? "key_id" : "secret");
	return bfd_key_add(p, g, gpath, "secret", nh, id, secret);
}

/* bfd_auth (a type: bfd_auth_name), bfd_key_id (0..255, default 1) and
 * bfd_secret (1..16 characters, 20 for SHA1): the BFD session's
 * authentication (RFC 5880 6.7), the key it signs with; bfd_accept = ( {
 * key_id; secret; }, ... ): up to three more keys it takes on receipt, to
 * roll a new key in without a failure. "none" or no bfd_auth: none. */
static int nexthop_bfd_auth(struct cfg_parse *p, const config_setting_t *g, const char *gpath,
			    struct cfg_nexthop *nh)
{
	static const char *const accept_keys[] = {"key_id", "secret", NULL};
	const config_setting_t *s = config_setting_get_member(g, "bfd_auth");
	char type[32], secret[64], path[CFG_PATH_LEN];
	uint32_t key_id = 1;
	int rt, rk, rs, t;

	if ((rt = get_string(p, g, gpath, "bfd_auth", type, sizeof(type))) < 0 ||
	    (rk = get_u32(p, g, gpath, "bfd_key_id", 0, 255, &key_id)) < 0 ||
	    (rs = get_string(p, g, gpath, "bfd_secret", secret, sizeof(secret))) < 0)
		return rt < 0 ? rt : rk < 0 ? rk : rs;
	t = rt > 0 ? bfd_auth_type_of(type) : BFD_AUTH_NONE;
	path_join(path, gpath, "bfd_auth");
	if (t < 0)
		return cfg_error(p, s, path,
				 "\"%s\": expected none, simple, keyed-md5, meticulous-keyed-md5, "
				 "keyed-sha1 or meticulous-keyed-sha1",
				 type);
	if (t == BFD_AUTH_NONE) {
		const char *k = rk > 0					     ? "bfd_key_id"
				: rs > 0				     ? "bfd_secret"
				: config_setting_get_member(g, "bfd_accept") ? "bfd_accept"
									     : NULL;
		if (k != NULL)
			return cfg_error(p, config_setting_get_member(g, k),
					 path_join(path, gpath, k), "%s",
					 "set without bfd_auth (a type other than none)");
		return 0;
	}
	if (!nh->bfd)
		return cfg_error(p, s, path, "%s", "set without bfd = true");
	if (rs == 0)
		return cfg_error(p, s, path, "%s needs bfd_secret", type);
	nh->bfd_auth.type = (uint8_t)t;
	int rc = bfd_key_add(p, g, gpath, "bfd_secret", nh, key_id, secret);
	return rc < 0 ? rc
		      : each_group_in(p, g, gpath, "bfd_accept", BFD_AUTH_MAX_KEYS - 1, accept_keys,
				      bfd_accept_key);
}

static int parse_nexthop(struct cfg_parse *p, const config_setting_t *g, const char *gpath)
{
	struct config *cfg = p->cfg;
	struct cfg_nexthop *nh = &cfg->nexthops[cfg->n_nexthops];
	int rc;

	if ((rc = get_name(p, g, gpath, nh->name)) < 0 ||
	    (rc = dup_name(p, g, gpath, "nexthops", config_nexthop_index(cfg, nh->name))) < 0 ||
	    (rc = get_port_ref(p, g, gpath, &nh->port)) < 0 ||
	    (rc = nexthop_address(p, g, gpath, nh)) < 0 ||
	    (rc = get_mac(p, g, gpath, &nh->has_mac, &nh->mac)) < 0 ||
	    (rc = nexthop_bfd(p, g, gpath, nh)) < 0 || (rc = nexthop_bfd_auth(p, g, gpath, nh)) < 0)
		return rc;
	/* The MAC would come from the neighbour table of the port's untagged
	 * interface, while the next hop is on the VLAN (daemon/neigh.c). */
	const struct cfg_port *port = &cfg->ports[nh->port];
	if (!nh->has_mac && port->kiface[0] != '\0' && port->vlan != 0 && !port->exception) {
		char path[CFG_PATH_LEN];
		return cfg_error(
			p, config_setting_get_member(g, "address"), path_join(path, gpath, "mac"),
			"needed: port \"%s\" sends on VLAN %u, but its kernel interface %s, "
			"whose neighbour table would give the MAC, is untagged",
			port->name, port->vlan, port->kiface);
	}
	cfg->n_nexthops++;
	return 0;
}

static int pg_member_add(struct cfg_parse *p, const config_setting_t *s, const char *path,
			 const char *v, void *arg)
{
	struct cfg_pathgroup *pg = arg;
	int nh = config_nexthop_index(p->cfg, v);

	if (nh < 0)
		return cfg_error(p, s, path, "unknown next hop \"%s\"", v);
	for (unsigned i = 0; i < pg->n_members; i++)
		if (pg->members[i] == nh)
			return cfg_error(p, s, path, "next hop \"%s\" listed twice", v);
	pg->members[pg->n_members++] = (uint16_t)nh;
	return 0;
}

static int parse_pathgroup(struct cfg_parse *p, const config_setting_t *g, const char *gpath)
{
	struct config *cfg = p->cfg;
	struct cfg_pathgroup *pg = &cfg->pathgroups[cfg->n_pathgroups];
	char path[CFG_PATH_LEN];
	int rc;

	if ((rc = get_name(p, g, gpath, pg->name)) < 0 ||
	    (rc = dup_name(p, g, gpath, "pathgroups", config_pathgroup_index(cfg, pg->name))) < 0)
		return rc;
	rc = each_string(p, g, gpath, "members", PF_PG_MEMBERS, pg_member_add, pg);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return cfg_error(p, config_setting_get_member(g, "members") ?: g,
				 path_join(path, gpath, "members"),
				 "list 1..%d next hops, in preference order", PF_PG_MEMBERS);
	cfg->n_pathgroups++;
	return 0;
}

/* --- routes, registered prefixes --- */

/* A route or registered prefix: host bits are a typo, not an address. */
static int get_prefix(struct cfg_parse *p, const config_setting_t *g, const char *gpath,
		      struct prefix *pfx)
{
	const config_setting_t *s = config_setting_get_member(g, "prefix");
	char buf[PREFIX_STRLEN + 8], path[CFG_PATH_LEN], fix[PREFIX_STRLEN];
	int rc = get_string(p, g, gpath, "prefix", buf, sizeof(buf));

	if ((rc = required(p, g, gpath, "prefix", rc)) < 0)
		return rc;
	path_join(path, gpath, "prefix");
	if (prefix_parse(buf, pfx, false) == 0)
		return 0;
	if (prefix_parse(buf, pfx, true) < 0)
		return cfg_error(p, s, path, "\"%s\" is not a prefix like 192.0.2.0/24", buf);
	prefix_mask(pfx);
	return cfg_error(p, s, path, "\"%s\" has host bits set (did you mean %s?)", buf,
			 prefix_format(pfx, fix, sizeof(fix)));
}

static int get_pathgroup_ref(struct cfg_parse *p, const config_setting_t *g, const char *gpath,
			     uint16_t *pg)
{
	char name[CFG_NAME_LEN], path[CFG_PATH_LEN];
	int rc = get_string(p, g, gpath, "pathgroup", name, sizeof(name));
	int i;

	if ((rc = required(p, g, gpath, "pathgroup", rc)) < 0)
		return rc;
	if ((i = config_pathgroup_index(p->cfg, name)) < 0)
		return cfg_error(p, config_setting_get_member(g, "pathgroup"),
				 path_join(path, gpath, "pathgroup"), "unknown path group \"%s\"",
				 name);
	*pg = (uint16_t)i;
	return 0;
}

static int parse_route(struct cfg_parse *p, const config_setting_t *g, const char *gpath)
{
	struct config *cfg = p->cfg;
	struct cfg_route *r = &cfg->routes[cfg->n_routes];
	int rc;

	if ((rc = get_prefix(p, g, gpath, &r->prefix)) < 0 ||
	    (rc = get_pathgroup_ref(p, g, gpath, &r->pathgroup)) < 0)
		return rc;
	cfg->n_routes++;
	return 0;
}

static int parse_registered(struct cfg_parse *p, const config_setting_t *g, const char *gpath)
{
	struct config *cfg = p->cfg;
	struct cfg_registered *r = &cfg->registered[cfg->n_registered];
	int rc;

	if ((rc = get_prefix(p, g, gpath, &r->prefix)) < 0 ||
	    (rc = get_string(p, g, gpath, "customer", r->customer, sizeof(r->customer))) < 0)
		return rc;
	cfg->n_registered++;
	return 0;
}

/*
 * route_files = ( { file = "routes4.txt"; pathgroup = "carrier4"; } ):
 * static tables too big for the config itself, one prefix per line ('#'
 * comments). A relative file name is relative to the config file. The
 * file's errors name the file and its line; a prefix listed twice takes
 * its last path group.
 */
static void route_file_path(const struct config *cfg, const char *file, char *out, size_t len)
{
	const char *slash = strrchr(cfg->path, '/');

	if (file[0] == '/' || slash == NULL)
		snprintf(out, len, "%s", file);
	else
		snprintf(out, len, "%.*s/%s", (int)(slash - cfg->path), cfg->path, file);
}

static int route_file_add(struct cfg_parse *p, const struct prefix *pfx, uint16_t pg, unsigned *cap)
{
	struct config *cfg = p->cfg;

	if (cfg->n_routes == *cap) {
		unsigned ncap = *cap < 1024 ? 1024 : *cap * 2;
		struct cfg_route *r = realloc(cfg->routes, ncap * sizeof(*r));
		if (r == NULL)
			return -ENOMEM;
		cfg->routes = r;
		*cap = ncap;
	}
	cfg->routes[cfg->n_routes++] = (struct cfg_route){.prefix = *pfx, .pathgroup = pg};
	return 0;
}

static int parse_route_file(struct cfg_parse *p, const config_setting_t *g, const char *gpath)
{
	struct config *cfg = p->cfg;
	char file[1024], path[4096], line[256], spath[CFG_PATH_LEN];
	unsigned cap = cfg->n_routes, lineno = 0;
	uint16_t pg;
	FILE *f;
	int rc = get_string(p, g, gpath, "file", file, sizeof(file));

	if ((rc = required(p, g, gpath, "file", rc)) < 0 ||
	    (rc = get_pathgroup_ref(p, g, gpath, &pg)) < 0)
		return rc;
	route_file_path(cfg, file, path, sizeof(path));
	if ((f = fopen(path, "r")) == NULL)
		return cfg_error(p, config_setting_get_member(g, "file"),
				 path_join(spath, gpath, "file"), "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		struct prefix pfx;
		char *s = line + strspn(line, " \t"), *hash = strchr(s, '#');

		lineno++;
		if (hash != NULL)
			*hash = '\0';
		s[strcspn(s, " \t\r\n")] = '\0';
		if (*s == '\0')
			continue;
		if (prefix_parse(s, &pfx, false) < 0) {
			fclose(f);
			snprintf(p->err, p->errlen,
				 "%s:%u: %s: \"%s\" is not a prefix without host bits", path,
				 lineno, path_join(spath, gpath, "file"), s);
			return -EINVAL;
		}
		if (cfg->n_routes >= PF_MAX_DESTS * 4u || route_file_add(p, &pfx, pg, &cap) < 0) {
			fclose(f);
			snprintf(p->err, p->errlen, "%s:%u: too many routes", path, lineno);
			return -ENOSPC;
		}
	}
	fclose(f);
	return 0;
}

struct prefix_ref {
	struct prefix prefix;
	unsigned idx;
};

static int prefix_ref_cmp(const void *a, const void *b)
{
	const struct prefix_ref *x = a, *y = b;
	int c = memcmp(&x->prefix, &y->prefix, sizeof(x->prefix));

	return c != 0 ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

/*
 * Sorting finds duplicates among many thousand prefixes; `stride` steps over
 * cfg_route or cfg_registered, both of which start with their prefix.
 */
static int check_dup_prefixes(struct cfg_parse *p, const config_setting_t *root, const char *name,
			      const void *items, size_t stride, unsigned n)
{
	struct prefix_ref *refs = calloc(n ? n : 1, sizeof(*refs));
	char gpath[CFG_PATH_LEN], path[CFG_PATH_LEN];
	int rc = 0;

	if (refs == NULL)
		return cfg_error(p, root, name, "out of memory");
	for (unsigned i = 0; i < n; i++) {
		memcpy(&refs[i].prefix, (const char *)items + i * stride, sizeof(struct prefix));
		refs[i].idx = i;
	}
	qsort(refs, n, sizeof(*refs), prefix_ref_cmp);
	for (unsigned i = 1; i < n && rc == 0; i++) {
		const config_setting_t *g;

		if (!prefix_equal(&refs[i - 1].prefix, &refs[i].prefix))
			continue;
		g = config_setting_get_elem(config_setting_get_member(root, name), refs[i].idx);
		path_join(path, path_index(gpath, name, refs[i].idx), "prefix");
		rc = cfg_error(p, config_setting_get_member(g, "prefix"), path,
			       "duplicate prefix (also %s[%u])", name, refs[i - 1].idx);
	}
	free(refs);
	return rc;
}

static int parse_unregistered(struct cfg_parse *p, const config_setting_t *root)
{
	struct config *cfg = p->cfg;
	char buf[CFG_NAME_LEN + 8];
	int rc = get_string(p, root, "", "unregistered", buf, sizeof(buf));
	int pg;

	cfg->unreg_policy = UNREG_DROP;
	cfg->unreg_pathgroup = PG_NONE;
	if (rc <= 0 || strcmp(buf, "drop") == 0)
		return rc < 0 ? rc : 0;
	if ((pg = config_pathgroup_index(cfg, buf)) < 0)
		return cfg_error(p, config_setting_get_member(root, "unregistered"), "unregistered",
				 "\"%s\": expected \"drop\" or the name of a path group", buf);
	cfg->unreg_policy = UNREG_PATHGROUP;
	cfg->unreg_pathgroup = (uint16_t)pg;
	return 0;
}

/* --- workers --- */

static int worker_rx_add(struct cfg_parse *p, const config_setting_t *s, const char *path,
			 const char *v, void *arg)
{
	struct cfg_worker *w = arg;
	unsigned wi = (unsigned)(w - p->cfg->workers);
	const char *colon = strrchr(v, ':');
	char name[CFG_NAME_LEN], *end;
	unsigned long q;
	int port;

	if (colon == NULL || colon == v || (size_t)(colon - v) >= sizeof(name) ||
	    !isdigit((unsigned char)colon[1]))
		return cfg_error(p, s, path, "\"%s\": expected \"port:queue\", e.g. \"pri:0\"", v);
	memcpy(name, v, (size_t)(colon - v));
	name[colon - v] = '\0';
	q = strtoul(colon + 1, &end, 10);
	if ((port = config_port_index(p->cfg, name)) < 0)
		return cfg_error(p, s, path, "unknown port \"%s\"", name);
	if (*end != '\0' || q >= CFG_MAX_RXQ)
		return cfg_error(p, s, path, "\"%s\": queue must be 0..%d", v, CFG_MAX_RXQ - 1);
	if (p->cfg->ports[port].n_rxq != 0 && q >= p->cfg->ports[port].n_rxq)
		return cfg_error(p, s, path, "queue %lu, but port \"%s\" has rx_queues = %u", q,
				 name, p->cfg->ports[port].n_rxq);
	if (p->poller[port][q] >= 0)
		return cfg_error(p, s, path, "%s already polled by workers[%d]", v,
				 p->poller[port][q]);
	p->poller[port][q] = (int)wi;
	w->rxq[w->n_rxq++] = (struct cfg_rxq){.port = (uint16_t)port, .queue = (uint16_t)q};
	return 0;
}

static int parse_worker(struct cfg_parse *p, const config_setting_t *g, const char *gpath)
{
	struct config *cfg = p->cfg;
	struct cfg_worker *w = &cfg->workers[cfg->n_workers];
	const config_setting_t *s = config_setting_get_member(g, "lcore");
	char path[CFG_PATH_LEN];
	uint32_t lcore;
	int rc = get_u32(p, g, gpath, "lcore", 0, CFG_LCORE_MAX, &lcore);

	if ((rc = required(p, g, gpath, "lcore", rc)) < 0)
		return rc;
	path_join(path, gpath, "lcore");
	if (lcore == cfg->main_lcore)
		return cfg_error(p, s, path, "lcore %u is the main_lcore", lcore);
	for (unsigned i = 0; i < cfg->n_workers; i++)
		if (cfg->workers[i].lcore == lcore)
			return cfg_error(p, s, path, "lcore %u also used by workers[%u]", lcore, i);
	w->lcore = lcore;
	rc = each_string(p, g, gpath, "rx", CFG_MAX_RXQ, worker_rx_add, w);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return cfg_error(p, config_setting_get_member(g, "rx") ?: g,
				 path_join(path, gpath, "rx"), "list the \"port:queue\"s to poll");
	cfg->n_workers++;
	return 0;
}

/* Every queue of every port is polled by exactly one worker. */
static int check_port_queues(struct cfg_parse *p)
{
	char gpath[CFG_PATH_LEN], path[CFG_PATH_LEN];

	for (unsigned i = 0; i < p->cfg->n_ports; i++) {
		struct cfg_port *port = &p->cfg->ports[i];
		const config_setting_t *g = p->port_set[i];
		const config_setting_t *rxq = config_setting_get_member(g, "rx_queues");
		unsigned n = 0;

		path_index(gpath, "ports", i);
		for (unsigned q = 0; q < CFG_MAX_RXQ; q++)
			if (p->poller[i][q] >= 0)
				n = q + 1;
		if (n == 0)
			return cfg_error(p, g, gpath,
					 "not polled by any worker (add \"%s:0\" to a "
					 "worker's rx)",
					 port->name);
		if (rxq != NULL)
			path_join(path, gpath, "rx_queues");
		else
			port->n_rxq = (uint16_t)n; /* the queues the workers poll */
		for (unsigned q = 0; q < port->n_rxq; q++)
			if (p->poller[i][q] < 0)
				return cfg_error(p, rxq ?: g, rxq ? path : gpath,
						 "queue %u of 0..%u is not polled by any worker", q,
						 port->n_rxq - 1u);
	}
	return 0;
}

/* --- bgp --- */

static int get_bool(struct cfg_parse *p, const config_setting_t *g, const char *gpath,
		    const char *name, bool *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	char path[CFG_PATH_LEN];

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return cfg_error(p, s, path_join(path, gpath, name), "expected true or false");
	*out = config_setting_get_bool(s) != 0;
	return 1;
}

static int service_add(struct cfg_parse *p, const config_setting_t *s, const char *path,
		       const char *v, void *arg)
{
	struct cfg_bgp *b = &p->cfg->bgp;
	struct prefix *pfx = &b->service[b->n_service];

	(void)arg;
	if (prefix_parse(v, pfx, false) < 0)
		return cfg_error(p, s, path, "\"%s\" is not a prefix without host bits", v);
	for (unsigned i = 0; i < b->n_service; i++)
		if (prefix_equal(&b->service[i], pfx))
			return cfg_error(p, s, path, "\"%s\" listed twice", v);
	b->n_service++;
	return 0;
}

/* ipv4_lengths = [min, max]: accepted prefix lengths. */
static int get_lengths(struct cfg_parse *p, const config_setting_t *g, const char *gpath,
		       const char *name, unsigned bits, uint8_t *min, uint8_t *max)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	char path[CFG_PATH_LEN];
	long long lo, hi;

	*min = 0;
	*max = (uint8_t)bits;
	if (s == NULL)
		return 0;
	path_join(path, gpath, name);
	if (config_setting_type(s) != CONFIG_TYPE_ARRAY || config_setting_length(s) != 2 ||
	    config_setting_type(config_setting_get_elem(s, 0)) != CONFIG_TYPE_INT)
		return cfg_error(p, s, path, "expected [min, max], e.g. [8, %u]",
				 bits == 32 ? 24 : 48);
	lo = config_setting_get_int_elem(s, 0);
	hi = config_setting_get_int_elem(s, 1);
	if (lo < 0 || hi > bits || lo > hi)
		return cfg_error(p, s, path, "[%lld, %lld]: need 0 <= min <= max <= %u", lo, hi,
				 bits);
	*min = (uint8_t)lo;
	*max = (uint8_t)hi;
	return 0;
}

static int policy_local_pref(struct cfg_parse *p, const config_setting_t *g, const char *gpath,
			     struct cfg_bgp_policy *pol)
{
	static const char *const keys[] = {"primary", "local", "geo", "none", NULL};
	const config_setting_t *lp = config_setting_get_member(g, "local_pref");
	char path[CFG_PATH_LEN];
	int rc;

	/* Tier order unless told otherwise: primary, local, geo, then none. */
	pol->local_pref[TIER_PRIMARY] = 300;
	pol->local_pref[TIER_LOCAL] = 200;
	pol->local_pref[TIER_GEO] = 100;
	pol->local_pref[TIER__MAX] = 50;
	if (lp == NULL)
		return 0;
	path_join(path, gpath, "local_pref");
	if (config_setting_type(lp) != CONFIG_TYPE_GROUP)
		return cfg_error(p, lp, path,
				 "expected { primary = 300; local = 200; geo = 100; }");
	if ((rc = check_keys(p, lp, path, keys)) < 0)
		return rc;
	for (unsigned t = 0; keys[t] != NULL; t++)
		if ((rc = get_u32(p, lp, path, keys[t], 0, UINT32_MAX, &pol->local_pref[t])) < 0)
			return rc;
	return 0;
}

static int parse_bgp_policy(struct cfg_parse *p, const config_setting_t *g, const char *gpath)
{
	struct cfg_bgp *b = &p->cfg->bgp;
	struct cfg_bgp_policy *pol = &b->policies[b->n_policies];
	int rc;

	pol->bogons = true;
	if ((rc = get_name(p, g, gpath, pol->name)) < 0 ||
	    (rc = dup_name(p, g, gpath, "bgp.policies",
			   config_bgp_policy_index(p->cfg, pol->name))) < 0 ||
	    (rc = get_u32(p, g, gpath, "max_prefixes", 0, UINT32_MAX, &pol->max_prefixes)) < 0 ||
	    (rc = get_u32(p, g, gpath, "restart_after", 0, 86400, &pol->restart_after)) < 0 ||
	    (rc = get_lengths(p, g, gpath, "ipv4_lengths", 32, &pol->min_len4, &pol->max_len4)) <
		    0 ||
	    (rc = get_lengths(p, g, gpath, "ipv6_lengths", 128, &pol->min_len6, &pol->max_len6)) <
		    0 ||
	    (rc = get_bool(p, g, gpath, "bogons", &pol->bogons)) < 0 ||
	    (rc = policy_local_pref(p, g, gpath, pol)) < 0)
		return rc;
	b->n_policies++;
	return 0;
}

static int peer_family_add(struct cfg_parse *p, const config_setting_t *s, const char *path,
			   const char *v, void *arg)
{
	struct cfg_bgp_peer *peer = arg;

	if (strcmp(v, "ipv4") == 0)
		peer->ipv4 = true;
	else if (strcmp(v, "ipv6") == 0)
		peer->ipv6 = true;
	else
		return cfg_error(p, s, path, "\"%s\": expected \"ipv4\" or \"ipv6\"", v);
	return 0;
}

/* Directly connected eBGP: the peer sits on one of the port's subnets. */
static int peer_address(struct cfg_parse *p, const config_setting_t *g, const char *gpath,
			struct cfg_bgp_peer *peer)
{
	const struct cfg_port *port = &p->cfg->ports[peer->port];
	const config_setting_t *s = config_setting_get_member(g, "address");
	char buf[INET6_ADDRSTRLEN], path[CFG_PATH_LEN];
	const struct cfg_bgp *b = &p->cfg->bgp;
	int rc = get_string(p, g, gpath, "address", buf, sizeof(buf));
	bool on_link = false;

	if ((rc = required(p, g, gpath, "address", rc)) < 0)
		return rc;
	path_join(path, gpath, "address");
	if (ip_addr_parse(buf, &peer->addr) < 0)
		return cfg_error(p, s, path, "\"%s\" is not an IPv4 or IPv6 address", buf);
	for (unsigned i = 0; i < port->n_addrs; i++) {
		if (memcmp(&port->addrs[i].addr, &peer->addr, sizeof(peer->addr)) == 0)
			return cfg_error(p, s, path, "%s is our own address on port \"%s\"", buf,
					 port->name);
		on_link |= prefix_contains_addr(&port->addrs[i], &peer->addr);
	}
	if (!on_link)
		return cfg_error(p, s, path, "%s is on none of port \"%s\"'s subnets", buf,
				 port->name);
	for (unsigned i = 0; i < b->n_peers; i++)
		if (memcmp(&b->peers[i].addr, &peer->addr, sizeof(peer->addr)) == 0)
			return cfg_error(p, s, path, "%s is also bgp.peers[%u]", buf, i);
	return 0;
}

static int peer_policy(struct cfg_parse *p, const config_setting_t *g, const char *gpath,
		       struct cfg_bgp_peer *peer)
{
	char name[CFG_NAME_LEN], path[CFG_PATH_LEN];
	int rc = get_string(p, g, gpath, "policy", name, sizeof(name));

	peer->policy = -1;
	if (rc <= 0)
		return rc;
	peer->policy = config_bgp_policy_index(p->cfg, name);
	if (peer->policy < 0)
		return cfg_error(p, config_setting_get_member(g, "policy"),
				 path_join(path, gpath, "policy"), "unknown policy \"%s\"", name);
	return 0;
}

static int peer_numbers(struct cfg_parse *p, const config_setting_t *g, const char *gpath,
			struct cfg_bgp_peer *peer)
{
	uint32_t hold = 90, retry = 5;
	char path[CFG_PATH_LEN];
	int rc;

	if ((rc = required(p, g, gpath, "remote_as",
			   get_u32(p, g, gpath, "remote_as", 1, UINT32_MAX, &peer->remote_as))) <
		    0 ||
	    (rc = get_u32(p, g, gpath, "hold_time", 0, 65535, &hold)) < 0 ||
	    (rc = get_u32(p, g, gpath, "connect_retry", 1, 65535, &retry)) < 0)
		return rc;
	/* RFC 4271 4.2: zero or at least three seconds. */
	if (hold == 1 || hold == 2)
		return cfg_error(p, config_setting_get_member(g, "hold_time"),
				 path_join(path, gpath, "hold_time"), "0 or 3..65535 seconds");
	peer->hold_time = (uint16_t)hold;
	peer->connect_retry = (uint16_t)retry;
	return 0;
}

/* The timers that guard a session which does not progress: no OPEN from the
 * peer (RFC 4271 8.2.2), or our output does not drain (RFC 9687). Unset,
 * send_hold_time stays 0: the RFC's default depends on the negotiated hold. */
static int peer_stall_timers(struct cfg_parse *p, const config_setting_t *g, const char *gpath,
			     struct cfg_bgp_peer *peer)
{
	uint32_t open_hold = CFG_BGP_OPEN_HOLD_S, send_hold = 0;
	int rc;

	if ((rc = get_u32(p, g, gpath, "open_hold_time", 3, 65535, &open_hold)) < 0 ||
	    (rc = get_u32(p, g, gpath, "send_hold_time", 3, 65535, &send_hold)) < 0)
		return rc;
	peer->open_hold_time = (uint16_t)open_hold;
	peer->send_hold_time = (uint16_t)send_hold;
	return 0;
}

static int parse_bgp_peer(struct cfg_parse *p, const config_setting_t *g, const char *gpath)
{
	struct cfg_bgp *b = &p->cfg->bgp;
	struct cfg_bgp_peer *peer = &b->peers[b->n_peers];
	int rc;

	if ((rc = get_name(p, g, gpath, peer->name)) < 0 ||
	    (rc = dup_name(p, g, gpath, "bgp.peers", config_bgp_peer_index(p->cfg, peer->name))) <
		    0 ||
	    (rc = get_port_ref(p, g, gpath, &peer->port)) < 0 ||
	    (rc = peer_address(p, g, gpath, peer)) < 0 ||
	    (rc = peer_numbers(p, g, gpath, peer)) < 0 ||
	    (rc = peer_stall_timers(p, g, gpath, peer)) < 0 ||
	    (rc = peer_policy(p, g, gpath, peer)) < 0 ||
	    (rc = get_bool(p, g, gpath, "passive", &peer->passive)) < 0 ||
	    (rc = get_string(p, g, gpath, "md5", peer->md5, sizeof(peer->md5))) < 0 ||
	    (rc = get_bool(p, g, gpath, "ttl_security", &peer->ttl_security)) < 0 ||
	    (rc = each_string(p, g, gpath, "families", 2, peer_family_add, peer)) < 0)
		return rc;
	if (rc == 0) { /* the family of the session's address */
		peer->ipv4 = peer->addr.family == AF_INET;
		peer->ipv6 = peer->addr.family == AF_INET6;
	}
	b->n_peers++;
	return 0;
}

static int bgp_router_id(struct cfg_parse *p, const config_setting_t *g)
{
	const config_setting_t *s = config_setting_get_member(g, "router_id");
	char buf[INET6_ADDRSTRLEN];
	struct ip_addr a;
	int rc = get_string(p, g, "bgp", "router_id", buf, sizeof(buf));

	if ((rc = required(p, g, "bgp", "router_id", rc)) < 0)
		return rc;
	/* RFC 6286 2.1: a non-zero four-octet number, written as an IPv4 address. */
	if (ip_addr_parse(buf, &a) < 0 || a.family != AF_INET || ip_addr_v4_host(&a) == 0)
		return cfg_error(p, s, "bgp.router_id",
				 "\"%s\": expected a non-zero IPv4 address like 198.51.100.1", buf);
	p->cfg->bgp.router_id = ip_addr_v4_host(&a);
	return 0;
}

static int parse_bgp(struct cfg_parse *p, const config_setting_t *root)
{
	static const char *const keys[] = {"asn",      "router_id", "service_prefixes",
					   "policies", "peers",	    NULL};
	static const char *const pol_keys[] = {
		"name",		"max_prefixes", "restart_after", "ipv4_lengths",
		"ipv6_lengths", "bogons",	"local_pref",	 NULL};
	static const char *const peer_keys[] = {
		"name",		  "port",      "address",	"remote_as",
		"policy",	  "hold_time", "passive",	"md5",
		"ttl_security",	  "families",  "connect_retry", "open_hold_time",
		"send_hold_time", NULL};
	const config_setting_t *g = config_setting_get_member(root, "bgp");
	struct cfg_bgp *b = &p->cfg->bgp;
	int rc;

	if (g == NULL)
		return 0;
	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return cfg_error(p, g, "bgp", "expected a group { ... }");
	b->enabled = true;
	if ((rc = check_keys(p, g, "bgp", keys)) < 0 ||
	    (rc = required(p, g, "bgp", "asn",
			   get_u32(p, g, "bgp", "asn", 1, UINT32_MAX, &b->asn))) < 0)
		return rc;
	/* RFC 6793 9: AS_TRANS is for the 2-octet field, not a speaker's AS. */
	if (b->asn == 23456)
		return cfg_error(p, config_setting_get_member(g, "asn"), "bgp.asn",
				 "23456 is AS_TRANS (RFC 6793), not usable as a local AS");
	if ((rc = bgp_router_id(p, g)) < 0 ||
	    (rc = each_string(p, g, "bgp", "service_prefixes", CFG_BGP_MAX_SERVICE, service_add,
			      NULL)) < 0 ||
	    (rc = each_group_in(p, g, "bgp", "policies", CFG_BGP_MAX_POLICIES, pol_keys,
				parse_bgp_policy)) < 0 ||
	    (rc = each_group_in(p, g, "bgp", "peers", CFG_BGP_MAX_PEERS, peer_keys,
				parse_bgp_peer)) < 0)
		return rc;
	return 0;
}

/* --- top level --- */

static int alloc_lists(struct cfg_parse *p, const config_setting_t *root)
{
	struct config *cfg = p->cfg;
	unsigned n_nh = list_len(root, "nexthops"), n_pg = list_len(root, "pathgroups");
	unsigned n_rt = list_len(root, "routes"), n_reg = list_len(root, "registered");

	cfg->nexthops = calloc(n_nh ? n_nh : 1, sizeof(*cfg->nexthops));
	cfg->pathgroups = calloc(n_pg ? n_pg : 1, sizeof(*cfg->pathgroups));
	cfg->routes = calloc(n_rt ? n_rt : 1, sizeof(*cfg->routes));
	cfg->registered = calloc(n_reg ? n_reg : 1, sizeof(*cfg->registered));
	if (!cfg->nexthops || !cfg->pathgroups || !cfg->routes || !cfg->registered)
		return cfg_error(p, root, "peerfwd", "out of memory");
	return 0;
}

static int parse_sections(struct cfg_parse *p, const config_setting_t *root)
{
	static const char *const port_keys[] = {
		"name", "device",    "tier",	  "mac",       "vlan",
		"mtu",	"rx_queues", "addresses", "exception", "exception_iface",
		NULL};
	static const char *const nh_keys[] = {"name",
					      "port",
					      "address",
					      "mac",
					      "bfd",
					      "bfd_interval_ms",
					      "bfd_multiplier",
					      "bfd_auth",
					      "bfd_key_id",
					      "bfd_secret",
					      "bfd_accept",
					      NULL};
	static const char *const pg_keys[] = {"name", "members", NULL};
	static const char *const route_keys[] = {"prefix", "pathgroup", NULL};
	static const char *const rfile_keys[] = {"file", "pathgroup", NULL};
	static const char *const reg_keys[] = {"prefix", "customer", NULL};
	static const char *const worker_keys[] = {"lcore", "rx", NULL};
	struct config *cfg = p->cfg;
	int rc;

	if ((rc = each_group(p, root, "ports", PF_MAX_PORTS, port_keys, parse_port)) < 0)
		return rc;
	if (cfg->n_ports == 0)
		return cfg_error(p, config_setting_get_member(root, "ports") ?: root, "ports", "%s",
				 "define at least one port");
	if ((rc = each_group(p, root, "nexthops", PF_MAX_NEXTHOPS, nh_keys, parse_nexthop)) < 0 ||
	    (rc = each_group(p, root, "pathgroups", PF_MAX_PATHGROUPS, pg_keys, parse_pathgroup)) <
		    0 ||
	    (rc = each_group(p, root, "routes", PF_MAX_DESTS, route_keys, parse_route)) < 0 ||
	    (rc = check_dup_prefixes(p, root, "routes", cfg->routes, sizeof(*cfg->routes),
				     cfg->n_routes)) < 0 ||
	    (rc = each_group(p, root, "route_files", 16, rfile_keys, parse_route_file)) < 0 ||
	    (rc = each_group(p, root, "registered", PF_MAX_PREFIXES, reg_keys, parse_registered)) <
		    0 ||
	    (rc = check_dup_prefixes(p, root, "registered", cfg->registered,
				     sizeof(*cfg->registered), cfg->n_registered)) < 0 ||
	    (rc = parse_unregistered(p, root)) < 0 ||
	    (rc = each_group(p, root, "workers", CFG_MAX_WORKERS, worker_keys, parse_worker)) < 0)
		return rc;
	if (cfg->n_workers == 0)
		return cfg_error(p, config_setting_get_member(root, "workers") ?: root, "workers",
				 "%s", "define at least one worker");
	return check_port_queues(p);
}

static int parse_root(struct cfg_parse *p, const config_setting_t *top)
{
	static const char *const top_keys[] = {"peerfwd", NULL};
	static const char *const keys[] = {
		"ctl_socket",  "state_dir",    "main_lcore", "mbufs",	       "eal_args",
		"fib",	       "link_poll_ms", "ports",	     "workers",	       "nexthops",
		"pathgroups",  "routes",       "registered", "unregistered",   "bgp",
		"route_files", "icmp_rate",    "punt_rate",  "peer_punt_rate", "xdp_program",
		NULL};
	const config_setting_t *root = config_setting_get_member(top, "peerfwd");
	int rc;

	if ((rc = check_keys(p, top, "", top_keys)) < 0)
		return rc;
	if (root == NULL)
		return cfg_error(p, top, "peerfwd", "%s",
				 "missing: put everything in peerfwd: { ... };");
	if (config_setting_type(root) != CONFIG_TYPE_GROUP)
		return cfg_error(p, root, "peerfwd", "expected a group { ... }");
	if ((rc = check_keys(p, root, "", keys)) < 0 || (rc = parse_globals(p, root)) < 0 ||
	    (rc = parse_fib(p, root)) < 0 || (rc = alloc_lists(p, root)) < 0)
		return rc;
	if ((rc = parse_sections(p, root)) < 0)
		return rc;
	return parse_bgp(p, root);
}

static int read_file(struct cfg_parse *p, config_t *lc, const char *path)
{
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		snprintf(p->err, p->errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	fclose(f);
	if (config_read_file(lc, path) == CONFIG_TRUE)
		return 0;
	if (config_error_type(lc) == CONFIG_ERR_FILE_IO)
		snprintf(p->err, p->errlen, "%s: cannot read", path);
	else
		snprintf(p->err, p->errlen, "%s:%d: syntax: %s", config_error_file(lc) ?: path,
			 config_error_line(lc), config_error_text(lc));
	return -EINVAL;
}

static void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->ctl_socket, sizeof(cfg->ctl_socket), "/run/peerfwd/ctl.sock");
	snprintf(cfg->state_dir, sizeof(cfg->state_dir), "/var/lib/peerfwd");
	cfg->max_routes4 = 2200000;
	cfg->n_tbl8_4 = 65536;
	cfg->max_routes6 = 600000;
	cfg->n_groups6 = 1000000;
	cfg->unreg_policy = UNREG_DROP;
	cfg->unreg_pathgroup = PG_NONE;
	cfg->link_poll_ms = CFG_LINK_POLL_MS;
	cfg->icmp_rate = CFG_ICMP_RATE;
	cfg->punt_rate = CFG_PUNT_RATE;
	cfg->peer_punt_rate = CFG_PEER_PUNT_RATE;
	config_xdp_default(cfg->xdp_program, sizeof(cfg->xdp_program));
}

void config_xdp_default(char *buf, size_t len)
{
	char exe[4096], *build = realpath(PEERFWD_BUILD_DIR, NULL);
	const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const size_t bl = build == NULL ? 0 : strlen(build);
	bool in_build;

	exe[n > 0 ? n : 0] = '\0';
	in_build = bl > 0 && strncmp(exe, build, bl) == 0 && exe[bl] == '/';
	free(build);
	snprintf(buf, len, "%s", in_build ? PEERFWD_XDP_PROG : PEERFWD_XDP_PROG_INSTALLED);
}

int config_load(const char *path, struct config *cfg, char *err, size_t errlen)
{
	struct cfg_parse *p;
	config_t lc;
	int rc;

	config_defaults(cfg);
	if (errlen > 0)
		err[0] = '\0';
	if (strlen(path) >= sizeof(cfg->path)) {
		snprintf(err, errlen, "%.64s...: path too long", path);
		return -1;
	}
	memcpy(cfg->path, path, strlen(path) + 1);
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	*p = (struct cfg_parse){.cfg = cfg, .err = err, .errlen = errlen};
	memset(p->poller, 0xff, sizeof(p->poller));
	config_init(&lc);
	rc = read_file(p, &lc, path);
	if (rc == 0)
		rc = parse_root(p, config_root_setting(&lc));
	config_destroy(&lc);
	free(p);
	if (rc < 0) {
		config_free(cfg);
		return -1;
	}
	return 0;
}

void config_free(struct config *cfg)
{
	for (unsigned i = 0; i < cfg->n_eal_args; i++)
		free(cfg->eal_args[i]);
	free(cfg->nexthops);
	free(cfg->pathgroups);
	free(cfg->routes);
	free(cfg->registered);
	memset(cfg, 0, sizeof(*cfg));
}

int config_iface_owner(const struct config *cfg, const char *ifname)
{
	for (unsigned i = 0; i < cfg->n_ports; i++)
		if (config_port_present(cfg, i) && (strcmp(cfg->ports[i].iface, ifname) == 0 ||
						    strcmp(cfg->ports[i].kiface, ifname) == 0))
			return (int)i;
	return -1;
}

int config_port_index(const struct config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->n_ports; i++)
		if (!cfg->ports[i].removed && strcmp(cfg->ports[i].name, name) == 0)
			return (int)i;
	return -1;
}

int config_pathgroup_index(const struct config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->n_pathgroups; i++)
		if (strcmp(cfg->pathgroups[i].name, name) == 0)
			return (int)i;
	return -1;
}

int config_nexthop_index(const struct config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->n_nexthops; i++)
		if (strcmp(cfg->nexthops[i].name, name) == 0)
			return (int)i;
	return -1;
}

int config_bgp_policy_index(const struct config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->bgp.n_policies; i++)
		if (strcmp(cfg->bgp.policies[i].name, name) == 0)
			return (int)i;
	return -1;
}

int config_bgp_peer_index(const struct config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->bgp.n_peers; i++)
		if (strcmp(cfg->bgp.peers[i].name, name) == 0)
			return (int)i;
	return -1;
}
