/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <rte_common.h>

#include "drivers/xdp.h"

/* The maps the program uses, as many as it has (three). */
#define PROG_MAX_MAPS 8

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Whether the program prog_id is called XDP_PROG_NAME; with its map ids
 * in ids[0..*n_ids) when ids is not NULL. 1, 0, or -errno. */
static int prog_is_ours(__u32 prog_id, __u32 *ids, __u32 *n_ids)
{
	struct bpf_prog_info info = {0};
	__u32 len = sizeof(info);
	int pfd, ret;

	if ((pfd = bpf_prog_get_fd_by_id(prog_id)) < 0)
		return -errno;
	if (ids != NULL) {
		info.nr_map_ids = *n_ids;
		info.map_ids = (__u64)(uintptr_t)ids;
	}
	ret = bpf_obj_get_info_by_fd(pfd, &info, &len);
	close(pfd);
	if (ret < 0)
		return -errno;
	if (ids != NULL)
		*n_ids = RTE_MIN(info.nr_map_ids, *n_ids);
	return strcmp(info.name, XDP_PROG_NAME) == 0;
}

int xdp_detach_stale(const char *iface)
{
	const unsigned ifindex = if_nametoindex(iface);
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int ret, n = 0;

	if (ifindex == 0)
		return -errno;
	if ((ret = bpf_xdp_query((int)ifindex, 0, &q)) < 0)
		return ret;
	/* a program is attached in one mode: native (driver) or generic */
	const __u32 id[] = {q.drv_prog_id, q.skb_prog_id};
	const __u32 mode[] = {XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE};
	for (unsigned m = 0; m < RTE_DIM(id); m++) {
		if (id[m] == 0 || (ret = prog_is_ours(id[m], NULL, NULL)) == 0)
			continue;
		if (ret < 0 || (ret = bpf_xdp_detach((int)ifindex, mode[m], NULL)) < 0)
			return ret;
		n = 1;
	}
	return n;
}

int xdp_port_open(const char *iface, struct xdp_port *x)
{
	const unsigned ifindex = if_nametoindex(iface);
	__u32 ids[PROG_MAX_MAPS], n_ids = PROG_MAX_MAPS, prog_id = 0;
	int ret;

	xdp_port_init(x);
	if (ifindex == 0)
		return -errno;
	if ((ret = bpf_xdp_query_id((int)ifindex, 0, &prog_id)) < 0)
		return ret;
	if (prog_id == 0)
		return -ENOENT;
	if ((ret = prog_is_ours(prog_id, ids, &n_ids)) <= 0)
		return ret < 0 ? ret : -ENOENT;
	for (__u32 i = 0; i < n_ids; i++) {
		struct bpf_map_info mi = {0};
		__u32 mlen = sizeof(mi);
		int mfd = bpf_map_get_fd_by_id(ids[i]);
		if (mfd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(mfd, &mi, &mlen) < 0) {
			close(mfd);
			continue;
		}
		if (strcmp(mi.name, "pf_local") == 0 && x->local_fd < 0)
			x->local_fd = mfd;
		else if (strcmp(mi.name, "pf_xdp_stats") == 0 && x->stats_fd < 0)
			x->stats_fd = mfd;
		else
			close(mfd);
	}
	if (x->local_fd < 0 || x->stats_fd < 0) {
		xdp_port_close(x);
		return -ENOENT; /* a program of that name, but not ours */
	}
	return 0;
}

void xdp_port_close(struct xdp_port *x)
{
	close_fd(&x->local_fd);
	close_fd(&x->stats_fd);
}

static struct xdp_local_key local_key(const struct ip_addr *a)
{
	struct xdp_local_key k = {{0}};

	if (a->family == AF_INET6) {
		memcpy(k.addr, a->bytes, 16);
	} else {
		k.addr[10] = k.addr[11] = 0xff;
		memcpy(&k.addr[12], a->bytes, 4);
	}
	return k;
}

int xdp_local_set(const struct xdp_port *x, const struct ip_addr *a, unsigned n)
{
	struct xdp_local_key want[XDP_MAX_LOCAL], have[XDP_MAX_LOCAL], k, *prev = NULL;
	const __u8 one = 1;
	unsigned n_have = 0;

	if (n > XDP_MAX_LOCAL)
		return -E2BIG;
	for (unsigned j = 0; j < n; j++)
		want[j] = local_key(&a[j]);
	/* What is there and should not be goes first: the map is full at
	 * XDP_MAX_LOCAL. */
	while (n_have < XDP_MAX_LOCAL && bpf_map_get_next_key(x->local_fd, prev, &k) == 0) {
		have[n_have] = k;
		prev = &have[n_have++];
	}
	for (unsigned i = 0; i < n_have; i++) {
		bool keep = false;
		for (unsigned j = 0; j < n && !keep; j++)
			keep = memcmp(&want[j], &have[i], sizeof(want[j])) == 0;
		if (!keep && bpf_map_delete_elem(x->local_fd, &have[i]) < 0)
			return -errno;
	}
	for (unsigned j = 0; j < n; j++)
		if (bpf_map_update_elem(x->local_fd, &want[j], &one, BPF_ANY) < 0)
			return -errno;
	return 0;
}

const char *xdp_stat_name(unsigned stat)
{
	static const char *const names[XDP_STAT__MAX] = {
		[XDP_STAT_KERNEL] = "to_kernel",
		[XDP_STAT_DATAPLANE] = "to_workers",
		[XDP_STAT_NO_SOCKET] = "no_socket",
	};

	return stat < XDP_STAT__MAX ? names[stat] : "unknown";
}

int xdp_stats(const struct xdp_port *x, uint64_t out[XDP_STAT__MAX])
{
	const int ncpu = libbpf_num_possible_cpus();
	uint64_t *v;

	if (ncpu <= 0)
		return ncpu < 0 ? ncpu : -EINVAL;
	if ((v = calloc((size_t)ncpu, sizeof(*v))) == NULL)
		return -ENOMEM;
	for (__u32 s = 0; s < XDP_STAT__MAX; s++) {
		out[s] = 0;
		if (bpf_map_lookup_elem(x->stats_fd, &s, v) < 0) {
			free(v);
			return -errno;
		}
		for (int c = 0; c < ncpu; c++)
			out[s] += v[c];
	}
	free(v);
	return 0;
}
