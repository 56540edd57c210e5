#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write a pcap of 64-byte IPv4/UDP (or 78-byte IPv6/UDP) packets whose
destinations are random hosts inside the routes of a "prefix/len" file, for
forwarding benchmarks: DPDK's net_pcap replays it with infinite_rx=1.

Each packet picks a route uniformly, then random host bits, like bench_lpm's
"random" lookups. Raw struct packing, no scapy.

usage: gen_traffic.py ROUTES OUT.pcap [--count N] [--seed N]
                      [--dst-mac MAC] [--src-mac MAC] [--src PREFIX]
"""
import argparse
import ipaddress
import random
import socket
import struct
import sys

# net_pcap's port MAC in DPDK 22.11 is 02:70:63:61:70:<n> ("\x02pcap" + n),
# so packets are unicast to the first pcap port unless told otherwise.
DEFAULT_DST_MAC = "02:70:63:61:70:00"
DEFAULT_SRC_MAC = "02:00:00:00:00:10"


def mac_bytes(s):
    b = bytes(int(x, 16) for x in s.split(":"))
    if len(b) != 6:
        raise ValueError("bad MAC " + s)
    return b


def ip_checksum(hdr):
    s = sum(struct.unpack("!%dH" % (len(hdr) // 2), hdr))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def load_routes(path, version):
    family = socket.AF_INET6 if version == 6 else socket.AF_INET
    routes = []
    with open(path) as f:
        for line in f:
            field = line.split("#")[0].split()
            if not field or (":" in field[0]) != (version == 6):
                continue
            addr, plen = field[0].lstrip("R").split("/")  # l3fwd rule files too
            routes.append((int.from_bytes(socket.inet_pton(family, addr), "big"), int(plen)))
    if not routes:
        sys.exit("gen_traffic: no IPv%d routes in %s" % (version, path))
    return routes


def random_host(rng, routes, bits):
    addr, plen = routes[rng.randrange(len(routes))]
    return addr | rng.getrandbits(bits - plen) if plen < bits else addr


def packet_v4(rng, eth, src_net, dst):
    # 64 bytes on the wire: 14 Ethernet + 20 IPv4 + 8 UDP + 18 payload + 4 FCS.
    payload = bytes(18)
    udp = struct.pack("!HHHH", rng.randrange(1024, 65536), 9, 8 + len(payload), 0)
    src = int(src_net.network_address) | rng.getrandbits(32 - src_net.prefixlen)
    total = 20 + len(udp) + len(payload)
    hdr = struct.pack("!BBHHHBBHII", 0x45, 0, total, rng.getrandbits(16), 0x4000, 64, 17, 0,
                      src, dst)
    hdr = hdr[:10] + struct.pack("!H", ip_checksum(hdr)) + hdr[12:]
    return eth + b"\x08\x00" + hdr + udp + payload


def packet_v6(rng, eth, src_net, dst):
    # 78 bytes on the wire: the smallest frame with IPv6 + UDP and 12 bytes of payload.
    payload = bytes(12)
    ulen = 8 + len(payload)
    src = int(src_net.network_address) | rng.getrandbits(128 - src_net.prefixlen)
    hdr = struct.pack("!IHBB", 6 << 28, ulen, 17, 64) + src.to_bytes(16, "big") + \
        dst.to_bytes(16, "big")
    # UDP checksum is mandatory for IPv6 (RFC 8200 8.1).
    pseudo = hdr[8:40] + struct.pack("!IxxxB", ulen, 17)
    sport = rng.randrange(1024, 65536)
    udp0 = struct.pack("!HHHH", sport, 9, ulen, 0)
    csum = ip_checksum(pseudo + udp0 + payload) or 0xFFFF
    udp = struct.pack("!HHHH", sport, 9, ulen, csum)
    return eth + b"\x86\xdd" + hdr + udp + payload


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("routes")
    ap.add_argument("out")
    ap.add_argument("--count", type=int, default=65536)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--dst-mac", default=DEFAULT_DST_MAC)
    ap.add_argument("--src-mac", default=DEFAULT_SRC_MAC)
    ap.add_argument("--src", help="source prefix (default 203.0.113.0/24 or "
                    "2001:db8:c000::/48, the bench customer in configs/bench.cfg)")
    ap.add_argument("--ipv6", action="store_true", help="IPv6 packets from the IPv6 routes")
    a = ap.parse_args()

    version = 6 if a.ipv6 else 4
    src_net = ipaddress.ip_network(a.src or ("2001:db8:c000::/48" if a.ipv6 else "203.0.113.0/24"))
    routes = load_routes(a.routes, version)
    rng = random.Random(a.seed)
    eth = mac_bytes(a.dst_mac) + mac_bytes(a.src_mac)
    make = packet_v6 if a.ipv6 else packet_v4
    bits = 128 if a.ipv6 else 32

    with open(a.out, "wb") as f:
        # pcap global header: magic, v2.4, tz 0, sigfigs 0, snaplen, LINKTYPE_ETHERNET
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in range(a.count):
            pkt = make(rng, eth, src_net, random_host(rng, routes, bits))
            f.write(struct.pack("<IIII", i // 1000000, i % 1000000, len(pkt), len(pkt)))
            f.write(pkt)
    print("gen_traffic: wrote %d IPv%d packets of %d bytes (+FCS) to %s, destinations over %d routes"
          % (a.count, version, len(pkt), a.out, len(routes)))


if __name__ == "__main__":
    main()
