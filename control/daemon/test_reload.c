/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config.reload against real tables: the daemon is programmed from one
 * file (daemon_program), the file is rewritten, and what a worker would
 * read (FIB -> dest -> group -> next hop) is checked after daemon_reload.
 */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_eal.h>

#include "control/bgp/bgp.h"
#include "control/daemon/daemon.h"

/* bfd.c's hooks into the BGP speaker, which this test does not link (and
 * no BFD session changes here): no peer ends or starts. */
bool bgp_bfd_down(struct bgp *b, unsigned port, const struct ip_addr *addr)
{
	(void)b;
	(void)port;
	(void)addr;
	return false;
}

bool bgp_bfd_up(struct bgp *b, unsigned port, const struct ip_addr *addr)
{
	return bgp_bfd_down(b, port, addr);
}

static struct daemon D;
static char path[64];

/* The file: three ports and one worker fixed; the rest from the caller. */
static void write_cfg(const char *port_pri, const char *nexthops, const char *rest)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f,
		"peerfwd: {\n"
		" ctl_socket = \"/tmp/pf-test-reload.sock\"; state_dir = \"/tmp/pf-test-reload\";\n"
		" main_lcore = 0; eal_args = [\"--no-huge\"];\n"
		" fib = { max_routes4 = 1024; tbl8_groups4 = 64; max_routes6 = 1024; groups6 = "
		"256; };\n"
		" ports = (\n"
		"  { name = \"in\"; device = \"net_null0\"; tier = \"none\"; },\n"
		"  { name = \"pri\"; device = \"%s\"; tier = \"primary\";\n"
		"    addresses = [\"198.51.100.1/30\"]; },\n"
		"  { name = \"loc\"; device = \"net_null2\"; tier = \"local\";\n"
		"    addresses = [\"198.51.100.5/30\"]; } );\n"
		" workers = ( { lcore = 1; rx = [\"in:0\", \"pri:0\", \"loc:0\"]; } );\n"
		" nexthops = ( %s );\n"
		" %s\n"
		"};\n",
		port_pri, nexthops, rest);
	assert_int_equal(fclose(f), 0);
}

#define NH_PRI(mac)                                                                                \
	"{ name = \"pri-rtr\"; port = \"pri\"; address = \"198.51.100.2\"; mac = \"" mac "\"; }, " \
	"{ name = \"loc-rtr\"; port = \"loc\"; address = \"198.51.100.6\"; "                       \
	"mac = \"02:00:00:00:02:02\"; }"
#define GROUPS                                                                                     \
	"pathgroups = ( { name = \"carrier\"; members = [\"pri-rtr\", \"loc-rtr\"]; },"            \
	" { name = \"backup\"; members = [\"loc-rtr\"]; } );"
#define BASE                                                                                       \
	GROUPS " routes = ( { prefix = \"0.0.0.0/0\"; pathgroup = \"carrier\"; } );"               \
	       " registered = ( { prefix = \"203.0.113.0/24\"; customer = \"acme\"; } );"

/* What a worker finds for address s: the next hop it transmits to, or NULL. */
static const struct nexthop *worker_view(const char *s, uint16_t *flags)
{
	struct ip_addr a;
	uint32_t v;
	uint64_t w;

	assert_int_equal(ip_addr_parse(s, &a), 0);
	v = fib4_lookup(D.tables.fib4, ip_addr_v4_host(&a));
	*flags = 0;
	if (v == FIB_MISS)
		return NULL;
	w = D.tables.dest[v];
	*flags = DEST_FLAGS(w);
	return pathgroup_active_member(&D.tables, DEST_PG(w), UINT64_MAX);
}

static struct prefix P(const char *s) {
	struct prefix p;

	assert_int_equal(prefix_parse(s, &p, false), 0);
	return p;
}

static int
setup(void **state)
{
	struct fwd_conf fc = {.max_routes4 = 1024,
			      .n_tbl8_4 = 64,
			      .max_routes6 = 1024,
			      .n_groups6 = 256,
			      .max_readers = 1};
	struct routes_conf rc = {.max_entries = 4096};
	char err[512];

	(void)state;
	memset(&D, 0, sizeof(D));
	snprintf(path, sizeof(path), "/tmp/pf-test-reload-%d.cfg", (int)getpid());
	write_cfg("net_null1", NH_PRI("02:00:00:00:01:02"), BASE);
	assert_int_equal(config_load(path, &D.cfg, err, sizeof(err)), 0);
	snprintf(D.config_path, sizeof(D.config_path), "%s", path);
	pthread_mutex_init(&D.lock, NULL);
	D.n_ports = D.cfg.n_ports;
	for (unsigned i = 0; i < D.n_ports; i++) {
		D.port[i].port_id = (uint16_t)i;
		D.port[i].mac.addr_bytes[5] = (uint8_t)(0x10 + i);
	}
	assert_int_equal(fwd_tables_create(&D.tables, &fc), 0);
	D.routes = routes_create(&D.tables, &rc);
	assert_non_null(D.routes);
	if (daemon_program(&D, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	routes_free(D.routes);
	fwd_tables_free(&D.tables);
	config_free(&D.cfg);
	unlink(path);
	return 0;
}

static void reload_ok(struct reload_summary *s)
{
	char err[1024];

	if (daemon_reload(&D, err, sizeof(err), s) != 0)
		fail_msg("reload: %s", err);
	assert_true(s->applied);
}

static void unchanged_file_changes_nothing(void **state)
{
	struct reload_summary s;
	uint16_t fl;
	const struct nexthop *before = worker_view("192.0.2.1", &fl);

	(void)state;
	reload_ok(&s);
	assert_int_equal(s.nexthops_added + s.nexthops_changed + s.nexthops_removed, 0);
	assert_int_equal(s.pathgroups_added + s.pathgroups_changed + s.pathgroups_removed, 0);
	assert_int_equal(s.routes_added + s.routes_changed + s.routes_removed, 0);
	assert_int_equal(s.registered_added + s.registered_removed, 0);
	assert_false(s.unregistered_changed);
	assert_ptr_equal(worker_view("192.0.2.1", &fl), before);
}

static void nexthop_mac_moves_traffic(void **state)
{
	struct reload_summary s;
	uint16_t fl, old_id = D.nh_id[0];
	const struct nexthop *nh;

	(void)state;
	write_cfg("net_null1", NH_PRI("02:00:00:00:01:99"), BASE);
	reload_ok(&s);
	assert_int_equal(s.nexthops_changed, 1);
	assert_int_equal(s.pathgroups_changed, 1); /* carrier; backup keeps its group */
	assert_int_equal(s.routes_changed, 1);
	nh = worker_view("192.0.2.1", &fl);
	assert_non_null(nh);
	assert_int_equal(nh->dst_mac.addr_bytes[5], 0x99);
	/* registered prefixes inherit the default route's group: moved too */
	nh = worker_view("203.0.113.7", &fl);
	assert_non_null(nh);
	assert_true(fl & DEST_F_REGISTERED);
	assert_int_equal(nh->dst_mac.addr_bytes[5], 0x99);
	/* the old next hop is released (workers skip it until its slot is reused) */
	assert_int_not_equal(D.nh_id[0], old_id);
	assert_false(D.tables.nexthop[old_id].flags & NH_F_VALID);
	assert_int_equal(s.nexthops_held, 0);
}

/* A group the config does not own (as BGP makes them) that names a next hop
 * the reload replaces follows it to its new id: nothing is held back. */
static void bgp_group_follows_replaced_nexthop(void **state)
{
	struct reload_summary s;
	uint16_t pg, fl, old_id = D.nh_id[0], nh[PF_PG_MEMBERS];
	struct prefix p = P("10.77.0.0/16");
	const struct nexthop *w;

	(void)state;
	assert_int_equal(routes_pathgroup_get(D.routes, &old_id, 1, &pg), 0);
	assert_int_equal(routes_set(D.routes, &p, ROUTE_BGP, pg), 0);
	routes_pathgroup_put(D.routes, pg); /* routes_set holds its own */
	write_cfg("net_null1", NH_PRI("02:00:00:00:01:77"), BASE);
	reload_ok(&s);
	assert_int_equal(s.nexthops_changed, 1);
	assert_int_equal(s.nexthops_held, 0);
	assert_int_not_equal(D.nh_id[0], old_id);
	assert_int_equal(routes_pathgroup_members(D.routes, pg, nh), 1);
	assert_int_equal(nh[0], D.nh_id[0]);
	w = worker_view("10.77.1.1", &fl);
	assert_non_null(w);
	assert_int_equal(w->dst_mac.addr_bytes[5], 0x77);
	assert_false(D.tables.nexthop[old_id].flags & NH_F_VALID); /* released */
	assert_int_equal(routes_unset(D.routes, &p, ROUTE_BGP), 0);
}

static void route_and_registration_added_removed(void **state)
{
	struct reload_summary s;
	struct registered_info ri;
	struct prefix reg2 = P("192.0.2.0/25"), reg1 = P("203.0.113.0/24"), mgd = P("10.9.0.0/16");
	uint16_t fl;
	const struct nexthop *nh;

	(void)state;
	/* a prefix registered over the socket: the config must leave it alone */
	assert_int_equal(routes_register(D.routes, &mgd, "managed", NULL), 0);
	write_cfg("net_null1", NH_PRI("02:00:00:00:01:02"),
		  GROUPS " routes = ( { prefix = \"0.0.0.0/0\"; pathgroup = \"carrier\"; },"
			 " { prefix = \"10.0.0.0/8\"; pathgroup = \"backup\"; } );"
			 " registered = ( { prefix = \"192.0.2.0/25\"; customer = \"new\"; } );"
			 " unregistered = \"backup\";");
	reload_ok(&s);
	assert_int_equal(s.routes_added, 1);
	assert_int_equal(s.registered_added, 1);
	assert_int_equal(s.registered_removed, 1);
	assert_true(s.unregistered_changed);
	assert_int_equal(D.tables.unreg_policy, UNREG_PATHGROUP);
	assert_int_equal(D.tables.unreg_pg, D.pg_id[1]);
	nh = worker_view("10.1.2.3", &fl);
	assert_non_null(nh);
	assert_int_equal(nh->link_id, 2); /* backup: loc */
	assert_int_equal(routes_registered_get(D.routes, &reg2, &ri), 0);
	assert_string_equal(ri.customer, "new");
	assert_int_equal(routes_registered_get(D.routes, &reg1, &ri), -ENOENT);
	assert_int_equal(routes_registered_get(D.routes, &mgd, &ri), 0);
	/* and back: the route goes, the policy drops again */
	write_cfg("net_null1", NH_PRI("02:00:00:00:01:02"), BASE);
	reload_ok(&s);
	assert_int_equal(s.routes_removed, 1);
	assert_int_equal(D.tables.unreg_policy, UNREG_DROP);
	nh = worker_view("10.1.2.3", &fl);
	assert_non_null(nh); /* 0.0.0.0/0 again */
	assert_int_equal(nh->link_id, 1);
	assert_int_equal(routes_registered_get(D.routes, &mgd, &ri), 0);
	assert_int_equal(routes_unregister(D.routes, &mgd), 0);
}

static void config_lists_a_managed_prefix(void **state)
{
	struct reload_summary s;
	struct prefix mgd = P("198.18.0.0/15");

	(void)state;
	assert_int_equal(routes_register(D.routes, &mgd, "someone", NULL), 0);
	write_cfg("net_null1", NH_PRI("02:00:00:00:01:02"),
		  GROUPS " routes = ( { prefix = \"0.0.0.0/0\"; pathgroup = \"carrier\"; } );"
			 " registered = ( { prefix = \"203.0.113.0/24\"; customer = \"acme\"; },"
			 " { prefix = \"198.18.0.0/15\"; customer = \"other\"; } );");
	reload_ok(&s);
	assert_int_equal(s.registered_adopted, 1);
	assert_int_equal(s.n_notes, 1); /* the customer label waits for a restart */
	write_cfg("net_null1", NH_PRI("02:00:00:00:01:02"), BASE);
	reload_ok(&s);
	assert_int_equal(s.registered_removed, 1);
}

/*
 * A per-worker rate (key, in D.cfg at *field, default def, set into the
 * worker by set, its interval at *interval) applies without a restart:
 * every worker's limit follows, to rate, to 0 (interval 0), and back to the
 * default when the file drops it.
 */
static void rate_applies(const char *key, const uint32_t *field, uint32_t def,
			 void (*set)(struct worker *, uint32_t), const uint64_t *interval,
			 uint32_t rate)
{
	struct reload_summary s;
	char rest[1024], note[64];

	D.n_workers = 1;
	set(&D.worker[0], *field);
	snprintf(rest, sizeof(rest), "%s %s = %u;", BASE, key, rate);
	write_cfg("net_null1", NH_PRI("02:00:00:00:01:02"), rest);
	reload_ok(&s);
	assert_int_equal(*field, rate);
	assert_int_equal(*interval, rte_get_tsc_hz() / rate);
	assert_int_equal(s.n_notes, 1);
	snprintf(note, sizeof(note), "%s %u -> %u", key, def, rate);
	assert_non_null(strstr(s.notes[0], note));
	snprintf(rest, sizeof(rest), "%s %s = 0;", BASE, key);
	write_cfg("net_null1", NH_PRI("02:00:00:00:01:02"), rest);
	reload_ok(&s);
	assert_int_equal(*interval, 0);
	write_cfg("net_null1", NH_PRI("02:00:00:00:01:02"), BASE);
	reload_ok(&s);
	assert_int_equal(*field, def);
	D.n_workers = 0;
}

/* icmp_rate (0: no errors sent) */
static void icmp_rate_applies(void **state)
{
	(void)state;
	rate_applies("icmp_rate", &D.cfg.icmp_rate, CFG_ICMP_RATE, worker_set_icmp_rate,
		     &D.worker[0].icmp_interval, 10);
}

/* punt_rate, the control-plane protection (0: no limit) */
static void punt_rate_applies(void **state)
{
	(void)state;
	rate_applies("punt_rate", &D.cfg.punt_rate, CFG_PUNT_RATE, worker_set_punt_rate,
		     &D.worker[0].punt_interval, 50);
}

/* peer_punt_rate, for the neighbours' sessions from maybe off the link */
static void peer_punt_rate_applies(void **state)
{
	(void)state;
	rate_applies("peer_punt_rate", &D.cfg.peer_punt_rate, CFG_PEER_PUNT_RATE,
		     worker_set_peer_punt_rate, &D.worker[0].peer_interval, 500);
}

/* The control-plane neighbours whose sessions pass the punt rate follow
 * the file's next hops. */
static void neighbours_follow_nexthops(void **state)
{
	static const uint8_t pri_mac[6] = {2, 0, 0, 0, 1, 2}, pri_mac2[6] = {2, 0, 0, 0, 1, 3};
	struct reload_summary s;

	(void)state;
	daemon_nbrs_update(&D); /* as the daemon does before it runs */
	assert_int_equal(fwd_nbr4_find(D.tables.nbrs, 0xc6336402), 0);	/* pri-rtr */
	assert_int_equal(fwd_nbr4_find(D.tables.nbrs, 0xc6336406), 0);	/* loc-rtr */
	assert_int_equal(fwd_nbr4_find(D.tables.nbrs, 0xc6336401), -1); /* ours */
	assert_int_equal(fwd_nbr_mac_find(D.tables.nbrs, pri_mac), 0);	/* its static MAC */
	assert_int_equal(fwd_nbr_mac_find(D.tables.nbrs, pri_mac2), -1);
	write_cfg("net_null1",
		  "{ name = \"pri-rtr\"; port = \"pri\"; address = \"198.51.100.2\"; "
		  "mac = \"02:00:00:00:01:02\"; }",
		  "pathgroups = ( { name = \"carrier\"; members = [\"pri-rtr\"]; } );"
		  " routes = ( { prefix = \"0.0.0.0/0\"; pathgroup = \"carrier\"; } );");
	reload_ok(&s);
	assert_int_equal(s.nexthops_removed, 1);
	assert_int_equal(fwd_nbr4_find(D.tables.nbrs, 0xc6336402), 0);
	assert_int_equal(fwd_nbr4_find(D.tables.nbrs, 0xc6336406), -1);
	write_cfg("net_null1", NH_PRI("02:00:00:00:01:03"), BASE);
	reload_ok(&s);
	assert_int_equal(fwd_nbr4_find(D.tables.nbrs, 0xc6336406), 0);
	assert_int_equal(fwd_nbr_mac_find(D.tables.nbrs, pri_mac2), 0); /* the MAC follows */
	assert_int_equal(fwd_nbr_mac_find(D.tables.nbrs, pri_mac), -1);
	write_cfg("net_null1", NH_PRI("02:00:00:00:01:02"), BASE);
	reload_ok(&s);
	assert_int_equal(fwd_nbr_mac_find(D.tables.nbrs, pri_mac), 0);
}

static void restart_required(void **state)
{
	struct reload_summary s;
	char err[1024];
	uint16_t pg0 = D.pg_id[0];

	(void)state;
	write_cfg("net_null7", NH_PRI("02:00:00:00:01:55"), BASE);
	assert_int_equal(daemon_reload(&D, err, sizeof(err), &s), -EOPNOTSUPP);
	assert_non_null(strstr(err, "ports: \"pri\": device changed"));
	assert_non_null(strstr(err, "restart"));
	assert_false(s.applied);
	assert_int_equal(D.pg_id[0], pg0); /* the MAC change was not applied either */
	assert_int_equal(D.cfg.nexthops[0].mac.addr_bytes[5], 0x02);
}

/* The XDP program is loaded when a port starts: another one needs a restart. */
static void xdp_program_needs_restart(void **state)
{
	struct reload_summary s;
	char err[1024];

	(void)state;
	write_cfg("net_null1", NH_PRI("02:00:00:00:01:02"), BASE " xdp_program = \"\";");
	assert_int_equal(daemon_reload(&D, err, sizeof(err), &s), -EOPNOTSUPP);
	assert_non_null(strstr(err, "xdp_program changed"));
	assert_false(s.applied);
	write_cfg("net_null1", NH_PRI("02:00:00:00:01:02"), BASE);
}

/*
 * Ports changed at run time (link add / link remove): the file's ports map
 * to the running slots by name, and what refers to a port follows.
 */
static void ports_changed_at_run_time(void **state)
{
	struct reload_summary s;
	char err[1024];
	const unsigned extra = D.cfg.n_ports;

	(void)state;
	write_cfg("net_null1", NH_PRI("02:00:00:00:01:02"), BASE);
	/* A port from link add in the slot after the file's. */
	D.cfg.ports[extra] = D.cfg.ports[0];
	snprintf(D.cfg.ports[extra].name, sizeof(D.cfg.ports[extra].name), "extra");
	snprintf(D.cfg.ports[extra].device, sizeof(D.cfg.ports[extra].device), "net_null9");
	D.cfg.ports[extra].managed = true;
	D.cfg.n_ports = D.n_ports = extra + 1;
	reload_ok(&s);
	assert_int_equal(D.cfg.n_ports, extra + 1);
	assert_true(config_port_present(&D.cfg, extra));

	/* "in" removed with link remove: the file still lists it. */
	D.cfg.ports[0].removed = true;
	reload_ok(&s);
	assert_int_equal(s.n_notes, 1);
	assert_non_null(strstr(s.notes[0], "port in is in the file but was removed"));
	assert_true(D.cfg.ports[0].removed);

	/* "pri" removed too: the file's next hop on it is refused. */
	D.cfg.ports[1].removed = true;
	assert_int_equal(daemon_reload(&D, err, sizeof(err), &s), -EINVAL);
	assert_non_null(strstr(err, "port pri was removed with link remove"));
	assert_false(s.applied);
	D.cfg.ports[1].removed = false;

	/* A running config port the file no longer has: restart. */
	D.cfg.ports[0].removed = false;
	snprintf(D.cfg.ports[2].name, sizeof(D.cfg.ports[2].name), "old");
	assert_int_equal(daemon_reload(&D, err, sizeof(err), &s), -EOPNOTSUPP);
	assert_non_null(strstr(err, "ports: \"loc\" is new in the file"));
	snprintf(D.cfg.ports[2].name, sizeof(D.cfg.ports[2].name), "loc");
	D.cfg.n_ports = D.n_ports = extra;
	reload_ok(&s);
}

static void invalid_file_changes_nothing(void **state)
{
	struct reload_summary s;
	char err[1024];

	(void)state;
	write_cfg("net_null1", NH_PRI("02:00:00:00:01:02"),
		  GROUPS " routes = ( { prefix = \"0.0.0.0/0\"; pathgroup = \"nope\"; } );");
	assert_int_equal(daemon_reload(&D, err, sizeof(err), &s), -EINVAL);
	assert_non_null(strstr(err, path));
	assert_int_equal(D.cfg.n_registered, 1);
	write_cfg("net_null1", NH_PRI("02:00:00:00:01:02"), BASE);
}

int main(int argc, char **argv)
{
	char *eal[] = {argv[0],	   "--no-huge",	     "-m", "512", "--no-shconf",
		       "--no-pci", "--no-telemetry", "-l", "0",	  "--log-level=error",
		       NULL};
	(void)argc;
	if (rte_eal_init(10, eal) < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unchanged_file_changes_nothing),
		cmocka_unit_test(nexthop_mac_moves_traffic),
		cmocka_unit_test(bgp_group_follows_replaced_nexthop),
		cmocka_unit_test(route_and_registration_added_removed),
		cmocka_unit_test(config_lists_a_managed_prefix),
		cmocka_unit_test(icmp_rate_applies),
		cmocka_unit_test(punt_rate_applies),
		cmocka_unit_test(peer_punt_rate_applies),
		cmocka_unit_test(neighbours_follow_nexthops),
		cmocka_unit_test(restart_required),
		cmocka_unit_test(xdp_program_needs_restart),
		cmocka_unit_test(ports_changed_at_run_time),
		cmocka_unit_test(invalid_file_changes_nothing),
	};
	int ret = cmocka_run_group_tests(tests, setup, teardown);
	rte_eal_cleanup();
	return ret;
}
