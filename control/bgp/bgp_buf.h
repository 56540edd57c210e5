/* SPDX-License-Identifier: BSD-3-Clause */
/* Bounded reader and writer for BGP wire data. Every access checks the
 * remaining length first and fails on short data (or a full buffer), so the
 * parsers never do pointer arithmetic on untrusted bytes themselves. */
#ifndef PEERFWD_BGP_BUF_H
#define PEERFWD_BGP_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct rd {
	const uint8_t *p;
	size_t left;
};

static inline void rd_init(struct rd *r, const void *p, size_t len)
{
	r->p = p;
	r->left = len;
}

static inline size_t rd_left(const struct rd *r)
{
	return r->left;
}

/* Position of the next unread byte; only rd_left() bytes may be looked at. */
static inline const uint8_t *rd_ptr(const struct rd *r)
{
	return r->p;
}

/* All return 0, or -1 on short data (and then consume nothing). Multi-byte
 * values are converted from network to host order. Inline: the decoder
 * calls them for every octet of every UPDATE. */
static inline int rd_u8(struct rd *r, uint8_t *v)
{
	if (r->left < 1)
		return -1;
	*v = r->p[0];
	r->p++;
	r->left--;
	return 0;
}

static inline int rd_u16(struct rd *r, uint16_t *v)
{
	if (r->left < 2)
		return -1;
	*v = (uint16_t)(r->p[0] << 8 | r->p[1]);
	r->p += 2;
	r->left -= 2;
	return 0;
}

static inline int rd_u32(struct rd *r, uint32_t *v)
{
	if (r->left < 4)
		return -1;
	*v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 |
	     (uint32_t)r->p[3];
	r->p += 4;
	r->left -= 4;
	return 0;
}

static inline int rd_bytes(struct rd *r, void *dst, size_t n)
{
	if (r->left < n)
		return -1;
	if (n > 0)
		memcpy(dst, r->p, n);
	r->p += n;
	r->left -= n;
	return 0;
}

static inline int rd_skip(struct rd *r, size_t n)
{
	if (r->left < n)
		return -1;
	r->p += n;
	r->left -= n;
	return 0;
}

/* Splits the next n bytes off into *sub, which then bounds a nested parse. */
static inline int rd_sub(struct rd *r, struct rd *sub, size_t n)
{
	if (r->left < n)
		return -1;
	rd_init(sub, r->p, n);
	r->p += n;
	r->left -= n;
	return 0;
}

struct wr {
	uint8_t *p;
	size_t len;
	size_t cap;
};

static inline void wr_init(struct wr *w, void *buf, size_t cap)
{
	w->p = buf;
	w->len = 0;
	w->cap = cap;
}

static inline size_t wr_len(const struct wr *w)
{
	return w->len;
}

/* All return 0, or -1 when the buffer is full (and then write nothing).
 * Multi-byte values are written in network order. */
int wr_u8(struct wr *w, uint8_t v);
int wr_u16(struct wr *w, uint16_t v);
int wr_u32(struct wr *w, uint32_t v);
int wr_bytes(struct wr *w, const void *src, size_t n);
int wr_fill(struct wr *w, uint8_t v, size_t n);
/* Overwrites a u16 already written at off: a length known only afterwards. */
int wr_put_u16_at(struct wr *w, size_t off, uint16_t v);
/* Removes the byte at off, shifting what follows down (shrinks a length
 * field from two octets to one once the value is known to fit). */
int wr_cut_u8_at(struct wr *w, size_t off);

#endif
