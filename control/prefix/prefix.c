/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/prefix/prefix.h"

bool ip_addr_is_link_local(const struct ip_addr *a)
{
	return a->family == AF_INET6 && a->bytes[0] == 0xfe && (a->bytes[1] & 0xc0) == 0x80;
}

unsigned ip_addr_bits(const struct ip_addr *a)
{
	return a->family == AF_INET ? 32 : 128;
}

int ip_addr_parse(const char *s, struct ip_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->bytes) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->bytes) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

static bool addr_has_host_bits(const struct ip_addr *a, unsigned len)
{
	unsigned bits = ip_addr_bits(a);

	for (unsigned i = len; i < bits; i++)
		if (a->bytes[i / 8] & (0x80 >> (i % 8)))
			return true;
	return false;
}

void prefix_mask(struct prefix *p)
{
	unsigned bits = ip_addr_bits(&p->addr);

	for (unsigned i = p->len; i < bits; i++)
		p->addr.bytes[i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
}

int prefix_parse(const char *s, struct prefix *p, bool allow_host_bits)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t alen;
	char *end;
	long len;

	memset(p, 0, sizeof(*p));
	if (slash == NULL)
		return -EINVAL;
	alen = (size_t)(slash - s);
	if (alen == 0 || alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (ip_addr_parse(buf, &p->addr) < 0)
		return -EINVAL;
	if (slash[1] < '0' || slash[1] > '9')
		return -EINVAL;
	errno = 0;
	len = strtol(slash + 1, &end, 10);
	if (errno != 0 || *end != '\0' || len < 0 || len > (long)ip_addr_bits(&p->addr))
		return -EINVAL;
	p->len = (uint8_t)len;
	if (!allow_host_bits && addr_has_host_bits(&p->addr, p->len))
		return -EINVAL;
	return 0;
}

char *ip_addr_format(const struct ip_addr *a, char *buf, size_t len)
{
	if (inet_ntop(a->family, a->bytes, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

char *prefix_format(const struct prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s/%u", ip_addr_format(&p->addr, a, sizeof(a)), p->len);
	return buf;
}

bool prefix_contains_addr(const struct prefix *p, const struct ip_addr *a)
{
	if (p->addr.family != a->family)
		return false;
	for (unsigned i = 0; i < p->len; i++) {
		uint8_t m = 0x80 >> (i % 8);
		if ((p->addr.bytes[i / 8] & m) != (a->bytes[i / 8] & m))
			return false;
	}
	return true;
}

bool prefix_contains(const struct prefix *outer, const struct prefix *inner)
{
	return inner->len >= outer->len && prefix_contains_addr(outer, &inner->addr);
}

bool prefix_equal(const struct prefix *a, const struct prefix *b)
{
	return a->len == b->len && a->addr.family == b->addr.family &&
	       memcmp(a->addr.bytes, b->addr.bytes, sizeof(a->addr.bytes)) == 0;
}

uint32_t ip_addr_v4_host(const struct ip_addr *a)
{
	uint32_t v;

	memcpy(&v, a->bytes, 4);
	return ntohl(v);
}
