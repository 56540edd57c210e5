/* SPDX-License-Identifier: BSD-3-Clause */
/* Prometheus text format writer; see ctlsock_prom.h. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/ctlsock/ctlsock_prom.h"

static bool reserve(struct prom_text *t, size_t n)
{
	if (t->failed)
		return false;
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 4096;
		while (cap < t->len + n + 1)
			cap *= 2;
		char *b = realloc(t->buf, cap);
		if (b == NULL) {
			t->failed = true;
			return false;
		}
		t->buf = b;
		t->cap = cap;
	}
	return true;
}

static void put(struct prom_text *t, const char *s, size_t n)
{
	if (!reserve(t, n))
		return;
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

static void puts_(struct prom_text *t, const char *s)
{
	put(t, s, strlen(s));
}

/* quote: escape '"' too (label values); HELP text escapes only \ and newline. */
static void put_escaped(struct prom_text *t, const char *s, bool quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			put(t, "\\\\", 2);
		else if (*s == '\n')
			put(t, "\\n", 2);
		else if (*s == '"' && quote)
			put(t, "\\\"", 2);
		else
			put(t, s, 1);
	}
}

void prom_family(struct prom_text *t, const char *name, const char *type, const char *help)
{
	puts_(t, "# HELP ");
	puts_(t, name);
	puts_(t, " ");
	put_escaped(t, help, false);
	puts_(t, "\n# TYPE ");
	puts_(t, name);
	puts_(t, " ");
	puts_(t, type);
	puts_(t, "\n");
}

void prom_sample(struct prom_text *t, const char *name, const char *const *labels, uint64_t v)
{
	char num[32];

	puts_(t, name);
	for (unsigned i = 0; labels != NULL && labels[i] != NULL; i += 2) {
		puts_(t, i == 0 ? "{" : ",");
		puts_(t, labels[i]);
		puts_(t, "=\"");
		put_escaped(t, labels[i + 1] ? labels[i + 1] : "", true);
		puts_(t, "\"");
	}
	if (labels != NULL && labels[0] != NULL)
		puts_(t, "}");
	snprintf(num, sizeof(num), " %" PRIu64 "\n", v);
	puts_(t, num);
}

char *prom_text_take(struct prom_text *t)
{
	char *s = t->failed ? NULL : t->buf;

	if (s == NULL) {
		free(t->buf);
		s = t->failed ? NULL : strdup("");
	}
	*t = (struct prom_text){0};
	return s;
}

void prom_text_free(struct prom_text *t)
{
	free(t->buf);
	*t = (struct prom_text){0};
}
