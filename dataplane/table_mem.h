/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory for big tables (the FIB's trie, the route entries, the BGP RIB):
 * anonymous, with transparent huge pages, optionally faulted in now.
 *
 * Why populate: a table that is read before it is written (an empty slot
 * tested before it is filled) maps the shared zero page on first touch, and
 * the write then replaces it, which flushes the TLB of every CPU the
 * process runs on: an interrupt on each busy-polling worker per page.
 *
 * Why the order: lookups into these tables are TLB-bound, and the huge-page
 * advice only applies to pages faulted in after it. MAP_POPULATE faults
 * them at mmap time, as 4 KiB pages; so map, advise, then populate
 * (MADV_POPULATE_WRITE, Linux 5.14; else one write per page).
 */
#ifndef PEERFWD_TABLE_MEM_H
#define PEERFWD_TABLE_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* NULL on failure; free with table_unmap(p, bytes). */
static inline void *table_map(size_t bytes, bool populate)
{
	uint8_t *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, bytes, MADV_HUGEPAGE);
	if (populate && madvise(p, bytes, MADV_POPULATE_WRITE) < 0)
		for (size_t off = 0; off < bytes; off += 4096)
			p[off] = 0;
	return p;
}

static inline void table_unmap(void *p, size_t bytes)
{
	if (p != NULL)
		munmap(p, bytes);
}

#endif
