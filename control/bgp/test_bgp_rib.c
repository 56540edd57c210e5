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

/*
 * Every peer slot in use: prefixes with from 1 to 32 paths (the inline
 * paths and the overflow of a RIB entry, growing and shrinking), random
 * ranks, AS_PATH lengths and next hops, stale marks and flushes. After
 * each change, what is installed for the prefix against a model of the
 * selection; counts and per-peer figures at the end of each round.
 */
#define MP_PREFIXES 48
#define MP_PEERS    BGP_RIB_MAX_PEERS

struct mp_path {
	bool has, stale;
	uint16_t nh;
	uint8_t aspl;
};

static struct {
	uint32_t lp[MP_PEERS];
	unsigned tier[MP_PEERS];
	struct mp_path path[MP_PREFIXES][MP_PEERS];
} M;

static struct prefix mp_prefix(unsigned i)
{
	struct prefix p = {.addr = {.family = i % 4 ? AF_INET : AF_INET6}, .len = 24};

	p.addr.bytes[0] = 10;
	p.addr.bytes[2] = (uint8_t)i;
	if (p.addr.family == AF_INET6) {
		p.addr.bytes[0] = 0x20;
		p.len = 48;
	}
	return p;
}

static bool mp_better(unsigned i, unsigned a, unsigned b)
{
	const struct mp_path *pa = &M.path[i][a], *pb = &M.path[i][b];

	if (M.lp[a] != M.lp[b])
		return M.lp[a] > M.lp[b];
	if (M.tier[a] != M.tier[b])
		return M.tier[a] < M.tier[b];
	if (pa->aspl != pb->aspl)
		return pa->aspl < pb->aspl;
	return a < b;
}

static unsigned mp_expect(unsigned i, uint16_t nh[PF_PG_MEMBERS])
{
	bool used[MP_PEERS] = {false};
	unsigned n = 0;

	for (;;) {
		int best = -1;
		for (unsigned k = 0; k < MP_PEERS; k++)
			if (M.path[i][k].has && !used[k] &&
			    (best < 0 || mp_better(i, k, (unsigned)best)))
				best = (int)k;
		if (best < 0 || n == PF_PG_MEMBERS)
			return n;
		used[best] = true;
		bool dup = false;
		for (unsigned j = 0; j < n; j++)
			dup |= nh[j] == M.path[i][best].nh;
		if (!dup)
			nh[n++] = M.path[i][best].nh;
	}
}

static void mp_check(struct bgp_rib *rib, unsigned i)
{
	uint16_t want[PF_PG_MEMBERS], got[PF_PG_MEMBERS];
	struct prefix p = mp_prefix(i);
	unsigned nw = mp_expect(i, want), ng = bgp_rib_installed(rib, &p, got);

	assert_int_equal(ng, nw);
	assert_memory_equal(got, want, nw * sizeof(want[0]));
}

static void many_paths_against_model(void **state)
{
	struct fake_fib f = {0};
	struct bgp_rib *rib = bgp_rib_create(&ops, &f);
	unsigned x = 777;

	(void)state;
	assert_non_null(rib);
	memset(&M, 0, sizeof(M));
	for (unsigned k = 0; k < MP_PEERS; k++) {
		M.lp[k] = 100 * (1 + k % 3);
		M.tier[k] = (k / 3) % 3;
		bgp_rib_peer_rank(rib, k, M.lp[k], M.tier[k]);
	}
	for (unsigned round = 0; round < 40; round++) {
		for (unsigned op = 0; op < 2000; op++) {
			x = x * 1103515245u + 12345u;
			unsigned i = (x >> 4) % MP_PREFIXES;
			/* prefix i is announced by peers 0..i % 32: 1 to 32 paths */
			unsigned k = (x >> 12) % (i % MP_PEERS + 1);
			struct mp_path *mp = &M.path[i][k];
			struct prefix p = mp_prefix(i);
			if ((x >> 20) % 3 == 0) {
				assert_int_equal(bgp_rib_withdraw(rib, k, &p), mp->has);
				*mp = (struct mp_path){0};
			} else {
				uint16_t nh = (uint16_t)(1 + (x >> 22) % 6);
				uint8_t aspl = (uint8_t)((x >> 25) % 4);
				assert_int_equal(bgp_rib_announce(rib, k, &p, nh, aspl), !mp->has);
				*mp = (struct mp_path){.has = true, .nh = nh, .aspl = aspl};
			}
			mp_check(rib, i);
		}
		/* a peer restarts: its paths stale, some announced again, the
		 * rest flushed; every few rounds one is flushed outright */
		unsigned peer = round % MP_PEERS, n_stale = 0, n_has = 0;
		for (unsigned i = 0; i < MP_PREFIXES; i++)
			n_has += M.path[i][peer].has;
		assert_int_equal(bgp_rib_mark_stale(rib, peer, 0), n_has);
		for (unsigned i = 0; i < MP_PREFIXES; i++) {
			struct mp_path *mp = &M.path[i][peer];
			struct prefix p = mp_prefix(i);
			mp->stale = mp->has;
			if (mp->has && i % 2 == 0) {
				assert_int_equal(bgp_rib_announce(rib, peer, &p, mp->nh, mp->aspl),
						 0);
				mp->stale = false;
			}
			n_stale += mp->stale;
		}
		assert_int_equal(bgp_rib_peer_stale(rib, peer), n_stale);
		assert_int_equal(bgp_rib_flush_stale(rib, peer, 0), n_stale);
		for (unsigned i = 0; i < MP_PREFIXES; i++)
			if (M.path[i][peer].stale)
				M.path[i][peer] = (struct mp_path){0};
		if (round % 5 == 4) {
			unsigned fam = round % 10 == 4 ? AF_INET6 : 0, n = 0;
			for (unsigned i = 0; i < MP_PREFIXES; i++) {
				bool in = fam == 0 || mp_prefix(i).addr.family == fam;
				n += in && M.path[i][peer].has;
				if (in)
					M.path[i][peer] = (struct mp_path){0};
			}
			assert_int_equal(bgp_rib_flush(rib, peer, (int)fam), n);
		}
		/* the whole table, counts and installed-by-peer */
		unsigned installed[BGP_RIB_MAX_PEERS], want_inst[MP_PEERS] = {0}, any = 0;
		bgp_rib_installed_by_peer(rib, installed);
		for (unsigned i = 0; i < MP_PREFIXES; i++) {
			uint16_t nh[PF_PG_MEMBERS];
			unsigned n = mp_expect(i, nh);
			bool has_any = false;
			mp_check(rib, i);
			for (unsigned k = 0; k < MP_PEERS; k++) {
				has_any |= M.path[i][k].has;
				for (unsigned j = 0; M.path[i][k].has && j < n; j++)
					if (nh[j] == M.path[i][k].nh) {
						want_inst[k]++;
						break;
					}
			}
			any += has_any;
		}
		assert_int_equal(bgp_rib_prefixes(rib), any);
		for (unsigned k = 0; k < MP_PEERS; k++) {
			unsigned c4 = 0, c6 = 0;
			for (unsigned i = 0; i < MP_PREFIXES; i++) {
				c4 += M.path[i][k].has && mp_prefix(i).addr.family == AF_INET;
				c6 += M.path[i][k].has && mp_prefix(i).addr.family == AF_INET6;
			}
			assert_int_equal(bgp_rib_peer_count(rib, k, AF_INET), c4);
			assert_int_equal(bgp_rib_peer_count(rib, k, AF_INET6), c6);
			assert_int_equal(installed[k], want_inst[k]);
		}
	}
	assert_int_equal(f.sets > 0 && f.unsets > 0, true);
	bgp_rib_free(rib);
}

/* The oracle: prefix_contains over the blocks bgp_prefix_is_bogon matches. */
static bool bogon_by_oracle(const char *const *list, size_t n, const struct prefix *p)
{
	for (size_t i = 0; i < n; i++) {
		struct prefix b = pfx(list[i]);
		if (b.addr.family == p->addr.family && prefix_contains(&b, p))
			return true;
	}
	return false;
}

/* Prefixes at, inside, around and over every bogon, and random ones. */
static void bogons_against_oracle(void **state)
{
	unsigned x = 4242, n_bogon = 0;
	size_t n_list;
	const char *const *list = bgp_bogon_list(&n_list);

	(void)state;
	assert_true(n_list > 20); /* the IPv4 and IPv6 blocks */
	for (unsigned t = 0; t < 200000; t++) {
		x = x * 1103515245u + 12345u;
		size_t bi = (x >> 8) % n_list;
		struct prefix p = pfx(list[bi]);
		unsigned bits = ip_addr_bits(&p.addr), y = x;
		switch (t % 4) {
		case 0: /* longer, random host bits: inside */
			p.len = (uint8_t)(p.len + (x >> 16) % (bits - p.len + 1));
			break;
		case 1: /* shorter: over it */
			p.len = (uint8_t)((x >> 16) % (p.len + 1u));
			break;
		case 2: /* one bit of the bogon's own flipped */
			if (p.len > 0) {
				unsigned b = (x >> 16) % p.len;
				p.addr.bytes[b / 8] ^= (uint8_t)(0x80u >> (b % 8));
			}
			p.len = (uint8_t)(p.len + (x >> 24) % (bits - p.len + 1));
			break;
		default: /* anywhere */
			p.len = (uint8_t)((x >> 16) % (bits + 1));
			break;
		}
		for (unsigned b = 0; b < bits / 8; b++) {
			y = y * 1103515245u + 12345u;
			/* random octets past the bogon's first ones (case 3: all) */
			if (t % 4 == 3 || b * 8 >= pfx(list[bi]).len)
				p.addr.bytes[b] = (uint8_t)(y >> 16);
		}
		prefix_mask(&p);
		bool want = bogon_by_oracle(list, n_list, &p);
		n_bogon += want;
		if (bgp_prefix_is_bogon(&p) != want) {
			char buf[PREFIX_STRLEN];
			fail_msg("%s: bogon %d, oracle %d", prefix_format(&p, buf, sizeof(buf)),
				 !want, want);
		}
	}
	assert_true(n_bogon > 50000 && n_bogon < 150000); /* both sides tested */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tier_order),
		cmocka_unit_test(local_pref_beats_tier),
		cmocka_unit_test(flush_and_stale),
		cmocka_unit_test(policy),
		cmocka_unit_test(random_against_model),
		cmocka_unit_test(many_paths_against_model),
		cmocka_unit_test(bogons_against_oracle),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
