/* SPDX-License-Identifier: BSD-3-Clause */
/* fib4 against a naive reference LPM (a linear scan over the rule list). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <rte_eal.h>
#include <rte_random.h>

#include "dataplane/fib/fib4.h"

struct ref_rule {
	uint32_t ip;
	uint8_t depth;
	uint32_t value;
	bool live;
};

#define REF_MAX 20000
static struct ref_rule ref[REF_MAX];
static unsigned ref_n;

static uint32_t mask(uint8_t d)
{
	return d == 0 ? 0 : UINT32_MAX << (32 - d);
}

static uint32_t ref_lookup(uint32_t ip)
{
	int best = -1;

	for (unsigned i = 0; i < ref_n; i++)
		if (ref[i].live && (ip & mask(ref[i].depth)) == ref[i].ip &&
		    (best < 0 || ref[i].depth > ref[best].depth))
			best = (int)i;
	return best < 0 ? FIB_MISS : ref[best].value;
}

static struct ref_rule *ref_find(uint32_t ip, uint8_t depth)
{
	for (unsigned i = 0; i < ref_n; i++)
		if (ref[i].live && ref[i].ip == ip && ref[i].depth == depth)
			return &ref[i];
	return NULL;
}

static struct fib4 *make(uint32_t max_routes, uint32_t n_tbl8)
{
	static unsigned seq;
	char name[32];
	struct fib4_conf c = {.max_routes = max_routes, .n_tbl8 = n_tbl8, .socket_id = 0};

	snprintf(name, sizeof(name), "t4_%u", seq++);
	struct fib4 *f = fib4_create(name, &c);
	assert_non_null(f);
	ref_n = 0;
	return f;
}

static void check_addr(struct fib4 *f, uint32_t ip)
{
	uint32_t want = ref_lookup(ip), got = fib4_lookup(f, ip), bulk;

	if (got != want)
		fail_msg("lookup %08x: got %u want %u", ip, got, want);
	fib4_lookup_bulk(f, &ip, &bulk, 1);
	assert_int_equal(bulk, want);
}

/* Addresses at the edges of every rule, deleted ones too, plus random ones. */
static void check_all(struct fib4 *f, unsigned n_random)
{
	for (unsigned i = 0; i < ref_n; i++) {
		uint32_t lo = ref[i].ip, hi = lo | ~mask(ref[i].depth);
		check_addr(f, lo);
		check_addr(f, hi);
		check_addr(f, lo - 1);
		check_addr(f, hi + 1);
	}
	for (unsigned i = 0; i < n_random; i++)
		check_addr(f, (uint32_t)rte_rand());
	/* bulk with a full burst */
	uint32_t ips[100], vals[100];
	for (unsigned i = 0; i < 100; i++)
		ips[i] = (uint32_t)rte_rand();
	fib4_lookup_bulk(f, ips, vals, 100);
	for (unsigned i = 0; i < 100; i++)
		assert_int_equal(vals[i], ref_lookup(ips[i]));

	/* bulk over every rule's edges in one call: many of fib4's internal
	 * chunks, groups and the default among them, an odd count */
	static uint32_t edge[4 * REF_MAX + 1], got[4 * REF_MAX + 1];
	unsigned n = 0;

	for (unsigned i = 0; i < ref_n; i++) {
		uint32_t lo = ref[i].ip, hi = lo | ~mask(ref[i].depth);
		edge[n++] = lo;
		edge[n++] = hi;
		edge[n++] = hi + 1;
	}
	edge[n++] = (uint32_t)rte_rand();
	fib4_lookup_bulk(f, edge, got, n);
	for (unsigned i = 0; i < n; i++)
		if (got[i] != ref_lookup(edge[i]))
			fail_msg("bulk[%u] %08x: got %u want %u", i, edge[i], got[i],
				 ref_lookup(edge[i]));
}

static uint8_t random_depth(void)
{
	/* clustered prefixes so that they nest: a /8 base, then varied lengths */
	static const uint8_t d[] = {0, 8, 12, 16, 20, 22, 23, 24, 24, 24, 25, 27, 28, 30, 31, 32};
	return d[rte_rand_max(sizeof(d))];
}

static uint32_t random_ip(void)
{
	/* three /8s only, so that rules overlap often */
	static const uint32_t base[] = {0x0a000000, 0xcb000000, 0xc6000000};
	return base[rte_rand_max(3)] | ((uint32_t)rte_rand() & 0x00ffffff);
}

static void random_table(void **state)
{
	(void)state;
	struct fib4 *f = make(REF_MAX, 2048);

	for (unsigned round = 0; round < 4000; round++) {
		uint8_t depth = random_depth();
		uint32_t ip = random_ip() & mask(depth);
		struct ref_rule *r = ref_find(ip, depth);

		if (r != NULL && rte_rand_max(3) == 0) {
			assert_int_equal(fib4_del(f, ip, depth), 0);
			r->live = false;
		} else {
			uint32_t v = (uint32_t)rte_rand_max(FIB_VALUE_MAX + 1);
			assert_int_equal(fib4_add(f, ip, depth, v), 0);
			if (r != NULL)
				r->value = v;
			else
				ref[ref_n++] = (struct ref_rule){ip, depth, v, true};
		}
		if (round % 500 == 0)
			check_all(f, 200);
	}
	check_all(f, 20000);

	unsigned live = 0;
	for (unsigned i = 0; i < ref_n; i++)
		live += ref[i].live;
	assert_int_equal(fib4_count(f), live);

	/* delete everything: the table must be empty again */
	for (unsigned i = 0; i < ref_n; i++) {
		if (!ref[i].live)
			continue;
		uint32_t v;
		assert_int_equal(fib4_get(f, ref[i].ip, ref[i].depth, &v), 0);
		assert_int_equal(v, ref[i].value);
		assert_int_equal(fib4_del(f, ref[i].ip, ref[i].depth), 0);
		ref[i].live = false;
	}
	assert_int_equal(fib4_count(f), 0);
	check_all(f, 2000);
	fib4_free(f);
}

/*
 * Deletes in a dense table: routes /16../32 inside one /16, so that most
 * have a sibling of the same length next to them and parents at several
 * lengths; half are deleted in random order, each followed by a check of
 * its own range and its neighbours' (a delete must hand the range back to
 * the parent, not to a sibling).
 */
static void dense_deletes(void **state)
{
	(void)state;
	struct fib4 *f = make(REF_MAX, 4096);
	const uint32_t base = 0x0a0b0000;

	for (unsigned k = 0; k < 3000; k++) {
		uint8_t depth = (uint8_t)(16 + rte_rand_max(17));
		uint32_t ip = (base | ((uint32_t)rte_rand() & 0xffff)) & mask(depth);
		uint32_t v = (uint32_t)rte_rand_max(FIB_VALUE_MAX + 1);
		struct ref_rule *r = ref_find(ip, depth);

		assert_int_equal(fib4_add(f, ip, depth, v), 0);
		if (r != NULL)
			r->value = v;
		else
			ref[ref_n++] = (struct ref_rule){ip, depth, v, true};
	}
	check_all(f, 0);
	for (unsigned k = 0; k < ref_n / 2; k++) {
		struct ref_rule *r = &ref[rte_rand_max(ref_n)];
		if (!r->live)
			continue;
		assert_int_equal(fib4_del(f, r->ip, r->depth), 0);
		r->live = false;
		uint32_t lo = r->ip, size = ~mask(r->depth) + 1;
		for (uint32_t a = lo - size; a != lo + 2 * size; a += size / 2 ? size / 2 : 1)
			check_addr(f, a);
		check_addr(f, lo + size - 1);
	}
	check_all(f, 2000);
	fib4_free(f);
}

static void errors(void **state)
{
	(void)state;
	struct fib4 *f = make(16, 2);
	uint32_t v;

	assert_int_equal(fib4_add(f, 0x0a000000, 33, 1), -EINVAL);
	assert_int_equal(fib4_add(f, 0x0a000000, 8, FIB_VALUE_MAX + 1), -EINVAL);
	assert_int_equal(fib4_del(f, 0x0a000000, 8), -ENOENT);
	assert_int_equal(fib4_del(f, 0, 0), -ENOENT);
	assert_int_equal(fib4_get(f, 0x0a000000, 8, &v), -ENOENT);

	/* default route */
	assert_int_equal(fib4_lookup(f, 0x01020304), FIB_MISS);
	assert_int_equal(fib4_add(f, 0, 0, 7), 0);
	assert_int_equal(fib4_lookup(f, 0x01020304), 7);
	assert_int_equal(fib4_add(f, 0x01000000, 8, 9), 0);
	assert_int_equal(fib4_lookup(f, 0x01020304), 9);
	assert_int_equal(fib4_lookup(f, 0x02020304), 7);
	assert_int_equal(fib4_count(f), 2);
	assert_int_equal(fib4_del(f, 0, 0), 0);
	assert_int_equal(fib4_lookup(f, 0x02020304), FIB_MISS);

	/* host bits are ignored; replace keeps the count */
	assert_int_equal(fib4_add(f, 0x010000ff, 8, 10), 0);
	assert_int_equal(fib4_count(f), 1);
	assert_int_equal(fib4_lookup(f, 0x01020304), 10);

	/* out of tbl8 groups: /25s in three different /24s with only two groups */
	assert_int_equal(fib4_add(f, 0x0b000000, 25, 1), 0);
	assert_int_equal(fib4_add(f, 0x0b000100, 25, 2), 0);
	assert_int_equal(fib4_add(f, 0x0b000200, 25, 3), -ENOSPC);
	assert_int_equal(fib4_lookup(f, 0x0b000201), FIB_MISS);
	assert_int_equal(fib4_lookup(f, 0x0b000101), 2);
	fib4_free(f);
}

static void scale(void **state)
{
	(void)state;
	/* 2M routes, the real Internet's shape: mostly /24 */
	const uint32_t n = 2000000;
	struct fib4_conf c = {.max_routes = n + 1000, .n_tbl8 = 65536, .socket_id = 0};
	struct fib4 *f = fib4_create("t4_scale", &c);
	uint64_t t0, t1;
	uint32_t added = 0;

	assert_non_null(f);
	t0 = rte_get_tsc_cycles();
	for (uint32_t i = 0; i < n; i++) {
		uint32_t ip, depth;
		uint32_t r = (uint32_t)rte_rand_max(100);
		if (r < 60)
			depth = 24;
		else if (r < 90)
			depth = 17 + (uint32_t)rte_rand_max(7);
		else if (r < 99)
			depth = 8 + (uint32_t)rte_rand_max(9);
		else
			depth = 25 + (uint32_t)rte_rand_max(8);
		ip = (uint32_t)rte_rand() & mask((uint8_t)depth);
		int ret = fib4_add(f, ip, (uint8_t)depth, i & FIB_VALUE_MAX);
		assert_true(ret == 0 || ret == -ENOSPC);
		added += ret == 0;
	}
	t1 = rte_get_tsc_cycles();
	printf("fib4 scale: %u adds in %.2f s (%.0f routes/s), %u routes, %.1f MiB\n", n,
	       (double)(t1 - t0) / rte_get_tsc_hz(), n / ((double)(t1 - t0) / rte_get_tsc_hz()),
	       fib4_count(f), fib4_memory(f) / 1048576.0);
	/* random short prefixes repeat: most of the 2M are distinct, and a
	 * repeat is a replace, which succeeds without a new route */
	assert_true(fib4_count(f) > n * 85 / 100);
	assert_true(fib4_count(f) <= added);
	fib4_free(f);
}

int main(int argc, char **argv)
{
	char *eal[] = {argv[0],	   "--no-huge",	     "-m", "1024", "--no-shconf",
		       "--no-pci", "--no-telemetry", "-l", "0",	   "--log-level=error",
		       NULL};
	(void)argc;
	if (rte_eal_init(10, eal) < 0)
		return 1;
	rte_srand(12345);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(errors),
		cmocka_unit_test(random_table),
		cmocka_unit_test(dense_deletes),
		cmocka_unit_test(scale),
	};
	int ret = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return ret;
}
