/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket server: a non-blocking UNIX listener on the control
 * thread's event loop, many clients, newline-delimited JSON both ways.
 *
 * Nothing a client does can block the control thread or grow memory
 * without bound: a request is at most CTLSOCK_MAX_REQUEST bytes, a client
 * that stops reading stops being served once OUT_PAUSE bytes of answers
 * wait, and is dropped when they exceed OUT_MAX (one answer alone may be up
 * to OUT_MAX_ONE: metrics of many prefixes) or make no progress for
 * STALL_MS.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/ctlsock/ctlsock.h"
#include "control/ctlsock/ctlsock_cmd.h"
#include "control/daemon/log.h"

#define MAX_CLIENTS 256
#define OUT_PAUSE   (256 * 1024)  /* stop taking requests while this much is unsent */
#define OUT_MAX	    (1024 * 1024) /* drop a client whose unsent answers exceed this */
#define OUT_MAX_ONE (32u << 20)	  /* ... unless it is one answer, read by nobody yet */
#define STALL_MS    10000	  /* drop a client that takes no bytes this long */
#define DRAIN_MS    2000	  /* after a fatal error: time to read our last answer */
#define TICK_MS	    1000
#define ROUNDS	    16 /* reads+requests per wakeup, so one client can't hog the loop */

struct client {
	struct ctlsock *cs;
	LIST_ENTRY(client) link;
	int fd;
	uint64_t serial;
	struct ucred peer;
	struct ctlsock_linebuf in;
	char *out;
	size_t out_len, out_off, out_cap;
	uint64_t out_progress_ms; /* last time answers moved (or started waiting) */
	uint64_t drain_since_ms;
	uint32_t events;
	bool eof;      /* peer finished sending */
	bool closing;  /* we finish after the queued answer (stream unusable) */
	bool draining; /* answer sent and write side shut: discard input, then close */
	bool dead;
};

struct ctlsock {
	struct ctlsock_shared sh;
	struct ev_loop *ev;
	struct ev_timer *tick;
	int fd;
	ino_t ino;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	unsigned n_clients;
	uint64_t serial;
	LIST_HEAD(, client) clients;
};

static size_t pending(const struct client *c)
{
	return c->out_len - c->out_off;
}

static bool has_line(const struct client *c)
{
	const struct ctlsock_linebuf *lb = &c->in;

	return lb->len > lb->start && memchr(lb->buf + lb->start, '\n', lb->len - lb->start);
}

static void client_free(struct client *c, const char *why)
{
	struct ctlsock *cs = c->cs;

	if (why != NULL)
		PF_LOG(WARNING, "ctl: client %" PRIu64 " (pid %d uid %u): dropped: %s", c->serial,
		       (int)c->peer.pid, (unsigned)c->peer.uid, why);
	ev_fd_del(cs->ev, c->fd);
	close(c->fd);
	LIST_REMOVE(c, link);
	cs->n_clients--;
	ctlsock_linebuf_free(&c->in);
	free(c->out);
	free(c);
}

/* ---- output ---- */

static void queue(struct client *c, const char *s)
{
	size_t n = strlen(s);

	if (pending(c) == 0)
		c->out_progress_ms = ev_now_ms();
	if (c->out_off > 0) {
		memmove(c->out, c->out + c->out_off, pending(c));
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	if (c->out_len + n > (c->out_len == 0 ? OUT_MAX_ONE : OUT_MAX)) {
		c->dead = true; /* a client that doesn't read its answers */
		return;
	}
	if (c->out_len + n > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		while (cap < c->out_len + n)
			cap *= 2;
		char *b = realloc(c->out, cap);
		if (b == NULL) {
			c->dead = true;
			return;
		}
		c->out = b;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, s, n);
	c->out_len += n;
}

static int flush(struct client *c)
{
	while (pending(c) > 0) {
		ssize_t n =
			send(c->fd, c->out + c->out_off, pending(c), MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0)
			return -errno;
		c->out_off += (size_t)n;
		c->out_progress_ms = ev_now_ms();
	}
	if (pending(c) == 0)
		c->out_off = c->out_len = 0;
	return 0;
}

/* ---- requests ---- */

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

static void answer(struct client *c, char *ans)
{
	static const char oom[] = "{\"ok\":false,\"error\":{\"code\":\"internal\","
				  "\"message\":\"out of memory\"}}\n";

	queue(c, ans != NULL ? ans : oom);
	free(ans);
}

/* The request as logged: a TCP MD5 key (peering.add) never reaches the
 * log. A key can hide behind \u escapes, so those are parsed too. */
static const char *loggable(const char *line, char *buf, size_t len)
{
	json_t *j;
	char *s;

	if (strstr(line, "md5") == NULL && strstr(line, "\\u") == NULL)
		return line;
	j = json_loads(line, 0, NULL);
	if (j == NULL || json_object_get(j, "md5") == NULL) {
		json_decref(j);
		return line;
	}
	json_object_set_new(j, "md5", json_string("(redacted)"));
	s = json_dumps(j, JSON_COMPACT);
	snprintf(buf, len, "%s", s != NULL ? s : "(a request with an MD5 key)");
	free(s);
	json_decref(j);
	return buf;
}

static void handle_line(struct client *c, const char *line, size_t len)
{
	struct ctlsock_ctx ctx = {.sh = &c->cs->sh, .peer = &c->peer};
	struct ctlsock_err err = {0};
	struct ctlsock_req req;
	json_t *result = NULL;
	char redacted[320];

	if (ctlsock_req_parse(line, len, &req, &err) == 0)
		result = ctlsock_cmd_run(&ctx, &req, &err);
	/* Every attempt to change state is logged with who made it. */
	if (req.cmd != NULL && req.cmd->mutating)
		PF_LOG(NOTICE, "ctl: pid %d uid %u gid %u: %.300s: %s%s%s", (int)c->peer.pid,
		       (unsigned)c->peer.uid, (unsigned)c->peer.gid,
		       loggable(line, redacted, sizeof(redacted)), result ? "ok" : err.code,
		       result ? "" : ": ", result ? "" : err.message);
	answer(c, result ? ctlsock_answer_ok(result, req.id) : ctlsock_answer_err(&err, req.id));
	json_decref(result);
	ctlsock_req_fini(&req);
}

/* Handle complete requests until none is left or answers back up.
 * Returns how many were handled. */
static unsigned process(struct client *c)
{
	unsigned n = 0;
	size_t len;
	char *line;

	while (!c->closing && !c->dead && pending(c) < OUT_PAUSE) {
		int ret = ctlsock_linebuf_next(&c->in, &line, &len);
		if (ret == 0)
			break;
		if (ret < 0) {
			struct ctlsock_err err;
			ctlsock_err_set(&err, CTLSOCK_E_TOO_LARGE,
					"request longer than %u bytes: closing",
					CTLSOCK_MAX_REQUEST);
			answer(c, ctlsock_answer_err(&err, NULL));
			c->closing = true; /* can't find the next request's start */
			break;
		}
		n++;
		if (!blank(line, len))
			handle_line(c, line, len);
	}
	return n;
}

/* One read. 1 data or end of input, 0 nothing to read now, -1 dead. */
static int client_read(struct client *c)
{
	size_t avail;
	char *p = ctlsock_linebuf_space(&c->in, &avail);

	if (p == NULL)
		return 0; /* full: process() reports the oversize request */
	ssize_t n = recv(c->fd, p, avail, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	if (n < 0) {
		c->dead = true;
		return -1;
	}
	if (n == 0) {
		c->eof = true;
		/* a last request without its newline still counts */
		if (c->in.len > c->in.start && (p = ctlsock_linebuf_space(&c->in, &avail))) {
			*p = '\n';
			ctlsock_linebuf_commit(&c->in, 1);
		}
		return 1;
	}
	ctlsock_linebuf_commit(&c->in, (size_t)n);
	return 1;
}

static void drain(struct client *c)
{
	char scratch[4096];

	for (int i = 0; i < ROUNDS; i++) {
		ssize_t n = recv(c->fd, scratch, sizeof(scratch), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		if (n <= 0) {
			c->dead = true;
			return;
		}
	}
}

static void rearm(struct client *c)
{
	uint32_t want = 0;

	if (c->draining || (!c->eof && !c->closing && pending(c) < OUT_PAUSE))
		want |= EPOLLIN;
	/* Writable is also our "run again" signal for requests left unhandled
	 * when this wakeup's share ran out. */
	if (pending(c) > 0 || (!c->closing && has_line(c)))
		want |= EPOLLOUT;
	if (want != c->events && ev_fd_mod(c->cs->ev, c->fd, want) == 0)
		c->events = want;
}

static void client_service(struct client *c)
{
	if (c->draining) {
		drain(c);
	} else {
		for (int round = 0; round < ROUNDS && !c->dead; round++) {
			if (flush(c) < 0) {
				c->dead = true;
				break;
			}
			if (process(c) > 0)
				continue;
			if (c->closing || c->eof || pending(c) >= OUT_PAUSE || c->dead)
				break;
			if (client_read(c) <= 0)
				break;
		}
		if (!c->dead && flush(c) < 0)
			c->dead = true;
	}
	if (c->dead) {
		client_free(c, pending(c) > 0 ? "answers not read" : NULL);
		return;
	}
	if (c->closing && !c->draining && pending(c) == 0) {
		shutdown(c->fd, SHUT_WR);
		c->draining = true;
		c->drain_since_ms = ev_now_ms();
	}
	if (c->eof && !c->closing && pending(c) == 0 && !has_line(c)) {
		client_free(c, NULL);
		return;
	}
	rearm(c);
}

static void on_client(struct ev_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)fd;
	(void)events; /* hints only: the reads and writes tell what really happened */
	client_service(arg);
}

/* ---- listener ---- */

static void refuse(int fd, const char *why)
{
	struct ctlsock_err err;
	char *s;

	ctlsock_err_set(&err, CTLSOCK_E_BUSY, "%s", why);
	s = ctlsock_answer_err(&err, NULL);
	if (s != NULL) /* best effort: the client may be gone already */
		(void)!send(fd, s, strlen(s), MSG_NOSIGNAL | MSG_DONTWAIT);
	free(s);
	close(fd);
}

static void on_accept(struct ev_loop *loop, int lfd, uint32_t events, void *arg)
{
	struct ctlsock *cs = arg;

	(void)loop;
	(void)events;
	for (int i = 0; i < 64; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				PF_LOG(WARNING, "ctl: accept: %s", strerror(errno));
			return;
		}
		if (cs->n_clients >= MAX_CLIENTS) {
			refuse(fd, "too many control clients");
			continue;
		}
		struct client *c = calloc(1, sizeof(*c));
		socklen_t sl = sizeof(struct ucred);
		if (c == NULL) {
			refuse(fd, "out of memory");
			continue;
		}
		c->cs = cs;
		c->fd = fd;
		c->serial = ++cs->serial;
		c->peer = (struct ucred){.pid = -1, .uid = (uid_t)-1, .gid = (gid_t)-1};
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->peer, &sl) < 0)
			PF_LOG(WARNING, "ctl: SO_PEERCRED: %s", strerror(errno));
		c->events = EPOLLIN;
		if (ev_fd_add(cs->ev, fd, c->events, on_client, c) < 0) {
			free(c);
			refuse(fd, "control loop full");
			continue;
		}
		LIST_INSERT_HEAD(&cs->clients, c, link);
		cs->n_clients++;
	}
}

static void on_tick(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	struct ctlsock *cs = arg;
	uint64_t now = ev_now_ms();
	struct client *c, *next;

	(void)loop;
	ctlsock_cmd_sample(&cs->sh);
	for (c = LIST_FIRST(&cs->clients); c != NULL; c = next) {
		next = LIST_NEXT(c, link);
		if (c->draining && now - c->drain_since_ms > DRAIN_MS)
			client_free(c, NULL);
		else if (pending(c) > 0 && now - c->out_progress_ms > STALL_MS)
			client_free(c, "answers not read");
	}
	ev_timer_start(t, TICK_MS);
}

/* A socket file at path: remove it if stale, refuse if someone listens. */
static int clear_stale(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, ret;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		PF_LOG(ERR, "ctl: %s exists and is not a socket: not replacing it", path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (ret == 0) {
		PF_LOG(ERR, "ctl: %s: another process is listening (a second daemon?)", path);
		return -EADDRINUSE;
	}
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

static int listen_on(struct ctlsock *cs, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char dir[sizeof(sa.sun_path)];
	struct stat st;
	int ret;

	if (strlen(path) == 0 || strlen(path) >= sizeof(sa.sun_path)) {
		PF_LOG(ERR, "ctl: socket path '%s': empty or too long", path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	memcpy(dir, path, strlen(path) + 1);
	if ((ret = ctlsock_mkdir_p(dirname(dir), 0755)) < 0) {
		PF_LOG(ERR, "ctl: directory of %s: %s", path, strerror(-ret));
		return ret;
	}
	if ((ret = clear_stale(path, &sa)) < 0)
		return ret;
	cs->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (cs->fd < 0 || bind(cs->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(path, 0660) < 0 || listen(cs->fd, 128) < 0 || stat(path, &st) < 0) {
		ret = -errno;
		PF_LOG(ERR, "ctl: %s: %s", path, strerror(-ret));
		return ret;
	}
	cs->ino = st.st_ino;
	memcpy(cs->path, path, strlen(path) + 1);
	return ev_fd_add(cs->ev, cs->fd, EPOLLIN, on_accept, cs);
}

struct ctlsock *ctlsock_open(struct daemon *d, const char *path)
{
	struct ctlsock *cs = calloc(1, sizeof(*cs));

	if (cs == NULL)
		return NULL;
	cs->sh.d = d;
	cs->sh.forced_tier = -1;
	cs->ev = d->ev;
	cs->fd = -1;
	LIST_INIT(&cs->clients);
	ctlsock_cmd_sample(&cs->sh);
	cs->tick = ev_timer_new(d->ev, on_tick, cs);
	if (cs->tick == NULL || listen_on(cs, path) < 0) {
		ctlsock_close(cs);
		return NULL;
	}
	ev_timer_start(cs->tick, TICK_MS);
	PF_LOG(INFO, "ctl: listening on %s", path);
	return cs;
}

void ctlsock_close(struct ctlsock *cs)
{
	struct stat st;

	if (cs == NULL)
		return;
	while (!LIST_EMPTY(&cs->clients))
		client_free(LIST_FIRST(&cs->clients), NULL);
	if (cs->fd >= 0) {
		ev_fd_del(cs->ev, cs->fd);
		close(cs->fd);
		/* only our own socket: a newer daemon may have taken the path */
		if (cs->path[0] && stat(cs->path, &st) == 0 && st.st_ino == cs->ino)
			unlink(cs->path);
	}
	ev_timer_free(cs->tick);
	ctlsock_state_fini();
	ctlsock_route_fini();
	free(cs);
}
