/* SPDX-License-Identifier: BSD-3-Clause */
/* The control socket's wire layer: framing, parsing, validation, answers. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "control/ctlsock/ctlsock_prom.h"
#include "control/ctlsock/ctlsock_req.h"

/* Parse s; expect failure with code. */
static void expect_err(const char *s, const char *code)
{
	struct ctlsock_req req;
	struct ctlsock_err err = {0};

	if (ctlsock_req_parse(s, strlen(s), &req, &err) == 0)
		fail_msg("accepted: %s", s);
	ctlsock_req_fini(&req);
	if (err.code == NULL || strcmp(err.code, code) != 0)
		fail_msg("%s: got %s (%s), expected %s", s, err.code, err.message, code);
	assert_true(err.message[0] != '\0');
}

static const struct ctlsock_req *expect_ok(const char *s, enum ctlsock_cmd_id id)
{
	static struct ctlsock_req req;
	struct ctlsock_err err = {0};

	if (ctlsock_req_parse(s, strlen(s), &req, &err) != 0)
		fail_msg("%s: rejected: %s: %s", s, err.code, err.message);
	assert_non_null(req.cmd);
	assert_int_equal(req.cmd->id, id);
	ctlsock_req_fini(&req);
	return &req;
}

static void malformed_json(void **state)
{
	(void)state;
	expect_err("", CTLSOCK_E_BAD_JSON);
	expect_err("{", CTLSOCK_E_BAD_JSON);
	expect_err("{\"cmd\":\"version\"", CTLSOCK_E_BAD_JSON);
	expect_err("{\"cmd\":'version'}", CTLSOCK_E_BAD_JSON);
	expect_err("{\"cmd\":\"version\"}}", CTLSOCK_E_BAD_JSON);
	expect_err("{\"cmd\":\"version\",}", CTLSOCK_E_BAD_JSON);
	expect_err("\xff\xfe{}", CTLSOCK_E_BAD_JSON);
	/* duplicate keys are ambiguous: which prefix was meant? */
	expect_err("{\"cmd\":\"prefix.unregister\",\"prefix\":\"192.0.2.0/24\","
		   "\"prefix\":\"198.51.100.0/24\"}",
		   CTLSOCK_E_BAD_JSON);
	/* an embedded NUL ends nothing early */
	const char nul[] = "{\"cmd\":\"version\"}\0garbage";
	struct ctlsock_req req;
	struct ctlsock_err err = {0};
	assert_int_equal(ctlsock_req_parse(nul, sizeof(nul) - 1, &req, &err), -1);
	assert_string_equal(err.code, CTLSOCK_E_BAD_JSON);
	ctlsock_req_fini(&req);
}

static void wrong_shapes(void **state)
{
	(void)state;
	expect_err("[]", CTLSOCK_E_BAD_REQUEST);
	expect_err("\"version\"", CTLSOCK_E_BAD_REQUEST);
	expect_err("42", CTLSOCK_E_BAD_REQUEST);
	expect_err("null", CTLSOCK_E_BAD_REQUEST);
	expect_err("{}", CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"command\":\"version\"}", CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":7}", CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":null}", CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":[\"version\"]}", CTLSOCK_E_BAD_REQUEST);
	/* wrong types of arguments */
	expect_err("{\"cmd\":\"prefix.register\",\"prefix\":24}", CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"prefix.register\",\"prefix\":[\"192.0.2.0/24\"]}",
		   CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"prefix.register\",\"prefix\":\"192.0.2.0/24\",\"customer\":1}",
		   CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"route.list\",\"limit\":\"10\"}", CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"route.list\",\"limit\":10.5}", CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"route.list\",\"cursor\":true}", CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"link.set\",\"port\":\"p0\",\"state\":false}", CTLSOCK_E_BAD_REQUEST);
	/* a typo in a field name is refused, not ignored */
	expect_err("{\"cmd\":\"prefix.register\",\"prefx\":\"192.0.2.0/24\"}",
		   CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"status\",\"verbose\":true}", CTLSOCK_E_BAD_REQUEST);
}

static void unknown_commands(void **state)
{
	(void)state;
	expect_err("{\"cmd\":\"\"}", CTLSOCK_E_UNKNOWN_COMMAND);
	expect_err("{\"cmd\":\"reboot\"}", CTLSOCK_E_UNKNOWN_COMMAND);
	expect_err("{\"cmd\":\"VERSION\"}", CTLSOCK_E_UNKNOWN_COMMAND);
	expect_err("{\"cmd\":\"prefix\"}", CTLSOCK_E_UNKNOWN_COMMAND);
	expect_err("{\"cmd\":\"prefix.register \"}", CTLSOCK_E_UNKNOWN_COMMAND);
	/* peering.add exists; near misses of it do not */
	expect_err("{\"cmd\":\"peering.delete\"}", CTLSOCK_E_UNKNOWN_COMMAND);
	expect_err("{\"cmd\":\"peer.add\"}", CTLSOCK_E_UNKNOWN_COMMAND);
	expect_err("{\"cmd\":\"bgp.neighbors\"}", CTLSOCK_E_UNKNOWN_COMMAND);
}

static void missing_fields(void **state)
{
	(void)state;
	expect_err("{\"cmd\":\"prefix.register\"}", CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"prefix.register\",\"customer\":\"acme\"}", CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"prefix.register\",\"prefix\":null}", CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"prefix.unregister\"}", CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"route.lookup\"}", CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"link.set\",\"port\":\"p0\"}", CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"link.set\",\"state\":\"down\"}", CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"tier.force\"}", CTLSOCK_E_BAD_REQUEST);
}

static void bad_values(void **state)
{
	static const char *const prefixes[] = {
		"",
		"192.0.2.0",
		"192.0.2.0/33",
		"192.0.2.1/24",
		"2001:db8::1/32",
		"2001:db8::/129",
		"300.0.0.0/8",
		"acme",
		"192.0.2.0/24 ",
		" 192.0.2.0/24",
		"192.0.2.0/-1",
		"::/",
		"192.0.2.0/24\\n",
	};
	char buf[256];

	(void)state;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		snprintf(buf, sizeof(buf), "{\"cmd\":\"prefix.register\",\"prefix\":\"%s\"}",
			 prefixes[i]);
		expect_err(buf, CTLSOCK_E_INVALID_ARGUMENT);
		snprintf(buf, sizeof(buf), "{\"cmd\":\"prefix.unregister\",\"prefix\":\"%s\"}",
			 prefixes[i]);
		expect_err(buf, CTLSOCK_E_INVALID_ARGUMENT);
	}
	expect_err("{\"cmd\":\"route.lookup\",\"address\":\"192.0.2.0/24\"}",
		   CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"route.lookup\",\"address\":\"192.0.2\"}",
		   CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"route.lookup\",\"address\":\"\"}", CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"link.set\",\"port\":\"p0\",\"state\":\"off\"}",
		   CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"link.set\",\"port\":\"p0\",\"state\":\"DOWN\"}",
		   CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"link.set\",\"port\":\"a-very-long-port-name-beyond-32-bytes\","
		   "\"state\":\"down\"}",
		   CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"tier.force\",\"tier\":\"backup\"}", CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"tier.force\",\"tier\":\"none\"}", CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"route.list\",\"limit\":0}", CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"route.list\",\"limit\":1001}", CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"route.list\",\"limit\":-1}", CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"route.list\",\"cursor\":-5}", CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"route.list\",\"cursor\":4294967296}", CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"route.list\",\"family\":\"ipx\"}", CTLSOCK_E_INVALID_ARGUMENT);
	/* customers end up in logs and the state file */
	expect_err("{\"cmd\":\"prefix.register\",\"prefix\":\"192.0.2.0/24\","
		   "\"customer\":\"ac\\nme\"}",
		   CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"prefix.register\",\"prefix\":\"192.0.2.0/24\","
		   "\"customer\":\"a\\u0000b\"}",
		   CTLSOCK_E_BAD_JSON);
	memset(buf, 0, sizeof(buf));
	int n = snprintf(
		buf, sizeof(buf),
		"{\"cmd\":\"prefix.register\",\"prefix\":\"192.0.2.0/24\",\"customer\":\"");
	memset(buf + n, 'x', 64);
	strcpy(buf + n + 64, "\"}");
	expect_err(buf, CTLSOCK_E_INVALID_ARGUMENT);
}

static void host_bits_hint(void **state)
{
	struct ctlsock_req req;
	struct ctlsock_err err = {0};
	const char *s = "{\"cmd\":\"prefix.register\",\"prefix\":\"203.0.113.7/24\"}";

	(void)state;
	assert_int_equal(ctlsock_req_parse(s, strlen(s), &req, &err), -1);
	assert_string_equal(err.code, CTLSOCK_E_INVALID_ARGUMENT);
	assert_non_null(strstr(err.message, "203.0.113.0/24"));
	ctlsock_req_fini(&req);
}

static void valid_requests(void **state)
{
	const struct ctlsock_req *r;
	char buf[PREFIX_STRLEN];

	(void)state;
	for (unsigned i = 0; i < CTLSOCK_CMD__MAX; i++)
		assert_ptr_equal(ctlsock_cmd_find(ctlsock_cmds[i].name), &ctlsock_cmds[i]);
	expect_ok("{\"cmd\":\"version\"}", CTLSOCK_CMD_VERSION);
	expect_ok("  {\"cmd\" : \"status\"}  ", CTLSOCK_CMD_STATUS);
	r = expect_ok("{\"cmd\":\"prefix.register\",\"prefix\":\"203.0.113.0/24\","
		      "\"customer\":\"acme\"}",
		      CTLSOCK_CMD_PREFIX_REGISTER);
	assert_string_equal(prefix_format(&r->reg.prefix, buf, sizeof(buf)), "203.0.113.0/24");
	assert_string_equal(r->reg.customer, "acme");
	assert_true(r->cmd->mutating);
	r = expect_ok("{\"cmd\":\"prefix.register\",\"prefix\":\"2001:db8:100::/48\"}",
		      CTLSOCK_CMD_PREFIX_REGISTER);
	assert_int_equal(r->reg.prefix.addr.family, AF_INET6);
	assert_string_equal(r->reg.customer, "");
	r = expect_ok("{\"cmd\":\"route.lookup\",\"address\":\"2001:db8::1\"}",
		      CTLSOCK_CMD_ROUTE_LOOKUP);
	assert_int_equal(r->lookup.addr.family, AF_INET6);
	assert_false(r->cmd->mutating);
	r = expect_ok("{\"cmd\":\"route.list\"}", CTLSOCK_CMD_ROUTE_LIST);
	assert_int_equal(r->list.limit, CTLSOCK_LIST_DEFAULT);
	assert_int_equal(r->list.cursor, 0);
	assert_int_equal(r->list.family, 0);
	r = expect_ok("{\"cmd\":\"route.list\",\"family\":\"ipv6\",\"cursor\":4294967295,"
		      "\"limit\":1000}",
		      CTLSOCK_CMD_ROUTE_LIST);
	assert_int_equal(r->list.family, AF_INET6);
	assert_int_equal(r->list.cursor, UINT32_MAX);
	assert_int_equal(r->list.limit, 1000);
	r = expect_ok("{\"cmd\":\"link.set\",\"port\":\"p0\",\"state\":\"down\"}",
		      CTLSOCK_CMD_LINK_SET);
	assert_string_equal(r->link.port, "p0");
	assert_true(r->link.down);
	r = expect_ok("{\"cmd\":\"tier.force\",\"tier\":\"geo\"}", CTLSOCK_CMD_TIER_FORCE);
	assert_int_equal(r->tier.tier, TIER_GEO);
	r = expect_ok("{\"cmd\":\"config.check\"}", CTLSOCK_CMD_CONFIG_CHECK);
	assert_string_equal(r->check.path, "");
	r = expect_ok("{\"cmd\":\"config.check\",\"path\":\"/etc/peerfwd.cfg\"}",
		      CTLSOCK_CMD_CONFIG_CHECK);
	assert_string_equal(r->check.path, "/etc/peerfwd.cfg");
	/* optional fields may be null */
	expect_ok("{\"cmd\":\"prefix.list\",\"limit\":null}", CTLSOCK_CMD_PREFIX_LIST);
}

static void huge_request(void **state)
{
	size_t n = CTLSOCK_MAX_REQUEST + 100;
	char *s = malloc(n + 1);
	struct ctlsock_req req;
	struct ctlsock_err err = {0};

	(void)state;
	int h = sprintf(s, "{\"cmd\":\"status\",\"id\":\"");
	memset(s + h, 'a', n - (size_t)h - 2);
	strcpy(s + n - 2, "\"}");
	assert_int_equal(ctlsock_req_parse(s, n, &req, &err), -1);
	assert_string_equal(err.code, CTLSOCK_E_TOO_LARGE);
	ctlsock_req_fini(&req);
	free(s);
}

static void answers(void **state)
{
	struct ctlsock_req req;
	struct ctlsock_err err = {0};
	const char *s = "{\"cmd\":\"nope\",\"id\":17}";
	json_t *res = json_pack("{s:s}", "version", "1.2.3");
	char *a;

	(void)state;
	assert_int_equal(ctlsock_req_parse(s, strlen(s), &req, &err), -1);
	a = ctlsock_answer_err(&err, req.id);
	assert_non_null(a);
	assert_non_null(strstr(a, "\"ok\":false"));
	assert_non_null(strstr(a, "\"code\":\"unknown_command\""));
	assert_non_null(strstr(a, "\"id\":17"));
	assert_int_equal(a[strlen(a) - 1], '\n');
	assert_ptr_equal(strchr(a, '\n'), a + strlen(a) - 1); /* one line */
	free(a);
	ctlsock_req_fini(&req);

	a = ctlsock_answer_ok(res, NULL);
	assert_string_equal(a, "{\"ok\":true,\"version\":\"1.2.3\"}\n");
	free(a);
	json_decref(res);
}

/* Feed s to lb in chunks of step bytes, collecting complete lines. */
static int feed(struct ctlsock_linebuf *lb, const char *s, size_t n, size_t step, char out[][128],
		int max)
{
	int lines = 0;

	for (size_t off = 0; off < n;) {
		size_t avail, k;
		char *p = ctlsock_linebuf_space(lb, &avail);
		char *line;
		size_t len;
		int ret;
		if (p == NULL)
			return -EMSGSIZE;
		k = n - off < step ? n - off : step;
		if (k > avail)
			k = avail;
		memcpy(p, s + off, k);
		ctlsock_linebuf_commit(lb, k);
		off += k;
		while ((ret = ctlsock_linebuf_next(lb, &line, &len)) == 1) {
			assert_true(lines < max);
			assert_int_equal(strlen(line), len);
			snprintf(out[lines++], 128, "%s", line);
		}
		if (ret < 0)
			return ret;
	}
	return lines;
}

static void framing(void **state)
{
	const char *s = "{\"cmd\":\"version\"}\n{\"cmd\":\"status\"}\r\n\n{\"cmd\":\"po";
	struct ctlsock_linebuf lb = {0};
	char out[8][128];

	(void)state;
	for (size_t step = 1; step <= strlen(s); step++) {
		assert_int_equal(feed(&lb, s, strlen(s), step, out, 8), 3);
		assert_string_equal(out[0], "{\"cmd\":\"version\"}");
		assert_string_equal(out[1], "{\"cmd\":\"status\"}"); /* CR stripped */
		assert_string_equal(out[2], "");
		/* the partial request waits for the rest */
		assert_int_equal(feed(&lb, "rts\"}\n", 6, step, out, 8), 1);
		assert_string_equal(out[0], "{\"cmd\":\"ports\"}");
		ctlsock_linebuf_free(&lb);
	}
}

static void framing_too_large(void **state)
{
	size_t n = 3 * CTLSOCK_MAX_REQUEST;
	char *s = malloc(n), out[1][128];
	struct ctlsock_linebuf lb = {0};

	(void)state;
	memset(s, ' ', n);
	/* a request exactly at the limit passes */
	s[CTLSOCK_MAX_REQUEST] = '\n';
	assert_int_equal(feed(&lb, s, CTLSOCK_MAX_REQUEST + 1, 4096, out, 1), 1);
	ctlsock_linebuf_free(&lb);
	/* one byte more without a newline in sight is refused, memory bounded */
	s[CTLSOCK_MAX_REQUEST] = ' ';
	assert_int_equal(feed(&lb, s, n, 4096, out, 1), -EMSGSIZE);
	assert_true(lb.cap <= CTLSOCK_MAX_REQUEST + 1);
	ctlsock_linebuf_free(&lb);
	free(s);
}

/* Prometheus text: families, labels, escaping of what customers name. */
static void prom_format(void **state)
{
	struct prom_text t = {0};
	const char *l[] = {"prefix", "203.0.113.0/24", "customer", "a\"b\\c\nd", NULL};
	char *s;

	(void)state;
	prom_family(&t, "peerfwd_prefix_packets_total", "counter", "Packets\\to a\nprefix");
	prom_sample(&t, "peerfwd_prefix_packets_total", l, 18446744073709551615ull);
	prom_family(&t, "peerfwd_forwarded_packets_total", "counter", "Packets forwarded");
	prom_sample(&t, "peerfwd_forwarded_packets_total", NULL, 0);
	s = prom_text_take(&t);
	assert_non_null(s);
	assert_string_equal(s, "# HELP peerfwd_prefix_packets_total Packets\\\\to a\\nprefix\n"
			       "# TYPE peerfwd_prefix_packets_total counter\n"
			       "peerfwd_prefix_packets_total{prefix=\"203.0.113.0/24\","
			       "customer=\"a\\\"b\\\\c\\nd\"} 18446744073709551615\n"
			       "# HELP peerfwd_forwarded_packets_total Packets forwarded\n"
			       "# TYPE peerfwd_forwarded_packets_total counter\n"
			       "peerfwd_forwarded_packets_total 0\n");
	free(s);
	/* nothing written: an empty text, not an error */
	s = prom_text_take(&t);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
}

static void new_commands(void **state)
{
	(void)state;
	expect_ok("{\"cmd\":\"metrics\"}", CTLSOCK_CMD_METRICS);
	expect_ok("{\"cmd\":\"config.reload\",\"id\":7}", CTLSOCK_CMD_CONFIG_RELOAD);
	assert_true(ctlsock_cmd_find("config.reload")->mutating);
	assert_false(ctlsock_cmd_find("metrics")->mutating);
	/* reload reads the running file only: a path would be a misunderstanding */
	expect_err("{\"cmd\":\"config.reload\",\"path\":\"/tmp/x.cfg\"}", CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"metrics\",\"format\":\"json\"}", CTLSOCK_E_BAD_REQUEST);
}

static void peering_requests(void **state)
{
	const struct ctlsock_req *r;

	(void)state;
	expect_ok("{\"cmd\":\"peering.list\"}", CTLSOCK_CMD_PEERING_LIST);
	assert_false(ctlsock_cmd_find("peering.list")->mutating);
	expect_err("{\"cmd\":\"peering.list\",\"peer\":\"pri4\"}", CTLSOCK_E_BAD_REQUEST);

	r = expect_ok("{\"cmd\":\"peering.stats\",\"peer\":\"pri4\"}", CTLSOCK_CMD_PEERING_STATS);
	assert_string_equal(r->peer.name, "pri4");
	assert_false(ctlsock_cmd_find("peering.stats")->mutating);
	expect_err("{\"cmd\":\"peering.stats\"}", CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"peering.stats\",\"peer\":4}", CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"peering.stats\",\"peer\":\"\"}", CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"peering.stats\",\"peer\":\"a\\nb\"}", CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"peering.stats\",\"peer\":\"0123456789012345678901234567890123\"}",
		   CTLSOCK_E_INVALID_ARGUMENT);

	r = expect_ok("{\"cmd\":\"peer.reset\",\"peer\":\"loc4\",\"mode\":\"soft\"}",
		      CTLSOCK_CMD_PEER_RESET);
	assert_string_equal(r->peer.name, "loc4");
	assert_true(r->peer.soft);
	r = expect_ok("{\"cmd\":\"peer.reset\",\"peer\":\"loc4\",\"mode\":\"hard\"}",
		      CTLSOCK_CMD_PEER_RESET);
	assert_false(r->peer.soft);
	assert_true(ctlsock_cmd_find("peer.reset")->mutating);
	/* the mode is a choice the operator makes: no default */
	expect_err("{\"cmd\":\"peer.reset\",\"peer\":\"loc4\"}", CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"peer.reset\",\"mode\":\"hard\"}", CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"peer.reset\",\"peer\":\"loc4\",\"mode\":\"Hard\"}",
		   CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"peer.reset\",\"peer\":\"loc4\",\"mode\":\"clear\"}",
		   CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"peer.reset\",\"peer\":\"loc4\",\"mode\":true}",
		   CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"peer.reset\",\"peer\":\"loc4\",\"mode\":\"hard\",\"soft\":1}",
		   CTLSOCK_E_BAD_REQUEST);

	r = expect_ok("{\"cmd\":\"peer.graceful_shutdown\",\"peer\":\"pri4\",\"state\":\"on\"}",
		      CTLSOCK_CMD_PEER_GSHUT);
	assert_string_equal(r->peer.name, "pri4");
	assert_true(r->peer.on);
	r = expect_ok("{\"cmd\":\"peer.graceful_shutdown\",\"peer\":\"pri4\",\"state\":\"off\"}",
		      CTLSOCK_CMD_PEER_GSHUT);
	assert_false(r->peer.on);
	assert_true(ctlsock_cmd_find("peer.graceful_shutdown")->mutating);
	expect_err("{\"cmd\":\"peer.graceful_shutdown\",\"peer\":\"pri4\"}", CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"peer.graceful_shutdown\",\"peer\":\"pri4\",\"state\":\"yes\"}",
		   CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"peer.graceful_shutdown\",\"peer\":\"pri4\",\"state\":true}",
		   CTLSOCK_E_BAD_REQUEST);

	expect_ok("{\"cmd\":\"bfd.list\"}", CTLSOCK_CMD_BFD_LIST);
	assert_false(ctlsock_cmd_find("bfd.list")->mutating);
	expect_err("{\"cmd\":\"bfd.list\",\"nexthop\":\"pri-rtr\"}", CTLSOCK_E_BAD_REQUEST);

	r = expect_ok("{\"cmd\":\"peer.set_policy\",\"peer\":\"geo4\",\"policy\":\"strict\"}",
		      CTLSOCK_CMD_PEER_SET_POLICY);
	assert_string_equal(r->peer.name, "geo4");
	assert_string_equal(r->peer.policy, "strict");
	assert_true(ctlsock_cmd_find("peer.set_policy")->mutating);
	expect_err("{\"cmd\":\"peer.set_policy\",\"peer\":\"geo4\"}", CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"peer.set_policy\",\"peer\":\"geo4\",\"policy\":\"\"}",
		   CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"peer.set_policy\",\"peer\":\"geo4\",\"policy\":null}",
		   CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"peer.set_policy\",\"peer\":\"geo4\",\"policy\":[\"strict\"]}",
		   CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"peer.set_policy\",\"peer\":\"geo4\",\"policy\":\"x\",\"mode\":"
		   "\"hard\"}",
		   CTLSOCK_E_BAD_REQUEST);
}

static void route_requests(void **state)
{
	const struct ctlsock_req *r;
	char buf[PREFIX_STRLEN];

	(void)state;
	r = expect_ok(
		"{\"cmd\":\"route.add\",\"prefix\":\"198.18.0.0/24\",\"pathgroup\":\"carrier4\"}",
		CTLSOCK_CMD_ROUTE_ADD);
	assert_string_equal(prefix_format(&r->route.prefix, buf, sizeof(buf)), "198.18.0.0/24");
	assert_string_equal(r->route.pathgroup, "carrier4");
	r = expect_ok(
		"{\"cmd\":\"route.add\",\"prefix\":\"2001:db8:d000::/48\",\"pathgroup\":\"c6\","
		"\"id\":9}",
		CTLSOCK_CMD_ROUTE_ADD);
	assert_int_equal(r->route.prefix.addr.family, AF_INET6);
	assert_true(ctlsock_cmd_find("route.add")->mutating);
	assert_true(ctlsock_cmd_find("route.del")->mutating);
	/* the help says what an operator must know: these routes are not kept */
	assert_non_null(strstr(ctlsock_cmd_find("route.add")->help, "not durable"));
	expect_err("{\"cmd\":\"route.add\",\"prefix\":\"198.18.0.0/24\"}", CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"route.add\",\"pathgroup\":\"carrier4\"}", CTLSOCK_E_BAD_REQUEST);
	expect_err(
		"{\"cmd\":\"route.add\",\"prefix\":\"198.18.0.1/24\",\"pathgroup\":\"carrier4\"}",
		CTLSOCK_E_INVALID_ARGUMENT);
	expect_err(
		"{\"cmd\":\"route.add\",\"prefix\":\"198.18.0.0/33\",\"pathgroup\":\"carrier4\"}",
		CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"route.add\",\"prefix\":\"198.18.0.0/24\",\"pathgroup\":\"\"}",
		   CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"route.add\",\"prefix\":\"198.18.0.0/24\",\"pathgroup\":7}",
		   CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"route.add\",\"prefix\":\"198.18.0.0/24\",\"pathgroup\":\"c\","
		   "\"customer\":\"x\"}",
		   CTLSOCK_E_BAD_REQUEST);

	r = expect_ok("{\"cmd\":\"route.del\",\"prefix\":\"198.18.0.0/24\"}",
		      CTLSOCK_CMD_ROUTE_DEL);
	assert_string_equal(prefix_format(&r->route.prefix, buf, sizeof(buf)), "198.18.0.0/24");
	expect_err("{\"cmd\":\"route.del\"}", CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"route.del\",\"prefix\":\"198.18.0.0\"}", CTLSOCK_E_INVALID_ARGUMENT);
	/* del takes no path group: the prefix names the operator's route */
	expect_err("{\"cmd\":\"route.del\",\"prefix\":\"198.18.0.0/24\",\"pathgroup\":\"c\"}",
		   CTLSOCK_E_BAD_REQUEST);
}

/* peering.add with one field replaced ("k":v) or, with v NULL, dropped. */
static void peering_add_with(char *buf, size_t len, const char *key, const char *val)
{
	static const char *const keys[] = {"name", "port", "address", "remote_as", "policy"};
	static const char *const vals[] = {"\"pri4\"", "\"pri\"", "\"198.51.100.2\"", "64496",
					   "\"carrier\""};
	size_t off = (size_t)snprintf(buf, len, "{\"cmd\":\"peering.add\"");
	bool done = false;

	for (unsigned i = 0; i < 5; i++) {
		bool this = strcmp(keys[i], key) == 0;
		done |= this;
		if (!this)
			off += (size_t)snprintf(buf + off, len - off, ",\"%s\":%s", keys[i],
						vals[i]);
		else if (val != NULL)
			off += (size_t)snprintf(buf + off, len - off, ",\"%s\":%s", key, val);
	}
	if (!done)
		off += (size_t)snprintf(buf + off, len - off, ",\"%s\":%s", key, val);
	snprintf(buf + off, len - off, "}");
}

static void expect_add_err(const char *key, const char *val, const char *code)
{
	char buf[512];

	peering_add_with(buf, sizeof(buf), key, val);
	expect_err(buf, code);
}

static void managed_peering_requests(void **state)
{
	const struct ctlsock_req *r;
	char buf[512];

	(void)state;
	/* the minimum: defaults for the rest */
	peering_add_with(buf, sizeof(buf), "name", "\"pri4\"");
	r = expect_ok(buf, CTLSOCK_CMD_PEERING_ADD);
	assert_true(ctlsock_cmd_find("peering.add")->mutating);
	assert_string_equal(r->peering.name, "pri4");
	assert_string_equal(r->peering.port, "pri");
	assert_string_equal(r->peering.policy, "carrier");
	assert_int_equal(r->peering.addr.family, AF_INET);
	assert_int_equal(r->peering.remote_as, 64496);
	assert_int_equal(r->peering.hold_time, 90);
	assert_int_equal(r->peering.connect_retry, 5);
	assert_int_equal(r->peering.open_hold_time, 0); /* 0: the daemon's default */
	assert_int_equal(r->peering.send_hold_time, 0);
	assert_false(r->peering.passive);
	assert_false(r->peering.ttl_security);
	assert_true(r->peering.ipv4);
	assert_false(r->peering.ipv6);
	assert_string_equal(r->peering.md5, "");
	/* everything */
	r = expect_ok("{\"cmd\":\"peering.add\",\"name\":\"pri6\",\"port\":\"pri\",\"address\":"
		      "\"2001:db8:1::2\",\"remote_as\":4200000000,\"policy\":\"carrier\","
		      "\"hold_time\":0,\"passive\":true,\"md5\":\"k\",\"ttl_security\":true,"
		      "\"connect_retry\":30,\"families\":[\"ipv6\",\"ipv4\"],"
		      "\"open_hold_time\":3,\"send_hold_time\":65535}",
		      CTLSOCK_CMD_PEERING_ADD);
	assert_int_equal(r->peering.addr.family, AF_INET6);
	assert_int_equal(r->peering.remote_as, 4200000000u);
	assert_int_equal(r->peering.hold_time, 0);
	assert_int_equal(r->peering.connect_retry, 30);
	assert_int_equal(r->peering.open_hold_time, 3);
	assert_int_equal(r->peering.send_hold_time, 65535);
	assert_true(r->peering.passive && r->peering.ttl_security);
	assert_true(r->peering.ipv4 && r->peering.ipv6);
	assert_string_equal(r->peering.md5, "k");
	peering_add_with(buf, sizeof(buf), "hold_time", "3");
	assert_int_equal(expect_ok(buf, CTLSOCK_CMD_PEERING_ADD)->peering.hold_time, 3);

	/* required */
	expect_add_err("name", NULL, CTLSOCK_E_BAD_REQUEST);
	expect_add_err("port", NULL, CTLSOCK_E_BAD_REQUEST);
	expect_add_err("address", NULL, CTLSOCK_E_BAD_REQUEST);
	expect_add_err("remote_as", NULL, CTLSOCK_E_BAD_REQUEST);
	expect_add_err("policy", NULL, CTLSOCK_E_BAD_REQUEST);
	/* types */
	expect_add_err("remote_as", "\"64496\"", CTLSOCK_E_BAD_REQUEST);
	expect_add_err("passive", "1", CTLSOCK_E_BAD_REQUEST);
	expect_add_err("ttl_security", "\"yes\"", CTLSOCK_E_BAD_REQUEST);
	expect_add_err("families", "\"ipv4\"", CTLSOCK_E_BAD_REQUEST);
	expect_add_err("md5", "5", CTLSOCK_E_BAD_REQUEST);
	expect_add_err("nosuch", "1", CTLSOCK_E_BAD_REQUEST); /* a typo is refused */
	/* values */
	expect_add_err("name", "\"\"", CTLSOCK_E_INVALID_ARGUMENT);
	expect_add_err("name", "\"pri 4\"", CTLSOCK_E_INVALID_ARGUMENT);
	expect_add_err("name", "\"pri4{x}\"", CTLSOCK_E_INVALID_ARGUMENT);
	expect_add_err("name", "\"0123456789012345678901234567890123\"",
		       CTLSOCK_E_INVALID_ARGUMENT);
	expect_add_err("port", "\"\"", CTLSOCK_E_INVALID_ARGUMENT);
	expect_add_err("policy", "\"\"", CTLSOCK_E_INVALID_ARGUMENT);
	expect_add_err("address", "\"198.51.100.0/30\"", CTLSOCK_E_INVALID_ARGUMENT);
	expect_add_err("address", "\"198.51.100.256\"", CTLSOCK_E_INVALID_ARGUMENT);
	expect_add_err("address", "\"pri-rtr\"", CTLSOCK_E_INVALID_ARGUMENT);
	expect_add_err("remote_as", "0", CTLSOCK_E_INVALID_ARGUMENT);
	expect_add_err("remote_as", "4294967296", CTLSOCK_E_INVALID_ARGUMENT);
	expect_add_err("remote_as", "-1", CTLSOCK_E_INVALID_ARGUMENT);
	expect_add_err("hold_time", "1", CTLSOCK_E_INVALID_ARGUMENT); /* RFC 4271 4.2 */
	expect_add_err("hold_time", "2", CTLSOCK_E_INVALID_ARGUMENT);
	expect_add_err("hold_time", "65536", CTLSOCK_E_INVALID_ARGUMENT);
	expect_add_err("open_hold_time", "2", CTLSOCK_E_INVALID_ARGUMENT);
	expect_add_err("open_hold_time", "0", CTLSOCK_E_INVALID_ARGUMENT);
	expect_add_err("send_hold_time", "65536", CTLSOCK_E_INVALID_ARGUMENT);
	expect_add_err("send_hold_time", "\"480\"", CTLSOCK_E_BAD_REQUEST);
	expect_add_err("connect_retry", "0", CTLSOCK_E_INVALID_ARGUMENT);
	expect_add_err("families", "[]", CTLSOCK_E_INVALID_ARGUMENT);
	expect_add_err("families", "[\"ipv4\",\"ipv4\"]", CTLSOCK_E_INVALID_ARGUMENT);
	expect_add_err("families", "[\"ip\"]", CTLSOCK_E_INVALID_ARGUMENT);
	expect_add_err("md5", "\"k\\u0001ey\"", CTLSOCK_E_INVALID_ARGUMENT);
	/* TCP_MD5SIG_MAXKEYLEN: 80 bytes fit, 81 do not */
	char key[90];
	memset(key, 'k', sizeof(key));
	snprintf(buf, sizeof(buf), "\"%.80s\"", key);
	char ok[512];
	peering_add_with(ok, sizeof(ok), "md5", buf);
	assert_int_equal(strlen(expect_ok(ok, CTLSOCK_CMD_PEERING_ADD)->peering.md5), 80);
	snprintf(buf, sizeof(buf), "\"%.81s\"", key);
	expect_add_err("md5", buf, CTLSOCK_E_INVALID_ARGUMENT);

	/* the state file's entries: the same validation, no "cmd" */
	struct ctlsock_peering pg;
	struct ctlsock_err err = {0};
	json_t *j = json_loads("{\"name\":\"loc4\",\"port\":\"loc\",\"address\":\"198.51.100.6\","
			       "\"remote_as\":64496,\"policy\":\"carrier\"}",
			       0, NULL);
	assert_int_equal(ctlsock_peering_parse(j, false, &pg, &err), 0);
	assert_string_equal(pg.name, "loc4");
	json_object_set_new(j, "cmd", json_string("peering.add"));
	assert_int_equal(ctlsock_peering_parse(j, false, &pg, &err), -1);
	assert_string_equal(err.code, CTLSOCK_E_BAD_REQUEST);
	json_decref(j);

	r = expect_ok("{\"cmd\":\"peering.remove\",\"name\":\"pri4\"}", CTLSOCK_CMD_PEERING_REMOVE);
	assert_string_equal(r->peer.name, "pri4");
	assert_true(ctlsock_cmd_find("peering.remove")->mutating);
	expect_err("{\"cmd\":\"peering.remove\"}", CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"peering.remove\",\"peer\":\"pri4\"}", CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"peering.remove\",\"name\":\"\"}", CTLSOCK_E_INVALID_ARGUMENT);
	r = expect_ok("{\"cmd\":\"peering.convert\",\"name\":\"loc4\"}",
		      CTLSOCK_CMD_PEERING_CONVERT);
	assert_string_equal(r->peer.name, "loc4");
	assert_true(ctlsock_cmd_find("peering.convert")->mutating);
	expect_err("{\"cmd\":\"peering.convert\",\"name\":4}", CTLSOCK_E_BAD_REQUEST);
}

static void link_requests(void **state)
{
	const struct ctlsock_req *r;

	(void)state;
	/* Well formed. */
	r = expect_ok("{\"cmd\":\"link.add\",\"name\":\"px\","
		      "\"device\":\"net_af_packet7,iface=veth7,qpairs=2\",\"tier\":\"geo\","
		      "\"addresses\":[\"198.51.100.1/30\",\"2001:db8::1/64\"],"
		      "\"mac\":\"02:00:00:00:07:01\"}",
		      CTLSOCK_CMD_LINK_ADD);
	assert_string_equal(r->link_add.name, "px");
	assert_string_equal(r->link_add.iface, "veth7");
	assert_false(r->link_add.is_pci);
	assert_int_equal(r->link_add.tier, TIER_GEO);
	assert_int_equal(r->link_add.n_addrs, 2);
	assert_true(r->link_add.has_mac);
	assert_int_equal(r->link_add.mac.addr_bytes[5], 1);
	r = expect_ok("{\"cmd\":\"link.add\",\"name\":\"pn\",\"device\":\"net_null0\"}",
		      CTLSOCK_CMD_LINK_ADD);
	assert_int_equal(r->link_add.tier, TIER__MAX); /* none */
	assert_int_equal(r->link_add.n_addrs, 0);
	assert_false(r->link_add.has_mac);
	assert_string_equal(r->link_add.iface, "");
	r = expect_ok("{\"cmd\":\"link.add\",\"name\":\"pci\",\"device\":\"0000:3b:00.1\","
		      "\"tier\":\"none\",\"addresses\":[]}",
		      CTLSOCK_CMD_LINK_ADD);
	assert_true(r->link_add.is_pci);
	/* a PCI device gets an exception path unless told not to; its TAP
	 * "pf-" + name unless named */
	assert_true(r->link_add.exception);
	assert_string_equal(r->link_add.exception_iface, "pf-pci");
	assert_false(expect_ok("{\"cmd\":\"link.add\",\"name\":\"pci\",\"device\":\"0000:3b:00.1\","
			       "\"exception\":false}",
			       CTLSOCK_CMD_LINK_ADD)
			     ->link_add.exception);
	r = expect_ok("{\"cmd\":\"link.add\",\"name\":\"pn\",\"device\":\"net_null0\","
		      "\"exception\":true,\"exception_iface\":\"tap.9\"}",
		      CTLSOCK_CMD_LINK_ADD);
	assert_true(r->link_add.exception);
	assert_string_equal(r->link_add.exception_iface, "tap.9");
	assert_false(expect_ok("{\"cmd\":\"link.add\",\"name\":\"pn\",\"device\":\"net_null0\"}",
			       CTLSOCK_CMD_LINK_ADD)
			     ->link_add.exception);
	r = expect_ok("{\"cmd\":\"link.remove\",\"name\":\"px\"}", CTLSOCK_CMD_LINK_REMOVE);
	assert_string_equal(r->link_add.name, "px");

	/* Shapes and missing fields. */
	expect_err("{\"cmd\":\"link.add\",\"device\":\"net_null0\"}", CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"link.add\",\"name\":\"p\"}", CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"link.add\",\"name\":\"p\",\"device\":\"net_null0\","
		   "\"addresses\":\"192.0.2.1/24\"}",
		   CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"link.add\",\"name\":\"p\",\"device\":\"net_null0\","
		   "\"addresses\":[1]}",
		   CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"link.add\",\"name\":\"p\",\"device\":\"net_null0\","
		   "\"vlan\":5}",
		   CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"link.remove\"}", CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"link.remove\",\"name\":\"p\",\"device\":\"x\"}",
		   CTLSOCK_E_BAD_REQUEST);

	/* Values. */
	expect_err("{\"cmd\":\"link.add\",\"name\":\"\",\"device\":\"net_null0\"}",
		   CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"link.add\",\"name\":\"p\",\"device\":\"net_null0\","
		   "\"exception_iface\":\"t0\"}",
		   CTLSOCK_E_INVALID_ARGUMENT); /* without exception */
	expect_err("{\"cmd\":\"link.add\",\"name\":\"p\",\"device\":\"net_null0\","
		   "\"exception\":true,\"exception_iface\":\"t0,mac=x\"}",
		   CTLSOCK_E_INVALID_ARGUMENT); /* would reach the TAP's devargs */
	expect_err(
		"{\"cmd\":\"link.add\",\"name\":\"a-long-link-name\",\"device\":\"0000:3b:00.1\"}",
		CTLSOCK_E_INVALID_ARGUMENT); /* pf-a-long-link-name does not fit */
	expect_err("{\"cmd\":\"link.add\",\"name\":\"p\",\"device\":\"net_af_packet1,iface=e1\","
		   "\"exception\":true,\"exception_iface\":\"e1\"}",
		   CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"link.add\",\"name\":\"p\",\"device\":\"net_null0\","
		   "\"exception\":\"yes\"}",
		   CTLSOCK_E_BAD_REQUEST);
	expect_err("{\"cmd\":\"link.add\",\"name\":\"p\",\"device\":\"eth0\"}",
		   CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"link.add\",\"name\":\"p\",\"device\":\"net_\"}",
		   CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"link.add\",\"name\":\"p\",\"device\":\"0000:3b:00.9\"}",
		   CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"link.add\",\"name\":\"p\",\"device\":\"net_af_packet1\"}",
		   CTLSOCK_E_INVALID_ARGUMENT); /* no iface= */
	expect_err("{\"cmd\":\"link.add\",\"name\":\"p\","
		   "\"device\":\"net_af_xdp1,iface=\"}",
		   CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"link.add\",\"name\":\"p\","
		   "\"device\":\"net_af_packet1,iface=abcdefghijklmnopq\"}",
		   CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"link.add\",\"name\":\"p\","
		   "\"device\":\"net_null0 --vdev=net_tap0\"}",
		   CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"link.add\",\"name\":\"p\",\"device\":\"net_null0\","
		   "\"tier\":\"gold\"}",
		   CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"link.add\",\"name\":\"p\",\"device\":\"net_null0\","
		   "\"addresses\":[\"198.51.100.1\"]}",
		   CTLSOCK_E_INVALID_ARGUMENT); /* no length */
	expect_err("{\"cmd\":\"link.add\",\"name\":\"p\",\"device\":\"net_null0\","
		   "\"addresses\":[\"198.51.100.1/30\",\"198.51.100.1/30\"]}",
		   CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"link.add\",\"name\":\"p\",\"device\":\"net_null0\","
		   "\"addresses\":[\"10.0.0.1/8\",\"10.0.0.2/8\",\"10.0.0.3/8\",\"10.0.0.4/8\","
		   "\"10.0.0.5/8\",\"10.0.0.6/8\",\"10.0.0.7/8\",\"10.0.0.8/8\",\"10.0.0.9/8\"]}",
		   CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"link.add\",\"name\":\"p\",\"device\":\"net_null0\","
		   "\"mac\":\"01:00:5e:00:00:01\"}",
		   CTLSOCK_E_INVALID_ARGUMENT); /* multicast */
	expect_err("{\"cmd\":\"link.add\",\"name\":\"p\",\"device\":\"net_null0\","
		   "\"mac\":\"00:00:00:00:00:00\"}",
		   CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"link.add\",\"name\":\"p\",\"device\":\"net_null0\","
		   "\"mac\":\"02:00:00:00:00:01:ff\"}",
		   CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"link.add\",\"name\":\"p\",\"device\":\"net_null0\","
		   "\"mac\":\"02:00:00:00:00\"}",
		   CTLSOCK_E_INVALID_ARGUMENT);
	expect_err("{\"cmd\":\"link.remove\",\"name\":\"\"}", CTLSOCK_E_INVALID_ARGUMENT);
	/* Both change state: logged with the caller's credentials. */
	assert_true(ctlsock_cmd_find("link.add")->mutating);
	assert_true(ctlsock_cmd_find("link.remove")->mutating);
	assert_non_null(strstr(ctlsock_cmd_find("link.add")->help, "not durable"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(malformed_json),    cmocka_unit_test(wrong_shapes),
		cmocka_unit_test(unknown_commands),  cmocka_unit_test(missing_fields),
		cmocka_unit_test(bad_values),	     cmocka_unit_test(host_bits_hint),
		cmocka_unit_test(valid_requests),    cmocka_unit_test(huge_request),
		cmocka_unit_test(answers),	     cmocka_unit_test(framing),
		cmocka_unit_test(framing_too_large), cmocka_unit_test(prom_format),
		cmocka_unit_test(new_commands),	     cmocka_unit_test(peering_requests),
		cmocka_unit_test(route_requests),    cmocka_unit_test(managed_peering_requests),
		cmocka_unit_test(link_requests),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
