/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fib6 against a naive reference LPM (a linear scan over the rule list),
 * through the single lookup and through every bulk lookup this machine can
 * run (scalar always; AVX-512 where the CPU has it, else skipped with a
 * message), in bursts of every size so that partial vectors are covered.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_random.h>
#include <rte_vect.h>

#include "dataplane/fib/fib6.h"

typedef uint8_t addr6[16];

struct ref_rule {
	addr6 ip;
	uint8_t depth;
	uint32_t value;
	bool live;
};

#define REF_MAX 12000
static struct ref_rule ref[REF_MAX];
static unsigned ref_n;

static void mask6(addr6 a, uint8_t d)
{
	for (unsigned i = 0; i < 16; i++) {
		if (d >= 8 * (i + 1))
			continue;
		a[i] = d <= 8 * i ? 0 : (uint8_t)(a[i] & (0xff << (8 * (i + 1) - d)));
	}
}

static bool covers(const addr6 p, uint8_t d, const addr6 a)
{
	addr6 m;

	memcpy(m, a, 16);
	mask6(m, d);
	return memcmp(m, p, 16) == 0;
}

static uint32_t ref_lookup(const addr6 a)
{
	int best = -1;

	for (unsigned i = 0; i < ref_n; i++)
		if (ref[i].live && covers(ref[i].ip, ref[i].depth, a) &&
		    (best < 0 || ref[i].depth > ref[best].depth))
			best = (int)i;
	return best < 0 ? FIB_MISS : ref[best].value;
}

static struct ref_rule *ref_find(const addr6 ip, uint8_t depth)
{
	for (unsigned i = 0; i < ref_n; i++)
		if (ref[i].live && ref[i].depth == depth && memcmp(ref[i].ip, ip, 16) == 0)
			return &ref[i];
	return NULL;
}

static struct fib6 *make(uint32_t max_routes, uint32_t n_groups)
{
	static unsigned seq;
	char name[32];
	struct fib6_conf c = {.max_routes = max_routes, .n_groups = n_groups, .socket_id = 0};

	snprintf(name, sizeof(name), "t6_%u", seq++);
	struct fib6 *f = fib6_create(name, &c);
	assert_non_null(f);
	ref_n = 0;
	return f;
}

/* Addresses checked by check_all, their reference answers, bulk results. */
#define PROBE_MAX (4 * REF_MAX + 512)
static addr6 probe[PROBE_MAX];
static uint32_t probe_want[PROBE_MAX];
static unsigned probe_n;

static const struct {
	enum fib6_lookup_type type;
	const char *name;
} bulk_paths[] = {
	{FIB6_LOOKUP_SCALAR, "scalar"},
	{FIB6_LOOKUP_AVX512, "AVX-512"},
};

/* Select a bulk path; false (after saying so once) if this machine cannot run it. */
static bool use_path(struct fib6 *f, unsigned p)
{
	static bool told[RTE_DIM(bulk_paths)];
	int ret = fib6_select_lookup(f, bulk_paths[p].type);

	if (ret == -ENOTSUP) {
		if (!told[p])
			printf("SKIPPED: fib6 %s bulk lookup: not supported here (CPU without "
			       "AVX-512 F/BW, or EAL max SIMD bitwidth below 512)\n",
			       bulk_paths[p].name);
		told[p] = true;
		return false;
	}
	assert_int_equal(ret, 0);
	assert_int_equal(fib6_lookup_type(f), bulk_paths[p].type);
	return true;
}

static void fail_addr(const char *how, const addr6 a, uint32_t got, uint32_t want)
{
	fail_msg("%s %02x%02x:%02x%02x:%02x%02x:...%02x: got %u want %u", how, a[0], a[1], a[2],
		 a[3], a[4], a[5], a[15], got, want);
}

/*
 * probe[0..n) through every bulk path against want[], in bursts of
 * 1, 2, ... 67 addresses: whole and partial vectors and chunks, and bursts
 * that straddle them.
 */
static unsigned check_bulk(struct fib6 *f, const addr6 *a, const uint32_t *want, unsigned n)
{
	uint32_t *got = malloc(n * sizeof(*got));
	unsigned paths = 0;

	assert_non_null(got);
	for (unsigned p = 0; p < RTE_DIM(bulk_paths); p++) {
		if (!use_path(f, p))
			continue;
		paths++;
		for (unsigned i = 0, burst = 0; i < n; i += burst) {
			burst = RTE_MIN(n - i, burst % 67 + 1);
			fib6_lookup_bulk(f, (const uint8_t(*)[16])a[i], got + i, burst);
		}
		for (unsigned i = 0; i < n; i++)
			if (got[i] != want[i])
				fail_addr(bulk_paths[p].name, a[i], got[i], want[i]);
	}
	free(got);
	assert_int_equal(fib6_select_lookup(f, FIB6_LOOKUP_DEFAULT), 0);
	return paths;
}

static void check_addr(struct fib6 *f, const addr6 a)
{
	uint32_t want = ref_lookup(a), got = fib6_lookup(f, a);

	if (got != want)
		fail_addr("lookup", a, got, want);
	if (probe_n < PROBE_MAX) {
		memcpy(probe[probe_n], a, 16);
		probe_want[probe_n++] = want;
	}
}

static void add1(addr6 a, int delta)
{
	for (int i = 15; i >= 0; i--) {
		unsigned v = a[i] + (unsigned)delta;
		a[i] = (uint8_t)v;
		if ((delta > 0 && v <= 0xff) || (delta < 0 && v <= 0xff))
			break;
	}
}

static void random_ip(addr6 a);

/* Addresses at the edges of every live rule, plus random ones, through the
 * single lookup and then every bulk path. */
static void check_all(struct fib6 *f)
{
	probe_n = 0;
	for (unsigned i = 0; i < 512; i++) {
		addr6 a;
		uint64_t r1 = rte_rand(), r2 = rte_rand();

		memcpy(a, &r1, 8);
		memcpy(a + 8, &r2, 8);
		if (i & 1) /* near the rules, else anywhere (mostly misses or the default) */
			random_ip(a);
		check_addr(f, a);
	}
	for (unsigned i = 0; i < ref_n; i++) {
		if (!ref[i].live)
			continue;
		addr6 lo, hi;
		memcpy(lo, ref[i].ip, 16);
		memcpy(hi, ref[i].ip, 16);
		for (unsigned b = ref[i].depth; b < 128; b++)
			hi[b / 8] |= (uint8_t)(0x80 >> (b % 8));
		check_addr(f, lo);
		check_addr(f, hi);
		add1(lo, -1);
		add1(hi, 1);
		check_addr(f, lo);
		check_addr(f, hi);
	}
	check_bulk(f, probe, probe_want, probe_n);
}

static uint8_t random_depth(void)
{
	static const uint8_t d[] = {0,	16, 20, 24, 28, 29, 32, 33,  40,  44,
				    48, 48, 48, 56, 63, 64, 96, 120, 127, 128};
	return d[rte_rand_max(sizeof(d))];
}

static void random_ip(addr6 a)
{
	/* two /16s and a /32 so that rules nest and share groups */
	static const uint8_t base[3][4] = {
		{0x20, 0x01, 0, 0}, {0x2a, 0x02, 0, 0}, {0x20, 0x01, 0x0d, 0xb8}};
	unsigned b = (unsigned)rte_rand_max(3);
	uint64_t r1 = rte_rand(), r2 = rte_rand();

	memcpy(a, &r1, 8);
	memcpy(a + 8, &r2, 8);
	a[0] = base[b][0];
	a[1] = base[b][1];
	if (b == 2) {
		a[2] = base[b][2];
		a[3] = base[b][3];
	}
	if (rte_rand_max(4) == 0) /* keep some bytes equal, to share deep groups */
		memset(a + 4, 0, 4);
}

static void random_table(void **state)
{
	(void)state;
	struct fib6 *f = make(REF_MAX, 1u << 16);

	for (unsigned round = 0; round < 6000; round++) {
		uint8_t depth = random_depth();
		addr6 ip;
		random_ip(ip);
		mask6(ip, depth);
		struct ref_rule *r = ref_find(ip, depth);

		if (r != NULL && rte_rand_max(3) != 0) {
			assert_int_equal(fib6_del(f, ip, depth), 0);
			r->live = false;
		} else {
			uint32_t v = (uint32_t)rte_rand_max(FIB_VALUE_MAX + 1);
			assert_int_equal(fib6_add(f, ip, depth, v), 0);
			if (r != NULL)
				r->value = v;
			else {
				ref[ref_n] =
					(struct ref_rule){.depth = depth, .value = v, .live = true};
				memcpy(ref[ref_n++].ip, ip, 16);
			}
		}
		if (round % 1000 == 999)
			check_all(f);
	}
	check_all(f);
	unsigned live = 0;
	for (unsigned i = 0; i < ref_n; i++)
		live += ref[i].live;
	assert_int_equal(fib6_count(f), live);

	/* delete everything: every group must come back */
	for (unsigned i = 0; i < ref_n; i++) {
		if (!ref[i].live)
			continue;
		uint32_t v;
		assert_int_equal(fib6_get(f, ref[i].ip, ref[i].depth, &v), 0);
		assert_int_equal(v, ref[i].value);
		assert_int_equal(fib6_del(f, ref[i].ip, ref[i].depth), 0);
		ref[i].live = false;
	}
	assert_int_equal(fib6_count(f), 0);
	addr6 a;
	for (unsigned i = 0; i < 1000; i++) {
		random_ip(a);
		assert_int_equal(fib6_lookup(f, a), FIB_MISS);
	}
	/* only the root is left: no group leaked by the collapses */
	assert_true(fib6_memory(f) < (64u << 20) + REF_MAX * 64);
	fib6_free(f);
}

/*
 * A big table (the default route, every depth from /16 to /128, nested,
 * hosts included) and a million addresses: every bulk path must agree with
 * the single lookup, which random_table checks against the reference.
 */
#define BIG_ROUTES 40000
#define BIG_PROBES (1u << 20)

static void bulk_big(void **state)
{
	(void)state;
	struct fib6 *f = make(BIG_ROUTES, 1u << 18);
	static addr6 routes[BIG_ROUTES], a[BIG_PROBES];
	static uint32_t want[BIG_PROBES];
	unsigned n = 0, full = 0;

	assert_int_equal(fib6_add(f, routes[0], 0, 1), 0); /* default route */
	for (unsigned i = 1; i < BIG_ROUTES; i++) {
		/* the mix above or any depth from /16; short ones first, since adding one
		 * rewrites every group below it */
		uint8_t depth = rte_rand_max(4) ? random_depth() : 16 + (uint8_t)rte_rand_max(113);

		if (i > BIG_ROUTES / 16 && depth < 32)
			depth = 32 + (uint8_t)rte_rand_max(97);
		int ret;

		random_ip(routes[n]);
		mask6(routes[n], depth);
		ret = fib6_add(f, routes[n], depth, (uint32_t)rte_rand_max(FIB_VALUE_MAX + 1));
		if (ret == -ENOSPC) {
			full++;
			continue;
		}
		assert_int_equal(ret, 0);
		n++;
	}
	for (unsigned i = 0; i < BIG_PROBES; i++) {
		uint64_t r1 = rte_rand(), r2 = rte_rand();

		memcpy(a[i], &r1, 8);
		memcpy(a[i] + 8, &r2, 8);
		if (i % 4 == 1) { /* inside a route, random below it */
			const uint8_t *r = routes[rte_rand_max(n)];

			for (unsigned b = 0; b < 16; b++)
				a[i][b] = (uint8_t)(r[b] |
						    (a[i][b] & (rte_rand_max(2) ? 0x01 : 0xff)));
		} else if (i % 4 == 2) {
			random_ip(a[i]);
		} else if (i % 4 == 3) {
			memcpy(a[i], routes[rte_rand_max(n)], 16); /* a route's first address */
		}
		want[i] = fib6_lookup(f, a[i]);
	}
	unsigned paths = check_bulk(f, a, want, BIG_PROBES);
	printf("fib6 bulk: %u routes (%u adds out of groups), %u addresses, %u bulk paths agree\n",
	       n + 1, full, BIG_PROBES, paths);
	fib6_free(f);
}

static void errors(void **state)
{
	(void)state;
	struct fib6 *f = make(16, 4);
	addr6 p = {0x20, 0x01, 0x0d, 0xb8}, a = {0x20, 0x01, 0x0d, 0xb8, 0, 1};
	addr6 other = {0x2a, 0x02};
	uint32_t v;

	assert_int_equal(fib6_add(f, p, 129, 1), -EINVAL);
	assert_int_equal(fib6_add(f, p, 32, FIB_VALUE_MAX + 1), -EINVAL);
	assert_int_equal(fib6_del(f, p, 32), -ENOENT);
	assert_int_equal(fib6_del(f, p, 0), -ENOENT);
	assert_int_equal(fib6_get(f, p, 32, &v), -ENOENT);

	assert_int_equal(fib6_lookup(f, a), FIB_MISS);
	assert_int_equal(fib6_add(f, p, 0, 7), 0);
	assert_int_equal(fib6_lookup(f, a), 7);
	assert_int_equal(fib6_add(f, p, 32, 9), 0);
	assert_int_equal(fib6_lookup(f, a), 9);
	assert_int_equal(fib6_lookup(f, other), 7);
	assert_int_equal(fib6_count(f), 2);
	assert_int_equal(fib6_del(f, p, 0), 0);
	assert_int_equal(fib6_lookup(f, other), FIB_MISS);
	assert_int_equal(fib6_lookup(f, a), 9);

	/* host bits are ignored; replace keeps the count */
	addr6 hb = {0x20, 0x01, 0x0d, 0xb8, 0xff};
	assert_int_equal(fib6_add(f, hb, 32, 10), 0);
	assert_int_equal(fib6_count(f), 1);
	assert_int_equal(fib6_lookup(f, a), 10);

	/* four groups: the /32 holds one, a /48 elsewhere takes three, so a third fails cleanly */
	addr6 q = {0x2a, 0x02, 0, 1, 0, 1};
	assert_int_equal(fib6_add(f, q, 48, 5), 0);
	addr6 q2 = {0x2a, 0x03, 0, 1, 0, 1};
	assert_int_equal(fib6_add(f, q2, 48, 6), -ENOSPC);
	assert_int_equal(fib6_lookup(f, q2), FIB_MISS);
	assert_int_equal(fib6_lookup(f, q), 5);
	assert_int_equal(fib6_count(f), 2);
	/* deleting frees the groups (no QSBR here), so the other fits now */
	assert_int_equal(fib6_del(f, q, 48), 0);
	assert_int_equal(fib6_add(f, q2, 48, 6), 0);
	assert_int_equal(fib6_lookup(f, q2), 6);
	assert_int_equal(fib6_lookup(f, q), FIB_MISS);
	fib6_free(f);
}

static void scale(void **state)
{
	(void)state;
	/* 500k routes shaped like the IPv6 Internet: mostly /48, under /32s */
	const uint32_t n = 500000;
	struct fib6_conf c = {.max_routes = n + 1000, .n_groups = 1600000, .socket_id = 0};
	struct fib6 *f = fib6_create("t6_scale", &c);
	uint64_t t0, t1;

	assert_non_null(f);
	t0 = rte_get_tsc_cycles();
	for (uint32_t i = 0; i < n; i++) {
		addr6 a = {0x20, 0x01 + (uint8_t)rte_rand_max(4)};
		uint64_t r = rte_rand();
		uint8_t depth;
		unsigned k = (unsigned)rte_rand_max(100);
		memcpy(a + 2, &r, 8);
		a[2] &= 0x3f; /* 16k /32s */
		depth = k < 50 ? 48 : k < 70 ? 32 + 4 * (uint8_t)rte_rand_max(4) : k < 90 ? 44 : 64;
		mask6(a, depth);
		int ret = fib6_add(f, a, depth, i & FIB_VALUE_MAX);
		assert_int_equal(ret, 0);
	}
	t1 = rte_get_tsc_cycles();
	printf("fib6 scale: %u adds in %.2f s (%.0f routes/s), %u routes, %.1f MiB\n", n,
	       (double)(t1 - t0) / rte_get_tsc_hz(), n / ((double)(t1 - t0) / rte_get_tsc_hz()),
	       fib6_count(f), fib6_memory(f) / 1048576.0);
	assert_true(fib6_count(f) > n * 9 / 10);
	fib6_free(f);
}

int main(int argc, char **argv)
{
	char *eal[] = {argv[0],	   "--no-huge",	     "-m", "1024", "--no-shconf",
		       "--no-pci", "--no-telemetry", "-l", "0",	   "--log-level=error",
		       NULL};
	(void)argc;
	if (rte_eal_init(10, eal) < 0)
		return 1;
	/* Let fib6 pick (and the tests force) the AVX-512 bulk lookup where the CPU has it;
	 * fails harmlessly when --force-max-simd-bitwidth was given. */
	rte_vect_set_max_simd_bitwidth(RTE_VECT_SIMD_512);
	rte_srand(6);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(errors),
		cmocka_unit_test(random_table),
		cmocka_unit_test(bulk_big),
		cmocka_unit_test(scale),
	};
	int ret = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return ret;
}
