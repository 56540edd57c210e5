/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Operator static routes: route.add and route.del put ROUTE_STATIC routes
 * into the table beside the config file's. They are not durable (a restart
 * forgets them) and the config file's own routes are read_only here: the
 * file stays their single source of truth. A config.reload whose file
 * lists an operator's prefix takes it over.
 *
 * Route churn tools pipeline these requests, so a request costs one
 * binary search of the config's routes and one table change; the sorted
 * index is rebuilt only when config.reload swaps in another route list.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/ctlsock/ctlsock_cmd.h"

/* ---- origin: the config's static routes, sorted once ---- */

static struct prefix *cfg_sorted;
static unsigned n_cfg_sorted;
static const struct daemon *cfg_owner;
static const struct cfg_route *cfg_list; /* d->cfg.routes it was built from */

static int prefix_cmp(const void *a, const void *b)
{
	const struct prefix *x = a, *y = b;

	if (x->addr.family != y->addr.family)
		return x->addr.family < y->addr.family ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->addr.bytes, y->addr.bytes, ip_addr_bits(&x->addr) / 8);
}

/* 1 the config file routes p, 0 not, -ENOMEM. */
static int route_is_config(const struct daemon *d, const struct prefix *p)
{
	if (cfg_owner != d || cfg_list != d->cfg.routes || n_cfg_sorted != d->cfg.n_routes) {
		ctlsock_route_fini();
		cfg_sorted = malloc((d->cfg.n_routes + 1) * sizeof(*cfg_sorted));
		if (cfg_sorted == NULL)
			return -ENOMEM;
		for (unsigned i = 0; i < d->cfg.n_routes; i++)
			cfg_sorted[i] = d->cfg.routes[i].prefix;
		n_cfg_sorted = d->cfg.n_routes;
		qsort(cfg_sorted, n_cfg_sorted, sizeof(*cfg_sorted), prefix_cmp);
		cfg_owner = d;
		cfg_list = d->cfg.routes;
	}
	return bsearch(p, cfg_sorted, n_cfg_sorted, sizeof(*cfg_sorted), prefix_cmp) != NULL;
}

void ctlsock_route_fini(void)
{
	free(cfg_sorted);
	cfg_sorted = NULL;
	n_cfg_sorted = 0;
	cfg_owner = NULL;
	cfg_list = NULL;
}

/* ---- handlers ---- */

/* 0 when the operator may change p's static route, else -1 with err set. */
static int check_owner(const struct daemon *d, const struct prefix *p, const char *ps,
		       struct ctlsock_err *err)
{
	int ret = route_is_config(d, p);

	if (ret < 0)
		return ctlsock_err_set(err, CTLSOCK_E_INTERNAL, "%s", "out of memory");
	if (ret > 0)
		return ctlsock_err_set(err, CTLSOCK_E_READ_ONLY,
				       "%s is a route of the config file: change it there "
				       "(config reload)",
				       ps);
	return 0;
}

json_t *ctlsock_route_add(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			  struct ctlsock_err *err)
{
	struct daemon *d = c->sh->d;
	const struct prefix *p = &req->route.prefix;
	int i = config_pathgroup_index(&d->cfg, req->route.pathgroup);
	char ps[PREFIX_STRLEN];
	int ret;

	prefix_format(p, ps, sizeof(ps));
	if (i < 0)
		return ctlsock_fail(err, CTLSOCK_E_NOT_FOUND, "no path group '%s' in the config",
				    req->route.pathgroup);
	if (d->pg_id[i] == PG_NONE)
		return ctlsock_fail(err, CTLSOCK_E_INVALID_ARGUMENT,
				    "path group '%s' has no usable next hop", req->route.pathgroup);
	if (check_owner(d, p, ps, err) < 0)
		return NULL;
	pthread_mutex_lock(&d->lock);
	ret = routes_set(d->routes, p, ROUTE_STATIC, d->pg_id[i]);
	pthread_mutex_unlock(&d->lock);
	if (ret == -ENOSPC)
		return ctlsock_fail(err, CTLSOCK_E_BUSY, "%s: the route table is full", ps);
	if (ret < 0)
		return ctlsock_fail(err, CTLSOCK_E_INTERNAL, "%s: %s", ps, strerror(-ret));
	return json_pack("{s:s,s:s,s:b}", "prefix", ps, "pathgroup", req->route.pathgroup,
			 "durable", 0);
}

json_t *ctlsock_route_del(struct ctlsock_ctx *c, const struct ctlsock_req *req,
			  struct ctlsock_err *err)
{
	struct daemon *d = c->sh->d;
	const struct prefix *p = &req->route.prefix;
	char ps[PREFIX_STRLEN];
	int ret;

	prefix_format(p, ps, sizeof(ps));
	if (check_owner(d, p, ps, err) < 0)
		return NULL;
	pthread_mutex_lock(&d->lock);
	ret = routes_unset(d->routes, p, ROUTE_STATIC);
	pthread_mutex_unlock(&d->lock);
	if (ret == -ENOENT)
		return ctlsock_fail(err, CTLSOCK_E_NOT_FOUND, "no operator route %s", ps);
	if (ret < 0)
		return ctlsock_fail(err, CTLSOCK_E_INTERNAL, "%s: %s", ps, strerror(-ret));
	return json_pack("{s:s}", "prefix", ps);
}
