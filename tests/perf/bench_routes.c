/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_routes: how fast the control thread installs a full table, through
 * the whole control path a BGP update takes once decoded (routes_set:
 * prefix entry, dest interning, registered-prefix checks, FIB), not the
 * FIB alone (bench_lpm measures that).
 *
 *   bench_routes ROUTES4 ROUTES6 [CSV] -- EAL arguments
 *
 * ROUTES4/ROUTES6: "prefix/len" lines (bench_lpm --dump-routes writes
 * them with the Internet's prefix-length mix). Phases, each timed over
 * every route of both families: install, path change (every route moves
 * to another path group, as when the primary's routes are withdrawn and
 * the local link's take over), withdraw. 64 of the IPv4 routes' /24s are
 * registered customer prefixes, as on an edge that has customers.
 * Prints a table; with CSV also writes phase,routes,seconds,routes_per_s.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>

#include "control/prefix/prefix.h"
#include "control/routes/routes.h"
#include "dataplane/fwd/fwd.h"
#include "tests/perf/bench_util.h"

#define N_REGISTERED 64

/* op 0: set to pg; 1: unset. Returns how many calls failed. */
static unsigned run(struct routes *r, const struct prefix *v, unsigned n, int op, uint16_t pg)
{
	unsigned failed = 0;

	for (unsigned i = 0; i < n; i++) {
		int ret = op == 0 ? routes_set(r, &v[i], ROUTE_BGP, pg)
				  : routes_unset(r, &v[i], ROUTE_BGP);
		failed += ret < 0;
	}
	return failed;
}

int main(int argc, char **argv)
{
	int sep = 1;

	while (sep < argc && strcmp(argv[sep], "--") != 0)
		sep++;
	if (sep < 3 || sep > 4 || sep == argc) {
		fprintf(stderr, "usage: bench_routes ROUTES4 ROUTES6 [CSV] -- EAL arguments\n");
		return 2;
	}
	const char *csv = sep == 4 ? argv[3] : NULL;
	unsigned n4, n6;
	struct prefix *v4 = bench_read_routes("bench_routes", argv[1], UINT_MAX, &n4),
		      *v6 = bench_read_routes("bench_routes", argv[2], UINT_MAX, &n6);
	if (v4 == NULL || v6 == NULL)
		return 1;

	argv[sep] = argv[0];
	if (rte_eal_init(argc - sep, argv + sep) < 0) {
		fprintf(stderr, "bench_routes: EAL init failed\n");
		return 1;
	}
	struct fwd_conf fc = {.max_routes4 = n4 + 4096,
			      .n_tbl8_4 = 65536,
			      .max_routes6 = n6 + 4096,
			      .n_groups6 = n6 * 2 + 65536,
			      .max_readers = 1};
	struct routes_conf rc = {.max_entries = n4 + n6 + 8192};
	struct fwd_tables t;
	struct routes *r;
	int ret;

	if ((ret = fwd_tables_create(&t, &fc)) < 0) {
		fprintf(stderr, "bench_routes: tables: %s\n", strerror(-ret));
		return 1;
	}
	if ((r = routes_create(&t, &rc)) == NULL) {
		fprintf(stderr, "bench_routes: routes: out of memory\n");
		return 1;
	}
	struct nexthop nh = {.port_id = 1, .link_id = 1};
	uint16_t a, b, pg_ab, pg_ba;
	if (nexthop_alloc(&t, &nh, &a) < 0 || (nh.link_id = 2, nexthop_alloc(&t, &nh, &b)) < 0 ||
	    routes_pathgroup_get(r, (uint16_t[]){a, b}, 2, &pg_ab) < 0 ||
	    routes_pathgroup_get(r, (uint16_t[]){b, a}, 2, &pg_ba) < 0) {
		fprintf(stderr, "bench_routes: next hops or path groups failed\n");
		return 1;
	}
	/* Customers: /24s inside routes of the table, spread over it. */
	unsigned registered = 0;
	for (unsigned i = 0; i < n4 && registered < N_REGISTERED; i += n4 / N_REGISTERED + 1) {
		struct prefix p = v4[i];
		if (p.len > 24)
			continue;
		p.len = 24;
		registered += routes_register(r, &p, "bench", NULL) == 0;
	}

	struct bench_phase ph[3] = {
		{.name = "install"}, {.name = "path change"}, {.name = "withdraw"}};
	unsigned failed = 0;
	double t0;

	t0 = bench_now_s();
	failed += run(r, v4, n4, 0, pg_ab) + run(r, v6, n6, 0, pg_ab);
	ph[0].seconds = bench_now_s() - t0;
	t0 = bench_now_s();
	failed += run(r, v4, n4, 0, pg_ba) + run(r, v6, n6, 0, pg_ba);
	ph[1].seconds = bench_now_s() - t0;
	t0 = bench_now_s();
	failed += run(r, v4, n4, 1, 0) + run(r, v6, n6, 1, 0);
	ph[2].seconds = bench_now_s() - t0;

	printf("Control-path route install (routes_set/routes_unset), %u IPv4 + %u IPv6 routes, "
	       "%u registered prefixes\n",
	       n4, n6, registered);
	for (unsigned i = 0; i < 3; i++)
		ph[i].routes = n4 + n6;
	bench_report_phases(ph, 3, csv);
	if (failed > 0)
		printf("%u calls failed (table sizes?)\n", failed);
	routes_free(r);
	fwd_tables_free(&t);
	free(v4);
	free(v6);
	rte_eal_cleanup();
	return failed > 0;
}
