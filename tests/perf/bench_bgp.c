/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_bgp: how fast a full table received over BGP gets into the FIB,
 * through the code a session runs on the bytes it reads (bgp_conn_input:
 * message parsing, the FSM, UPDATE decoding, import policy, the Adj-RIB-In,
 * the path group and routes_set into real forwarding tables), without the
 * socket: the kernel's part (recv) is not measured.
 *
 *   bench_bgp [OPTIONS] ROUTES4 ROUTES6 [CSV] -- EAL arguments
 *
 *   --routes4 N    the first N prefixes of ROUTES4 only (callgrind: small)
 *   --routes6 N    the first N prefixes of ROUTES6 only
 *   --paths P      1..3: the table comes from P peers (primary, local, geo),
 *                  one after the other, so a prefix ends up with P paths
 *   --attr-sets K  prefixes share K attribute sets (AS paths); default 1,
 *                  what BIRD exports from a static protocol (the lab)
 *
 * The UPDATEs are packed as BIRD packs them: per attribute set, as many
 * NLRI as fit in 4096 octets; IPv4 in the NLRI field, IPv6 in MP_REACH;
 * then withdrawn the same way (Withdrawn Routes, MP_UNREACH). Policy: the
 * daemon's (bogons checked, every length accepted, no prefix limit).
 * Phases: load (every peer's table), withdraw (every peer's withdraws).
 *
 * Under callgrind each phase is one dump (callgrind.out.PID.1 load, .2
 * withdraw): PROGRAM TOTALS / routes is instructions per route, repeatable
 * where wall time is not:
 *
 *   valgrind --tool=callgrind --instr-atstart=no \
 *     build/tests/perf/bench_bgp --routes4 100000 --routes6 25000 \
 *     out/bench/routes4.txt out/bench/routes6.txt -- --no-huge -m 2048 \
 *     --no-pci --no-telemetry --no-shconf -l 0 --log-level=error
 *   callgrind_annotate callgrind.out.PID.1 | grep 'PROGRAM TOTALS'
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>

#include "control/bgp/bgp_session.h"
#include "control/config/config.h"
#include "control/daemon/daemon.h"
#include "control/prefix/prefix.h"
#include "control/routes/routes.h"

#include "tests/perf/bench_util.h"

#define MAX_PATHS 3
#define PEER_AS	  64496
#define CHUNK	  BGP_RX_CAP /* what one recv() hands the session at most */

/* The lab's bench config (configs/bench.cfg) with one BGP peer per carrier
 * tier; sizes are filled in. */
static const char conf_fmt[] =
	"peerfwd: {\n"
	"  eal_args = [];\n"
	"  fib: { max_routes4 = %u; tbl8_groups4 = 65536; max_routes6 = %u; groups6 = %u; };\n"
	"  ports = (\n"
	"    { name = \"in\";  device = \"net_null0\"; tier = \"none\";\n"
	"      addresses = [\"192.0.2.1/24\", \"2001:db8:ff::1/64\"]; },\n"
	"    { name = \"pri\"; device = \"net_null1\"; tier = \"primary\";\n"
	"      addresses = [\"198.51.100.1/30\", \"2001:db8:1::1/64\"]; },\n"
	"    { name = \"loc\"; device = \"net_null2\"; tier = \"local\";\n"
	"      addresses = [\"198.51.100.5/30\", \"2001:db8:2::1/64\"]; },\n"
	"    { name = \"geo\"; device = \"net_null3\"; tier = \"geo\";\n"
	"      addresses = [\"198.51.100.9/30\", \"2001:db8:3::1/64\"]; }\n"
	"  );\n"
	"  workers = ( { lcore = 1; rx = [\"in:0\", \"pri:0\", \"loc:0\", \"geo:0\"]; } );\n"
	"  nexthops = (\n"
	"    { name = \"pri-rtr\";  port = \"pri\"; address = \"198.51.100.2\";  mac = "
	"\"02:00:00:00:01:02\"; },\n"
	"    { name = \"pri-rtr6\"; port = \"pri\"; address = \"2001:db8:1::2\"; mac = "
	"\"02:00:00:00:01:02\"; },\n"
	"    { name = \"loc-rtr\";  port = \"loc\"; address = \"198.51.100.6\";  mac = "
	"\"02:00:00:00:02:02\"; },\n"
	"    { name = \"loc-rtr6\"; port = \"loc\"; address = \"2001:db8:2::2\"; mac = "
	"\"02:00:00:00:02:02\"; },\n"
	"    { name = \"geo-rtr\";  port = \"geo\"; address = \"198.51.100.10\"; mac = "
	"\"02:00:00:00:03:02\"; },\n"
	"    { name = \"geo-rtr6\"; port = \"geo\"; address = \"2001:db8:3::2\"; mac = "
	"\"02:00:00:00:03:02\"; }\n"
	"  );\n"
	"  registered = ( { prefix = \"203.0.113.0/24\"; customer = \"bench\"; } );\n"
	"  unregistered = \"drop\";\n"
	"  bgp: {\n"
	"    asn = 64500;\n"
	"    router_id = \"198.51.100.1\";\n"
	"    policies = ( { name = \"carrier\"; ipv4_lengths = [0, 32]; ipv6_lengths = [0, 128];\n"
	"                   local_pref = { primary = 300; local = 200; geo = 100; }; } );\n"
	"    peers = (\n"
	"      { name = \"pri\"; port = \"pri\"; address = \"198.51.100.2\"; remote_as = 64496;\n"
	"        policy = \"carrier\"; families = [\"ipv4\", \"ipv6\"]; passive = true; },\n"
	"      { name = \"loc\"; port = \"loc\"; address = \"198.51.100.6\"; remote_as = 64496;\n"
	"        policy = \"carrier\"; families = [\"ipv4\", \"ipv6\"]; passive = true; },\n"
	"      { name = \"geo\"; port = \"geo\"; address = \"198.51.100.10\"; remote_as = 64496;\n"
	"        policy = \"carrier\"; families = [\"ipv4\", \"ipv6\"]; passive = true; }\n"
	"    );\n"
	"  };\n"
	"};\n";

static const char *const nh4_of[MAX_PATHS] = {"198.51.100.2", "198.51.100.6", "198.51.100.10"};
static const char *const nh6_of[MAX_PATHS] = {"2001:db8:1::2", "2001:db8:2::2", "2001:db8:3::2"};

static struct {
	unsigned max4, max6, paths, attr_sets;
} opt = {.max4 = ~0u, .max6 = ~0u, .paths = 1, .attr_sets = 1};

/* A byte stream as a peer sends it. */
struct stream {
	uint8_t *buf;
	size_t len, cap;
	unsigned msgs;
};

static int stream_put(struct stream *s, const uint8_t *msg, size_t len)
{
	if (s->len + len > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1 << 20;
		uint8_t *nb = realloc(s->buf, cap);
		if (nb == NULL)
			return -ENOMEM;
		s->buf = nb;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, msg, len);
	s->len += len;
	s->msgs++;
	return 0;
}

/* Attribute set k of peer `path`: ORIGIN IGP, AS_PATH PEER_AS 3356 (1000 + k)
 * (just PEER_AS with one set: a static protocol's routes), its next hop. */
static void attrs_make(struct bgp_attrs *a, const struct bgp_session_params *sp, unsigned path,
		       unsigned k)
{
	struct ip_addr nh4, nh6;

	ip_addr_parse(nh4_of[path], &nh4);
	ip_addr_parse(nh6_of[path], &nh6);
	bgp_attrs_init_local(a, sp, PEER_AS, &nh4, &nh6, NULL);
	if (opt.attr_sets > 1) {
		a->as_path.asns[1] = 3356;
		a->as_path.asns[2] = 1000 + k;
		a->as_path.segs[0].n = 3;
		a->as_path.n_asns = 3;
	}
}

/* Encodes v[0..n) into msg, announced or withdrawn: the length or -errno. */
static int encode(const struct bgp_session_params *sp, const struct bgp_attrs *a,
		  const struct prefix *v, size_t n, bool withdraw, uint8_t *msg)
{
	struct bgp_prefixes ps = {.v = v, .n = n};
	struct bgp_update_out out = {.attrs = a};
	bool v6 = v[0].addr.family == AF_INET6;

	if (withdraw)
		*(v6 ? &out.withdraw6 : &out.withdraw4) = ps;
	else
		*(v6 ? &out.announce6 : &out.announce4) = ps;
	return bgp_update_encode(sp, msg, BGP_MAX_LEN, &out);
}

/* As many of v[0..n) as fit in one message (BIRD fills each): its length. */
static int encode_full(const struct bgp_session_params *sp, const struct bgp_attrs *a,
		       const struct prefix *v, size_t n, bool withdraw, uint8_t *msg, size_t *used)
{
	size_t lo = 1, hi = n < BGP_MAX_LEN ? n : BGP_MAX_LEN;

	while (lo < hi) { /* the largest count that fits is in [lo, hi] */
		size_t mid = lo + (hi - lo + 1) / 2;
		if (encode(sp, a, v, mid, withdraw, msg) == -EMSGSIZE)
			hi = mid - 1;
		else
			lo = mid;
	}
	*used = lo;
	return encode(sp, a, v, lo, withdraw, msg);
}

/*
 * Appends UPDATEs for v[0..n) to s: per attribute set (prefix i is in set
 * i % attr_sets), as many prefixes per message as fit. withdraw: the same
 * prefixes withdrawn (attributes unused).
 */
static int build(struct stream *s, const struct bgp_session_params *sp, unsigned path,
		 const struct prefix *v, unsigned n, bool withdraw)
{
	unsigned per_set = (n + opt.attr_sets - 1) / opt.attr_sets + 1;
	struct prefix *bucket = malloc(per_set * sizeof(*bucket));
	struct bgp_attrs *a = malloc(sizeof(*a));
	uint8_t msg[BGP_MAX_LEN];
	int ret = 0;

	if (bucket == NULL || a == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	for (unsigned k = 0; k < opt.attr_sets && ret == 0; k++) {
		size_t nb = 0, used;
		for (unsigned i = k; i < n; i += opt.attr_sets)
			bucket[nb++] = v[i];
		attrs_make(a, sp, path, k);
		for (size_t off = 0; off < nb && ret == 0; off += used) {
			int len = encode_full(sp, a, bucket + off, nb - off, withdraw, msg, &used);
			ret = len < 0 ? len : stream_put(s, msg, (size_t)len);
		}
	}
out:
	free(bucket);
	free(a);
	return ret;
}

/* What conn_read does after recv(), one recv's worth at a time. */
static int feed(struct bgp_conn *c, const struct stream *s)
{
	size_t off = 0;

	while (off < s->len) {
		size_t len = s->len - off < CHUNK ? s->len - off : CHUNK;
		ssize_t used = bgp_conn_input(c, s->buf + off, len);
		if (used <= 0)
			return -1; /* closed, or a message longer than a read */
		off += (size_t)used;
	}
	return 0;
}

static int run_phase(struct bench_phase *ph, struct bgp_conn *conn, struct stream *s)
{
	int ret = 0;
	double t0 = bench_now_s();

	CALLGRIND_ZERO_STATS;
	CALLGRIND_START_INSTRUMENTATION;
	for (unsigned p = 0; p < opt.paths && ret == 0; p++)
		ret = feed(&conn[p], &s[p]);
	CALLGRIND_STOP_INSTRUMENTATION;
	CALLGRIND_DUMP_STATS_AT(ph->name);
	ph->seconds = bench_now_s() - t0;
	return ret;
}

/* The config above, loaded as the daemon loads its file. */
static int config_make(struct config *cfg, unsigned n4, unsigned n6)
{
	char path[] = "/tmp/bench_bgp.XXXXXX", err[512];
	int fd = mkstemp(path), ret;
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (f == NULL)
		return -errno;
	fprintf(f, conf_fmt, n4 + 4096, n6 + 4096, n6 * 2 + 65536);
	fclose(f);
	ret = config_load(path, cfg, err, sizeof(err));
	unlink(path);
	if (ret < 0)
		fprintf(stderr, "bench_bgp: config: %s\n", err);
	return ret;
}

/* Tables and the speaker as peerfwd's main sets them up, minus ports. */
static int daemon_make(struct daemon *d)
{
	const struct config *cfg = &d->cfg;
	struct fwd_conf fc = {.max_routes4 = cfg->max_routes4,
			      .n_tbl8_4 = cfg->n_tbl8_4,
			      .max_routes6 = cfg->max_routes6,
			      .n_groups6 = cfg->n_groups6,
			      .max_readers = 1};
	struct routes_conf rc = {.max_entries = cfg->max_routes4 + cfg->max_routes6 +
						PF_MAX_PREFIXES + 2 * PF_MAX_PORTS * CFG_MAX_ADDRS};
	char err[512];
	int ret;

	pthread_mutex_init(&d->lock, NULL);
	if ((ret = fwd_tables_create(&d->tables, &fc)) < 0)
		return ret;
	if ((d->routes = routes_create(&d->tables, &rc)) == NULL ||
	    (d->ev = ev_loop_create()) == NULL)
		return -ENOMEM;
	if ((ret = daemon_program(d, err, sizeof(err))) < 0) {
		fprintf(stderr, "bench_bgp: %s\n", err);
		return ret;
	}
	if ((d->bgp = bgp_create(d)) == NULL)
		return -ENOMEM;
	return 0;
}

/* The state established() leaves a peer in after an OPEN with 4-octet AS
 * and both families, for a connection that has no socket. */
static void session_up(struct bgp_peer *p, struct bgp_conn *c)
{
	*c = (struct bgp_conn){.peer = p, .dir = BGP_IN, .fd = -1, .state = BGP_ESTABLISHED};
	p->conn[BGP_IN] = c;
	p->fam4 = p->cfg->ipv4;
	p->fam6 = p->cfg->ipv6;
	p->sp = (struct bgp_session_params){
		.as4 = true, .ebgp = p->ebgp, .mp_error_disables_afi = true};
}

static int parse_args(int argc, char **argv, int *sep)
{
	int i = 1;

	for (; i < argc && strncmp(argv[i], "--", 2) == 0 && argv[i][2] != '\0'; i += 2) {
		if (i + 1 >= argc)
			return -1;
		unsigned long v = strtoul(argv[i + 1], NULL, 0);
		if (strcmp(argv[i], "--routes4") == 0)
			opt.max4 = (unsigned)v;
		else if (strcmp(argv[i], "--routes6") == 0)
			opt.max6 = (unsigned)v;
		else if (strcmp(argv[i], "--paths") == 0 && v >= 1 && v <= MAX_PATHS)
			opt.paths = (unsigned)v;
		else if (strcmp(argv[i], "--attr-sets") == 0 && v >= 1)
			opt.attr_sets = (unsigned)v;
		else
			return -1;
	}
	*sep = i;
	while (*sep < argc && strcmp(argv[*sep], "--") != 0)
		(*sep)++;
	return *sep - i == 2 || *sep - i == 3 ? i : -1;
}

int main(int argc, char **argv)
{
	static struct daemon d; /* big */
	struct stream load[MAX_PATHS] = {0}, wd[MAX_PATHS] = {0};
	struct bgp_conn conn[MAX_PATHS];
	unsigned n4, n6;
	int sep, first = parse_args(argc, argv, &sep), ret;

	if (first < 0 || sep == argc) {
		fprintf(stderr, "usage: bench_bgp [--routes4 N] [--routes6 N] [--paths 1..3] "
				"[--attr-sets K] ROUTES4 ROUTES6 [CSV] -- EAL arguments\n");
		return 2;
	}
	const char *csv = sep - first == 3 ? argv[first + 2] : NULL;
	struct prefix *v4 = bench_read_routes("bench_bgp", argv[first], opt.max4, &n4);
	struct prefix *v6 = bench_read_routes("bench_bgp", argv[first + 1], opt.max6, &n6);
	if (v4 == NULL || v6 == NULL || config_make(&d.cfg, n4, n6) < 0)
		return 1;

	argv[sep] = argv[0];
	if (rte_eal_init(argc - sep, argv + sep) < 0) {
		fprintf(stderr, "bench_bgp: EAL init failed\n");
		return 1;
	}
	if ((ret = daemon_make(&d)) < 0) {
		fprintf(stderr, "bench_bgp: setup: %s\n", strerror(-ret));
		return 1;
	}
	struct bgp *b = d.bgp;
	for (unsigned p = 0; p < opt.paths; p++) {
		session_up(&b->peer[p], &conn[p]);
		if (build(&load[p], &b->peer[p].sp, p, v4, n4, false) < 0 ||
		    build(&load[p], &b->peer[p].sp, p, v6, n6, false) < 0 ||
		    build(&wd[p], &b->peer[p].sp, p, v4, n4, true) < 0 ||
		    build(&wd[p], &b->peer[p].sp, p, v6, n6, true) < 0) {
			fprintf(stderr, "bench_bgp: encoding the UPDATEs failed\n");
			return 1;
		}
	}

	struct bench_phase ph[2] = {{.name = "load"}, {.name = "withdraw"}};
	unsigned routes = (n4 + n6) * opt.paths, installed, left;
	int failed = run_phase(&ph[0], conn, load);
	installed = routes_count(d.routes, 0);
	failed |= run_phase(&ph[1], conn, wd);
	left = routes_count(d.routes, 0);
	ph[0].routes = ph[1].routes = routes;

	printf("BGP receive path (bgp_conn_input -> decode -> policy -> RIB -> routes_set), "
	       "%u IPv4 + %u IPv6 prefixes from %u peer(s), %u attribute set(s), "
	       "%u + %u UPDATEs per peer\n",
	       n4, n6, opt.paths, opt.attr_sets, load[0].msgs, wd[0].msgs);
	bench_report_phases(ph, 2, csv);
	printf("received %lu, filtered %lu, route entries after load %u, after withdraw %u, "
	       "FIB errors %lu\n",
	       (unsigned long)b->peer[0].received, (unsigned long)b->peer[0].filtered, installed,
	       left, (unsigned long)bgp_rib_fib_errors(b->rib));
	if (failed)
		printf("a session closed: see the log\n");
	for (unsigned p = 0; p < opt.paths; p++) {
		b->peer[p].conn[BGP_IN] = NULL;
		free(load[p].buf);
		free(wd[p].buf);
	}
	bgp_stop(b);
	routes_free(d.routes);
	fwd_tables_free(&d.tables);
	ev_loop_free(d.ev);
	free(v4);
	free(v6);
	rte_eal_cleanup();
	return failed ? 1 : 0;
}
