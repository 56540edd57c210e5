#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Resolve an IPv6 address as a router does from its link-local address:

  nd_probe.py IFACE SRC_LL TARGET [TRIES]

sends a Neighbor Solicitation for TARGET from SRC_LL (a link-local address
of IFACE's) to TARGET's solicited-node group, IFACE's MAC in its source
link-layer option, up to TRIES times (default 5) 0.3 s apart, and prints
"NA from MAC after N tries" when TARGET's Neighbor Advertisement comes back,
else "no NA after N tries" (exit status 1). Stops by itself.
"""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "lab"))
from pflab import csum  # noqa: E402


def ns_frame(mac, src, target):
    dst = bytes.fromhex("ff0200000000000000000001ff") + target[13:]
    eth = b"\x33\x33" + dst[12:] + mac + b"\x86\xdd"
    icmp = struct.pack("!BBHI", 135, 0, 0, 0) + target + b"\x01\x01" + mac
    pseudo = src + dst + struct.pack("!I3xB", len(icmp), 58)
    icmp = icmp[:2] + struct.pack("!H", csum(pseudo + icmp)) + icmp[4:]
    ip6 = struct.pack("!IHBB", 0x60000000, len(icmp), 58, 255) + src + dst
    return eth + ip6 + icmp


def is_na(frame, target):
    """An NA for target (ICMPv6 type 136, its target at 8) in an untagged frame."""
    return (len(frame) >= 14 + 40 + 24 and frame[12:14] == b"\x86\xdd" and frame[20] == 58
            and frame[54] == 136 and frame[62:78] == target)


def main():
    ifc, src, target = sys.argv[1], sys.argv[2], sys.argv[3]
    tries = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    src_b, target_b = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, target)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x86DD))
    s.bind((ifc, 0))
    s.settimeout(0.05)
    mac = s.getsockname()[4]
    frame = ns_frame(mac, src_b, target_b)
    for n in range(1, tries + 1):
        s.send(frame)
        until = time.monotonic() + 0.3
        while time.monotonic() < until:
            try:
                got = s.recv(2048)
            except socket.timeout:
                continue
            if is_na(got, target_b):
                print(f"NA from {got[6:12].hex(':')} after {n} tries")
                return 0
    print(f"no NA after {tries} tries")
    return 1


if __name__ == "__main__":
    sys.exit(main())
