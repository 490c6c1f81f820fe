/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A stock-TCP peer in its own network namespace, joined to the test's
 * namespace by a veth pair, for the send_zc, send_signal and send_info
 * harness tests.
 *
 * The test process unshares a fresh namespace (sut0, 10.9.0.1/24); a
 * forked child unshares another, takes the veth's other end (peer0,
 * 10.9.0.2/24) and serves every connection to PEER_PORT with the
 * test's serve function, one after another, until it is killed.
 *
 * Data sent to a verifying peer follows pattern_word(): 64-bit words
 * whose value is their offset, so any loss, duplication or reordering
 * shows.
 */
#ifndef SEND_ZC_PEER_H
#define SEND_ZC_PEER_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/types.h>

#include "xtcp_util.h"

#define PEER_ADDR	"10.9.0.2"
#define PEER_PORT	5201

typedef void (*peer_serve_fn)(int cfd);

struct peer {
	pid_t pid;
};

static inline __u64 pattern_word(__u64 off)
{
	return (off / 8) * 0x9e3779b97f4a7c15ULL ^ 0x5a5a5a5a5a5a5a5aULL;
}

static inline void pattern_fill(void *buf, __u64 off, size_t len)
{
	__u64 *w = buf;
	size_t i;

	for (i = 0; i < len / 8; i++)
		w[i] = pattern_word(off + i * 8);
}

/* Result a verifying peer sends back before closing. */
struct peer_verdict {
	__u64 bytes;		/* bytes received */
	__u64 bad_off;	/* first mismatching offset, or ~0 */
};

static inline int full_write(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/* Read to EOF, checking the pattern; report a peer_verdict. */
static inline void peer_serve_verify(int cfd)
{
	static __u64 buf[(1 << 20) / 8];
	struct peer_verdict v = { 0, ~0ULL };

	for (;;) {
		ssize_t n = recv(cfd, buf, sizeof(buf), MSG_WAITALL);
		size_t i;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		/* MSG_WAITALL: every chunk but the last is whole, so words
		 * stay aligned to the stream offset.
		 */
		for (i = 0; i < (size_t)n / 8 && v.bad_off == ~0ULL; i++)
			if (buf[i] != pattern_word(v.bytes + i * 8))
				v.bad_off = v.bytes + i * 8;
		if (n % 8 && v.bad_off == ~0ULL)
			v.bad_off = v.bytes + n;	/* sizes are whole words */
		v.bytes += n;
	}
	full_write(cfd, &v, sizeof(v));
}

static inline int run(const char *cmd)
{
	int rc = system(cmd);

	if (rc)
		fprintf(stderr, "# '%s' failed: %d\n", cmd, rc);
	return rc;
}

/* An AF_INET listener on PEER_PORT, any address; -1 on failure. */
static inline int peer_listen(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(PEER_PORT) };
	int one = 1, lfd;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) || listen(lfd, 8))
		return -1;
	return lfd;
}

/* Serve connections on lfd one after another, forever. */
static inline noreturn void peer_loop(int lfd, peer_serve_fn serve)
{
	int cfd;

	for (;;) {
		cfd = accept(lfd, NULL, NULL);
		if (cfd < 0)
			continue;
		serve(cfd);
		close(cfd);
	}
}

static noreturn void peer_child(int rd, int wr, peer_serve_fn serve)
{
	int lfd;
	char c = 0;

	if (unshare(CLONE_NEWNET))
		_exit(1);
	if (full_write(wr, &c, 1) || read(rd, &c, 1) != 1)
		_exit(1);
	if (run("ip link set lo up && ip addr add " PEER_ADDR "/24 dev peer0") ||
	    run("ip link set peer0 up"))
		_exit(1);
	lfd = peer_listen();
	if (lfd < 0)
		_exit(1);
	if (full_write(wr, &c, 1))
		_exit(1);
	peer_loop(lfd, serve);
}

/* 0 when the peer listens; the caller's namespace is new afterwards. */
static inline int peer_start(struct peer *p, peer_serve_fn serve)
{
	int to_child[2], to_parent[2];
	char cmd[128], c;

	p->pid = -1;
	if (getenv("SEND_ZC_WIRE") && *getenv("SEND_ZC_WIRE"))
		return 0;
	if (unshare(CLONE_NEWNET) || run("ip link set lo up"))
		return -1;
	if (run("ip link add sut0 type veth peer name peer0"))
		return -1;
	if (pipe(to_child) || pipe(to_parent))
		return -1;
	p->pid = fork();
	if (p->pid < 0)
		return -1;
	if (!p->pid) {
		/* Never outlive the test, whatever ends it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGPIPE, SIG_IGN);
		peer_child(to_child[0], to_parent[1], serve);
	}
	if (read(to_parent[0], &c, 1) != 1)
		return -1;
	snprintf(cmd, sizeof(cmd), "ip link set peer0 netns %d", p->pid);
	if (run(cmd) ||
	    run("ip addr add 10.9.0.1/24 dev sut0 && ip link set sut0 up"))
		return -1;
	if (full_write(to_child[1], &c, 1) || read(to_parent[0], &c, 1) != 1)
		return -1;
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
	return 0;
}

static inline void peer_stop(struct peer *p)
{
	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
		p->pid = -1;
	}
}

/* $SEND_ZC_WIRE names a peer the caller set up (send_zc_igb.sh: the
 * stock igb end of the QEMU wire, serving with "send_zc --serve");
 * otherwise the veth peer of peer_start().
 */
static const char *peer_addr(void)
{
	const char *wire = getenv("SEND_ZC_WIRE");

	return wire && *wire ? wire : PEER_ADDR;
}

/* A blocking stream socket of family fam connected to the peer. */
static inline int peer_connect(int fam)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(PEER_PORT) };
	int fd = socket(fam, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	inet_pton(AF_INET, peer_addr(), &sin.sin_addr);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* After shutdown(SHUT_WR): the verifying peer's verdict. */
static inline int peer_read_verdict(int fd, struct peer_verdict *v)
{
	char *p = (char *)v;
	size_t got = 0;

	while (got < sizeof(*v)) {
		ssize_t n = read(fd, p + got, sizeof(*v) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += n;
	}
	return 0;
}

/* The family a variant names: AF_INET, or the one xtcp.ko registered
 * (loading it if needed); -1 if xtcp cannot be loaded.
 */
static inline int variant_family(int xtcp)
{
	if (!xtcp)
		return AF_INET;
	if (xtcp_ensure_loaded())
		return -1;
	return xtcp_family();
}

#endif /* SEND_ZC_PEER_H */
