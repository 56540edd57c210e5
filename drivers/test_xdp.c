/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The XDP program of af_xdp ports, run by the kernel (BPF_PROG_TEST_RUN)
 * on crafted frames after drivers/xdp.c found its maps on the interface it
 * is attached to (lo, in a network namespace of the test's own): what goes
 * to the kernel, what to the workers' socket (none here: counted as
 * no_socket), and the devargs that load it. Needs root (BPF): skipped
 * without.
 */
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "drivers/port.h"
#include "drivers/xdp.h"

static struct bpf_object *obj;
static int prog_fd = -1;
static struct xdp_port X;

static int setup(void **state)
{
	(void)state;
	if (unshare(CLONE_NEWNET) != 0) {
		print_message("unshare(CLONE_NEWNET): %s (needs root)\n", strerror(errno));
		return -1;
	}
	obj = bpf_object__open_file(PEERFWD_XDP_PROG, NULL);
	if (obj == NULL || bpf_object__load(obj) != 0) {
		print_message("%s does not load: %s\n", PEERFWD_XDP_PROG, strerror(errno));
		return -1;
	}
	prog_fd = bpf_program__fd(bpf_object__find_program_by_name(obj, XDP_PROG_NAME));
	if (prog_fd < 0 ||
	    bpf_xdp_attach((int)if_nametoindex("lo"), prog_fd, XDP_FLAGS_SKB_MODE, NULL) != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	xdp_port_close(&X);
	bpf_xdp_detach((int)if_nametoindex("lo"), XDP_FLAGS_SKB_MODE, NULL);
	bpf_object__close(obj);
	return 0;
}

/* ---- frames ---- */

static uint8_t frame[128];

/* Ethernet to dst_first (first byte of the destination MAC), with tags,
 * then ethertype; returns the header's length. */
static size_t eth(uint8_t dst_first, unsigned tags, uint16_t type)
{
	size_t off = 12;

	memset(frame, 0, sizeof(frame));
	frame[0] = dst_first;
	frame[6] = 0x02;
	for (unsigned i = 0; i < tags; i++) {
		frame[off] = i == 0 && tags == 2 ? 0x88 : 0x81;
		frame[off + 1] = i == 0 && tags == 2 ? 0xa8 : 0x00;
		frame[off + 3] = 7; /* VID */
		off += 4;
	}
	frame[off] = (uint8_t)(type >> 8);
	frame[off + 1] = (uint8_t)type;
	return off + 2;
}

static size_t v4(uint8_t dst_first, unsigned tags, uint32_t dst)
{
	size_t l2 = eth(dst_first, tags, 0x0800);

	frame[l2] = 0x45;
	frame[l2 + 9] = 17;
	for (int i = 0; i < 4; i++)
		frame[l2 + 16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	return l2 + 20 + 8;
}

static size_t v6(unsigned tags, const char *dst)
{
	size_t l2 = eth(0x02, tags, 0x86dd);
	struct ip_addr a;

	assert_int_equal(ip_addr_parse(dst, &a), 0);
	frame[l2] = 0x60;
	frame[l2 + 6] = 17;
	frame[l2 + 7] = 64;
	memcpy(&frame[l2 + 24], a.bytes, 16);
	return l2 + 40 + 8;
}

/* Run the program on frame[0..len): its verdict, and which counter grew. */
static void expect(size_t len, unsigned stat)
{
	uint64_t before[XDP_STAT__MAX], after[XDP_STAT__MAX];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (__u32)len,
		    .repeat = 1);

	assert_int_equal(xdp_stats(&X, before), 0);
	assert_int_equal(bpf_prog_test_run_opts(prog_fd, &o), 0);
	assert_int_equal(o.retval, XDP_PASS); /* no socket here: the rest passes too */
	assert_int_equal(xdp_stats(&X, after), 0);
	for (unsigned s = 0; s < XDP_STAT__MAX; s++)
		assert_int_equal(after[s] - before[s], s == stat ? 1 : 0);
}

static struct ip_addr A(const char *s) {
	struct ip_addr a;

	assert_int_equal(ip_addr_parse(s, &a), 0);
	return a;
}

/* ---- tests ---- */

static void
finds_its_maps(void **state)
{
	(void)state;
	assert_int_equal(xdp_port_open("lo", &X), 0);
	assert_true(xdp_port_on(&X));
	struct xdp_port none;
	assert_int_equal(xdp_port_open("no-such-if0", &none), -ENODEV);
	assert_false(xdp_port_on(&none));
}

static void control_traffic_stays_in_the_kernel(void **state)
{
	const struct ip_addr local[] = {A("198.51.100.1"), A("2001:db8:1::1"), A("192.0.2.1")};
	(void)state;

	assert_int_equal(xdp_local_set(&X, local, 3), 0);
	expect(eth(0xff, 0, 0x0806) + 28, XDP_STAT_KERNEL); /* ARP */
	expect(eth(0x02, 0, 0x0806) + 28, XDP_STAT_KERNEL); /* ARP reply */
	expect(eth(0x02, 0, 0x88cc) + 20, XDP_STAT_KERNEL); /* LLDP, any other type */
	expect(v4(0x02, 0, 0xc6336401), XDP_STAT_KERNEL);   /* ours */
	expect(v4(0x02, 0, 0xc0000201), XDP_STAT_KERNEL);   /* ours, another port's */
	expect(v4(0x01, 0, 0xcb007105), XDP_STAT_KERNEL);   /* L2 multicast */
	expect(v4(0x02, 0, 0xe0000005), XDP_STAT_KERNEL);   /* 224.0.0.5 */
	expect(v4(0x02, 0, 0xffffffff), XDP_STAT_KERNEL);
	expect(v6(0, "2001:db8:1::1"), XDP_STAT_KERNEL);
	expect(v6(0, "fe80::1"), XDP_STAT_KERNEL);
	expect(v6(0, "ff02::1:ff00:1"), XDP_STAT_KERNEL); /* solicited-node */
	expect(v4(0x02, 1, 0xc6336401), XDP_STAT_KERNEL); /* tagged */
	expect(v4(0x02, 2, 0xc6336401), XDP_STAT_KERNEL); /* QinQ */
	expect(v6(2, "2001:db8:1::1"), XDP_STAT_KERNEL);
	expect(eth(0x02, 0, 0x0800) + 10, XDP_STAT_KERNEL); /* too short to parse */
	expect(eth(0x02, 0, 0x86dd) + 20, XDP_STAT_KERNEL);
}

static void transit_goes_to_the_workers(void **state)
{
	const struct ip_addr local[] = {A("198.51.100.1"), A("2001:db8:1::1")};
	(void)state;

	assert_int_equal(xdp_local_set(&X, local, 2), 0);
	expect(v4(0x02, 0, 0xcb007105), XDP_STAT_NO_SOCKET);
	expect(v4(0x02, 0, 0xc6336402), XDP_STAT_NO_SOCKET); /* the neighbour's */
	expect(v4(0x02, 0, 0xc0000201), XDP_STAT_NO_SOCKET); /* no longer ours */
	expect(v6(0, "2001:db8:1::2"), XDP_STAT_NO_SOCKET);
	expect(v6(0, "fec0::1"), XDP_STAT_NO_SOCKET);	     /* not link-local */
	expect(v4(0x02, 1, 0xcb007105), XDP_STAT_NO_SOCKET); /* tagged */
	expect(v6(2, "2001:db8:99::1"), XDP_STAT_NO_SOCKET);
	/* three tags: not looked through, so not IP: the kernel's */
	size_t l2 = eth(0x02, 2, 0x8100);
	expect(l2 + 40, XDP_STAT_KERNEL);

	assert_int_equal(xdp_local_set(&X, NULL, 0), 0);
	expect(v4(0x02, 0, 0xc6336401), XDP_STAT_NO_SOCKET);
	expect(v6(0, "2001:db8:1::1"), XDP_STAT_NO_SOCKET);
}

/* A program of another name on the interface is not peerfwd's. */
static void another_program_is_not_ours(void **state)
{
	const struct bpf_insn pass[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS},
		{.code = BPF_JMP | BPF_EXIT},
	};
	struct xdp_port x;
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "other", "GPL", pass, 2, NULL);
	const int lo = (int)if_nametoindex("lo");
	(void)state;

	assert_true(fd >= 0);
	LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = prog_fd);
	assert_int_equal(bpf_xdp_attach(lo, fd, XDP_FLAGS_SKB_MODE | XDP_FLAGS_REPLACE, &o), 0);
	assert_int_equal(xdp_port_open("lo", &x), -ENOENT);
	assert_int_equal(xdp_detach_stale("lo"), 0); /* not ours: it stays */
	__u32 id = 0;
	assert_int_equal(bpf_xdp_query_id(lo, 0, &id), 0);
	assert_true(id != 0);
	bpf_xdp_detach(lo, XDP_FLAGS_SKB_MODE, NULL);
	assert_int_equal(xdp_port_open("lo", &x), -ENOENT); /* none */
	assert_int_equal(bpf_xdp_attach(lo, prog_fd, XDP_FLAGS_SKB_MODE, NULL), 0);
	close(fd);
}

/* Ours, left by a daemon that died, is taken off; then none is there. */
static void stale_program_detached(void **state)
{
	const int lo = (int)if_nametoindex("lo");
	__u32 id = 1;
	(void)state;

	assert_int_equal(xdp_detach_stale("lo"), 1);
	assert_int_equal(bpf_xdp_query_id(lo, 0, &id), 0);
	assert_int_equal(id, 0);
	assert_int_equal(xdp_detach_stale("lo"), 0);
	assert_int_equal(xdp_detach_stale("no-such-if0"), -ENODEV);
	assert_int_equal(bpf_xdp_attach(lo, prog_fd, XDP_FLAGS_SKB_MODE, NULL), 0);
}

static void devargs(void **state)
{
	static struct config c;
	struct cfg_port p = {0};
	char buf[PORT_DEVARGS_LEN];
	(void)state;

	snprintf(c.xdp_program, sizeof(c.xdp_program), "/x/peerfwd_xdp.o");
	snprintf(p.device, sizeof(p.device), "net_af_xdp0,iface=e1");
	assert_int_equal(port_devargs(&c, &p, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "net_af_xdp0,iface=e1,xdp_prog=/x/peerfwd_xdp.o");
	snprintf(p.device, sizeof(p.device), "net_af_xdp0,iface=e1,xdp_prog=/mine.o");
	assert_int_equal(port_devargs(&c, &p, buf, sizeof(buf)), 0);
	assert_string_equal(buf, p.device); /* its own program */
	snprintf(p.device, sizeof(p.device), "net_af_packet0,iface=e1");
	assert_int_equal(port_devargs(&c, &p, buf, sizeof(buf)), 0);
	assert_string_equal(buf, p.device);
	c.xdp_program[0] = '\0'; /* the PMD's own */
	snprintf(p.device, sizeof(p.device), "net_af_xdp0,iface=e1");
	assert_int_equal(port_devargs(&c, &p, buf, sizeof(buf)), 0);
	assert_string_equal(buf, p.device);
	memset(c.xdp_program, 'x', sizeof(c.xdp_program) - 1);
	assert_int_equal(port_devargs(&c, &p, buf, 40), -ENAMETOOLONG);
	/* the longest device and program fit PORT_DEVARGS_LEN */
	memset(p.device, 'd', sizeof(p.device) - 1);
	memcpy(p.device, "net_af_xdp0,", 12);
	assert_int_equal(port_devargs(&c, &p, buf, sizeof(buf)), 0);
	assert_int_equal(strlen(buf),
			 strlen(p.device) + strlen(",xdp_prog=") + strlen(c.xdp_program));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_its_maps),
		cmocka_unit_test(control_traffic_stays_in_the_kernel),
		cmocka_unit_test(transit_goes_to_the_workers),
		cmocka_unit_test(another_program_is_not_ours),
		cmocka_unit_test(stale_program_detached),
		cmocka_unit_test(devargs),
	};

	if (geteuid() != 0) {
		printf("test_xdp: skipped, BPF needs root\n");
		return 77; /* meson: skipped */
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
