/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "control/prefix/prefix.h"

static void parse_valid(void **state)
{
	struct prefix p;
	char buf[PREFIX_STRLEN];

	(void)state;
	assert_int_equal(prefix_parse("192.0.2.0/24", &p, false), 0);
	assert_int_equal(p.addr.family, AF_INET);
	assert_int_equal(p.len, 24);
	assert_int_equal(ip_addr_v4_host(&p.addr), 0xc0000200);
	assert_string_equal(prefix_format(&p, buf, sizeof(buf)), "192.0.2.0/24");

	assert_int_equal(prefix_parse("2001:db8::/32", &p, false), 0);
	assert_int_equal(p.addr.family, AF_INET6);
	assert_string_equal(prefix_format(&p, buf, sizeof(buf)), "2001:db8::/32");

	assert_int_equal(prefix_parse("0.0.0.0/0", &p, false), 0);
	assert_int_equal(prefix_parse("::/0", &p, false), 0);
	assert_int_equal(prefix_parse("10.1.2.3/32", &p, false), 0);
}

static void parse_invalid(void **state)
{
	static const char *const bad[] = {
		"",
		"/",
		"192.0.2.0",
		"192.0.2.0/",
		"192.0.2.0/33",
		"192.0.2.0/-1",
		"192.0.2.0/24x",
		"192.0.2.1/24",
		"2001:db8::1/64",
		"2001:db8::/129",
		"300.0.0.0/8",
		"foo/8",
		"192.0.2.0/ 24",
		"192.0.2.0/+24",
	};
	struct prefix p;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(prefix_parse(bad[i], &p, false), -EINVAL);
	/* interface addresses keep their host bits when asked to */
	assert_int_equal(prefix_parse("192.0.2.1/24", &p, true), 0);
	assert_int_equal(ip_addr_v4_host(&p.addr), 0xc0000201);
	prefix_mask(&p);
	assert_int_equal(ip_addr_v4_host(&p.addr), 0xc0000200);
}

static void containment(void **state)
{
	struct prefix outer, inner, other6;
	struct ip_addr a;

	(void)state;
	assert_int_equal(prefix_parse("203.0.113.0/24", &outer, false), 0);
	assert_int_equal(prefix_parse("203.0.113.128/25", &inner, false), 0);
	assert_int_equal(prefix_parse("2001:db8::/32", &other6, false), 0);
	assert_true(prefix_contains(&outer, &inner));
	assert_false(prefix_contains(&inner, &outer));
	assert_true(prefix_contains(&outer, &outer));
	assert_false(prefix_contains(&outer, &other6));
	assert_int_equal(ip_addr_parse("203.0.114.1", &a), 0);
	assert_false(prefix_contains_addr(&outer, &a));
	assert_int_equal(ip_addr_parse("203.0.113.255", &a), 0);
	assert_true(prefix_contains_addr(&outer, &a));
	assert_false(prefix_contains_addr(&inner, &(struct ip_addr){.family = AF_INET}));
	assert_true(prefix_equal(&outer, &outer));
	assert_false(prefix_equal(&outer, &inner));
}

/* fe80::/10, and nothing else, is link-local */
static void link_local(void **state)
{
	static const struct {
		const char *addr;
		bool ll;
	} cases[] = {{"fe80::1", true},	    {"febf:ffff::1", true}, {"fec0::1", false},
		     {"fe7f::1", false},    {"2001:db8::1", false}, {"::", false},
		     {"254.128.0.1", false}};
	struct ip_addr a;

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(ip_addr_parse(cases[i].addr, &a), 0);
		if (ip_addr_is_link_local(&a) != cases[i].ll)
			fail_msg("%s: link-local %d, expected %d", cases[i].addr, !cases[i].ll,
				 cases[i].ll);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_valid),
		cmocka_unit_test(parse_invalid),
		cmocka_unit_test(containment),
		cmocka_unit_test(link_local),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
