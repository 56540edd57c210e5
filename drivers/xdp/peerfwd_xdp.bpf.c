/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The XDP program of an AF_XDP port (loaded by DPDK's af_xdp PMD through
 * its xdp_prog= devarg; drivers/xdp.c fills its maps). The kernel keeps
 * the port's control plane; the workers get the transit traffic:
 *
 *   to the kernel (XDP_PASS): every frame that is not IPv4 or IPv6 (ARP,
 *     LLDP, LACP, ...), link-layer multicast and broadcast, IPv4 multicast
 *     and broadcast, IPv6 multicast and link-local destinations (ND, BGP
 *     between link-local addresses), and anything to one of the box's own
 *     addresses (pf_local: BGP, BFD, ICMP); also what is too short to
 *     parse, which the kernel drops;
 *   to the port's AF_XDP socket on the frame's rx queue (xsks_map): the
 *     rest, as if the program were DPDK's default; when that queue has no
 *     socket (the daemon is not running), to the kernel all the same.
 *
 * Up to two VLAN tags (802.1Q, 802.1ad) are looked through. pf_xdp_stats
 * counts the frames each way, per CPU.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "xdp_maps.h"

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, XDP_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XDP_MAX_LOCAL);
	__type(key, struct xdp_local_key);
	__type(value, __u8);
} pf_local SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDP_STAT__MAX);
	__type(key, __u32);
	__type(value, __u64);
} pf_xdp_stats SEC(".maps");

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

static __always_inline int verdict(__u32 stat, int action)
{
	__u64 *n = bpf_map_lookup_elem(&pf_xdp_stats, &stat);

	if (n != NULL)
		*n += 1;
	return action;
}

static __always_inline int to_kernel(void)
{
	return verdict(XDP_STAT_KERNEL, XDP_PASS);
}

SEC("xdp")
int peerfwd_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct xdp_local_key key = {0};
	void *l3;
	__u16 proto;

	if ((void *)(eth + 1) > end || (eth->h_dest[0] & 1))
		return to_kernel(); /* runt; multicast, broadcast */
	proto = eth->h_proto;
	l3 = eth + 1;
#pragma unroll
	for (int i = 0; i < 2; i++) {
		struct vlan_hdr *v = l3;
		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(v + 1) > end)
			return to_kernel();
		proto = v->proto;
		l3 = v + 1;
	}
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = l3;
		if ((void *)(ip + 1) > end)
			return to_kernel();
		const __u8 *d = (const __u8 *)&ip->daddr;
		if ((d[0] & 0xf0) == 0xe0 || ip->daddr == 0xffffffff)
			return to_kernel();
		key.addr[10] = 0xff;
		key.addr[11] = 0xff;
		__builtin_memcpy(&key.addr[12], &ip->daddr, 4);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = l3;
		if ((void *)(ip6 + 1) > end)
			return to_kernel();
		const __u8 *d = ip6->daddr.in6_u.u6_addr8;
		if (d[0] == 0xff || (d[0] == 0xfe && (d[1] & 0xc0) == 0x80))
			return to_kernel();
		__builtin_memcpy(key.addr, d, 16);
	} else {
		return to_kernel();
	}
	if (bpf_map_lookup_elem(&pf_local, &key) != NULL)
		return to_kernel();
	__u32 q = ctx->rx_queue_index;
	if (bpf_map_lookup_elem(&xsks_map, &q) == NULL)
		return verdict(XDP_STAT_NO_SOCKET, XDP_PASS);
	return verdict(XDP_STAT_DATAPLANE, bpf_redirect_map(&xsks_map, q, 0));
}

char _license[] SEC("license") = "Dual BSD/GPL";
