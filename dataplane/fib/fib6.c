/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv6 FIB: the shared multibit trie with 16-byte keys (see mtrie.h). */
#include <errno.h>
#include <stdlib.h>

#include <rte_cpuflags.h>
#include <rte_errno.h>
#include <rte_vect.h>

#include "dataplane/fib/fib6.h"
#include "dataplane/fib/mtrie.h"

struct fib6 {
	enum fib6_lookup_type lookup; /* SCALAR or AVX512, read once per bulk call */
	struct mtrie t;
};

/* ---- AVX-512 bulk lookup ------------------------------------------------ */
/*
 * 16 addresses per vector, two vectors in lockstep: a gather issues the
 * loads of all its lanes at once, so one level of the trie costs about one
 * memory latency for 32 addresses, without the scalar loop's overhead.
 *
 * Every function here carries its own target attribute (the build does not
 * enable AVX-512 for the file): the binary must still run on CPUs without
 * it, and nothing here runs unless avx512_usable() said yes.
 *
 * The gathers take signed 32-bit indexes (group << 8 | byte, scaled by 4),
 * so the group table must stay under 2^31 entries (2^23 groups, 8 GiB); a
 * bigger table gets the scalar lookup.
 *
 * Same reader contract as the scalar path: entries are plain loads whose
 * addresses depend on the ext entry that led to them, and the writer
 * publishes a group with a release store after filling it.
 */
#define AVX512_MAX_GROUPS (1u << 23)

#if defined(RTE_ARCH_X86_64)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f,avx512bw")))

static bool avx512_usable(void)
{
	return rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX512F) > 0 &&
	       rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX512BW) > 0;
}

/*
 * Sixteen addresses (fewer at the tail; missing lanes read as zero) as four
 * vectors: w[j] lane i holds bytes 4j..4j+3 of address i, byte 4j lowest.
 * Each 64-byte load holds four addresses; two rounds of two-source permutes
 * gather words 0-1 and 2-3 of eight addresses, then 128-bit shuffles join
 * the two halves.
 */
static inline AVX512 void load_x16(const uint8_t (*ips)[16], unsigned n, __m512i w[4])
{
	const __m512i words01 =
		_mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
	const __m512i words23 =
		_mm512_setr_epi32(2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
	const uint8_t *p = (const uint8_t *)ips;
	__m512i a[4];

	for (unsigned q = 0; q < 4; q++) {
		unsigned have = n > 4 * q ? RTE_MIN(n - 4 * q, 4u) : 0;
		__mmask16 m = (__mmask16)((1u << (4 * have)) - 1);

		/* masked-off dwords are not read, so the tail never overruns ips */
		a[q] = _mm512_maskz_loadu_epi32(m, p + 64 * q);
	}
	__m512i lo01 = _mm512_permutex2var_epi32(a[0], words01, a[1]);
	__m512i hi01 = _mm512_permutex2var_epi32(a[0], words23, a[1]);
	__m512i lo23 = _mm512_permutex2var_epi32(a[2], words01, a[3]);
	__m512i hi23 = _mm512_permutex2var_epi32(a[2], words23, a[3]);

	w[0] = _mm512_shuffle_i64x2(lo01, lo23, _MM_SHUFFLE(1, 0, 1, 0));
	w[1] = _mm512_shuffle_i64x2(lo01, lo23, _MM_SHUFFLE(3, 2, 3, 2));
	w[2] = _mm512_shuffle_i64x2(hi01, hi23, _MM_SHUFFLE(1, 0, 1, 0));
	w[3] = _mm512_shuffle_i64x2(hi01, hi23, _MM_SHUFFLE(3, 2, 3, 2));
}

/* Root index (first three bytes, big-endian) of every lane: one byte shuffle. */
static inline AVX512 __m512i root_index(__m512i w0)
{
	const __m512i ctl = _mm512_set4_epi32((int)0x800c0d0e, (int)0x8008090a, (int)0x80040506,
					      (int)0x80000102);

	return _mm512_shuffle_epi8(w0, ctl);
}

/* The 16 lookups of one vector as they descend. */
struct x16 {
	__m512i w[4]; /* address words, see load_x16 */
	__m512i e;    /* current entry */
	__mmask16 lanes, ext;
};

static inline AVX512 void start(struct x16 *v, const uint32_t *root, const uint8_t (*ips)[16],
				unsigned n)
{
	v->lanes = n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1);
	load_x16(ips, n, v->w);
	v->e = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), v->lanes, root_index(v->w[0]),
					   root, 4);
	v->ext = _mm512_mask_test_epi32_mask(v->lanes, v->e, _mm512_set1_epi32((int)MTRIE_EXT));
}

/*
 * One level for the lanes still on an ext entry: the group index is the
 * entry's low bits (no valid/depth bits once shifted, since the group is
 * below AVX512_MAX_GROUPS) shifted over the next address byte.
 */
static inline AVX512 void descend(struct x16 *v, const uint32_t *groups, __m512i byte)
{
	__m512i idx = _mm512_or_si512(_mm512_slli_epi32(v->e, 8), byte);

	v->e = _mm512_mask_i32gather_epi32(v->e, v->ext, idx, groups, 4);
	v->ext = _mm512_mask_test_epi32_mask(v->ext, v->e, _mm512_set1_epi32((int)MTRIE_EXT));
}

/* Address byte k (3..15) of every lane. */
static inline AVX512 __m512i addr_byte(const struct x16 *v, unsigned k)
{
	return _mm512_and_si512(_mm512_srli_epi32(v->w[k / 4], 8 * (k % 4)),
				_mm512_set1_epi32(0xff));
}

static inline AVX512 void finish(const struct x16 *v, __m512i def, uint32_t *values)
{
	__mmask16 valid = _mm512_test_epi32_mask(v->e, _mm512_set1_epi32((int)MTRIE_VALID));
	__m512i r = _mm512_mask_and_epi32(def, valid, v->e, _mm512_set1_epi32(MTRIE_VALUE(~0)));

	_mm512_mask_storeu_epi32(values, v->lanes, r);
}

/*
 * Up to VECS * 16 addresses: the vectors descend together, so that their
 * gathers overlap. Two measured best here (one: ~10% slower on 250k
 * routes, random destinations; four: no better and noisier).
 */
#define VECS 2

static inline AVX512 void lookup_vecs(const uint32_t *root, const uint32_t *groups, __m512i def,
				      const uint8_t (*ips)[16], uint32_t *values, unsigned n)
{
	struct x16 v[VECS];
	__mmask16 any = 0;

	for (unsigned j = 0; j < VECS; j++) {
		start(&v[j], root, ips + 16 * j, n > 16 * j ? n - 16 * j : 0);
		any |= v[j].ext;
	}
	for (unsigned k = 3; any != 0 && k < 16; k++) {
		any = 0;
		for (unsigned j = 0; j < VECS; j++) {
			if (v[j].ext != 0)
				descend(&v[j], groups, addr_byte(&v[j], k));
			any |= v[j].ext;
		}
	}
	for (unsigned j = 0; j < VECS && n > 16 * j; j++)
		finish(&v[j], def, values + 16 * j);
}

static AVX512 void lookup_bulk_avx512(const struct mtrie *t, const uint8_t (*ips)[16],
				      uint32_t *values, unsigned n)
{
	const uint32_t *root = t->root, *groups = t->groups;
	const __m512i def =
		_mm512_set1_epi32((int)__atomic_load_n(&t->default_value, __ATOMIC_RELAXED));

	for (; n >= 16 * VECS; n -= 16 * VECS, ips += 16 * VECS, values += 16 * VECS)
		lookup_vecs(root, groups, def, ips, values, 16 * VECS);
	if (n > 0)
		lookup_vecs(root, groups, def, ips, values, n);
}

#else /* no AVX-512 on this architecture */

static bool avx512_usable(void)
{
	return false;
}

static void lookup_bulk_avx512(const struct mtrie *t, const uint8_t (*ips)[16], uint32_t *values,
			       unsigned n)
{
	RTE_SET_USED(t);
	RTE_SET_USED(ips);
	RTE_SET_USED(values);
	RTE_SET_USED(n);
}

#endif

/* ---- lookup selection --------------------------------------------------- */

static bool avx512_possible(const struct fib6 *fib)
{
	return avx512_usable() && rte_vect_get_max_simd_bitwidth() >= RTE_VECT_SIMD_512 &&
	       fib->t.n_groups <= AVX512_MAX_GROUPS;
}

int fib6_select_lookup(struct fib6 *fib, enum fib6_lookup_type type)
{
	if (type == FIB6_LOOKUP_DEFAULT)
		type = avx512_possible(fib) ? FIB6_LOOKUP_AVX512 : FIB6_LOOKUP_SCALAR;
	else if (type == FIB6_LOOKUP_AVX512 && !avx512_possible(fib))
		return -ENOTSUP;
	else if (type != FIB6_LOOKUP_SCALAR && type != FIB6_LOOKUP_AVX512)
		return -EINVAL;
	__atomic_store_n(&fib->lookup, type, __ATOMIC_RELAXED);
	return 0;
}

enum fib6_lookup_type fib6_lookup_type(const struct fib6 *fib)
{
	return __atomic_load_n(&fib->lookup, __ATOMIC_RELAXED);
}

struct fib6 *fib6_create(const char *name, const struct fib6_conf *conf)
{
	struct mtrie_conf mc = {
		.key_len = FIB6_ADDR_LEN,
		.max_rules = conf->max_routes,
		.n_groups = conf->n_groups,
		.socket_id = conf->socket_id,
		.qsbr = conf->qsbr,
	};
	struct fib6 *fib = calloc(1, sizeof(*fib));
	int ret;

	if (fib == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	ret = mtrie_init(&fib->t, name, &mc);
	if (ret < 0) {
		free(fib);
		rte_errno = -ret;
		return NULL;
	}
	fib6_select_lookup(fib, FIB6_LOOKUP_DEFAULT);
	return fib;
}

void fib6_free(struct fib6 *fib)
{
	if (fib == NULL)
		return;
	mtrie_fini(&fib->t);
	free(fib);
}

int fib6_add(struct fib6 *fib, const uint8_t ip[FIB6_ADDR_LEN], uint8_t depth, uint32_t value)
{
	return mtrie_add(&fib->t, ip, depth, value);
}

int fib6_del(struct fib6 *fib, const uint8_t ip[FIB6_ADDR_LEN], uint8_t depth)
{
	return mtrie_del(&fib->t, ip, depth);
}

int fib6_get(const struct fib6 *fib, const uint8_t ip[FIB6_ADDR_LEN], uint8_t depth,
	     uint32_t *value)
{
	return mtrie_get(&fib->t, ip, depth, value);
}

uint32_t fib6_count(const struct fib6 *fib)
{
	return fib->t.n_rules;
}

size_t fib6_memory(const struct fib6 *fib)
{
	return mtrie_memory(&fib->t);
}

uint32_t fib6_lookup(const struct fib6 *fib, const uint8_t ip[FIB6_ADDR_LEN])
{
	return mtrie_lookup(&fib->t, ip);
}

/*
 * Root entries for a chunk of addresses first (see fib4_lookup_bulk), then
 * the chunk descends in lockstep: every step consumes the next byte of
 * every address still on an ext entry, so the group loads of different
 * addresses are independent and their cache misses overlap.
 */
#define FIB6_CHUNK 32

static void lookup_chunk(const struct mtrie *t, const uint8_t (*ips)[FIB6_ADDR_LEN],
			 uint32_t *values, unsigned n)
{
	const uint32_t *root = t->root, *groups = t->groups;
	const uint32_t def = __atomic_load_n(&t->default_value, __ATOMIC_RELAXED);
	uint32_t pending = 0; /* bit i: values[i] is an ext entry */
	unsigned i;

	for (i = 0; i < n; i++) {
		values[i] = __atomic_load_n(&root[mtrie_root_index(ips[i])], __ATOMIC_RELAXED);
		pending |= (uint32_t) !!(values[i] & MTRIE_EXT) << i;
	}
	for (unsigned byte = 3; pending != 0 && byte < FIB6_ADDR_LEN; byte++) {
		uint32_t next = 0;
		for (uint32_t p = pending; p != 0; p &= p - 1) {
			i = (unsigned)__builtin_ctz(p);
			uint32_t e = __atomic_load_n(
				&groups[(size_t)MTRIE_GROUP(values[i]) << 8 | ips[i][byte]],
				__ATOMIC_RELAXED);
			values[i] = e;
			next |= (uint32_t) !!(e & MTRIE_EXT) << i;
		}
		pending = next;
	}
	for (i = 0; i < n; i++)
		values[i] = mtrie_value_or(values[i], def);
}

void fib6_lookup_bulk(const struct fib6 *fib, const uint8_t (*ips)[FIB6_ADDR_LEN], uint32_t *values,
		      unsigned n)
{
	if (__atomic_load_n(&fib->lookup, __ATOMIC_RELAXED) == FIB6_LOOKUP_AVX512) {
		lookup_bulk_avx512(&fib->t, ips, values, n);
		return;
	}
	while (n > 0) {
		unsigned k = n < FIB6_CHUNK ? n : FIB6_CHUNK;
		lookup_chunk(&fib->t, ips, values, k);
		ips += k;
		values += k;
		n -= k;
	}
}
