/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * routes: what the FIB answers after routes, registrations and local
 * addresses come and go, read back through the real fib4/fib6 and dest
 * table (the same words a worker reads).
 */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include <rte_eal.h>

#include "control/routes/routes.h"

static struct fwd_tables T;
static struct routes *R;
static uint16_t PG_A, PG_B;

static struct prefix P(const char *s) {
	struct prefix p;
	assert_int_equal(prefix_parse(s, &p, false), 0);
	return p;
}

/* The dest word a worker would read for address s (0 when the FIB misses). */
static uint64_t
word(const char *s)
{
	struct ip_addr a;
	uint32_t v;

	assert_int_equal(ip_addr_parse(s, &a), 0);
	v = a.family == AF_INET ? fib4_lookup(T.fib4, ip_addr_v4_host(&a))
				: fib6_lookup(T.fib6, a.bytes);
	return v == FIB_MISS ? 0 : T.dest[v];
}

static int setup(void **state)
{
	struct fwd_conf fc = {.max_routes4 = 1024,
			      .n_tbl8_4 = 64,
			      .max_routes6 = 1024,
			      .n_groups6 = 256,
			      .max_readers = 1};
	struct routes_conf rc = {.max_entries = 4096};
	struct nexthop nh = {.port_id = 1, .link_id = 1};
	uint16_t a, b;

	(void)state;
	memset(&T, 0, sizeof(T));
	assert_int_equal(fwd_tables_create(&T, &fc), 0);
	R = routes_create(&T, &rc);
	assert_non_null(R);
	assert_int_equal(nexthop_alloc(&T, &nh, &a), 0);
	nh.link_id = 2;
	assert_int_equal(nexthop_alloc(&T, &nh, &b), 0);
	uint16_t ab[] = {a, b}, ba[] = {b, a};
	assert_int_equal(routes_pathgroup_get(R, ab, 2, &PG_A), 0);
	assert_int_equal(routes_pathgroup_get(R, ba, 2, &PG_B), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	routes_free(R);
	fwd_tables_free(&T);
	return 0;
}

static void pathgroups_shared(void **state)
{
	uint16_t nh[PF_PG_MEMBERS], pg;

	(void)state;
	assert_int_equal(routes_pathgroup_members(R, PG_A, nh), 2);
	/* same members, same order: same group; other order: another one */
	assert_int_equal(routes_pathgroup_get(R, nh, 2, &pg), 0);
	assert_int_equal(pg, PG_A);
	routes_pathgroup_put(R, pg);
	assert_int_not_equal(PG_A, PG_B);
	assert_int_equal(routes_pathgroup_get(R, nh, 0, &pg), -EINVAL);
}

/* A neighbour's MAC learnt: every group naming the old next hop names the
 * new one, in the group word the workers read too. */
static void nexthop_replaced(void **state)
{
	uint16_t a[PF_PG_MEMBERS], b[PF_PG_MEMBERS], x[PF_PG_MEMBERS], c;
	struct nexthop nh = {.port_id = 1, .link_id = 1};

	(void)state;
	assert_int_equal(routes_pathgroup_members(R, PG_A, a), 2);
	assert_int_equal(routes_pathgroup_members(R, PG_B, b), 2);
	assert_int_equal(nexthop_alloc(&T, &nh, &c), 0);
	assert_int_equal(routes_nexthop_replace(R, a[0], c), 2);
	assert_int_equal(routes_pathgroup_members(R, PG_A, x), 2);
	assert_int_equal(x[0], c);
	assert_int_equal(x[1], a[1]);
	assert_int_equal(PG_MEMBER(T.pathgroup[PG_A], 0), c);
	assert_int_equal(routes_pathgroup_members(R, PG_B, x), 2);
	assert_int_equal(x[1], c);
	assert_int_equal(PG_MEMBER(T.pathgroup[PG_B], 1), c);
	/* an id that is not published: refused, nothing changed */
	assert_int_equal(routes_nexthop_replace(R, c, 4000), -EINVAL);
	assert_int_equal(PG_MEMBER(T.pathgroup[PG_A], 0), c);
	/* an id no group names: nothing to do */
	assert_int_equal(routes_nexthop_replace(R, 999, a[0]), 0);
	/* and back, for the tests after this one */
	assert_int_equal(routes_nexthop_replace(R, c, a[0]), 2);
	assert_int_equal(routes_pathgroup_members(R, PG_A, x), 2);
	assert_memory_equal(x, a, 2 * sizeof(x[0]));
	assert_int_equal(nexthop_release(&T, c), 0);
}

static void registered_inherits_default(void **state)
{
	struct prefix def = P("0.0.0.0/0"), reg = P("203.0.113.0/24");
	struct registered_info ri;
	uint32_t idx;

	(void)state;
	assert_int_equal(routes_register(R, &reg, "acme", &idx), 0);
	/* registered but no route: in the FIB, registered, not valid (no route) */
	uint64_t w = word("203.0.113.9");
	assert_true(DEST_FLAGS(w) & DEST_F_REGISTERED);
	assert_false(DEST_FLAGS(w) & DEST_F_VALID);
	assert_int_equal(DEST_PREFIX(w), idx);
	assert_int_equal(routes_registered_get(R, &reg, &ri), 0);
	assert_false(ri.routed);

	assert_int_equal(routes_set(R, &def, ROUTE_STATIC, PG_A), 0);
	w = word("203.0.113.9");
	assert_int_equal(DEST_FLAGS(w), DEST_F_VALID | DEST_F_REGISTERED);
	assert_int_equal(DEST_PG(w), PG_A);
	assert_int_equal(DEST_PREFIX(w), idx);
	assert_int_equal(routes_registered_get(R, &reg, &ri), 0);
	assert_true(ri.routed);
	assert_true(prefix_equal(&ri.via, &def));
	/* outside: routed but not registered */
	w = word("198.18.0.1");
	assert_int_equal(DEST_FLAGS(w), DEST_F_VALID);
	assert_int_equal(DEST_PG(w), PG_A);

	/* default moves to another group: the registered prefix follows */
	assert_int_equal(routes_set(R, &def, ROUTE_STATIC, PG_B), 0);
	assert_int_equal(DEST_PG(word("203.0.113.9")), PG_B);
	/* a BGP route for the same prefix loses to the static one */
	assert_int_equal(routes_set(R, &def, ROUTE_BGP, PG_A), 0);
	assert_int_equal(DEST_PG(word("203.0.113.9")), PG_B);
	assert_int_equal(routes_unset(R, &def, ROUTE_STATIC), 0);
	assert_int_equal(DEST_PG(word("203.0.113.9")), PG_A);
	assert_int_equal(routes_unset(R, &def, ROUTE_BGP), 0);
	assert_false(DEST_FLAGS(word("203.0.113.9")) & DEST_F_VALID);
	assert_int_equal(word("198.18.0.1"), 0);

	assert_int_equal(routes_unregister(R, &reg), 0);
	assert_int_equal(word("203.0.113.9"), 0);
	assert_int_equal(routes_unregister(R, &reg), -ENOENT);
	assert_int_equal(routes_count(R, 0), 0);
}

static void more_specific_inside_registered(void **state)
{
	struct prefix reg = P("2001:db8:c000::/48"), in = P("2001:db8:c000:1::/64"),
		      cover = P("2001:db8::/32");
	uint32_t idx;

	(void)state;
	assert_int_equal(routes_set(R, &in, ROUTE_BGP, PG_B), 0);
	assert_int_equal(routes_set(R, &cover, ROUTE_BGP, PG_A), 0);
	/* before registration: plain routes */
	assert_int_equal(DEST_FLAGS(word("2001:db8:c000:1::5")), DEST_F_VALID);
	assert_int_equal(routes_register(R, &reg, "acme", &idx), 0);
	/* the /64 keeps its own group but is now counted under the /48 */
	uint64_t w = word("2001:db8:c000:1::5");
	assert_int_equal(DEST_FLAGS(w), DEST_F_VALID | DEST_F_REGISTERED);
	assert_int_equal(DEST_PG(w), PG_B);
	assert_int_equal(DEST_PREFIX(w), idx);
	/* the rest of the /48 inherits the /32 */
	w = word("2001:db8:c000:2::5");
	assert_int_equal(DEST_PG(w), PG_A);
	assert_true(DEST_FLAGS(w) & DEST_F_REGISTERED);
	/* outside the /48: not registered */
	assert_int_equal(DEST_FLAGS(word("2001:db8:c001::5")), DEST_F_VALID);
	assert_int_equal(routes_unregister(R, &reg), 0);
	assert_int_equal(DEST_FLAGS(word("2001:db8:c000:1::5")), DEST_F_VALID);
	assert_int_equal(routes_unset(R, &in, ROUTE_BGP), 0);
	assert_int_equal(routes_unset(R, &cover, ROUTE_BGP), 0);
	assert_int_equal(routes_count(R, 0), 0);
}

static void local_and_lookup(void **state)
{
	struct prefix def = P("::/0");
	struct route_info ri;
	struct ip_addr a;

	(void)state;
	assert_int_equal(ip_addr_parse("2001:db8:1::1", &a), 0);
	assert_int_equal(routes_local_add(R, &a), 0);
	assert_int_equal(routes_set(R, &def, ROUTE_STATIC, PG_A), 0);
	assert_int_equal(DEST_FLAGS(word("2001:db8:1::1")), DEST_F_VALID | DEST_F_LOCAL);
	assert_int_equal(routes_lookup(R, &a, &ri), 0);
	assert_true(ri.local);
	assert_int_equal(ip_addr_parse("2001:db8:1::2", &a), 0);
	assert_int_equal(routes_lookup(R, &a, &ri), 0);
	assert_false(ri.local);
	assert_int_equal(ri.prefix.len, 0);
	assert_int_equal(ri.pg, PG_A);
	assert_int_equal(routes_unset(R, &def, ROUTE_STATIC), 0);
	assert_int_equal(routes_lookup(R, &a, &ri), -ENOENT);
}

static void dests_are_interned(void **state)
{
	char buf[32];
	struct prefix p;

	(void)state;
	uint32_t before = routes_count(R, 0), fib_before = fib4_count(T.fib4);
	/* 200 routes to one group share one dest */
	for (unsigned i = 0; i < 200; i++) {
		snprintf(buf, sizeof(buf), "10.%u.0.0/16", i);
		p = P(buf);
		assert_int_equal(routes_set(R, &p, ROUTE_BGP, PG_A), 0);
	}
	struct ip_addr a1, a2;
	uint32_t v1, v2;
	ip_addr_parse("10.1.0.1", &a1);
	ip_addr_parse("10.199.0.1", &a2);
	v1 = fib4_lookup(T.fib4, ip_addr_v4_host(&a1));
	v2 = fib4_lookup(T.fib4, ip_addr_v4_host(&a2));
	assert_int_equal(v1, v2);
	for (unsigned i = 0; i < 200; i++) {
		snprintf(buf, sizeof(buf), "10.%u.0.0/16", i);
		p = P(buf);
		assert_int_equal(routes_unset(R, &p, ROUTE_BGP), 0);
	}
	assert_int_equal(routes_count(R, 0), before);
	assert_int_equal(fib4_count(T.fib4), fib_before);
	p = P("10.0.0.0/8");
	assert_int_equal(routes_set(R, &p, ROUTE_BGP, 4000), -EINVAL); /* unknown group */
}

/*
 * Registered prefixes follow the longest route covering them while routes
 * come and go at random: after every few changes, the FIB's answer at
 * each registered prefix is checked against a naive longest match over
 * the live routes.
 */
#define RND_ROUTES 1024
#define RND_REG	   90

static struct prefix rnd_prefix(uint8_t len)
{
	struct prefix p = P("10.0.0.0/8");
	uint32_t a = 0x0a000000u | ((uint32_t)rte_rand() & 0x0003ffffu); /* 10.0.0.0/14 */

	a &= len ? ~0u << (32 - len) : 0;
	p.addr.bytes[0] = (uint8_t)(a >> 24);
	p.addr.bytes[1] = (uint8_t)(a >> 16);
	p.addr.bytes[2] = (uint8_t)(a >> 8);
	p.addr.bytes[3] = (uint8_t)a;
	p.len = len;
	return p;
}

static void registered_follow_random_routes(void **state)
{
	static const uint8_t lens[] = {8, 12, 14, 16, 18, 20, 22, 24};
	static struct {
		struct prefix p;
		uint16_t pg;
		bool live;
	} rt[RND_ROUTES];
	struct prefix reg[RND_REG];
	unsigned n_rt = 0, n_reg = 0;
	const uint32_t before = routes_count(R, 0);

	(void)state;
	while (n_reg < RND_REG) {
		reg[n_reg] = rnd_prefix(n_reg < 60 ? 24 : 28);
		int ret = routes_register(R, &reg[n_reg], "rnd", NULL);
		assert_true(ret == 0 || ret == -EEXIST);
		n_reg += ret == 0;
	}
	for (unsigned op = 1; op <= 1500; op++) {
		struct prefix p = rnd_prefix(lens[rte_rand_max(sizeof(lens))]);
		unsigned k;
		for (k = 0; k < n_rt && !prefix_equal(&rt[k].p, &p); k++)
			;
		if (k == n_rt) {
			assert_true(n_rt < RND_ROUTES);
			rt[n_rt++] = (typeof(rt[0])){.p = p};
		}
		if (rt[k].live && rte_rand_max(3) == 0) {
			assert_int_equal(routes_unset(R, &p, ROUTE_BGP), 0);
			rt[k].live = false;
		} else {
			rt[k].pg = rte_rand_max(2) ? PG_A : PG_B;
			assert_int_equal(routes_set(R, &p, ROUTE_BGP, rt[k].pg), 0);
			rt[k].live = true;
		}
		if (op % 50 != 0)
			continue;
		for (unsigned i = 0; i < n_reg; i++) {
			int best = -1;
			for (unsigned j = 0; j < n_rt; j++)
				if (rt[j].live && prefix_contains(&rt[j].p, &reg[i]) &&
				    (best < 0 || rt[j].p.len > rt[best].p.len))
					best = (int)j;
			char a[PREFIX_STRLEN];
			ip_addr_format(&reg[i].addr, a, sizeof(a));
			uint64_t w = word(a);
			assert_true(DEST_FLAGS(w) & DEST_F_REGISTERED);
			if (best < 0) {
				assert_false(DEST_FLAGS(w) & DEST_F_VALID);
			} else {
				assert_true(DEST_FLAGS(w) & DEST_F_VALID);
				if (DEST_PG(w) != rt[best].pg)
					fail_msg("op %u: %s/%u: path group %u, want %u", op, a,
						 reg[i].len, DEST_PG(w), rt[best].pg);
			}
		}
	}
	for (unsigned k = 0; k < n_rt; k++)
		if (rt[k].live)
			assert_int_equal(routes_unset(R, &rt[k].p, ROUTE_BGP), 0);
	for (unsigned i = 0; i < n_reg; i++)
		assert_int_equal(routes_unregister(R, &reg[i]), 0);
	assert_int_equal(routes_count(R, 0), before);
}

/*
 * The prefix index through churn in a table of its own, small enough to
 * fill: many more removals than slots (tombstones, rebuilds), positions
 * reused, -ENOSPC exactly when max_entries entries exist. Every prefix is
 * looked up and the table listed against a model at intervals.
 */
#define CH_MAX	300
#define CH_POOL 700
#define CH_OPS	30000

static struct prefix churn_prefix(unsigned i)
{
	char buf[64];

	if (i % 5 == 4)
		snprintf(buf, sizeof(buf), "2001:db8:%x::/48", i);
	else
		snprintf(buf, sizeof(buf), "11.%u.%u.0/24", i / 256, i % 256);
	return P(buf);
}

static void churn_check(struct routes *r, const bool *live, unsigned n_live)
{
	static struct route_info list[CH_MAX + 1];
	uint32_t cursor = 0;
	unsigned n = 0;

	assert_int_equal(routes_count(r, 0), n_live);
	for (unsigned i = 0; i < CH_POOL; i++) {
		struct prefix p = churn_prefix(i);
		struct route_info info;
		int ret = routes_lookup(r, &p.addr, &info);
		if (!live[i]) {
			assert_int_equal(ret, -ENOENT);
			continue;
		}
		assert_int_equal(ret, 0);
		assert_true(prefix_equal(&info.prefix, &p));
		assert_true(info.has_route);
	}
	do {
		unsigned got = routes_list(r, 0, &cursor, list + n, CH_MAX + 1 - n);
		for (unsigned k = n; k < n + got; k++) {
			unsigned i = 0;
			for (struct prefix q; i < CH_POOL; i++)
				if (q = churn_prefix(i), prefix_equal(&q, &list[k].prefix))
					break;
			assert_true(i < CH_POOL && live[i]);
		}
		n += got;
	} while (cursor != 0 && n <= CH_MAX);
	assert_int_equal(n, n_live);
}

static void index_churn_and_capacity(void **state)
{
	struct fwd_conf fc = {.max_routes4 = 1024,
			      .n_tbl8_4 = 16,
			      .max_routes6 = 1024,
			      .n_groups6 = 1024,
			      .max_readers = 1};
	struct routes_conf rc = {.max_entries = CH_MAX};
	struct nexthop nh = {.port_id = 1, .link_id = 1};
	static bool live[CH_POOL];
	struct fwd_tables t;
	unsigned n_live = 0, full = 0;
	uint16_t a, pg;

	(void)state;
	memset(live, 0, sizeof(live));
	assert_int_equal(fwd_tables_create(&t, &fc), 0);
	struct routes *r = routes_create(&t, &rc);
	assert_non_null(r);
	assert_int_equal(nexthop_alloc(&t, &nh, &a), 0);
	assert_int_equal(routes_pathgroup_get(r, &a, 1, &pg), 0);
	for (unsigned op = 1; op <= CH_OPS; op++) {
		/* mostly adds until full, then as many removals as adds */
		unsigned i = (unsigned)rte_rand_max(CH_POOL);
		struct prefix p = churn_prefix(i);
		if (live[i]) {
			assert_int_equal(routes_unset(r, &p, ROUTE_BGP), 0);
			live[i] = false;
			n_live--;
		} else if (n_live == CH_MAX) {
			assert_int_equal(routes_set(r, &p, ROUTE_BGP, pg), -ENOSPC);
			full++;
		} else {
			assert_int_equal(routes_set(r, &p, ROUTE_BGP, pg), 0);
			live[i] = true;
			n_live++;
		}
		if (op % 3000 == 0)
			churn_check(r, live, n_live);
	}
	assert_true(full > 0);
	for (unsigned i = 0; i < CH_POOL; i++)
		if (live[i]) {
			struct prefix p = churn_prefix(i);
			assert_int_equal(routes_unset(r, &p, ROUTE_BGP), 0);
			live[i] = false;
		}
	churn_check(r, live, 0);
	routes_pathgroup_put(r, pg);
	routes_free(r);
	fwd_tables_free(&t);
}

int main(int argc, char **argv)
{
	char *eal[] = {argv[0],	   "--no-huge",	     "-m", "512", "--no-shconf",
		       "--no-pci", "--no-telemetry", "-l", "0",	  "--log-level=error",
		       NULL};
	(void)argc;
	if (rte_eal_init(10, eal) < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pathgroups_shared),
		cmocka_unit_test(nexthop_replaced),
		cmocka_unit_test(registered_inherits_default),
		cmocka_unit_test(more_specific_inside_registered),
		cmocka_unit_test(local_and_lookup),
		cmocka_unit_test(dests_are_interned),
		cmocka_unit_test(registered_follow_random_routes),
		cmocka_unit_test(index_churn_and_capacity),
	};
	int ret = cmocka_run_group_tests(tests, setup, teardown);
	rte_eal_cleanup();
	return ret;
}
