/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread's event loop: epoll for file descriptors (control
 * socket clients, BGP sessions, netlink) and a small timer list (BGP
 * timers, punt drain, link polls). Single-threaded: callbacks run on the
 * control thread, one at a time, and must not block.
 */
#ifndef PEERFWD_EV_H
#define PEERFWD_EV_H

#include <stdbool.h>
#include <stdint.h>

struct ev_loop;
struct ev_timer;

/* events: EPOLLIN/EPOLLOUT bits as given to epoll. */
typedef void (*ev_fd_cb)(struct ev_loop *loop, int fd, uint32_t events, void *arg);
typedef void (*ev_timer_cb)(struct ev_loop *loop, struct ev_timer *t, void *arg);

struct ev_loop *ev_loop_create(void);
void ev_loop_free(struct ev_loop *loop);

/* One handler per fd. ev_fd_mod changes the events; ev_fd_del before close. */
int ev_fd_add(struct ev_loop *loop, int fd, uint32_t events, ev_fd_cb cb, void *arg);
int ev_fd_mod(struct ev_loop *loop, int fd, uint32_t events);
int ev_fd_del(struct ev_loop *loop, int fd);

/* Timers: created stopped; ev_timer_start (re)arms after ms milliseconds.
 * A timer may be started, stopped or freed from its own callback. */
struct ev_timer *ev_timer_new(struct ev_loop *loop, ev_timer_cb cb, void *arg);
void ev_timer_start(struct ev_timer *t, uint64_t ms);
void ev_timer_stop(struct ev_timer *t);
bool ev_timer_active(const struct ev_timer *t);
void ev_timer_free(struct ev_timer *t);

/* Milliseconds on CLOCK_MONOTONIC. */
uint64_t ev_now_ms(void);

/* Wait at most max_ms for events, run what is due. 0 or a negative errno. */
int ev_run_once(struct ev_loop *loop, int max_ms);

#endif
