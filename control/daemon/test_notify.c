/* SPDX-License-Identifier: BSD-3-Clause */
/* notify(): the datagrams systemd's Type=notify reads, on a socket of the test's. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "control/daemon/notify.h"

/* A datagram socket at path (abstract: "@name"), as systemd listens. */
static int listener(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const size_t len = strlen(path);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	else
		unlink(path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)),
			 0);
	return fd;
}

static void expect_msg(int fd, const char *want)
{
	char buf[600];
	const ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static void sends_to_a_path(void **state)
{
	char path[64];
	int fd;
	(void)state;

	snprintf(path, sizeof(path), "/tmp/pf-notify-%d", (int)getpid());
	fd = listener(path);
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(notify("READY=1\nSTATUS=%u ports", 4u), 1);
	expect_msg(fd, "READY=1\nSTATUS=4 ports");
	assert_int_equal(notify("STOPPING=1"), 1);
	expect_msg(fd, "STOPPING=1");
	close(fd);
	unlink(path);
	/* nobody listens any more */
	assert_true(notify("READY=1") < 0);
}

static void sends_to_an_abstract_name(void **state)
{
	char name[64];
	int fd;
	(void)state;

	snprintf(name, sizeof(name), "@pf-notify-%d", (int)getpid());
	fd = listener(name);
	setenv("NOTIFY_SOCKET", name, 1);
	assert_int_equal(notify("READY=1"), 1);
	expect_msg(fd, "READY=1");
	close(fd);
}

/* Not run by systemd: nothing sent, no error; a bad variable: an error. */
static void unset_and_bad(void **state)
{
	char big[700];
	(void)state;

	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(notify("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "", 1);
	assert_int_equal(notify("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	assert_int_equal(notify("READY=1"), -EINVAL);
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	setenv("NOTIFY_SOCKET", big, 1);
	assert_int_equal(notify("READY=1"), -EINVAL);
	setenv("NOTIFY_SOCKET", "/tmp", 1);
	assert_int_equal(notify("STATUS=%s", big), -EMSGSIZE);
}

/* The watchdog interval: from WATCHDOG_USEC, for this process only. */
static void watchdog_usec(void **state)
{
	char pid[32];
	(void)state;

	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	assert_int_equal(notify_watchdog_usec(), 0);
	setenv("WATCHDOG_USEC", "30000000", 1);
	assert_int_equal(notify_watchdog_usec(), 30000000);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(notify_watchdog_usec(), 30000000);
	snprintf(pid, sizeof(pid), "%d", (int)getpid() + 1); /* another process's */
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(notify_watchdog_usec(), 0);
	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "30s", 1);
	assert_int_equal(notify_watchdog_usec(), 0);
	setenv("WATCHDOG_USEC", "", 1);
	assert_int_equal(notify_watchdog_usec(), 0);
	unsetenv("WATCHDOG_USEC");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sends_to_a_path),
		cmocka_unit_test(sends_to_an_abstract_name),
		cmocka_unit_test(unset_and_bad),
		cmocka_unit_test(watchdog_usec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
