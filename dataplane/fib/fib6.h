/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 longest-prefix-match table read lock-free by workers.
 *
 * DPDK 22.11's rte_lpm6/rte_fib6 free tbl8 groups at once, which is unsafe
 * with concurrent readers, so this is peerfwd's own multibit trie (24-bit
 * first level, then 8-bit strides) whose updates are single aligned stores
 * and whose freed groups go through a QSBR defer queue.
 * Same single-writer / lock-free-reader contract as fib4.h.
 */
#ifndef PEERFWD_FIB6_H
#define PEERFWD_FIB6_H

#include <stdint.h>
#include <stddef.h>
#include <rte_rcu_qsbr.h>

#include "dataplane/fib/fib4.h" /* FIB_VALUE_MAX, FIB_MISS */

#define FIB6_ADDR_LEN 16

struct fib6;

struct fib6_conf {
	uint32_t max_routes;
	uint32_t n_groups; /* 8-bit-stride groups for prefixes longer than /24 */
	int socket_id;
	struct rte_rcu_qsbr *qsbr; /* may be NULL */
};

struct fib6 *fib6_create(const char *name, const struct fib6_conf *conf);
void fib6_free(struct fib6 *fib);

/* ip in network byte order (as on the wire). Same returns as fib4. */
int fib6_add(struct fib6 *fib, const uint8_t ip[FIB6_ADDR_LEN], uint8_t depth, uint32_t value);
int fib6_del(struct fib6 *fib, const uint8_t ip[FIB6_ADDR_LEN], uint8_t depth);
int fib6_get(const struct fib6 *fib, const uint8_t ip[FIB6_ADDR_LEN], uint8_t depth,
	     uint32_t *value);
uint32_t fib6_count(const struct fib6 *fib);
size_t fib6_memory(const struct fib6 *fib);

uint32_t fib6_lookup(const struct fib6 *fib, const uint8_t ip[FIB6_ADDR_LEN]);
void fib6_lookup_bulk(const struct fib6 *fib, const uint8_t (*ips)[FIB6_ADDR_LEN], uint32_t *values,
		      unsigned n);

/*
 * How fib6_lookup_bulk walks the trie. fib6_create picks FIB6_LOOKUP_AVX512
 * when the CPU has AVX-512 (F and BW), the EAL allows 512-bit vectors
 * (rte_vect_get_max_simd_bitwidth(); --force-max-simd-bitwidth) and the
 * group table fits its 32-bit gather indexes; FIB6_LOOKUP_SCALAR otherwise.
 */
enum fib6_lookup_type {
	FIB6_LOOKUP_DEFAULT, /* what fib6_create would pick now */
	FIB6_LOOKUP_SCALAR,
	FIB6_LOOKUP_AVX512,
};

/* 0, or -ENOTSUP if this CPU, EAL or table cannot run that one. Safe while
 * readers run: each bulk call reads the choice once. */
int fib6_select_lookup(struct fib6 *fib, enum fib6_lookup_type type);
/* The one in use: FIB6_LOOKUP_SCALAR or FIB6_LOOKUP_AVX512. */
enum fib6_lookup_type fib6_lookup_type(const struct fib6 *fib);

#endif
