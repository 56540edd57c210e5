/* SPDX-License-Identifier: BSD-3-Clause */
/* fib6 against a naive reference LPM (a linear scan over the rule list). */
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

static void check_addr(struct fib6 *f, const addr6 a)
{
	uint32_t want = ref_lookup(a), got = fib6_lookup(f, a), bulk;

	if (got != want)
		fail_msg("lookup %02x%02x:%02x%02x:%02x%02x:...%02x: got %u want %u", a[0], a[1],
			 a[2], a[3], a[4], a[5], a[15], got, want);
	fib6_lookup_bulk(f, (const uint8_t(*)[16])a, &bulk, 1);
	assert_int_equal(bulk, want);
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

/* Addresses at the edges of every live rule, plus random ones near them. */
static void check_all(struct fib6 *f)
{
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
	rte_srand(6);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(errors),
		cmocka_unit_test(random_table),
		cmocka_unit_test(scale),
	};
	int ret = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return ret;
}
