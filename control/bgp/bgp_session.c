/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BGP sessions: the RFC 4271 8 state machine per peer over non-blocking
 * kernel TCP sockets on the control thread's event loop.
 *
 * A peer has at most two connections, the one we opened (BGP_OUT) and one
 * the peer opened (BGP_IN); when both get as far as an OPEN, collision
 * detection (RFC 4271 6.8) keeps one. The peer's state is the most advanced
 * of its connections' (Idle/Connect/Active without any).
 *
 * Every event callback takes d->lock: the telemetry thread reads peers and
 * the route table under it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/bgp/bgp_session.h"
#include "control/daemon/daemon.h"
#include "control/daemon/log.h"

#ifndef IPV6_MINHOPCOUNT
#define IPV6_MINHOPCOUNT 73
#endif

static const char *const state_names[] = {
	[BGP_IDLE] = "Idle",
	[BGP_CONNECT] = "Connect",
	[BGP_ACTIVE] = "Active",
	[BGP_OPENSENT] = "OpenSent",
	[BGP_OPENCONFIRM] = "OpenConfirm",
	[BGP_ESTABLISHED] = "Established",
};

const char *bgp_state_name(enum bgp_state s)
{
	return s <= BGP_ESTABLISHED ? state_names[s] : "?";
}

static const struct cfg_bgp_policy *peer_policy(const struct bgp_peer *p)
{
	return p->policy >= 0 ? &p->b->cfg->policies[p->policy] : NULL;
}

static const char *addr_str(const struct ip_addr *a, char *buf)
{
	return ip_addr_format(a, buf, INET6_ADDRSTRLEN);
}

/* ---- FIB: the RIB's next hops are config next-hop indexes ---- */

static int fib_set(void *arg, const struct prefix *p, const uint16_t *nh, unsigned n)
{
	struct daemon *d = ((struct bgp *)arg)->d;
	uint16_t ids[PF_PG_MEMBERS], pg;
	unsigned k = 0;
	int ret;

	for (unsigned i = 0; i < n; i++)
		if (d->nh_id[nh[i]] != NH_NONE)
			ids[k++] = d->nh_id[nh[i]];
	if (k == 0)
		return routes_unset(d->routes, p, ROUTE_BGP) == -ENOENT ? 0 : 0;
	if ((ret = routes_pathgroup_get(d->routes, ids, k, &pg)) < 0)
		return ret;
	ret = routes_set(d->routes, p, ROUTE_BGP, pg);
	routes_pathgroup_put(d->routes, pg); /* routes_set holds its own */
	return ret;
}

static int fib_unset(void *arg, const struct prefix *p)
{
	struct daemon *d = ((struct bgp *)arg)->d;
	int ret = routes_unset(d->routes, p, ROUTE_BGP);

	return ret == -ENOENT ? 0 : ret;
}

/* ---- peer state ---- */

/* No connection to or from the peer now: max-prefix held it down, or BFD
 * saw its neighbour fail and has not seen it come back. */
static bool peer_blocked(const struct bgp_peer *p)
{
	return p->held_down || p->bfd_down;
}

static enum bgp_state peer_state_now(const struct bgp_peer *p)
{
	enum bgp_state s = BGP_IDLE;

	for (int i = 0; i < 2; i++)
		if (p->conn[i] != NULL && p->conn[i]->state > s)
			s = p->conn[i]->state;
	if (s == BGP_IDLE && !peer_blocked(p) && (p->cfg->passive || ev_timer_active(p->start)) &&
	    !p->restarting)
		s = BGP_ACTIVE;
	return s;
}

/* Logs every change of the peer's state (RFC 4271 8: the FSM's). */
static void peer_note(struct bgp_peer *p, const char *why)
{
	enum bgp_state s = peer_state_now(p);
	char a[INET6_ADDRSTRLEN];

	if (s == p->state)
		return;
	PF_LOG(NOTICE, "bgp %s (%s AS%u): %s -> %s%s%s", p->cfg->name, addr_str(&p->cfg->addr, a),
	       p->cfg->remote_as, bgp_state_name(p->state), bgp_state_name(s), why ? ": " : "",
	       why ? why : "");
	p->state = s;
}

static void peer_error(struct bgp_peer *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void peer_error(struct bgp_peer *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->last_error, sizeof(p->last_error), fmt, ap);
	va_end(ap);
}

/* ---- how long a stalled connection is given ---- */

/* RFC 4271 8.2.2: a large hold time while OpenSent, the peer's setting or
 * CFG_BGP_OPEN_HOLD_S (a peer from the control socket has none). */
static uint64_t conn_open_hold_ms(const struct bgp_conn *c)
{
	unsigned s = c->peer->cfg->open_hold_time;

	return (s ? s : CFG_BGP_OPEN_HOLD_S) * 1000ull;
}

/* RFC 9687 4: the peer's setting as given, else 8 minutes or twice the
 * negotiated hold time, whichever is longer. */
static uint64_t conn_send_hold_ms(const struct bgp_conn *c)
{
	unsigned s = c->peer->cfg->send_hold_time;

	if (s == 0)
		s = c->hold_time * 2u > CFG_BGP_SEND_HOLD_S ? c->hold_time * 2u
							    : CFG_BGP_SEND_HOLD_S;
	return s * 1000ull;
}

/* ---- sending ---- */

static void conn_want_write(struct bgp_conn *c, bool on)
{
	ev_fd_mod(c->peer->b->d->ev, c->fd, EPOLLIN | (on ? EPOLLOUT : 0));
}

/* 0, or -errno when the connection failed. */
static int conn_flush(struct bgp_conn *c)
{
	bool progress = false;

	while (c->tx_off < c->tx_len) {
		ssize_t n = send(c->fd, c->tx + c->tx_off, c->tx_len - c->tx_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0)
			return -errno;
		c->tx_off += (size_t)n;
		progress = true;
	}
	if (c->tx_off == c->tx_len) {
		c->tx_off = c->tx_len = 0;
		ev_timer_stop(c->send_hold);
		conn_want_write(c, false);
		return 0;
	}
	/* RFC 9687 3: the peer must keep reading; restart on every progress. */
	if (progress || !ev_timer_active(c->send_hold))
		ev_timer_start(c->send_hold, conn_send_hold_ms(c));
	conn_want_write(c, true);
	return 0;
}

static int conn_queue(struct bgp_conn *c, const uint8_t *msg, size_t len)
{
	if (c->tx_len + len > c->tx_cap) {
		size_t cap = c->tx_cap ? c->tx_cap : 8192;
		uint8_t *n;

		if (c->tx_off > 0) { /* compact first */
			memmove(c->tx, c->tx + c->tx_off, c->tx_len - c->tx_off);
			c->tx_len -= c->tx_off;
			c->tx_off = 0;
		}
		while (cap < c->tx_len + len)
			cap *= 2;
		if (cap > BGP_TX_MAX)
			return -ENOBUFS;
		if (cap > c->tx_cap) {
			if ((n = realloc(c->tx, cap)) == NULL)
				return -ENOMEM;
			c->tx = n;
			c->tx_cap = cap;
		}
	}
	memcpy(c->tx + c->tx_len, msg, len);
	c->tx_len += len;
	c->peer->msgs_out[msg[18] < BGP_PEER_MSG_TYPES ? msg[18] : 0]++;
	return 0;
}

static int conn_send(struct bgp_conn *c, const uint8_t *msg, int len)
{
	int ret;

	if (len < 0)
		return len;
	if ((ret = conn_queue(c, msg, (size_t)len)) < 0)
		return ret;
	if (msg[18] == BGP_UPDATE)
		c->peer->updates_out++;
	return conn_flush(c);
}

/* ---- closing ---- */

static void peer_schedule(struct bgp_peer *p, unsigned seconds);
static void session_down(struct bgp_peer *p, bool graceful);

static void conn_free(struct bgp_conn *c)
{
	struct bgp_peer *p = c->peer;

	ev_fd_del(p->b->d->ev, c->fd);
	close(c->fd);
	ev_timer_free(c->hold);
	ev_timer_free(c->keepalive);
	ev_timer_free(c->send_hold);
	free(c->rx);
	free(c->tx);
	p->conn[c->dir] = NULL;
	free(c);
}

/* Closes c. graceful: the connection just ended (no NOTIFICATION either
 * way), which keeps a graceful-restart peer's routes (RFC 4724 4.2). */
static void conn_close(struct bgp_conn *c, bool graceful, const char *why)
{
	struct bgp_peer *p = c->peer;
	bool was_est = c->state == BGP_ESTABLISHED;

	conn_free(c);
	if (was_est)
		session_down(p, graceful);
	if (p->conn[BGP_OUT] == NULL && p->conn[BGP_IN] == NULL && !peer_blocked(p) &&
	    !p->restarting && !ev_timer_active(p->start))
		peer_schedule(p, p->cfg->connect_retry);
	peer_note(p, why);
}

/* Sends a NOTIFICATION (best effort: what the socket takes now) and closes. */
static void conn_notify(struct bgp_conn *c, uint8_t code, uint8_t sub, const void *data, size_t len,
			const char *why)
{
	struct bgp_peer *p = c->peer;
	uint8_t *buf = p->b->buf;
	int n = bgp_notification_encode(buf, BGP_MAX_LEN, code, sub, data, len);

	peer_error(p, "sent %s/%s%s%s", bgp_err_code_name(code), bgp_err_subcode_name(code, sub),
		   why ? ": " : "", why ? why : "");
	snprintf(p->notif_sent, sizeof(p->notif_sent), "%s", p->last_error + 5);
	p->notif_sent_at = time(NULL);
	PF_LOG(WARNING, "bgp %s: sending NOTIFICATION %s/%s%s%s", p->cfg->name,
	       bgp_err_code_name(code), bgp_err_subcode_name(code, sub), why ? ": " : "",
	       why ? why : "");
	if (n > 0 && c->state != BGP_CONNECT && conn_queue(c, buf, (size_t)n) == 0)
		(void)send(c->fd, c->tx + c->tx_off, c->tx_len - c->tx_off,
			   MSG_NOSIGNAL | MSG_DONTWAIT);
	conn_close(c, false, p->last_error);
}

static void conn_notify_err(struct bgp_conn *c, const struct bgp_err *e, const char *why)
{
	conn_notify(c, e->code, e->subcode, e->data, e->data_len, why);
}

/* Cease (subcode sub) on every connection of p; whether it had one. */
static bool peer_cease(struct bgp_peer *p, uint8_t sub, const char *why)
{
	bool had = false;

	for (int k = 0; k < 2; k++)
		if (p->conn[k] != NULL) {
			conn_notify(p->conn[k], BGP_ERR_CEASE, sub, NULL, 0, why);
			had = true;
		}
	return had;
}

/* ---- routes in ---- */

static int family_of_afi(uint16_t afi)
{
	return afi == BGP_AFI_IPV4 ? AF_INET : afi == BGP_AFI_IPV6 ? AF_INET6 : -1;
}

static bool family_on(const struct bgp_peer *p, int family)
{
	return family == AF_INET ? p->fam4 : family == AF_INET6 ? p->fam6 : false;
}

/* The config next hop for a route from p: the one on the peer's port whose
 * address is the UPDATE's next hop, else the peer's own address. */
static int resolve_nexthop(const struct bgp_peer *p, const struct ip_addr *nh)
{
	const struct config *cfg = &p->b->d->cfg;
	int by_peer = -1;

	for (unsigned i = 0; i < cfg->n_nexthops; i++) {
		const struct cfg_nexthop *c = &cfg->nexthops[i];
		if (c->port != p->cfg->port)
			continue;
		if (nh != NULL && memcmp(&c->addr, nh, sizeof(*nh)) == 0)
			return (int)i;
		if (memcmp(&c->addr, &p->cfg->addr, sizeof(c->addr)) == 0)
			by_peer = (int)i;
	}
	return nh == NULL || nh->family == p->cfg->addr.family ? by_peer : -1;
}

static bool as_path_has(const struct bgp_as_path *ap, uint32_t asn)
{
	for (unsigned i = 0; i < ap->n_asns; i++)
		if (ap->asns[i] == asn)
			return true;
	return false;
}

static void max_prefix_exceeded(struct bgp_conn *c, int family);

/* What an UPDATE's attributes say for every prefix it carries: the AS_PATH
 * has our AS, the config next hop (-1: none). Worked out once per UPDATE. */
struct route_attrs {
	const struct bgp_attrs *a;
	bool as_loop;
	int nhi;
};

/* RFC 4271 9.1: import policy, then the RIB. -1 when c was closed. */
static int route_in(struct bgp_conn *c, const struct prefix *pfx, const struct route_attrs *ra)
{
	struct bgp_peer *p = c->peer;
	const struct cfg_bgp_policy *pol = peer_policy(p);
	enum bgp_filter f = bgp_policy_check(pol, p->ebgp, pfx);
	int ret;

	p->received++;
	if (f == BGP_FILTER_ACCEPT && ra->as_loop)
		f = BGP_FILTER_AS_LOOP;
	if (f == BGP_FILTER_ACCEPT && ra->nhi < 0)
		f = BGP_FILTER_NEXTHOP;
	if (f != BGP_FILTER_ACCEPT) {
		char b[PREFIX_STRLEN];
		p->filtered++;
		PF_LOG(DEBUG, "bgp %s: %s filtered (%s)", p->cfg->name,
		       prefix_format(pfx, b, sizeof(b)), bgp_filter_name(f));
		/* An earlier, accepted announcement is replaced by nothing. */
		bgp_rib_withdraw(p->b->rib, p->idx, pfx);
		return 0;
	}
	ret = bgp_rib_announce(p->b->rib, p->idx, pfx, (uint16_t)ra->nhi, ra->a->as_path.n_asns);
	if (ret > 0 && pol != NULL && pol->max_prefixes > 0 &&
	    bgp_rib_peer_count(p->b->rib, p->idx, 0) > pol->max_prefixes) {
		max_prefix_exceeded(c, pfx->addr.family);
		return -1;
	}
	return 0;
}

static void routes_out_of(struct bgp_peer *p, const struct bgp_prefixes *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		if (family_on(p, ps->v[i].addr.family))
			bgp_rib_withdraw(p->b->rib, p->idx, &ps->v[i]);
}

static int routes_into(struct bgp_conn *c, const struct bgp_prefixes *ps, const struct ip_addr *nh,
		       const struct bgp_attrs *a)
{
	struct route_attrs ra = {.a = a};

	if (ps->n == 0)
		return 0;
	ra.as_loop = as_path_has(&a->as_path, c->peer->b->cfg->asn);
	ra.nhi = resolve_nexthop(c->peer, nh);
	for (size_t i = 0; i < ps->n; i++)
		if (family_on(c->peer, ps->v[i].addr.family) && route_in(c, &ps->v[i], &ra) < 0)
			return -1;
	return 0;
}

static void stale_flush(struct bgp_peer *p, int family, const char *why)
{
	unsigned n = bgp_rib_flush_stale(p->b->rib, p->idx, family);

	if (family != AF_INET6)
		p->stale4 = false;
	if (family != AF_INET)
		p->stale6 = false;
	if (!p->stale4 && !p->stale6)
		ev_timer_stop(p->stale);
	if (n > 0 || why != NULL)
		PF_LOG(NOTICE, "bgp %s: %u stale %s routes removed (%s)", p->cfg->name, n,
		       family == AF_INET    ? "IPv4"
		       : family == AF_INET6 ? "IPv6"
					    : "",
		       why);
}

static int update_in(struct bgp_conn *c, const struct bgp_msg *m)
{
	struct bgp_peer *p = c->peer;
	struct bgp_update *u = p->b->u;
	struct bgp_update_result *r = &p->b->res;
	const struct bgp_attrs *a = &u->attrs;
	enum bgp_action act = bgp_update_decode(&p->sp, m, u, r);
	char fmt[256];

	p->updates_in++;
	switch (act) {
	case BGP_ACT_SESSION_RESET:
		conn_notify_err(c, &r->err, "malformed UPDATE");
		return -1;
	case BGP_ACT_AFI_SAFI_DISABLE: {
		/* RFC 7606 5.3 / RFC 4760 7: stop using the family. */
		int fam = family_of_afi(r->afi);
		PF_LOG(WARNING, "bgp %s: RFC 7606 AFI/SAFI disable %u/%u (%s/%s)", p->cfg->name,
		       r->afi, r->safi, bgp_err_code_name(r->err.code),
		       bgp_err_subcode_name(r->err.code, r->err.subcode));
		peer_error(p, "AFI %u disabled: %s", r->afi,
			   bgp_err_subcode_name(r->err.code, r->err.subcode));
		if (fam > 0) {
			bgp_rib_flush(p->b->rib, p->idx, fam);
			if (fam == AF_INET)
				p->fam4 = false;
			else
				p->fam6 = false;
		}
		return 0;
	}
	case BGP_ACT_TREAT_AS_WITHDRAW:
		/* RFC 7606 2: every prefix the UPDATE carries is withdrawn. */
		p->taw++;
		peer_error(p, "treat-as-withdraw: attribute %u %s", r->attr_code,
			   bgp_err_subcode_name(r->err.code, r->err.subcode));
		PF_LOG(WARNING, "bgp %s: RFC 7606 treat-as-withdraw (attribute %u: %s/%s)",
		       p->cfg->name, r->attr_code, bgp_err_code_name(r->err.code),
		       bgp_err_subcode_name(r->err.code, r->err.subcode));
		routes_out_of(p, &u->withdrawn);
		routes_out_of(p, &u->nlri);
		routes_out_of(p, &a->mp_reach.nlri);
		routes_out_of(p, &a->mp_unreach.withdrawn);
		return 0;
	case BGP_ACT_ATTR_DISCARD:
		PF_LOG(WARNING, "bgp %s: RFC 7606 attribute discard (%u attribute(s))",
		       p->cfg->name, r->n_discarded);
		break;
	case BGP_ACT_OK:
		break;
	}
	if (u->end_of_rib) {
		int fam = family_of_afi(u->eor_afi);
		PF_LOG(INFO, "bgp %s: End-of-RIB for AFI %u, %u routes", p->cfg->name, u->eor_afi,
		       bgp_rib_peer_count(p->b->rib, p->idx, fam > 0 ? fam : 0));
		if (fam > 0 && ((fam == AF_INET && p->stale4) || (fam == AF_INET6 && p->stale6)))
			stale_flush(p, fam, "End-of-RIB"); /* RFC 4724 4.2 */
		return 0;
	}
	if (rte_log_can_log(RTE_LOGTYPE_PEERFWD, RTE_LOG_DEBUG))
		PF_LOG(DEBUG, "bgp %s: UPDATE %s", p->cfg->name,
		       bgp_attrs_format(a, fmt, sizeof(fmt)));
	p->withdrawn += u->withdrawn.n + a->mp_unreach.withdrawn.n;
	routes_out_of(p, &u->withdrawn);
	routes_out_of(p, &a->mp_unreach.withdrawn);
	if (routes_into(c, &u->nlri, &a->nexthop, a) < 0 ||
	    routes_into(c, &a->mp_reach.nlri, &a->mp_reach.nexthop, a) < 0)
		return -1;
	return 0;
}

/* RFC 4486 4: Cease 6/1 with AFI, SAFI and the limit. */
static void max_prefix_exceeded(struct bgp_conn *c, int family)
{
	struct bgp_peer *p = c->peer;
	const struct cfg_bgp_policy *pol = peer_policy(p);
	uint8_t data[7];
	uint16_t afi = family == AF_INET6 ? BGP_AFI_IPV6 : BGP_AFI_IPV4;
	char why[64];

	data[0] = (uint8_t)(afi >> 8);
	data[1] = (uint8_t)afi;
	data[2] = BGP_SAFI_UNICAST;
	data[3] = (uint8_t)(pol->max_prefixes >> 24);
	data[4] = (uint8_t)(pol->max_prefixes >> 16);
	data[5] = (uint8_t)(pol->max_prefixes >> 8);
	data[6] = (uint8_t)pol->max_prefixes;
	snprintf(why, sizeof(why), "more than %u prefixes", pol->max_prefixes);
	/* Held before closing, so closing schedules no reconnect. */
	p->restarting = pol->restart_after > 0;
	p->held_down = pol->restart_after == 0;
	ev_timer_stop(p->start);
	conn_notify(c, BGP_ERR_CEASE, BGP_SUB_MAX_PREFIXES, data, sizeof(data), why);
	for (int i = 0; i < 2; i++)
		if (p->conn[i] != NULL)
			conn_notify(p->conn[i], BGP_ERR_CEASE, BGP_SUB_MAX_PREFIXES, data,
				    sizeof(data), why);
	if (pol->restart_after > 0) {
		ev_timer_start(p->start, pol->restart_after * 1000ull);
		PF_LOG(NOTICE, "bgp %s: max-prefix: restarting in %u s", p->cfg->name,
		       pol->restart_after);
	} else {
		PF_LOG(NOTICE, "bgp %s: max-prefix: down until reset", p->cfg->name);
	}
	peer_note(p, why);
}

/* ---- routes out ---- */

static int announce_family(struct bgp_conn *c, int family)
{
	struct bgp_peer *p = c->peer;
	const struct cfg_bgp *cfg = p->b->cfg;
	struct prefix list[CFG_BGP_MAX_SERVICE];
	struct bgp_update_out out = {.attrs = p->b->attrs};
	size_t n = 0;
	int len, ret;

	for (unsigned i = 0; i < cfg->n_service; i++)
		if (cfg->service[i].addr.family == family)
			list[n++] = cfg->service[i];
	if (n > 0 && (family == AF_INET ? p->self4.family : p->self6.family) != 0) {
		struct bgp_attrs *a = p->b->attrs;
		bgp_attrs_init_local(a, &p->sp, cfg->asn, family == AF_INET ? &p->self4 : NULL,
				     family == AF_INET6 ? &p->self6 : NULL, NULL);
		if (p->gshut) { /* RFC 8326 4 */
			a->communities[0] = BGP_COMMUNITY_GSHUT;
			a->n_communities = 1;
			bgp_attr_set_present(a, BGP_ATTR_COMMUNITIES);
			if (!p->ebgp)
				a->local_pref = 0;
		}
		for (size_t off = 0, chunk = n; off < n;) {
			struct bgp_prefixes ps = {.v = list + off,
						  .n = chunk < n - off ? chunk : n - off};
			if (family == AF_INET)
				out.announce4 = ps;
			else
				out.announce6 = ps;
			len = bgp_update_encode(&p->sp, p->b->buf, BGP_MAX_LEN, &out);
			if (len == -EMSGSIZE && chunk > 1) {
				chunk /= 2;
				continue;
			}
			if ((ret = conn_send(c, p->b->buf, len)) < 0)
				return ret;
			off += ps.n;
		}
	}
	/* RFC 4724 2: End-of-RIB after the initial update. */
	len = bgp_eor_encode(p->b->buf, BGP_MAX_LEN,
			     family == AF_INET ? BGP_AFI_IPV4 : BGP_AFI_IPV6, BGP_SAFI_UNICAST);
	return conn_send(c, p->b->buf, len);
}

static int announce_all(struct bgp_conn *c)
{
	struct bgp_peer *p = c->peer;
	int ret = 0;

	/* RFC 8212 3.2: nothing to an eBGP peer without a policy. */
	if (p->ebgp && p->policy < 0) {
		PF_LOG(WARNING, "bgp %s: no policy: RFC 8212 denies import and export",
		       p->cfg->name);
		return 0;
	}
	if (p->fam4)
		ret = announce_family(c, AF_INET);
	if (ret == 0 && p->fam6)
		ret = announce_family(c, AF_INET6);
	return ret;
}

/* ---- OPEN, collision, Established ---- */

static int send_open(struct bgp_conn *c)
{
	struct bgp_peer *p = c->peer;
	struct bgp_open o;

	memset(&o, 0, sizeof(o));
	o.version = BGP_VERSION;
	o.hold_time = p->cfg->hold_time;
	o.bgp_id = p->b->cfg->router_id;
	o.caps.as4 = true;
	o.caps.as4_asn = p->b->cfg->asn;
	o.my_as = p->b->cfg->asn > 0xffff ? BGP_AS_TRANS : (uint16_t)p->b->cfg->asn;
	if (p->cfg->ipv4)
		o.caps.mp[o.caps.n_mp++] = (struct bgp_afi_safi){BGP_AFI_IPV4, BGP_SAFI_UNICAST, 0};
	if (p->cfg->ipv6)
		o.caps.mp[o.caps.n_mp++] = (struct bgp_afi_safi){BGP_AFI_IPV6, BGP_SAFI_UNICAST, 0};
	o.caps.route_refresh = true;
	/* RFC 4724 3: helper only: the capability without any AFI/SAFI. */
	o.caps.gr = true;
	o.caps.gr_time = BGP_GR_TIME_S;
	return conn_send(c, p->b->buf, bgp_open_encode(p->b->buf, BGP_MAX_LEN, &o));
}

static void conn_timers_negotiated(struct bgp_conn *c)
{
	if (c->hold_time == 0) {
		ev_timer_stop(c->hold);
		ev_timer_stop(c->keepalive);
		return;
	}
	ev_timer_start(c->hold, c->hold_time * 1000ull);
	ev_timer_start(c->keepalive, c->hold_time * 1000ull / 3);
}

/* RFC 4271 6.8. Returns true when c survived. */
static bool collision(struct bgp_conn *c)
{
	struct bgp_peer *p = c->peer;
	struct bgp_conn *o = p->conn[!c->dir];
	struct bgp_conn *loser;

	if (o == NULL)
		return true;
	if (o->state == BGP_CONNECT) {
		conn_free(o); /* our connect was still under way */
		return true;
	}
	if (o->state == BGP_ESTABLISHED)
		loser = c;
	else if (c->open.bgp_id != p->b->cfg->router_id)
		/* the side with the higher identifier keeps the one it opened */
		loser = p->b->cfg->router_id < c->open.bgp_id ? p->conn[BGP_OUT] : p->conn[BGP_IN];
	else /* RFC 6286 2.3: equal identifiers (eBGP): the larger AS keeps its own */
		loser = p->b->cfg->asn < p->cfg->remote_as ? p->conn[BGP_OUT] : p->conn[BGP_IN];
	PF_LOG(NOTICE, "bgp %s: connection collision, closing the %s one", p->cfg->name,
	       loser->dir == BGP_OUT ? "outgoing" : "incoming");
	conn_notify(loser, BGP_ERR_CEASE, BGP_SUB_CONN_COLLISION, NULL, 0, "collision");
	return loser != c;
}

static bool open_has_gr_afi(const struct bgp_open *o, uint16_t afi, bool need_forwarding)
{
	for (unsigned i = 0; o->caps.gr && i < o->caps.n_gr_afi; i++)
		if (o->caps.gr_afi[i].afi == afi && o->caps.gr_afi[i].safi == BGP_SAFI_UNICAST &&
		    (!need_forwarding || (o->caps.gr_afi[i].flags & BGP_GR_AF_F_FORWARDING)))
			return true;
	return false;
}

static int open_in(struct bgp_conn *c, const struct bgp_msg *m)
{
	struct bgp_peer *p = c->peer;
	struct bgp_err err;
	uint32_t as;
	char why[64];
	uint8_t ka[BGP_KEEPALIVE_LEN];

	if (bgp_open_decode(m, &c->open, &err) < 0) {
		conn_notify_err(c, &err, "bad OPEN");
		return -1;
	}
	memset(c->open.caps.unknown, 0, sizeof(c->open.caps.unknown)); /* point into rx */
	as = bgp_open_peer_as(&c->open);
	if (as != p->cfg->remote_as) {
		snprintf(why, sizeof(why), "peer says AS%u, configured AS%u", as,
			 p->cfg->remote_as);
		conn_notify(c, BGP_ERR_OPEN, BGP_SUB_BAD_PEER_AS, NULL, 0, why);
		return -1;
	}
	if (c->open.bgp_id == p->b->cfg->router_id && !p->ebgp) {
		conn_notify(c, BGP_ERR_OPEN, BGP_SUB_BAD_BGP_ID, NULL, 0, "our own identifier");
		return -1;
	}
	/* RFC 4271 4.2: the smaller hold time; zero means none. */
	c->hold_time =
		c->open.hold_time < p->cfg->hold_time ? c->open.hold_time : p->cfg->hold_time;
	c->state = BGP_OPENCONFIRM;
	if (!collision(c))
		return -1;
	if (conn_send(c, ka, bgp_keepalive_encode(ka, sizeof(ka))) < 0) {
		conn_close(c, true, "send failed");
		return -1;
	}
	conn_timers_negotiated(c);
	peer_note(p, "OPEN received");
	return 0;
}

static void established(struct bgp_conn *c)
{
	struct bgp_peer *p = c->peer;
	const struct bgp_open *o = &c->open;
	bool none = o->caps.n_mp == 0; /* RFC 4760 8: IPv4 unicast implied */
	char why[96];

	c->state = BGP_ESTABLISHED;
	p->fam4 = p->cfg->ipv4 && (none || bgp_caps_has_mp(&o->caps, BGP_AFI_IPV4, 1));
	p->fam6 = p->cfg->ipv6 && bgp_caps_has_mp(&o->caps, BGP_AFI_IPV6, 1);
	p->sp = (struct bgp_session_params){
		.as4 = o->caps.as4, .ebgp = p->ebgp, .mp_error_disables_afi = true};
	p->gr = o->caps.gr;
	p->gr4 = open_has_gr_afi(o, BGP_AFI_IPV4, false);
	p->gr6 = open_has_gr_afi(o, BGP_AFI_IPV6, false);
	p->gr_time = o->caps.gr_time;
	p->remote_id = o->bgp_id;
	p->hold_time = c->hold_time;
	p->est_ms = ev_now_ms();
	p->established++;
	p->restarting = false;
	ev_timer_stop(p->start);
	/* RFC 4724 4.2: stale routes stay only if forwarding was preserved. */
	if (p->stale4 && !open_has_gr_afi(o, BGP_AFI_IPV4, true))
		stale_flush(p, AF_INET, "restarted without preserving IPv4 forwarding");
	if (p->stale6 && !open_has_gr_afi(o, BGP_AFI_IPV6, true))
		stale_flush(p, AF_INET6, "restarted without preserving IPv6 forwarding");
	if (p->stale4 || p->stale6)
		ev_timer_start(p->stale, BGP_STALE_EOR_S * 1000ull);
	snprintf(why, sizeof(why), "hold %us, families%s%s, id %u.%u.%u.%u%s", c->hold_time,
		 p->fam4 ? " ipv4" : "", p->fam6 ? " ipv6" : "", o->bgp_id >> 24,
		 (o->bgp_id >> 16) & 0xff, (o->bgp_id >> 8) & 0xff, o->bgp_id & 0xff,
		 p->gr ? ", graceful restart" : "");
	p->last_error[0] = '\0';
	peer_note(p, why);
}

static void session_down(struct bgp_peer *p, bool graceful)
{
	unsigned kept = 0, flushed = 0;
	uint16_t gr_time = 0;

	if (graceful && p->gr) {
		gr_time = p->gr_time;
		if (p->fam4 && p->gr4) {
			kept += bgp_rib_mark_stale(p->b->rib, p->idx, AF_INET);
			p->stale4 = true;
		}
		if (p->fam6 && p->gr6) {
			kept += bgp_rib_mark_stale(p->b->rib, p->idx, AF_INET6);
			p->stale6 = true;
		}
	}
	if (!p->stale4)
		flushed += bgp_rib_flush(p->b->rib, p->idx, AF_INET);
	if (!p->stale6)
		flushed += bgp_rib_flush(p->b->rib, p->idx, AF_INET6);
	if (kept > 0 && gr_time > 0) {
		ev_timer_start(p->stale, gr_time * 1000ull);
		PF_LOG(NOTICE, "bgp %s: graceful restart: %u routes kept stale for %u s",
		       p->cfg->name, kept, gr_time);
	} else if (kept > 0) {
		stale_flush(p, 0, "restart time 0");
	}
	if (flushed > 0)
		PF_LOG(NOTICE, "bgp %s: %u routes withdrawn", p->cfg->name, flushed);
	p->est_ms = 0;
	p->fam4 = p->cfg->ipv4;
	p->fam6 = p->cfg->ipv6;
}

/* ---- receiving ---- */

static int msg_in(struct bgp_conn *c, const struct bgp_msg *m)
{
	struct bgp_peer *p = c->peer;
	struct bgp_notification n;
	struct bgp_err err;
	char why[160];

	if (c->state >= BGP_OPENCONFIRM && c->hold_time > 0)
		ev_timer_start(c->hold, c->hold_time * 1000ull);
	if (m->type == BGP_NOTIFICATION) {
		if (bgp_notification_decode(m, &n, &err) < 0)
			n = (struct bgp_notification){.code = 0};
		snprintf(why, sizeof(why), "received %s/%s%s%.*s", bgp_err_code_name(n.code),
			 bgp_err_subcode_name(n.code, n.subcode), n.shutdown_msg_len ? ": " : "",
			 (int)n.shutdown_msg_len,
			 n.shutdown_msg ? (const char *)n.shutdown_msg : "");
		peer_error(p, "%s", why);
		snprintf(p->notif_received, sizeof(p->notif_received), "%.95s", why + 9);
		p->notif_received_at = time(NULL);
		PF_LOG(WARNING, "bgp %s: NOTIFICATION %s", p->cfg->name, why);
		conn_close(c, false, why);
		return -1;
	}
	switch (c->state) {
	case BGP_OPENSENT:
		if (m->type == BGP_OPEN)
			return open_in(c, m);
		break;
	case BGP_OPENCONFIRM:
		if (m->type == BGP_KEEPALIVE) {
			established(c);
			if (announce_all(c) < 0) {
				conn_close(c, true, "send failed");
				return -1;
			}
			return 0;
		}
		break;
	case BGP_ESTABLISHED:
		if (m->type == BGP_KEEPALIVE)
			return 0;
		if (m->type == BGP_UPDATE)
			return update_in(c, m);
		if (m->type == BGP_ROUTE_REFRESH) {
			struct bgp_route_refresh rr;
			if (bgp_route_refresh_decode(m, &rr, &err) < 0) {
				conn_notify_err(c, &err, "bad ROUTE-REFRESH");
				return -1;
			}
			/* RFC 2918 4: send our routes of that family again. */
			int fam = family_of_afi(rr.afi);
			if (fam > 0 && family_on(p, fam) && !(p->ebgp && p->policy < 0) &&
			    announce_family(c, fam) < 0) {
				conn_close(c, true, "send failed");
				return -1;
			}
			return 0;
		}
		break;
	default:
		break;
	}
	/* RFC 4271 6.6: anything else is a Finite State Machine Error; the
	 * subcodes are RFC 6608's (1 OpenSent, 2 OpenConfirm, 3 Established). */
	snprintf(why, sizeof(why), "%s in %s", bgp_type_name(m->type), bgp_state_name(c->state));
	conn_notify(c, BGP_ERR_FSM,
		    c->state == BGP_OPENSENT	  ? 1
		    : c->state == BGP_OPENCONFIRM ? 2
						  : 3,
		    NULL, 0, why);
	return -1;
}

ssize_t bgp_conn_input(struct bgp_conn *c, const uint8_t *buf, size_t len)
{
	struct bgp_err err;
	struct bgp_msg m;
	size_t off = 0;

	for (;;) {
		int n = bgp_msg_parse(buf + off, len - off, &m, &err);
		if (n == -EAGAIN)
			return (ssize_t)off;
		if (n < 0) {
			conn_notify_err(c, &err, "bad message header");
			return -1;
		}
		off += (size_t)n;
		c->peer->msgs_in[m.type < BGP_PEER_MSG_TYPES ? m.type : 0]++;
		if (msg_in(c, &m) < 0)
			return -1;
	}
}

static void conn_read(struct bgp_conn *c)
{
	ssize_t used, n = recv(c->fd, c->rx + c->rx_len, BGP_RX_CAP - c->rx_len, MSG_DONTWAIT);
	char why[96];

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
		snprintf(why, sizeof(why), "%s",
			 n == 0 ? "connection closed by peer" : strerror(errno));
		peer_error(c->peer, "%s", why);
		conn_close(c, true, why);
		return;
	}
	if (n < 0)
		return;
	c->rx_len += (size_t)n;
	if ((used = bgp_conn_input(c, c->rx, c->rx_len)) < 0)
		return;
	memmove(c->rx, c->rx + used, c->rx_len - (size_t)used);
	c->rx_len -= (size_t)used;
}

static void conn_connected(struct bgp_conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);
	char why[96];

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0) {
		snprintf(why, sizeof(why), "connect: %s", strerror(err));
		peer_error(c->peer, "%s", why);
		conn_close(c, false, why);
		return;
	}
	c->state = BGP_OPENSENT;
	ev_timer_start(c->hold, conn_open_hold_ms(c));
	conn_want_write(c, false);
	if (send_open(c) < 0) {
		conn_close(c, false, "send failed");
		return;
	}
	peer_note(c->peer, "connected, OPEN sent");
}

static void on_conn(struct ev_loop *loop, int fd, uint32_t events, void *arg)
{
	struct bgp_conn *c = arg;
	struct daemon *d = c->peer->b->d;
	int ret;

	(void)loop;
	(void)fd;
	pthread_mutex_lock(&d->lock);
	if (c->state == BGP_CONNECT) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			conn_connected(c);
	} else if (events & EPOLLOUT) {
		if ((ret = conn_flush(c)) < 0)
			conn_close(c, true, strerror(-ret));
	} else if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
		conn_read(c);
	}
	pthread_mutex_unlock(&d->lock);
}

/* ---- timers ---- */

static void on_hold(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	struct bgp_conn *c = arg;
	struct daemon *d = c->peer->b->d;

	(void)loop;
	(void)t;
	pthread_mutex_lock(&d->lock);
	if (c->state == BGP_CONNECT) { /* no answer to our connect: try again */
		char why[64];

		snprintf(why, sizeof(why), "connect: no answer in %u s",
			 c->peer->cfg->connect_retry);
		peer_error(c->peer, "%s", why);
		conn_close(c, false, why);
	} else {
		conn_notify(c, BGP_ERR_HOLD, 0, NULL, 0, "hold timer expired");
	}
	pthread_mutex_unlock(&d->lock);
}

static void on_keepalive(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	struct bgp_conn *c = arg;
	struct daemon *d = c->peer->b->d;
	uint8_t ka[BGP_KEEPALIVE_LEN];
	int ret;

	(void)loop;
	pthread_mutex_lock(&d->lock);
	if ((ret = conn_send(c, ka, bgp_keepalive_encode(ka, sizeof(ka)))) < 0)
		conn_close(c, true, strerror(-ret));
	else
		ev_timer_start(t, c->hold_time * 1000ull / 3);
	pthread_mutex_unlock(&d->lock);
}

static void on_send_hold(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	struct bgp_conn *c = arg;
	struct daemon *d = c->peer->b->d;

	(void)loop;
	(void)t;
	pthread_mutex_lock(&d->lock);
	/* RFC 9687 4: the peer stopped reading; the NOTIFICATION is unlikely to
	 * get through but is attempted. */
	conn_notify(c, BGP_ERR_SEND_HOLD, 0, NULL, 0, "send hold timer expired");
	pthread_mutex_unlock(&d->lock);
}

/* ---- connections ---- */

static void sockaddr_of(const struct ip_addr *a, uint16_t port, struct sockaddr_storage *ss,
			socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;
		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		memcpy(&s->sin_addr, a->bytes, 4);
		*len = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;
		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		memcpy(&s->sin6_addr, a->bytes, 16);
		*len = sizeof(*s);
	}
}

static void ip_addr_of(const struct sockaddr_storage *ss, struct ip_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		a->family = AF_INET;
		memcpy(a->bytes, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	} else {
		const struct in6_addr *in6 = &((const struct sockaddr_in6 *)ss)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(in6)) {
			a->family = AF_INET;
			memcpy(a->bytes, &in6->s6_addr[12], 4);
		} else {
			a->family = AF_INET6;
			memcpy(a->bytes, in6, 16);
		}
	}
}

/* RFC 2385 key for the peer on fd (a listener or a connecting socket). */
static int set_md5(int fd, const struct cfg_bgp_peer *pc)
{
	struct tcp_md5sig sig;
	socklen_t len;

	memset(&sig, 0, sizeof(sig));
	sockaddr_of(&pc->addr, 0, (struct sockaddr_storage *)&sig.tcpm_addr, &len);
	sig.tcpm_keylen = (uint16_t)strlen(pc->md5);
	memcpy(sig.tcpm_key, pc->md5, sig.tcpm_keylen);
	return setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof(sig));
}

/* RFC 5082 3: send with TTL 255 and accept only 255 (one hop away). */
static int set_gtsm(int fd, int family)
{
	int ttl = 255;

	if (family == AF_INET)
		return setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)) ||
		       setsockopt(fd, IPPROTO_IP, IP_MINTTL, &ttl, sizeof(ttl));
	return setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl)) ||
	       setsockopt(fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT, &ttl, sizeof(ttl));
}

static struct bgp_conn *conn_new(struct bgp_peer *p, enum bgp_dir dir, int fd, enum bgp_state state)
{
	struct ev_loop *ev = p->b->d->ev;
	struct bgp_conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	*c = (struct bgp_conn){.peer = p, .dir = dir, .fd = fd, .state = state};
	c->rx = malloc(BGP_RX_CAP);
	c->hold = ev_timer_new(ev, on_hold, c);
	c->keepalive = ev_timer_new(ev, on_keepalive, c);
	c->send_hold = ev_timer_new(ev, on_send_hold, c);
	if (c->rx == NULL || !c->hold || !c->keepalive || !c->send_hold ||
	    ev_fd_add(ev, fd, state == BGP_CONNECT ? EPOLLOUT : EPOLLIN, on_conn, c) < 0) {
		ev_timer_free(c->hold);
		ev_timer_free(c->keepalive);
		ev_timer_free(c->send_hold);
		free(c->rx);
		free(c);
		return NULL;
	}
	p->conn[dir] = c;
	return c;
}

static int peer_socket(const struct bgp_peer *p)
{
	const struct cfg_bgp_peer *pc = p->cfg;
	int fd = socket(pc->addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if ((pc->md5[0] != '\0' && set_md5(fd, pc) < 0) ||
	    (pc->ttl_security && set_gtsm(fd, pc->addr.family) < 0)) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static void peer_connect(struct bgp_peer *p)
{
	struct bgp_conn *c;
	struct sockaddr_storage ss;
	socklen_t len;
	char why[96];
	int fd, one = 1;

	fd = peer_socket(p);
	if (fd >= 0) {
		/* From our address on the link: the peer checks where we come from. */
		setsockopt(fd, SOL_IP, IP_FREEBIND, &one, sizeof(one));
		sockaddr_of(&p->local, 0, &ss, &len);
		if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
			fd = -errno == 0 ? -EINVAL : -errno;
		} else {
			sockaddr_of(&p->cfg->addr, BGP_PORT, &ss, &len);
			if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
				int e = errno;
				close(fd);
				fd = -e;
			}
		}
	}
	if (fd < 0) {
		snprintf(why, sizeof(why), "connect: %s", strerror(-fd));
		peer_error(p, "%s", why);
		peer_schedule(p, p->cfg->connect_retry);
		peer_note(p, why);
		return;
	}
	c = conn_new(p, BGP_OUT, fd, BGP_CONNECT);
	if (c == NULL) {
		close(fd);
		peer_schedule(p, p->cfg->connect_retry);
		return;
	}
	/* RFC 4271 8.2.2, Connect state: the ConnectRetryTimer bounds the
	 * attempt, instead of the kernel's SYN retries (over a minute). */
	ev_timer_start(c->hold, p->cfg->connect_retry * 1000ull);
	peer_note(p, "connecting");
}

/* The start timer: connect-retry (RFC 4271 8.2.2), or the end of a
 * max-prefix hold-down. */
static void on_start(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	struct bgp_peer *p = arg;
	struct daemon *d = p->b->d;

	(void)loop;
	(void)t;
	pthread_mutex_lock(&d->lock);
	p->restarting = false;
	if (!peer_blocked(p) && p->conn[BGP_OUT] == NULL &&
	    !(p->conn[BGP_IN] && p->conn[BGP_IN]->state == BGP_ESTABLISHED)) {
		if (p->cfg->passive)
			peer_note(p, "waiting for the peer");
		else
			peer_connect(p);
	}
	pthread_mutex_unlock(&d->lock);
}

static void peer_schedule(struct bgp_peer *p, unsigned seconds)
{
	ev_timer_start(p->start, seconds * 1000ull);
}

static void on_stale(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	struct bgp_peer *p = arg;
	struct daemon *d = p->b->d;

	(void)loop;
	(void)t;
	pthread_mutex_lock(&d->lock);
	stale_flush(p, 0, "restart timer expired"); /* RFC 4724 4.2 */
	pthread_mutex_unlock(&d->lock);
}

static struct bgp_peer *peer_by_addr(struct bgp *b, const struct ip_addr *a)
{
	for (unsigned i = 0; i < b->n_peers; i++)
		if (!b->peer[i].removed && memcmp(&b->peer[i].cfg->addr, a, sizeof(*a)) == 0)
			return &b->peer[i];
	return NULL;
}

static void on_accept(struct ev_loop *loop, int lfd, uint32_t events, void *arg)
{
	struct bgp *b = arg;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct bgp_peer *p;
	struct ip_addr a;
	char s[INET6_ADDRSTRLEN];
	int fd;

	(void)loop;
	(void)events;
	fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	ip_addr_of(&ss, &a);
	pthread_mutex_lock(&b->d->lock);
	p = peer_by_addr(b, &a);
	if (p == NULL || peer_blocked(p) || p->restarting) {
		PF_LOG(INFO, "bgp: connection from %s refused (%s)", addr_str(&a, s),
		       p == NULL     ? "no such peer"
		       : p->bfd_down ? "BFD down"
				     : "peer held down");
		close(fd);
		goto out;
	}
	struct bgp_conn *est = p->conn[BGP_OUT] && p->conn[BGP_OUT]->state == BGP_ESTABLISHED
				       ? p->conn[BGP_OUT]
				       : p->conn[BGP_IN];
	if (est != NULL && est->state == BGP_ESTABLISHED && p->gr) {
		/* RFC 4724 4.2: a new connection from a restarting peer ends the
		 * old session gracefully. */
		PF_LOG(NOTICE, "bgp %s: new connection while Established: peer restarted",
		       p->cfg->name);
		conn_close(est, true, "peer restarted");
	}
	if (p->conn[BGP_IN] != NULL) {
		PF_LOG(INFO, "bgp %s: second incoming connection refused", p->cfg->name);
		close(fd);
		goto out;
	}
	if (p->cfg->ttl_security)
		set_gtsm(fd, a.family);
	struct bgp_conn *c = conn_new(p, BGP_IN, fd, BGP_OPENSENT);
	if (c == NULL) {
		close(fd);
		goto out;
	}
	ev_timer_start(c->hold, conn_open_hold_ms(c));
	if (send_open(c) < 0) {
		conn_close(c, false, "send failed");
		goto out;
	}
	ev_timer_stop(p->start);
	peer_note(p, "accepted, OPEN sent");
out:
	pthread_mutex_unlock(&b->d->lock);
}

static int listen_on(struct bgp *b, const struct ip_addr *local)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char s[INET6_ADDRSTRLEN];
	int fd, one = 1, all_gtsm = 1;

	fd = socket(local->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_IP, IP_FREEBIND, &one, sizeof(one));
	if (local->family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	for (unsigned i = 0; i < b->n_peers; i++) {
		const struct bgp_peer *p = &b->peer[i];
		if (p->removed || memcmp(&p->local, local, sizeof(*local)) != 0)
			continue;
		if (p->cfg->md5[0] != '\0' && set_md5(fd, p->cfg) < 0)
			PF_LOG(WARNING, "bgp %s: TCP MD5 on listener: %s", p->cfg->name,
			       strerror(errno));
		all_gtsm &= p->cfg->ttl_security;
	}
	/* GTSM on the listener drops far SYNs too, when every peer here uses it. */
	if (all_gtsm)
		set_gtsm(fd, local->family);
	sockaddr_of(local, BGP_PORT, &ss, &len);
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 16) < 0 ||
	    ev_fd_add(b->d->ev, fd, EPOLLIN, on_accept, b) < 0) {
		int e = errno;
		PF_LOG(ERR, "bgp: listen on [%s]:179: %s", addr_str(local, s), strerror(e));
		close(fd);
		return -e;
	}
	b->listen_fd[b->n_listen++] = fd;
	PF_LOG(INFO, "bgp: listening on [%s]:179", addr_str(local, s));
	return 0;
}

/* ---- setup ---- */

static int peer_init(struct bgp *b, unsigned i, const struct cfg_bgp_peer *pc)
{
	const struct config *cfg = &b->d->cfg;
	const struct cfg_port *port = &cfg->ports[pc->port];
	struct bgp_peer *p = &b->peer[i];

	*p = (struct bgp_peer){.b = b,
			       .idx = i,
			       .cfg = pc,
			       .policy = pc->policy,
			       .ebgp = pc->remote_as != cfg->bgp.asn,
			       .fam4 = pc->ipv4,
			       .fam6 = pc->ipv6,
			       .state = BGP_IDLE};
	for (unsigned a = 0; a < port->n_addrs; a++) {
		const struct prefix *pa = &port->addrs[a];
		if (prefix_contains_addr(pa, &pc->addr) && p->local.family == 0)
			p->local = pa->addr;
		if (pa->addr.family == AF_INET && p->self4.family == 0)
			p->self4 = pa->addr;
		if (pa->addr.family == AF_INET6 && p->self6.family == 0)
			p->self6 = pa->addr;
	}
	p->start = ev_timer_new(b->d->ev, on_start, p);
	p->stale = ev_timer_new(b->d->ev, on_stale, p);
	if (p->start == NULL || p->stale == NULL)
		return -ENOMEM;
	return 0;
}

static void peer_rank(struct bgp_peer *p)
{
	const struct cfg_bgp_policy *pol = peer_policy(p);
	unsigned tier = p->b->d->cfg.ports[p->cfg->port].tier;

	bgp_rib_peer_rank(p->b->rib, p->idx, pol ? pol->local_pref[tier] : 0, tier);
}

struct bgp *bgp_create(struct daemon *d)
{
	static const struct bgp_rib_ops ops = {.set = fib_set, .unset = fib_unset};
	struct bgp *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->d = d;
	b->cfg = &d->cfg.bgp;
	b->u = malloc(sizeof(*b->u));
	b->attrs = malloc(sizeof(*b->attrs));
	b->rib = bgp_rib_create(&ops, b);
	if (b->u == NULL || b->attrs == NULL || b->rib == NULL)
		goto fail;
	b->n_peers = b->cfg->n_peers;
	for (unsigned i = 0; i < b->n_peers; i++) {
		if (peer_init(b, i, &b->cfg->peers[i]) < 0)
			goto fail;
		peer_rank(&b->peer[i]);
	}
	return b;
fail:
	bgp_stop(b);
	return NULL;
}

struct bgp *bgp_start(struct daemon *d)
{
	struct bgp *b;

	if (!d->cfg.bgp.enabled)
		return NULL;
	if ((b = bgp_create(d)) == NULL) {
		PF_LOG(ERR, "bgp: out of memory");
		return NULL;
	}
	for (unsigned i = 0; i < b->n_peers; i++) {
		bool seen = false;
		for (unsigned j = 0; j < i; j++)
			seen |= memcmp(&b->peer[j].local, &b->peer[i].local,
				       sizeof(b->peer[i].local)) == 0;
		if (!seen)
			listen_on(b, &b->peer[i].local);
	}
	PF_LOG(NOTICE, "bgp: AS%u, router id %u.%u.%u.%u, %u peers, %u service prefixes",
	       b->cfg->asn, b->cfg->router_id >> 24, (b->cfg->router_id >> 16) & 0xff,
	       (b->cfg->router_id >> 8) & 0xff, b->cfg->router_id & 0xff, b->n_peers,
	       b->cfg->n_service);
	pthread_mutex_lock(&d->lock);
	for (unsigned i = 0; i < b->n_peers; i++) {
		struct bgp_peer *p = &b->peer[i];
		if (p->ebgp && p->policy < 0)
			PF_LOG(WARNING, "bgp %s: eBGP without a policy: RFC 8212 denies all",
			       p->cfg->name);
		if (p->cfg->passive)
			peer_note(p, "passive");
		else
			peer_schedule(p, 0);
	}
	pthread_mutex_unlock(&d->lock);
	bgp_nbrs_publish(b);
	bgp_telemetry_init(b);
	return b;
}

void bgp_nbrs_publish(struct bgp *b)
{
	struct daemon *d = b->d;
	unsigned n = 0;

	for (unsigned i = 0; i < b->n_peers; i++) {
		const struct cfg_bgp_peer *c = b->peer[i].cfg;
		if (b->peer[i].removed)
			continue;
		d->bgp_nbr[n++] = daemon_nbr(&c->addr, c->ttl_security ? NBR_F_GTSM : 0);
	}
	d->n_bgp_nbr = n;
	daemon_nbrs_update(d);
}

void bgp_stop(struct bgp *b)
{
	if (b == NULL)
		return;
	bgp_telemetry_fini();
	pthread_mutex_lock(&b->d->lock);
	for (unsigned i = 0; i < b->n_peers; i++) {
		struct bgp_peer *p = &b->peer[i];
		if (p->removed)
			continue;
		p->held_down = true;
		peer_cease(p, BGP_SUB_ADMIN_SHUTDOWN, "shutting down");
		if (b->rib != NULL)
			bgp_rib_flush(b->rib, i, 0);
		ev_timer_free(p->start);
		ev_timer_free(p->stale);
	}
	pthread_mutex_unlock(&b->d->lock);
	for (unsigned i = 0; i < b->n_listen; i++) {
		ev_fd_del(b->d->ev, b->listen_fd[i]);
		close(b->listen_fd[i]);
	}
	bgp_rib_free(b->rib);
	free(b->u);
	free(b->attrs);
	free(b);
}

/* ---- operations ---- */

static struct bgp_peer *peer_by_name(struct bgp *b, const char *name)
{
	for (unsigned i = 0; b != NULL && i < b->n_peers; i++)
		if (!b->peer[i].removed && strcmp(b->peer[i].cfg->name, name) == 0)
			return &b->peer[i];
	return NULL;
}

/* peer_cease, and a graceful-restart wait ends too: the routes go now. */
static bool peer_end(struct bgp_peer *p, uint8_t sub, const char *why)
{
	bool had = peer_cease(p, sub, why);

	if (p->stale4 || p->stale6)
		stale_flush(p, 0, why);
	p->restarting = false;
	return had;
}

/* Cease 6/4 on every connection; the start timer brings it back. */
static void peer_hard_reset(struct bgp_peer *p, const char *why)
{
	peer_end(p, BGP_SUB_ADMIN_RESET, why);
	p->held_down = false;
	ev_timer_stop(p->start);
	if (!p->cfg->passive)
		peer_schedule(p, 1);
	peer_note(p, why);
}

/* The peer BFD speaks of: at addr (addresses are unique) on port. */
static struct bgp_peer *peer_of_bfd(struct bgp *b, unsigned port, const struct ip_addr *addr)
{
	struct bgp_peer *p = peer_by_addr(b, addr);

	return p != NULL && p->cfg->port == port ? p : NULL;
}

bool bgp_bfd_down(struct bgp *b, unsigned port, const struct ip_addr *addr)
{
	bool had = false;

	if (b == NULL)
		return false;
	pthread_mutex_lock(&b->d->lock);
	struct bgp_peer *p = peer_of_bfd(b, port, addr);
	if (p != NULL) {
		p->bfd_down = true; /* before the close, which would schedule a reconnect */
		had = peer_end(p, BGP_SUB_BFD_DOWN, "bfd session down");
		peer_note(p, "bfd session down");
	}
	pthread_mutex_unlock(&b->d->lock);
	return had;
}

bool bgp_bfd_up(struct bgp *b, unsigned port, const struct ip_addr *addr)
{
	bool was = false;

	if (b == NULL)
		return false;
	pthread_mutex_lock(&b->d->lock);
	struct bgp_peer *p = peer_of_bfd(b, port, addr);
	if (p != NULL && p->bfd_down) {
		was = true;
		p->bfd_down = false;
		if (!p->cfg->passive && !p->held_down)
			peer_schedule(p, 0);
		peer_note(p, "bfd session up");
	}
	pthread_mutex_unlock(&b->d->lock);
	return was;
}

int bgp_peer_set_policy(struct bgp *b, const char *peer, const char *policy)
{
	struct bgp_peer *p = peer_by_name(b, peer);
	int pol = -1;
	char why[96];

	if (p == NULL)
		return -ENOENT;
	if (policy != NULL && policy[0] != '\0' &&
	    (pol = config_bgp_policy_index(&b->d->cfg, policy)) < 0)
		return -EINVAL;
	pthread_mutex_lock(&b->d->lock);
	if (pol != p->policy) {
		snprintf(why, sizeof(why), "policy %s -> %s",
			 p->policy >= 0 ? b->cfg->policies[p->policy].name : "(none)",
			 pol >= 0 ? b->cfg->policies[pol].name : "(none)");
		PF_LOG(NOTICE, "bgp %s: %s: hard reset", p->cfg->name, why);
		p->policy = pol;
		peer_rank(p);
		peer_hard_reset(p, why);
	}
	pthread_mutex_unlock(&b->d->lock);
	return 0;
}

int bgp_peer_reset(struct bgp *b, const char *peer, bool soft)
{
	struct bgp_peer *p = peer_by_name(b, peer);
	uint8_t buf[BGP_ROUTE_REFRESH_LEN];

	if (p == NULL)
		return -ENOENT;
	pthread_mutex_lock(&b->d->lock);
	struct bgp_conn *c = NULL;
	for (int k = 0; k < 2; k++)
		if (p->conn[k] != NULL && p->conn[k]->state == BGP_ESTABLISHED)
			c = p->conn[k];
	if (soft && c != NULL && c->open.caps.route_refresh) {
		PF_LOG(NOTICE, "bgp %s: soft reset (route refresh)", p->cfg->name);
		for (int fam = 0; fam < 2; fam++) {
			if (!(fam == 0 ? p->fam4 : p->fam6))
				continue;
			struct bgp_route_refresh rr = {.afi = fam == 0 ? BGP_AFI_IPV4
								       : BGP_AFI_IPV6,
						       .safi = BGP_SAFI_UNICAST};
			if (conn_send(c, buf, bgp_route_refresh_encode(buf, sizeof(buf), &rr)) <
				    0 ||
			    (!(p->ebgp && p->policy < 0) &&
			     announce_family(c, fam == 0 ? AF_INET : AF_INET6) < 0)) {
				conn_close(c, true, "send failed");
				break;
			}
		}
	} else {
		peer_hard_reset(p, soft ? "soft reset without route refresh: hard reset"
					: "administrative reset");
	}
	pthread_mutex_unlock(&b->d->lock);
	return 0;
}

int bgp_peer_graceful_shutdown(struct bgp *b, const char *peer, bool on)
{
	struct bgp_peer *p = peer_by_name(b, peer);

	if (p == NULL)
		return -ENOENT;
	pthread_mutex_lock(&b->d->lock);
	if (p->gshut != on) {
		p->gshut = on;
		PF_LOG(NOTICE, "bgp %s: graceful shutdown %s (RFC 8326)", p->cfg->name,
		       on ? "on: our routes carry GRACEFUL_SHUTDOWN" : "off");
		for (int k = 0; k < 2; k++) {
			struct bgp_conn *c = p->conn[k];
			if (c == NULL || c->state != BGP_ESTABLISHED || (p->ebgp && p->policy < 0))
				continue;
			if ((p->fam4 && announce_family(c, AF_INET) < 0) ||
			    (p->fam6 && announce_family(c, AF_INET6) < 0))
				conn_close(c, true, "send failed");
		}
	}
	pthread_mutex_unlock(&b->d->lock);
	return 0;
}

void bgp_peer_info_fill(const struct bgp_peer *p, struct bgp_peer_info *o)
{
	*o = (struct bgp_peer_info){
		.name = p->cfg->name,
		.port = p->b->d->cfg.ports[p->cfg->port].name,
		.policy = p->policy >= 0 ? p->b->cfg->policies[p->policy].name : "",
		.addr = p->cfg->addr,
		.remote_as = p->cfg->remote_as,
		.remote_id = p->remote_id,
		.state = p->state,
		.uptime_s = p->est_ms ? (ev_now_ms() - p->est_ms) / 1000 : 0,
		.hold_time = p->hold_time,
		.ipv4 = p->fam4,
		.ipv6 = p->fam6,
		.established = p->established,
		.updates_in = p->updates_in,
		.updates_out = p->updates_out,
		.prefixes_received = p->received,
		.prefixes_filtered = p->filtered,
		.treat_as_withdraw = p->taw,
		.prefixes_accepted = bgp_rib_peer_count(p->b->rib, p->idx, 0),
		.prefixes_stale =
			(p->stale4 || p->stale6) ? bgp_rib_peer_stale(p->b->rib, p->idx) : 0,
		.last_error = p->last_error,
		.bfd_down = p->bfd_down,
		.gshut = p->gshut,
		.managed = p->managed,
		.def = p->cfg,
	};
}

int bgp_foreach_peer(struct bgp *b, int (*cb)(const struct bgp_peer_info *, void *), void *arg)
{
	struct bgp_peer_info info;
	int ret;

	for (unsigned i = 0; b != NULL && i < b->n_peers; i++) {
		if (b->peer[i].removed)
			continue;
		bgp_peer_info_fill(&b->peer[i], &info);
		if ((ret = cb(&info, arg)) != 0)
			return ret;
	}
	return 0;
}

static const struct bgp_conn *peer_established_conn(const struct bgp_peer *p)
{
	for (int k = 0; k < 2; k++)
		if (p->conn[k] != NULL && p->conn[k]->state == BGP_ESTABLISHED)
			return p->conn[k];
	return NULL;
}

static void peer_stats_fill(const struct bgp_peer *p, const struct bgp_peer_info *info,
			    unsigned installed, struct bgp_peer_stats *o)
{
	const struct bgp_conn *c = peer_established_conn(p);

	*o = (struct bgp_peer_stats){
		.withdrawn_in = p->withdrawn,
		.prefixes_installed = installed,
		.keepalive_time = c != NULL ? c->hold_time / 3 : 0,
		.route_refresh = c != NULL && c->open.caps.route_refresh,
		.established_at = c != NULL ? time(NULL) - (time_t)info->uptime_s : 0,
		.notif_sent = p->notif_sent,
		.notif_received = p->notif_received,
		.notif_sent_at = p->notif_sent_at,
		.notif_received_at = p->notif_received_at,
	};
	memcpy(o->msgs_in, p->msgs_in, sizeof(o->msgs_in));
	memcpy(o->msgs_out, p->msgs_out, sizeof(o->msgs_out));
}

int bgp_foreach_peer_stats(struct bgp *b,
			   int (*cb)(const struct bgp_peer_info *, const struct bgp_peer_stats *,
				     void *),
			   void *arg)
{
	unsigned installed[BGP_RIB_MAX_PEERS];
	struct bgp_peer_info info;
	struct bgp_peer_stats st;
	int ret;

	if (b == NULL)
		return 0;
	bgp_rib_installed_by_peer(b->rib, installed);
	for (unsigned i = 0; i < b->n_peers; i++) {
		if (b->peer[i].removed)
			continue;
		bgp_peer_info_fill(&b->peer[i], &info);
		peer_stats_fill(&b->peer[i], &info, i < BGP_RIB_MAX_PEERS ? installed[i] : 0, &st);
		if ((ret = cb(&info, &st, arg)) != 0)
			return ret;
	}
	return 0;
}

/* ---- peers added and removed at run time (bgp_dynamic.c) ---- */

/* The listener bound to local, or -1. */
static int listener_of(const struct bgp *b, const struct ip_addr *local)
{
	for (unsigned i = 0; i < b->n_listen; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		struct ip_addr a;

		if (getsockname(b->listen_fd[i], (struct sockaddr *)&ss, &len) < 0)
			continue;
		ip_addr_of(&ss, &a);
		if (memcmp(&a, local, sizeof(a)) == 0)
			return b->listen_fd[i];
	}
	return -1;
}

/* The listener's MD5 keys and GTSM for the running peers on local (as
 * listen_on sets them at start); without one, a new listener. */
static void listener_sync(struct bgp *b, const struct ip_addr *local)
{
	int fd = listener_of(b, local), all_gtsm = 1, off = 0;

	if (fd < 0) {
		listen_on(b, local);
		return;
	}
	for (unsigned i = 0; i < b->n_peers; i++) {
		const struct bgp_peer *p = &b->peer[i];
		if (p->removed || memcmp(&p->local, local, sizeof(*local)) != 0)
			continue;
		if (p->cfg->md5[0] != '\0' && set_md5(fd, p->cfg) < 0)
			PF_LOG(WARNING, "bgp %s: TCP MD5 on listener: %s", p->cfg->name,
			       strerror(errno));
		all_gtsm &= p->cfg->ttl_security;
	}
	if (all_gtsm)
		set_gtsm(fd, local->family);
	else if (local->family == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_MINTTL, &off, sizeof(off));
	else
		setsockopt(fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT, &off, sizeof(off));
}

int bgp_peer_open(struct bgp *b, unsigned i, const struct cfg_bgp_peer *pc)
{
	struct bgp_peer *p = &b->peer[i];
	int ret = peer_init(b, i, pc);

	if (ret < 0) {
		ev_timer_free(p->start);
		ev_timer_free(p->stale);
		*p = (struct bgp_peer){.b = b, .idx = i, .removed = true};
		return ret;
	}
	p->own = *pc;
	p->cfg = &p->own;
	p->managed = true;
	if (i == b->n_peers)
		b->n_peers++;
	peer_rank(p);
	listener_sync(b, &p->local);
	if (p->ebgp && p->policy < 0)
		PF_LOG(WARNING, "bgp %s: eBGP without a policy: RFC 8212 denies all", p->cfg->name);
	if (p->cfg->passive)
		peer_note(p, "passive");
	else
		peer_schedule(p, 0);
	return 0;
}

void bgp_peer_close(struct bgp_peer *p)
{
	struct bgp *b = p->b;
	struct ip_addr local = p->local;
	int fd = listener_of(b, &local);
	unsigned n;

	n = bgp_rib_peer_count(b->rib, p->idx, 0);
	p->held_down = true; /* closing schedules no reconnect */
	ev_timer_stop(p->start);
	peer_cease(p, BGP_SUB_PEER_DECONFIGURED, "peer de-configured");
	bgp_rib_flush(b->rib, p->idx, 0); /* what closing kept: stale paths */
	PF_LOG(NOTICE, "bgp %s: removed, %u routes withdrawn", p->cfg->name, n);
	if (fd >= 0 && p->cfg->md5[0] != '\0') {
		struct tcp_md5sig sig;
		socklen_t len;

		/* RFC 2385 key gone: a zero-length key deletes it. */
		memset(&sig, 0, sizeof(sig));
		sockaddr_of(&p->cfg->addr, 0, (struct sockaddr_storage *)&sig.tcpm_addr, &len);
		setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof(sig));
	}
	ev_timer_free(p->start);
	ev_timer_free(p->stale);
	*p = (struct bgp_peer){.b = b, .idx = p->idx, .removed = true};
	if (fd >= 0)
		listener_sync(b, &local);
	while (b->n_peers > 0 && b->peer[b->n_peers - 1].removed)
		b->n_peers--;
}
