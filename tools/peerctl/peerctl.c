/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * peerctl: the control-socket client. Words become one JSON request,
 *
 *   peerctl prefix register 203.0.113.0/24 customer=acme
 *   -> {"cmd":"prefix.register","prefix":"203.0.113.0/24","customer":"acme"}
 *
 * and the answer is printed as a table for people or, with --json, as the
 * daemon sent it. Exit status: 0 ok, 1 the daemon answered an error, 2 bad
 * usage, 3 no answer (socket missing, refused, closed or timed out).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#define EXIT_ERROR   1
#define EXIT_USAGE   2
#define EXIT_CONNECT 3

#define DEFAULT_SOCKET "/run/peerfwd/ctl.sock"
#define MAX_ANSWER     (64u << 20)

struct conn {
	int fd;
	char *buf;
	size_t len, cap;
	int timeout_ms;
	const char *path;
};

typedef void (*printer)(const json_t *a);

struct verb {
	const char *words;  /* what people type, space separated */
	const char *cmd;    /* what the daemon understands */
	const char *pos[2]; /* positional arguments, in order */
	unsigned npos_required;
	printer print;
	const char *usage;
};

/* ---- connection ---- */

static int conn_open(struct conn *c, const char *path, int timeout_ms)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	*c = (struct conn){.fd = -1, .timeout_ms = timeout_ms, .path = path};
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "peerctl: %s: socket path too long\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "peerctl: %s: %s%s\n", path, strerror(errno),
			errno == ENOENT ? " (is peerfwd running? -s or $PEERCTL_SOCKET)" : "");
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
		return -1;
	}
	return 0;
}

static void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	c->fd = -1;
	c->buf = NULL;
}

/* Send one request, wait for one answer line. The answer (malloc'd, no
 * newline) or NULL after telling why. */
static char *conn_call(struct conn *c, const json_t *req)
{
	char *j = json_dumps(req, JSON_COMPACT), *s;
	size_t n, off = 0;
	char *nl;

	if (j == NULL)
		return NULL;
	n = strlen(j);
	s = realloc(j, n + 2);
	if (s == NULL) {
		free(j);
		return NULL;
	}
	s[n++] = '\n';
	s[n] = '\0';
	while (off < n) {
		ssize_t w = send(c->fd, s + off, n - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			fprintf(stderr, "peerctl: %s: send: %s\n", c->path, strerror(errno));
			free(s);
			return NULL;
		}
		off += (size_t)w;
	}
	free(s);
	while ((nl = c->len ? memchr(c->buf, '\n', c->len) : NULL) == NULL) {
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		int r = poll(&p, 1, c->timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			fprintf(stderr, "peerctl: %s: no answer within %d ms\n", c->path,
				c->timeout_ms);
			return NULL;
		}
		if (c->len + 65536 > c->cap) {
			if (c->cap >= MAX_ANSWER) {
				fprintf(stderr, "peerctl: %s: answer too large\n", c->path);
				return NULL;
			}
			c->cap = c->cap ? c->cap * 2 : 131072;
			c->buf = realloc(c->buf, c->cap);
			if (c->buf == NULL)
				return NULL;
		}
		ssize_t got = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			fprintf(stderr, "peerctl: %s: %s\n", c->path,
				got == 0 ? "connection closed by the daemon" : strerror(errno));
			return NULL;
		}
		c->len += (size_t)got;
	}
	size_t ln = (size_t)(nl - c->buf);
	char *line = malloc(ln + 1);
	if (line == NULL)
		return NULL;
	memcpy(line, c->buf, ln);
	line[ln] = '\0';
	memmove(c->buf, nl + 1, c->len - ln - 1);
	c->len -= ln + 1;
	return line;
}

/* ---- tables ---- */

#define MAX_COLS 16

struct table {
	unsigned ncol, nrow;
	const char *hdr[MAX_COLS];
	char **cell; /* nrow * ncol */
};

static void table_init(struct table *t, const char *const *hdr)
{
	memset(t, 0, sizeof(*t));
	while (hdr[t->ncol] != NULL && t->ncol < MAX_COLS) {
		t->hdr[t->ncol] = hdr[t->ncol];
		t->ncol++;
	}
}

static void table_row(struct table *t, ...)
{
	va_list ap;

	t->cell = realloc(t->cell, (t->nrow + 1) * t->ncol * sizeof(char *));
	va_start(ap, t);
	for (unsigned i = 0; i < t->ncol; i++) {
		const char *s = va_arg(ap, const char *);
		t->cell[t->nrow * t->ncol + i] = strdup(s ? s : "-");
	}
	va_end(ap);
	t->nrow++;
}

static void table_print(struct table *t)
{
	size_t w[MAX_COLS];

	for (unsigned i = 0; i < t->ncol; i++) {
		w[i] = strlen(t->hdr[i]);
		for (unsigned r = 0; r < t->nrow; r++)
			if (strlen(t->cell[r * t->ncol + i]) > w[i])
				w[i] = strlen(t->cell[r * t->ncol + i]);
	}
	for (unsigned i = 0; i < t->ncol; i++)
		printf("%-*s%s", i + 1 < t->ncol ? (int)w[i] : 0, t->hdr[i],
		       i + 1 < t->ncol ? "  " : "\n");
	for (unsigned r = 0; r < t->nrow; r++)
		for (unsigned i = 0; i < t->ncol; i++)
			printf("%-*s%s", i + 1 < t->ncol ? (int)w[i] : 0, t->cell[r * t->ncol + i],
			       i + 1 < t->ncol ? "  " : "\n");
	for (unsigned i = 0; i < t->nrow * t->ncol; i++)
		free(t->cell[i]);
	free(t->cell);
}

/* Field formatting: small rotating buffers, enough for one table row. */
static const char *f_str(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static char *ring(void)
{
	static char bufs[16][64];
	static unsigned i;

	return bufs[i++ % 16];
}

static const char *f_int(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	char *b = ring();

	if (!json_is_integer(v))
		return NULL;
	snprintf(b, 64, "%lld", (long long)json_integer_value(v));
	return b;
}

static const char *f_bool(const json_t *o, const char *k, const char *t, const char *f)
{
	const json_t *v = json_object_get(o, k);

	return json_is_boolean(v) ? (json_is_true(v) ? t : f) : NULL;
}

static const char *f_pct(const json_t *o, const char *k)
{
	char *b = ring();

	snprintf(b, 64, "%.1f", json_number_value(json_object_get(o, k)));
	return b;
}

static long long i_of(const json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

/* ---- printers ---- */

static void print_generic(const json_t *a)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)a, k, v)
	{
		if (strcmp(k, "ok") == 0)
			continue;
		char *s = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		printf("%s: %s\n", k, s ? s : json_string_value(v));
		free(s);
	}
}

static void print_version(const json_t *a)
{
	printf("peerfwd %s (control API %s)\n", f_str(a, "version"), f_int(a, "api"));
}

static void print_status(const json_t *a)
{
	const json_t *r = json_object_get(a, "routes");
	const json_t *u = json_object_get(a, "unregistered");
	const char *forced = f_str(a, "tier_forced");

	printf("version      %s, up %s s, config %s\n", f_str(a, "version"), f_int(a, "uptime_s"),
	       f_str(a, "config"));
	printf("ports        %s (%s up)\n", f_int(a, "ports"), f_int(a, "ports_up"));
	printf("workers      %s\n", f_int(a, "workers"));
	printf("routes       %s IPv4, %s IPv6\n", f_int(r, "ipv4"), f_int(r, "ipv6"));
	printf("registered   %s prefixes\n", f_int(a, "registered"));
	printf("forwarded    %s packets\n", f_int(a, "forwarded"));
	printf("unregistered %s packets, %s bytes\n", f_int(u, "packets"), f_int(u, "bytes"));
	printf("dropped      %s packets\n", f_int(a, "drops"));
	printf("punted       %s packets\n", f_int(a, "punted"));
	if (forced != NULL)
		printf("tier forced  %s (tier release to undo)\n", forced);
}

static void print_ports(const json_t *a)
{
	static const char *const hdr[] = {"PORT",    "TIER",	 "LINK", "CARRIER", "ADMIN",
					  "SPEED",   "DRIVER",	 "MAC",	 "ORIGIN",  "RX_PKTS",
					  "TX_PKTS", "TX_DROPS", NULL};
	struct table t;
	size_t i;
	json_t *p;

	table_init(&t, hdr);
	json_array_foreach(json_object_get(a, "ports"), i, p)
	{
		char *speed = ring();
		long long mbps = i_of(p, "speed_mbps");
		if (mbps == 0)
			snprintf(speed, 64, "-");
		else if (mbps % 1000 == 0)
			snprintf(speed, 64, "%lldG", mbps / 1000);
		else
			snprintf(speed, 64, "%lldM", mbps);
		table_row(&t, f_str(p, "name"), f_str(p, "tier"), f_str(p, "link"),
			  f_bool(p, "carrier", "yes", "no"), f_str(p, "admin"), speed,
			  f_str(p, "driver"), f_str(p, "mac"), f_str(p, "origin"),
			  f_int(p, "rx_packets"), f_int(p, "tx_packets"), f_int(p, "tx_drops"));
	}
	table_print(&t);
}

static void print_workers(const json_t *a)
{
	static const char *const hdr[] = {"WORKER", "LCORE", "LOAD%",	  "LOAD%TOTAL",
					  "BUSY",   "IDLE",  "FORWARDED", NULL};
	struct table t;
	size_t i;
	json_t *w;

	table_init(&t, hdr);
	json_array_foreach(json_object_get(a, "workers"), i, w)
		table_row(&t, f_int(w, "index"), f_int(w, "lcore"), f_pct(w, "load_pct"),
			  f_pct(w, "load_pct_total"), f_int(w, "polls_busy"),
			  f_int(w, "polls_idle"), f_int(w, "forwarded"));
	table_print(&t);
}

static void print_drops(const json_t *a)
{
	static const char *const hdr[] = {"REASON", "PACKETS", NULL};
	const json_t *d = json_object_get(a, "drops");
	const json_t *u = json_object_get(a, "unregistered");
	struct table t;
	const char *k;
	json_t *v;

	table_init(&t, hdr);
	json_object_foreach((json_t *)d, k, v)
	{
		char *b = ring();
		snprintf(b, 64, "%lld", (long long)json_integer_value(v));
		table_row(&t, k, b);
	}
	table_row(&t, "total", f_int(a, "total"));
	table_print(&t);
	printf("unregistered destinations seen: %s packets, %s bytes\n", f_int(u, "packets"),
	       f_int(u, "bytes"));
}

static const char *active_name(const json_t *p)
{
	const json_t *act = json_object_get(p, "active");
	char *b = ring();

	if (!json_is_object(act))
		return "none";
	snprintf(b, 64, "%s@%s", f_str(act, "nexthop"), f_str(act, "port"));
	return b;
}

static void print_next(const json_t *a, const char *words)
{
	if (json_is_integer(json_object_get(a, "next_cursor")))
		printf("(more: peerctl %s cursor=%s)\n", words, f_int(a, "next_cursor"));
}

static void print_prefixes(const json_t *a)
{
	static const char *const hdr[] = {"PREFIX",    "CUSTOMER", "ORIGIN",  "STATE", "VIA",
					  "PATHGROUP", "ACTIVE",   "PACKETS", "BYTES", NULL};
	struct table t;
	size_t i;
	json_t *p;

	table_init(&t, hdr);
	json_array_foreach(json_object_get(a, "prefixes"), i, p)
		table_row(&t, f_str(p, "prefix"), f_str(p, "customer"), f_str(p, "origin"),
			  f_str(p, "state"), f_str(p, "via"), f_str(p, "pathgroup"), active_name(p),
			  f_int(p, "packets"), f_int(p, "bytes"));
	table_print(&t);
	print_next(a, "prefix list");
}

static void print_members(const json_t *a)
{
	size_t i;
	json_t *m;

	json_array_foreach(json_object_get(a, "members"), i, m)
	{
		const char *bfd = f_str(m, "bfd");
		printf("  %zu. %-16s %-16s port %-12s %-8s %-17s mtu %-5lld %s%s%s%s\n", i + 1,
		       f_str(m, "nexthop"), f_str(m, "address"), f_str(m, "port"), f_str(m, "tier"),
		       f_str(m, "mac"), (long long)json_integer_value(json_object_get(m, "mtu")),
		       json_is_true(json_object_get(m, "alive")) ? "alive" : "DOWN",
		       json_is_true(json_object_get(m, "resolved")) ? "" : " (unresolved)",
		       bfd[0] != '\0' && strcmp(bfd, "off") != 0 ? " bfd " : "",
		       bfd[0] != '\0' && strcmp(bfd, "off") != 0 ? bfd : "");
	}
}

static void print_registered(const json_t *a)
{
	printf("%s customer '%s' (%s): %s", f_str(a, "prefix"), f_str(a, "customer"),
	       f_str(a, "origin"), f_str(a, "state"));
	if (f_str(a, "via") != NULL)
		printf(" via %s, path group %s, active %s", f_str(a, "via"), f_str(a, "pathgroup"),
		       active_name(a));
	printf("\n");
	print_members(a);
}

static void print_unregistered(const json_t *a)
{
	printf("unregistered %s\n", f_str(a, "prefix"));
}

static void print_lookup(const json_t *a)
{
	const char *reason = f_str(a, "drop_reason");

	printf("address     %s\n", f_str(a, "address"));
	printf("matched     %s%s%s%s\n", f_str(a, "matched") ? f_str(a, "matched") : "nothing",
	       f_str(a, "source") ? " (" : "", f_str(a, "source") ? f_str(a, "source") : "",
	       f_str(a, "source") ? ")" : "");
	printf("registered  %s", json_is_true(json_object_get(a, "registered")) ? "yes" : "no");
	if (f_str(a, "registered_prefix"))
		printf(", %s customer '%s'", f_str(a, "registered_prefix"), f_str(a, "customer"));
	printf("\nlocal       %s\n", f_bool(a, "local", "yes", "no"));
	printf("action      %s%s%s\n", f_str(a, "action"), reason ? ": " : "",
	       reason ? reason : "");
	if (f_str(a, "pathgroup")) {
		printf("path group  %s, active %s\n", f_str(a, "pathgroup"), active_name(a));
		print_members(a);
	}
}

static void print_routes(const json_t *a)
{
	static const char *const hdr[] = {"PREFIX", "SOURCE", "PATHGROUP", "FLAGS", NULL};
	struct table t;
	size_t i;
	json_t *r;

	table_init(&t, hdr);
	json_array_foreach(json_object_get(a, "routes"), i, r)
	{
		char *fl = ring();
		snprintf(fl, 64, "%s%s", json_is_true(json_object_get(r, "registered")) ? "R" : "",
			 json_is_true(json_object_get(r, "local")) ? "L" : "");
		table_row(&t, f_str(r, "prefix"), f_str(r, "source"), f_str(r, "pathgroup"),
			  fl[0] ? fl : "-");
	}
	table_print(&t);
	printf("%s entries in total (flags: R registered, L local)\n", f_int(a, "total"));
	print_next(a, "route list");
}

static void print_link(const json_t *a)
{
	printf("port %s: admin %s, link %s, carrier %s%s\n", f_str(a, "port"), f_str(a, "admin"),
	       f_str(a, "link"), f_bool(a, "carrier", "yes", "no"),
	       json_is_true(json_object_get(a, "changed")) ? "" : " (unchanged)");
	if (f_str(a, "warning"))
		printf("warning: %s\n", f_str(a, "warning"));
}

static void print_history(const json_t *a)
{
	static const char *const hdr[] = {"TIME",  "PORT",   "TIER", "NEXTHOP",
					  "STATE", "REASON", NULL};
	struct table t;
	size_t i;
	json_t *e;

	table_init(&t, hdr);
	json_array_foreach(json_object_get(a, "events"), i, e)
		table_row(&t, f_str(e, "time"), f_str(e, "port"), f_str(e, "tier"),
			  f_str(e, "nexthop")[0] != '\0' ? f_str(e, "nexthop") : "-",
			  f_str(e, "state"), f_str(e, "reason"));
	table_print(&t);
}

static void print_names(const char *label, const json_t *a)
{
	size_t i;
	json_t *n;

	printf("%s:", label);
	if (json_array_size(a) == 0)
		printf(" none");
	json_array_foreach(a, i, n) printf(" %s", json_string_value(n));
	printf("\n");
}

static void print_tier(const json_t *a)
{
	if (f_str(a, "tier"))
		printf("traffic forced onto tier %s\n", f_str(a, "tier"));
	else if (!json_is_true(json_object_get(a, "changed")))
		printf("no tier was forced\n");
	if (json_object_get(a, "forced_down"))
		print_names("forced down", json_object_get(a, "forced_down"));
	print_names("released", json_object_get(a, "released"));
}

static void print_check(const json_t *a)
{
	printf("%s: ok (%s ports, %s workers, %s routes, %s registered)\n", f_str(a, "path"),
	       f_int(a, "ports"), f_int(a, "workers"), f_int(a, "routes"), f_int(a, "registered"));
}

static void print_count(const char *what, const json_t *c)
{
	printf("%-12s +%s ~%s -%s\n", what, f_int(c, "added"), f_int(c, "changed"),
	       f_int(c, "removed"));
}

static void print_reload(const json_t *a)
{
	const json_t *r = json_object_get(a, "registered");
	size_t i;
	json_t *n;

	printf("%s: reloaded (+ added, ~ changed, - removed)\n", f_str(a, "path"));
	print_count("next hops", json_object_get(a, "nexthops"));
	print_count("path groups", json_object_get(a, "pathgroups"));
	print_count("routes", json_object_get(a, "routes"));
	printf("%-12s +%s -%s (%s taken over from the socket)\n", "registered", f_int(r, "added"),
	       f_int(r, "removed"), f_int(r, "adopted"));
	printf("%-12s %s\n", "unregistered",
	       json_is_true(json_object_get(a, "unregistered_changed")) ? "policy changed"
									: "unchanged");
	json_array_foreach(json_object_get(a, "notes"), i, n)
		printf("note: %s\n", json_string_value(n));
}

/* As is: the Prometheus text the daemon wrote. */
static void print_metrics(const json_t *a)
{
	fputs(f_str(a, "text") ? f_str(a, "text") : "", stdout);
}

static const char *f_duration(const json_t *o, const char *k)
{
	long long s = i_of(o, k);
	char *b = ring();

	if (s >= 86400)
		snprintf(b, 64, "%lldd%02lldh%02lldm", s / 86400, s / 3600 % 24, s / 60 % 60);
	else if (s >= 3600)
		snprintf(b, 64, "%lldh%02lldm%02llds", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(b, 64, "%lldm%02llds", s / 60, s % 60);
	return b;
}

static void print_peerings(const json_t *a)
{
	static const char *const hdr[] = {"PEER",     "ORIGIN",	   "PORT",  "TIER",	  "ADDRESS",
					  "AS",	      "POLICY",	   "STATE", "UPTIME",	  "RCVD",
					  "ACCEPTED", "INSTALLED", "FLAPS", "LAST_ERROR", NULL};
	struct table t;
	size_t i;
	json_t *p;

	table_init(&t, hdr);
	json_array_foreach(json_object_get(a, "peerings"), i, p)
	{
		const json_t *x = json_object_get(p, "prefixes");
		bool up = f_str(p, "state") && strcmp(f_str(p, "state"), "Established") == 0;
		char state[48];
		snprintf(state, sizeof(state), "%s%s", f_str(p, "state") ? f_str(p, "state") : "-",
			 json_is_true(json_object_get(p, "graceful_shutdown")) ? "+gshut" : "");
		table_row(&t, f_str(p, "name"), f_str(p, "origin"), f_str(p, "port"),
			  f_str(p, "tier"), f_str(p, "address"), f_int(p, "remote_as"),
			  f_str(p, "policy"), state, up ? f_duration(p, "uptime_s") : NULL,
			  f_int(x, "received"), f_int(x, "accepted"), f_int(x, "installed"),
			  f_int(p, "flaps"), f_str(p, "last_error"));
	}
	table_print(&t);
	printf("(RCVD: announcements since the daemon started, before import policy; +gshut: "
	       "graceful shutdown on, peer graceful-shutdown)\n");
}

static void print_bfd(const json_t *a)
{
	static const char *const hdr[] = {"NEXTHOP", "PORT",	    "ADDRESS", "STATE",
					  "REMOTE",  "SINCE",	    "TX_MS",   "DETECT_MS",
					  "MULT",    "AUTH",	    "UPS",     "RX",
					  "TX",	     "AUTH_FAILED", "HOLDS",   NULL};
	struct table t;
	size_t i;
	json_t *s;

	table_init(&t, hdr);
	json_array_foreach(json_object_get(a, "sessions"), i, s)
	{
		table_row(&t, f_str(s, "nexthop"), f_str(s, "port"), f_str(s, "address"),
			  f_str(s, "state"), f_str(s, "remote_state"), f_duration(s, "since_s"),
			  f_int(s, "tx_interval_ms"), f_int(s, "detect_time_ms"),
			  f_int(s, "multiplier"), f_str(s, "auth"), f_int(s, "up_count"),
			  f_int(s, "rx"), f_int(s, "tx"), f_int(s, "auth_failed"),
			  f_bool(s, "holds_down", "down", "-"));
	}
	table_print(&t);
	printf("(HOLDS: the session went down from Up and holds its next hop out of use)\n");
}

static void print_msgs(const char *dir, const json_t *m)
{
	printf("  %-4s %8s total: %s open, %s update, %s keepalive, %s notification, "
	       "%s route-refresh\n",
	       dir, f_int(m, "total"), f_int(m, "open"), f_int(m, "update"), f_int(m, "keepalive"),
	       f_int(m, "notification"), f_int(m, "route_refresh"));
}

static void print_notif(const char *dir, const json_t *n)
{
	if (!json_is_object(n))
		printf("  %-9s none\n", dir);
	else
		printf("  %-9s %s (%s)\n", dir, f_str(n, "message"),
		       f_str(n, "time") ? f_str(n, "time") : "?");
}

static void print_peering_stats(const json_t *a)
{
	const json_t *n = json_object_get(a, "negotiated");
	const json_t *m = json_object_get(a, "messages");
	const json_t *u = json_object_get(a, "updates");
	const json_t *x = json_object_get(a, "prefixes");
	const json_t *ln = json_object_get(a, "last_notification");

	printf("peer         %s (%s AS%s, id %s) on port %s, tier %s, policy %s\n",
	       f_str(a, "name"), f_str(a, "address"), f_int(a, "remote_as"),
	       f_str(a, "remote_id") ? f_str(a, "remote_id") : "-", f_str(a, "port"),
	       f_str(a, "tier"), f_str(a, "policy") ? f_str(a, "policy") : "none");
	printf("state        %s", f_str(a, "state"));
	if (f_str(a, "established_at"))
		printf(" for %s (since %s)", f_duration(a, "uptime_s"), f_str(a, "established_at"));
	printf("; established %s times, %s flaps\n", f_int(a, "established"), f_int(a, "flaps"));
	printf("negotiated   hold %s s, keepalive %s s, route refresh %s, families%s%s\n",
	       f_int(n, "hold_time_s"), f_int(n, "keepalive_time_s"),
	       f_bool(n, "route_refresh", "yes", "no"),
	       json_is_true(json_object_get(n, "ipv4")) ? " ipv4" : "",
	       json_is_true(json_object_get(n, "ipv6")) ? " ipv6" : "");
	printf("messages\n");
	print_msgs("in", json_object_get(m, "in"));
	print_msgs("out", json_object_get(m, "out"));
	printf("updates      %s in, %s out; %s prefixes withdrawn by the peer\n", f_int(u, "in"),
	       f_int(u, "out"), f_int(a, "withdrawals_in"));
	printf("prefixes     %s received, %s filtered, %s accepted, %s installed, %s stale, "
	       "%s treat-as-withdraw\n",
	       f_int(x, "received"), f_int(x, "filtered"), f_int(x, "accepted"),
	       f_int(x, "installed"), f_int(x, "stale"), f_int(x, "treat_as_withdraw"));
	printf("NOTIFICATION\n");
	print_notif("sent", json_object_get(ln, "sent"));
	print_notif("received", json_object_get(ln, "received"));
	if (f_str(a, "last_error"))
		printf("last error   %s\n", f_str(a, "last_error"));
}

static void print_peer_reset(const json_t *a)
{
	printf("%s: %s reset (was %s)%s\n", f_str(a, "peer"), f_str(a, "mode"),
	       f_str(a, "state_before"),
	       strcmp(f_str(a, "mode") ? f_str(a, "mode") : "", "hard") == 0
		       ? ": Cease/Administrative Reset sent, reconnecting"
		       : ": ROUTE-REFRESH sent");
}

static void print_peer_gshut(const json_t *a)
{
	const json_t *on = json_object_get(a, "graceful_shutdown");

	printf("%s: graceful shutdown %s%s\n", f_str(a, "peer"), json_is_true(on) ? "on" : "off",
	       !json_is_true(json_object_get(a, "changed")) ? " (already)"
	       : json_is_true(on) ? ": our routes carry GRACEFUL_SHUTDOWN (65535:0)"
				  : ": our routes sent again without it");
}

static void print_peer_policy(const json_t *a)
{
	if (!json_is_true(json_object_get(a, "changed"))) {
		printf("%s: policy %s (unchanged)\n", f_str(a, "peer"), f_str(a, "policy"));
		return;
	}
	printf("%s: policy %s -> %s: session hard reset (Cease/Administrative Reset), it comes "
	       "back under %s\n",
	       f_str(a, "peer"), f_str(a, "previous") ? f_str(a, "previous") : "none",
	       f_str(a, "policy"), f_str(a, "policy"));
}

static void print_peering_add(const json_t *a)
{
	printf("peering %s added (managed: kept across restarts) on port %s, %s\n",
	       f_str(a, "name"), f_str(a, "port"), f_str(a, "state"));
}

static void print_peering_remove(const json_t *a)
{
	printf("peering %s removed (was %s): Cease/Peer De-configured sent, %s routes "
	       "withdrawn\n",
	       f_str(a, "name"), f_str(a, "state_before"), f_int(a, "routes_withdrawn"));
}

static void print_peering_convert(const json_t *a)
{
	if (!json_is_true(json_object_get(a, "changed")))
		printf("peering %s is managed already\n", f_str(a, "name"));
	else
		printf("peering %s is managed now: %s\n", f_str(a, "name"), f_str(a, "note"));
}

static void print_route_add(const json_t *a)
{
	printf("route %s -> path group %s (operator route: not kept across a restart)\n",
	       f_str(a, "prefix"), f_str(a, "pathgroup"));
}

static void print_route_del(const json_t *a)
{
	printf("route %s removed\n", f_str(a, "prefix"));
}

static void print_link_add(const json_t *a)
{
	printf("port %s added: %s (%s), ethdev %s, mac %s, tier %s (managed: kept in links.json "
	       "across restarts)\n",
	       f_str(a, "name"), f_str(a, "device"), f_str(a, "driver"), f_int(a, "ethdev"),
	       f_str(a, "mac"), f_str(a, "tier"));
}

static void print_link_remove(const json_t *a)
{
	const json_t *d = json_object_get(a, "durable");

	printf("port %s removed%s\n", f_str(a, "name"),
	       json_is_false(d) ? " (a config file port: back at the next start unless the config "
				  "file drops it)"
				: "");
}

static void print_help(const json_t *a)
{
	size_t i;
	json_t *c;

	json_array_foreach(json_object_get(a, "commands"), i, c)
		printf("  %-18s %s%s\n", f_str(c, "name"), f_str(c, "help"),
		       json_is_true(json_object_get(c, "mutating")) ? " [changes state]" : "");
}

static const struct verb verbs[] = {
	{"help", "help", {0}, 0, print_help, "help"},
	{"version", "version", {0}, 0, print_version, "version"},
	{"status", "status", {0}, 0, print_status, "status"},
	{"ports", "ports", {0}, 0, print_ports, "ports"},
	{"workers", "workers", {0}, 0, print_workers, "workers"},
	{"drops", "drops", {0}, 0, print_drops, "drops"},
	{"prefix register",
	 "prefix.register",
	 {"prefix"},
	 1,
	 print_registered,
	 "prefix register PREFIX [customer=NAME]"},
	{"prefix unregister",
	 "prefix.unregister",
	 {"prefix"},
	 1,
	 print_unregistered,
	 "prefix unregister PREFIX"},
	{"prefix list",
	 "prefix.list",
	 {0},
	 0,
	 print_prefixes,
	 "prefix list [family=ipv4|ipv6] [cursor=N] [limit=N]"},
	{"route lookup", "route.lookup", {"address"}, 1, print_lookup, "route lookup ADDRESS"},
	{"route list",
	 "route.list",
	 {0},
	 0,
	 print_routes,
	 "route list [family=ipv4|ipv6] [cursor=N] [limit=N]"},
	{"link set", "link.set", {"port", "state"}, 2, print_link, "link set PORT down|up"},
	{"link add",
	 "link.add",
	 {"name"},
	 1,
	 print_link_add,
	 "link add NAME device=DEVICE [tier=primary|local|geo|none] [addresses=A/LEN,B/LEN] "
	 "[mac=MAC] [exception=yes|no] [exception_iface=TAP]   (durable: STATE_DIR/links.json)"},
	{"link remove", "link.remove", {"name"}, 1, print_link_remove, "link remove NAME"},
	{"bfd list", "bfd.list", {0}, 0, print_bfd, "bfd list"},
	{"failover history",
	 "failover.history",
	 {0},
	 0,
	 print_history,
	 "failover history [limit=N]"},
	{"tier force", "tier.force", {"tier"}, 1, print_tier, "tier force primary|local|geo"},
	{"tier release", "tier.release", {0}, 0, print_tier, "tier release"},
	{"config check", "config.check", {"path"}, 0, print_check, "config check [PATH]"},
	{"config reload", "config.reload", {0}, 0, print_reload, "config reload"},
	{"metrics", "metrics", {0}, 0, print_metrics, "metrics"},
	{"peering list", "peering.list", {0}, 0, print_peerings, "peering list"},
	{"peering stats", "peering.stats", {"peer"}, 1, print_peering_stats, "peering stats PEER"},
	{"peer reset",
	 "peer.reset",
	 {"peer", "mode"},
	 2,
	 print_peer_reset,
	 "peer reset PEER soft|hard"},
	{"peer graceful-shutdown",
	 "peer.graceful_shutdown",
	 {"peer", "state"},
	 2,
	 print_peer_gshut,
	 "peer graceful-shutdown PEER on|off"},
	{"peer set-policy",
	 "peer.set_policy",
	 {"peer", "policy"},
	 2,
	 print_peer_policy,
	 "peer set-policy PEER POLICY"},
	{"route add",
	 "route.add",
	 {"prefix", "pathgroup"},
	 2,
	 print_route_add,
	 "route add PREFIX PATHGROUP   (not durable: gone after a restart)"},
	{"route del", "route.del", {"prefix"}, 1, print_route_del, "route del PREFIX"},
	{"peering add",
	 "peering.add",
	 {"name"},
	 1,
	 print_peering_add,
	 "peering add NAME port=PORT address=ADDR remote_as=AS policy=POLICY [hold_time=S] "
	 "[connect_retry=S] [passive=yes] [md5=KEY] [ttl_security=yes] [families=ipv4,ipv6] "
	 "[open_hold_time=S] [send_hold_time=S]"},
	{"peering remove",
	 "peering.remove",
	 {"name"},
	 1,
	 print_peering_remove,
	 "peering remove NAME   (managed peerings only)"},
	{"peering convert",
	 "peering.convert",
	 {"name"},
	 1,
	 print_peering_convert,
	 "peering convert NAME   (config file peering -> managed)"},
};
#define N_VERBS (sizeof(verbs) / sizeof(verbs[0]))

/* ---- building the request ---- */

static bool is_kv(const char *s)
{
	return strchr(s, '=') != NULL && s[0] != '=';
}

static unsigned words_of(const char *w)
{
	unsigned n = 1;

	for (; *w; w++)
		n += *w == ' ';
	return n;
}

/* The verb argv starts with, matching the most words; *used = words taken. */
static const struct verb *verb_find(int argc, char **argv, int *used)
{
	const struct verb *best = NULL;
	unsigned best_n = 0;

	for (size_t v = 0; v < N_VERBS; v++) {
		unsigned n = words_of(verbs[v].words);
		char buf[64] = "";
		if ((int)n > argc)
			continue;
		for (unsigned i = 0; i < n; i++)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? " " : "",
				 argv[i]);
		if (strcmp(buf, verbs[v].words) == 0 && n > best_n) {
			best = &verbs[v];
			best_n = n;
		}
	}
	*used = (int)best_n;
	return best;
}

static bool key_in(const char *k, const char *const *keys)
{
	for (; *keys != NULL; keys++)
		if (strcmp(k, *keys) == 0)
			return true;
	return false;
}

static bool int_key(const char *k)
{
	static const char *const keys[] = {
		"cursor",	 "limit",	   "remote_as",	     "hold_time",
		"connect_retry", "open_hold_time", "send_hold_time", NULL};
	return key_in(k, keys);
}

static bool bool_key(const char *k)
{
	static const char *const keys[] = {"passive", "ttl_security", "exception", NULL};
	return key_in(k, keys);
}

/* yes/no, true/false, on/off, 1/0; anything else stays a string (the
 * daemon then says what it wants). */
static json_t *bool_value(const char *v)
{
	static const char *const yes[] = {"yes", "true", "on", "1", NULL};
	static const char *const no[] = {"no", "false", "off", "0", NULL};

	if (key_in(v, yes))
		return json_true();
	if (key_in(v, no))
		return json_false();
	return json_string(v);
}

/* families=ipv4,ipv6 */
static json_t *list_value(const char *v)
{
	json_t *a = json_array();
	const char *s = v;

	while (a != NULL && *s != '\0') {
		size_t n = strcspn(s, ",");
		json_array_append_new(a, json_stringn(s, n));
		s += n + (s[n] == ',');
	}
	return a;
}

/* key=value (string; an integer for cursor/limit) or key:=JSON. */
static int add_kv(json_t *req, const char *arg)
{
	const char *eq = strchr(arg, '=');
	bool raw = eq > arg && eq[-1] == ':';
	size_t kl = (size_t)(eq - arg) - raw;
	char key[64];
	json_t *v;

	if (kl == 0 || kl >= sizeof(key)) {
		fprintf(stderr, "peerctl: bad argument '%s'\n", arg);
		return -1;
	}
	memcpy(key, arg, kl);
	key[kl] = '\0';
	if (raw) {
		json_error_t e;
		v = json_loads(eq + 1, JSON_DECODE_ANY, &e);
		if (v == NULL) {
			fprintf(stderr, "peerctl: %s: not JSON: %s\n", key, e.text);
			return -1;
		}
	} else if (int_key(key) && eq[1] != '\0' &&
		   strspn(eq + 1, "0123456789") == strlen(eq + 1)) {
		v = json_integer(strtoll(eq + 1, NULL, 10));
	} else if (bool_key(key)) {
		v = bool_value(eq + 1);
	} else if (strcmp(key, "families") == 0 || strcmp(key, "addresses") == 0) {
		v = list_value(eq + 1);
	} else {
		v = json_string(eq + 1);
	}
	if (v == NULL) {
		fprintf(stderr, "peerctl: %s: value is not valid UTF-8\n", key);
		return -1;
	}
	json_object_set_new(req, key, v);
	return 0;
}

/* Build the request for argv; NULL after a usage message. */
static json_t *build_request(int argc, char **argv, const struct verb **vp)
{
	int used, npos = 0;
	const struct verb *v = verb_find(argc, argv, &used);
	json_t *req = json_object();
	char cmd[128];

	*vp = v;
	if (v != NULL) {
		snprintf(cmd, sizeof(cmd), "%s", v->cmd);
	} else {
		/* Not a command we know: pass it on (the daemon may be newer);
		 * "a b" becomes "a.b", as the daemon names commands. */
		used = 0;
		cmd[0] = '\0';
		while (used < argc && !is_kv(argv[used]) && used < 2) {
			snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), "%s%s",
				 used ? "." : "", argv[used]);
			used++;
		}
	}
	json_object_set_new(req, "cmd", json_string(cmd));
	for (int i = used; i < argc; i++) {
		if (is_kv(argv[i])) {
			if (add_kv(req, argv[i]) < 0)
				goto usage;
		} else if (v != NULL && npos < 2 && v->pos[npos] != NULL) {
			json_t *s = json_string(argv[i]);
			if (s == NULL)
				goto usage;
			json_object_set_new(req, v->pos[npos++], s);
		} else {
			fprintf(stderr, "peerctl: unexpected argument '%s'\n", argv[i]);
			goto usage;
		}
	}
	if (v != NULL && (unsigned)npos < v->npos_required) {
		bool named = false;
		for (unsigned i = (unsigned)npos; i < v->npos_required; i++)
			named |= json_object_get(req, v->pos[i]) != NULL; /* given as key=value */
		if (!named) {
			fprintf(stderr, "peerctl: missing %s\n", v->pos[npos]);
			goto usage;
		}
	}
	return req;
usage:
	if (v != NULL)
		fprintf(stderr, "usage: peerctl %s\n", v->usage);
	json_decref(req);
	return NULL;
}

/* ---- running ---- */

static int show(const char *line, const struct verb *v, bool raw)
{
	json_error_t e;
	json_t *a = json_loads(line, 0, &e);
	int ret;

	if (a == NULL || !json_is_boolean(json_object_get(a, "ok"))) {
		fprintf(stderr, "peerctl: the daemon's answer is not understood: %s\n", line);
		json_decref(a);
		return EXIT_CONNECT;
	}
	ret = json_is_true(json_object_get(a, "ok")) ? 0 : EXIT_ERROR;
	if (raw) {
		printf("%s\n", line);
	} else if (ret != 0) {
		const json_t *err = json_object_get(a, "error");
		fprintf(stderr, "peerctl: %s: %s\n", f_str(err, "code"), f_str(err, "message"));
	} else {
		(v != NULL && v->print != NULL ? v->print : print_generic)(a);
	}
	json_decref(a);
	return ret;
}

static volatile sig_atomic_t stop;

static void on_sigint(int sig)
{
	(void)sig;
	stop = 1;
}

static int watch(struct conn *c, int argc, char **argv, bool raw, int count)
{
	const struct verb *v;
	json_t *req;
	int ret = 0;

	if (argc == 0) {
		fprintf(stderr, "usage: peerctl watch COMMAND (e.g. ports, workers, status)\n");
		return EXIT_USAGE;
	}
	req = build_request(argc, argv, &v);
	if (req == NULL)
		return EXIT_USAGE;
	signal(SIGINT, on_sigint);
	signal(SIGTERM, on_sigint);
	for (int i = 0; !stop && (count <= 0 || i < count); i++) {
		char *line = conn_call(c, req);
		time_t now = time(NULL);
		if (line == NULL) {
			ret = EXIT_CONNECT;
			break;
		}
		if (!raw && isatty(STDOUT_FILENO))
			printf("\033[H\033[2J");
		if (!raw)
			printf("peerctl watch %s   %s\n", v ? v->words : argv[0], ctime(&now));
		ret = show(line, v, raw);
		free(line);
		fflush(stdout);
		if (ret != 0)
			break;
		if (count <= 0 || i + 1 < count)
			sleep(1);
	}
	json_decref(req);
	return ret;
}

static void completion_bash(void)
{
	printf("# bash completion for peerctl: eval \"$(peerctl completion bash)\"\n"
	       "_peerctl() {\n"
	       "  local cur=${COMP_WORDS[COMP_CWORD]} i w words=()\n"
	       "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
	       "    w=${COMP_WORDS[i]}\n"
	       "    case $w in -s|--socket) ((i++));; -*) ;; *) words+=(\"$w\");; esac\n"
	       "  done\n"
	       "  local sock=() ; for ((i = 1; i < COMP_CWORD; i++)); do\n"
	       "    [[ ${COMP_WORDS[i]} == -s || ${COMP_WORDS[i]} == --socket ]] && "
	       "sock=(-s \"${COMP_WORDS[i+1]}\")\n"
	       "  done\n"
	       "  case \"${words[*]}\" in\n"
	       "    '') COMPREPLY=($(compgen -W 'help version status ports workers drops prefix "
	       "route link failover tier config metrics peering peer watch pipe completion --json "
	       "--socket' -- "
	       "\"$cur\"));;\n"
	       "    prefix) COMPREPLY=($(compgen -W 'register unregister list' -- \"$cur\"));;\n"
	       "    'prefix register'*) COMPREPLY=($(compgen -W 'customer=' -- \"$cur\"));;\n"
	       "    'prefix unregister') COMPREPLY=($(compgen -W \"$(peerctl \"${sock[@]}\" "
	       "__complete prefixes 2>/dev/null)\" -- \"$cur\"));;\n"
	       "    'prefix list'*|'route list'*) COMPREPLY=($(compgen -W 'family=ipv4 family=ipv6 "
	       "cursor= limit=' -- \"$cur\"));;\n"
	       "    route) COMPREPLY=($(compgen -W 'lookup list add del' -- \"$cur\"));;\n"
	       "    peering) COMPREPLY=($(compgen -W 'list stats add remove convert' -- "
	       "\"$cur\"));;\n"
	       "    'peering add '*) COMPREPLY=($(compgen -W 'port= address= remote_as= policy= "
	       "hold_time= connect_retry= passive= md5= ttl_security= families= open_hold_time= "
	       "send_hold_time=' -- \"$cur\"));;\n"
	       "    peer) COMPREPLY=($(compgen -W 'reset set-policy' -- \"$cur\"));;\n"
	       "    'peering stats'|'peering remove'|'peering convert'|'peer reset'|"
	       "'peer set-policy') COMPREPLY=($(compgen -W "
	       "\"$(peerctl \"${sock[@]}\" __complete peers 2>/dev/null)\" -- \"$cur\"));;\n"
	       "    'peer reset '*) [[ ${#words[@]} -eq 3 ]] && COMPREPLY=($(compgen -W 'soft "
	       "hard' "
	       "-- \"$cur\"));;\n"
	       "    link) COMPREPLY=($(compgen -W 'set' -- \"$cur\"));;\n"
	       "    'link set') COMPREPLY=($(compgen -W \"$(peerctl \"${sock[@]}\" __complete "
	       "ports "
	       "2>/dev/null)\" -- \"$cur\"));;\n"
	       "    'link set '*) [[ ${#words[@]} -eq 3 ]] && COMPREPLY=($(compgen -W 'down up' -- "
	       "\"$cur\"));;\n"
	       "    failover) COMPREPLY=($(compgen -W 'history' -- \"$cur\"));;\n"
	       "    tier) COMPREPLY=($(compgen -W 'force release' -- \"$cur\"));;\n"
	       "    'tier force') COMPREPLY=($(compgen -W 'primary local geo' -- \"$cur\"));;\n"
	       "    config) COMPREPLY=($(compgen -W 'check reload' -- \"$cur\"));;\n"
	       "    'config check') COMPREPLY=($(compgen -f -- \"$cur\"));;\n"
	       "    watch) COMPREPLY=($(compgen -W 'ports workers status drops' -- \"$cur\"));;\n"
	       "    completion) COMPREPLY=($(compgen -W 'bash' -- \"$cur\"));;\n"
	       "  esac\n"
	       "}\n"
	       "complete -F _peerctl peerctl\n");
}

/* Names for the completion script: ports, registered prefixes or peers. */
static int complete(struct conn *c, const char *what)
{
	static const struct {
		const char *what, *cmd, *list, *field;
	} kinds[] = {
		{"ports", "ports", "ports", "name"},
		{"prefixes", "prefix.list", "prefixes", "prefix"},
		{"peers", "peering.list", "peerings", "name"},
	};
	unsigned k = 0;

	while (k + 1 < sizeof(kinds) / sizeof(kinds[0]) && strcmp(what, kinds[k].what) != 0)
		k++;
	if (strcmp(what, kinds[k].what) != 0)
		k = 1; /* as before: anything else completes prefixes */
	json_t *req = json_pack("{s:s}", "cmd", kinds[k].cmd);
	char *line = conn_call(c, req);
	json_t *a = line ? json_loads(line, 0, NULL) : NULL;
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(a, kinds[k].list), i, e)
		printf("%s\n", f_str(e, kinds[k].field));
	json_decref(a);
	json_decref(req);
	free(line);
	return 0;
}

/* ---- pipe: many requests, pipelined ---- */

#define PIPE_WINDOW 512 /* requests in flight: the daemon pauses readers at 256 KiB */

struct pipe_state {
	struct conn *c;
	char *out;
	size_t out_len, out_off, out_cap;
	unsigned long lineno, sent, answered, errors;
	bool raw, in_eof;
};

/* One stdin line ("route add P G" or a JSON object) appended as a request.
 * 0, 1 when the line is blank or a comment, -1 on a usage error. */
static int pipe_queue(struct pipe_state *ps, char *line)
{
	char *argv[16], *save = NULL;
	const struct verb *v;
	int argc = 0;
	json_t *req;

	line[strcspn(line, "\r\n")] = '\0';
	line += strspn(line, " \t");
	if (line[0] == '\0' || line[0] == '#')
		return 1;
	if (line[0] == '{') {
		req = json_loads(line, 0, NULL);
	} else {
		for (char *w = strtok_r(line, " \t", &save); w && argc < 16;
		     w = strtok_r(NULL, " \t", &save))
			argv[argc++] = w;
		req = build_request(argc, argv, &v);
	}
	if (req == NULL) {
		fprintf(stderr, "peerctl: stdin line %lu: not a request\n", ps->lineno);
		return -1;
	}
	char *j = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	size_t n = j ? strlen(j) : 0;
	if (j == NULL)
		return -1;
	if (ps->out_len + n + 1 > ps->out_cap) {
		ps->out_cap = (ps->out_len + n + 1) * 2;
		ps->out = realloc(ps->out, ps->out_cap);
		if (ps->out == NULL) {
			free(j);
			return -1;
		}
	}
	memcpy(ps->out + ps->out_len, j, n);
	ps->out[ps->out_len + n] = '\n';
	ps->out_len += n + 1;
	free(j);
	ps->sent++;
	return 0;
}

static void pipe_answer(struct pipe_state *ps, const char *line)
{
	ps->answered++;
	if (ps->raw)
		printf("%s\n", line);
	if (strncmp(line, "{\"ok\":true", 10) == 0)
		return;
	json_t *a = json_loads(line, 0, NULL);
	const json_t *e = json_object_get(a, "error");
	ps->errors++;
	fprintf(stderr, "peerctl: request %lu: %s: %s\n", ps->answered,
		f_str(e, "code") ? f_str(e, "code") : "?",
		f_str(e, "message") ? f_str(e, "message") : line);
	json_decref(a);
}

/* Read what the daemon answered; -1 when the connection ended. */
static int pipe_read(struct pipe_state *ps)
{
	struct conn *c = ps->c;
	char *nl;

	if (c->len + 65536 > c->cap) {
		c->cap = c->cap ? c->cap * 2 : 131072;
		if ((c->buf = realloc(c->buf, c->cap)) == NULL)
			return -1;
	}
	ssize_t got = recv(c->fd, c->buf + c->len, c->cap - c->len, MSG_DONTWAIT);
	if (got < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (got <= 0) {
		fprintf(stderr, "peerctl: %s: %s\n", c->path,
			got == 0 ? "connection closed by the daemon" : strerror(errno));
		return -1;
	}
	c->len += (size_t)got;
	size_t off = 0;
	while ((nl = memchr(c->buf + off, '\n', c->len - off)) != NULL) {
		*nl = '\0';
		pipe_answer(ps, c->buf + off);
		off = (size_t)(nl - c->buf) + 1;
	}
	memmove(c->buf, c->buf + off, c->len - off);
	c->len -= off;
	return 0;
}

static int pipe_write(struct pipe_state *ps)
{
	ssize_t w = send(ps->c->fd, ps->out + ps->out_off, ps->out_len - ps->out_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);

	if (w < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (w < 0) {
		fprintf(stderr, "peerctl: %s: send: %s\n", ps->c->path, strerror(errno));
		return -1;
	}
	ps->out_off += (size_t)w;
	if (ps->out_off == ps->out_len)
		ps->out_off = ps->out_len = 0;
	return 0;
}

/*
 * Requests from stdin, one per line (peerctl words or JSON), sent without
 * waiting for each answer. Errors go to stderr with the request's number;
 * the summary (rate included) too. Exit 1 when any request failed.
 */
static int pipe_run(struct conn *c, bool raw)
{
	struct pipe_state ps = {.c = c, .raw = raw};
	struct timespec t0, t1;
	char *line = NULL;
	size_t cap = 0;
	int ret = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (ret == 0 && (!ps.in_eof || ps.answered < ps.sent)) {
		while (!ps.in_eof && ps.sent - ps.answered < PIPE_WINDOW &&
		       ps.out_len < (1u << 20)) {
			if (getline(&line, &cap, stdin) < 0) {
				ps.in_eof = true;
				break;
			}
			ps.lineno++;
			if (pipe_queue(&ps, line) < 0)
				ret = EXIT_USAGE;
		}
		if (ret != 0 || (ps.in_eof && ps.answered == ps.sent))
			break;
		struct pollfd p = {.fd = c->fd,
				   .events = POLLIN | (ps.out_len > ps.out_off ? POLLOUT : 0)};
		int r = poll(&p, 1, c->timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			fprintf(stderr, "peerctl: %s: no answer within %d ms\n", c->path,
				c->timeout_ms);
			ret = EXIT_CONNECT;
		} else if ((p.revents & POLLOUT) && pipe_write(&ps) < 0) {
			ret = EXIT_CONNECT;
		} else if ((p.revents & (POLLIN | POLLHUP | POLLERR)) && pipe_read(&ps) < 0) {
			ret = EXIT_CONNECT;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(stderr, "peerctl pipe: %lu requests, %lu answered, %lu errors, %.3f s, %.0f/s\n",
		ps.sent, ps.answered, ps.errors, s, s > 0 ? (double)ps.answered / s : 0.0);
	free(line);
	free(ps.out);
	if (ret == 0 && ps.errors > 0)
		ret = EXIT_ERROR;
	return ret;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: peerctl [-s SOCKET] [--json] [-t MS] COMMAND [ARGS] [key=value ...]\n"
		   "  -s, --socket PATH  control socket (default $PEERCTL_SOCKET or " DEFAULT_SOCKET
		   ")\n"
		   "  -j, --json         print the daemon's JSON answer as is\n"
		   "  -t, --timeout MS   wait this long for an answer (default 10000)\n"
		   "  -n, --count N      watch: stop after N refreshes\n"
		   "commands:\n");
	for (size_t v = 0; v < N_VERBS; v++)
		fprintf(f, "  %s\n", verbs[v].usage);
	fprintf(f,
		"  watch COMMAND      repeat every second (ports, workers, status, drops)\n"
		"  pipe               requests from stdin, one a line (words as above, or JSON),\n"
		"                     sent without waiting for each answer (route churn);\n"
		"                     errors and a summary with the rate go to stderr\n"
		"metrics prints Prometheus text; for node_exporter's textfile collector:\n"
		"  peerctl metrics > DIR/peerfwd.prom.$$ && mv DIR/peerfwd.prom.$$ "
		"DIR/peerfwd.prom\n"
		"config reload applies the running config file again; changes to ports, "
		"workers,\n"
		"  EAL arguments, FIB sizes, main_lcore or bgp answer restart_required\n"
		"  completion bash    print a bash completion script\n"
		"arguments: key=value is a string (integer for cursor/limit), key:=JSON is raw\n"
		"exit status: 0 ok, 1 error answer, 2 usage, 3 no connection or no answer\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},  {"json", no_argument, NULL, 'j'},
		{"timeout", required_argument, NULL, 't'}, {"count", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},	   {NULL, 0, NULL, 0},
	};
	const char *path = getenv("PEERCTL_SOCKET");
	int opt, timeout = 10000, count = 0, ret;
	const struct verb *v;
	bool raw = false;
	struct conn c;
	json_t *req;

	if (path == NULL || path[0] == '\0')
		path = DEFAULT_SOCKET;
	/* '+': options end at the command, so "key=-1" stays an argument */
	while ((opt = getopt_long(argc, argv, "+s:jt:n:h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			path = optarg;
			break;
		case 'j':
			raw = true;
			break;
		case 't':
			timeout = atoi(optarg);
			break;
		case 'n':
			count = atoi(optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0 || timeout <= 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[0], "completion") == 0) {
		if (argc != 2 || strcmp(argv[1], "bash") != 0) {
			fprintf(stderr, "usage: peerctl completion bash\n");
			return EXIT_USAGE;
		}
		completion_bash();
		return 0;
	}
	if (strcmp(argv[0], "pipe") == 0) {
		if (argc != 1) {
			fprintf(stderr, "usage: peerctl pipe < REQUESTS\n");
			return EXIT_USAGE;
		}
		if (conn_open(&c, path, timeout) < 0)
			return EXIT_CONNECT;
		ret = pipe_run(&c, raw);
		conn_close(&c);
		return ret;
	}
	if (strcmp(argv[0], "watch") == 0 || strcmp(argv[0], "__complete") == 0) {
		if (strcmp(argv[0], "__complete") == 0 && argc != 2)
			return EXIT_USAGE;
		if (conn_open(&c, path, timeout) < 0)
			return EXIT_CONNECT;
		ret = argv[0][0] == 'w' ? watch(&c, argc - 1, argv + 1, raw, count)
					: complete(&c, argv[1]);
		conn_close(&c);
		return ret;
	}
	req = build_request(argc, argv, &v);
	if (req == NULL)
		return EXIT_USAGE;
	if (conn_open(&c, path, timeout) < 0) {
		json_decref(req);
		return EXIT_CONNECT;
	}
	char *line = conn_call(&c, req);
	ret = line != NULL ? show(line, v, raw) : EXIT_CONNECT;
	free(line);
	json_decref(req);
	conn_close(&c);
	return ret;
}
