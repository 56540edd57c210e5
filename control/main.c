/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * peerfwd: check the config (before touching any port), start EAL, ports
 * and workers, program the tables, then run the control loop until
 * SIGINT/SIGTERM.
 *
 *   peerfwd -c FILE [--check] [-- extra EAL args]
 *
 * Exit status: 0 clean stop, 2 bad config or arguments, 1 runtime failure.
 */
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_vect.h>

#include "control/bfd/bfd.h"
#include "control/bgp/bgp.h"
#include "control/ctlsock/ctlsock.h"
#include "control/daemon/daemon.h"
#include "control/daemon/exception.h"
#include "control/daemon/log.h"
#include "control/daemon/xdp_local.h"
#include "control/daemon/neigh.h"
#include "control/daemon/notify.h"

#define EXIT_CONFIG    2
#define MAX_EAL_ARGS   128
#define PUNT_RING_SIZE 4096

static struct daemon D;

static void usage(FILE *f)
{
	fprintf(f, "usage: peerfwd -c FILE [--check] [-- EAL args...]\n"
		   "  -c, --config FILE  configuration (libconfig), see configs/\n"
		   "      --check        validate the configuration and exit (0 ok, 2 error)\n"
		   "  -V, --version      print the version\n");
}

static int build_eal_args(const struct config *cfg, int extra_argc, char **extra_argv, char **argv,
			  char *lcores, size_t lcores_len, char *main_lcore)
{
	int argc = 0;
	bool has_pci = false, no_pci = false;
	size_t off;

	argv[argc++] = "peerfwd";
	off = (size_t)snprintf(lcores, lcores_len, "%u", cfg->main_lcore);
	for (unsigned i = 0; i < cfg->n_workers && off < lcores_len; i++)
		off += (size_t)snprintf(lcores + off, lcores_len - off, ",%u",
					cfg->workers[i].lcore);
	sprintf(main_lcore, "%u", cfg->main_lcore);
	argv[argc++] = "-l";
	argv[argc++] = lcores;
	argv[argc++] = "--main-lcore";
	argv[argc++] = main_lcore;
	if (port_eal_args(cfg, argv, &argc, MAX_EAL_ARGS - 8) < 0)
		return -E2BIG;
	for (unsigned i = 0; i < cfg->n_ports; i++)
		has_pci |= cfg->ports[i].is_pci;
	for (unsigned i = 0; i < cfg->n_eal_args; i++) {
		if (argc >= MAX_EAL_ARGS - 4)
			return -E2BIG;
		no_pci |= strcmp(cfg->eal_args[i], "--no-pci") == 0;
		argv[argc++] = cfg->eal_args[i];
	}
	for (int i = 0; i < extra_argc; i++) {
		if (argc >= MAX_EAL_ARGS - 2)
			return -E2BIG;
		argv[argc++] = extra_argv[i];
	}
	if (!has_pci && !no_pci)
		argv[argc++] = "--no-pci";
	argv[argc] = NULL;
	return argc;
}

static int start_ports(struct daemon *d)
{
	const struct config *cfg = &d->cfg;
	unsigned n_mbufs = 8192;
	char err[512];

	for (unsigned i = 0; i < cfg->n_ports; i++)
		n_mbufs += (cfg->ports[i].n_rxq + cfg->n_workers) * 1024u + 2048u +
			   (cfg->ports[i].exception ? 2048u : 0); /* its tx queue, the TAP's */
	if (cfg->n_mbufs > n_mbufs)
		n_mbufs = cfg->n_mbufs; /* e.g. a pcap replay port holds its whole file */
	d->mp = rte_pktmbuf_pool_create("pf_mbufs", n_mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					(int)rte_socket_id());
	if (d->mp == NULL) {
		PF_LOG(ERR, "mbuf pool of %u: %s", n_mbufs, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (unsigned i = 0; i < cfg->n_ports; i++) {
		int ret = port_start(cfg, i, cfg->ports[i].n_rxq,
				     (uint16_t)(cfg->n_workers + exception_txqs(d, i)), d->mp,
				     &d->port[i], err, sizeof(err));
		if (ret < 0) {
			PF_LOG(ERR, "%s", err);
			return ret;
		}
		d->n_ports = i + 1;
		if ((ret = exception_start(d, i, &d->port[i], err, sizeof(err))) < 0 ||
		    (ret = xdp_local_start(d, i, err, sizeof(err))) < 0) {
			PF_LOG(ERR, "%s", err);
			return ret;
		}
		PF_LOG(INFO,
		       "port %s: %s, ethdev %u, %u rx / %u tx queues, mac " RTE_ETHER_ADDR_PRT_FMT,
		       cfg->ports[i].name, d->port[i].driver, d->port[i].port_id, d->port[i].n_rxq,
		       d->port[i].n_txq, RTE_ETHER_ADDR_BYTES(&d->port[i].mac));
	}
	return 0;
}

static int start_workers(struct daemon *d)
{
	const struct config *cfg = &d->cfg;

	for (unsigned i = 0; i < cfg->n_workers; i++) {
		struct worker *w = &d->worker[i];
		d->ctr[i] = rte_zmalloc("pf_ctr", sizeof(struct pf_lcore_counters),
					RTE_CACHE_LINE_SIZE);
		if (d->ctr[i] == NULL)
			return -ENOMEM;
		w->lcore_id = cfg->workers[i].lcore;
		w->index = i;
		w->n_rxq = cfg->workers[i].n_rxq;
		w->min_mtu = UINT16_MAX;
		for (unsigned q = 0; q < w->n_rxq; q++) {
			w->rxq[q].port_id = d->port[cfg->workers[i].rxq[q].port].port_id;
			w->rxq[q].queue_id = cfg->workers[i].rxq[q].queue;
		}
		for (unsigned p = 0; p < d->n_ports; p++) {
			w->port_ids[p] = d->port[p].port_id;
			daemon_worker_port(w, &cfg->ports[p], &d->port[p]);
		}
		w->n_ports = d->n_ports;
		w->tables = &d->tables;
		w->punt = d->punt;
		w->ctr = d->ctr[i];
		w->quit = &d->workers_quit;
		worker_set_icmp_rate(w, cfg->icmp_rate);
		worker_set_punt_rate(w, cfg->punt_rate);
		worker_set_peer_punt_rate(w, cfg->peer_punt_rate);
	}
	d->n_workers = cfg->n_workers;
	for (unsigned i = 0; i < d->n_workers; i++) {
		int ret = rte_eal_remote_launch(worker_main, &d->worker[i], d->worker[i].lcore_id);
		if (ret < 0) {
			PF_LOG(ERR, "worker on lcore %u: %s", d->worker[i].lcore_id,
			       strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* Re-reads every present port's carrier and applies the changes. */
static void check_links(struct daemon *d)
{
	for (unsigned i = 0; i < d->n_ports; i++) {
		if (!config_port_present(&d->cfg, i))
			continue;
		bool c = port_carrier(&d->cfg.ports[i], &d->port[i]);
		if (c != d->link[i].carrier) {
			d->link[i].carrier = c;
			pthread_mutex_lock(&d->lock);
			daemon_link_update(d, i, c ? "carrier up" : "carrier lost");
			pthread_mutex_unlock(&d->lock);
			exception_carrier(d, i, c);
		}
	}
}

static void poll_links(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	struct daemon *d = arg;

	(void)loop;
	check_links(d);
	ev_timer_start(t, d->cfg.link_poll_ms);
}

/*
 * Carrier changes of ports on kernel interfaces (af_packet, af_xdp) as they
 * happen: the kernel announces every link change to RTMGRP_LINK, and the
 * worker keeps sending on a dead link only until the control thread has
 * seen it. Any announcement, or an overrun of the socket (ENOBUFS), re-reads
 * all carriers, so what a message says does not matter; the poll above stays
 * for ports without a kernel interface and as the fallback. Returns the
 * socket or -errno (then the poll alone).
 */
static int link_events_open(void)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	int rc;

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

static void on_link_event(struct ev_loop *loop, int fd, uint32_t events, void *arg)
{
	char buf[8192];

	(void)loop;
	(void)events;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n > 0 || (n < 0 && (errno == ENOBUFS || errno == EINTR)))
			continue;
		break; /* drained (EAGAIN) */
	}
	check_links(arg);
}

static void on_signal(struct ev_loop *loop, int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;
	struct daemon *d = arg;

	(void)loop;
	(void)events;
	if (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			daemon_reload_log(d);
			return;
		}
		PF_LOG(NOTICE, "signal %u: stopping", si.ssi_signo);
		d->quit = true;
	}
}

/* systemd's watchdog: alive while the control loop turns (notify.h). */
static void watchdog_ping(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	const uint64_t *every_ms = arg;

	(void)loop;
	notify("WATCHDOG=1");
	ev_timer_start(t, *every_ms);
}

static int tables_init(struct daemon *d)
{
	const struct config *cfg = &d->cfg;
	struct fwd_conf fc = {
		.max_routes4 = cfg->max_routes4,
		.n_tbl8_4 = cfg->n_tbl8_4,
		.max_routes6 = cfg->max_routes6,
		.n_groups6 = cfg->n_groups6,
		.max_readers = cfg->n_workers,
		.socket_id = (int)rte_socket_id(),
	};
	struct routes_conf rc = {.max_entries = cfg->max_routes4 + cfg->max_routes6 +
						PF_MAX_PREFIXES + 2 * PF_MAX_PORTS * CFG_MAX_ADDRS};
	char err[512];
	int ret;

	if ((ret = fwd_tables_create(&d->tables, &fc)) < 0) {
		PF_LOG(ERR, "forwarding tables: %s", strerror(-ret));
		return ret;
	}
	PF_LOG(NOTICE, "IPv6 bulk lookup: %s",
	       fib6_lookup_type(d->tables.fib6) == FIB6_LOOKUP_AVX512 ? "AVX-512" : "scalar");
	d->routes = routes_create(&d->tables, &rc);
	if (d->routes == NULL) {
		PF_LOG(ERR, "route table: out of memory");
		return -ENOMEM;
	}
	if ((ret = daemon_program(d, err, sizeof(err))) < 0) {
		PF_LOG(ERR, "%s", err);
		return ret;
	}
	/* Registrations made over the control socket; an unreadable state
	 * file is fatal rather than silently dropping customers' traffic. */
	if ((ret = ctlsock_state_load(d)) < 0)
		return ret;
	d->punt = rte_ring_create("pf_punt", PUNT_RING_SIZE, (int)rte_socket_id(), RING_F_SC_DEQ);
	return d->punt == NULL ? -ENOMEM : 0;
}

static int control_loop(struct daemon *d, int sigfd)
{
	struct ev_timer *links, *watchdog = NULL;
	struct ctlsock *cs;
	int link_fd, rc;
	uint64_t watchdog_ms = notify_watchdog_usec() / 2000;

	if (ev_fd_add(d->ev, sigfd, EPOLLIN, on_signal, d) < 0)
		return -1;
	links = ev_timer_new(d->ev, poll_links, d);
	link_fd = link_events_open();
	rc = link_fd < 0 ? link_fd : ev_fd_add(d->ev, link_fd, EPOLLIN, on_link_event, d);
	if (rc < 0) {
		PF_LOG(WARNING, "link events (netlink): %s; carriers polled every %u ms only",
		       strerror(-rc), d->cfg.link_poll_ms);
		if (link_fd >= 0)
			close(link_fd);
		link_fd = -1;
	}
	daemon_nbrs_update(d);	      /* the next hops; bgp_start adds the peers */
	ctlsock_state_start_links(d); /* links added at run time before the last stop */
	poll_links(d->ev, links, d);
	if ((rc = neigh_start(d)) < 0)
		PF_LOG(WARNING,
		       "neighbour table (netlink): %s; next hops without a MAC stay unused",
		       strerror(-rc));
	if ((rc = bfd_start(d)) < 0)
		PF_LOG(ERR, "bfd: %s: no BFD sessions (next hops used as if BFD were off)",
		       strerror(-rc));
	cs = ctlsock_open(d, d->cfg.ctl_socket);
	if (cs == NULL)
		PF_LOG(WARNING, "control socket %s unavailable: continuing without it",
		       d->cfg.ctl_socket);
	d->bgp = bgp_start(d);
	ctlsock_state_start_peerings(d); /* managed peerings: after the config's */
	char running[128];
	snprintf(running, sizeof(running),
		 "running: %u ports, %u workers, %u routes, %u registered", d->n_ports,
		 d->n_workers, routes_count(d->routes, 0), routes_registered_count(d->routes));
	PF_LOG(NOTICE, "peerfwd %s %s", PEERFWD_VERSION, running);
	/* systemd (Type=notify): started once the ports forward and the
	 * control socket answers */
	rc = notify("READY=1\nSTATUS=%s", running);
	if (rc < 0)
		PF_LOG(WARNING, "NOTIFY_SOCKET: %s; systemd not told the daemon is ready",
		       strerror(-rc));
	if (watchdog_ms > 0 &&
	    (watchdog = ev_timer_new(d->ev, watchdog_ping, &watchdog_ms)) != NULL) {
		PF_LOG(NOTICE, "systemd watchdog: alive every %" PRIu64 " ms", watchdog_ms);
		watchdog_ping(d->ev, watchdog, &watchdog_ms);
	}
	while (!d->quit) {
		ev_run_once(d->ev, 1);
		exception_drain_punt(d);
		exception_poll(d);
	}
	notify("STOPPING=1");
	ev_timer_free(watchdog);
	bgp_stop(d->bgp);
	bfd_stop(d);
	neigh_stop(d);
	ctlsock_close(cs);
	ev_timer_free(links);
	if (link_fd >= 0) {
		ev_fd_del(d->ev, link_fd);
		close(link_fd);
	}
	return 0;
}

static void shutdown_all(struct daemon *d)
{
	d->workers_quit = true;
	rte_eal_mp_wait_lcore();
	for (unsigned i = 0; i < d->n_ports; i++)
		if (config_port_present(&d->cfg, i)) {
			exception_stop(d, i);
			xdp_port_close(&d->xdp[i]);
			port_stop(&d->port[i]);
		}
	routes_free(d->routes);
	fwd_tables_free(&d->tables);
	for (unsigned i = 0; i < d->n_workers; i++)
		rte_free(d->ctr[i]);
	rte_ring_free(d->punt);
	rte_mempool_free(d->mp);
	ev_loop_free(d->ev);
	config_free(&d->cfg);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check", no_argument, NULL, 'k'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char *eal_argv[MAX_EAL_ARGS + 1], lcores[256], main_lcore[16], err[1024];
	const char *path = NULL;
	bool check = false;
	int opt, eal_argc, ret = 1;

	while ((opt = getopt_long(argc, argv, "c:Vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'k':
			check = true;
			break;
		case 'V':
			printf("peerfwd %s\n", PEERFWD_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_CONFIG;
		}
	}
	if (path == NULL) {
		usage(stderr);
		return EXIT_CONFIG;
	}
	/* The whole config is checked before EAL or any port is touched. */
	if (config_load(path, &D.cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "peerfwd: %s\n", err);
		return EXIT_CONFIG;
	}
	if (check) {
		printf("%s: ok\n", path);
		config_free(&D.cfg);
		return 0;
	}
	snprintf(D.config_path, sizeof(D.config_path), "%s", path);
	eal_argc = build_eal_args(&D.cfg, argc - optind, argv + optind, eal_argv, lcores,
				  sizeof(lcores), main_lcore);
	if (eal_argc < 0) {
		fprintf(stderr, "peerfwd: %s: too many EAL arguments\n", path);
		return EXIT_CONFIG;
	}

	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);		 /* reload the config */
	pthread_sigmask(SIG_BLOCK, &sigs, NULL); /* inherited by EAL's threads */
	int sigfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);

	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr,
			"peerfwd: EAL initialisation failed (see the EAL messages above)\n");
		return 1;
	}
	/* DPDK stops at 256-bit vectors unless told otherwise; the IPv6 bulk
	 * lookup wants 512 where the CPU has it. An operator's
	 * --force-max-simd-bitwidth in eal_args wins (the call then fails). */
	if (rte_vect_get_max_simd_bitwidth() < RTE_VECT_SIMD_512)
		rte_vect_set_max_simd_bitwidth(RTE_VECT_SIMD_512);
	pthread_mutex_init(&D.lock, NULL);
	xdp_local_init(&D);
	D.started = time(NULL);
	D.ev = ev_loop_create();
	if (D.ev == NULL || sigfd < 0 || start_ports(&D) < 0 || tables_init(&D) < 0 ||
	    daemon_telemetry_init(&D) != 0 || start_workers(&D) < 0)
		goto out;
	ret = control_loop(&D, sigfd) < 0;
out:
	shutdown_all(&D);
	rte_eal_cleanup();
	return ret;
}
