#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A router on an 802.1Q VLAN, played on a raw socket (for kernels without
VLAN interfaces): vlan_peer.py IFACE DUT_ADDR MY_ADDR VID.

Sends an untagged ARP request for DUT_ADDR (which a VLAN port must drop),
then a tagged one and a tagged ICMP echo request; prints one line per step:
  untagged-arp answered|unanswered
  tagged-arp vlan=V mac=M | tagged-arp none
  echo-reply vlan=V | echo-reply none
Exit 0 when the tagged ARP and echo were answered (whatever their tags:
the caller checks them), 1 otherwise. Stops by itself within 5 s.
"""
import socket
import struct
import sys
import time

SOL_PACKET, PACKET_AUXDATA, TP_STATUS_VLAN_VALID = 263, 8, 0x10

ifc, dut, me, vid = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((ifc, 0))
s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
mac = s.getsockname()[4]


def l2(dst, ethertype, tagged):
    tag = struct.pack("!HH", 0x8100, vid) if tagged else b""
    return dst + mac + tag + struct.pack("!H", ethertype)


def arp_request(tagged):
    a = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac, socket.inet_aton(me),
                    b"\0" * 6, socket.inet_aton(dut))
    s.send(l2(b"\xff" * 6, 0x0806, tagged) + a)


def csum(b):
    b += b"\0" * (len(b) % 2)
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xffff)
    return ~(t + (t >> 16)) & 0xffff


def frames(secs):
    """(VLAN id or None, frame without its tag) of what arrives for secs.
    The kernel takes the tag off into the packet's auxdata."""
    end = time.time() + secs
    while time.time() < end:
        s.settimeout(max(0.01, end - time.time()))
        try:
            data, anc, _, addr = s.recvmsg(65535, 256)
        except socket.timeout:
            return
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        vlan = None
        for level, kind, d in anc:
            if level == SOL_PACKET and kind == PACKET_AUXDATA:
                status, _, _, _, _, tci = struct.unpack("IIIHHH", d[:18])
                if status & TP_STATUS_VLAN_VALID:
                    vlan = tci & 0xfff
        if data[12:14] == b"\x81\x00":
            vlan = struct.unpack("!H", data[14:16])[0] & 0xfff
            data = data[:12] + data[16:]
        yield vlan, data


def arp_reply(secs):
    for vlan, f in frames(secs):
        if f[12:14] == b"\x08\x06" and f[20:22] == b"\x00\x02" and \
                f[28:32] == socket.inet_aton(dut):
            return True, vlan, f[22:28]
    return False, None, None


arp_request(False)
got, _, _ = arp_reply(1.0)
print("untagged-arp", "answered" if got else "unanswered")
arp_request(True)
got, vlan, dmac = arp_reply(2.0)
if not got:
    print("tagged-arp none")
    sys.exit(1)
print("tagged-arp vlan=%s mac=%s" % (vlan, dmac.hex(":")))
icmp = struct.pack("!BBHHH", 8, 0, 0, 0x77, 1) + b"peerfwd-vlan"
icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 1, 0, 64, 1, 0,
                 socket.inet_aton(me), socket.inet_aton(dut))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
s.send(l2(dmac, 0x0800, True) + ip + icmp)
for vlan, f in frames(2.0):
    if f[12:14] == b"\x08\x00" and f[23] == 1 and f[34] == 0 and \
            f[30:34] == socket.inet_aton(me):
        print("echo-reply vlan=%s" % vlan)
        sys.exit(0)
print("echo-reply none")
sys.exit(1)
