#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A storm at a router's control plane, from a raw socket:

  flood.py arp IFACE TARGET_IP PPS SECONDS
      broadcast ARP requests for TARGET_IP;
  flood.py syn IFACE TARGET_IP PPS SECONDS DST_MAC [SRC_IP]
      TCP SYNs to TARGET_IP port 179 (BGP), sent to DST_MAC;
  flood.py syn-pcap FILE TARGET_IP N DST_MAC [SRC_IP]
      N such SYNs into a pcap file instead, for a replay faster than a
      raw socket from Python sends (dpdk-testpmd, tests/integration).

Each frame comes from IFACE's MAC and another sender address in 10.0.0.0/8
(no neighbour of the target's), or from SRC_IP: a neighbour's address,
forged as from off the link (TTL 64, another source port each). About PPS
a second (paced every millisecond) for SECONDS; then prints "sent N".
Stops by itself. The SYNs' IPv4 header checksum is right and their TCP
checksum zero, so a kernel that gets one drops it and answers none.
"""
import socket
import struct
import sys
import time


def ipv4_csum(h):
    s = sum(struct.unpack("!10H", h))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def arp_frame(mac, target):
    head = b"\xff" * 6 + mac + b"\x08\x06" + struct.pack("!HHBBH6s", 1, 0x0800, 6, 4, 1, mac)
    tail = b"\0" * 6 + socket.inet_aton(target) + b"\0" * 18
    return lambda n: head + struct.pack("!I", 0x0A000000 | (n & 0xFFFFFF)) + tail


def syn_frame(mac, target, dst_mac, forged):
    eth = bytes.fromhex(dst_mac.replace(":", "")) + mac + b"\x08\x00"
    dst = socket.inet_aton(target)

    def frame(n):
        if forged:
            src = socket.inet_aton(forged)
            sport = 1024 + n % 60000
        else:
            src = struct.pack("!I", 0x0A000000 | (n & 0xFFFFFF))
            sport = 40000
        tcp = struct.pack("!HHIIBBHHH", sport, 179, 1, 0, 5 << 4, 0x02, 64240, 0, 0)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, n & 0xFFFF, 0, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", ipv4_csum(ip)) + ip[12:]
        return eth + ip + tcp

    return frame


def write_pcap(path, frame, n):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))  # Ethernet
        for i in range(n):
            b = frame(i)
            f.write(struct.pack("<IIII", 0, 0, len(b), len(b)) + b)


def main():
    kind, ifc, target = sys.argv[1], sys.argv[2], sys.argv[3]
    at = 7 if kind == "syn" else 6  # where SRC_IP is, if given
    forged = sys.argv[at] if len(sys.argv) > at else None
    if kind == "syn-pcap":
        write_pcap(ifc, syn_frame(b"\x02\0\0\0\0\x01", target, sys.argv[5], forged), int(sys.argv[4]))
        return
    pps, secs = int(sys.argv[4]), float(sys.argv[5])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((ifc, 0))
    mac = s.getsockname()[4]
    if kind == "arp":
        frame = arp_frame(mac, target)
    else:
        frame = syn_frame(mac, target, sys.argv[6], forged)
    per_ms = max(1, pps // 1000)
    sent = 0
    start = time.monotonic()
    while True:
        now = time.monotonic()
        if now - start >= secs:
            break
        due = int((now - start) * pps)
        while sent < due:
            for _ in range(per_ms):
                s.send(frame(sent))
                sent += 1
        time.sleep(0.001)
    print("sent", sent)


if __name__ == "__main__":
    main()
