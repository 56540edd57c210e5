/* SPDX-License-Identifier: BSD-3-Clause */
/* What the benchmark programs share: callgrind's client requests (no-ops
 * without valgrind's headers), the route files' reader, and the timed
 * phases' clock and report. */
#ifndef PEERFWD_BENCH_UTIL_H
#define PEERFWD_BENCH_UTIL_H

#include "control/prefix/prefix.h"

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#define CALLGRIND_DUMP_STATS_AT(s) ((void)(s))
#endif

/*
 * The first max prefixes of a route file ("prefix/len" lines; blank lines
 * and # comments skipped), in a malloc'd array of *n (non-NULL when the
 * file has none). NULL after an error, said on stderr as "PROG: FILE:LINE".
 */
struct prefix *bench_read_routes(const char *prog, const char *path, unsigned max, unsigned *n);

/* A timed phase over `routes` routes. */
struct bench_phase {
	const char *name;
	unsigned routes;
	double seconds;
};

/* CLOCK_MONOTONIC in seconds. */
double bench_now_s(void);

/* n phases as a table on stdout (phase, routes, seconds, routes/s) and,
 * with csv, the same as phase,routes,seconds,routes_per_s lines there. */
void bench_report_phases(const struct bench_phase *ph, unsigned n, const char *csv);

#endif
