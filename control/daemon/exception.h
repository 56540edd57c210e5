/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exception path: control traffic of a port whose frames no kernel sees
 * (a PCI NIC; cfg_port.exception) goes through a TAP interface that carries
 * the port's addresses. The workers punt what is for the box (ARP, ND,
 * BGP, BFD, ICMP to its addresses); the control thread writes it into the
 * TAP, where the kernel answers as on any interface, and sends what the
 * kernel writes to the TAP out of the port on a tx queue of its own (the
 * one after the workers'). The kernel's sockets, neighbour table and
 * routes then serve BGP, BFD and next-hop resolution as they do on the
 * lab's af_packet ports (cfg_port.kiface names the TAP).
 */
#ifndef PEERFWD_EXCEPTION_H
#define PEERFWD_EXCEPTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <rte_mbuf.h>

#include "drivers/port.h"

struct daemon;

struct pf_exception {
	bool on;
	uint16_t tap_id; /* the TAP's ethdev */
	uint16_t txq;	 /* the control thread's tx queue on the port */
	/* frames into the kernel, out of it onto the port, and dropped (TAP or
	 * port tx queue full) */
	uint64_t to_kernel, from_kernel, dropped;
};

/* The tx queues port i needs beyond the workers' (1 with an exception path). */
uint16_t exception_txqs(const struct daemon *d, unsigned i);
/* After port i (d->cfg.ports[i]) started as rt with exception_txqs extra tx
 * queues: its TAP, up, with the port's MAC, MTU and addresses. 0 or -errno
 * with err set. */
int exception_start(struct daemon *d, unsigned i, const struct port_rt *rt, char *err, size_t len);
void exception_stop(struct daemon *d, unsigned i);
/* Port i's carrier came or went: its TAP goes up (its addresses given back:
 * the kernel drops IPv6 ones on down) or down with it, so that the kernel's
 * routes and neighbours on it follow the link. An operator's link set down
 * (maintenance) leaves the TAP alone. */
void exception_carrier(struct daemon *d, unsigned i, bool up);
/* Up to 1024 frames off the punt ring (d->punt, if any): counted by type,
 * then into their port's TAP, or freed where the port has none (its own
 * kernel interface saw them). BFD calls it too before it declares a
 * neighbour gone, so that packets the workers punted while the control
 * thread was busy count. */
void exception_drain_punt(struct daemon *d);
/* What the kernel sent on the TAPs, out of their ports (up to 1024 a TAP). */
void exception_poll(struct daemon *d);

#endif
