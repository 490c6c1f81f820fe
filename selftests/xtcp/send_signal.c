// SPDX-License-Identifier: GPL-2.0
/*
 * Signals and a blocking send, AF_XTCP against AF_INET (variant "tcp",
 * which proves each expectation on the stock stack), to a stock TCP
 * peer in another namespace over veth:
 *
 * - a signal (handler without SA_RESTART) interrupting a send blocked on
 *   a full send buffer returns the bytes queued by that call, or -1
 *   EINTR when it queued none; with SO_SNDTIMEO set even SA_RESTART
 *   gives EINTR (sock_intr_errno);
 * - after shutdown(SHUT_WR) a send fails with EPIPE and raises SIGPIPE,
 *   not with MSG_NOSIGNAL;
 * - after the peer's RST the first send reports ECONNRESET without a
 *   signal, the next ones EPIPE with SIGPIPE.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <poll.h>
#include <sys/time.h>
#include <time.h>

#include "kselftest_harness.h"
#include "send_zc_peer.h"

/* Counted from signal handlers: atomic builtins, not volatile. */
static int alarms, sigpipes;

static void on_alarm(int sig)
{
	__atomic_fetch_add(&alarms, 1, __ATOMIC_RELAXED);
}

static void on_sigpipe(int sig)
{
	__atomic_fetch_add(&sigpipes, 1, __ATOMIC_RELAXED);
}

static int count(int *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/*
 * One command byte per connection: 'H' holds the connection without
 * reading (at most 10 s, or until the other side shuts it down), then
 * closes it (a FIN, or an RST if data is left unread); 'R' resets it at
 * once (SO_LINGER 0).
 */
static void peer_serve_cmd(int cfd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct pollfd pfd = { .fd = cfd, .events = POLLRDHUP };
	char c;

	if (recv(cfd, &c, 1, 0) != 1)
		return;
	if (c == 'R') {
		setsockopt(cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		return;
	}
	poll(&pfd, 1, 10000);
}

FIXTURE(sig) {
	struct peer peer;
	int fam;
};

FIXTURE_VARIANT(sig) {
	int xtcp;
};

FIXTURE_VARIANT_ADD(sig, tcp) {
	.xtcp = 0,
};

FIXTURE_VARIANT_ADD(sig, xtcp) {
	.xtcp = 1,
};

FIXTURE_SETUP(sig)
{
	struct sigaction sa = { .sa_handler = on_sigpipe };

	self->peer.pid = -1;
	self->fam = variant_family(variant->xtcp);
	if (self->fam < 0)
		SKIP(return, "cannot load module/xtcp.ko");
	ASSERT_EQ(0, peer_start(&self->peer, peer_serve_cmd));
	ASSERT_EQ(0, sigaction(SIGPIPE, &sa, NULL));
}

FIXTURE_TEARDOWN(sig)
{
	peer_stop(&self->peer);
}

static void set_alarm(int ms, int restart)
{
	struct sigaction sa = { .sa_handler = on_alarm,
				.sa_flags = restart ? SA_RESTART : 0 };
	struct itimerval it = { .it_value = { .tv_sec = ms / 1000,
					      .tv_usec = (ms % 1000) * 1000 } };

	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Close with RST, so the holding peer lets go at once. */
static void close_reset(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

TEST_F_TIMEOUT(sig, interrupted_blocking_send, 60)
{
	static char buf[4 << 20];
	int fd, sndbuf = 16384, i, full;
	struct timeval tv = { .tv_sec = 5 };
	ssize_t n;
	double t0;

	fd = peer_connect(self->fam);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, send(fd, "H", 1, 0));
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)));

	/* Some bytes fit before the buffer fills: the partial count. */
	__atomic_store_n(&alarms, 0, __ATOMIC_RELAXED);
	set_alarm(500, 0);
	n = send(fd, buf, sizeof(buf), 0);
	EXPECT_EQ(1, count(&alarms));
	EXPECT_LT(0, n) TH_LOG("send: %zd (%s)", n, strerror(errno));
	EXPECT_GT((ssize_t)sizeof(buf), n);

	/* Fill what ACKs freed since, until the peer's window is shut and
	 * the buffer stays full.
	 */
	for (i = 0, full = 0; i < 50 && full < 3; i++) {
		n = send(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			full = 0;
			continue;
		}
		ASSERT_EQ(EAGAIN, errno);
		full++;
		usleep(100 * 1000);
	}
	ASSERT_EQ(3, full);

	/* The buffer is full: nothing queued, EINTR. */
	__atomic_store_n(&alarms, 0, __ATOMIC_RELAXED);
	set_alarm(300, 0);
	errno = 0;
	n = send(fd, buf, sizeof(buf), 0);
	EXPECT_EQ(1, count(&alarms));
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EINTR, errno);

	/* With a send timeout a restartable handler still gets EINTR,
	 * long before the timeout.
	 */
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	__atomic_store_n(&alarms, 0, __ATOMIC_RELAXED);
	t0 = now_s();
	set_alarm(300, 1);
	errno = 0;
	n = send(fd, buf, sizeof(buf), 0);
	EXPECT_EQ(1, count(&alarms));
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EINTR, errno);
	EXPECT_GT(3.0, now_s() - t0);
	close_reset(fd);
}

/* A one-byte send must fail with err, SIGPIPE having come sigs times. */
static void send_fails(struct __test_metadata *_metadata, int fd, int flags,
		       int err, int sigs)
{
	errno = 0;
	EXPECT_EQ(-1, send(fd, "x", 1, flags));
	EXPECT_EQ(err, errno);
	EXPECT_EQ(sigs, count(&sigpipes));
}

TEST_F(sig, sigpipe_after_shutdown)
{
	int fd = peer_connect(self->fam);

	ASSERT_LE(0, fd);
	ASSERT_EQ(1, send(fd, "H", 1, 0));
	ASSERT_EQ(0, shutdown(fd, SHUT_WR));
	__atomic_store_n(&sigpipes, 0, __ATOMIC_RELAXED);
	send_fails(_metadata, fd, 0, EPIPE, 1);
	send_fails(_metadata, fd, MSG_NOSIGNAL, EPIPE, 1);
	close_reset(fd);
}

TEST_F(sig, sigpipe_after_reset)
{
	struct pollfd pfd;
	int fd = peer_connect(self->fam);

	ASSERT_LE(0, fd);
	ASSERT_EQ(1, send(fd, "R", 1, 0));
	pfd.fd = fd;
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, 5000));
	ASSERT_TRUE(pfd.revents & (POLLERR | POLLHUP))
		TH_LOG("revents %#x", pfd.revents);

	__atomic_store_n(&sigpipes, 0, __ATOMIC_RELAXED);
	send_fails(_metadata, fd, 0, ECONNRESET, 0);
	send_fails(_metadata, fd, 0, EPIPE, 1);
	send_fails(_metadata, fd, MSG_NOSIGNAL, EPIPE, 1);
	close(fd);
}

TEST_HARNESS_MAIN
