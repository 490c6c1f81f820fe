/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Socket API semantics of AF_XTCP against AF_INET/TCP as the oracle.
 *
 * Each scenario is a function of the socket family. The "tcp" variant runs
 * it with AF_INET and checks the outcome the scenario was written for
 * (which proves the scenario builds the situation it names). The "xtcp"
 * variant runs it with AF_INET and with AF_XTCP in the same process and
 * requires the same return value, errno and observed detail: the live
 * AF_INET result is the reference, not a table.
 *
 * Every test runs in its own network namespace with only loopback up, so
 * ports and sockets never leak between tests. The peer is an AF_INET
 * listener on 127.0.0.1.
 *
 * Built twice: interop_api (both variants) and interop_api_tcp (only the
 * AF_INET variant, defined INTEROP_INET_ONLY), which runs while AF_XTCP
 * is pending.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "interop_util.h"

/* What a scenario observed: the syscall result under test and a detail. */
struct outcome {
	int ret;
	int err;
	long extra;
};

struct env {
	int peer_lfd;		/* AF_INET listener, 127.0.0.1:peer_port */
	int peer_port;
	int closed_fd;		/* bound, not listening: connects get RST */
	int closed_port;
};

/* Counted from a signal handler: atomic builtins, not volatile. */
static int sigpipes;

static void on_sigpipe(int sig)
{
	__atomic_add_fetch(&sigpipes, 1, __ATOMIC_RELAXED);
}

static void result(struct outcome *o, int ret)
{
	o->ret = ret < 0 ? -1 : ret;
	o->err = ret < 0 ? errno : 0;
}

static struct sockaddr_in loop_addr(int port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};

	return sin;
}

static int sock_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (getsockname(fd, (struct sockaddr *)&sin, &len))
		return -1;
	return ntohs(sin.sin_port);
}

static int stream(int fam)
{
	return socket(fam, SOCK_STREAM, 0);
}

/* A socket of family fam connected to the peer; *srv gets the accepted end. */
static int connected(struct env *e, int fam, int *srv)
{
	struct sockaddr_in sin = loop_addr(e->peer_port);
	int fd = stream(fam);

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		close(fd);
		return -1;
	}
	*srv = accept(e->peer_lfd, NULL, NULL);
	if (*srv < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int wait_readable(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, ms);
}

/* An address no mapping covers: the kernel's copy must fail with EFAULT. */
static void *bad_ptr(void)
{
	static void *p;

	if (!p) {
		p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
		munmap(p, 4096);
	}
	return p;
}

static int lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int ret;

	if (fd < 0)
		return -1;
	ret = ioctl(fd, SIOCGIFFLAGS, &ifr);
	if (!ret) {
		ifr.ifr_flags |= IFF_UP;
		ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return ret;
}

typedef void (*scenario_fn)(struct env *e, int fam, struct outcome *o);

FIXTURE(api) {
	struct env env;
	int xfam;
};

FIXTURE_VARIANT(api) {
	bool xtcp;
};

FIXTURE_VARIANT_ADD(api, tcp) {
	.xtcp = false,
};

#ifndef INTEROP_INET_ONLY
FIXTURE_VARIANT_ADD(api, xtcp) {
	.xtcp = true,
};
#endif

FIXTURE_SETUP(api)
{
	struct sockaddr_in sin = loop_addr(0);
	int fd;

	ASSERT_EQ(0, unshare(CLONE_NEWNET)) TH_LOG("unshare: %s", strerror(errno));
	ASSERT_EQ(0, lo_up());
	signal(SIGPIPE, on_sigpipe);
	self->xfam = interop_xtcp_family();

	if (variant->xtcp) {
		if (!getenv("XTCP_FAMILY") && xtcp_ensure_loaded())
			SKIP(return, "cannot load module/xtcp.ko");
		fd = stream(self->xfam);
		if (fd < 0 && errno == EAFNOSUPPORT)
			SKIP(return, "AF_XTCP (family %d) is not registered: load module/xtcp.ko",
			     self->xfam);
		ASSERT_LE(0, fd) TH_LOG("socket(AF_XTCP): %s", strerror(errno));
		close(fd);
	}

	self->env.peer_lfd = stream(AF_INET);
	ASSERT_LE(0, self->env.peer_lfd);
	ASSERT_EQ(0, bind(self->env.peer_lfd, (struct sockaddr *)&sin, sizeof(sin)));
	ASSERT_EQ(0, listen(self->env.peer_lfd, 64));
	self->env.peer_port = sock_port(self->env.peer_lfd);

	self->env.closed_fd = stream(AF_INET);
	ASSERT_LE(0, self->env.closed_fd);
	ASSERT_EQ(0, bind(self->env.closed_fd, (struct sockaddr *)&sin, sizeof(sin)));
	self->env.closed_port = sock_port(self->env.closed_fd);
}

FIXTURE_TEARDOWN(api)
{
	close(self->env.peer_lfd);
	close(self->env.closed_fd);
}

static struct outcome run_one(struct env *e, scenario_fn fn, int fam)
{
	struct outcome o = { .ret = -2, .err = 0, .extra = 0 };

	__atomic_store_n(&sigpipes, 0, __ATOMIC_RELAXED);
	fn(e, fam, &o);
	return o;
}

/*
 * The AF_INET run must give the outcome the scenario was written for;
 * the AF_XTCP run must give the AF_INET run's outcome.
 */
static void check(struct __test_metadata *_metadata, struct env *e,
		  int xfam, bool xtcp, scenario_fn fn, int want_ret,
		  int want_err, long want_extra)
{
	struct outcome in = run_one(e, fn, AF_INET), x;

	EXPECT_EQ(want_ret, in.ret);
	EXPECT_EQ(want_err, in.err)
		TH_LOG("AF_INET errno %s, scenario expects %s",
		       interop_errname(in.err), interop_errname(want_err));
	EXPECT_EQ(want_extra, in.extra);
	if (!xtcp)
		return;

	x = run_one(e, fn, xfam);
	EXPECT_EQ(in.ret, x.ret);
	EXPECT_EQ(in.err, x.err)
		TH_LOG("AF_XTCP errno %s, AF_INET errno %s",
		       interop_errname(x.err), interop_errname(in.err));
	EXPECT_EQ(in.extra, x.extra);
}

/*
 * SCENARIO(name, ret, errno, extra) { body using e, fam, o }
 * declares the scenario and the test that runs it in both families.
 */
#define SCENARIO(name, want_ret, want_err, want_extra)			\
	static void sc_##name(struct env *e, int fam, struct outcome *o); \
	TEST_F(api, name)						\
	{								\
		check(_metadata, &self->env, self->xfam, variant->xtcp,	\
		      sc_##name, want_ret, want_err, want_extra);	\
	}								\
	static void sc_##name(struct env *e, int fam, struct outcome *o)

/* ---- connect ---- */

SCENARIO(connect_closed_port, -1, ECONNREFUSED, 0)
{
	struct sockaddr_in sin = loop_addr(e->closed_port);
	int fd = stream(fam);

	result(o, connect(fd, (struct sockaddr *)&sin, sizeof(sin)));
	close(fd);
}

SCENARIO(connect_listening_socket_to_own_port, -1, EISCONN, 0)
{
	struct sockaddr_in sin = loop_addr(0);
	int fd = stream(fam);

	bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	listen(fd, 1);
	sin.sin_port = htons(sock_port(fd));
	result(o, connect(fd, (struct sockaddr *)&sin, sizeof(sin)));
	close(fd);
}

/* TCP's simultaneous open lets a socket bound to P connect to itself. */
SCENARIO(self_connect_bound_port, 0, 0, 1)
{
	struct sockaddr_in sin = loop_addr(0);
	int fd = stream(fam);
	char c = 0;

	bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	sin.sin_port = htons(sock_port(fd));
	result(o, connect(fd, (struct sockaddr *)&sin, sizeof(sin)));
	if (!o->ret && send(fd, "x", 1, MSG_NOSIGNAL) == 1 &&
	    wait_readable(fd, 5000) == 1)
		o->extra = recv(fd, &c, 1, 0) == 1 && c == 'x';
	close(fd);
}

SCENARIO(connect_same_family_listener, 0, 0, AF_INET)
{
	struct sockaddr_in sin = loop_addr(0), peer;
	socklen_t len = sizeof(peer);
	int lfd = stream(fam), fd = stream(fam), afd;

	bind(lfd, (struct sockaddr *)&sin, sizeof(sin));
	listen(lfd, 1);
	sin.sin_port = htons(sock_port(lfd));
	result(o, connect(fd, (struct sockaddr *)&sin, sizeof(sin)));
	afd = accept(lfd, (struct sockaddr *)&peer, &len);
	if (afd >= 0) {
		/* accept reports a TCP/IPv4 endpoint whatever the family. */
		o->extra = len == sizeof(peer) ? peer.sin_family : -1;
		close(afd);
	} else {
		o->extra = -errno;
	}
	close(fd);
	close(lfd);
}

SCENARIO(connect_twice, -1, EISCONN, 0)
{
	int srv, fd = connected(e, fam, &srv);
	struct sockaddr_in sin = loop_addr(e->peer_port);

	result(o, connect(fd, (struct sockaddr *)&sin, sizeof(sin)));
	close(fd);
	close(srv);
}

SCENARIO(connect_short_addrlen, -1, EINVAL, 0)
{
	struct sockaddr_in sin = loop_addr(e->peer_port);
	int fd = stream(fam);

	result(o, connect(fd, (struct sockaddr *)&sin, sizeof(sin) - 1));
	close(fd);
}

SCENARIO(connect_bad_family, -1, EAFNOSUPPORT, 0)
{
	struct sockaddr_in sin = loop_addr(e->peer_port);
	int fd = stream(fam);

	sin.sin_family = AF_UNIX;
	result(o, connect(fd, (struct sockaddr *)&sin, sizeof(sin)));
	close(fd);
}

SCENARIO(connect_null_addr, -1, EFAULT, 0)
{
	int fd = stream(fam);

	result(o, connect(fd, NULL, sizeof(struct sockaddr_in)));
	close(fd);
}

SCENARIO(connect_broadcast, -1, ENETUNREACH, 0)
{
	struct sockaddr_in sin = loop_addr(e->peer_port);
	int fd = stream(fam);

	sin.sin_addr.s_addr = htonl(INADDR_BROADCAST);
	result(o, connect(fd, (struct sockaddr *)&sin, sizeof(sin)));
	close(fd);
}

SCENARIO(connect_unreachable_net, -1, ENETUNREACH, 0)
{
	struct sockaddr_in sin = loop_addr(e->peer_port);
	int fd = stream(fam);

	/* Only loopback is up in this namespace: no route to 10/8. */
	inet_pton(AF_INET, "10.9.9.9", &sin.sin_addr);
	result(o, connect(fd, (struct sockaddr *)&sin, sizeof(sin)));
	close(fd);
}

SCENARIO(connect_after_refused, -1, ECONNREFUSED, 1)
{
	struct sockaddr_in sin = loop_addr(e->closed_port);
	int fd = stream(fam);

	/* A refused socket returns to CLOSE and may connect again. */
	o->extra = connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 &&
		   errno == ECONNREFUSED;
	result(o, connect(fd, (struct sockaddr *)&sin, sizeof(sin)));
	close(fd);
}

SCENARIO(nonblocking_connect_inprogress_then_pollout, -1, EINPROGRESS, 1)
{
	struct sockaddr_in sin = loop_addr(e->peer_port);
	int fd = stream(fam), err = -1;
	socklen_t len = sizeof(err);
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	fcntl(fd, F_SETFL, O_NONBLOCK);
	result(o, connect(fd, (struct sockaddr *)&sin, sizeof(sin)));
	if (poll(&pfd, 1, 5000) == 1 && pfd.revents == POLLOUT &&
	    !getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		o->extra = err == 0;
	close(fd);
}

SCENARIO(nonblocking_connect_refused_so_error, -1, EINPROGRESS,
	 ECONNREFUSED)
{
	struct sockaddr_in sin = loop_addr(e->closed_port);
	int fd = stream(fam), err = -1;
	socklen_t len = sizeof(err);
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	fcntl(fd, F_SETFL, O_NONBLOCK);
	result(o, connect(fd, (struct sockaddr *)&sin, sizeof(sin)));
	if (poll(&pfd, 1, 5000) == 1 && (pfd.revents & POLLERR) &&
	    !getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		o->extra = err;
	close(fd);
}

/* ---- send / recv ---- */

SCENARIO(send_unconnected, -1, EPIPE, 0)
{
	int fd = stream(fam);

	result(o, send(fd, "x", 1, MSG_NOSIGNAL));
	o->extra = __atomic_load_n(&sigpipes, __ATOMIC_RELAXED);
	close(fd);
}

SCENARIO(recv_unconnected, -1, ENOTCONN, 0)
{
	int fd = stream(fam);
	char c;

	result(o, recv(fd, &c, 1, MSG_DONTWAIT));
	close(fd);
}

SCENARIO(recv_nonblocking_no_data, -1, EAGAIN, 0)
{
	int srv, fd = connected(e, fam, &srv);
	char c;

	result(o, recv(fd, &c, 1, MSG_DONTWAIT));
	close(fd);
	close(srv);
}

SCENARIO(send_after_shut_wr_sigpipe, -1, EPIPE, 1)
{
	int srv, fd = connected(e, fam, &srv);

	shutdown(fd, SHUT_WR);
	result(o, send(fd, "x", 1, 0));
	o->extra = __atomic_load_n(&sigpipes, __ATOMIC_RELAXED);
	close(fd);
	close(srv);
}

SCENARIO(send_after_shut_wr_nosignal, -1, EPIPE, 0)
{
	int srv, fd = connected(e, fam, &srv);

	shutdown(fd, SHUT_WR);
	result(o, send(fd, "x", 1, MSG_NOSIGNAL));
	o->extra = __atomic_load_n(&sigpipes, __ATOMIC_RELAXED);
	close(fd);
	close(srv);
}

SCENARIO(recv_after_peer_close_returns_0, 0, 0, 1)
{
	int srv, fd = connected(e, fam, &srv);
	char buf[4];

	send(srv, "ab", 2, 0);
	close(srv);
	/* Data first, then end of stream. */
	o->extra = wait_readable(fd, 5000) == 1 &&
		   recv(fd, buf, sizeof(buf), MSG_WAITALL) == 2;
	result(o, recv(fd, buf, sizeof(buf), 0));
	close(fd);
}

SCENARIO(send_after_peer_reset, -1, EPIPE, 1)
{
	int srv, fd = connected(e, fam, &srv);
	struct linger l = { .l_onoff = 1, .l_linger = 0 };
	char c;

	setsockopt(srv, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(srv);
	/* The RST is seen as ECONNRESET once; the socket is then closed. */
	wait_readable(fd, 5000);
	o->extra = recv(fd, &c, 1, 0) < 0 && errno == ECONNRESET;
	result(o, send(fd, "x", 1, MSG_NOSIGNAL));
	close(fd);
}

SCENARIO(recv_after_peer_reset, -1, ECONNRESET, 0)
{
	int srv, fd = connected(e, fam, &srv);
	struct linger l = { .l_onoff = 1, .l_linger = 0 };
	char c;

	setsockopt(srv, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(srv);
	wait_readable(fd, 5000);
	result(o, recv(fd, &c, 1, 0));
	close(fd);
}

SCENARIO(send_bad_pointer, -1, EFAULT, 0)
{
	int srv, fd = connected(e, fam, &srv);

	result(o, send(fd, bad_ptr(), 100, MSG_NOSIGNAL));
	close(fd);
	close(srv);
}

SCENARIO(recv_bad_pointer, -1, EFAULT, 0)
{
	int srv, fd = connected(e, fam, &srv);

	send(srv, "abcd", 4, 0);
	wait_readable(fd, 5000);
	result(o, recv(fd, bad_ptr(), 100, 0));
	close(fd);
	close(srv);
}

SCENARIO(sendto_ignores_address_when_connected, 1, 0, 1)
{
	int srv, fd = connected(e, fam, &srv);
	struct sockaddr_in other = loop_addr(e->closed_port);
	char c = 0;

	result(o, sendto(fd, "y", 1, MSG_NOSIGNAL, (struct sockaddr *)&other,
			 sizeof(other)));
	o->extra = wait_readable(srv, 5000) == 1 &&
		   recv(srv, &c, 1, 0) == 1 && c == 'y';
	close(fd);
	close(srv);
}

SCENARIO(recv_oob_without_urgent_data, -1, EINVAL, 0)
{
	int srv, fd = connected(e, fam, &srv);
	char c;

	result(o, recv(fd, &c, 1, MSG_OOB | MSG_DONTWAIT));
	close(fd);
	close(srv);
}

/* ---- bind / listen / accept ---- */

SCENARIO(bind_twice, -1, EINVAL, 0)
{
	struct sockaddr_in sin = loop_addr(0);
	int fd = stream(fam);

	bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	result(o, bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
	close(fd);
}

SCENARIO(bind_short_addrlen, -1, EINVAL, 0)
{
	struct sockaddr_in sin = loop_addr(0);
	int fd = stream(fam);

	result(o, bind(fd, (struct sockaddr *)&sin, sizeof(sin) - 1));
	close(fd);
}

SCENARIO(bind_bad_family, -1, EAFNOSUPPORT, 0)
{
	struct sockaddr_in sin = loop_addr(0);
	int fd = stream(fam);

	sin.sin_family = AF_UNIX;
	result(o, bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
	close(fd);
}

SCENARIO(bind_unspec_any_accepted, 0, 0, 0)
{
	struct sockaddr_in sin = { .sin_family = AF_UNSPEC };
	int fd = stream(fam);

	/* Compatibility: AF_UNSPEC is taken as AF_INET for INADDR_ANY. */
	result(o, bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
	close(fd);
}

SCENARIO(bind_null_addr, -1, EFAULT, 0)
{
	int fd = stream(fam);

	result(o, bind(fd, NULL, sizeof(struct sockaddr_in)));
	close(fd);
}

SCENARIO(bind_bad_pointer, -1, EFAULT, 0)
{
	int fd = stream(fam);

	result(o, bind(fd, bad_ptr(), sizeof(struct sockaddr_in)));
	close(fd);
}

SCENARIO(bind_nonlocal_address, -1, EADDRNOTAVAIL, 0)
{
	struct sockaddr_in sin = loop_addr(0);
	int fd = stream(fam);

	inet_pton(AF_INET, "10.9.9.9", &sin.sin_addr);
	result(o, bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
	close(fd);
}

SCENARIO(bind_port_of_tcp_listener, -1, EADDRINUSE, 0)
{
	struct sockaddr_in sin = loop_addr(e->peer_port);
	int fd = stream(fam);

	result(o, bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
	close(fd);
}

SCENARIO(bind_privileged_port_without_cap, -1, EACCES, 0)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2], saved[2];
	struct sockaddr_in sin = loop_addr(1023);
	int fd = stream(fam);

	syscall(SYS_capget, &hdr, data);
	memcpy(saved, data, sizeof(saved));
	data[0].effective &= ~(1u << CAP_NET_BIND_SERVICE);
	syscall(SYS_capset, &hdr, data);
	result(o, bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
	syscall(SYS_capset, &hdr, saved);
	close(fd);
}

SCENARIO(listen_on_connected, -1, EINVAL, 0)
{
	int srv, fd = connected(e, fam, &srv);

	result(o, listen(fd, 1));
	close(fd);
	close(srv);
}

SCENARIO(listen_unbound_autobinds, 0, 0, 1)
{
	int fd = stream(fam);

	result(o, listen(fd, 1));
	o->extra = sock_port(fd) > 0;
	close(fd);
}

SCENARIO(accept_on_non_listener, -1, EINVAL, 0)
{
	int fd = stream(fam);

	result(o, accept(fd, NULL, NULL));
	close(fd);
}

SCENARIO(accept_nonblocking_empty, -1, EAGAIN, 0)
{
	struct sockaddr_in sin = loop_addr(0);
	int fd = stream(fam);

	bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	listen(fd, 1);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	result(o, accept(fd, NULL, NULL));
	close(fd);
}

/* SO_REUSEADDR: sockets that do not listen may share a port... */
SCENARIO(reuseaddr_two_bound_sockets, 0, 0, 0)
{
	struct sockaddr_in sin = loop_addr(0);
	int one = 1, a = stream(fam), b = stream(fam);

	setsockopt(a, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(b, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	bind(a, (struct sockaddr *)&sin, sizeof(sin));
	sin.sin_port = htons(sock_port(a));
	result(o, bind(b, (struct sockaddr *)&sin, sizeof(sin)));
	close(a);
	close(b);
}

/* ...but not with a listener, even when both set it. */
SCENARIO(reuseaddr_bind_to_listening_port, -1, EADDRINUSE, 0)
{
	struct sockaddr_in sin = loop_addr(0);
	int one = 1, a = stream(fam), b = stream(fam);

	setsockopt(a, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(b, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	bind(a, (struct sockaddr *)&sin, sizeof(sin));
	listen(a, 1);
	sin.sin_port = htons(sock_port(a));
	result(o, bind(b, (struct sockaddr *)&sin, sizeof(sin)));
	close(a);
	close(b);
}

/* A second listener on the port of a bound reuseaddr socket fails. */
SCENARIO(reuseaddr_listen_on_shared_port, -1, EADDRINUSE, 0)
{
	struct sockaddr_in sin = loop_addr(0);
	int one = 1, a = stream(fam), b = stream(fam);

	setsockopt(a, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(b, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	bind(a, (struct sockaddr *)&sin, sizeof(sin));
	sin.sin_port = htons(sock_port(a));
	bind(b, (struct sockaddr *)&sin, sizeof(sin));
	listen(a, 1);
	result(o, listen(b, 1));
	close(a);
	close(b);
}

SCENARIO(no_reuseaddr_two_bound_sockets, -1, EADDRINUSE, 0)
{
	struct sockaddr_in sin = loop_addr(0);
	int a = stream(fam), b = stream(fam);

	bind(a, (struct sockaddr *)&sin, sizeof(sin));
	sin.sin_port = htons(sock_port(a));
	result(o, bind(b, (struct sockaddr *)&sin, sizeof(sin)));
	close(a);
	close(b);
}

/* ---- shutdown ---- */

SCENARIO(shutdown_unconnected, -1, ENOTCONN, 0)
{
	int fd = stream(fam);

	result(o, shutdown(fd, SHUT_WR));
	close(fd);
}

SCENARIO(shutdown_twice, 0, 0, 0)
{
	int srv, fd = connected(e, fam, &srv);

	o->extra = shutdown(fd, SHUT_WR);
	result(o, shutdown(fd, SHUT_WR));
	close(fd);
	close(srv);
}

SCENARIO(shutdown_bad_how, -1, EINVAL, 0)
{
	int srv, fd = connected(e, fam, &srv);

	result(o, shutdown(fd, 7));
	close(fd);
	close(srv);
}

SCENARIO(shutdown_rd_then_recv_returns_0, 0, 0, 0)
{
	int srv, fd = connected(e, fam, &srv);
	char c;

	shutdown(fd, SHUT_RD);
	result(o, recv(fd, &c, 1, MSG_DONTWAIT));
	close(fd);
	close(srv);
}

/* ---- socket options ---- */

static long getint(int fd, int level, int name, struct outcome *o)
{
	int v = -1;
	socklen_t len = sizeof(v);

	result(o, getsockopt(fd, level, name, &v, &len));
	return len == sizeof(v) ? v : -1000 - (long)len;
}

SCENARIO(so_error_fresh_socket, 0, 0, 0)
{
	int fd = stream(fam);

	o->extra = getint(fd, SOL_SOCKET, SO_ERROR, o);
	close(fd);
}

SCENARIO(so_type, 0, 0, SOCK_STREAM)
{
	int fd = stream(fam);

	o->extra = getint(fd, SOL_SOCKET, SO_TYPE, o);
	close(fd);
}

SCENARIO(so_protocol, 0, 0, IPPROTO_TCP)
{
	int fd = stream(fam);

	o->extra = getint(fd, SOL_SOCKET, SO_PROTOCOL, o);
	close(fd);
}

/*
 * SO_DOMAIN reports sk_family, and an AF_XTCP socket's sk_family is
 * AF_INET by design (DESIGN.md: the endpoint is TCP/IPv4, as in
 * getsockname), so both families answer AF_INET.
 */
SCENARIO(so_domain_is_af_inet, 0, 0, AF_INET)
{
	int fd = stream(fam);

	o->extra = getint(fd, SOL_SOCKET, SO_DOMAIN, o);
	close(fd);
}

SCENARIO(so_acceptconn_on_listener, 0, 0, 1)
{
	int fd = stream(fam);

	listen(fd, 1);
	o->extra = getint(fd, SOL_SOCKET, SO_ACCEPTCONN, o);
	close(fd);
}

SCENARIO(so_sndbuf_is_doubled, 0, 0, 2 * 65536)
{
	int fd = stream(fam), v = 65536;

	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	o->extra = getint(fd, SOL_SOCKET, SO_SNDBUF, o);
	close(fd);
}

SCENARIO(tcp_nodelay_roundtrip, 0, 0, 1)
{
	int fd = stream(fam), one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	o->extra = getint(fd, IPPROTO_TCP, TCP_NODELAY, o);
	close(fd);
}

SCENARIO(setsockopt_short_optlen, -1, EINVAL, 0)
{
	int fd = stream(fam), one = 1;

	result(o, setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, 2));
	close(fd);
}

SCENARIO(setsockopt_sol_socket_short_optlen, -1, EINVAL, 0)
{
	int fd = stream(fam), v = 4096;

	result(o, setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, 2));
	close(fd);
}

SCENARIO(getsockopt_negative_optlen, -1, EINVAL, 0)
{
	int fd = stream(fam), v;
	socklen_t len = (socklen_t)-1;

	result(o, getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len));
	close(fd);
}

SCENARIO(setsockopt_null_optval, -1, EFAULT, 0)
{
	int fd = stream(fam);

	result(o, setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, NULL, sizeof(int)));
	close(fd);
}

SCENARIO(getsockopt_bad_optlen_pointer, -1, EFAULT, 0)
{
	int fd = stream(fam), v;

	result(o, getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, bad_ptr()));
	close(fd);
}

SCENARIO(getsockopt_bad_optval_pointer, -1, EFAULT, 0)
{
	int fd = stream(fam);
	socklen_t len = sizeof(int);

	result(o, getsockopt(fd, SOL_SOCKET, SO_TYPE, bad_ptr(), &len));
	close(fd);
}

SCENARIO(setsockopt_unknown_level, -1, ENOPROTOOPT, 0)
{
	int fd = stream(fam), one = 1;

	result(o, setsockopt(fd, 277, 1, &one, sizeof(one)));
	close(fd);
}

SCENARIO(setsockopt_unknown_tcp_option, -1, ENOPROTOOPT, 0)
{
	int fd = stream(fam), one = 1;

	result(o, setsockopt(fd, IPPROTO_TCP, 9999, &one, sizeof(one)));
	close(fd);
}

SCENARIO(getsockopt_unknown_tcp_option, -1, ENOPROTOOPT, 0)
{
	int fd = stream(fam);

	getint(fd, IPPROTO_TCP, 9999, o);
	close(fd);
}

SCENARIO(tcp_info_state_established, 0, 0, TCP_ESTABLISHED)
{
	int srv, fd = connected(e, fam, &srv);
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	result(o, getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len));
	o->extra = ti.tcpi_state;
	close(fd);
	close(srv);
}

/* ---- addresses ---- */

SCENARIO(getsockname_reports_af_inet, 0, 0, 1)
{
	int srv, fd = connected(e, fam, &srv);
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	memset(&sin, 0xff, sizeof(sin));
	result(o, getsockname(fd, (struct sockaddr *)&sin, &len));
	o->extra = len == sizeof(sin) && sin.sin_family == AF_INET &&
		   sin.sin_addr.s_addr == htonl(INADDR_LOOPBACK) &&
		   sin.sin_port != 0;
	close(fd);
	close(srv);
}

SCENARIO(getpeername_reports_af_inet, 0, 0, 1)
{
	int srv, fd = connected(e, fam, &srv);
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	memset(&sin, 0xff, sizeof(sin));
	result(o, getpeername(fd, (struct sockaddr *)&sin, &len));
	o->extra = len == sizeof(sin) && sin.sin_family == AF_INET &&
		   sin.sin_addr.s_addr == htonl(INADDR_LOOPBACK) &&
		   ntohs(sin.sin_port) == e->peer_port;
	close(fd);
	close(srv);
}

SCENARIO(getpeername_unconnected, -1, ENOTCONN, 0)
{
	int fd = stream(fam);
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	result(o, getpeername(fd, (struct sockaddr *)&sin, &len));
	close(fd);
}

SCENARIO(getsockname_unbound_is_any_port_0, 0, 0, 1)
{
	int fd = stream(fam);
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	memset(&sin, 0xff, sizeof(sin));
	result(o, getsockname(fd, (struct sockaddr *)&sin, &len));
	o->extra = len == sizeof(sin) && sin.sin_family == AF_INET &&
		   sin.sin_addr.s_addr == 0 && sin.sin_port == 0;
	close(fd);
}

/* The peer's accept() of an AF_XTCP client sees the client's real port. */
SCENARIO(peer_sees_client_port, 0, 0, 1)
{
	int srv, fd = connected(e, fam, &srv);
	struct sockaddr_in a, b;
	socklen_t la = sizeof(a), lb = sizeof(b);

	result(o, getsockname(fd, (struct sockaddr *)&a, &la));
	getpeername(srv, (struct sockaddr *)&b, &lb);
	o->extra = a.sin_port == b.sin_port;
	close(fd);
	close(srv);
}

/*
 * AF_XTCP sockets also take sin_family AF_XTCP in bind and connect; an
 * AF_INET socket refuses it (the negative control of the same code).
 */
TEST_F(api, sin_family_af_xtcp)
{
	struct sockaddr_in sin = loop_addr(0);
	int fd, srv;

	sin.sin_family = self->xfam;
	if (!variant->xtcp) {
		fd = stream(AF_INET);
		ASSERT_LE(0, fd);
		EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
		EXPECT_EQ(EAFNOSUPPORT, errno);
		close(fd);
		return;
	}
	fd = stream(self->xfam);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
		TH_LOG("bind: %s", strerror(errno));
	sin.sin_port = htons(self->env.peer_port);
	ASSERT_EQ(0, connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
		TH_LOG("connect: %s", strerror(errno));
	srv = accept(self->env.peer_lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	close(srv);
	close(fd);
}

TEST_HARNESS_MAIN
