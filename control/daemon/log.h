/* SPDX-License-Identifier: BSD-3-Clause */
/* Logging for the control thread: DPDK's log, so --log-level applies. */
#ifndef PEERFWD_LOG_H
#define PEERFWD_LOG_H

#include <rte_log.h>

#define RTE_LOGTYPE_PEERFWD	RTE_LOGTYPE_USER1
#define PF_LOG(level, fmt, ...) RTE_LOG(level, PEERFWD, fmt "\n", ##__VA_ARGS__)

#endif
