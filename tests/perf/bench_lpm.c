/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_lpm: peerfwd's fib4/fib6 side by side with DPDK 22.11's rte_lpm,
 * rte_fib (DIR24_8), rte_lpm6 and rte_fib6 (TRIE).
 *
 * One table per family is generated with the prefix-length mix of the real
 * Internet table and clustered like real allocations (dense /8s, /24s
 * deaggregated out of covering blocks; IPv6 under 2000::/3 with most more
 * specifics inside a few thousand /32s). Every structure gets the same routes
 * in the same (shuffled) order and the same lookup addresses, and must give
 * the same next hop for each of a sample of addresses.
 *
 * Measured per structure: insert rate (full load from empty), delete rate
 * (a random sample deleted from the full table; rte_lpm's rule table is a
 * linear array per depth, so deleting all of it would take hours), memory,
 * and single-core lookups/s and cycles/lookup for single and bulk-of-32
 * lookups over random and skewed (90% of lookups to 1% of routes)
 * destinations, best of --reps repetitions, repetitions interleaved across
 * structures so that noise on a shared machine hits all of them alike.
 *
 * --callgrind-only runs the v4 lookups once each between callgrind client
 * requests, for `valgrind --tool=callgrind --instr-atstart=no`: each dump is
 * named "<impl>:<mode>:<lookups>", scripts/bench divides its Ir by lookups.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_lcore.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_malloc.h>
#include <rte_vect.h>

#include "dataplane/fib/fib4.h"
#include "dataplane/fib/fib6.h"

#include "tests/perf/bench_util.h"

#define BULK	      32
#define NH_BITS	      20	 /* rte_lpm6 keeps 21 bits of next hop */
#define DPDK_MISS_NH  (1u << 30) /* rte_fib/rte_fib6 default_nh: "no route" */
#define VERIFY_ROUTED (1u << 18)
#define VERIFY_ANY    (1u << 16)

/* ---- options ----------------------------------------------------------- */

static struct {
	uint32_t routes4, routes6, lookups, reps, del_sample;
	uint64_t seed;
	bool v4, v6, callgrind;
	const char *csv, *dump_dir;
	const char *only; /* comma-separated implementation names, NULL: all */
} opt = {
	.routes4 = 1000000,
	.routes6 = 250000,
	.lookups = 1u << 21,
	.reps = 5,
	.del_sample = 10000,
	.seed = 42,
	.v4 = true,
	.v6 = true,
	.csv = "out/bench/lpm.csv",
};

/* ---- deterministic random numbers (splitmix64) -------------------------- */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rng_below(uint32_t n)
{
	return (uint32_t)(((rng_next() >> 32) * n) >> 32);
}

static double rng_unit(void)
{
	return (double)(rng_next() >> 11) / (double)(1ull << 53);
}

static void shuffle_u32(uint32_t *a, uint32_t n)
{
	for (uint32_t i = n; i > 1; i--) {
		uint32_t j = rng_below(i), t = a[i - 1];

		a[i - 1] = a[j];
		a[j] = t;
	}
}

/* ---- routes ------------------------------------------------------------- */

/*
 * Both families are generated as the top 64 bits of the address (every IPv6
 * prefix here is /64 or shorter; IPv4 uses bits 63..32), then converted.
 */
struct route {
	uint64_t hi;
	uint8_t depth;
	uint32_t nh;
	uint32_t v4;	/* host order */
	uint8_t v6[16]; /* network order */
};

static uint64_t mask64(unsigned depth)
{
	return depth == 0 ? 0 : ~0ull << (64 - depth);
}

/* Open-addressing set of (top-64-bits, depth) keys, to keep prefixes unique. */
struct pset {
	uint64_t *hi;
	uint8_t *depth; /* 0: empty slot */
	size_t mask;
};

static void pset_init(struct pset *s, size_t n)
{
	size_t cap = 1;

	while (cap < 2 * n)
		cap <<= 1;
	s->hi = calloc(cap, sizeof(*s->hi));
	s->depth = calloc(cap, 1);
	s->mask = cap - 1;
	if (s->hi == NULL || s->depth == NULL) {
		fprintf(stderr, "bench_lpm: out of memory\n");
		exit(1);
	}
}

static void pset_fini(struct pset *s)
{
	free(s->hi);
	free(s->depth);
}

/* Returns true if the key was not there (and is now). */
static bool pset_insert(struct pset *s, uint64_t hi, uint8_t depth)
{
	uint64_t h = hi ^ depth; /* murmur3's fmix64: prefixes have zero low bits */
	size_t i;

	h = (h ^ (h >> 33)) * 0xff51afd7ed558ccdull;
	h = (h ^ (h >> 33)) * 0xc4ceb9fe1a85ec53ull;
	i = (size_t)(h ^ (h >> 33)) & s->mask;

	for (;; i = (i + 1) & s->mask) {
		if (s->depth[i] == 0) {
			s->hi[i] = hi;
			s->depth[i] = depth;
			return true;
		}
		if (s->hi[i] == hi && s->depth[i] == depth)
			return false;
	}
}

/* Prefix-length mixes, in routes per million. */
struct mix {
	uint8_t depth;
	uint32_t ppm; /* 0: takes whatever the others leave */
};

/* IPv4: ~62% /24, 15% /22-/23, ~21% /16-/21, ~1% /8-/15, 1% /25-/32. */
static const struct mix mix4[] = {
	{8, 16},     {9, 14},	  {10, 40},    {11, 120},   {12, 400},	 {13, 900},   {14, 2500},
	{15, 5000},  {16, 15000}, {17, 10000}, {18, 18000}, {19, 33000}, {20, 54000}, {21, 85000},
	{22, 90000}, {23, 60000}, {24, 0},     {25, 2500},  {26, 2500},	 {27, 1500},  {28, 1200},
	{29, 900},   {30, 700},	  {31, 200},   {32, 500},
};

/* IPv6: 45% /48, 12% /32, ~29% /40-/47, 1.7% /29-/31, /33-/39, /56, /64. */
static const struct mix mix6[] = {
	{19, 120},   {20, 320},	 {21, 240},   {22, 400},   {23, 320},	 {24, 800},  {25, 400},
	{26, 600},   {27, 800},	 {28, 2400},  {29, 14000}, {30, 1600},	 {31, 800},  {32, 120000},
	{33, 4800},  {34, 6000}, {35, 5200},  {36, 32000}, {37, 4000},	 {38, 4800}, {39, 3200},
	{40, 56000}, {41, 6000}, {42, 10000}, {43, 4000},  {44, 128000}, {45, 8000}, {46, 36000},
	{47, 40000}, {48, 0},	 {49, 1200},  {50, 1200},  {51, 800},	 {52, 6000}, {53, 800},
	{54, 1200},  {55, 800},	 {56, 28000}, {60, 3200},  {64, 16000},
};

static void mix_counts(const struct mix *m, unsigned n_mix, uint32_t total, uint32_t *count)
{
	uint64_t used = 0;
	unsigned rest = 0;

	for (unsigned i = 0; i < n_mix; i++) {
		count[i] = (uint32_t)((uint64_t)m[i].ppm * total / 1000000);
		used += count[i];
		if (m[i].ppm == 0)
			rest = i;
	}
	count[rest] = used < total ? (uint32_t)(total - used) : 0;
}

/* Weighted choice over a cumulative weight array. */
static uint32_t pick_weighted(const double *cum, uint32_t n)
{
	double u = rng_unit() * cum[n - 1];
	uint32_t lo = 0, hi = n - 1;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (cum[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

struct gen {
	struct route *r;
	uint32_t n;
	struct pset set;
};

static bool gen_add(struct gen *g, uint64_t hi, uint8_t depth)
{
	hi &= mask64(depth);
	if (!pset_insert(&g->set, hi, depth))
		return false;
	g->r[g->n].hi = hi;
	g->r[g->n].depth = depth;
	g->n++;
	return true;
}

/* A prefix of this depth inside route p (p->depth < depth). */
static bool gen_under(struct gen *g, const struct route *p, uint8_t depth)
{
	return gen_add(g, p->hi | (rng_next() & ~mask64(p->depth)), depth);
}

/*
 * IPv4: unicast /8s weighted so a few are dense (like the RIRs' recent
 * pools), prefixes up to /23 partly inside shorter ones, /24s mostly
 * deaggregated out of announced covering blocks, /25-/32 inside /24s.
 */
static uint32_t gen_routes4(struct route *out, uint32_t total)
{
	uint32_t count[RTE_DIM(mix4)];
	double cum[256];
	uint8_t oct[256];
	uint32_t n_oct = 0;
	struct gen g = {.r = out};

	for (unsigned o = 1; o < 224; o++) {
		double u = rng_unit();

		if (o == 10 || o == 127)
			continue;
		oct[n_oct] = (uint8_t)o;
		cum[n_oct] = (n_oct ? cum[n_oct - 1] : 0) + 0.2 + 10 * u * u * u;
		n_oct++;
	}
	mix_counts(mix4, RTE_DIM(mix4), total, count);
	pset_init(&g.set, total);
	for (unsigned m = 0; m < RTE_DIM(mix4); m++) {
		uint8_t d = mix4[m].depth;
		uint32_t below = g.n; /* routes shorter than d */
		double nested = d < 16 ? 0.3 : d < 24 ? 0.55 : d == 24 ? 0.6 : 1.0;

		for (uint32_t k = 0, tries = 0; k < count[m] && tries < 64 * count[m] + 1000;
		     tries++) {
			bool ok;

			if (below > 0 && rng_unit() < nested)
				ok = gen_under(&g, &g.r[rng_below(below)], d);
			else
				ok = gen_add(&g,
					     (uint64_t)oct[pick_weighted(cum, n_oct)] << 56 |
						     (rng_next() >> 8),
					     d);
			k += ok;
		}
	}
	pset_fini(&g.set);
	for (uint32_t i = 0; i < g.n; i++)
		out[i].v4 = (uint32_t)(out[i].hi >> 32);
	return g.n;
}

/*
 * IPv6: allocations (/19-/32) inside the RIR blocks of 2000::/3; longer
 * prefixes mostly inside allocations chosen Zipf-like (a few thousand /32s
 * hold most of the /48s), the rest nested inside longer announced prefixes.
 */
static uint32_t gen_routes6(struct route *out, uint32_t total)
{
	static const struct {
		uint64_t base;
		uint8_t depth;
		double weight;
	} rir[] = {
		{0x2001000000000000ull, 16, 10}, {0x2400000000000000ull, 12, 22},
		{0x2600000000000000ull, 12, 25}, {0x2800000000000000ull, 12, 8},
		{0x2a00000000000000ull, 12, 33}, {0x2c00000000000000ull, 12, 2},
	};
	uint32_t count[RTE_DIM(mix6)];
	double rir_cum[RTE_DIM(rir)];
	double *alloc_cum = NULL;
	uint32_t *alloc_rank = NULL, n_alloc = 0, first_long = 0;
	struct gen g = {.r = out};

	for (unsigned i = 0; i < RTE_DIM(rir); i++)
		rir_cum[i] = (i ? rir_cum[i - 1] : 0) + rir[i].weight;
	mix_counts(mix6, RTE_DIM(mix6), total, count);
	pset_init(&g.set, total);
	for (unsigned m = 0; m < RTE_DIM(mix6); m++) {
		uint8_t d = mix6[m].depth;
		uint32_t below = g.n;

		if (d > 32 && alloc_cum == NULL) {
			/* The allocations are complete: rank them for Zipf(0.8). */
			n_alloc = g.n;
			first_long = g.n;
			alloc_cum = malloc(n_alloc * sizeof(*alloc_cum));
			alloc_rank = malloc(n_alloc * sizeof(*alloc_rank));
			for (uint32_t i = 0; i < n_alloc; i++)
				alloc_rank[i] = i;
			shuffle_u32(alloc_rank, n_alloc);
			for (uint32_t i = 0; i < n_alloc; i++)
				alloc_cum[i] = (i ? alloc_cum[i - 1] : 0) + 1.0 / pow(i + 1, 0.8);
		}
		for (uint32_t k = 0, tries = 0; k < count[m] && tries < 64 * count[m] + 1000;
		     tries++) {
			bool ok;

			if (d <= 32) {
				unsigned b = pick_weighted(rir_cum, RTE_DIM(rir));

				ok = gen_add(&g, rir[b].base | (rng_next() & ~mask64(rir[b].depth)),
					     d);
			} else if (below > first_long && rng_unit() < 0.2) {
				ok = gen_under(&g, &g.r[first_long + rng_below(below - first_long)],
					       d);
			} else {
				const struct route *p =
					&g.r[alloc_rank[pick_weighted(alloc_cum, n_alloc)]];

				ok = gen_under(&g, p, d);
			}
			k += ok;
		}
	}
	free(alloc_cum);
	free(alloc_rank);
	pset_fini(&g.set);
	for (uint32_t i = 0; i < g.n; i++) {
		uint64_t be = rte_cpu_to_be_64(out[i].hi);

		memcpy(out[i].v6, &be, 8);
		memset(out[i].v6 + 8, 0, 8);
	}
	return g.n;
}

/* 8-bit groups a stride-8 trie with a 24-bit root needs for these routes. */
static uint32_t groups_needed(const struct route *r, uint32_t n, unsigned max_depth)
{
	struct pset s;
	uint32_t groups = 0;

	pset_init(&s, n * 2);
	for (unsigned level = 24; level < max_depth; level += 8)
		for (uint32_t i = 0; i < n; i++)
			if (r[i].depth > level)
				groups += pset_insert(&s, r[i].hi & mask64(level), (uint8_t)level);
	pset_fini(&s);
	return groups;
}

/*
 * tbl8 groups rte_fib6 reserves for these routes: an add whose /floor8 block
 * holds no route yet reserves one group per byte between /24 and its depth
 * (trie.c; its parent route can only lower this, so this bounds it above).
 */
static uint32_t groups_reserved_fib6(const struct route *r, uint32_t n)
{
	struct pset s;
	uint32_t groups = 0;

	pset_init(&s, n);
	for (uint32_t i = 0; i < n; i++) {
		unsigned floor8 = r[i].depth & ~7u, ceil8 = (r[i].depth + 7u) & ~7u;

		if (r[i].depth > 24 && pset_insert(&s, r[i].hi & mask64(floor8), (uint8_t)ceil8))
			groups += (ceil8 - 24) / 8;
	}
	pset_fini(&s);
	return groups;
}

/* The generated mix, in the buckets the real-table statistics use. */
static void print_mix(const struct route *r, uint32_t n, bool v6)
{
	static const uint8_t edges4[] = {8, 16, 22, 24, 25, 33};
	static const uint8_t edges6[] = {16, 29, 32, 33, 40, 48, 49, 56, 57, 65};
	const uint8_t *e = v6 ? edges6 : edges4;
	unsigned n_e = v6 ? RTE_DIM(edges6) : RTE_DIM(edges4);
	uint32_t hist[129] = {0};

	for (uint32_t i = 0; i < n; i++)
		hist[r[i].depth]++;
	printf("  mix:");
	for (unsigned b = 0; b + 1 < n_e; b++) {
		uint32_t c = 0;

		for (unsigned d = e[b]; d < e[b + 1]; d++)
			c += hist[d];
		if (e[b + 1] - e[b] == 1)
			printf(" /%u %.1f%%", e[b], 100.0 * c / n);
		else
			printf(" /%u-/%u %.1f%%", e[b], e[b + 1] - 1, 100.0 * c / n);
	}
	printf("\n");
}

/* ---- lookup addresses ---------------------------------------------------- */

static void addr_from_route(const struct route *r, bool v6, void *dst)
{
	uint64_t hi = r->hi | (rng_next() & ~mask64(r->depth));

	if (v6) {
		uint64_t be_hi = rte_cpu_to_be_64(hi), lo = rng_next();

		memcpy(dst, &be_hi, 8);
		memcpy((uint8_t *)dst + 8, &lo, 8);
	} else {
		uint32_t v4 = (uint32_t)(hi >> 32);

		memcpy(dst, &v4, 4);
	}
}

/* Uniform over routed space: a random route, then random host bits. */
static void fill_random(const struct route *r, uint32_t n_routes, bool v6, uint8_t *a, uint32_t n)
{
	size_t ksz = v6 ? 16 : 4;

	for (uint32_t i = 0; i < n; i++)
		addr_from_route(&r[rng_below(n_routes)], v6, a + i * ksz);
}

/* Skewed: 90% of lookups go to a hot 1% of the routes. */
static void fill_skewed(const struct route *r, uint32_t n_routes, bool v6, uint8_t *a, uint32_t n)
{
	uint32_t n_hot = RTE_MAX(n_routes / 100, 1u);
	uint32_t *hot = malloc(n_hot * sizeof(*hot));
	size_t ksz = v6 ? 16 : 4;

	for (uint32_t i = 0; i < n_hot; i++)
		hot[i] = rng_below(n_routes);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t k = rng_unit() < 0.9 ? hot[rng_below(n_hot)] : rng_below(n_routes);

		addr_from_route(&r[k], v6, a + i * ksz);
	}
	free(hot);
}

/* Verification sample: routed addresses, then anything (mostly misses). */
static void fill_verify(const struct route *r, uint32_t n_routes, bool v6, uint8_t *a)
{
	size_t ksz = v6 ? 16 : 4;

	fill_random(r, n_routes, v6, a, VERIFY_ROUTED);
	for (uint32_t i = VERIFY_ROUTED; i < VERIFY_ROUTED + VERIFY_ANY; i++) {
		uint64_t x = rng_next(), y = rng_next();

		if (v6 && (i & 1)) /* half inside 2000::/3 */
			x = rte_cpu_to_be_64(0x2000000000000000ull | (x >> 3));
		memcpy(a + i * ksz, &x, v6 ? 8 : 4);
		if (v6)
			memcpy(a + i * ksz + 8, &y, 8);
	}
}

/* ---- the structures under test ------------------------------------------ */

typedef uint64_t (*lookup_loop_fn)(void *h, const void *ips, unsigned n);

/* How big each structure must be made for the generated table. */
struct sizing {
	uint32_t routes;
	uint32_t groups;	  /* distinct 8-bit groups, with headroom */
	uint32_t groups_reserved; /* rte_fib6's per-route worst-case reservation */
};

struct impl {
	const char *name;
	bool v6;
	/* NULL: memory is the rte_malloc heap growth over create + load */
	size_t (*memory)(void *h);
	void *(*create)(const struct sizing *sz);
	void (*destroy)(void *h);
	int (*add)(void *h, const struct route *r);
	int (*del)(void *h, const struct route *r);
	/* next hop, or FIB_MISS */
	uint32_t (*lookup)(void *h, const void *ip);
	lookup_loop_fn loop_single, loop_bulk;
	/* Optional second lookup function on the same table (AVX-512). */
	const char *alt_name;
	int (*select)(void *h, bool alt);
	/* Optional: bulk lookup (next hop or FIB_MISS), checked by verify() as well */
	void (*lookup_bulk)(void *h, const void *ips, uint32_t *out, unsigned n);
};

/* Every loop sums its results so none can be optimised away. */
#define SUM_BULK(out, s)                                                                           \
	do {                                                                                       \
		for (unsigned j = 0; j < BULK; j++)                                                \
			(s) += (out)[j];                                                           \
	} while (0)

/* peerfwd fib4 */
static void *pf4_create(const struct sizing *sz)
{
	struct fib4_conf c = {
		.max_routes = sz->routes, .n_tbl8 = sz->groups, .socket_id = SOCKET_ID_ANY};

	return fib4_create("bench4", &c);
}

static void pf4_destroy(void *h)
{
	fib4_free(h);
}

static size_t pf4_memory(void *h)
{
	return fib4_memory(h);
}

static int pf4_add(void *h, const struct route *r)
{
	return fib4_add(h, r->v4, r->depth, r->nh);
}

static int pf4_del(void *h, const struct route *r)
{
	return fib4_del(h, r->v4, r->depth);
}

static uint32_t pf4_lookup(void *h, const void *ip)
{
	uint32_t a;

	memcpy(&a, ip, 4);
	return fib4_lookup(h, a);
}

static void pf4_lookup_bulk(void *h, const void *ips, uint32_t *out, unsigned n)
{
	fib4_lookup_bulk(h, ips, out, n);
}

static __rte_noinline uint64_t pf4_loop_single(void *h, const void *ips, unsigned n)
{
	const uint32_t *a = ips;
	uint64_t s = 0;

	for (unsigned i = 0; i < n; i++)
		s += fib4_lookup(h, a[i]);
	return s;
}

static __rte_noinline uint64_t pf4_loop_bulk(void *h, const void *ips, unsigned n)
{
	const uint32_t *a = ips;
	uint32_t out[BULK];
	uint64_t s = 0;

	for (unsigned i = 0; i + BULK <= n; i += BULK) {
		fib4_lookup_bulk(h, a + i, out, BULK);
		SUM_BULK(out, s);
	}
	return s;
}

/* rte_lpm */
static void *lpm_create(const struct sizing *sz)
{
	struct rte_lpm_config c = {.max_rules = sz->routes, .number_tbl8s = sz->groups};

	return rte_lpm_create("bench_lpm", SOCKET_ID_ANY, &c);
}

static void lpm_destroy(void *h)
{
	rte_lpm_free(h);
}

static int lpm_add(void *h, const struct route *r)
{
	return rte_lpm_add(h, r->v4, r->depth, r->nh);
}

static int lpm_del(void *h, const struct route *r)
{
	return rte_lpm_delete(h, r->v4, r->depth);
}

static uint32_t lpm_lookup(void *h, const void *ip)
{
	uint32_t a, nh;

	memcpy(&a, ip, 4);
	return rte_lpm_lookup(h, a, &nh) == 0 ? nh : FIB_MISS;
}

static __rte_noinline uint64_t lpm_loop_single(void *h, const void *ips, unsigned n)
{
	const uint32_t *a = ips;
	uint32_t nh = 0;
	uint64_t s = 0;

	for (unsigned i = 0; i < n; i++) {
		rte_lpm_lookup(h, a[i], &nh);
		s += nh;
	}
	return s;
}

static __rte_noinline uint64_t lpm_loop_bulk(void *h, const void *ips, unsigned n)
{
	const uint32_t *a = ips;
	uint32_t out[BULK];
	uint64_t s = 0;

	for (unsigned i = 0; i + BULK <= n; i += BULK) {
		rte_lpm_lookup_bulk(h, a + i, out, BULK);
		SUM_BULK(out, s);
	}
	return s;
}

/* rte_fib, DIR24_8 with 4-byte next hops */
static void *dfib_create(const struct sizing *sz)
{
	struct rte_fib_conf c = {
		.type = RTE_FIB_DIR24_8,
		.default_nh = DPDK_MISS_NH,
		.max_routes = (int)sz->routes, /* enough for these tables: branch nodes are few */
		.dir24_8 = {.nh_sz = RTE_FIB_DIR24_8_4B, .num_tbl8 = sz->groups},
	};

	return rte_fib_create("bench_fib", SOCKET_ID_ANY, &c);
}

static void dfib_destroy(void *h)
{
	rte_fib_free(h);
}

static int dfib_add(void *h, const struct route *r)
{
	return rte_fib_add(h, r->v4, r->depth, r->nh);
}

static int dfib_del(void *h, const struct route *r)
{
	return rte_fib_delete(h, r->v4, r->depth);
}

static uint32_t dfib_lookup(void *h, const void *ip)
{
	uint32_t a;
	uint64_t nh;

	memcpy(&a, ip, 4);
	rte_fib_lookup_bulk(h, &a, &nh, 1);
	return nh == DPDK_MISS_NH ? FIB_MISS : (uint32_t)nh;
}

static __rte_noinline uint64_t dfib_loop_single(void *h, const void *ips, unsigned n)
{
	const uint32_t *a = ips;
	uint64_t s = 0, nh;

	for (unsigned i = 0; i < n; i++) {
		uint32_t ip = a[i];

		rte_fib_lookup_bulk(h, &ip, &nh, 1); /* rte_fib has no single lookup */
		s += nh;
	}
	return s;
}

static __rte_noinline uint64_t dfib_loop_bulk(void *h, const void *ips, unsigned n)
{
	uint32_t *a = (uint32_t *)(uintptr_t)ips; /* rte_fib takes a non-const array */
	uint64_t out[BULK], s = 0;

	for (unsigned i = 0; i + BULK <= n; i += BULK) {
		rte_fib_lookup_bulk(h, a + i, out, BULK);
		SUM_BULK(out, s);
	}
	return s;
}

static int dfib_select(void *h, bool alt)
{
	return rte_fib_select_lookup(h, alt ? RTE_FIB_LOOKUP_DIR24_8_VECTOR_AVX512
					    : RTE_FIB_LOOKUP_DIR24_8_SCALAR_MACRO);
}

/* peerfwd fib6 */
static void *pf6_create(const struct sizing *sz)
{
	struct fib6_conf c = {
		.max_routes = sz->routes, .n_groups = sz->groups, .socket_id = SOCKET_ID_ANY};

	struct fib6 *f = fib6_create("bench6", &c);

	if (f != NULL)
		printf("  peerfwd fib6: bulk lookup picked: %s\n",
		       fib6_lookup_type(f) == FIB6_LOOKUP_AVX512 ? "AVX-512" : "scalar");
	return f;
}

static void pf6_destroy(void *h)
{
	fib6_free(h);
}

static size_t pf6_memory(void *h)
{
	return fib6_memory(h);
}

static int pf6_add(void *h, const struct route *r)
{
	return fib6_add(h, r->v6, r->depth, r->nh);
}

static int pf6_del(void *h, const struct route *r)
{
	return fib6_del(h, r->v6, r->depth);
}

static uint32_t pf6_lookup(void *h, const void *ip)
{
	return fib6_lookup(h, ip);
}

static void pf6_lookup_bulk(void *h, const void *ips, uint32_t *out, unsigned n)
{
	fib6_lookup_bulk(h, ips, out, n);
}

static __rte_noinline uint64_t pf6_loop_single(void *h, const void *ips, unsigned n)
{
	const uint8_t(*a)[16] = ips;
	uint64_t s = 0;

	for (unsigned i = 0; i < n; i++)
		s += fib6_lookup(h, a[i]);
	return s;
}

static __rte_noinline uint64_t pf6_loop_bulk(void *h, const void *ips, unsigned n)
{
	const uint8_t(*a)[16] = ips;
	uint32_t out[BULK];
	uint64_t s = 0;

	for (unsigned i = 0; i + BULK <= n; i += BULK) {
		fib6_lookup_bulk(h, a + i, out, BULK);
		SUM_BULK(out, s);
	}
	return s;
}

/* The row "peerfwd fib6" runs the lookup fib6_create picked (AVX-512 where
 * it can), "peerfwd fib6 scalar" the portable one on the same table. */
static int pf6_select(void *h, bool alt)
{
	return fib6_select_lookup(h, alt ? FIB6_LOOKUP_SCALAR : FIB6_LOOKUP_DEFAULT);
}

/* rte_lpm6 */
static void *lpm6_create(const struct sizing *sz)
{
	struct rte_lpm6_config c = {.max_rules = sz->routes, .number_tbl8s = sz->groups};

	return rte_lpm6_create("bench_lpm6", SOCKET_ID_ANY, &c);
}

static void lpm6_destroy(void *h)
{
	rte_lpm6_free(h);
}

static int lpm6_add(void *h, const struct route *r)
{
	return rte_lpm6_add(h, r->v6, r->depth, r->nh);
}

static int lpm6_del(void *h, const struct route *r)
{
	return rte_lpm6_delete(h, r->v6, r->depth);
}

static uint32_t lpm6_lookup(void *h, const void *ip)
{
	uint32_t nh;

	return rte_lpm6_lookup(h, ip, &nh) == 0 ? nh : FIB_MISS;
}

static __rte_noinline uint64_t lpm6_loop_single(void *h, const void *ips, unsigned n)
{
	const uint8_t(*a)[16] = ips;
	uint32_t nh = 0;
	uint64_t s = 0;

	for (unsigned i = 0; i < n; i++) {
		rte_lpm6_lookup(h, a[i], &nh);
		s += nh;
	}
	return s;
}

static __rte_noinline uint64_t lpm6_loop_bulk(void *h, const void *ips, unsigned n)
{
	uint8_t(*a)[16] = (uint8_t(*)[16])(uintptr_t)ips;
	int32_t out[BULK];
	uint64_t s = 0;

	for (unsigned i = 0; i + BULK <= n; i += BULK) {
		rte_lpm6_lookup_bulk_func(h, a + i, out, BULK);
		SUM_BULK(out, s);
	}
	return s;
}

/* rte_fib6, TRIE with 4-byte next hops */
static void *dfib6_create(const struct sizing *sz)
{
	struct rte_fib6_conf c = {
		.type = RTE_FIB6_TRIE,
		.default_nh = DPDK_MISS_NH,
		.max_routes = (int)sz->routes, /* enough for these tables: branch nodes are few */
		/* trie.c refuses an add unless the worst case for it is reserved */
		.trie = {.nh_sz = RTE_FIB6_TRIE_4B, .num_tbl8 = sz->groups_reserved},
	};

	return rte_fib6_create("bench_fib6", SOCKET_ID_ANY, &c);
}

static void dfib6_destroy(void *h)
{
	rte_fib6_free(h);
}

static int dfib6_add(void *h, const struct route *r)
{
	return rte_fib6_add(h, r->v6, r->depth, r->nh);
}

static int dfib6_del(void *h, const struct route *r)
{
	return rte_fib6_delete(h, r->v6, r->depth);
}

static uint32_t dfib6_lookup(void *h, const void *ip)
{
	uint8_t a[1][16];
	uint64_t nh;

	memcpy(a[0], ip, 16);
	rte_fib6_lookup_bulk(h, a, &nh, 1);
	return nh == DPDK_MISS_NH ? FIB_MISS : (uint32_t)nh;
}

static __rte_noinline uint64_t dfib6_loop_single(void *h, const void *ips, unsigned n)
{
	uint8_t(*a)[16] = (uint8_t(*)[16])(uintptr_t)ips;
	uint64_t s = 0, nh;

	for (unsigned i = 0; i < n; i++) {
		rte_fib6_lookup_bulk(h, a + i, &nh, 1); /* no single lookup either */
		s += nh;
	}
	return s;
}

static __rte_noinline uint64_t dfib6_loop_bulk(void *h, const void *ips, unsigned n)
{
	uint8_t(*a)[16] = (uint8_t(*)[16])(uintptr_t)ips;
	uint64_t out[BULK], s = 0;

	for (unsigned i = 0; i + BULK <= n; i += BULK) {
		rte_fib6_lookup_bulk(h, a + i, out, BULK);
		SUM_BULK(out, s);
	}
	return s;
}

static int dfib6_select(void *h, bool alt)
{
	return rte_fib6_select_lookup(h, alt ? RTE_FIB6_LOOKUP_TRIE_VECTOR_AVX512
					     : RTE_FIB6_LOOKUP_TRIE_SCALAR);
}

static const struct impl impls[] = {
	{"peerfwd fib4", false, pf4_memory, pf4_create, pf4_destroy, pf4_add, pf4_del, pf4_lookup,
	 pf4_loop_single, pf4_loop_bulk, NULL, NULL, pf4_lookup_bulk},
	{"rte_lpm", false, NULL, lpm_create, lpm_destroy, lpm_add, lpm_del, lpm_lookup,
	 lpm_loop_single, lpm_loop_bulk, NULL, NULL, NULL},
	{"rte_fib", false, NULL, dfib_create, dfib_destroy, dfib_add, dfib_del, dfib_lookup,
	 dfib_loop_single, dfib_loop_bulk, "rte_fib avx512", dfib_select, NULL},
	{"peerfwd fib6", true, pf6_memory, pf6_create, pf6_destroy, pf6_add, pf6_del, pf6_lookup,
	 pf6_loop_single, pf6_loop_bulk, "peerfwd fib6 scalar", pf6_select, pf6_lookup_bulk},
	{"rte_lpm6", true, NULL, lpm6_create, lpm6_destroy, lpm6_add, lpm6_del, lpm6_lookup,
	 lpm6_loop_single, lpm6_loop_bulk, NULL, NULL, NULL},
	{"rte_fib6", true, NULL, dfib6_create, dfib6_destroy, dfib6_add, dfib6_del, dfib6_lookup,
	 dfib6_loop_single, dfib6_loop_bulk, "rte_fib6 avx512", dfib6_select, NULL},
};

/* ---- measurement --------------------------------------------------------- */

enum { DIST_RANDOM, DIST_SKEWED, N_DIST };
enum { MODE_SINGLE, MODE_BULK, N_MODE };
static const char *const dist_name[N_DIST] = {"random", "skewed"};
static const char *const mode_name[N_MODE] = {"single", "bulk32"};

/* One row of the report: a structure, or a second lookup function on it. */
struct row {
	const struct impl *impl;
	const char *name;
	bool alt;
	void *h;
	uint32_t routes, failed_adds;
	double insert_rps, delete_rps;
	uint32_t deleted;
	size_t mem, mem_create;
	const char *mem_how;
	uint64_t best_cycles[N_DIST][N_MODE];
	uint32_t verified, mismatches, misses;
};

static size_t heap_used(void)
{
	struct rte_malloc_socket_stats st;

	if (rte_malloc_get_socket_stats((int)rte_socket_id(), &st) < 0)
		return 0;
	return st.heap_allocsz_bytes;
}

static double seconds(uint64_t cycles)
{
	return (double)cycles / (double)rte_get_tsc_hz();
}

static int load(struct row *w, const struct route *r, uint32_t n, const struct sizing *sz)
{
	size_t heap0 = heap_used();
	uint64_t t0, t1;

	w->h = w->impl->create(sz);
	if (w->h == NULL) {
		fprintf(stderr, "bench_lpm: %s: create failed: %s\n", w->name,
			rte_strerror(rte_errno));
		return -1;
	}
	w->mem_create = heap_used() - heap0;
	t0 = rte_rdtsc_precise();
	for (uint32_t i = 0; i < n; i++) {
		int ret = w->impl->add(w->h, &r[i]);

		if (ret != 0 && w->failed_adds++ == 0)
			fprintf(stderr, "bench_lpm: %s: add of route %u (/%u) failed: %s\n",
				w->name, i, r[i].depth, strerror(-ret));
	}
	t1 = rte_rdtsc_precise();
	w->routes = n - w->failed_adds;
	w->insert_rps = n / seconds(t1 - t0);
	if (w->impl->memory != NULL) {
		w->mem = w->impl->memory(w->h);
		w->mem_how = "fib_memory()";
	} else {
		w->mem = heap_used() - heap0;
		w->mem_how = "rte_malloc heap growth";
	}
	printf("  loaded %-14s %8.2f s  %s\n", w->name, seconds(t1 - t0),
	       w->failed_adds ? "FAILED ADDS" : "");
	fflush(stdout);
	return 0;
}

/* A row's bulk lookup against the reference, in bursts of 1..BULK addresses. */
static void verify_bulk(struct row *w, const uint8_t *a, const uint32_t *ref, uint32_t n,
			size_t ksz)
{
	uint32_t out[BULK];
	unsigned burst = 0;

	if (w->impl->select != NULL)
		w->impl->select(w->h, w->alt);
	for (uint32_t i = 0; i < n; i += burst) {
		burst = RTE_MIN(n - i, burst % BULK + 1);
		w->impl->lookup_bulk(w->h, a + i * ksz, out, burst);
		for (unsigned j = 0; j < burst; j++)
			w->mismatches += out[j] != ref[i + j];
	}
}

static void verify(struct row *rows, unsigned n_rows, const uint8_t *a, uint32_t n, size_t ksz)
{
	uint32_t *ref = malloc(n * sizeof(*ref));

	for (unsigned k = 0; k < n_rows; k++) {
		rows[k].verified = n;
		if (rows[k].impl->select != NULL)
			rows[k].impl->select(rows[k].h, rows[k].alt);
	}
	for (uint32_t i = 0; i < n; i++) {
		ref[i] = rows[0].impl->lookup(rows[0].h, a + i * ksz);
		rows[0].misses += ref[i] == FIB_MISS;
		for (unsigned k = 1; k < n_rows; k++) {
			uint32_t v = rows[k].impl->lookup(rows[k].h, a + i * ksz);

			rows[k].misses += v == FIB_MISS;
			rows[k].mismatches += v != ref[i];
		}
	}
	for (unsigned k = 0; k < n_rows; k++)
		if (rows[k].impl->lookup_bulk != NULL)
			verify_bulk(&rows[k], a, ref, n, ksz);
	free(ref);
}

static volatile uint64_t sink;

static void time_lookups(struct row *rows, unsigned n_rows, const uint8_t *const addrs[N_DIST],
			 uint32_t n)
{
	for (unsigned k = 0; k < n_rows; k++)
		for (unsigned d = 0; d < N_DIST; d++)
			for (unsigned m = 0; m < N_MODE; m++)
				rows[k].best_cycles[d][m] = UINT64_MAX;
	for (uint32_t rep = 0; rep < opt.reps; rep++) {
		for (unsigned k = 0; k < n_rows; k++) {
			struct row *w = &rows[k];

			if (w->impl->select != NULL)
				w->impl->select(w->h, w->alt);
			for (unsigned d = 0; d < N_DIST; d++)
				for (unsigned m = 0; m < N_MODE; m++) {
					lookup_loop_fn fn = m == MODE_SINGLE ? w->impl->loop_single
									     : w->impl->loop_bulk;
					uint64_t t0 = rte_rdtsc_precise();

					sink += fn(w->h, addrs[d], n);
					t0 = rte_rdtsc_precise() - t0;
					w->best_cycles[d][m] = RTE_MIN(w->best_cycles[d][m], t0);
				}
		}
	}
}

static void delete_sample(struct row *w, const struct route *r, const uint32_t *idx, uint32_t n)
{
	uint64_t t0 = rte_rdtsc_precise(), t1;
	uint32_t failed = 0;

	for (uint32_t i = 0; i < n; i++)
		failed += w->impl->del(w->h, &r[idx[i]]) != 0;
	t1 = rte_rdtsc_precise();
	w->deleted = n - failed;
	w->delete_rps = n / seconds(t1 - t0);
	if (failed)
		fprintf(stderr, "bench_lpm: %s: %u deletes failed\n", w->name, failed);
}

/* ---- report -------------------------------------------------------------- */

static double mlps(uint64_t cycles, uint32_t n)
{
	return n / seconds(cycles) / 1e6;
}

static void print_table(const char *family, const struct row *rows, unsigned n_rows, uint32_t n)
{
	printf("\n%s  (lookups: %u per run, best of %u; Mlk/s = million lookups/s; cyc = TSC "
	       "cycles/lookup)\n",
	       family, n, opt.reps);
	printf("%-19s %9s %9s %8s |%16s |%16s |%16s |%16s | %s\n", "", "insert", "delete", "memory",
	       "random single", "random bulk32", "skewed single", "skewed bulk32", "verify");
	printf("%-19s %9s %9s %8s |%9s %6s |%9s %6s |%9s %6s |%9s %6s | %s\n", "implementation",
	       "Mroute/s", "Mroute/s", "MiB", "Mlk/s", "cyc", "Mlk/s", "cyc", "Mlk/s", "cyc",
	       "Mlk/s", "cyc", "mismatch");
	for (unsigned k = 0; k < n_rows; k++) {
		const struct row *w = &rows[k];

		printf("%-19s %9.3f %9.3f %8.1f |", w->name, w->insert_rps / 1e6,
		       w->delete_rps / 1e6, w->mem / 1048576.0);
		for (unsigned d = 0; d < N_DIST; d++)
			for (unsigned m = 0; m < N_MODE; m++)
				printf("%9.2f %6.1f |", mlps(w->best_cycles[d][m], n),
				       (double)w->best_cycles[d][m] / n);
		printf(" %u/%u\n", w->mismatches, w->verified);
	}
}

static FILE *csv_open(void)
{
	char dir[4096], *slash;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", opt.csv);
	slash = strrchr(dir, '/');
	if (slash != NULL) {
		char cmd[4200];

		*slash = '\0';
		snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_lpm: cannot create %s\n", dir);
	}
	f = fopen(opt.csv, "w");
	if (f == NULL) {
		fprintf(stderr, "bench_lpm: %s: %s\n", opt.csv, strerror(errno));
		return NULL;
	}
	fprintf(f, "family,impl,routes,failed_adds,insert_routes_per_s,delete_routes_per_s,"
		   "deleted,memory_bytes,memory_source");
	for (unsigned d = 0; d < N_DIST; d++)
		for (unsigned m = 0; m < N_MODE; m++)
			fprintf(f, ",%s_%s_mlookups_per_s,%s_%s_cycles_per_lookup", dist_name[d],
				mode_name[m], dist_name[d], mode_name[m]);
	fprintf(f, ",verified,mismatches,misses,tsc_hz\n");
	return f;
}

static void csv_rows(FILE *f, const char *family, const struct row *rows, unsigned n_rows,
		     uint32_t n)
{
	for (unsigned k = 0; f != NULL && k < n_rows; k++) {
		const struct row *w = &rows[k];

		fprintf(f, "%s,%s,%u,%u,%.0f,%.0f,%u,%zu,%s", family, w->name, w->routes,
			w->failed_adds, w->insert_rps, w->delete_rps, w->deleted, w->mem,
			w->mem_how);
		for (unsigned d = 0; d < N_DIST; d++)
			for (unsigned m = 0; m < N_MODE; m++)
				fprintf(f, ",%.3f,%.2f", mlps(w->best_cycles[d][m], n),
					(double)w->best_cycles[d][m] / n);
		fprintf(f, ",%u,%u,%u,%" PRIu64 "\n", w->verified, w->mismatches, w->misses,
			rte_get_tsc_hz());
	}
}

static void dump_routes(bool v6, const struct route *r, uint32_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/routes%c.txt", opt.dump_dir, v6 ? '6' : '4');
	f = fopen(path, "w");
	if (f == NULL) {
		fprintf(stderr, "bench_lpm: %s: %s\n", path, strerror(errno));
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (!v6) {
			fprintf(f, "%u.%u.%u.%u/%u\n", r[i].v4 >> 24, (r[i].v4 >> 16) & 0xff,
				(r[i].v4 >> 8) & 0xff, r[i].v4 & 0xff, r[i].depth);
		} else {
			const uint8_t *b = r[i].v6;

			fprintf(f, "%x:%x:%x:%x::/%u\n", b[0] << 8 | b[1], b[2] << 8 | b[3],
				b[4] << 8 | b[5], b[6] << 8 | b[7], r[i].depth);
		}
	}
	fclose(f);
	printf("  wrote %s\n", path);
}

/* ---- one family ---------------------------------------------------------- */

static bool selected(const struct impl *im)
{
	size_t len = strlen(im->name);

	for (const char *p = opt.only; p != NULL; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, im->name, len) == 0 && (p[len] == ',' || p[len] == '\0'))
			return true;
	return opt.only == NULL;
}

static int run_family(bool v6, FILE *csv)
{
	const char *family = v6 ? "IPv6" : "IPv4";
	uint32_t want = v6 ? opt.routes6 : opt.routes4;
	size_t ksz = v6 ? 16 : 4;
	struct route *r = calloc(want, sizeof(*r));
	uint32_t n, n_groups, *order, n_del;
	struct sizing sz;
	uint8_t *addrs[N_DIST], *vaddrs;
	struct row rows[8];
	unsigned n_rows = 0;
	uint32_t nl = opt.lookups;

	if (r == NULL)
		return -1;
	/* Each family from its own seed: the same table whatever else runs. */
	rng_state = opt.seed * 2 + v6;
	n = v6 ? gen_routes6(r, want) : gen_routes4(r, want);
	print_mix(r, n, v6);
	for (uint32_t i = 0; i < n; i++)
		r[i].nh = (uint32_t)(rng_next() & ((1u << NH_BITS) - 1));
	/* Install in random order: no structure gets its favourite order. */
	order = malloc(n * sizeof(*order));
	for (uint32_t i = 0; i < n; i++)
		order[i] = i;
	shuffle_u32(order, n);
	{
		struct route *s = malloc(n * sizeof(*s));

		for (uint32_t i = 0; i < n; i++)
			s[i] = r[order[i]];
		free(r);
		r = s;
	}
	n_groups = groups_needed(r, n, v6 ? 128 : 32);
	sz.routes = n;
	sz.groups = n_groups + n_groups / 2 + 1024;
	sz.groups_reserved = groups_reserved_fib6(r, n);
	sz.groups_reserved += sz.groups_reserved / 10 + 1024;
	printf("\n%s: %u routes, %u 8-bit groups needed; tables sized for %u", family, n, n_groups,
	       sz.groups);
	if (v6)
		printf(" (rte_fib6: %u, its worst-case reservation)", sz.groups_reserved);
	printf("\n");
	if (opt.dump_dir != NULL)
		dump_routes(v6, r, n);

	for (unsigned d = 0; d < N_DIST; d++)
		addrs[d] = malloc((size_t)nl * ksz);
	vaddrs = malloc((size_t)(VERIFY_ROUTED + VERIFY_ANY) * ksz);
	fill_random(r, n, v6, addrs[DIST_RANDOM], nl);
	fill_skewed(r, n, v6, addrs[DIST_SKEWED], nl);
	fill_verify(r, n, v6, vaddrs);

	for (unsigned i = 0; i < RTE_DIM(impls); i++) {
		if (impls[i].v6 != v6 || !selected(&impls[i]))
			continue;
		rows[n_rows] = (struct row){.impl = &impls[i], .name = impls[i].name};
		if (load(&rows[n_rows], r, n, &sz) < 0)
			return -1;
		n_rows++;
		if (impls[i].alt_name != NULL && impls[i].select(rows[n_rows - 1].h, true) == 0) {
			rows[n_rows] = rows[n_rows - 1];
			rows[n_rows].name = impls[i].alt_name;
			rows[n_rows].alt = true;
			n_rows++;
		}
	}

	verify(rows, n_rows, vaddrs, VERIFY_ROUTED + VERIFY_ANY, ksz);
	printf("  verified %u addresses (%u misses): mismatches", VERIFY_ROUTED + VERIFY_ANY,
	       rows[0].misses);
	for (unsigned k = 0; k < n_rows; k++) /* rows[0]: its bulk lookup against its single */
		printf(" %s=%u", rows[k].name, rows[k].mismatches);
	printf("\n");

	time_lookups(rows, n_rows, (const uint8_t *const *)addrs, nl);

	/* Deletes: the same random sample from each full table. */
	shuffle_u32(order, n);
	n_del = RTE_MIN(opt.del_sample, n);
	for (unsigned k = 0; k < n_rows; k++) {
		if (rows[k].alt) { /* same table as the row before */
			rows[k].delete_rps = rows[k - 1].delete_rps;
			rows[k].deleted = rows[k - 1].deleted;
			continue;
		}
		delete_sample(&rows[k], r, order, n_del);
	}
	print_table(family, rows, n_rows, nl);
	printf("  insert: all %u routes from empty, random order; delete: %u random routes "
	       "from the full table\n",
	       n, n_del);
	for (unsigned k = 0; k < n_rows; k++)
		if (!rows[k].alt)
			printf("  memory %-14s %s (rte_malloc at create: %.1f MiB)\n", rows[k].name,
			       rows[k].mem_how, rows[k].mem_create / 1048576.0);
	csv_rows(csv, family, rows, n_rows, nl);

	for (unsigned k = 0; k < n_rows; k++)
		if (!rows[k].alt)
			rows[k].impl->destroy(rows[k].h);
	for (unsigned d = 0; d < N_DIST; d++)
		free(addrs[d]);
	free(vaddrs);
	free(order);
	free(r);
	return 0;
}

/* ---- callgrind mode ------------------------------------------------------ */

static __rte_noinline uint64_t harness_loop_bulk(void *h, const void *ips, unsigned n)
{
	const uint32_t *a = ips;
	uint32_t out[BULK];
	uint64_t s = 0;

	RTE_SET_USED(h);
	for (unsigned i = 0; i + BULK <= n; i += BULK) {
		memcpy(out, a + i, sizeof(out));
		sink += out[0]; /* keep the copy */
		SUM_BULK(out, s);
	}
	return s;
}

static int run_callgrind(void)
{
	uint32_t n_want = opt.routes4, n, n_groups, nl = opt.lookups;
	struct sizing sz;
	struct route *r = calloc(n_want, sizeof(*r));
	uint8_t *a = malloc((size_t)nl * 4);
	char name[128];

	rng_state = opt.seed * 2;
	n = gen_routes4(r, n_want);
	for (uint32_t i = 0; i < n; i++)
		r[i].nh = (uint32_t)(rng_next() & ((1u << NH_BITS) - 1));
	n_groups = groups_needed(r, n, 32);
	sz = (struct sizing){.routes = n, .groups = n_groups + n_groups / 2 + 1024};
	fill_random(r, n, false, a, nl);
	printf("callgrind: IPv4 %u routes, %u random lookups per dump\n", n, nl);

	CALLGRIND_ZERO_STATS;
	CALLGRIND_START_INSTRUMENTATION;
	sink += harness_loop_bulk(NULL, a, nl);
	CALLGRIND_STOP_INSTRUMENTATION;
	snprintf(name, sizeof(name), "harness:bulk32:%u", nl);
	CALLGRIND_DUMP_STATS_AT(name);

	for (unsigned i = 0; i < RTE_DIM(impls); i++) {
		struct row w = {.impl = &impls[i], .name = impls[i].name};

		if (impls[i].v6 || !selected(&impls[i]) || load(&w, r, n, &sz) < 0)
			continue;
		if (impls[i].select != NULL)
			impls[i].select(w.h, false);
		for (unsigned m = 0; m < N_MODE; m++) {
			lookup_loop_fn fn =
				m == MODE_SINGLE ? impls[i].loop_single : impls[i].loop_bulk;

			sink += fn(w.h, a, nl); /* warm the code path once, uninstrumented */
			CALLGRIND_ZERO_STATS;
			CALLGRIND_START_INSTRUMENTATION;
			sink += fn(w.h, a, nl);
			CALLGRIND_STOP_INSTRUMENTATION;
			snprintf(name, sizeof(name), "%s:%s:%u", impls[i].name, mode_name[m], nl);
			CALLGRIND_DUMP_STATS_AT(name);
		}
		impls[i].destroy(w.h);
	}
	free(a);
	free(r);
	return 0;
}

/* ---- main ---------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr,
		"usage: bench_lpm [options] [CSV] [-- EAL args]\n"
		"  --csv PATH        CSV output (default out/bench/lpm.csv)\n"
		"  --family v4|v6    one family only\n"
		"  --routes4 N       IPv4 table size (default 1000000)\n"
		"  --routes6 N       IPv6 table size (default 250000)\n"
		"  --lookups N       addresses per timed run (default 2097152)\n"
		"  --reps N          repetitions, best is kept (default 5)\n"
		"  --del-sample N    routes deleted for the delete rate (default 10000)\n"
		"  --seed N          route/address generator seed (default 42)\n"
		"  --only A,B        only these implementations (names as printed)\n"
		"  --dump-routes DIR write DIR/routes4.txt, routes6.txt (prefix/len lines)\n"
		"  --callgrind-only  v4 lookups between callgrind client requests (run under\n"
		"                    valgrind --tool=callgrind --instr-atstart=no)\n");
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{"csv", required_argument, NULL, 'c'},
		{"family", required_argument, NULL, 'f'},
		{"routes4", required_argument, NULL, '4'},
		{"routes6", required_argument, NULL, '6'},
		{"lookups", required_argument, NULL, 'n'},
		{"reps", required_argument, NULL, 'r'},
		{"del-sample", required_argument, NULL, 'd'},
		{"seed", required_argument, NULL, 's'},
		{"dump-routes", required_argument, NULL, 'D'},
		{"callgrind-only", no_argument, NULL, 'C'},
		{"only", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool routes4_set = false;
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			opt.csv = optarg;
			break;
		case 'f':
			opt.v4 = strcmp(optarg, "v4") == 0;
			opt.v6 = strcmp(optarg, "v6") == 0;
			if (!opt.v4 && !opt.v6)
				usage();
			break;
		case '4':
			opt.routes4 = (uint32_t)strtoul(optarg, NULL, 0);
			routes4_set = true;
			break;
		case '6':
			opt.routes6 = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'n':
			opt.lookups = (uint32_t)strtoul(optarg, NULL, 0) / BULK * BULK;
			break;
		case 'r':
			opt.reps = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'd':
			opt.del_sample = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 's':
			opt.seed = strtoull(optarg, NULL, 0);
			break;
		case 'D':
			opt.dump_dir = optarg;
			break;
		case 'C':
			opt.callgrind = true;
			break;
		case 'o':
			opt.only = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind < argc)
		opt.csv = argv[optind];
	if (opt.callgrind) {
		/* Loading runs on valgrind's JIT: rte_lpm's quadratic load needs a smaller table.
		 */
		if (!routes4_set)
			opt.routes4 = 100000;
		if (opt.lookups == 1u << 21)
			opt.lookups = 1u << 16;
	}
	if (opt.routes4 == 0 || opt.routes6 == 0 || opt.lookups < BULK || opt.reps == 0)
		usage();
}

int main(int argc, char **argv)
{
	static char *default_eal[] = {
		"bench_lpm", "--no-huge",      "-m", "4096", "--no-shconf",
		"--no-pci",  "--no-telemetry", "-l", "0",    "--log-level=error"};
	char **eal_argv = default_eal;
	int eal_argc = RTE_DIM(default_eal), own_argc = argc;
	FILE *csv = NULL;
	int ret = 0;

	/* Our options, then optionally "--" and EAL arguments replacing the defaults. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			own_argc = i;
			eal_argv = &argv[i];
			eal_argv[0] = argv[0];
			eal_argc = argc - i;
			break;
		}
	}
	parse_args(own_argc, argv);
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "bench_lpm: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	/* Allow the AVX-512 lookup variants to be selected explicitly. */
	rte_vect_set_max_simd_bitwidth(RTE_VECT_SIMD_512);
	rng_state = opt.seed;
	printf("bench_lpm: TSC %.3f GHz, lcore %u, seed %" PRIu64 "\n", rte_get_tsc_hz() / 1e9,
	       rte_lcore_id(), opt.seed);

	if (opt.callgrind) {
		ret = run_callgrind();
	} else {
		csv = csv_open();
		if (opt.v4 && run_family(false, csv) < 0)
			ret = 1;
		if (opt.v6 && run_family(true, csv) < 0)
			ret = 1;
		if (csv != NULL) {
			fclose(csv);
			printf("\nwrote %s\n", opt.csv);
		}
	}
	rte_eal_cleanup();
	return ret;
}
