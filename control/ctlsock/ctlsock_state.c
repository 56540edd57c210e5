/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Durable state: prefixes registered over the control socket ("managed")
 * survive a restart in STATE_DIR/registered.json. The file is replaced
 * atomically (write a temporary, fsync, rename, fsync the directory), so
 * after a crash it holds either the old or the new set, never half.
 * Prefixes the config file registers are "config" origin and never written:
 * the config stays their single source of truth.
 *
 * Managed BGP peerings (peering.add, peering.convert) live the same way in
 * STATE_DIR/peerings.json, each entry a peering.add request without "cmd".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/bgp/bgp.h"
#include "control/ctlsock/ctlsock.h"
#include "control/ctlsock/ctlsock_cmd.h"
#include "control/daemon/log.h"

#define STATE_FILE    "registered.json"
#define STATE_VERSION 1
#define PEERINGS_FILE "peerings.json"
#define LINKS_FILE    "links.json"

/* ---- origin: the config's registered prefixes, sorted once ---- */

static struct prefix *cfg_sorted;
static unsigned n_cfg_sorted;
static const struct daemon *cfg_owner;
static const struct cfg_registered *cfg_list; /* d->cfg.registered it was built from:
					       * config.reload swaps in another */

static int prefix_cmp(const void *a, const void *b)
{
	const struct prefix *x = a, *y = b;

	if (x->addr.family != y->addr.family)
		return x->addr.family < y->addr.family ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->addr.bytes, y->addr.bytes, ip_addr_bits(&x->addr) / 8);
}

bool ctlsock_state_is_config(const struct daemon *d, const struct prefix *p)
{
	if (cfg_owner != d || cfg_list != d->cfg.registered) {
		free(cfg_sorted);
		n_cfg_sorted = 0;
		cfg_owner = NULL;
		cfg_sorted = malloc((d->cfg.n_registered + 1) * sizeof(*cfg_sorted));
		if (cfg_sorted == NULL)
			return false;
		for (unsigned i = 0; i < d->cfg.n_registered; i++)
			cfg_sorted[i] = d->cfg.registered[i].prefix;
		n_cfg_sorted = d->cfg.n_registered;
		qsort(cfg_sorted, n_cfg_sorted, sizeof(*cfg_sorted), prefix_cmp);
		cfg_owner = d;
		cfg_list = d->cfg.registered;
	}
	return bsearch(p, cfg_sorted, n_cfg_sorted, sizeof(*cfg_sorted), prefix_cmp) != NULL;
}

static void peerings_fini(void);
static void links_fini(void);

void ctlsock_state_fini(void)
{
	peerings_fini();
	links_fini();
	free(cfg_sorted);
	cfg_sorted = NULL;
	n_cfg_sorted = 0;
	cfg_owner = NULL;
	cfg_list = NULL;
}

int ctlsock_mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (char *s = buf + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* ---- save ---- */

static int add_managed(const struct registered_info *ri, void *arg)
{
	struct daemon *d = ((void **)arg)[0];
	json_t *list = ((void **)arg)[1];
	char buf[PREFIX_STRLEN];

	if (ctlsock_state_is_config(d, &ri->prefix))
		return 0;
	return json_array_append_new(list, json_pack("{s:s,s:s}", "prefix",
						     prefix_format(&ri->prefix, buf, sizeof(buf)),
						     "customer", ri->customer));
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int write_atomic(const char *dir, const char *name, const char *data, mode_t mode, char *err,
			size_t errlen)
{
	char tmp[4096], path[4096];
	int fd, ret;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name) >= sizeof(tmp)) {
		snprintf(err, errlen, "state_dir %s: path too long", dir);
		return -ENAMETOOLONG;
	}
	if ((ret = ctlsock_mkdir_p(dir, 0750)) < 0) {
		snprintf(err, errlen, "state_dir %s: %s", dir, strerror(-ret));
		return ret;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", tmp, strerror(-ret));
		return ret;
	}
	ret = write_all(fd, data, strlen(data));
	if (ret == 0 && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	if (ret == 0 && rename(tmp, path) < 0)
		ret = -errno;
	if (ret < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		unlink(tmp);
		return ret;
	}
	/* the rename is durable only once the directory is */
	if ((ret = fsync_dir(dir)) < 0)
		snprintf(err, errlen, "%s: fsync: %s", dir, strerror(-ret));
	return ret;
}

/* {"version": STATE_VERSION, key: list} into STATE_DIR/name, atomically.
 * Takes list. 0 or -errno with the reason in err. */
static int state_write(const struct daemon *d, const char *name, const char *key, json_t *list,
		       mode_t mode, char *err, size_t errlen)
{
	json_t *root = json_pack("{s:i,s:o}", "version", STATE_VERSION, key, list);
	char *s = root != NULL ? json_dumps(root, JSON_INDENT(1)) : NULL;
	int ret;

	json_decref(root);
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = write_atomic(d->cfg.state_dir, name, s, mode, err, errlen);
	free(s);
	return ret;
}

static int state_path(const struct daemon *d, const char *name, char *path, size_t len)
{
	return (size_t)snprintf(path, len, "%s/%s", d->cfg.state_dir, name) >= len ? -ENAMETOOLONG
										   : 0;
}

/*
 * The array under key in the state file at path, of this STATE_VERSION:
 * 0 with *out a new reference to it, or NULL when there is no file yet;
 * -EINVAL when the file is unreadable (logged: "not a version N <what>
 * file"), left alone for the operator.
 */
static int state_read(const char *path, const char *key, const char *what, json_t **out)
{
	json_error_t jerr;
	json_t *root, *list;

	*out = NULL;
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		PF_LOG(ERR, "state file %s:%d: %s", path, jerr.line, jerr.text);
		return -EINVAL;
	}
	list = json_object_get(root, key);
	if (json_integer_value(json_object_get(root, "version")) != STATE_VERSION ||
	    !json_is_array(list)) {
		PF_LOG(ERR, "state file %s: not a version %d %s file", path, STATE_VERSION, what);
		json_decref(root);
		return -EINVAL;
	}
	*out = json_incref(list);
	json_decref(root);
	return 0;
}

/* The entries read at load, replacing what an earlier load left. */
static int state_read_pending(const struct daemon *d, const char *name, const char *key,
			      const char *what, json_t **pending)
{
	char path[4096];
	json_t *list;
	int ret = state_path(d, name, path, sizeof(path));

	if (ret < 0 || (ret = state_read(path, key, what, &list)) < 0)
		return ret;
	json_decref(*pending);
	*pending = list;
	return 0;
}

struct start_count {
	unsigned started, kept, dropped;
};

/* Start each entry read at load (start: 0 started, > 0 dropped, < 0 kept),
 * then forget them; the kept ones become *kept, written back by each save. */
static struct start_count start_pending(struct daemon *d, json_t **pending, json_t **kept,
					int (*start)(struct daemon *, const json_t *, size_t))
{
	struct start_count n = {0};
	json_t *e;
	size_t i;

	json_decref(*kept);
	*kept = json_array();
	json_array_foreach(*pending, i, e)
	{
		int ret = start(d, e, i);
		if (ret == 0) {
			n.started++;
		} else if (ret > 0) {
			n.dropped++;
		} else {
			json_array_append(*kept, e);
			n.kept++;
		}
	}
	json_decref(*pending);
	*pending = NULL;
	return n;
}

int ctlsock_state_save(struct daemon *d, char *err, size_t errlen)
{
	json_t *list = json_array();
	void *arg[2] = {d, list};

	if (list == NULL || routes_registered_foreach(d->routes, add_managed, arg) != 0) {
		json_decref(list);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return state_write(d, STATE_FILE, "registered", list, 0640, err, errlen);
}

/* ---- managed BGP peerings ---- */

/* Read by ctlsock_state_load, started by ctlsock_state_start_peerings;
 * entries that could not start are kept and written back by every save. */
static json_t *peerings_pending, *peerings_kept;

static void peerings_fini(void)
{
	json_decref(peerings_pending);
	json_decref(peerings_kept);
	peerings_pending = peerings_kept = NULL;
}

static json_t *peering_json(const struct bgp_peer_info *pi)
{
	const struct cfg_bgp_peer *c = pi->def;
	json_t *fam = json_array(), *o;
	char addr[64];

	if (fam == NULL)
		return NULL;
	if (c->ipv4)
		json_array_append_new(fam, json_string("ipv4"));
	if (c->ipv6)
		json_array_append_new(fam, json_string("ipv6"));
	/* The policy it runs under now: peer.set_policy on a managed peer lasts. */
	o = json_pack("{s:s,s:s,s:s,s:I,s:s,s:i,s:i,s:b,s:b,s:o}", "name", pi->name, "port",
		      pi->port, "address", ip_addr_format(&c->addr, addr, sizeof(addr)),
		      "remote_as", (json_int_t)c->remote_as, "policy", pi->policy, "hold_time",
		      (int)c->hold_time, "connect_retry", (int)c->connect_retry, "passive",
		      c->passive, "ttl_security", c->ttl_security, "families", fam);
	/* The optional fields only when set: no key, and a timer left at 0
	 * follows the daemon's default. */
	if (o != NULL &&
	    ((c->md5[0] != '\0' && json_object_set_new(o, "md5", json_string(c->md5)) < 0) ||
	     (c->open_hold_time != 0 &&
	      json_object_set_new(o, "open_hold_time", json_integer(c->open_hold_time)) < 0) ||
	     (c->send_hold_time != 0 &&
	      json_object_set_new(o, "send_hold_time", json_integer(c->send_hold_time)) < 0))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

struct peerings_walk {
	json_t *list;
	const char *skip, *also;
};

static int add_peering(const struct bgp_peer_info *pi, void *arg)
{
	struct peerings_walk *w = arg;

	if (w->skip != NULL && strcmp(pi->name, w->skip) == 0)
		return 0;
	if (!pi->managed && !(w->also != NULL && strcmp(pi->name, w->also) == 0))
		return 0;
	return json_array_append_new(w->list, peering_json(pi)) < 0 ? -ENOMEM : 0;
}

static int name_is(const struct bgp_peer_info *pi, void *arg)
{
	return strcmp(pi->name, arg) == 0;
}

int ctlsock_state_save_peerings(struct daemon *d, const char *skip, const char *also, char *err,
				size_t errlen)
{
	struct peerings_walk w = {.list = json_array(), .skip = skip, .also = also};
	json_t *e;
	size_t i;

	if (w.list == NULL || bgp_foreach_peer(d->bgp, add_peering, &w) != 0) {
		json_decref(w.list);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* Kept entries, unless a running peer took the name since. */
	json_array_foreach(peerings_kept, i, e)
	{
		const char *n = json_string_value(json_object_get(e, "name"));
		if (n != NULL && bgp_foreach_peer(d->bgp, name_is, (void *)n) == 0)
			json_array_append(w.list, e);
	}
	return state_write(d, PEERINGS_FILE, "peerings", w.list, 0600, err, errlen);
}

struct legacy_find {
	const struct cfg_bgp_peer *pc;
	char name[CTLSOCK_NAME_LEN];
};

static int find_legacy(const struct bgp_peer_info *pi, void *arg)
{
	struct legacy_find *f = arg;

	if (pi->managed || (strcmp(pi->name, f->pc->name) != 0 &&
			    memcmp(&pi->addr, &f->pc->addr, sizeof(pi->addr)) != 0))
		return 0;
	snprintf(f->name, sizeof(f->name), "%s", pi->name);
	return 1;
}

/* The documented precedence: the managed peering wins over the config's
 * with its name or its address (there can be one of each). */
static void replace_legacy(struct daemon *d, const struct cfg_bgp_peer *pc)
{
	struct legacy_find f = {.pc = pc};

	while (bgp_foreach_peer(d->bgp, find_legacy, &f) == 1) {
		PF_LOG(WARNING,
		       "bgp %s: config file peering replaced by the managed peering %s from the "
		       "state file (remove it from the config)",
		       f.name, pc->name);
		bgp_peer_remove(d->bgp, f.name);
	}
}

static int peering_start(struct daemon *d, const json_t *e, size_t i)
{
	struct ctlsock_peering pg;
	struct ctlsock_err err = {0};
	struct cfg_bgp_peer pc;
	char why[256];

	if (d->bgp == NULL) {
		PF_LOG(ERR, "%s: peerings[%zu]: no BGP speaker runs: kept, not started",
		       PEERINGS_FILE, i);
		return -1;
	}
	if (ctlsock_peering_parse(e, false, &pg, &err) < 0 ||
	    ctlsock_peering_resolve(d, &pg, &pc, &err) < 0) {
		PF_LOG(ERR, "%s: peerings[%zu]: %s: kept, not started", PEERINGS_FILE, i,
		       err.message);
		return -1;
	}
	replace_legacy(d, &pc);
	if (bgp_peer_add(d->bgp, &pc, why, sizeof(why)) < 0) {
		PF_LOG(ERR, "%s: peering %s: %s: kept, not started", PEERINGS_FILE, pc.name, why);
		return -1;
	}
	return 0;
}

void ctlsock_state_start_peerings(struct daemon *d)
{
	if (peerings_pending == NULL)
		return;
	struct start_count n = start_pending(d, &peerings_pending, &peerings_kept, peering_start);
	PF_LOG(NOTICE, "state file %s/%s: %u managed peerings started, %u kept but not started",
	       d->cfg.state_dir, PEERINGS_FILE, n.started, n.kept);
}

/* ---- managed links ---- */

/* As the peerings: read at load, started later, the failed ones kept. */
static json_t *links_pending, *links_kept;

static void links_fini(void)
{
	json_decref(links_pending);
	json_decref(links_kept);
	links_pending = links_kept = NULL;
}

static json_t *link_json(const struct cfg_port *p)
{
	json_t *addrs = json_array(), *o;
	char buf[64];

	if (addrs == NULL)
		return NULL;
	for (unsigned k = 0; k < p->n_addrs; k++)
		json_array_append_new(addrs,
				      json_string(prefix_format(&p->addrs[k], buf, sizeof(buf))));
	o = json_pack("{s:s,s:s,s:s,s:o}", "name", p->name, "device", p->device, "tier",
		      ctlsock_tier_name(p->tier), "addresses", addrs);
	if (o != NULL && p->has_mac) {
		rte_ether_format_addr(buf, sizeof(buf), &p->mac);
		json_object_set_new(o, "mac", json_string(buf));
	}
	if (o != NULL) { /* explicit both ways: a PCI device's default is on */
		json_object_set_new(o, "exception", json_boolean(p->exception));
		if (p->exception)
			json_object_set_new(o, "exception_iface", json_string(p->kiface));
	}
	return o;
}

int ctlsock_state_save_links(struct daemon *d, const char *skip, char *err, size_t errlen)
{
	json_t *list = json_array(), *e;
	size_t i;

	for (unsigned k = 0; list != NULL && k < d->cfg.n_ports; k++) {
		const struct cfg_port *p = &d->cfg.ports[k];
		if (config_port_present(&d->cfg, k) && p->managed &&
		    (skip == NULL || strcmp(p->name, skip) != 0) &&
		    json_array_append_new(list, link_json(p)) < 0) {
			json_decref(list);
			list = NULL;
		}
	}
	if (list == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* Kept entries, unless a running port took the name since. */
	json_array_foreach(links_kept, i, e)
	{
		const char *n = json_string_value(json_object_get(e, "name"));
		if (n != NULL && config_port_index(&d->cfg, n) < 0)
			json_array_append(list, e);
	}
	return state_write(d, LINKS_FILE, "links", list, 0640, err, errlen);
}

static int link_start(struct daemon *d, const json_t *e, size_t i)
{
	struct ctlsock_link l;
	struct ctlsock_err err = {0};
	char why[512];

	if (!json_is_object(e) || ctlsock_link_parse(e, &l, &err) < 0) {
		PF_LOG(ERR, "%s: links[%zu]: %s: kept, not started", LINKS_FILE, i,
		       json_is_object(e) ? err.message : "not an object");
		return -1;
	}
	if (config_port_index(&d->cfg, l.name) >= 0) {
		PF_LOG(NOTICE, "%s: link %s: the config file has it now: entry dropped", LINKS_FILE,
		       l.name);
		return 1;
	}
	if (ctlsock_link_start(d, &l, why, sizeof(why)) < 0) {
		PF_LOG(ERR, "%s: link %s: %s: kept, not started", LINKS_FILE, l.name, why);
		return -1;
	}
	return 0;
}

void ctlsock_state_start_links(struct daemon *d)
{
	char why[512];

	if (links_pending == NULL)
		return;
	struct start_count n = start_pending(d, &links_pending, &links_kept, link_start);
	if (n.dropped > 0 && ctlsock_state_save_links(d, NULL, why, sizeof(why)) < 0)
		PF_LOG(ERR, "%s: not rewritten: %s", LINKS_FILE, why);
	PF_LOG(NOTICE, "state file %s/%s: %u managed links started, %u kept but not started",
	       d->cfg.state_dir, LINKS_FILE, n.started, n.kept);
}

/* ---- load ---- */

static int load_entry(struct daemon *d, const json_t *e, size_t i, const char *path)
{
	const char *ps = json_string_value(json_object_get(e, "prefix"));
	const json_t *cj = json_object_get(e, "customer");
	const char *customer = json_is_string(cj) ? json_string_value(cj) : "";
	struct prefix p;
	int ret;

	if (ps == NULL || prefix_parse(ps, &p, false) < 0 || strlen(customer) >= 64) {
		PF_LOG(ERR, "%s: registered[%zu]: not a valid entry: skipped", path, i);
		return -EINVAL;
	}
	pthread_mutex_lock(&d->lock);
	ret = routes_register(d->routes, &p, customer, NULL);
	pthread_mutex_unlock(&d->lock);
	if (ret == -EEXIST) {
		PF_LOG(INFO, "%s: %s is registered by the config file now", path, ps);
		return 0;
	}
	if (ret < 0)
		PF_LOG(ERR, "%s: registering %s: %s", path, ps, strerror(-ret));
	return ret;
}

int ctlsock_state_load(struct daemon *d)
{
	char path[4096];
	unsigned loaded = 0, failed = 0;
	const json_t *e;
	json_t *list;
	size_t i;

	/* Links and peerings are only read here: they start later. */
	if (state_path(d, STATE_FILE, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	if (state_read_pending(d, LINKS_FILE, "links", "links", &links_pending) < 0 ||
	    state_read_pending(d, PEERINGS_FILE, "peerings", "peerings", &peerings_pending) < 0 ||
	    state_read(path, "registered", "registrations", &list) < 0)
		return -EINVAL;
	if (list == NULL) /* nothing registered yet */
		return 0;
	json_array_foreach(list, i, e)
	{
		if (load_entry(d, e, i, path) < 0)
			failed++;
		else
			loaded++;
	}
	json_decref(list);
	PF_LOG(NOTICE, "state file %s: %u managed registrations restored, %u failed", path, loaded,
	       failed);
	return 0;
}
