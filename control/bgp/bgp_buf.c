/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "bgp_buf.h"

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
