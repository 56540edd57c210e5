/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus text exposition format (version 0.0.4), written into a
 * growing buffer: one # HELP and # TYPE per family, then its samples.
 * Label values are escaped (\\, \", \n); HELP text too (\\, \n).
 */
#ifndef PEERFWD_CTLSOCK_PROM_H
#define PEERFWD_CTLSOCK_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct prom_text {
	char *buf;
	size_t len, cap;
	bool failed; /* out of memory: every later call is a no-op */
};

/* type: "counter" or "gauge". A counter's name ends in _total. */
void prom_family(struct prom_text *t, const char *name, const char *type, const char *help);
/* labels: name, value pairs ending with NULL; NULL for none. */
void prom_sample(struct prom_text *t, const char *name, const char *const *labels, uint64_t v);
/* The text (the caller frees it), or NULL when out of memory. */
char *prom_text_take(struct prom_text *t);
void prom_text_free(struct prom_text *t);

#endif
