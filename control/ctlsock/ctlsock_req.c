/* SPDX-License-Identifier: BSD-3-Clause */
/* Control socket requests: framing, the command table, validation. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/config/config.h"
#include "control/ctlsock/ctlsock_req.h"

int ctlsock_err_set(struct ctlsock_err *err, const char *code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

const char *ctlsock_tier_name(enum pf_tier t)
{
	switch (t) {
	case TIER_PRIMARY:
		return "primary";
	case TIER_LOCAL:
		return "local";
	case TIER_GEO:
		return "geo";
	default:
		return "none";
	}
}

/* ---- typed fields ---- */

/* 1 when present, 0 when absent and optional, -1 (err set) otherwise. */
static int field(const json_t *req, const char *key, bool required, json_type type,
		 const char *type_name, const json_t **out, struct ctlsock_err *err)
{
	const json_t *v = json_object_get(req, key);

	if (v == NULL || json_is_null(v)) {
		if (required)
			return ctlsock_err_set(err, CTLSOCK_E_BAD_REQUEST, "missing field '%s'",
					       key);
		return 0;
	}
	if (json_typeof(v) != type)
		return ctlsock_err_set(err, CTLSOCK_E_BAD_REQUEST, "field '%s' must be %s", key,
				       type_name);
	*out = v;
	return 1;
}

static int get_string(const json_t *req, const char *key, bool required, char *out, size_t len,
		      struct ctlsock_err *err)
{
	const json_t *v = NULL;
	int ret = field(req, key, required, JSON_STRING, "a string", &v, err);

	if (ret <= 0)
		return ret;
	if (json_string_length(v) >= len)
		return ctlsock_err_set(err, CTLSOCK_E_INVALID_ARGUMENT,
				       "field '%s' is longer than %zu bytes", key, len - 1);
	/* Strings end up in logs, state files and tables: no control bytes
	 * (an embedded NUL would also silently truncate). */
	const char *s = json_string_value(v);
	for (size_t i = 0; i < json_string_length(v); i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return ctlsock_err_set(err, CTLSOCK_E_INVALID_ARGUMENT,
					       "field '%s' contains control characters", key);
	memcpy(out, s, json_string_length(v) + 1);
	return 1;
}

static int get_uint(const json_t *req, const char *key, uint64_t min, uint64_t max, uint64_t *out,
		    struct ctlsock_err *err)
{
	const json_t *v = NULL;
	int ret = field(req, key, false, JSON_INTEGER, "an integer", &v, err);

	if (ret <= 0)
		return ret;
	json_int_t i = json_integer_value(v);
	if (i < 0 || (uint64_t)i < min || (uint64_t)i > max)
		return ctlsock_err_set(err, CTLSOCK_E_INVALID_ARGUMENT,
				       "field '%s' must be between %llu and %llu", key,
				       (unsigned long long)min, (unsigned long long)max);
	*out = (uint64_t)i;
	return 1;
}

static int get_prefix(const json_t *req, const char *key, struct prefix *p, struct ctlsock_err *err)
{
	char s[PREFIX_STRLEN + 8], hint[PREFIX_STRLEN];
	int ret = get_string(req, key, true, s, sizeof(s), err);

	if (ret < 0)
		return ret;
	if (prefix_parse(s, p, false) == 0)
		return 0;
	if (prefix_parse(s, p, true) == 0) {
		prefix_mask(p);
		return ctlsock_err_set(err, CTLSOCK_E_INVALID_ARGUMENT,
				       "prefix '%s' has host bits set (did you mean %s?)", s,
				       prefix_format(p, hint, sizeof(hint)));
	}
	return ctlsock_err_set(err, CTLSOCK_E_INVALID_ARGUMENT,
			       "'%s' is not an IPv4 or IPv6 prefix (a.b.c.d/len, x:y::/len)", s);
}

/* "ipv4"/"ipv6" (or "4"/"6"); absent is both. */
static int get_family(const json_t *req, int *family, struct ctlsock_err *err)
{
	char s[8];
	int ret = get_string(req, "family", false, s, sizeof(s), err);

	*family = 0;
	if (ret == 0)
		return 0;
	if (ret > 0 && (strcmp(s, "ipv4") == 0 || strcmp(s, "4") == 0))
		*family = AF_INET;
	else if (ret > 0 && (strcmp(s, "ipv6") == 0 || strcmp(s, "6") == 0))
		*family = AF_INET6;
	else
		return ctlsock_err_set(err, CTLSOCK_E_INVALID_ARGUMENT,
				       "field 'family' must be \"ipv4\" or \"ipv6\"");
	return 0;
}

/* ---- per-command validation ---- */

static int parse_none(const json_t *req, struct ctlsock_req *out, struct ctlsock_err *err)
{
	(void)req;
	(void)out;
	(void)err;
	return 0;
}

static int parse_register(const json_t *req, struct ctlsock_req *out, struct ctlsock_err *err)
{
	if (get_prefix(req, "prefix", &out->reg.prefix, err) < 0 ||
	    get_string(req, "customer", false, out->reg.customer, sizeof(out->reg.customer), err) <
		    0)
		return -1;
	return 0;
}

static int parse_unregister(const json_t *req, struct ctlsock_req *out, struct ctlsock_err *err)
{
	return get_prefix(req, "prefix", &out->reg.prefix, err);
}

static int parse_list(const json_t *req, struct ctlsock_req *out, struct ctlsock_err *err)
{
	uint64_t cursor = 0, limit = CTLSOCK_LIST_DEFAULT;

	if (get_family(req, &out->list.family, err) < 0 ||
	    get_uint(req, "cursor", 0, UINT32_MAX, &cursor, err) < 0 ||
	    get_uint(req, "limit", 1, CTLSOCK_LIST_MAX, &limit, err) < 0)
		return -1;
	out->list.cursor = (uint32_t)cursor;
	out->list.limit = (unsigned)limit;
	return 0;
}

static int parse_history(const json_t *req, struct ctlsock_req *out, struct ctlsock_err *err)
{
	uint64_t limit = CTLSOCK_LIST_MAX;

	if (get_uint(req, "limit", 1, CTLSOCK_LIST_MAX, &limit, err) < 0)
		return -1;
	out->list.limit = (unsigned)limit;
	return 0;
}

static int parse_lookup(const json_t *req, struct ctlsock_req *out, struct ctlsock_err *err)
{
	char s[64];

	if (get_string(req, "address", true, s, sizeof(s), err) < 0)
		return -1;
	if (ip_addr_parse(s, &out->lookup.addr) < 0)
		return ctlsock_err_set(err, CTLSOCK_E_INVALID_ARGUMENT,
				       "'%s' is not an IPv4 or IPv6 address", s);
	return 0;
}

/* key, required: the string yes (*out true) or no (*out false). */
static int get_either(const json_t *req, const char *key, const char *yes, const char *no,
		      bool *out, struct ctlsock_err *err)
{
	char s[8]; /* as each caller had: a longer value is refused by get_string */

	if (get_string(req, key, true, s, sizeof(s), err) < 0)
		return -1;
	if (strcmp(s, yes) != 0 && strcmp(s, no) != 0)
		return ctlsock_err_set(err, CTLSOCK_E_INVALID_ARGUMENT,
				       "field '%s' must be \"%s\" or \"%s\"", key, yes, no);
	*out = strcmp(s, yes) == 0;
	return 0;
}

static int parse_link_set(const json_t *req, struct ctlsock_req *out, struct ctlsock_err *err)
{
	if (get_string(req, "port", true, out->link.port, sizeof(out->link.port), err) < 0)
		return -1;
	return get_either(req, "state", "down", "up", &out->link.down, err);
}

static int parse_tier(const json_t *req, struct ctlsock_req *out, struct ctlsock_err *err)
{
	char s[16];

	if (get_string(req, "tier", true, s, sizeof(s), err) < 0)
		return -1;
	for (int t = 0; t < TIER__MAX; t++)
		if (strcmp(s, ctlsock_tier_name((enum pf_tier)t)) == 0) {
			out->tier.tier = (enum pf_tier)t;
			return 0;
		}
	return ctlsock_err_set(err, CTLSOCK_E_INVALID_ARGUMENT,
			       "field 'tier' must be \"primary\", \"local\" or \"geo\"");
}

static int parse_config_check(const json_t *req, struct ctlsock_req *out, struct ctlsock_err *err)
{
	out->check.path[0] = '\0';
	return get_string(req, "path", false, out->check.path, sizeof(out->check.path), err) < 0
		       ? -1
		       : 0;
}

/* A config name (peer, policy, path group): present and not empty. */
static int get_name(const json_t *req, const char *key, char *out, size_t len,
		    struct ctlsock_err *err)
{
	if (get_string(req, key, true, out, len, err) < 0)
		return -1;
	if (out[0] == '\0')
		return ctlsock_err_set(err, CTLSOCK_E_INVALID_ARGUMENT, "field '%s' is empty", key);
	return 0;
}

static int parse_peer(const json_t *req, struct ctlsock_req *out, struct ctlsock_err *err)
{
	return get_name(req, "peer", out->peer.name, sizeof(out->peer.name), err);
}

static int parse_peer_reset(const json_t *req, struct ctlsock_req *out, struct ctlsock_err *err)
{
	if (parse_peer(req, out, err) < 0)
		return -1;
	return get_either(req, "mode", "soft", "hard", &out->peer.soft, err);
}

static int parse_peer_gshut(const json_t *req, struct ctlsock_req *out, struct ctlsock_err *err)
{
	if (parse_peer(req, out, err) < 0)
		return -1;
	return get_either(req, "state", "on", "off", &out->peer.on, err);
}

static int parse_peer_policy(const json_t *req, struct ctlsock_req *out, struct ctlsock_err *err)
{
	if (parse_peer(req, out, err) < 0 ||
	    get_name(req, "policy", out->peer.policy, sizeof(out->peer.policy), err) < 0)
		return -1;
	return 0;
}

static int parse_route_add(const json_t *req, struct ctlsock_req *out, struct ctlsock_err *err)
{
	if (get_prefix(req, "prefix", &out->route.prefix, err) < 0 ||
	    get_name(req, "pathgroup", out->route.pathgroup, sizeof(out->route.pathgroup), err) < 0)
		return -1;
	return 0;
}

static int parse_route_del(const json_t *req, struct ctlsock_req *out, struct ctlsock_err *err)
{
	return get_prefix(req, "prefix", &out->route.prefix, err);
}

/* ---- link.add, link.remove ---- */

/* DDDD:BB:DD.F, as the config accepts it. */
static bool is_pci_addr(const char *s)
{
	static const char pattern[] = "xxxx:xx:xx.x";

	if (strlen(s) != sizeof(pattern) - 1)
		return false;
	for (unsigned i = 0; i < sizeof(pattern) - 1; i++)
		if (pattern[i] == 'x' ? !isxdigit((unsigned char)s[i]) : s[i] != pattern[i])
			return false;
	return s[11] >= '0' && s[11] <= '7';
}

static int link_device(struct ctlsock_link *l, struct ctlsock_err *err)
{
	const char *d = l->device, *arg;

	l->is_pci = is_pci_addr(d);
	l->iface[0] = '\0';
	if (l->is_pci)
		return 0;
	if (strncmp(d, "net_", 4) != 0 || !isalnum((unsigned char)d[4]))
		return ctlsock_err_set(err, CTLSOCK_E_INVALID_ARGUMENT,
				       "device \"%s\" is neither a PCI address (0000:01:00.0) "
				       "nor a vdev (net_...)",
				       d);
	if (strchr(d, ' ') != NULL)
		return ctlsock_err_set(err, CTLSOCK_E_INVALID_ARGUMENT,
				       "device \"%s\" contains a space", d);
	if (strncmp(d, "net_af_packet", 13) != 0 && strncmp(d, "net_af_xdp", 10) != 0)
		return 0;
	for (arg = strchr(d, ','); arg != NULL; arg = strchr(arg + 1, ',')) {
		if (strncmp(arg + 1, "iface=", 6) != 0)
			continue;
		size_t n = strcspn(arg + 7, ",");
		if (n == 0 || n >= CTLSOCK_IFACE_LEN)
			return ctlsock_err_set(err, CTLSOCK_E_INVALID_ARGUMENT,
					       "iface= must name an interface of 1..%d characters",
					       CTLSOCK_IFACE_LEN - 1);
		memcpy(l->iface, arg + 7, n);
		l->iface[n] = '\0';
		return 0;
	}
	return ctlsock_err_set(err, CTLSOCK_E_INVALID_ARGUMENT,
			       "device \"%s\": this vdev needs iface=<kernel interface>", d);
}

static int link_addresses(const json_t *req, struct ctlsock_link *l, struct ctlsock_err *err)
{
	const json_t *a = NULL, *v;
	size_t i;
	int ret = field(req, "addresses", false, JSON_ARRAY, "an array of strings", &a, err);

	l->n_addrs = 0;
	if (ret <= 0)
		return ret;
	if (json_array_size(a) > CTLSOCK_MAX_ADDRS)
		return ctlsock_err_set(err, CTLSOCK_E_INVALID_ARGUMENT,
				       "field 'addresses' has more than %d entries",
				       CTLSOCK_MAX_ADDRS);
	json_array_foreach(a, i, v)
	{
		struct prefix *p = &l->addrs[l->n_addrs];
		if (!json_is_string(v))
			return ctlsock_err_set(err, CTLSOCK_E_BAD_REQUEST,
					       "field 'addresses' must be an array of strings");
		if (prefix_parse(json_string_value(v), p, true) < 0)
			return ctlsock_err_set(
				err, CTLSOCK_E_INVALID_ARGUMENT,
				"address '%.64s' is not an address with prefix length "
				"(198.51.100.1/30, 2001:db8::1/64)",
				json_string_value(v));
		for (unsigned k = 0; k < l->n_addrs; k++)
			if (prefix_equal(&l->addrs[k], p))
				return ctlsock_err_set(err, CTLSOCK_E_INVALID_ARGUMENT,
						       "address '%.64s' listed twice",
						       json_string_value(v));
		l->n_addrs++;
	}
	return 0;
}

static int link_mac(const json_t *req, struct ctlsock_link *l, struct ctlsock_err *err)
{
	char s[32];
	unsigned b[6];
	char end;
	int ret = get_string(req, "mac", false, s, sizeof(s), err);

	l->has_mac = false;
	if (ret <= 0)
		return ret;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &end) != 6 ||
	    strlen(s) != 17)
		return ctlsock_err_set(err, CTLSOCK_E_INVALID_ARGUMENT,
				       "'%s' is not a MAC address like 02:00:00:00:01:01", s);
	for (int i = 0; i < 6; i++)
		l->mac.addr_bytes[i] = (uint8_t)b[i];
	if ((b[0] & 1) != 0 || (b[0] | b[1] | b[2] | b[3] | b[4] | b[5]) == 0)
		return ctlsock_err_set(err, CTLSOCK_E_INVALID_ARGUMENT,
				       "%s is not a unicast MAC address", s);
	l->has_mac = true;
	return 0;
}

static int get_bool(const json_t *req, const char *key, bool *out, struct ctlsock_err *err);

/* exception (default: a PCI device) and the TAP's name, as the config file
 * takes them (config.c port_exception). */
static int link_exception(const json_t *req, struct ctlsock_link *l, struct ctlsock_err *err)
{
	int ret;

	l->exception = l->is_pci;
	l->exception_iface[0] = '\0';
	if (get_bool(req, "exception", &l->exception, err) < 0 ||
	    (ret = get_string(req, "exception_iface", false, l->exception_iface,
			      sizeof(l->exception_iface), err)) < 0)
		return -1;
	if (ret > 0 && !l->exception)
		return ctlsock_err_set(err, CTLSOCK_E_INVALID_ARGUMENT,
				       "field 'exception_iface' set without exception");
	if (!l->exception)
		return 0;
	if (ret == 0 && !config_tap_default(l->name, l->exception_iface))
		return ctlsock_err_set(err, CTLSOCK_E_INVALID_ARGUMENT,
				       "the TAP's default name pf-%s is longer than %d characters: "
				       "give exception_iface",
				       l->name, CTLSOCK_IFACE_LEN - 1);
	if (!config_iface_name_ok(l->exception_iface))
		return ctlsock_err_set(err, CTLSOCK_E_INVALID_ARGUMENT,
				       "'%s' is no interface name (letters, digits, '-', '_', '.')",
				       l->exception_iface);
	if (strcmp(l->exception_iface, l->iface) == 0)
		return ctlsock_err_set(err, CTLSOCK_E_INVALID_ARGUMENT,
				       "the TAP cannot be the device's own interface %s", l->iface);
	return 0;
}

int ctlsock_link_parse(const json_t *req, struct ctlsock_link *l, struct ctlsock_err *err)
{
	char tier[16];
	int ret;

	if (get_name(req, "name", l->name, sizeof(l->name), err) < 0 ||
	    get_name(req, "device", l->device, sizeof(l->device), err) < 0 ||
	    link_device(l, err) < 0)
		return -1;
	l->tier = TIER__MAX;
	if ((ret = get_string(req, "tier", false, tier, sizeof(tier), err)) < 0)
		return -1;
	if (ret > 0) {
		int t;
		for (t = 0; t <= TIER__MAX; t++)
			if (strcmp(tier, ctlsock_tier_name((enum pf_tier)t)) == 0)
				break;
		if (t > TIER__MAX)
			return ctlsock_err_set(err, CTLSOCK_E_INVALID_ARGUMENT,
					       "field 'tier' must be \"primary\", \"local\", "
					       "\"geo\" or \"none\"");
		l->tier = (enum pf_tier)t;
	}
	if (link_addresses(req, l, err) < 0 || link_mac(req, l, err) < 0 ||
	    link_exception(req, l, err) < 0)
		return -1;
	return 0;
}

static int parse_link_add(const json_t *req, struct ctlsock_req *out, struct ctlsock_err *err)
{
	return ctlsock_link_parse(req, &out->link_add, err);
}

static int parse_link_remove(const json_t *req, struct ctlsock_req *out, struct ctlsock_err *err)
{
	return get_name(req, "name", out->link_add.name, sizeof(out->link_add.name), err);
}

/* ---- peering.add and the state file's peerings ---- */

static const char *const k_peering[] = {
	"name",		  "port", "address",	  "remote_as",	   "policy",   "hold_time",
	"passive",	  "md5",  "ttl_security", "connect_retry", "families", "open_hold_time",
	"send_hold_time", NULL};

static int get_bool(const json_t *req, const char *key, bool *out, struct ctlsock_err *err)
{
	const json_t *v = json_object_get(req, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return ctlsock_err_set(err, CTLSOCK_E_BAD_REQUEST,
				       "field '%s' must be true or false", key);
	*out = json_is_true(v);
	return 1;
}

/* A name as the config file's: it ends up in metrics labels and logs. */
static int get_config_name(const json_t *req, const char *key, char *out, size_t len,
			   struct ctlsock_err *err)
{
	if (get_name(req, key, out, len, err) < 0)
		return -1;
	for (const char *c = out; *c != '\0'; c++)
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' && *c != '.')
			return ctlsock_err_set(
				err, CTLSOCK_E_INVALID_ARGUMENT,
				"field '%s': use only letters, digits, '-', '_' and '.'", key);
	return 0;
}

static int get_families(const json_t *req, struct ctlsock_peering *out, struct ctlsock_err *err)
{
	const json_t *v = NULL, *e;
	int ret = field(req, "families", false, JSON_ARRAY, "an array", &v, err);
	size_t i;

	if (ret <= 0) {
		out->ipv4 = out->addr.family == AF_INET;
		out->ipv6 = out->addr.family == AF_INET6;
		return ret;
	}
	if (json_array_size(v) == 0)
		return ctlsock_err_set(err, CTLSOCK_E_INVALID_ARGUMENT,
				       "field 'families' is empty");
	json_array_foreach(v, i, e)
	{
		const char *f = json_string_value(e);
		if (f != NULL && strcmp(f, "ipv4") == 0 && !out->ipv4)
			out->ipv4 = true;
		else if (f != NULL && strcmp(f, "ipv6") == 0 && !out->ipv6)
			out->ipv6 = true;
		else
			return ctlsock_err_set(
				err, CTLSOCK_E_INVALID_ARGUMENT,
				"field 'families': \"ipv4\" and/or \"ipv6\", each once");
	}
	return 1;
}

static int peering_numbers(const json_t *obj, struct ctlsock_peering *out, struct ctlsock_err *err)
{
	uint64_t as = 0, hold = 90, retry = 5, open_hold = 0, send_hold = 0;

	if (json_object_get(obj, "remote_as") == NULL)
		return ctlsock_err_set(err, CTLSOCK_E_BAD_REQUEST, "missing field 'remote_as'");
	if (get_uint(obj, "remote_as", 1, UINT32_MAX, &as, err) < 0 ||
	    get_uint(obj, "hold_time", 0, 65535, &hold, err) < 0 ||
	    get_uint(obj, "connect_retry", 1, 65535, &retry, err) < 0 ||
	    get_uint(obj, "open_hold_time", 3, 65535, &open_hold, err) < 0 ||
	    get_uint(obj, "send_hold_time", 3, 65535, &send_hold, err) < 0)
		return -1;
	/* RFC 4271 4.2: zero or at least three seconds. */
	if (hold == 1 || hold == 2)
		return ctlsock_err_set(err, CTLSOCK_E_INVALID_ARGUMENT,
				       "field 'hold_time' must be 0 or 3..65535 seconds");
	out->remote_as = (uint32_t)as;
	out->hold_time = (uint16_t)hold;
	out->connect_retry = (uint16_t)retry;
	out->open_hold_time = (uint16_t)open_hold;
	out->send_hold_time = (uint16_t)send_hold;
	return 0;
}

int ctlsock_peering_parse(const json_t *obj, bool allow_cmd, struct ctlsock_peering *out,
			  struct ctlsock_err *err)
{
	char addr[64];
	const char *key;
	json_t *v;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(obj))
		return ctlsock_err_set(err, CTLSOCK_E_BAD_REQUEST, "a peering is a JSON object");
	json_object_foreach((json_t *)obj, key, v)
	{
		bool known = allow_cmd && (strcmp(key, "cmd") == 0 || strcmp(key, "id") == 0);
		for (const char *const *k = k_peering; !known && *k != NULL; k++)
			known = strcmp(*k, key) == 0;
		if (!known)
			return ctlsock_err_set(err, CTLSOCK_E_BAD_REQUEST,
					       "peering: unknown field '%.64s'", key);
	}
	if (get_config_name(obj, "name", out->name, sizeof(out->name), err) < 0 ||
	    get_name(obj, "port", out->port, sizeof(out->port), err) < 0 ||
	    get_string(obj, "address", true, addr, sizeof(addr), err) < 0 ||
	    get_name(obj, "policy", out->policy, sizeof(out->policy), err) < 0 ||
	    peering_numbers(obj, out, err) < 0 ||
	    get_bool(obj, "passive", &out->passive, err) < 0 ||
	    get_bool(obj, "ttl_security", &out->ttl_security, err) < 0 ||
	    get_string(obj, "md5", false, out->md5, sizeof(out->md5), err) < 0)
		return -1;
	if (ip_addr_parse(addr, &out->addr) < 0)
		return ctlsock_err_set(err, CTLSOCK_E_INVALID_ARGUMENT,
				       "'%s' is not an IPv4 or IPv6 address", addr);
	return get_families(obj, out, err) < 0 ? -1 : 0;
}

static int parse_peering_add(const json_t *req, struct ctlsock_req *out, struct ctlsock_err *err)
{
	return ctlsock_peering_parse(req, true, &out->peering, err);
}

static int parse_peering_name(const json_t *req, struct ctlsock_req *out, struct ctlsock_err *err)
{
	return get_name(req, "name", out->peer.name, sizeof(out->peer.name), err);
}

/* ---- the table ---- */

static const char *const k_none[] = {NULL};
static const char *const k_register[] = {"prefix", "customer", NULL};
static const char *const k_prefix[] = {"prefix", NULL};
static const char *const k_list[] = {"family", "cursor", "limit", NULL};
static const char *const k_limit[] = {"limit", NULL};
static const char *const k_address[] = {"address", NULL};
static const char *const k_link[] = {"port", "state", NULL};
static const char *const k_tier[] = {"tier", NULL};
static const char *const k_path[] = {"path", NULL};
static const char *const k_peer[] = {"peer", NULL};
static const char *const k_peer_reset[] = {"peer", "mode", NULL};
static const char *const k_peer_gshut[] = {"peer", "state", NULL};
static const char *const k_peer_policy[] = {"peer", "policy", NULL};
static const char *const k_route_add[] = {"prefix", "pathgroup", NULL};
static const char *const k_name[] = {"name", NULL};
static const char *const k_link_add[] = {"name",      "device",		 "tier", "addresses", "mac",
					 "exception", "exception_iface", NULL};

#define CMD(i, n, m, k, p, h)                                                                      \
	[i] = {.name = n, .id = i, .mutating = m, .keys = k, .parse = p, .help = h}

const struct ctlsock_cmd_spec ctlsock_cmds[CTLSOCK_CMD__MAX] = {
	CMD(CTLSOCK_CMD_HELP, "help", false, k_none, parse_none, "list the commands"),
	CMD(CTLSOCK_CMD_VERSION, "version", false, k_none, parse_none, "daemon and API version"),
	CMD(CTLSOCK_CMD_STATUS, "status", false, k_none, parse_none,
	    "uptime, ports, workers, route and prefix counts, traffic totals"),
	CMD(CTLSOCK_CMD_PORTS, "ports", false, k_none, parse_none,
	    "per port: driver, MAC, tier, link/carrier/admin state, speed, counters"),
	CMD(CTLSOCK_CMD_WORKERS, "workers", false, k_none, parse_none,
	    "per worker: lcore, busy/idle polls, load"),
	CMD(CTLSOCK_CMD_DROPS, "drops", false, k_none, parse_none, "drop counters by reason"),
	CMD(CTLSOCK_CMD_PREFIX_REGISTER, "prefix.register", true, k_register, parse_register,
	    "register a customer prefix {prefix, customer?} (kept across restarts)"),
	CMD(CTLSOCK_CMD_PREFIX_UNREGISTER, "prefix.unregister", true, k_prefix, parse_unregister,
	    "unregister a prefix registered over this socket {prefix}"),
	CMD(CTLSOCK_CMD_PREFIX_LIST, "prefix.list", false, k_list, parse_list,
	    "registered prefixes: state, route, path group, counters {family?, cursor?, limit?}"),
	CMD(CTLSOCK_CMD_ROUTE_LOOKUP, "route.lookup", false, k_address, parse_lookup,
	    "where traffic to an address goes now {address}"),
	CMD(CTLSOCK_CMD_ROUTE_LIST, "route.list", false, k_list, parse_list,
	    "table entries, paged {family?, cursor?, limit?}"),
	CMD(CTLSOCK_CMD_LINK_SET, "link.set", true, k_link, parse_link_set,
	    "force a link down for maintenance or release it {port, state: down|up}"),
	CMD(CTLSOCK_CMD_FAILOVER_HISTORY, "failover.history", false, k_limit, parse_history,
	    "recent link liveness changes, newest first {limit?}"),
	CMD(CTLSOCK_CMD_TIER_FORCE, "tier.force", true, k_tier, parse_tier,
	    "carry traffic on one tier only: force the other tiers' links down {tier}"),
	CMD(CTLSOCK_CMD_TIER_RELEASE, "tier.release", true, k_none, parse_none, "undo tier.force"),
	CMD(CTLSOCK_CMD_CONFIG_CHECK, "config.check", false, k_path, parse_config_check,
	    "validate a config file (default: the running one) {path?}"),
	CMD(CTLSOCK_CMD_CONFIG_RELOAD, "config.reload", true, k_none, parse_none,
	    "re-read the running config file and apply it without a restart: next hops, path "
	    "groups, static routes, registered prefixes, unregistered policy, BFD sessions, "
	    "ICMP and punt rates"),
	CMD(CTLSOCK_CMD_METRICS, "metrics", false, k_none, parse_none,
	    "counters and states in Prometheus text format, in \"text\" (peerctl metrics prints "
	    "it: a node_exporter textfile collector can use it)"),
	CMD(CTLSOCK_CMD_PEERING_LIST, "peering.list", false, k_none, parse_none,
	    "BGP peerings: origin (legacy: config file; managed: control socket), port, tier, "
	    "address, AS, policy, state, uptime, prefixes received "
	    "(announcements seen, before policy)/accepted/installed, flaps, last error"),
	CMD(CTLSOCK_CMD_PEERING_STATS, "peering.stats", false, k_peer, parse_peer,
	    "one peering in detail: messages in/out by type, updates, withdrawals, prefixes, "
	    "time established, negotiated hold/keepalive, last NOTIFICATION sent/received {peer}"),
	CMD(CTLSOCK_CMD_PEER_RESET, "peer.reset", true, k_peer_reset, parse_peer_reset,
	    "reset a BGP session {peer, mode: soft|hard}: soft asks for the peer's routes again "
	    "(ROUTE-REFRESH; refused when the peer lacks it), hard sends Cease/Administrative "
	    "Reset and reconnects"),
	CMD(CTLSOCK_CMD_PEER_SET_POLICY, "peer.set_policy", true, k_peer_policy, parse_peer_policy,
	    "move a peer to another import policy of the config {peer, policy}: the session is "
	    "hard reset (Cease/Administrative Reset) and comes back under it; not durable: a "
	    "restart uses the config's policy"),
	CMD(CTLSOCK_CMD_ROUTE_ADD, "route.add", true, k_route_add, parse_route_add,
	    "add or replace an operator static route {prefix, pathgroup} (a config path group; "
	    "wins over BGP); not durable: gone after a restart, and a config.reload whose file "
	    "lists the prefix takes it over"),
	CMD(CTLSOCK_CMD_ROUTE_DEL, "route.del", true, k_prefix, parse_route_del,
	    "remove an operator static route {prefix} (config file routes are read_only)"),
	CMD(CTLSOCK_CMD_PEERING_ADD, "peering.add", true, k_peering, parse_peering_add,
	    "add a managed BGP peering {name, port, address, remote_as, policy, hold_time?, "
	    "passive?, md5?, ttl_security?, connect_retry?, families?, open_hold_time?, "
	    "send_hold_time?}: started at once, kept "
	    "across restarts"),
	CMD(CTLSOCK_CMD_PEERING_REMOVE, "peering.remove", true, k_name, parse_peering_name,
	    "remove a managed peering {name}: Cease/Peer De-configured, its routes withdrawn "
	    "(config file peerings are read_only: peering.convert them first)"),
	CMD(CTLSOCK_CMD_PEERING_CONVERT, "peering.convert", true, k_name, parse_peering_name,
	    "make a config file (legacy) peering managed {name}: the session is untouched, it "
	    "is kept in the state file and wins over the config's from the next start"),
	CMD(CTLSOCK_CMD_LINK_ADD, "link.add", true, k_link_add, parse_link_add,
	    "start a new port {name, device (PCI address or net_* vdev, af_packet/af_xdp with "
	    "iface=), tier? (primary|local|geo|none, default none), addresses?, mac?}: one rx "
	    "queue, polled by the least loaded worker; not durable: gone after a restart (add it "
	    "to the config file), and config.reload refuses to run while the ports differ"),
	CMD(CTLSOCK_CMD_LINK_REMOVE, "link.remove", true, k_name, parse_link_remove,
	    "stop and remove a port {name}: refused (busy) while a config next hop or a BGP "
	    "peering uses it; only the last port in the list can be removed; not durable"),
	CMD(CTLSOCK_CMD_BFD_LIST, "bfd.list", false, k_none, parse_none,
	    "BFD sessions: next hop, addresses, state (ours, the neighbour's), since, TX "
	    "interval and detection time in use, multiplier, authentication, times up, packets "
	    "in/out, authentication failures, whether it holds its next hop down"),
	CMD(CTLSOCK_CMD_PEER_GSHUT, "peer.graceful_shutdown", true, k_peer_gshut, parse_peer_gshut,
	    "graceful shutdown (RFC 8326) of a BGP session {peer, state: on|off}: our routes to "
	    "it carry GRACEFUL_SHUTDOWN (65535:0), so that the carrier moves their traffic to "
	    "its other links before this one goes down for maintenance; not durable"),
};

const struct ctlsock_cmd_spec *ctlsock_cmd_find(const char *name)
{
	for (unsigned i = 0; i < CTLSOCK_CMD__MAX; i++)
		if (strcmp(ctlsock_cmds[i].name, name) == 0)
			return &ctlsock_cmds[i];
	return NULL;
}

static bool key_allowed(const struct ctlsock_cmd_spec *c, const char *key)
{
	if (strcmp(key, "cmd") == 0 || strcmp(key, "id") == 0)
		return true;
	for (const char *const *k = c->keys; *k != NULL; k++)
		if (strcmp(*k, key) == 0)
			return true;
	return false;
}

static int req_validate(const json_t *j, struct ctlsock_req *out, struct ctlsock_err *err)
{
	const json_t *cmd = json_object_get(j, "cmd");
	const char *key;
	json_t *v;

	if (!json_is_object(j))
		return ctlsock_err_set(err, CTLSOCK_E_BAD_REQUEST,
				       "a request is a JSON object {\"cmd\": ...}");
	if (cmd == NULL)
		return ctlsock_err_set(err, CTLSOCK_E_BAD_REQUEST, "missing field 'cmd'");
	if (!json_is_string(cmd))
		return ctlsock_err_set(err, CTLSOCK_E_BAD_REQUEST, "field 'cmd' must be a string");
	out->cmd = ctlsock_cmd_find(json_string_value(cmd));
	if (out->cmd == NULL)
		return ctlsock_err_set(err, CTLSOCK_E_UNKNOWN_COMMAND,
				       "unknown command '%.64s' (see 'help')",
				       json_string_value(cmd));
	/* An unknown field is most likely a typo: refuse rather than ignore it. */
	json_object_foreach(
		(json_t *)j, key,
		v) if (!key_allowed(out->cmd,
				    key)) return ctlsock_err_set(err, CTLSOCK_E_BAD_REQUEST,
								 "%s: unknown field '%.64s'",
								 out->cmd->name, key);
	return out->cmd->parse(j, out, err);
}

int ctlsock_req_parse(const char *line, size_t len, struct ctlsock_req *out,
		      struct ctlsock_err *err)
{
	json_error_t jerr;
	json_t *j, *id;
	int ret;

	memset(out, 0, sizeof(*out));
	if (len > CTLSOCK_MAX_REQUEST)
		return ctlsock_err_set(err, CTLSOCK_E_TOO_LARGE, "request longer than %u bytes",
				       CTLSOCK_MAX_REQUEST);
	j = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (j == NULL)
		return ctlsock_err_set(err, CTLSOCK_E_BAD_JSON, "column %d: %s", jerr.column,
				       jerr.text);
	ret = req_validate(j, out, err);
	id = json_is_object(j) ? json_object_get(j, "id") : NULL;
	out->id = id != NULL ? json_incref(id) : NULL;
	json_decref(j);
	if (ret < 0)
		out->cmd = NULL; /* out->id stays: the error answer echoes it */
	return ret;
}

void ctlsock_req_fini(struct ctlsock_req *req)
{
	json_decref(req->id);
	req->id = NULL;
}

/* ---- answers ---- */

static char *answer_dump(json_t *a, const json_t *id)
{
	char *s, *line;
	size_t n;

	if (a == NULL)
		return NULL;
	if (id != NULL)
		json_object_set(a, "id", (json_t *)id);
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	if (s == NULL)
		return NULL;
	n = strlen(s);
	line = realloc(s, n + 2);
	if (line == NULL) {
		free(s);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	return line;
}

char *ctlsock_answer_ok(const json_t *result, const json_t *id)
{
	json_t *a = json_pack("{s:b}", "ok", 1);

	if (a != NULL && result != NULL && json_object_update(a, (json_t *)result) < 0) {
		json_decref(a);
		return NULL;
	}
	return answer_dump(a, id);
}

char *ctlsock_answer_err(const struct ctlsock_err *err, const json_t *id)
{
	return answer_dump(json_pack("{s:b,s:{s:s,s:s}}", "ok", 0, "error", "code",
				     err->code ? err->code : CTLSOCK_E_INTERNAL, "message",
				     err->message),
			   id);
}

/* ---- framing ---- */

#define LINEBUF_MIN 4096
#define LINEBUF_MAX (CTLSOCK_MAX_REQUEST + 1) /* a maximal request and its newline */

char *ctlsock_linebuf_space(struct ctlsock_linebuf *lb, size_t *avail)
{
	if (lb->start > 0) {
		memmove(lb->buf, lb->buf + lb->start, lb->len - lb->start);
		lb->len -= lb->start;
		lb->start = 0;
	}
	if (lb->len == lb->cap) {
		size_t cap = lb->cap ? lb->cap * 2 : LINEBUF_MIN;
		if (cap > LINEBUF_MAX)
			cap = LINEBUF_MAX;
		if (cap == lb->cap)
			return NULL;		     /* full: a request too large */
		char *b = realloc(lb->buf, cap + 1); /* + NUL terminator */
		if (b == NULL)
			return NULL;
		lb->buf = b;
		lb->cap = cap;
	}
	*avail = lb->cap - lb->len;
	return lb->buf + lb->len;
}

void ctlsock_linebuf_commit(struct ctlsock_linebuf *lb, size_t n)
{
	lb->len += n;
}

int ctlsock_linebuf_next(struct ctlsock_linebuf *lb, char **line, size_t *len)
{
	char *p =
		lb->start < lb->len ? memchr(lb->buf + lb->start, '\n', lb->len - lb->start) : NULL;

	if (p == NULL)
		return lb->len - lb->start > CTLSOCK_MAX_REQUEST ? -EMSGSIZE : 0;
	*line = lb->buf + lb->start;
	*len = (size_t)(p - *line);
	*p = '\0';
	lb->start += *len + 1;
	if (*len > 0 && (*line)[*len - 1] == '\r') /* tolerate CRLF from nc/telnet users */
		(*line)[--*len] = '\0';
	if (*len > CTLSOCK_MAX_REQUEST)
		return -EMSGSIZE;
	return 1;
}

void ctlsock_linebuf_free(struct ctlsock_linebuf *lb)
{
	free(lb->buf);
	*lb = (struct ctlsock_linebuf){0};
}
