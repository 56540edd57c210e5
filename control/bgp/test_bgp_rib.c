/* SPDX-License-Identifier: BSD-3-Clause */
/* The RIB's tier ordering, withdrawals, graceful-restart stale handling and
 * the import policy, against a FIB that records what it is told. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "control/bgp/bgp_policy.h"
#include "control/bgp/bgp_rib.h"

struct fake_fib {
	unsigned sets, unsets;
	unsigned n;
	uint16_t nh[PF_PG_MEMBERS];
	struct prefix last;
};

static int fake_set(void *arg, const struct prefix *p, const uint16_t *nh, unsigned n)
{
	struct fake_fib *f = arg;

	f->sets++;
	f->n = n;
	memcpy(f->nh, nh, n * sizeof(*nh));
	f->last = *p;
	return 0;
}

static int fake_unset(void *arg, const struct prefix *p)
{
	struct fake_fib *f = arg;

	f->unsets++;
	f->n = 0;
	f->last = *p;
	return 0;
}

static const struct bgp_rib_ops ops = {.set = fake_set, .unset = fake_unset};

static struct prefix pfx(const char *s)
{
	struct prefix p;

	assert_int_equal(prefix_parse(s, &p, false), 0);
	return p;
}

/* peers 0 pri, 1 loc, 2 geo by the default local_pref per tier */
static struct bgp_rib *rib3(struct fake_fib *f)
{
	struct bgp_rib *rib = bgp_rib_create(&ops, f);

	assert_non_null(rib);
	bgp_rib_peer_rank(rib, 0, 300, 0);
	bgp_rib_peer_rank(rib, 1, 200, 1);
	bgp_rib_peer_rank(rib, 2, 100, 2);
	return rib;
}

static void tier_order(void **state)
{
	struct fake_fib f = {0};
	struct bgp_rib *rib = rib3(&f);
	struct prefix p = pfx("203.0.113.0/24");
	uint16_t nh[PF_PG_MEMBERS];

	(void)state;
	/* announced geo first, then primary, then local: always tier order */
	assert_int_equal(bgp_rib_announce(rib, 2, &p, 30, 1), 1);
	assert_int_equal(f.n, 1);
	assert_int_equal(bgp_rib_announce(rib, 0, &p, 10, 1), 1);
	assert_int_equal(bgp_rib_announce(rib, 1, &p, 20, 1), 1);
	assert_int_equal(bgp_rib_installed(rib, &p, nh), 3);
	assert_int_equal(nh[0], 10);
	assert_int_equal(nh[1], 20);
	assert_int_equal(nh[2], 30);
	/* re-announcing the same path changes nothing in the FIB */
	unsigned sets = f.sets;
	assert_int_equal(bgp_rib_announce(rib, 0, &p, 10, 1), 0);
	assert_int_equal(f.sets, sets);
	/* primary withdraws: local first */
	assert_int_equal(bgp_rib_withdraw(rib, 0, &p), 1);
	assert_int_equal(f.n, 2);
	assert_int_equal(f.nh[0], 20);
	assert_int_equal(bgp_rib_withdraw(rib, 0, &p), 0);
	/* withdrawn everywhere: unset once, entry gone */
	bgp_rib_withdraw(rib, 1, &p);
	bgp_rib_withdraw(rib, 2, &p);
	assert_int_equal(f.unsets, 1);
	assert_int_equal(bgp_rib_prefixes(rib), 0);
	bgp_rib_free(rib);
}

static void local_pref_beats_tier(void **state)
{
	struct fake_fib f = {0};
	struct bgp_rib *rib = rib3(&f);
	struct prefix p = pfx("2001:db8:c000::/48");

	(void)state;
	bgp_rib_peer_rank(rib, 2, 1000, 2); /* a policy prefers geo */
	bgp_rib_announce(rib, 0, &p, 10, 1);
	bgp_rib_announce(rib, 2, &p, 30, 1);
	assert_int_equal(f.n, 2);
	assert_int_equal(f.nh[0], 30);
	/* same rank: the shorter AS_PATH first */
	bgp_rib_peer_rank(rib, 3, 300, 0);
	struct prefix q = pfx("2001:db8:d000::/48");
	bgp_rib_announce(rib, 0, &q, 10, 3);
	bgp_rib_announce(rib, 3, &q, 40, 1);
	assert_int_equal(f.nh[0], 40);
	assert_int_equal(f.nh[1], 10);
	bgp_rib_free(rib);
}

static void flush_and_stale(void **state)
{
	struct fake_fib f = {0};
	struct bgp_rib *rib = rib3(&f);
	char buf[32];

	(void)state;
	for (unsigned i = 0; i < 3000; i++) { /* grows the table on the way */
		snprintf(buf, sizeof(buf), "10.%u.%u.0/24", i / 256, i % 256);
		struct prefix p = pfx(buf);
		assert_true(bgp_rib_announce(rib, 1, &p, 20, 1) == 1);
		if (i % 2 == 0)
			bgp_rib_announce(rib, 0, &p, 10, 1);
	}
	struct prefix v6 = pfx("2001:db8::/32");
	bgp_rib_announce(rib, 1, &v6, 21, 1);
	assert_int_equal(bgp_rib_peer_count(rib, 1, AF_INET), 3000);
	assert_int_equal(bgp_rib_peer_count(rib, 1, 0), 3001);
	assert_int_equal(bgp_rib_prefixes(rib), 3001);
	/* graceful restart: loc's routes stale, one re-announced, rest flushed */
	assert_int_equal(bgp_rib_mark_stale(rib, 1, AF_INET), 3000);
	assert_int_equal(bgp_rib_peer_stale(rib, 1), 3000);
	struct prefix p0 = pfx("10.0.1.0/24");
	assert_int_equal(bgp_rib_announce(rib, 1, &p0, 20, 1), 0);
	assert_int_equal(bgp_rib_peer_stale(rib, 1), 2999);
	assert_int_equal(bgp_rib_flush_stale(rib, 1, AF_INET), 2999);
	assert_int_equal(bgp_rib_peer_count(rib, 1, AF_INET), 1);
	/* the primary's half stays; loc's v6 route too */
	assert_int_equal(bgp_rib_prefixes(rib), 1500 + 1 + 1);
	assert_int_equal(bgp_rib_flush(rib, 0, 0), 1500);
	assert_int_equal(bgp_rib_prefixes(rib), 2);
	bgp_rib_free(rib);
}

static void policy(void **state)
{
	struct cfg_bgp_policy pol = {
		.min_len4 = 8, .max_len4 = 24, .min_len6 = 16, .max_len6 = 48, .bogons = true};
	struct prefix p;

	(void)state;
	p = pfx("100.128.0.0/16");
	assert_int_equal(bgp_policy_check(&pol, true, &p), BGP_FILTER_ACCEPT);
	/* RFC 8212: eBGP without a policy gets nothing in; iBGP does */
	assert_int_equal(bgp_policy_check(NULL, true, &p), BGP_FILTER_NO_POLICY);
	assert_int_equal(bgp_policy_check(NULL, false, &p), BGP_FILTER_ACCEPT);
	p = pfx("100.128.0.0/25");
	assert_int_equal(bgp_policy_check(&pol, true, &p), BGP_FILTER_LENGTH);
	p = pfx("0.0.0.0/0");
	assert_int_equal(bgp_policy_check(&pol, true, &p), BGP_FILTER_LENGTH);
	p = pfx("10.1.0.0/16");
	assert_int_equal(bgp_policy_check(&pol, true, &p), BGP_FILTER_BOGON);
	p = pfx("203.0.113.0/24");
	assert_int_equal(bgp_policy_check(&pol, true, &p), BGP_FILTER_BOGON);
	p = pfx("2001:db8:c000::/48");
	assert_int_equal(bgp_policy_check(&pol, true, &p), BGP_FILTER_BOGON);
	p = pfx("2a00::/16");
	assert_int_equal(bgp_policy_check(&pol, true, &p), BGP_FILTER_ACCEPT);
	pol.bogons = false;
	p = pfx("203.0.113.0/24");
	assert_int_equal(bgp_policy_check(&pol, true, &p), BGP_FILTER_ACCEPT);
}

/*
 * Many prefixes from two peers announced and withdrawn at random (the
 * table grows through several resizes and fills with deleted slots):
 * what the RIB installs for each prefix, and its counts, against a model.
 */
#define RND_N 40000

static void random_against_model(void **state)
{
	static bool has[RND_N][2];
	struct fake_fib f = {0};
	struct bgp_rib *rib = rib3(&f);
	unsigned count[2] = {0, 0}, x = 12345;

	(void)state;
	for (unsigned op = 0; op < 6 * RND_N; op++) {
		x = x * 1103515245u + 12345u;
		unsigned i = (x >> 8) % RND_N, peer = (x >> 30) & 1;
		struct prefix p = {.addr = {.family = i % 3 ? AF_INET : AF_INET6}, .len = 24};
		p.addr.bytes[0] = 10;
		p.addr.bytes[1] = (uint8_t)(i >> 8);
		p.addr.bytes[2] = (uint8_t)i;
		if (p.addr.family == AF_INET6) {
			p.addr.bytes[0] = 0x20;
			p.len = 48;
		}
		if (op % 3 == 2) {
			assert_int_equal(bgp_rib_withdraw(rib, peer, &p), has[i][peer]);
			count[peer] -= has[i][peer];
			has[i][peer] = false;
		} else {
			assert_int_equal(bgp_rib_announce(rib, peer, &p, (uint16_t)(1 + peer), 1),
					 !has[i][peer]);
			count[peer] += !has[i][peer];
			has[i][peer] = true;
		}
	}
	unsigned any = 0;
	for (unsigned i = 0; i < RND_N; i++) {
		struct prefix p = {.addr = {.family = i % 3 ? AF_INET : AF_INET6}, .len = 24};
		uint16_t nh[PF_PG_MEMBERS];
		p.addr.bytes[0] = 10;
		p.addr.bytes[1] = (uint8_t)(i >> 8);
		p.addr.bytes[2] = (uint8_t)i;
		if (p.addr.family == AF_INET6) {
			p.addr.bytes[0] = 0x20;
			p.len = 48;
		}
		unsigned n = bgp_rib_installed(rib, &p, nh);
		any += has[i][0] || has[i][1];
		/* peer 0 (primary tier) first when it has a path */
		if (has[i][0] && has[i][1]) {
			assert_int_equal(n, 2);
			assert_int_equal(nh[0], 1);
			assert_int_equal(nh[1], 2);
		} else if (has[i][0] || has[i][1]) {
			assert_int_equal(n, 1);
			assert_int_equal(nh[0], has[i][0] ? 1 : 2);
		} else {
			assert_int_equal(n, 0);
		}
	}
	assert_int_equal(bgp_rib_prefixes(rib), any);
	assert_int_equal(bgp_rib_peer_count(rib, 0, 0), count[0]);
	assert_int_equal(bgp_rib_peer_count(rib, 1, 0), count[1]);
	assert_int_equal(bgp_rib_flush(rib, 0, 0), count[0]);
	assert_int_equal(bgp_rib_flush(rib, 1, 0), count[1]);
	assert_int_equal(bgp_rib_prefixes(rib), 0);
	bgp_rib_free(rib);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tier_order),		cmocka_unit_test(local_pref_beats_tier),
		cmocka_unit_test(flush_and_stale),	cmocka_unit_test(policy),
		cmocka_unit_test(random_against_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
