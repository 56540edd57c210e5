/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Concurrency proof for fib4 and fib6: one writer churns routes (adding and
 * deleting nested prefixes, which creates, collapses and reuses groups)
 * while reader threads look up probe addresses and check every answer.
 *
 * The writer brackets each change with a sequence counter (odd while it
 * runs) and publishes which route it is toggling. A reader that saw no
 * change during its lookup must get exactly the reference answer; one that
 * overlapped exactly one change must get the answer from before or after
 * it. Nothing else is accepted: a torn entry, a group freed too early and
 * reused, or a half-built group all show up as a wrong value.
 *
 * PEERFWD_STRESS_NO_QSBR=1 frees groups at once (as rte_fib6 does): the
 * test then reports errors, which shows that it can fail.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_rcu_qsbr.h>
#include <rte_vect.h>

#include "dataplane/fib/fib4.h"
#include "dataplane/fib/fib6.h"

#define N_ROUTES  768
#define N_PROBES  8192
#define N_READERS 2
#define MAX_COVER 48
#define BURST	  32 /* most probes a reader looks up at once */

typedef uint8_t addr6[16];

struct route {
	addr6 ip;
	uint8_t depth;
	uint32_t value;
	bool base; /* always present */
};

struct probe {
	addr6 ip;
	unsigned n_cover;
	uint16_t cover[MAX_COVER]; /* routes covering ip, longest first */
};

static struct {
	bool v6;
	struct fib4 *f4;
	struct fib6 *f6;
	struct rte_rcu_qsbr *qsbr;
	struct route routes[N_ROUTES];
	struct probe probes[N_PROBES];
	uint64_t present[N_ROUTES / 64];
	uint64_t seq;
	/* the change in progress or last made: (odd seq it runs under) << 32 | route */
	uint64_t cur_op;
	volatile bool stop;
} S;

struct reader_result {
	uint64_t exact, one_change, unchecked, errors;
	char first_error[160];
};

static void mask6(addr6 a, uint8_t d)
{
	for (unsigned i = 0; i < 16; i++)
		if (d < 8 * (i + 1))
			a[i] = d <= 8 * i ? 0 : (uint8_t)(a[i] & (0xff << (8 * (i + 1) - d)));
}

static bool covers(const struct route *r, const addr6 a)
{
	addr6 m;

	memcpy(m, a, 16);
	mask6(m, r->depth);
	return memcmp(m, r->ip, 16) == 0;
}

static uint32_t v4(const addr6 a)
{
	uint32_t be;

	memcpy(&be, a, 4);
	return rte_be_to_cpu_32(be);
}

static int fib_add(const struct route *r)
{
	return S.v6 ? fib6_add(S.f6, r->ip, r->depth, r->value)
		    : fib4_add(S.f4, v4(r->ip), r->depth, r->value);
}

static int fib_del(const struct route *r)
{
	return S.v6 ? fib6_del(S.f6, r->ip, r->depth) : fib4_del(S.f4, v4(r->ip), r->depth);
}

/* n probes, one at a time or as one bulk call (through the bulk lookup fib6
 * picked: AVX-512 where the CPU has it). */
static void fib_lookup(const struct probe *const *p, uint32_t *v, unsigned n, bool bulk)
{
	addr6 a6[BURST];
	uint32_t a4[BURST];

	for (unsigned i = 0; i < n; i++) {
		memcpy(a6[i], p[i]->ip, 16);
		a4[i] = v4(p[i]->ip);
	}
	if (S.v6 && bulk)
		fib6_lookup_bulk(S.f6, (const uint8_t(*)[16])a6, v, n);
	else if (bulk)
		fib4_lookup_bulk(S.f4, a4, v, n);
	for (unsigned i = 0; i < n && !bulk; i++)
		v[i] = S.v6 ? fib6_lookup(S.f6, a6[i]) : fib4_lookup(S.f4, a4[i]);
}

static bool bit(const uint64_t *bm, unsigned i)
{
	return (bm[i / 64] >> (i % 64)) & 1;
}

/* Nested routes inside one short prefix: every depth from the base down. */
static void make_routes(void)
{
	static const uint8_t d4[] = {16, 20, 23, 24, 25, 26, 28, 29, 30, 31, 32};
	static const uint8_t d6[] = {20, 24, 28, 32, 36, 40,  44,  48,
				     52, 56, 64, 80, 96, 112, 127, 128};
	const uint8_t *ds = S.v6 ? d6 : d4;
	unsigned nd = S.v6 ? sizeof(d6) : sizeof(d4);

	for (unsigned i = 0; i < N_ROUTES; i++) {
		struct route *r = &S.routes[i];
		bool dup;

		do {
			uint64_t x = rte_rand(), y = rte_rand();

			memcpy(r->ip, &x, 8);
			memcpy(r->ip + 8, &y, 8);
			/* 10.0/16 or 2001:db8::/32, few distinct bytes below: routes nest */
			r->ip[0] = S.v6 ? 0x20 : 10;
			r->ip[1] = S.v6 ? 0x01 : 0;
			if (S.v6) {
				r->ip[2] = 0x0d;
				r->ip[3] = 0xb8;
			}
			for (unsigned b = S.v6 ? 4 : 2; b < 16; b++)
				r->ip[b] &= S.v6 ? 0x03 : b == 2 ? 0x0f : 0xff;
			r->depth = i == 0 ? 0 : i == 1 ? (S.v6 ? 16 : 8) : ds[rte_rand_max(nd)];
			mask6(r->ip, r->depth);
			dup = false;
			for (unsigned j = 0; j < i && !dup; j++)
				dup = S.routes[j].depth == r->depth &&
				      memcmp(S.routes[j].ip, r->ip, 16) == 0;
		} while (dup);
		r->base = i < 2;
		r->value = 1000 + i;
	}
}

static void make_probes(void)
{
	for (unsigned p = 0; p < N_PROBES; p++) {
		struct probe *pr = &S.probes[p];
		const struct route *r = &S.routes[2 + rte_rand_max(N_ROUTES - 2)];
		uint64_t x = rte_rand(), y = rte_rand();
		addr6 noise;

		memcpy(noise, &x, 8);
		memcpy(noise + 8, &y, 8);
		for (unsigned b = 0; b < 16; b++) /* inside r, low bits mostly like r's */
			pr->ip[b] =
				(uint8_t)(r->ip[b] | (noise[b] & (rte_rand_max(4) ? 0x03 : 0xff)));
		memcpy(noise, pr->ip, 16);
		mask6(noise, r->depth);
		if (memcmp(noise, r->ip, 16) != 0)
			memcpy(pr->ip, r->ip, 16);
		pr->n_cover = 0;
		for (int d = S.v6 ? 128 : 32; d >= 0; d--)
			for (unsigned i = 0; i < N_ROUTES; i++)
				if (S.routes[i].depth == d && covers(&S.routes[i], pr->ip) &&
				    pr->n_cover < MAX_COVER)
					pr->cover[pr->n_cover++] = (uint16_t)i;
	}
}

/* The reference answer for probe p with route `flip` forced to `state`. */
static uint32_t expected(const struct probe *p, const uint64_t *present, int flip, bool state)
{
	for (unsigned i = 0; i < p->n_cover; i++) {
		unsigned r = p->cover[i];
		bool on = (int)r == flip ? state : bit(present, r);
		if (on)
			return S.routes[r].value;
	}
	return FIB_MISS;
}

/* One answer, given what changed while it was looked up (see the top). */
static void check(struct reader_result *res, const struct probe *p, uint32_t got,
		  const uint64_t *snap, uint64_t s1, uint64_t s2, uint64_t w)
{
	int op = (int)(uint32_t)w;
	bool ok;

	if (s2 == s1) {
		ok = got == expected(p, snap, -1, false);
		res->exact++;
	} else if (s2 <= s1 + 2) {
		/* The writer names its next change before it bumps seq, so
		 * cur_op may already be the one after ours: it carries the
		 * seq it runs under, and only ours (s1 + 1) is checked. */
		if ((w >> 32) != s1 + 1) {
			res->unchecked++;
			return;
		}
		ok = got == expected(p, snap, op, false) || got == expected(p, snap, op, true);
		res->one_change++;
	} else {
		/* many changes: at least an answer from a covering route */
		ok = got == FIB_MISS;
		for (unsigned i = 0; i < p->n_cover && !ok; i++)
			ok = got == S.routes[p->cover[i]].value;
		res->unchecked++;
	}
	if (!ok && res->errors++ == 0)
		snprintf(res->first_error, sizeof(res->first_error),
			 "probe %02x%02x%02x%02x..: got %u, want %u (seq %lu->%lu)", p->ip[0],
			 p->ip[1], p->ip[2], p->ip[3], got, expected(p, snap, -1, false),
			 (unsigned long)s1, (unsigned long)s2);
}

static void *reader(void *arg)
{
	struct reader_result *res = arg;
	unsigned tid;
	uint64_t snap[N_ROUTES / 64];
	uint64_t n = 0;

	tid = (unsigned)(uintptr_t)res->first_error[0];
	/* EAL pinned the main thread (the writer) to CPU 0, and we inherited
	 * that: run on the other CPUs so that lookups overlap updates. */
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu > 1) {
		cpu_set_t set;
		CPU_ZERO(&set);
		for (long c = 1; c < ncpu; c++)
			CPU_SET(c, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	res->first_error[0] = 0;
	rte_rcu_qsbr_thread_register(S.qsbr, tid);
	rte_rcu_qsbr_thread_online(S.qsbr, tid);
	while (!S.stop) {
		uint64_t s1 = __atomic_load_n(&S.seq, __ATOMIC_ACQUIRE);
		if (s1 & 1) {
			rte_rcu_qsbr_quiescent(S.qsbr, tid);
			continue;
		}
		for (unsigned i = 0; i < N_ROUTES / 64; i++)
			snap[i] = __atomic_load_n(&S.present[i], __ATOMIC_ACQUIRE);
		/* every other round one bulk call of 1..BURST probes, which spans
		 * partial and whole vectors of the AVX-512 lookup */
		bool bulk = n++ & 1;
		unsigned k = bulk ? 1 + (unsigned)rte_rand_max(BURST) : 1;
		const struct probe *p[BURST];
		uint32_t got[BURST];

		for (unsigned i = 0; i < k; i++)
			p[i] = &S.probes[rte_rand_max(N_PROBES)];
		fib_lookup(p, got, k, bulk);
		uint64_t s2 = __atomic_load_n(&S.seq, __ATOMIC_ACQUIRE);
		uint64_t w = __atomic_load_n(&S.cur_op, __ATOMIC_ACQUIRE);

		for (unsigned i = 0; i < k; i++)
			check(res, p[i], got[i], snap, s1, s2, w);
		rte_rcu_qsbr_quiescent(S.qsbr, tid);
	}
	rte_rcu_qsbr_thread_offline(S.qsbr, tid);
	rte_rcu_qsbr_thread_unregister(S.qsbr, tid);
	return NULL;
}

static void toggle(unsigned r)
{
	bool on = bit(S.present, r);

	uint64_t s = __atomic_load_n(&S.seq, __ATOMIC_RELAXED); /* single writer */

	__atomic_store_n(&S.cur_op, (s + 1) << 32 | r, __ATOMIC_RELEASE);
	__atomic_fetch_add(&S.seq, 1, __ATOMIC_ACQ_REL);
	assert_int_equal(on ? fib_del(&S.routes[r]) : fib_add(&S.routes[r]), 0);
	__atomic_fetch_xor(&S.present[r / 64], 1ull << (r % 64), __ATOMIC_ACQ_REL);
	__atomic_fetch_add(&S.seq, 1, __ATOMIC_ACQ_REL);
}

static void run(bool v6, unsigned n_ops)
{
	bool no_qsbr = getenv("PEERFWD_STRESS_NO_QSBR") != NULL;
	size_t sz = rte_rcu_qsbr_get_memsize(N_READERS);
	struct reader_result res[N_READERS];
	pthread_t th[N_READERS];
	uint64_t t0;

	memset(&S, 0, sizeof(S));
	S.v6 = v6;
	S.qsbr = rte_zmalloc(NULL, sz, RTE_CACHE_LINE_SIZE);
	assert_non_null(S.qsbr);
	assert_int_equal(rte_rcu_qsbr_init(S.qsbr, N_READERS), 0);
	if (v6) {
		struct fib6_conf c = {.max_routes = N_ROUTES,
				      .n_groups = 1u << 14,
				      .qsbr = no_qsbr ? NULL : S.qsbr};
		S.f6 = fib6_create("stress6", &c);
		assert_non_null(S.f6);
		printf("fib6 stress: readers' bulk lookup: %s\n",
		       fib6_lookup_type(S.f6) == FIB6_LOOKUP_AVX512 ? "AVX-512" : "scalar");
	} else {
		struct fib4_conf c = {
			.max_routes = N_ROUTES, .n_tbl8 = 1024, .qsbr = no_qsbr ? NULL : S.qsbr};
		S.f4 = fib4_create("stress4", &c);
		assert_non_null(S.f4);
	}
	make_routes();
	make_probes();
	for (unsigned r = 0; r < N_ROUTES; r++)
		if (S.routes[r].base || rte_rand_max(2))
			toggle(r);

	memset(res, 0, sizeof(res));
	for (unsigned i = 0; i < N_READERS; i++) {
		res[i].first_error[0] = (char)i; /* thread id, read once by the reader */
		assert_int_equal(pthread_create(&th[i], NULL, reader, &res[i]), 0);
	}
	t0 = rte_get_tsc_cycles();
	for (unsigned i = 0; i < n_ops; i++) {
		toggle(2 + (unsigned)rte_rand_max(N_ROUTES - 2));
		/* a short gap now and then, so that some lookups see a still table */
		if (i % 4 == 0)
			rte_delay_us_block(1);
	}
	double secs = (double)(rte_get_tsc_cycles() - t0) / rte_get_tsc_hz();
	S.stop = true;
	uint64_t exact = 0, one = 0, unchecked = 0, errors = 0;
	for (unsigned i = 0; i < N_READERS; i++) {
		pthread_join(th[i], NULL);
		exact += res[i].exact;
		one += res[i].one_change;
		unchecked += res[i].unchecked;
		errors += res[i].errors;
		if (res[i].errors)
			printf("reader %u: %lu errors, first: %s\n", i,
			       (unsigned long)res[i].errors, res[i].first_error);
	}
	printf("fib%c stress: %u changes in %.2f s (%.0f/s); lookups checked exactly %lu, "
	       "across one change %lu, unchecked %lu; errors %lu\n",
	       v6 ? '6' : '4', n_ops, secs, n_ops / secs, (unsigned long)exact, (unsigned long)one,
	       (unsigned long)unchecked, (unsigned long)errors);
	assert_int_equal(errors, 0);
	assert_true(exact > 1000);
	assert_true(one > 10000);
	fib4_free(S.f4);
	fib6_free(S.f6);
	rte_free(S.qsbr);
}

static void stress4(void **state)
{
	(void)state;
	run(false, 300000);
}

static void stress6(void **state)
{
	(void)state;
	run(true, 150000);
}

int main(int argc, char **argv)
{
	char *eal[] = {argv[0],	   "--no-huge",	     "-m", "512", "--no-shconf",
		       "--no-pci", "--no-telemetry", "-l", "0",	  "--log-level=error",
		       NULL};
	(void)argc;
	if (rte_eal_init(10, eal) < 0)
		return 1;
	/* fib6 may pick its AVX-512 bulk lookup (as bench_lpm lets it) */
	rte_vect_set_max_simd_bitwidth(RTE_VECT_SIMD_512);
	rte_srand(2026);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stress4),
		cmocka_unit_test(stress6),
	};
	int ret = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return ret;
}
