/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/queue.h>
#include <time.h>
#include <unistd.h>

#include "control/ev/ev.h"

#define EV_MAX_FDS 4096

struct ev_fd {
	ev_fd_cb cb;
	void *arg;
	bool used;
};

struct ev_timer {
	struct ev_loop *loop;
	ev_timer_cb cb;
	void *arg;
	uint64_t due; /* 0: stopped */
	uint64_t gen; /* run_timers pass that last fired it */
	LIST_ENTRY(ev_timer) link;
};

struct ev_loop {
	int epfd;
	struct ev_fd fds[EV_MAX_FDS];
	LIST_HEAD(, ev_timer) timers;
	uint64_t gen;
};

uint64_t ev_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct ev_loop *ev_loop_create(void)
{
	struct ev_loop *loop = calloc(1, sizeof(*loop));

	if (loop == NULL)
		return NULL;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		free(loop);
		return NULL;
	}
	LIST_INIT(&loop->timers);
	return loop;
}

void ev_loop_free(struct ev_loop *loop)
{
	struct ev_timer *t;

	if (loop == NULL)
		return;
	while ((t = LIST_FIRST(&loop->timers)) != NULL) {
		LIST_REMOVE(t, link);
		free(t);
	}
	close(loop->epfd);
	free(loop);
}

int ev_fd_add(struct ev_loop *loop, int fd, uint32_t events, ev_fd_cb cb, void *arg)
{
	struct epoll_event ee = {.events = events, .data.fd = fd};

	if (fd < 0 || fd >= EV_MAX_FDS || loop->fds[fd].used)
		return -EINVAL;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ee) < 0)
		return -errno;
	loop->fds[fd] = (struct ev_fd){.cb = cb, .arg = arg, .used = true};
	return 0;
}

int ev_fd_mod(struct ev_loop *loop, int fd, uint32_t events)
{
	struct epoll_event ee = {.events = events, .data.fd = fd};

	if (fd < 0 || fd >= EV_MAX_FDS || !loop->fds[fd].used)
		return -EINVAL;
	return epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ee) < 0 ? -errno : 0;
}

int ev_fd_del(struct ev_loop *loop, int fd)
{
	if (fd < 0 || fd >= EV_MAX_FDS || !loop->fds[fd].used)
		return -EINVAL;
	loop->fds[fd].used = false;
	return epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL) < 0 ? -errno : 0;
}

struct ev_timer *ev_timer_new(struct ev_loop *loop, ev_timer_cb cb, void *arg)
{
	struct ev_timer *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->loop = loop;
	t->cb = cb;
	t->arg = arg;
	LIST_INSERT_HEAD(&loop->timers, t, link);
	return t;
}

void ev_timer_start(struct ev_timer *t, uint64_t ms)
{
	t->due = ev_now_ms() + ms;
	if (t->due == 0)
		t->due = 1;
}

void ev_timer_stop(struct ev_timer *t)
{
	t->due = 0;
}

bool ev_timer_active(const struct ev_timer *t)
{
	return t->due != 0;
}

void ev_timer_free(struct ev_timer *t)
{
	if (t == NULL)
		return;
	LIST_REMOVE(t, link);
	free(t);
}

static int next_timeout(struct ev_loop *loop, int max_ms)
{
	uint64_t now = ev_now_ms();
	struct ev_timer *t;
	int wait = max_ms;

	LIST_FOREACH(t, &loop->timers, link)
	{
		if (t->due == 0)
			continue;
		int left = t->due <= now ? 0 : (int)(t->due - now);
		if (wait < 0 || left < wait)
			wait = left;
	}
	return wait;
}

/* Run due timers. A callback may free any timer, so restart the scan after
 * each one; each timer fires at most once per call. */
static void run_timers(struct ev_loop *loop)
{
	uint64_t now = ev_now_ms();
	bool again = true;

	loop->gen++;
	while (again) {
		struct ev_timer *t;

		again = false;
		LIST_FOREACH(t, &loop->timers, link)
		{
			if (t->due != 0 && t->due <= now && t->gen != loop->gen) {
				t->due = 0;
				t->gen = loop->gen;
				t->cb(loop, t, t->arg);
				again = true;
				break;
			}
		}
	}
}

int ev_run_once(struct ev_loop *loop, int max_ms)
{
	struct epoll_event ev[64];
	int n = epoll_wait(loop->epfd, ev, 64, next_timeout(loop, max_ms));

	if (n < 0 && errno != EINTR)
		return -errno;
	for (int i = 0; i < n; i++) {
		int fd = ev[i].data.fd;
		struct ev_fd *h = &loop->fds[fd];
		if (h->used)
			h->cb(loop, fd, ev[i].events, h->arg);
	}
	run_timers(loop);
	return 0;
}
