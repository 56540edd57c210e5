/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "bgp_buf.h"

int rd_u8(struct rd *r, uint8_t *v)
{
	if (r->left < 1)
		return -1;
	*v = r->p[0];
	r->p++;
	r->left--;
	return 0;
}

int rd_u16(struct rd *r, uint16_t *v)
{
	if (r->left < 2)
		return -1;
	*v = (uint16_t)(r->p[0] << 8 | r->p[1]);
	r->p += 2;
	r->left -= 2;
	return 0;
}

int rd_u32(struct rd *r, uint32_t *v)
{
	if (r->left < 4)
		return -1;
	*v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 |
	     (uint32_t)r->p[3];
	r->p += 4;
	r->left -= 4;
	return 0;
}

int rd_bytes(struct rd *r, void *dst, size_t n)
{
	if (r->left < n)
		return -1;
	if (n > 0)
		memcpy(dst, r->p, n);
	r->p += n;
	r->left -= n;
	return 0;
}

int rd_skip(struct rd *r, size_t n)
{
	if (r->left < n)
		return -1;
	r->p += n;
	r->left -= n;
	return 0;
}

int rd_sub(struct rd *r, struct rd *sub, size_t n)
{
	if (r->left < n)
		return -1;
	rd_init(sub, r->p, n);
	r->p += n;
	r->left -= n;
	return 0;
}

int wr_u8(struct wr *w, uint8_t v)
{
	return wr_bytes(w, &v, 1);
}

int wr_u16(struct wr *w, uint16_t v)
{
	uint8_t b[2] = {v >> 8, v & 0xff};

	return wr_bytes(w, b, sizeof(b));
}

int wr_u32(struct wr *w, uint32_t v)
{
	uint8_t b[4] = {v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff};

	return wr_bytes(w, b, sizeof(b));
}

int wr_bytes(struct wr *w, const void *src, size_t n)
{
	if (w->cap - w->len < n)
		return -1;
	if (n > 0)
		memcpy(w->p + w->len, src, n);
	w->len += n;
	return 0;
}

int wr_fill(struct wr *w, uint8_t v, size_t n)
{
	if (w->cap - w->len < n)
		return -1;
	memset(w->p + w->len, v, n);
	w->len += n;
	return 0;
}

int wr_put_u16_at(struct wr *w, size_t off, uint16_t v)
{
	if (off > w->len || w->len - off < 2)
		return -1;
	w->p[off] = v >> 8;
	w->p[off + 1] = v & 0xff;
	return 0;
}

int wr_cut_u8_at(struct wr *w, size_t off)
{
	if (off >= w->len)
		return -1;
	memmove(w->p + off, w->p + off + 1, w->len - off - 1);
	w->len--;
	return 0;
}
