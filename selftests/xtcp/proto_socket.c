// SPDX-License-Identifier: GPL-2.0
/*
 * proto_socket: socket() on AF_XTCP against AF_INET as the oracle.
 *
 * SOCK_STREAM with protocol 0 or IPPROTO_TCP must succeed; everything
 * else must fail with the errno inet_create() gives for the same call
 * when the family has only a { SOCK_STREAM, IPPROTO_TCP } entry: a type
 * AF_INET has no entry for (EPROTONOSUPPORT/ESOCKTNOSUPPORT as AF_INET
 * itself returns them) or a protocol out of range (EINVAL). Types AF_INET
 * (SOCK_PACKET is turned into AF_PACKET by the socket layer for AF_INET
 * only, so it is not compared)
 * supports and xtcp does not (SOCK_DGRAM, SOCK_RAW) fail with
 * ESOCKTNOSUPPORT, the errno inet_create() gives for a type it has no
 * entry for. Sockets are closed and the module's socket count returns to
 * zero.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "xtcp_util.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

/* Live xtcp sockets, from /proc/net/xtcp_snmp's XtcpSockets gauge. */
static long xtcp_sockets_in_use(void)
{
	char line[512];
	long n = -1;
	int seen = 0;
	FILE *f = fopen("/proc/net/xtcp_snmp", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "XtcpSockets:", 12))
			continue;
		if (seen++ && sscanf(line + 12, "%ld", &n) == 1)
			break;
	}
	fclose(f);
	return n;
}

FIXTURE(sock) {
	int family;
};

FIXTURE_SETUP(sock)
{
	if (xtcp_ensure_loaded())
		SKIP(return, "xtcp.ko not loadable (not built, or not in a guest?)");
	self->family = xtcp_family();
}

FIXTURE_TEARDOWN(sock)
{
}

/* socket(family, type, proto): 0 on success (closed again), else errno. */
static int try_socket(int family, int type, int proto)
{
	int fd = socket(family, type, proto);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

TEST_F(sock, stream_ok)
{
	EXPECT_EQ(0, try_socket(self->family, SOCK_STREAM, 0));
	EXPECT_EQ(0, try_socket(self->family, SOCK_STREAM, IPPROTO_TCP));
	EXPECT_EQ(0, try_socket(self->family, SOCK_STREAM | SOCK_NONBLOCK |
					       SOCK_CLOEXEC, IPPROTO_TCP));
}

/* Calls AF_INET rejects: AF_XTCP must reject them with the same errno. */
TEST_F(sock, same_errno_as_inet)
{
	static const struct { int type, proto; } cases[] = {
		{ SOCK_STREAM, IPPROTO_UDP },
		{ SOCK_STREAM, IPPROTO_ICMP },
		{ SOCK_STREAM, -1 },
		{ SOCK_STREAM, IPPROTO_MAX },
		{ SOCK_STREAM, 1000 },
		{ SOCK_RDM, 0 },
		{ 11, 0 },		/* >= SOCK_MAX */
		{ -1, 0 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		int inet = try_socket(AF_INET, cases[i].type, cases[i].proto);
		int xtcp = try_socket(self->family, cases[i].type,
				      cases[i].proto);

		/* The oracle must reject it, or the case is mis-chosen. */
		ASSERT_NE(0, inet) TH_LOG("AF_INET accepted type %d proto %d",
					  cases[i].type, cases[i].proto);
		EXPECT_EQ(inet, xtcp) TH_LOG("type %d proto %d: AF_INET %s, AF_XTCP %s",
					     cases[i].type, cases[i].proto,
					     strerror(inet), strerror(xtcp));
	}
}

/* Types and protocols AF_INET has and xtcp does not. */
TEST_F(sock, not_xtcp)
{
	EXPECT_EQ(ESOCKTNOSUPPORT, try_socket(self->family, SOCK_DGRAM, 0));
	EXPECT_EQ(ESOCKTNOSUPPORT, try_socket(self->family, SOCK_DGRAM,
					      IPPROTO_TCP));
	EXPECT_EQ(ESOCKTNOSUPPORT, try_socket(self->family, SOCK_RAW,
					      IPPROTO_TCP));
	EXPECT_EQ(ESOCKTNOSUPPORT, try_socket(self->family, SOCK_SEQPACKET, 0));
	EXPECT_EQ(EPROTONOSUPPORT, try_socket(self->family, SOCK_STREAM,
					      IPPROTO_MPTCP));
	EXPECT_EQ(EPROTONOSUPPORT, try_socket(self->family, SOCK_STREAM,
					      IPPROTO_SCTP));
}

/* The socket is a TCP/IPv4 endpoint: what getsockopt reports. */
TEST_F(sock, identity)
{
	int fd = socket(self->family, SOCK_STREAM, 0), v;
	socklen_t len = sizeof(v);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len));
	EXPECT_EQ(SOCK_STREAM, v);
	len = sizeof(v);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len));
	EXPECT_EQ(IPPROTO_TCP, v);
	len = sizeof(v);
	ASSERT_EQ(0, getsockopt(fd, SOL_TCP, TCP_NODELAY, &v, &len));
	EXPECT_EQ(0, v);
	len = sizeof(v);
	ASSERT_EQ(0, getsockopt(fd, SOL_TCP, TCP_MAXSEG, &v, &len));
	EXPECT_EQ(536, v);	/* TCP_MSS_DEFAULT before a connection */
	close(fd);
}

/* Every socket goes away on close: the in-use count drops back. */
TEST_F(sock, close_frees)
{
	long before = xtcp_sockets_in_use();
	int fds[64], i;

	ASSERT_LE(0, before) TH_LOG("no XtcpSockets in /proc/net/xtcp_snmp");
	for (i = 0; i < 64; i++) {
		fds[i] = socket(self->family, SOCK_STREAM, 0);
		ASSERT_LE(0, fds[i]);
	}
	EXPECT_EQ(before + 64, xtcp_sockets_in_use());
	for (i = 0; i < 64; i++)
		close(fds[i]);
	EXPECT_EQ(before, xtcp_sockets_in_use());
}

TEST_HARNESS_MAIN
