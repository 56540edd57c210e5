/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * systemd's service notification (sd_notify(3)) without libsystemd: what
 * Type=notify needs, one datagram to the AF_UNIX socket $NOTIFY_SOCKET
 * names (a path, or "@name" in the abstract namespace).
 */
#ifndef PEERFWD_NOTIFY_H
#define PEERFWD_NOTIFY_H

#include <stdint.h>

/*
 * Sends the printf-formatted state ("READY=1", "STOPPING=1",
 * "STATUS=...", newline-separated) to $NOTIFY_SOCKET. Returns 1 when sent,
 * 0 when $NOTIFY_SOCKET is unset (not run by systemd: nothing to do), or a
 * negative errno.
 */
int notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* systemd's watchdog (WatchdogSec=): the interval $WATCHDOG_USEC asks for,
 * in µs, when $WATCHDOG_PID is unset or names this process; else 0. The
 * daemon then sends "WATCHDOG=1" at half that interval. */
uint64_t notify_watchdog_usec(void);

#endif
