/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The local control socket: a UNIX stream socket (mode 0660) speaking
 * newline-delimited JSON (see DESIGN.md). Runs on the control thread's
 * event loop; never blocks it.
 */
#ifndef PEERFWD_CTLSOCK_H
#define PEERFWD_CTLSOCK_H

struct daemon;
struct ctlsock;

/* Listen on path (replacing a stale socket). NULL on failure (logged). */
struct ctlsock *ctlsock_open(struct daemon *d, const char *path);
void ctlsock_close(struct ctlsock *cs);

/*
 * Re-register the prefixes registered over the socket before the last stop
 * (STATE_DIR/registered.json). Call once the tables are programmed from the
 * config (daemon_program), before workers forward. 0, also when there is
 * no state file yet; -EINVAL when the file is unreadable (logged; it is left
 * alone for the operator). A single bad or conflicting entry is logged and
 * skipped.
 */
int ctlsock_state_load(struct daemon *d);

/*
 * Start the managed BGP peerings ctlsock_state_load read from
 * STATE_DIR/peerings.json (an unreadable file fails ctlsock_state_load).
 * Call right after bgp_start, before the event loop runs. Precedence: a
 * managed peering replaces a config file ("legacy") peering with the same
 * name or address, with a warning (the config's entry is stale: remove it
 * there). One that cannot start (its port or policy left the config) is
 * logged and kept in the file, not dropped.
 */
void ctlsock_state_start_peerings(struct daemon *d);

/*
 * Start the links added with link.add before the last stop, which
 * ctlsock_state_load read from STATE_DIR/links.json. Call once the workers
 * run, before ctlsock_state_start_peerings (a managed peering may use such
 * a port). A config file port of the same name wins: the entry, like one
 * whose device fails, is logged and kept in the file, not dropped.
 */
void ctlsock_state_start_links(struct daemon *d);

#endif
