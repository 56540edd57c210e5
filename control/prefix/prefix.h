/* SPDX-License-Identifier: BSD-3-Clause */
/* IP prefixes and addresses as the control plane handles them. */
#ifndef PEERFWD_PREFIX_H
#define PEERFWD_PREFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define PREFIX_STRLEN 50 /* "ffff:...:ffff/128" plus NUL */

struct ip_addr {
	uint8_t family;	   /* AF_INET or AF_INET6 */
	uint8_t bytes[16]; /* network byte order; IPv4 in bytes[0..3] */
};

struct prefix {
	struct ip_addr addr; /* host bits are zero */
	uint8_t len;
};

/* "192.0.2.0/24", "2001:db8::/32". Host bits set is -EINVAL unless
 * allow_host_bits (then they are kept in *p, e.g. an interface address). */
int prefix_parse(const char *s, struct prefix *p, bool allow_host_bits);
int ip_addr_parse(const char *s, struct ip_addr *a);
/* Writes at least PREFIX_STRLEN bytes; returns buf. */
char *prefix_format(const struct prefix *p, char *buf, size_t len);
char *ip_addr_format(const struct ip_addr *a, char *buf, size_t len);
unsigned ip_addr_bits(const struct ip_addr *a); /* 32 or 128 */
bool ip_addr_is_link_local(const struct ip_addr *a); /* IPv6 fe80::/10 */
void prefix_mask(struct prefix *p);		/* clear host bits */
bool prefix_contains(const struct prefix *outer, const struct prefix *inner);
bool prefix_contains_addr(const struct prefix *p, const struct ip_addr *a);
bool prefix_equal(const struct prefix *a, const struct prefix *b);
uint32_t ip_addr_v4_host(const struct ip_addr *a); /* IPv4 in host byte order */

#endif
