/* SPDX-License-Identifier: BSD-3-Clause */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "control/config/config.h"

/*
 * The valid config every error case starts from: one setting per line, so
 * a case replaces line N and expects its error on line N.
 */
/* clang-format off */
static const char *const base[] = {
	/*  1 */ "# test config",
	/*  2 */ "peerfwd: {",
	/*  3 */ "  ctl_socket = \"/tmp/pf.sock\";",
	/*  4 */ "  state_dir = \"/tmp/pf-state\";",
	/*  5 */ "  main_lcore = 0;",
	/*  6 */ "  eal_args = [\"--no-huge\", \"-m\", \"512\"];",
	/*  7 */ "  fib: { max_routes4 = 1000; tbl8_groups4 = 256; };",
	/*  8 */ "  ports = (",
	/*  9 */ "    { name = \"src\"; device = \"net_af_packet0,iface=pf-src\"; mac = \"02:00:00:00:04:01\";",
	/* 10 */ "      addresses = [\"192.0.2.1/24\"]; },",
	/* 11 */ "    { name = \"pri\"; device = \"0000:01:00.0\"; tier = \"primary\"; vlan = 100; mtu = 9000;",
	/* 12 */ "      rx_queues = 2; addresses = [\"198.51.100.1/30\", \"2001:db8:1::1/64\"]; },",
	/* 13 */ "    { name = \"loc\"; device = \"net_af_xdp0,iface=pf-loc,start_queue=0\"; tier = \"local\"; }",
	/* 14 */ "  );",
	/* 15 */ "  workers = (",
	/* 16 */ "    { lcore = 1; rx = [\"src:0\", \"pri:0\", \"loc:0\"]; },",
	/* 17 */ "    { lcore = 2; rx = [\"pri:1\"]; }",
	/* 18 */ "  );",
	/* 19 */ "  nexthops = (",
	/* 20 */ "    { name = \"pri-rtr\"; port = \"pri\"; address = \"198.51.100.2\"; mac = \"02:00:00:00:01:02\"; },",
	/* 21 */ "    { name = \"pri-rtr6\"; port = \"pri\"; address = \"2001:db8:1::2\"; },",
	/* 22 */ "    { name = \"loc-rtr\"; port = \"loc\"; address = \"198.51.100.6\"; }",
	/* 23 */ "  );",
	/* 24 */ "  pathgroups = (",
	/* 25 */ "    { name = \"carrier\"; members = [\"pri-rtr\", \"loc-rtr\"]; },",
	/* 26 */ "    { name = \"carrier6\"; members = [\"pri-rtr6\"]; }",
	/* 27 */ "  );",
	/* 28 */ "  routes = (",
	/* 29 */ "    { prefix = \"0.0.0.0/0\"; pathgroup = \"carrier\"; },",
	/* 30 */ "    { prefix = \"::/0\"; pathgroup = \"carrier6\"; }",
	/* 31 */ "  );",
	/* 32 */ "  registered = (",
	/* 33 */ "    { prefix = \"203.0.113.0/24\"; customer = \"acme\"; },",
	/* 34 */ "    { prefix = \"2001:db8:c000::/48\"; customer = \"acme\"; }",
	/* 35 */ "  );",
	/* 36 */ "  unregistered = \"drop\";",
	/* 37 */ "};",
};
/* clang-format on */
#define BASE_LINES (sizeof(base) / sizeof(base[0]))

static char tmp_path[64];

static void write_text(const char *text)
{
	int fd;
	FILE *f;

	snprintf(tmp_path, sizeof(tmp_path), "/tmp/test_config.XXXXXX");
	fd = mkstemp(tmp_path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* base with line `line` (1-based; 0: none) replaced by `repl`. */
static char *base_with(unsigned line, const char *repl)
{
	static char text[8192];
	size_t n = 0;

	for (unsigned i = 0; i < BASE_LINES; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\n",
				      i + 1 == line ? repl : base[i]);
	assert_true(n < sizeof(text));
	return text;
}

/* Load base with line `line` replaced by `repl` (0: as it is), or fail the
 * test with the loader's error. */
static void load_ok(unsigned line, const char *repl, struct config *cfg)
{
	char err[512];
	int rc;

	write_text(base_with(line, repl));
	rc = config_load(tmp_path, cfg, err, sizeof(err));
	unlink(tmp_path);
	if (rc != 0)
		fail_msg("%s", err);
}

/* Loading text fails with "FILE:eline: setting: ..." and leaves cfg clean. */
static void expect_error_text(const char *text, unsigned eline, const char *setting)
{
	struct config cfg;
	char err[512], want[256];
	int rc;

	write_text(text);
	rc = config_load(tmp_path, &cfg, err, sizeof(err));
	unlink(tmp_path);
	assert_int_equal(rc, -1);
	snprintf(want, sizeof(want), "%s:%u: %s:", tmp_path, eline, setting);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("want prefix \"%s\"\n got \"%s\"", want, err);
	print_message("  ok: %s\n", err + strlen(tmp_path));
	assert_int_equal(cfg.n_ports, 0);
	assert_null(cfg.nexthops);
	config_free(&cfg);
}

/* Replace line `line` of base with `repl`; expect the error on eline. */
static void expect_error(unsigned line, const char *repl, unsigned eline, const char *setting)
{
	expect_error_text(base_with(line, repl), eline, setting);
}

/* Inserts ins into text (of size cap) right after the first anchor. */
static void insert_after(char *text, size_t cap, const char *anchor, const char *ins)
{
	char *p = strstr(text, anchor);

	assert_non_null(p);
	p += strlen(anchor);
	assert_true(strlen(text) + strlen(ins) < cap);
	memmove(p + strlen(ins), p, strlen(p) + 1);
	memcpy(p, ins, strlen(ins));
}

static void test_valid(void **state)
{
	struct config cfg;
	char buf[PREFIX_STRLEN];

	(void)state;
	load_ok(0, NULL, &cfg);
	assert_string_equal(cfg.ctl_socket, "/tmp/pf.sock");
	assert_string_equal(cfg.state_dir, "/tmp/pf-state");
	assert_int_equal(cfg.n_eal_args, 3);
	assert_string_equal(cfg.eal_args[2], "512");
	assert_int_equal(cfg.max_routes4, 1000);
	assert_int_equal(cfg.n_tbl8_4, 256);
	assert_int_equal(cfg.max_routes6, 600000); /* default */
	assert_int_equal(cfg.n_groups6, 1000000);

	assert_int_equal(cfg.n_ports, 3);
	assert_string_equal(cfg.ports[0].name, "src");
	assert_false(cfg.ports[0].is_pci);
	assert_string_equal(cfg.ports[0].iface, "pf-src");
	assert_int_equal(cfg.ports[0].tier, TIER__MAX);
	assert_true(cfg.ports[0].has_mac);
	assert_int_equal(cfg.ports[0].mac.addr_bytes[4], 0x04);
	assert_int_equal(cfg.ports[0].n_rxq, 1);
	assert_int_equal(cfg.ports[0].line, 9);
	assert_true(cfg.ports[1].is_pci);
	assert_string_equal(cfg.ports[1].iface, "");
	assert_int_equal(cfg.ports[1].tier, TIER_PRIMARY);
	assert_false(cfg.ports[1].has_mac);
	assert_int_equal(cfg.ports[1].vlan, 100);
	assert_int_equal(cfg.ports[1].mtu, 9000);
	assert_int_equal(cfg.ports[1].n_rxq, 2);
	assert_int_equal(cfg.ports[1].n_addrs, 2);
	/* interface addresses keep their host bits */
	assert_string_equal(prefix_format(&cfg.ports[1].addrs[0], buf, sizeof(buf)),
			    "198.51.100.1/30");
	assert_string_equal(cfg.ports[2].iface, "pf-loc");
	assert_int_equal(cfg.ports[2].tier, TIER_LOCAL);

	assert_int_equal(cfg.n_workers, 2);
	assert_int_equal(cfg.workers[0].lcore, 1);
	assert_int_equal(cfg.workers[0].n_rxq, 3);
	assert_int_equal(cfg.workers[0].rxq[2].port, 2);
	assert_int_equal(cfg.workers[1].rxq[0].port, 1);
	assert_int_equal(cfg.workers[1].rxq[0].queue, 1);

	assert_int_equal(cfg.n_nexthops, 3);
	assert_int_equal(config_nexthop_index(&cfg, "pri-rtr6"), 1);
	assert_true(cfg.nexthops[0].has_mac);
	assert_false(cfg.nexthops[1].has_mac);
	assert_int_equal(cfg.nexthops[1].addr.family, AF_INET6);
	assert_int_equal(cfg.nexthops[2].port, 2);

	assert_int_equal(cfg.n_pathgroups, 2);
	assert_int_equal(cfg.pathgroups[0].n_members, 2);
	assert_int_equal(cfg.pathgroups[0].members[1], 2);
	assert_int_equal(config_pathgroup_index(&cfg, "carrier6"), 1);
	assert_int_equal(config_pathgroup_index(&cfg, "nope"), -1);
	assert_int_equal(config_port_index(&cfg, "loc"), 2);

	assert_int_equal(cfg.n_routes, 2);
	assert_int_equal(cfg.routes[1].pathgroup, 1);
	assert_int_equal(cfg.routes[1].prefix.len, 0);
	assert_int_equal(cfg.n_registered, 2);
	assert_string_equal(cfg.registered[1].customer, "acme");
	assert_string_equal(prefix_format(&cfg.registered[1].prefix, buf, sizeof(buf)),
			    "2001:db8:c000::/48");
	assert_int_equal(cfg.unreg_policy, UNREG_DROP);
	config_free(&cfg);
	config_free(&cfg); /* freeing twice is harmless */
}

static void test_defaults_and_unreg_pathgroup(void **state)
{
	struct config cfg;

	(void)state;
	/* no ctl_socket: the default stays; unregistered traffic to a group */
	load_ok(36, "  unregistered = \"carrier6\";", &cfg);
	assert_int_equal(cfg.unreg_policy, UNREG_PATHGROUP);
	assert_int_equal(cfg.unreg_pathgroup, 1);
	config_free(&cfg);

	load_ok(3, "  # default socket", &cfg);
	assert_string_equal(cfg.ctl_socket, "/run/peerfwd/ctl.sock");
	config_free(&cfg);
}

/* link_poll_ms: default, set, out of range. */
static void test_link_poll(void **state)
{
	struct config cfg;

	(void)state;
	load_ok(0, NULL, &cfg);
	assert_int_equal(cfg.link_poll_ms, CFG_LINK_POLL_MS);
	config_free(&cfg);
	load_ok(5, "  main_lcore = 0; link_poll_ms = 60000;", &cfg);
	assert_int_equal(cfg.link_poll_ms, 60000);
	config_free(&cfg);
	expect_error(5, "  main_lcore = 0; link_poll_ms = 0;", 5, "link_poll_ms");
	expect_error(5, "  main_lcore = 0; link_poll_ms = 60001;", 5, "link_poll_ms");
}

/* icmp_rate: default, off, set, out of range, wrong type. */
static void test_icmp_rate(void **state)
{
	struct config cfg;

	(void)state;
	load_ok(0, NULL, &cfg);
	assert_int_equal(cfg.icmp_rate, CFG_ICMP_RATE);
	config_free(&cfg);
	load_ok(5, "  main_lcore = 0; icmp_rate = 0;", &cfg);
	assert_int_equal(cfg.icmp_rate, 0);
	config_free(&cfg);
	load_ok(5, "  main_lcore = 0; icmp_rate = 250;", &cfg);
	assert_int_equal(cfg.icmp_rate, 250);
	config_free(&cfg);
	expect_error(5, "  main_lcore = 0; icmp_rate = 1000001;", 5, "icmp_rate");
	expect_error(5, "  main_lcore = 0; icmp_rate = -1;", 5, "icmp_rate");
	expect_error(5, "  main_lcore = 0; icmp_rate = \"fast\";", 5, "icmp_rate");
}

/* punt_rate and peer_punt_rate: 0 (no limit) to 10M a second per worker */
static void test_punt_rate(void **state)
{
	static const char *const keys[] = {"punt_rate", "peer_punt_rate"};
	char line[96];
	struct config cfg;

	(void)state;
	load_ok(0, NULL, &cfg);
	assert_int_equal(cfg.punt_rate, CFG_PUNT_RATE);
	assert_int_equal(cfg.peer_punt_rate, CFG_PEER_PUNT_RATE);
	config_free(&cfg);
	for (unsigned k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		uint32_t *field = k == 0 ? &cfg.punt_rate : &cfg.peer_punt_rate;
		uint32_t *other = k == 0 ? &cfg.peer_punt_rate : &cfg.punt_rate;
		snprintf(line, sizeof(line), "  main_lcore = 0; %s = 0;", keys[k]);
		load_ok(5, line, &cfg);
		assert_int_equal(*field, 0);
		assert_int_equal(*other, k == 0 ? CFG_PEER_PUNT_RATE : CFG_PUNT_RATE);
		config_free(&cfg);
		snprintf(line, sizeof(line), "  main_lcore = 0; %s = 10000000;", keys[k]);
		load_ok(5, line, &cfg);
		assert_int_equal(*field, 10000000);
		config_free(&cfg);
		snprintf(line, sizeof(line), "  main_lcore = 0; %s = 10000001;", keys[k]);
		expect_error(5, line, 5, keys[k]);
		snprintf(line, sizeof(line), "  main_lcore = 0; %s = true;", keys[k]);
		expect_error(5, line, 5, keys[k]);
	}
}

/* xdp_program: the built program by default, "" for the af_xdp PMD's own;
 * an af_xdp port that would load one that is not there names it. */
static void test_xdp_program(void **state)
{
	struct config cfg;

	(void)state;
	load_ok(0, NULL, &cfg);
	assert_string_equal(cfg.xdp_program, PEERFWD_XDP_PROG);
	assert_true(config_xdp_ours(&cfg, &cfg.ports[2]));  /* loc: af_xdp */
	assert_false(config_xdp_ours(&cfg, &cfg.ports[0])); /* af_packet */
	config_free(&cfg);
	load_ok(5, "  main_lcore = 0; xdp_program = \"\";", &cfg);
	assert_string_equal(cfg.xdp_program, "");
	assert_false(config_xdp_ours(&cfg, &cfg.ports[2]));
	config_free(&cfg);
	load_ok(13,
		"    { name = \"loc\"; device = \"net_af_xdp0,iface=pf-loc,xdp_prog=/mine.o\"; "
		"tier = \"local\"; }",
		&cfg);
	assert_false(config_xdp_ours(&cfg, &cfg.ports[2])); /* its own */
	config_free(&cfg);
	expect_error(5, "  main_lcore = 0; xdp_program = \"peerfwd_xdp.o\";", 5, "xdp_program");
	expect_error(5, "  main_lcore = 0; xdp_program = 1;", 5, "xdp_program");
	expect_error(5, "  main_lcore = 0; xdp_program = \"/nonexistent/peerfwd_xdp.o\";", 13,
		     "ports[2].device");
}

static void test_bfd(void **state)
{
	struct config cfg;

	(void)state;
	load_ok(0, NULL, &cfg);
	assert_false(cfg.nexthops[2].bfd);
	config_free(&cfg);
	load_ok(22,
		"    { name = \"loc-rtr\"; port = \"src\"; address = \"192.0.2.9\"; bfd = true;"
		" bfd_interval_ms = 50; bfd_multiplier = 5; }",
		&cfg);
	assert_true(cfg.nexthops[2].bfd);
	assert_int_equal(cfg.nexthops[2].bfd_interval_ms, 50);
	assert_int_equal(cfg.nexthops[2].bfd_multiplier, 5);
	config_free(&cfg);
	load_ok(22,
		"    { name = \"loc-rtr\"; port = \"src\"; address = \"192.0.2.9\"; bfd = true; }",
		&cfg);
	assert_int_equal(cfg.nexthops[2].bfd_interval_ms, CFG_BFD_INTERVAL_MS);
	assert_int_equal(cfg.nexthops[2].bfd_multiplier, CFG_BFD_MULTIPLIER);
	config_free(&cfg);
	/* a PCI port without its exception path has no kernel interface */
	char text[8192];
	snprintf(text, sizeof(text), "%s",
		 base_with(11, "    { name = \"pri\"; device = \"0000:01:00.0\"; tier = "
			       "\"primary\"; vlan = 100; mtu = 9000; exception = false;"));
	insert_after(text, sizeof(text), "mac = \"02:00:00:00:01:02\";", " bfd = true;");
	expect_error_text(text, 20, "nexthops[0].bfd");
	/* no address of the family to send from */
	expect_error(22,
		     "    { name = \"loc-rtr\"; port = \"loc\"; address = \"198.51.100.6\"; bfd = "
		     "true; }",
		     22, "nexthops[2].bfd");
	expect_error(
		22,
		"    { name = \"loc-rtr\"; port = \"src\"; address = \"192.0.2.9\"; bfd = true;"
		" bfd_interval_ms = 5; }",
		22, "nexthops[2].bfd_interval_ms");
	expect_error(
		22,
		"    { name = \"loc-rtr\"; port = \"src\"; address = \"192.0.2.9\"; bfd = true;"
		" bfd_multiplier = 0; }",
		22, "nexthops[2].bfd_multiplier");
	expect_error(22,
		     "    { name = \"loc-rtr\"; port = \"src\"; address = \"192.0.2.9\";"
		     " bfd_multiplier = 4; }",
		     22, "nexthops[2].bfd_multiplier");
	expect_error(
		22, "    { name = \"loc-rtr\"; port = \"src\"; address = \"192.0.2.9\"; bfd = 1; }",
		22, "nexthops[2].bfd");

	/* A VLAN port's kernel interface is untagged: its neighbour table
	 * cannot give a next hop's MAC, nor can BFD run there. loc-rtr (line
	 * 22, no mac) is on loc (line 13), here given a VLAN. */
	const char *loc_vlan = "    { name = \"loc\"; device = \"net_af_xdp0,iface=pf-loc\"; "
			       "tier = \"local\"; vlan = 7; addresses = [\"198.51.100.5/30\"]; }";
	expect_error(13, loc_vlan, 22, "nexthops[2].mac");
	snprintf(text, sizeof(text), "%s", base_with(13, loc_vlan));
	insert_after(text, sizeof(text), "address = \"198.51.100.6\";",
		     " mac = \"02:00:00:00:02:02\"; bfd = true;");
	expect_error_text(text, 22, "nexthops[2].bfd");
}

/* bfd_auth, bfd_key_id, bfd_secret: a BFD session's authentication */
static void test_bfd_auth(void **state)
{
#define LOC_BFD "    { name = \"loc-rtr\"; port = \"src\"; address = \"192.0.2.9\"; bfd = true;"
	struct config cfg;

	(void)state;
	load_ok(22, LOC_BFD " }", &cfg);
	assert_int_equal(cfg.nexthops[2].bfd_auth.type, BFD_AUTH_NONE);
	config_free(&cfg);
	load_ok(22,
		LOC_BFD " bfd_auth = \"meticulous-keyed-sha1\"; bfd_key_id = 9;"
			" bfd_secret = \"20-characters-secret\"; }",
		&cfg);
	assert_int_equal(cfg.nexthops[2].bfd_auth.type, BFD_AUTH_METICULOUS_SHA1);
	assert_int_equal(cfg.nexthops[2].bfd_auth.n_keys, 1);
	assert_int_equal(cfg.nexthops[2].bfd_auth.keys[0].id, 9);
	assert_int_equal(cfg.nexthops[2].bfd_auth.keys[0].len, 20);
	assert_memory_equal(cfg.nexthops[2].bfd_auth.keys[0].key, "20-characters-secret", 20);
	config_free(&cfg);
	load_ok(22, LOC_BFD " bfd_auth = \"simple\"; bfd_secret = \"pw\"; }", &cfg);
	assert_int_equal(cfg.nexthops[2].bfd_auth.type, BFD_AUTH_SIMPLE);
	assert_int_equal(cfg.nexthops[2].bfd_auth.keys[0].id, 1); /* the default */
	config_free(&cfg);
	load_ok(22, LOC_BFD " bfd_auth = \"none\"; }", &cfg);
	assert_int_equal(cfg.nexthops[2].bfd_auth.type, BFD_AUTH_NONE);
	config_free(&cfg);

	expect_error(22, LOC_BFD " bfd_auth = \"sha256\"; bfd_secret = \"x\"; }", 22,
		     "nexthops[2].bfd_auth");
	expect_error(22, LOC_BFD " bfd_auth = \"keyed-md5\"; }", 22, "nexthops[2].bfd_auth");
	/* 17 characters: too many for MD5, not for SHA1 */
	expect_error(22, LOC_BFD " bfd_auth = \"keyed-md5\"; bfd_secret = \"17-character-key!\"; }",
		     22, "nexthops[2].bfd_secret");
	load_ok(22, LOC_BFD " bfd_auth = \"keyed-sha1\"; bfd_secret = \"17-character-key!\"; }",
		&cfg);
	config_free(&cfg);
	expect_error(22, LOC_BFD " bfd_auth = \"keyed-md5\"; bfd_secret = \"\"; }", 22,
		     "nexthops[2].bfd_secret");
	expect_error(22,
		     LOC_BFD " bfd_auth = \"keyed-md5\"; bfd_secret = \"k\"; bfd_key_id = 256; }",
		     22, "nexthops[2].bfd_key_id");
	expect_error(22, LOC_BFD " bfd_secret = \"k\"; }", 22, "nexthops[2].bfd_secret");

	/* bfd_accept: more keys taken on receipt (a rollover) */
	load_ok(22,
		LOC_BFD " bfd_auth = \"keyed-md5\"; bfd_key_id = 2; bfd_secret = \"new\";"
			" bfd_accept = ( { key_id = 1; secret = \"old\"; } ); }",
		&cfg);
	assert_int_equal(cfg.nexthops[2].bfd_auth.n_keys, 2);
	assert_int_equal(cfg.nexthops[2].bfd_auth.keys[0].id, 2); /* signs with it */
	assert_int_equal(cfg.nexthops[2].bfd_auth.keys[1].id, 1);
	assert_memory_equal(cfg.nexthops[2].bfd_auth.keys[1].key, "old", 3);
	config_free(&cfg);
	expect_error(22,
		     LOC_BFD " bfd_auth = \"keyed-md5\"; bfd_secret = \"new\";"
			     " bfd_accept = ( { key_id = 1; secret = \"old\"; } ); }",
		     22, "nexthops[2].bfd_accept[0]"); /* 1 is bfd_key_id's default */
	expect_error(22,
		     LOC_BFD " bfd_auth = \"keyed-md5\"; bfd_secret = \"new\";"
			     " bfd_accept = ( { key_id = 3; } ); }",
		     22, "nexthops[2].bfd_accept[0]");
	expect_error(22,
		     LOC_BFD " bfd_auth = \"keyed-md5\"; bfd_secret = \"new\";"
			     " bfd_accept = ( { key_id = 3; secret = \"17-character-key!\"; } ); }",
		     22, "nexthops[2].bfd_accept[0].secret");
	expect_error(22,
		     LOC_BFD
		     " bfd_auth = \"keyed-md5\"; bfd_secret = \"new\";"
		     " bfd_accept = ( { key_id = 3; secret = \"a\"; }, { key_id = 4; secret ="
		     " \"b\"; }, { key_id = 5; secret = \"c\"; }, { key_id = 6; secret = "
		     "\"d\"; } ); }",
		     22, "nexthops[2].bfd_accept");
	expect_error(22, LOC_BFD " bfd_accept = ( { key_id = 3; secret = \"a\"; } ); }", 22,
		     "nexthops[2].bfd_accept");
	expect_error(22, LOC_BFD " bfd_key_id = 2; }", 22, "nexthops[2].bfd_key_id");
	expect_error(22,
		     "    { name = \"loc-rtr\"; port = \"src\"; address = \"192.0.2.9\";"
		     " bfd_auth = \"simple\"; bfd_secret = \"k\"; }",
		     22, "nexthops[2].bfd_auth");
#undef LOC_BFD
}

/* exception: on by default for a PCI port; its TAP (pf-NAME or
 * exception_iface) is then the port's kernel interface (kiface), the VLAN's
 * own on a VLAN port. */
static void test_exception(void **state)
{
	const char *pci = "    { name = \"pri\"; device = \"0000:01:00.0\"; tier = \"primary\";";
	struct config cfg;
	char text[8192], err[512];

	(void)state;
	load_ok(0, NULL, &cfg);
	assert_false(cfg.ports[0].exception); /* a vdev */
	assert_string_equal(cfg.ports[0].kiface, "pf-src");
	assert_true(cfg.ports[1].exception); /* PCI, on VLAN 100 */
	assert_string_equal(cfg.ports[1].kiface, "pf-pri");
	config_free(&cfg);
	/* BFD runs there, VLAN or not */
	snprintf(text, sizeof(text), "%s", base_with(0, NULL));
	insert_after(text, sizeof(text), "mac = \"02:00:00:00:01:02\";", " bfd = true;");
	write_text(text);
	if (config_load(tmp_path, &cfg, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	unlink(tmp_path);
	assert_true(cfg.nexthops[0].bfd);
	config_free(&cfg);

	snprintf(text, sizeof(text), "%s exception = false;", pci);
	load_ok(11, text, &cfg);
	assert_false(cfg.ports[1].exception);
	assert_string_equal(cfg.ports[1].kiface, "");
	config_free(&cfg);

	load_ok(9,
		"    { name = \"src\"; device = \"net_af_packet0,iface=pf-src\"; exception = "
		"true; exception_iface = \"tap-src\";",
		&cfg);
	assert_true(cfg.ports[0].exception);
	assert_string_equal(cfg.ports[0].kiface, "tap-src");
	assert_string_equal(cfg.ports[0].iface, "pf-src");
	config_free(&cfg);

	/* the default name does not fit */
	expect_error(11,
		     "    { name = \"primary-link1\"; device = \"0000:01:00.0\"; tier = "
		     "\"primary\";",
		     11, "ports[1].exception");
	snprintf(text, sizeof(text), "%s exception = false; exception_iface = \"t0\";", pci);
	expect_error(11, text, 11, "ports[1].exception_iface");
	snprintf(text, sizeof(text), "%s exception_iface = \"pf-src\";", pci);
	expect_error(11, text, 11, "ports[1].exception_iface");
	snprintf(text, sizeof(text), "%s exception = \"yes\";", pci);
	expect_error(11, text, 11, "ports[1].exception");
	snprintf(text, sizeof(text), "%s exception_iface = \"a-name-of-16-chr\";", pci);
	expect_error(11, text, 11, "ports[1].exception_iface");
	snprintf(text, sizeof(text), "%s exception_iface = \"t0,mac=x\";", pci);
	expect_error(11, text, 11, "ports[1].exception_iface");
}

static void test_err_syntax(void **state)
{
	(void)state;
	expect_error(5, "  main_lcore = = 0;", 5, "syntax");
}

static void test_err_missing_file(void **state)
{
	struct config cfg;
	char err[512];

	(void)state;
	assert_int_equal(config_load("/nonexistent/pf.cfg", &cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/pf.cfg: No such file or directory");
}

static void test_err_missing_ports(void **state)
{
	(void)state;
	expect_error_text("# nothing\npeerfwd: {\n  main_lcore = 0;\n};\n", 2, "ports");
	expect_error_text("peerfwd: {\n  ports = ();\n};\n", 2, "ports");
	expect_error_text("peerfwd: {\n\n  ports = \"pri\";\n};\n", 3, "ports");
	expect_error_text("peerfwd = 1;\n", 1, "peerfwd");
}

static void test_err_missing_peerfwd(void **state)
{
	(void)state;
	expect_error(2, "peerfwd_typo: {", 2, "peerfwd_typo");
}

static void test_err_device(void **state)
{
	(void)state;
	expect_error(11, "{ name = \"pri\"; device = \"01:00.0\";", 11, "ports[1].device");
	expect_error(11, "{ name = \"pri\"; device = \"eth0\";", 11, "ports[1].device");
	expect_error(11, "{ name = \"pri\"; device = \"0000:01:20.0\";", 11, "ports[1].device");
	/* af_packet needs iface= */
	expect_error(9, "{ name = \"src\"; device = \"net_af_packet0\";", 9, "ports[0].device");
	expect_error(9,
		     "{ name = \"src\"; device = \"net_af_packet0,iface=averyveryverylongname\";",
		     9, "ports[0].device");
	/* the same device twice */
	expect_error(11, "{ name = \"pri\"; device = \"net_af_packet0,iface=pf-src\";", 11,
		     "ports[1].device");
}

static void test_err_tier(void **state)
{
	(void)state;
	expect_error(13, "{ name = \"loc\"; device = \"net_null0\"; tier = \"secondary\"; }", 13,
		     "ports[2].tier");
}

static void test_err_mac(void **state)
{
	(void)state;
	expect_error(9, "{ name = \"src\"; device = \"net_null0\"; mac = \"02:00:00:00:04\";", 9,
		     "ports[0].mac");
	expect_error(9, "{ name = \"src\"; device = \"net_null0\"; mac = \"02:00:00:00:04:0g\";", 9,
		     "ports[0].mac");
	expect_error(9, "{ name = \"src\"; device = \"net_null0\"; mac = \"01:00:5e:00:00:01\";", 9,
		     "ports[0].mac");
	expect_error(20,
		     "{ name = \"pri-rtr\"; port = \"pri\"; address = \"198.51.100.2\"; "
		     "mac = \"2:0:0:0:1:2\"; },",
		     20, "nexthops[0].mac");
}

static void test_err_prefix(void **state)
{
	(void)state;
	expect_error(10, "addresses = [\"192.0.2.1/33\"]; },", 10, "ports[0].addresses[0]");
	expect_error(10, "addresses = [\"192.0.2.1\"]; },", 10, "ports[0].addresses[0]");
	expect_error(33, "{ prefix = \"203.0.113.0/24x\"; },", 33, "registered[0].prefix");
}

static void test_err_host_bits(void **state)
{
	(void)state;
	expect_error(29, "{ prefix = \"10.0.0.1/8\"; pathgroup = \"carrier\"; },", 29,
		     "routes[0].prefix");
	expect_error(34, "{ prefix = \"2001:db8:c000::1/48\"; }", 34, "registered[1].prefix");
}

static void test_err_duplicate_prefix(void **state)
{
	(void)state;
	expect_error(34, "{ prefix = \"203.0.113.0/24\"; customer = \"other\"; }", 34,
		     "registered[1].prefix");
	expect_error(30, "{ prefix = \"0.0.0.0/0\"; pathgroup = \"carrier6\"; }", 30,
		     "routes[1].prefix");
}

static void test_err_unknown_pathgroup(void **state)
{
	(void)state;
	expect_error(30, "{ prefix = \"::/0\"; pathgroup = \"carrier7\"; }", 30,
		     "routes[1].pathgroup");
}

static void test_err_unknown_nexthop(void **state)
{
	(void)state;
	expect_error(26, "{ name = \"carrier6\"; members = [\"pri-rtr6\", \"pri-rtr7\"]; }", 26,
		     "pathgroups[1].members[1]");
}

static void test_err_unknown_port(void **state)
{
	(void)state;
	expect_error(21, "{ name = \"pri-rtr6\"; port = \"geo\"; address = \"2001:db8:1::2\"; },",
		     21, "nexthops[1].port");
	expect_error(17, "{ lcore = 2; rx = [\"pr:1\"]; }", 17, "workers[1].rx[0]");
}

static void test_err_duplicate_names(void **state)
{
	(void)state;
	expect_error(22, "{ name = \"pri-rtr\"; port = \"loc\"; address = \"198.51.100.6\"; }", 22,
		     "nexthops[2].name");
	expect_error(13, "{ name = \"src\"; device = \"net_null0\"; }", 13, "ports[2].name");
	expect_error(26, "{ name = \"carrier\"; members = [\"pri-rtr6\"]; }", 26,
		     "pathgroups[1].name");
	expect_error(13, "{ name = \"lo:c\"; device = \"net_null0\"; }", 13, "ports[2].name");
}

static void test_err_members(void **state)
{
	(void)state;
	expect_error(25,
		     "{ name = \"carrier\"; members = [\"pri-rtr\", \"loc-rtr\", \"pri-rtr6\", "
		     "\"pri-rtr\", \"loc-rtr\"]; },",
		     25, "pathgroups[0].members");
	expect_error(25, "{ name = \"carrier\"; members = []; },", 25, "pathgroups[0].members");
	expect_error(25, "{ name = \"carrier\"; members = [\"pri-rtr\", \"pri-rtr\"]; },", 25,
		     "pathgroups[0].members[1]");
	expect_error(25, "{ name = \"carrier\"; },", 25, "pathgroups[0].members");
}

static void test_err_unknown_setting(void **state)
{
	(void)state;
	expect_error(13, "{ name = \"loc\"; device = \"net_null0\"; tiers = \"local\"; }", 13,
		     "ports[2].tiers");
	expect_error(36, "  unregisterd = \"drop\";", 36, "unregisterd");
	expect_error(7, "  fib: { max_route4 = 1000; };", 7, "fib.max_route4");
	expect_error(37, "}; extra = 1;", 37, "extra");
}

static void test_err_wrong_type(void **state)
{
	(void)state;
	expect_error(5, "  main_lcore = \"0\";", 5, "main_lcore");
	expect_error(11, "{ name = \"pri\"; device = \"0000:01:00.0\"; vlan = \"100\";", 11,
		     "ports[1].vlan");
	expect_error(12, "rx_queues = 2; addresses = \"198.51.100.1/30\"; },", 12,
		     "ports[1].addresses");
	expect_error(7, "  fib = 5;", 7, "fib");
	expect_error(6, "  eal_args = [1, 2];", 6, "eal_args[0]");
	expect_error(11, "{ name = \"pri\"; device = \"0000:01:00.0\"; vlan = 4095;", 11,
		     "ports[1].vlan");
	expect_error(3, "  ctl_socket = \"relative.sock\";", 3, "ctl_socket");
}

static void test_err_missing_setting(void **state)
{
	(void)state;
	/* a missing setting is reported at its group's line */
	expect_error(22, "{ name = \"loc-rtr\"; port = \"loc\"; }", 22, "nexthops[2].address");
	expect_error(13, "{ name = \"loc\"; tier = \"local\"; }", 13, "ports[2].device");
}

static void test_err_nexthop_family(void **state)
{
	(void)state;
	expect_error(20, "{ name = \"pri-rtr\"; port = \"src\"; address = \"2001:db8::2\"; },", 20,
		     "nexthops[0].address");
	expect_error(20, "{ name = \"pri-rtr\"; port = \"src\"; address = \"192.0.2.300\"; },", 20,
		     "nexthops[0].address");
}

static void test_err_port_not_polled(void **state)
{
	(void)state;
	expect_error(16, "{ lcore = 1; rx = [\"src:0\", \"pri:0\"]; },", 13, "ports[2]");
	/* rx_queues = 2 but nobody polls queue 1 */
	expect_error(17, "{ lcore = 2; rx = [\"src:1\"]; }", 12, "ports[1].rx_queues");
	/* derived queue count with a hole */
	expect_error(17, "{ lcore = 2; rx = [\"pri:1\", \"loc:2\"]; }", 13, "ports[2]");
}

static void test_err_queue_twice(void **state)
{
	(void)state;
	expect_error(17, "{ lcore = 2; rx = [\"pri:1\", \"pri:0\"]; }", 17, "workers[1].rx[1]");
	expect_error(17, "{ lcore = 2; rx = [\"pri:1\", \"pri:2\"]; }", 17, "workers[1].rx[1]");
	expect_error(17, "{ lcore = 2; rx = [\"pri\"]; }", 17, "workers[1].rx[0]");
}

static void test_err_lcore(void **state)
{
	(void)state;
	expect_error(17, "{ lcore = 0; rx = [\"pri:1\"]; }", 17, "workers[1].lcore");
	expect_error(17, "{ lcore = 1; rx = [\"pri:1\"]; }", 17, "workers[1].lcore");
	expect_error(17, "{ rx = [\"pri:1\"]; }", 17, "workers[1].lcore");
}

static void test_err_unregistered(void **state)
{
	(void)state;
	expect_error(36, "  unregistered = \"forward\";", 36, "unregistered");
}

/* --- bgp: base with this section after line 36 (lines 37..52) --- */

/* clang-format off */
static const char *const bgp_lines[] = {
	/* 37 */ "  bgp: {",
	/* 38 */ "    asn = 64500;",
	/* 39 */ "    router_id = \"198.51.100.1\";",
	/* 40 */ "    service_prefixes = [\"192.0.2.0/24\", \"2001:db8:ff::/48\"];",
	/* 41 */ "    policies = (",
	/* 42 */ "      { name = \"carrier\"; max_prefixes = 100; restart_after = 30;",
	/* 43 */ "        ipv4_lengths = [8, 24]; bogons = false;",
	/* 44 */ "        local_pref = { primary = 300; local = 250; }; }",
	/* 45 */ "    );",
	/* 46 */ "    peers = (",
	/* 47 */ "      { name = \"pri4\"; port = \"pri\"; address = \"198.51.100.2\"; remote_as = 64496;",
	/* 48 */ "        policy = \"carrier\"; hold_time = 30; md5 = \"secret\"; ttl_security = true; },",
	/* 49 */ "      { name = \"pri6\"; port = \"pri\"; address = \"2001:db8:1::2\"; remote_as = 64496;",
	/* 50 */ "        families = [\"ipv4\", \"ipv6\"]; passive = true; }",
	/* 51 */ "    );",
	/* 52 */ "  };",
};
/* clang-format on */

/* base plus the bgp section, its line `line` (37..52; 0 none) replaced. */
static char *bgp_with(unsigned line, const char *repl)
{
	static char text[16384];
	size_t n = 0;

	for (unsigned i = 0; i < BASE_LINES - 1; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\n", base[i]);
	for (unsigned i = 0; i < sizeof(bgp_lines) / sizeof(bgp_lines[0]); i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\n",
				      i + 37 == line ? repl : bgp_lines[i]);
	n += (size_t)snprintf(text + n, sizeof(text) - n, "};\n");
	assert_true(n < sizeof(text));
	return text;
}

static void test_bgp_valid(void **state)
{
	struct config cfg;
	char err[512];
	int rc;

	(void)state;
	write_text(bgp_with(0, NULL));
	rc = config_load(tmp_path, &cfg, err, sizeof(err));
	unlink(tmp_path);
	if (rc != 0)
		fail_msg("%s", err);
	const struct cfg_bgp *b = &cfg.bgp;
	assert_true(b->enabled);
	assert_int_equal(b->asn, 64500);
	assert_int_equal(b->router_id, 0xc6336401);
	assert_int_equal(b->n_service, 2);
	assert_int_equal(b->n_policies, 1);
	assert_int_equal(b->policies[0].max_prefixes, 100);
	assert_int_equal(b->policies[0].restart_after, 30);
	assert_int_equal(b->policies[0].min_len4, 8);
	assert_int_equal(b->policies[0].max_len4, 24);
	assert_int_equal(b->policies[0].max_len6, 128);
	assert_false(b->policies[0].bogons);
	assert_int_equal(b->policies[0].local_pref[TIER_LOCAL], 250);
	assert_int_equal(b->policies[0].local_pref[TIER_GEO], 100); /* default */
	assert_int_equal(b->n_peers, 2);
	assert_int_equal(b->peers[0].port, 1);
	assert_int_equal(b->peers[0].policy, 0);
	assert_int_equal(b->peers[0].hold_time, 30);
	assert_string_equal(b->peers[0].md5, "secret");
	assert_true(b->peers[0].ttl_security);
	assert_true(b->peers[0].ipv4);
	assert_false(b->peers[0].ipv6);
	assert_int_equal(b->peers[1].policy, -1);
	assert_int_equal(b->peers[1].hold_time, 90);
	assert_true(b->peers[1].passive);
	assert_true(b->peers[1].ipv4 && b->peers[1].ipv6);
	assert_int_equal(config_bgp_peer_index(&cfg, "pri6"), 1);
	config_free(&cfg);

	/* no bgp section: disabled */
	load_ok(0, NULL, &cfg);
	assert_false(cfg.bgp.enabled);
	config_free(&cfg);
}

/* open_hold_time and send_hold_time: defaults, set, out of range. */
static void test_bgp_stall_timers(void **state)
{
	struct config cfg;
	char err[512];
	int rc;

	(void)state;
	write_text(bgp_with(48, "        policy = \"carrier\"; open_hold_time = 3; "
				"send_hold_time = 65535; },"));
	rc = config_load(tmp_path, &cfg, err, sizeof(err));
	unlink(tmp_path);
	if (rc != 0)
		fail_msg("%s", err);
	assert_int_equal(cfg.bgp.peers[0].open_hold_time, 3);
	assert_int_equal(cfg.bgp.peers[0].send_hold_time, 65535);
	/* unset: RFC 4271's 4 minutes; 0 leaves RFC 9687's rule to the session */
	assert_int_equal(cfg.bgp.peers[1].open_hold_time, CFG_BGP_OPEN_HOLD_S);
	assert_int_equal(cfg.bgp.peers[1].open_hold_time, 240);
	assert_int_equal(cfg.bgp.peers[1].send_hold_time, 0);
	config_free(&cfg);

	expect_error_text(bgp_with(48, "        policy = \"carrier\"; open_hold_time = 0; },"), 48,
			  "bgp.peers[0].open_hold_time");
	expect_error_text(bgp_with(48, "        policy = \"carrier\"; open_hold_time = 2; },"), 48,
			  "bgp.peers[0].open_hold_time");
	expect_error_text(bgp_with(50, "        passive = true; send_hold_time = 0; }"), 50,
			  "bgp.peers[1].send_hold_time");
	expect_error_text(bgp_with(50, "        passive = true; send_hold_time = 65536; }"), 50,
			  "bgp.peers[1].send_hold_time");
	expect_error_text(bgp_with(50, "        passive = true; send_hold_time = \"8m\"; }"), 50,
			  "bgp.peers[1].send_hold_time");
	expect_error_text(bgp_with(48, "        policy = \"carrier\"; open_hold_time = -1; },"), 48,
			  "bgp.peers[0].open_hold_time");
}

static void test_bgp_errors(void **state)
{
	(void)state;
	expect_error_text(bgp_with(38, "    asn = 23456;"), 38, "bgp.asn");
	expect_error_text(bgp_with(38, "    asn = 0;"), 38, "bgp.asn");
	expect_error_text(bgp_with(39, "    router_id = \"2001:db8::1\";"), 39, "bgp.router_id");
	expect_error_text(bgp_with(39, "    router_id = \"0.0.0.0\";"), 39, "bgp.router_id");
	expect_error_text(bgp_with(39, ""), 37, "bgp.router_id");
	expect_error_text(bgp_with(40, "    service_prefixes = [\"192.0.2.1/24\"];"), 40,
			  "bgp.service_prefixes[0]");
	expect_error_text(bgp_with(43, "        ipv4_lengths = [24, 8]; bogons = false;"), 43,
			  "bgp.policies[0].ipv4_lengths");
	expect_error_text(bgp_with(43, "        ipv4_lengths = [8, 33]; bogons = false;"), 43,
			  "bgp.policies[0].ipv4_lengths");
	expect_error_text(bgp_with(43, "        ipv4_lengths = [8, 24]; bogons = 1;"), 43,
			  "bgp.policies[0].bogons");
	expect_error_text(bgp_with(44, "        local_pref = { backup = 1; }; }"), 44,
			  "bgp.policies[0].local_pref.backup");
	expect_error_text(
		bgp_with(47, "      { name = \"pri4\"; port = \"pri\"; address = \"198.51.100.9\"; "
			     "remote_as = 64496;"),
		47, "bgp.peers[0].address");
	expect_error_text(
		bgp_with(47, "      { name = \"pri4\"; port = \"pri\"; address = \"198.51.100.1\"; "
			     "remote_as = 64496;"),
		47, "bgp.peers[0].address");
	expect_error_text(
		bgp_with(47,
			 "      { name = \"pri4\"; port = \"nope\"; address = \"198.51.100.2\"; "
			 "remote_as = 64496;"),
		47, "bgp.peers[0].port");
	expect_error_text(bgp_with(48, "        policy = \"strict\"; },"), 48,
			  "bgp.peers[0].policy");
	expect_error_text(bgp_with(48, "        policy = \"carrier\"; hold_time = 2; },"), 48,
			  "bgp.peers[0].hold_time");
	expect_error_text(bgp_with(48, "        policy = \"carrier\"; ttl_security = \"yes\"; },"),
			  48, "bgp.peers[0].ttl_security");
	expect_error_text(bgp_with(50, "        families = [\"ipx\"]; }"), 50,
			  "bgp.peers[1].families[0]");
	expect_error_text(bgp_with(50, "        foo = 1; }"), 50, "bgp.peers[1].foo");
	expect_error_text(
		bgp_with(49,
			 "      { name = \"pri6\"; port = \"pri\"; address = \"2001:db8:1::2\";"),
		49, "bgp.peers[1].remote_as");
	expect_error_text(
		bgp_with(49,
			 "      { name = \"pri4\"; port = \"pri\"; address = \"2001:db8:1::2\"; "
			 "remote_as = 1;"),
		49, "bgp.peers[1].name");
	expect_error_text(
		bgp_with(49, "      { name = \"pri6\"; port = \"pri\"; address = \"198.51.100.2\"; "
			     "remote_as = 1;"),
		49, "bgp.peers[1].address");
	expect_error_text(bgp_with(38, "    asn = 64500; color = 1;"), 38, "bgp.color");
}

/* route_files: a big static table kept outside the config. */
static void test_route_files(void **state)
{
	struct config cfg;
	char err[512], want[128];
	FILE *f = fopen("/tmp/test_config_routes.txt", "w");

	(void)state;
	assert_non_null(f);
	fputs("# comment\n10.0.0.0/8\n\n10.1.0.0/16  # trailing\n2001:db8:abcd::/48\n", f);
	fclose(f);
	load_ok(36,
		"unregistered = \"drop\"; route_files = ( { file = "
		"\"/tmp/test_config_routes.txt\"; pathgroup = \"carrier\"; } );",
		&cfg);
	assert_int_equal(cfg.n_routes, 5); /* two from the config, three from the file */
	assert_int_equal(cfg.routes[3].prefix.len, 16);
	assert_int_equal(cfg.routes[3].pathgroup, 0);
	config_free(&cfg);

	f = fopen("/tmp/test_config_routes.txt", "a");
	fputs("10.1.2.3/16\n", f);
	fclose(f);
	write_text(base_with(36, "unregistered = \"drop\"; route_files = ( { file = "
				 "\"/tmp/test_config_routes.txt\"; pathgroup = \"carrier\"; } );"));
	assert_int_equal(config_load(tmp_path, &cfg, err, sizeof(err)), -1);
	unlink(tmp_path);
	snprintf(want, sizeof(want), "/tmp/test_config_routes.txt:6: route_files[0].file: ");
	assert_true(strncmp(err, want, strlen(want)) == 0);
	unlink("/tmp/test_config_routes.txt");
	/* a missing file names the setting in the config */
	expect_error(36,
		     "unregistered = \"drop\"; route_files = ( { file = \"/nonexistent\"; "
		     "pathgroup = \"carrier\"; } );",
		     36, "route_files[0].file");
}

static void test_shipped_configs(void **state)
{
	const char *src = getenv("PEERFWD_SRCDIR");
	char pattern[4096], err[512];
	struct config cfg;
	glob_t g;

	(void)state;
	if (src == NULL)
		src = ".";
	snprintf(pattern, sizeof(pattern), "%s/configs/*.cfg", src);
	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 3);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		if (config_load(g.gl_pathv[i], &cfg, err, sizeof(err)) != 0)
			fail_msg("%s", err);
		print_message("  ok: %s: %u ports, %u workers\n", g.gl_pathv[i], cfg.n_ports,
			      cfg.n_workers);
		config_free(&cfg);
	}
	globfree(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_route_files),
		cmocka_unit_test(test_defaults_and_unreg_pathgroup),
		cmocka_unit_test(test_exception),
		cmocka_unit_test(test_err_syntax),
		cmocka_unit_test(test_err_missing_file),
		cmocka_unit_test(test_err_missing_ports),
		cmocka_unit_test(test_err_missing_peerfwd),
		cmocka_unit_test(test_err_device),
		cmocka_unit_test(test_err_tier),
		cmocka_unit_test(test_err_mac),
		cmocka_unit_test(test_err_prefix),
		cmocka_unit_test(test_err_host_bits),
		cmocka_unit_test(test_err_duplicate_prefix),
		cmocka_unit_test(test_err_unknown_pathgroup),
		cmocka_unit_test(test_err_unknown_nexthop),
		cmocka_unit_test(test_err_unknown_port),
		cmocka_unit_test(test_err_duplicate_names),
		cmocka_unit_test(test_err_members),
		cmocka_unit_test(test_err_unknown_setting),
		cmocka_unit_test(test_err_wrong_type),
		cmocka_unit_test(test_err_missing_setting),
		cmocka_unit_test(test_err_nexthop_family),
		cmocka_unit_test(test_err_port_not_polled),
		cmocka_unit_test(test_err_queue_twice),
		cmocka_unit_test(test_err_lcore),
		cmocka_unit_test(test_err_unregistered),
		cmocka_unit_test(test_bgp_valid),
		cmocka_unit_test(test_bgp_errors),
		cmocka_unit_test(test_bgp_stall_timers),
		cmocka_unit_test(test_link_poll),
		cmocka_unit_test(test_icmp_rate),
		cmocka_unit_test(test_punt_rate),
		cmocka_unit_test(test_xdp_program),
		cmocka_unit_test(test_bfd),
		cmocka_unit_test(test_bfd_auth),
		cmocka_unit_test(test_shipped_configs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
