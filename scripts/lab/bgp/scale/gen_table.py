#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A synthetic full Internet table for BIRD: "route P blackhole;" lines for
a static protocol (scripts/lab/bgp/scale/bird-pri-scale.conf includes them).

  gen_table.py [--v4 N] [--v6 N] [--seed S] OUT4 OUT6

IPv4: N prefixes (default 1,000,000) with the public table's length mix
(about 60 % /24, /22 and /23 next, a tail up to /8), from unicast /8s only.
IPv6: N prefixes (default 250,000), mostly /48, then /32 /44 /40 /36 /29 ...,
clustered like the real table: /32-ish allocations under the RIRs' 2000::/3
blocks, their more-specifics inside.

Nothing overlaps the lab: no IPv4 prefix in (or covering) 0/8, 10/8, 100/8,
127/8, 169/8, 172/8, 192/8, 198/8, 203/8 (so none in or over 203.0.113.0/24,
192.0.2.0/24, 198.51.100.0/24), nothing at or above 224/8; no IPv6 prefix in
or over 2001:db8::/32 (2001:db8:c000::/48, the lab's links). Deterministic for
a seed; every prefix once, host bits zero.
"""
import argparse
import ipaddress
import random
import sys
import time

# Share of the IPv4 table by prefix length (public table, 2024, rounded).
V4_MIX = {24: 600, 23: 100, 22: 125, 21: 45, 20: 40, 19: 30, 18: 15, 17: 10, 16: 22,
          15: 4, 14: 3, 13: 2, 12: 1.5, 11: 0.8, 10: 0.4, 9: 0.2, 8: 0.1}
V4_SKIP = {0, 10, 100, 127, 169, 172, 192, 198, 203}
# IPv6 by length.
V6_MIX = {48: 520, 32: 110, 44: 80, 40: 60, 36: 35, 46: 30, 47: 25, 29: 30, 45: 20,
          42: 15, 38: 10, 34: 10, 33: 10, 35: 5, 37: 5, 39: 5, 41: 5, 43: 5, 30: 5, 31: 5,
          28: 3, 24: 1, 20: 0.5}
# First 16 bits the RIRs allocate from (2001::/16 and the /12s).
V6_BLOCKS = [0x2001] + [b + i for b in (0x2400, 0x2600, 0x2800, 0x2a00, 0x2c00)
                        for i in range(16)]
DOC6 = (0x2001 << 112) | (0x0db8 << 96)  # 2001:db8::/32


def lengths(mix, n, rng):
    ls, ws = zip(*mix.items())
    return rng.choices(ls, weights=ws, k=n)


def gen_v4(n, rng):
    firsts = [o for o in range(1, 224) if o not in V4_SKIP]
    out = set()
    lens = lengths(V4_MIX, n, rng)
    i = 0
    while len(out) < n:
        ln = lens[i % n]
        i += 1
        a = (rng.choice(firsts) << 24) | rng.getrandbits(24)
        a &= (0xffffffff << (32 - ln)) & 0xffffffff
        out.add((a, ln))
    return out


def gen_v6(n, rng):
    # ~ one allocation per 7 prefixes; /29../32 allocations.
    allocs = []
    for _ in range(max(1, n // 7)):
        hi = rng.choice(V6_BLOCKS)
        a = (hi << 112) | (rng.getrandbits(16) << 96)
        if (a >> 96) == (DOC6 >> 96):
            continue
        allocs.append(a)
    out = set()
    lens = lengths(V6_MIX, n, rng)
    i = 0
    while len(out) < n:
        ln = lens[i % n]
        i += 1
        base = rng.choice(allocs)
        if ln <= 32:
            a = base
        else:
            a = base | (rng.getrandbits(ln - 32) << (128 - ln))
        a &= ((1 << 128) - 1) ^ ((1 << (128 - ln)) - 1)
        # neither inside nor over 2001:db8::/32
        if (a >> 96) == (DOC6 >> 96) or (ln < 32 and (a >> (128 - ln)) == (DOC6 >> (128 - ln))):
            continue
        out.add((a, ln))
    return out


def write(path, routes, fam):
    fmt = ipaddress.IPv4Address if fam == 4 else ipaddress.IPv6Address
    with open(path, "w") as f:
        f.writelines(f"route {fmt(a)}/{ln} blackhole;\n" for a, ln in sorted(routes))


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--v4", type=int, default=1_000_000)
    ap.add_argument("--v6", type=int, default=250_000)
    ap.add_argument("--seed", type=int, default=4271)
    ap.add_argument("out4")
    ap.add_argument("out6")
    a = ap.parse_args(argv)
    t = time.time()
    rng = random.Random(a.seed)
    v4, v6 = gen_v4(a.v4, rng), gen_v6(a.v6, rng)
    write(a.out4, v4, 4)
    write(a.out6, v6, 6)
    print(f"gen_table: {len(v4)} IPv4 + {len(v6)} IPv6 routes in {time.time() - t:.1f} s "
          f"-> {a.out4}, {a.out6}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
