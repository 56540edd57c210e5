/* SPDX-License-Identifier: BSD-3-Clause */
#include <assert.h>
#include <string.h>

#include "dataplane/worker/counters.h"

const char *const pf_drop_names[PF_DROP__MAX] = {
#define X(e, s) [PF_DROP_##e] = s,
	PF_DROP_REASONS(X)
#undef X
};

/* The sum below walks the block as an array of counters. */
static_assert(sizeof(struct pf_lcore_counters) % sizeof(uint64_t) == 0,
	      "pf_lcore_counters must hold only uint64_t counters");

void pf_counters_sum(struct pf_lcore_counters *const *blocks, unsigned n,
		     struct pf_lcore_counters *out)
{
	const size_t words = sizeof(*out) / sizeof(uint64_t);
	uint64_t *o = (uint64_t *)out;

	memset(out, 0, sizeof(*out));
	for (unsigned b = 0; b < n; b++) {
		const uint64_t *src = (const uint64_t *)blocks[b];
		if (src == NULL)
			continue;
		for (size_t i = 0; i < words; i++)
			o[i] += __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	}
}
