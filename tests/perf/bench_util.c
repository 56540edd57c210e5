/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/perf/bench_util.h"

struct prefix *bench_read_routes(const char *prog, const char *path, unsigned max, unsigned *n)
{
	FILE *f = fopen(path, "r");
	struct prefix *v = malloc(sizeof(*v)); /* non-NULL for an empty file */
	unsigned cap = 1, line = 0;
	char buf[128];

	*n = 0;
	if (f == NULL || v == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		free(v);
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	while (*n < max && fgets(buf, sizeof(buf), f) != NULL) {
		line++;
		buf[strcspn(buf, "\r\n")] = '\0';
		if (buf[0] == '\0' || buf[0] == '#')
			continue;
		if (*n == cap) {
			cap *= 2;
			struct prefix *nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL) {
				free(v);
				fclose(f);
				return NULL;
			}
			v = nv;
		}
		if (prefix_parse(buf, &v[*n], false) < 0) {
			fprintf(stderr, "%s: %s:%u: not a prefix: %s\n", prog, path, line, buf);
			free(v);
			fclose(f);
			return NULL;
		}
		(*n)++;
	}
	fclose(f);
	return v;
}

double bench_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bench_report_phases(const struct bench_phase *ph, unsigned n, const char *csv)
{
	FILE *f = csv != NULL ? fopen(csv, "w") : NULL;

	printf("%-12s %10s %9s %12s\n", "phase", "routes", "seconds", "routes/s");
	if (f != NULL)
		fprintf(f, "phase,routes,seconds,routes_per_s\n");
	for (unsigned i = 0; i < n; i++) {
		printf("%-12s %10u %9.3f %12.0f\n", ph[i].name, ph[i].routes, ph[i].seconds,
		       ph[i].routes / ph[i].seconds);
		if (f != NULL)
			fprintf(f, "%s,%u,%.6f,%.0f\n", ph[i].name, ph[i].routes, ph[i].seconds,
				ph[i].routes / ph[i].seconds);
	}
	if (f != NULL)
		fclose(f);
}
