/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * xtcp: the user-space contract of the AF_XTCP protocol family.
 *
 * An AF_XTCP socket is a TCP/IPv4 endpoint whose send path runs through the
 * xtcp module instead of the kernel's TCP. Addresses are struct sockaddr_in;
 * sin_family may be AF_INET or AF_XTCP, and the kernel always reports
 * AF_INET back (getsockname, getpeername, accept), as inet_getname does.
 */
#ifndef _UAPI_LINUX_XTCP_H
#define _UAPI_LINUX_XTCP_H

/*
 * Default family number. Linux 6.12 has no implementation of family 22
 * (once AF_SNA), so a module may register it. The module parameter
 * "family" (/sys/module/xtcp/parameters/family) overrides it; programs
 * should read that file when the module was loaded with another number.
 */
#define AF_XTCP		22
#define PF_XTCP		AF_XTCP

/* Where the module publishes the family number it registered. */
#define XTCP_FAMILY_PARAM_PATH	"/sys/module/xtcp/parameters/family"

#endif /* _UAPI_LINUX_XTCP_H */
