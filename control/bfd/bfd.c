/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BFD sessions on the kernel's sockets (see bfd.h; the protocol itself is
 * bfd_proto.c).
 *
 * Packets go out of one UDP socket per session, bound to the port's
 * address and interface and a source port of 49152-65535, with TTL 255,
 * connected to the neighbour's port 3784. They come in on one socket per
 * address family bound to port 3784, which reads the TTL (anything but 255
 * is dropped, RFC 5881 5) and the interface; a packet is matched to its
 * session by Your Discriminator, or by source address and interface while
 * that is 0.
 *
 * Timers run on the control thread's event loop (1 ms resolution): the
 * periodic transmission with 75-100% jitter (6.8.7) and the detection time.
 */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rte_random.h>

#include "control/bfd/bfd.h"
#include "control/bfd/bfd_proto.h"
#include "control/bgp/bgp.h"
#include "control/daemon/daemon.h"
#include "control/daemon/exception.h"
#include "control/daemon/log.h"

struct bfd_session {
	struct bfd *b;
	struct cfg_nexthop cfg; /* its next hop (name, port, address, BFD settings) */
	struct ip_addr local;
	unsigned ifindex;
	int fd;
	struct bfd_sess s;
	struct ev_timer *tx, *detect;
	bool held_down; /* went from Up to Down: the next hop is out */
	uint64_t tx_iv; /* the interval the transmit timer was armed with */
	uint64_t rx, tx_pkts;
	uint64_t auth_logged_at; /* when an authentication failure was last logged */
	uint64_t since_us;	 /* when the state last changed (or the session began) */
};

struct bfd {
	struct daemon *d;
	int rx_fd[2]; /* IPv4, IPv6; -1 until a session uses the family */
	unsigned n, cap;
	struct bfd_session **sess; /* each one allocated: its timers point at it */
	uint32_t next_disc;	   /* the next session's local discriminator */
	uint64_t rx_dropped;
};

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t ms_ceil(uint64_t us)
{
	return us == 0 ? 1 : (us + 999) / 1000;
}

static const char *addr_str(const struct ip_addr *a, char *buf)
{
	return ip_addr_format(a, buf, INET6_ADDRSTRLEN);
}

/* ---- sending ---- */

static void send_now(struct bfd_session *se)
{
	struct bfd_pkt p;
	uint8_t buf[BFD_PKT_MAX];

	bfd_sess_tx(&se->s, &p);
	const size_t len = bfd_sess_encode(&se->s, &p, buf);
	/* Errors (the neighbour's port closed, no route yet) are what BFD is
	 * there to notice: the detection time will tell. */
	if (send(se->fd, buf, len, MSG_DONTWAIT) == (ssize_t)len)
		se->tx_pkts++;
}

/* The next periodic packet: 75-100% of the interval (75-90% with a
 * multiplier of 1), 6.8.7. */
static void tx_arm(struct bfd_session *se)
{
	uint64_t iv = bfd_sess_tx_interval(&se->s);
	unsigned top = se->s.detect_mult == 1 ? 90 : 100;

	se->tx_iv = iv;
	if (iv == 0) {
		ev_timer_start(se->tx, 1000); /* nothing asked for: look again later */
		return;
	}
	iv = iv * (75 + rte_rand_max(top - 75 + 1)) / 100;
	ev_timer_start(se->tx, ms_ceil(iv));
}

/* A packet now, and the periodic ones from now at the current rate. */
static void send_and_arm(struct bfd_session *se)
{
	send_now(se);
	tx_arm(se);
}

static void on_tx(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	(void)loop;
	(void)t;
	send_and_arm(arg);
}

/* ---- state changes ---- */

/* The session holds its next hop down, or lets it go: the next hop's
 * forwarding copy follows (daemon_nexthop_refresh asks bfd_holds_down). */
static void hold(struct bfd_session *se, bool down, const char *why)
{
	struct daemon *d = se->b->d;
	char a[INET6_ADDRSTRLEN];

	if (se->held_down == down)
		return;
	se->held_down = down;
	int i = config_nexthop_index(&d->cfg, se->cfg.name);
	int ret = i < 0 ? 0 : daemon_nexthop_refresh(d, (unsigned)i, why);
	if (ret < 0) /* the neighbour tick retries */
		PF_LOG(ERR, "bfd %s %s: %s not applied: %s", se->cfg.name,
		       addr_str(&se->cfg.addr, a), why, strerror(-ret));
}

static void changed(struct bfd_session *se, uint8_t before)
{
	const struct bfd_sess *s = &se->s;
	char a[INET6_ADDRSTRLEN];

	if (s->state == before)
		return;
	se->since_us = now_us();
	addr_str(&se->cfg.addr, a);
	if (s->state == BFD_UP) {
		PF_LOG(NOTICE, "bfd %s %s: up", se->cfg.name, a);
		hold(se, false, "bfd up");
		if (bgp_bfd_up(se->b->d->bgp, se->cfg.port, &se->cfg.addr))
			PF_LOG(NOTICE, "bfd %s %s: BGP session with it may start again",
			       se->cfg.name, a);
	} else if (before == BFD_UP) {
		/* RFC 5882 3.2: the neighbour's AdminDown is no failure */
		bool admin = s->remote_state == BFD_ADMIN_DOWN;
		PF_LOG(WARNING, "bfd %s %s: down (%s)%s", se->cfg.name, a,
		       admin ? "neighbor administratively down" : bfd_diag_name(s->diag),
		       admin ? ": next hop kept" : ": traffic takes the next member");
		if (!admin) {
			char why[48];
			snprintf(why, sizeof(why), "bfd down: %s", bfd_diag_name(s->diag));
			hold(se, true, why);
			/* RFC 5882 10.2: and the BGP session with that neighbour */
			if (bgp_bfd_down(se->b->d->bgp, se->cfg.port, &se->cfg.addr))
				PF_LOG(WARNING, "bfd %s %s: BGP session with it torn down",
				       se->cfg.name, a);
		}
	} else {
		PF_LOG(INFO, "bfd %s %s: %s", se->cfg.name, a, bfd_state_name(s->state));
	}
	/* tell the neighbour at once, and go on at the new state's rate: Up
	 * advertises the fast interval, which the neighbour holds us to */
	send_and_arm(se);
}

static void detect_arm(struct bfd_session *se)
{
	if (se->s.detect_at == 0)
		ev_timer_stop(se->detect);
	else
		ev_timer_start(se->detect,
			       ms_ceil(se->s.detect_at - RTE_MIN(se->s.detect_at, now_us())));
}

static void on_rx(struct ev_loop *loop, int fd, uint32_t events, void *arg);

static void on_detect(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	struct bfd_session *se = arg;
	struct bfd *b = se->b;

	(void)t;
	/* Packets that came while the control thread was busy elsewhere (a
	 * BGP burst, an fsync) are read before the peer is declared gone:
	 * first what the workers punted for an exception path's TAP. */
	exception_drain_punt(b->d);
	for (int f = 0; f < 2; f++)
		if (b->rx_fd[f] >= 0)
			on_rx(loop, b->rx_fd[f], 0, b);
	if (se->s.detect_at != 0 && now_us() < se->s.detect_at) {
		detect_arm(se); /* heard meanwhile, or the ms rounding fired it early */
		return;
	}
	uint8_t before = se->s.state;
	if (bfd_sess_expire(&se->s, now_us()))
		changed(se, before);
}

/* ---- receiving ---- */

static struct bfd_session *match(struct bfd *b, const struct bfd_pkt *p, const struct ip_addr *src,
				 unsigned ifindex)
{
	for (unsigned k = 0; k < b->n; k++) {
		struct bfd_session *se = b->sess[k];
		bool from_peer = se->fd >= 0 && memcmp(&se->cfg.addr, src, sizeof(*src)) == 0 &&
				 (ifindex == 0 || se->ifindex == 0 || ifindex == se->ifindex);
		if (!from_peer)
			continue;
		if (p->your_disc == 0 || p->your_disc == se->s.local_disc)
			return se;
	}
	return NULL;
}

/* A packet from the neighbour failed authentication (6.7): discarded, and
 * said in the log at most every 10 s per session. */
static void auth_failed(struct bfd_session *se, const char *why)
{
	const uint64_t now = now_us();
	char a[INET6_ADDRSTRLEN];

	if (se->auth_logged_at != 0 && now - se->auth_logged_at < 10000000u)
		return;
	se->auth_logged_at = now;
	PF_LOG(WARNING, "bfd %s %s: packet discarded: %s (%s; %" PRIu64 " so far)", se->cfg.name,
	       addr_str(&se->cfg.addr, a), why, bfd_auth_name(se->s.auth.type), se->s.auth_failed);
}

static void on_rx(struct ev_loop *loop, int fd, uint32_t events, void *arg)
{
	struct bfd *b = arg;

	(void)loop;
	(void)events;
	for (;;) {
		uint8_t buf[128];
		struct sockaddr_storage from;
		union {
			char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int)) +
				 CMSG_SPACE(sizeof(struct in_pktinfo))];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
		struct msghdr mh = {.msg_name = &from,
				    .msg_namelen = sizeof(from),
				    .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = ctl.buf,
				    .msg_controllen = sizeof(ctl.buf)};
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;

		int ttl = -1;
		unsigned ifindex = 0;
		struct ip_addr src = {0};
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL)
				memcpy(&ttl, CMSG_DATA(c), sizeof(ttl));
			else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)
				memcpy(&ttl, CMSG_DATA(c), sizeof(ttl));
			else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo pi;
				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				ifindex = (unsigned)pi.ipi_ifindex;
			} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
				struct in6_pktinfo pi;
				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				ifindex = pi.ipi6_ifindex;
			}
		}
		if (from.ss_family == AF_INET) {
			const struct sockaddr_in *sin = (const struct sockaddr_in *)&from;
			src.family = AF_INET;
			memcpy(src.bytes, &sin->sin_addr, 4);
		} else if (from.ss_family == AF_INET6) {
			const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&from;
			src.family = AF_INET6;
			memcpy(src.bytes, &sin6->sin6_addr, 16);
		}

		struct bfd_pkt p;
		const char *why = NULL;
		struct bfd_session *se;
		if (ttl != BFD_TTL || bfd_pkt_decode(buf, (size_t)n, &p, &why) < 0 ||
		    (se = match(b, &p, &src, ifindex)) == NULL) {
			b->rx_dropped++; /* not ours, not single hop, or malformed */
			continue;
		}
		if (bfd_sess_auth_rx(&se->s, &p, buf, (size_t)n, now_us(), &why) < 0) {
			auth_failed(se, why);
			b->rx_dropped++;
			continue;
		}
		int before = bfd_sess_rx(&se->s, &p, now_us());
		if (before < 0) {
			b->rx_dropped++;
			continue;
		}
		se->rx++;
		detect_arm(se);
		if (se->s.send_final)
			send_now(se); /* answer a Poll at once (6.8.6) */
		/* RFC 5882 3.2: the neighbour stopped BFD, which says nothing
		 * of the path: a next hop held down is used again */
		if (se->s.remote_state == BFD_ADMIN_DOWN)
			hold(se, false, "bfd neighbour admin down");
		if (se->s.state != before)
			changed(se, (uint8_t)before);
		else if (bfd_sess_tx_interval(&se->s) < se->tx_iv)
			tx_arm(se); /* 6.8.2: the peer wants packets sooner */
	}
}

/* ---- sockets ---- */

static int set_int(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v));
}

static int rx_open(int family)
{
	struct sockaddr_storage ss = {0};
	socklen_t len;
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), ret = 0;

	if (fd < 0)
		return -errno;
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(BFD_PORT);
		len = sizeof(*sin);
		if (set_int(fd, IPPROTO_IP, IP_RECVTTL, 1) < 0 ||
		    set_int(fd, IPPROTO_IP, IP_PKTINFO, 1) < 0)
			ret = -errno;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(BFD_PORT);
		len = sizeof(*sin6);
		if (set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1) < 0 ||
		    set_int(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1) < 0 ||
		    set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1) < 0)
			ret = -errno;
	}
	if (ret == 0 && bind(fd, (struct sockaddr *)&ss, len) < 0)
		ret = -errno;
	if (ret < 0) {
		close(fd);
		return ret;
	}
	return fd;
}

/* The session's sending socket: the port's address and interface, a free
 * source port of 49152-65535 (RFC 5881 4), TTL 255, connected. */
static int tx_open(const struct bfd_session *se, const char *iface, char *err, size_t len)
{
	int family = se->cfg.addr.family, fd, ret = 0;
	struct sockaddr_storage me = {0}, to = {0};
	socklen_t sl = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, len, "socket: %s", strerror(errno));
		return -errno;
	}
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&me, *b = (struct sockaddr_in *)&to;
		a->sin_family = b->sin_family = AF_INET;
		memcpy(&a->sin_addr, se->local.bytes, 4);
		memcpy(&b->sin_addr, se->cfg.addr.bytes, 4);
		b->sin_port = htons(BFD_PORT);
		ret = set_int(fd, IPPROTO_IP, IP_TTL, BFD_TTL);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&me,
				    *b = (struct sockaddr_in6 *)&to;
		a->sin6_family = b->sin6_family = AF_INET6;
		memcpy(&a->sin6_addr, se->local.bytes, 16);
		memcpy(&b->sin6_addr, se->cfg.addr.bytes, 16);
		b->sin6_port = htons(BFD_PORT);
		ret = set_int(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, BFD_TTL);
	}
	if (ret == 0)
		ret = setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, iface, (socklen_t)strlen(iface));
	if (ret < 0) {
		snprintf(err, len, "socket options on %s: %s", iface, strerror(errno));
		goto fail;
	}
	/* IP_FREEBIND: the address may come to the interface after us */
	set_int(fd, family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
		family == AF_INET ? IP_FREEBIND : IPV6_FREEBIND, 1);
	unsigned span = BFD_SRC_PORT_MAX - BFD_SRC_PORT_MIN + 1,
		 first = (unsigned)rte_rand_max(span);
	ret = -1;
	for (unsigned k = 0; ret < 0 && k < span; k++) {
		uint16_t port = htons((uint16_t)(BFD_SRC_PORT_MIN + (first + k) % span));
		if (family == AF_INET)
			((struct sockaddr_in *)&me)->sin_port = port;
		else
			((struct sockaddr_in6 *)&me)->sin6_port = port;
		ret = bind(fd, (struct sockaddr *)&me, sl);
		if (ret < 0 && errno != EADDRINUSE)
			break;
	}
	if (ret < 0) {
		snprintf(err, len, "bind to the port's address: %s", strerror(errno));
		goto fail;
	}
	if (connect(fd, (struct sockaddr *)&to, sl) < 0) {
		snprintf(err, len, "connect: %s", strerror(errno));
		goto fail;
	}
	return fd;
fail:
	ret = -errno;
	close(fd);
	return ret;
}

/* ---- start / stop / queries ---- */

static struct bfd_session *find(const struct bfd *b, const char *name)
{
	for (unsigned k = 0; b != NULL && k < b->n; k++)
		if (strcmp(b->sess[k]->cfg.name, name) == 0)
			return b->sess[k];
	return NULL;
}

bool bfd_holds_down(const struct daemon *d, const struct cfg_nexthop *c)
{
	const struct bfd_session *se = find(d->bfd, c->name);

	return se != NULL && se->held_down;
}

const char *bfd_nexthop_state(const struct daemon *d, const struct cfg_nexthop *c)
{
	const struct bfd_session *se = find(d->bfd, c->name);

	return se == NULL || se->fd < 0 ? "off" : bfd_state_name(se->s.state);
}

uint64_t bfd_nexthop_auth_failed(const struct daemon *d, const struct cfg_nexthop *c)
{
	const struct bfd_session *se = find(d->bfd, c->name);

	return se == NULL ? 0 : se->s.auth_failed;
}

int bfd_foreach(const struct daemon *d, int (*cb)(const struct bfd_info *, void *), void *arg)
{
	const uint64_t now = now_us();

	for (unsigned i = 0; i < d->cfg.n_nexthops; i++) {
		const struct bfd_session *se = find(d->bfd, d->cfg.nexthops[i].name);
		if (se == NULL)
			continue;
		const struct bfd_sess *s = &se->s;
		const struct bfd_info bi = {
			.nexthop = se->cfg.name,
			.port = d->cfg.ports[se->cfg.port].name,
			.peer = &se->cfg.addr,
			.local = &se->local,
			.socket = se->fd >= 0,
			.held_down = se->held_down,
			.state = bfd_state_name(s->state),
			.remote_state = bfd_state_name(s->remote_state),
			.diag = bfd_diag_name(s->diag),
			.auth = bfd_auth_name(s->auth.type),
			.local_disc = s->local_disc,
			.remote_disc = s->remote_disc,
			.tx_interval_us = bfd_sess_tx_interval(s),
			.detect_time_us = bfd_sess_detect_time(s),
			.multiplier = s->detect_mult,
			.remote_multiplier = s->remote_detect_mult,
			.since_s = (now - RTE_MIN(now, se->since_us)) / 1000000u,
			.up_count = s->up_count,
			.rx = se->rx,
			.tx = se->tx_pkts,
			.auth_failed = s->auth_failed,
		};
		int ret = cb(&bi, arg);
		if (ret != 0)
			return ret;
	}
	return 0;
}

/* The receiving socket of a family, opened when a session first needs it.
 * One that cannot be had leaves its sessions running "down": they hear
 * nothing, so they never come up or hold a next hop down. */
static void rx_need(struct bfd *b, int family)
{
	const int f = family == AF_INET6;
	int fd, ret;

	if (b->rx_fd[f] >= 0)
		return;
	fd = ret = rx_open(family);
	if (fd >= 0 && (ret = ev_fd_add(b->d->ev, fd, EPOLLIN, on_rx, b)) < 0)
		close(fd);
	if (ret < 0) {
		PF_LOG(ERR, "bfd: UDP port %u (IPv%c): %s: its sessions stay down", BFD_PORT,
		       f == 0 ? '4' : '6', strerror(-ret));
		return;
	}
	b->rx_fd[f] = fd;
}

/* A session for next hop c, running: 0, or -ENOMEM. held: it holds the
 * next hop down until it is Up, as the session it replaces did. A session
 * without a socket (logged) runs as none: never Up, never holding. */
static int session_new(struct bfd *b, const struct cfg_nexthop *c, bool held)
{
	struct daemon *d = b->d;
	const struct cfg_port *port = &d->cfg.ports[c->port];
	char err[160], a[INET6_ADDRSTRLEN];
	struct bfd_session *se;

	if (b->n == b->cap) {
		unsigned cap = b->cap ? 2 * b->cap : 8;
		struct bfd_session **v = realloc(b->sess, cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		b->sess = v;
		b->cap = cap;
	}
	se = calloc(1, sizeof(*se));
	if (se == NULL)
		return -ENOMEM;
	se->b = b;
	se->cfg = *c;
	se->fd = -1;
	se->held_down = held;
	se->since_us = now_us();
	for (unsigned k = 0; k < port->n_addrs; k++)
		if (port->addrs[k].addr.family == c->addr.family) {
			se->local = port->addrs[k].addr;
			break;
		}
	se->ifindex = if_nametoindex(port->kiface);
	/* discriminators: random, non-zero, distinct (6.8.1) */
	if (b->next_disc == 0)
		b->next_disc = 1;
	bfd_sess_init(&se->s, b->next_disc++, c->bfd_interval_ms * 1000u,
		      c->bfd_interval_ms * 1000u, (uint8_t)c->bfd_multiplier);
	bfd_sess_set_auth(&se->s, &c->bfd_auth, (uint32_t)rte_rand());
	se->tx = ev_timer_new(d->ev, on_tx, se);
	se->detect = ev_timer_new(d->ev, on_detect, se);
	if (se->tx == NULL || se->detect == NULL) {
		ev_timer_free(se->tx);
		ev_timer_free(se->detect);
		free(se);
		return -ENOMEM;
	}
	b->sess[b->n++] = se;
	rx_need(b, c->addr.family);
	int fd = tx_open(se, port->kiface, err, sizeof(err));
	if (fd < 0) {
		/* this next hop goes without BFD (never held down); the others run */
		PF_LOG(ERR, "bfd %s %s: %s: no session", c->name, addr_str(&c->addr, a), err);
		se->held_down = false;
		if (held) /* the one it replaces held it */
			daemon_nexthop_refresh(d, (unsigned)config_nexthop_index(&d->cfg, c->name),
					       "bfd without a socket");
		return 0;
	}
	se->fd = fd;
	PF_LOG(NOTICE, "bfd %s %s: from %s on %s, %u ms x %u, authentication %s", c->name,
	       addr_str(&c->addr, a), ip_addr_format(&se->local, err, sizeof(err)), port->kiface,
	       c->bfd_interval_ms, c->bfd_multiplier, bfd_auth_name(c->bfd_auth.type));
	send_and_arm(se);
	return 0;
}

/* Session k ends: AdminDown to the neighbour, no failure (6.8.16), and
 * freed; the array closes up. */
static void session_end(struct bfd *b, unsigned k)
{
	struct bfd_session *se = b->sess[k];

	if (se->fd >= 0 && se->s.state != BFD_ADMIN_DOWN) {
		se->s.state = BFD_ADMIN_DOWN;
		se->s.diag = BFD_DIAG_ADMIN_DOWN;
		send_now(se);
	}
	ev_timer_free(se->tx);
	ev_timer_free(se->detect);
	if (se->fd >= 0)
		close(se->fd);
	free(se);
	b->sess[k] = b->sess[--b->n];
}

/* What of a next hop's BFD settings a running session can take (by a Poll
 * Sequence), and what needs a new one. */
static bool same_endpoints(const struct cfg_nexthop *a, const struct cfg_nexthop *b)
{
	return a->port == b->port && memcmp(&a->addr, &b->addr, sizeof(a->addr)) == 0 &&
	       a->bfd_auth.type == b->bfd_auth.type;
}

/* Sessions follow d->cfg's next hops; counts what changed into c. */
static int sessions_sync(struct bfd *b, struct bfd_changes *c)
{
	struct daemon *d = b->d;
	int ret = 0;

	for (unsigned k = b->n; k-- > 0;) {
		struct bfd_session *se = b->sess[k];
		const int i = config_nexthop_index(&d->cfg, se->cfg.name);
		const struct cfg_nexthop *nh = i < 0 ? NULL : &d->cfg.nexthops[i];
		if (nh == NULL || !nh->bfd) {
			const uint16_t port = se->cfg.port;
			const struct ip_addr peer = se->cfg.addr;
			const bool held = se->held_down;
			session_end(b, k);
			c->removed++;
			if (held && nh != NULL) /* find() no longer names it: usable again */
				daemon_nexthop_refresh(d, (unsigned)i, "bfd removed");
			if (held)
				bgp_bfd_up(d->bgp, port, &peer);
		} else if (!same_endpoints(&se->cfg, nh)) {
			const bool held = se->held_down;
			session_end(b, k);
			c->changed++;
			if ((ret = session_new(b, nh, held)) < 0)
				return ret;
		} else {
			const bool timers = se->cfg.bfd_interval_ms != nh->bfd_interval_ms ||
					    se->cfg.bfd_multiplier != nh->bfd_multiplier;
			const bool keys =
				memcmp(&se->cfg.bfd_auth, &nh->bfd_auth, sizeof(nh->bfd_auth)) != 0;
			if (!timers && !keys)
				continue;
			se->cfg = *nh;
			c->changed++;
			if (keys) /* a key rolled in or out: the session goes on */
				bfd_sess_set_keys(&se->s, &nh->bfd_auth);
			if (timers) {
				bfd_sess_set_params(&se->s, nh->bfd_interval_ms * 1000u,
						    nh->bfd_interval_ms * 1000u,
						    (uint8_t)nh->bfd_multiplier);
				if (se->fd >= 0)
					send_and_arm(se); /* the Poll now */
			}
		}
	}
	for (unsigned i = 0; i < d->cfg.n_nexthops; i++) {
		const struct cfg_nexthop *nh = &d->cfg.nexthops[i];
		if (!nh->bfd || find(b, nh->name) != NULL)
			continue;
		if ((ret = session_new(b, nh, false)) < 0)
			return ret;
		c->added++;
	}
	return 0;
}

int bfd_reload(struct daemon *d, struct bfd_changes *c)
{
	struct bfd *b = d->bfd;
	int ret;

	memset(c, 0, sizeof(*c));
	if (b == NULL) {
		bool any = false;
		for (unsigned i = 0; i < d->cfg.n_nexthops; i++)
			any |= d->cfg.nexthops[i].bfd;
		if (!any)
			return 0;
		if ((b = calloc(1, sizeof(*b))) == NULL)
			return -ENOMEM;
		b->d = d;
		b->rx_fd[0] = b->rx_fd[1] = -1;
		b->next_disc = (uint32_t)rte_rand() | 1u;
		d->bfd = b;
	}
	if ((ret = sessions_sync(b, c)) < 0)
		PF_LOG(ERR, "bfd: %s: sessions not all made", strerror(-ret));
	return ret;
}

int bfd_start(struct daemon *d)
{
	struct bfd_changes c;
	int ret = bfd_reload(d, &c);

	if (ret < 0)
		bfd_stop(d);
	return ret;
}

void bfd_stop(struct daemon *d)
{
	struct bfd *b = d->bfd;

	if (b == NULL)
		return;
	while (b->n > 0)
		session_end(b, b->n - 1);
	for (int f = 0; f < 2; f++)
		if (b->rx_fd[f] >= 0) {
			ev_fd_del(d->ev, b->rx_fd[f]);
			close(b->rx_fd[f]);
		}
	free(b->sess);
	free(b);
	d->bfd = NULL;
}
