// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp: instantiate the xtcp:* tracepoints.
 */
#include <net/xtcp.h>

#define CREATE_TRACE_POINTS
#include <trace/events/xtcp.h>
