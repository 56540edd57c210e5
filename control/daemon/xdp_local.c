/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/daemon/daemon.h"
#include "control/daemon/log.h"
#include "control/daemon/xdp_local.h"

void xdp_local_init(struct daemon *d)
{
	for (unsigned i = 0; i < PF_MAX_PORTS; i++)
		xdp_port_init(&d->xdp[i]);
}

/* The addresses of the present ports: how many (at most XDP_MAX_LOCAL). */
static unsigned box_addrs(const struct daemon *d, struct ip_addr a[XDP_MAX_LOCAL])
{
	unsigned n = 0;

	for (unsigned i = 0; i < d->cfg.n_ports; i++) {
		const struct cfg_port *cp = &d->cfg.ports[i];
		if (!config_port_present(&d->cfg, i))
			continue;
		for (unsigned k = 0; k < cp->n_addrs && n < XDP_MAX_LOCAL; k++)
			a[n++] = cp->addrs[k].addr;
	}
	return n;
}

/* Port i's pf_local := a[0..n), a failure logged. */
static void local_set(const struct daemon *d, unsigned i, const struct ip_addr *a, unsigned n)
{
	int ret = xdp_local_set(&d->xdp[i], a, n);

	if (ret < 0)
		PF_LOG(ERR,
		       "port %s: the XDP program's addresses: %s: control traffic to the missing "
		       "ones goes to the workers",
		       d->cfg.ports[i].name, strerror(-ret));
}

int xdp_local_start(struct daemon *d, unsigned i, char *err, size_t len)
{
	const struct cfg_port *cp = &d->cfg.ports[i];
	struct ip_addr a[XDP_MAX_LOCAL];
	int ret;

	if (!config_xdp_ours(&d->cfg, cp))
		return 0;
	if ((ret = xdp_port_open(cp->iface, &d->xdp[i])) < 0) {
		snprintf(err, len, "port %s: peerfwd's XDP program is not on %s: %s", cp->name,
			 cp->iface, ret == -ENOENT ? "another one or none is" : strerror(-ret));
		return ret;
	}
	/* The other programs know these already; a port link.add starts is
	 * not present yet, and its own addresses come with xdp_local_sync. */
	local_set(d, i, a, box_addrs(d, a));
	PF_LOG(INFO, "port %s: XDP program %s on %s keeps its control traffic in the kernel",
	       cp->name, d->cfg.xdp_program, cp->iface);
	return 0;
}

void xdp_local_stop(struct daemon *d, unsigned i)
{
	if (!xdp_port_on(&d->xdp[i]))
		return;
	xdp_port_close(&d->xdp[i]);
	xdp_local_sync(d);
}

void xdp_local_sync(struct daemon *d)
{
	struct ip_addr a[XDP_MAX_LOCAL];
	const unsigned n = box_addrs(d, a);

	for (unsigned i = 0; i < d->cfg.n_ports; i++)
		if (xdp_port_on(&d->xdp[i]))
			local_set(d, i, a, n);
}
