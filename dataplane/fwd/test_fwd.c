/* SPDX-License-Identifier: BSD-3-Clause */
/* Path group selection, prefix-independent failover, next-hop lifecycle. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <rte_eal.h>

#include "dataplane/fwd/fwd.h"

static struct fwd_tables T;

static int tables_setup(void **state)
{
	const struct fwd_conf conf = {
		.max_routes4 = 1024,
		.n_tbl8_4 = 64,
		.max_routes6 = 1024,
		.n_groups6 = 64,
		.max_readers = 2,
		.socket_id = 0,
	};
	(void)state;
	return fwd_tables_create(&T, &conf);
}

static int tables_teardown(void **state)
{
	(void)state;
	fwd_tables_free(&T);
	return 0;
}

static uint16_t nh_on(uint16_t link, uint8_t tag)
{
	struct nexthop nh = {
		.dst_mac = {{0x02, 0, 0, 0, tag, 1}},
		.src_mac = {{0x02, 0, 0, 0, tag, 2}},
		.port_id = link,
		.link_id = link,
	};
	uint16_t id;

	assert_int_equal(nexthop_alloc(&T, &nh, &id), 0);
	assert_true(T.nexthop[id].flags & NH_F_VALID);
	assert_int_equal(T.nexthop[id].link_id, link);
	return id;
}

static const struct nexthop *active(uint16_t pg)
{
	return pathgroup_active_member(&T, pg, __atomic_load_n(&T.link_alive, __ATOMIC_ACQUIRE));
}

static void initial_state(void **state)
{
	(void)state;
	assert_non_null(T.fib4);
	assert_non_null(T.fib6);
	assert_non_null(T.qsbr);
	for (unsigned pg = 0; pg < PF_MAX_PATHGROUPS; pg++)
		assert_true(T.pathgroup[pg] == UINT64_MAX);
	assert_true(T.dest[0] == 0 && T.dest[PF_MAX_DESTS - 1] == 0);
	assert_int_equal(T.unreg_policy, UNREG_DROP);
	assert_false(link_is_alive(&T, 0));
	assert_null(active(0));
}

static void bad_arguments(void **state)
{
	struct nexthop nh = {.port_id = PF_MAX_PORTS};
	uint16_t id, m[5];
	(void)state;

	assert_int_equal(nexthop_alloc(&T, &nh, &id), -EINVAL);
	nh.port_id = 0;
	nh.link_id = PF_MAX_LINKS;
	assert_int_equal(nexthop_alloc(&T, &nh, &id), -EINVAL);
	nh.link_id = 0;
	nh.vlan = 4096;
	assert_int_equal(nexthop_alloc(&T, &nh, &id), -EINVAL);

	m[0] = nh_on(0, 1);
	for (unsigned i = 1; i < 5; i++)
		m[i] = m[0];
	assert_int_equal(pathgroup_set(&T, PF_MAX_PATHGROUPS, m, 1), -EINVAL);
	assert_int_equal(pathgroup_set(&T, 0, m, 5), -EINVAL);
	m[1] = 77; /* never allocated */
	assert_int_equal(pathgroup_set(&T, 0, m, 2), -EINVAL);
	m[1] = NH_NONE;
	assert_int_equal(pathgroup_set(&T, 0, m, 2), -EINVAL);
	assert_true(T.pathgroup[0] == UINT64_MAX); /* untouched by failures */

	assert_int_equal(dest_set(&T, PF_MAX_DESTS, 0, DEST_F_VALID, 0), -EINVAL);
	assert_int_equal(dest_set(&T, 0, PF_MAX_PATHGROUPS, DEST_F_VALID, 0), -EINVAL);
	assert_int_equal(dest_set(&T, 0, 0, 0x80, 0), -EINVAL);
	assert_int_equal(dest_set(&T, 0, 0, DEST_F_VALID | DEST_F_REGISTERED, PF_MAX_PREFIXES),
			 -EINVAL);
	assert_int_equal(dest_set(&T, 0, PG_NONE, DEST_F_VALID | DEST_F_LOCAL, 0), 0);
	assert_int_equal(link_set_alive(&T, PF_MAX_LINKS, true), -EINVAL);
	assert_false(link_is_alive(&T, PF_MAX_LINKS));

	assert_int_equal(nexthop_release(&T, m[0]), 0);
	assert_int_equal(nexthop_release(&T, m[0]), -EALREADY);
	assert_int_equal(nexthop_release(&T, 4000), -EINVAL);
	assert_int_equal(nexthop_release(&T, NH_NONE), -EINVAL);
}

static void words(void **state)
{
	uint16_t m[3] = {nh_on(0, 1), nh_on(1, 2), nh_on(2, 3)};
	(void)state;

	assert_int_equal(pathgroup_set(&T, 9, m, 3), 0);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(PG_MEMBER(T.pathgroup[9], i), m[i]);
	assert_int_equal(PG_MEMBER(T.pathgroup[9], 3), NH_NONE);
	assert_int_equal(pathgroup_set(&T, 9, NULL, 0), 0);
	assert_true(T.pathgroup[9] == UINT64_MAX);

	assert_int_equal(dest_set(&T, 12345, 9, DEST_F_VALID | DEST_F_REGISTERED, 777), 0);
	uint64_t d = T.dest[12345];
	assert_int_equal(DEST_PG(d), 9);
	assert_int_equal(DEST_FLAGS(d), DEST_F_VALID | DEST_F_REGISTERED);
	assert_int_equal(DEST_PREFIX(d), 777);
}

/* Members are taken in order; the first whose link is alive wins. */
static void member_order(void **state)
{
	uint16_t pri = nh_on(0, 1), loc = nh_on(1, 2), geo = nh_on(2, 3);
	uint16_t m[3] = {pri, loc, geo};
	(void)state;

	assert_int_equal(pathgroup_set(&T, 5, m, 3), 0);
	assert_null(active(5)); /* all links start down */
	for (uint16_t l = 0; l < 3; l++)
		assert_int_equal(link_set_alive(&T, l, true), 0);
	assert_ptr_equal(active(5), &T.nexthop[pri]);
	link_set_alive(&T, 0, false);
	assert_false(link_is_alive(&T, 0));
	assert_true(link_is_alive(&T, 1));
	assert_ptr_equal(active(5), &T.nexthop[loc]);
	link_set_alive(&T, 1, false);
	assert_ptr_equal(active(5), &T.nexthop[geo]);
	link_set_alive(&T, 2, false);
	assert_null(active(5));
	link_set_alive(&T, 1, true);
	assert_ptr_equal(active(5), &T.nexthop[loc]);
	link_set_alive(&T, 0, true);
	assert_ptr_equal(active(5), &T.nexthop[pri]);
	/* Setting an alive link alive again changes nothing else. */
	link_set_alive(&T, 0, true);
	assert_true(T.link_alive == 0x3);

	/* A released member is skipped even while a group still names it. */
	assert_int_equal(nexthop_release(&T, pri), 0);
	assert_ptr_equal(active(5), &T.nexthop[loc]);
	/* Unset group: nothing. */
	assert_null(active(6));
}

/* A member without a MAC yet (neighbour unresolved) is skipped on a live
 * link, as a dead link is; a resolved copy swapped in is used. */
static void unresolved_member(void **state)
{
	struct nexthop nomac = {.port_id = 0, .link_id = 0, .flags = NH_F_NOMAC};
	uint16_t pri, loc = nh_on(1, 2), pri2 = nh_on(0, 1);
	(void)state;

	assert_int_equal(nexthop_alloc(&T, &nomac, &pri), 0);
	assert_true(T.nexthop[pri].flags & NH_F_VALID);
	assert_true(T.nexthop[pri].flags & NH_F_NOMAC);
	uint16_t m[2] = {pri, loc};
	assert_int_equal(pathgroup_set(&T, 7, m, 2), 0); /* allowed in a group */
	link_set_alive(&T, 0, true);
	link_set_alive(&T, 1, true);
	assert_ptr_equal(active(7), &T.nexthop[loc]);
	m[0] = pri2; /* resolved: one store */
	assert_int_equal(pathgroup_set(&T, 7, m, 2), 0);
	assert_ptr_equal(active(7), &T.nexthop[pri2]);
	assert_false(NH_USABLE(T.nexthop[pri].flags));
	assert_true(NH_USABLE(T.nexthop[pri2].flags));
	assert_int_equal(nexthop_release(&T, pri), 0);
	assert_false(NH_USABLE(T.nexthop[pri].flags));
}

/* One liveness store moves every prefix whose group lists the link. */
static void prefix_independent_failover(void **state)
{
	const unsigned n = 2000;
	uint16_t a = nh_on(3, 1), b = nh_on(4, 2);
	uint16_t m[2] = {a, b};
	(void)state;

	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(pathgroup_set(&T, (uint16_t)(i % PF_MAX_PATHGROUPS), m, 2), 0);
		assert_int_equal(dest_set(&T, i, (uint16_t)(i % PF_MAX_PATHGROUPS),
					  DEST_F_VALID | DEST_F_REGISTERED, i),
				 0);
	}
	link_set_alive(&T, 3, true);
	link_set_alive(&T, 4, true);
	for (unsigned i = 0; i < n; i++)
		assert_ptr_equal(active(DEST_PG(T.dest[i])), &T.nexthop[a]);
	uint64_t before = T.link_alive;
	link_set_alive(&T, 3, false);
	assert_true((before ^ T.link_alive) == (1ull << 3)); /* one bit of one word */
	for (unsigned i = 0; i < n; i++)
		assert_ptr_equal(active(DEST_PG(T.dest[i])), &T.nexthop[b]);
	link_set_alive(&T, 3, true);
	for (unsigned i = 0; i < n; i++)
		assert_ptr_equal(active(DEST_PG(T.dest[i])), &T.nexthop[a]);
}

/* A released slot is reused only after every online reader went quiescent. */
static void release_deferral(void **state)
{
	uint16_t ids[PF_MAX_NEXTHOPS], id;
	struct nexthop nh = {.port_id = 1, .link_id = 1};
	(void)state;

	for (unsigned i = 0; i < PF_MAX_NEXTHOPS; i++) {
		assert_int_equal(nexthop_alloc(&T, &nh, &ids[i]), 0);
		assert_int_equal(ids[i], i); /* lowest free slot first */
	}
	assert_int_equal(nexthop_alloc(&T, &nh, &id), -ENOSPC);

	/* Without online readers the grace period is immediate. */
	assert_int_equal(nexthop_release(&T, 100), 0);
	assert_int_equal(nexthop_alloc(&T, &nh, &id), 0);
	assert_int_equal(id, 100);

	/* Reader 0 online and not yet quiescent: the slot must wait. */
	assert_int_equal(rte_rcu_qsbr_thread_register(T.qsbr, 0), 0);
	rte_rcu_qsbr_thread_online(T.qsbr, 0);
	assert_int_equal(nexthop_release(&T, 200), 0);
	assert_false(T.nexthop[200].flags & NH_F_VALID);
	assert_int_equal(nexthop_alloc(&T, &nh, &id), -ENOSPC);
	assert_int_equal(nexthop_alloc(&T, &nh, &id), -ENOSPC);
	rte_rcu_qsbr_quiescent(T.qsbr, 0);
	assert_int_equal(nexthop_alloc(&T, &nh, &id), 0);
	assert_int_equal(id, 200);
	assert_true(T.nexthop[200].flags & NH_F_VALID);

	/* Pending at teardown: free still completes once the reader is offline. */
	assert_int_equal(nexthop_release(&T, 300), 0);
	rte_rcu_qsbr_thread_offline(T.qsbr, 0);
	rte_rcu_qsbr_thread_unregister(T.qsbr, 0);
}

static struct fwd_nbr nbr4(uint32_t a, uint32_t flags)
{
	struct fwd_nbr n = {.v6 = false, .flags = flags};
	const rte_be32_t be = rte_cpu_to_be_32(a);

	memcpy(n.addr, &be, 4);
	return n;
}

static struct fwd_nbr nbr6(uint8_t last, uint32_t flags)
{
	struct fwd_nbr n = {.v6 = true, .flags = flags, .addr = {0x20, 0x01, 0x0d, 0xb8}};

	n.addr[15] = last;
	return n;
}

static struct fwd_nbr nbr_mac(uint8_t first, uint8_t last)
{
	struct fwd_nbr n = {.mac = true, .addr = {first, 0, 0x5e, 0, 0x53}};

	n.addr[5] = last;
	return n;
}

/* The neighbour set: sorted and merged whatever the input's order, found
 * by binary search, republished only when it changes. */
static void neighbours(void **state)
{
	struct fwd_nbr v[] = {
		nbr4(0xc0000209, 0), nbr6(7, 0),       nbr_mac(0x02, 9),
		nbr4(0x0a000001, 0), nbr_mac(0xfe, 1), nbr4(0xc0000209, NBR_F_GTSM),
		nbr6(3, NBR_F_GTSM), nbr_mac(0x02, 9), nbr4(0xffffffff, 0),
		nbr_mac(0x02, 1),    nbr6(7, 0),       nbr4(0, 0),
	};
	const unsigned n = RTE_DIM(v);
	(void)state;

	assert_int_equal(fwd_nbr4_find(T.nbrs, 0x0a000001), -1); /* none yet */
	assert_int_equal(fwd_nbrs_set(&T, v, n), 1);
	const struct fwd_nbrs *s = T.nbrs;
	assert_int_equal(s->n4, 4);
	assert_int_equal(s->n6, 2);
	for (unsigned i = 1; i < s->n4; i++)
		assert_true(s->v4[i - 1].addr < s->v4[i].addr);
	assert_int_equal(fwd_nbr4_find(s, 0xc0000209), NBR_F_GTSM);
	assert_int_equal(fwd_nbr4_find(s, 0x0a000001), 0);
	assert_int_equal(fwd_nbr4_find(s, 0), 0);
	assert_int_equal(fwd_nbr4_find(s, 0xffffffff), 0);
	assert_int_equal(fwd_nbr4_find(s, 0xc0000208), -1);
	assert_int_equal(fwd_nbr4_find(s, 0xfffffffe), -1);
	assert_int_equal(fwd_nbr6_find(s, nbr6(3, 0).addr), NBR_F_GTSM);
	assert_int_equal(fwd_nbr6_find(s, nbr6(7, 0).addr), 0);
	assert_int_equal(fwd_nbr6_find(s, nbr6(5, 0).addr), -1);
	/* MACs: by all six bytes, the first the most significant */
	assert_int_equal(s->n_mac, 3);
	for (unsigned i = 1; i < s->n_mac; i++)
		assert_true(s->mac[i - 1].mac < s->mac[i].mac);
	assert_int_equal(fwd_nbr_mac_find(s, nbr_mac(0x02, 9).addr), 0);
	assert_int_equal(fwd_nbr_mac_find(s, nbr_mac(0x02, 1).addr), 0);
	assert_int_equal(fwd_nbr_mac_find(s, nbr_mac(0xfe, 1).addr), 0);
	assert_int_equal(fwd_nbr_mac_find(s, nbr_mac(0xfe, 9).addr), -1);
	assert_int_equal(fwd_nbr_mac_find(s, nbr_mac(0x00, 1).addr), -1);
	assert_int_equal(fwd_nbr_mac_find(s, nbr6(7, 0).addr), -1); /* not the v6 entries */

	/* the same set in another order: nothing to publish */
	for (unsigned i = 0; i < n / 2; i++) {
		struct fwd_nbr x = v[i];
		v[i] = v[n - 1 - i];
		v[n - 1 - i] = x;
	}
	assert_int_equal(fwd_nbrs_set(&T, v, n), 0);
	assert_ptr_equal(T.nbrs, s);
	v[0].flags = NBR_F_GTSM; /* 0.0.0.0 now GTSM */
	assert_int_equal(fwd_nbrs_set(&T, v, n), 1);
	assert_int_equal(fwd_nbr4_find(T.nbrs, 0), NBR_F_GTSM);
	v[2].addr[5] = 2; /* a MAC changed (02:00:5e:00:53:01, reversed): published */
	assert_int_equal(fwd_nbrs_set(&T, v, n), 1);
	assert_int_equal(fwd_nbr_mac_find(T.nbrs, nbr_mac(0x02, 2).addr), 0);
	assert_int_equal(fwd_nbr_mac_find(T.nbrs, nbr_mac(0x02, 1).addr), -1);
	/* an odd count: every kind's entries aligned (UBSan builds check) */
	const struct fwd_nbr odd[] = {nbr6(1, 0), nbr_mac(0x02, 5), nbr4(0x0a000001, 0)};
	assert_int_equal(fwd_nbrs_set(&T, odd, RTE_DIM(odd)), 1);
	assert_int_equal(fwd_nbr_mac_find(T.nbrs, nbr_mac(0x02, 5).addr), 0);
	assert_int_equal(fwd_nbr6_find(T.nbrs, nbr6(1, 0).addr), 0);
	assert_int_equal(fwd_nbrs_set(&T, NULL, 0), 1);
	assert_int_equal(fwd_nbr_mac_find(T.nbrs, nbr_mac(0xfe, 1).addr), -1);
	assert_int_equal(fwd_nbr4_find(T.nbrs, 0x0a000001), -1);
	assert_int_equal(fwd_nbr6_find(T.nbrs, nbr6(7, 0).addr), -1);
}

static void create_errors(void **state)
{
	struct fwd_conf conf = {
		.max_routes4 = 16,
		.n_tbl8_4 = 4,
		.max_routes6 = 16,
		.n_groups6 = 4,
		.max_readers = 0,
	};
	struct fwd_tables t;
	(void)state;

	assert_int_equal(fwd_tables_create(&t, &conf), -EINVAL);
	assert_null(t.dest);
	conf.max_readers = 1;
	conf.max_routes4 = 0;
	assert_true(fwd_tables_create(&t, &conf) < 0);
	assert_null(t.dest);
	assert_null(t.qsbr);
	fwd_tables_free(&t); /* harmless on a zeroed struct */
}

static int group_setup(void **state)
{
	static char prog[] = "test_fwd";
	char *eal[] = {prog,	   "--no-huge",	     "-m", "512", "--no-shconf",
		       "--no-pci", "--no-telemetry", "-l", "0",	  "--log-level=error",
		       NULL};
	(void)state;
	return rte_eal_init(RTE_DIM(eal) - 1, eal) < 0 ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	rte_eal_cleanup();
	return 0;
}

#define T_(f) cmocka_unit_test_setup_teardown(f, tables_setup, tables_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_(initial_state),    T_(bad_arguments),     T_(words),
		T_(member_order),     T_(unresolved_member), T_(prefix_independent_failover),
		T_(release_deferral), T_(neighbours),	     cmocka_unit_test(create_errors),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
