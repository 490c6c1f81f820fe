// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_connect: the suite's netcat, after MPTCP's mptcp_connect.
 *
 * One binary is server (-l) or client. Each side picks its own socket
 * family (-s XTCP|TCP), so every transfer runs XTCP<->TCP, TCP<->XTCP,
 * XTCP<->XTCP and TCP<->TCP with the same code. Both sides send and
 * receive at once (full duplex); each prints the byte count and SHA-256
 * of what it sent and what it received, and the caller compares the
 * sender's "sent" with the receiver's "recv".
 *
 * Output lines (stdout, one per connection):
 *   sent <bytes> <sha256>
 *   recv <bytes> <sha256>
 *   time_ms <ms>
 * Exit: 0 success (or the error named by -E happened), 1 error, 2 poll
 * timeout (-t seconds without progress).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <linux/tcp.h>		/* struct tcp_info with the new fields */
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "interop_util.h"

#define MAX_CHUNK	(1024 * 1024)
#define RECV_BUF	(64 * 1024)

enum io_mode { MODE_POLL, MODE_SENDFILE };

static struct {
	bool listen;
	bool xtcp;
	bool xtcp_addr;		/* sin_family = AF_XTCP instead of AF_INET */
	enum io_mode mode;
	const char *host;
	int port;
	const char *in_file;
	const char *out_file;
	const char *ready_file;
	unsigned long long nbytes;
	__u64 seed;
	size_t max_chunk;
	int timeout_s;
	int sndbuf, rcvbuf;
	int iterations;
	int syncnt;
	int local_port;
	bool reuseaddr;
	bool linger0;
	bool reply_after_eof;
	long long close_after;	/* close after receiving this many bytes */
	int backlog;
	int accept_delay_s;	/* listen, then wait before accepting */
	bool connect_only;	/* connect, report, close */
	const char *expect_err;
} opt = {
	.host = "127.0.0.1",
	.port = 12000,
	.seed = 1,
	.max_chunk = MAX_CHUNK,
	.timeout_s = 30,
	.iterations = 1,
	.close_after = -1,
	.backlog = 16,
};

static const char *progname = "xtcp_connect";
static unsigned long long connect_t0;	/* ms, while connect() runs */

static unsigned long long now_ms(void);

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/*
 * A failing syscall ends the run. If the caller named this errno with -E,
 * the failure is the expected outcome and the exit status is 0.
 */
static void sys_fail(const char *what, int err)
{
	const char *name = interop_errname(err);

	if (connect_t0)
		printf("connect_ms %llu\n", now_ms() - connect_t0);
	printf("error %s %s\n", what, name);
	fflush(stdout);
	if (opt.expect_err) {
		char *list = strdup(opt.expect_err), *tok, *save = NULL;

		for (tok = strtok_r(list, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			if (!strcmp(tok, name)) {
				fprintf(stderr, "%s: %s: %s (expected)\n",
					progname, what, name);
				exit(0);
			}
		}
		fprintf(stderr, "%s: %s: %s (%s), expected %s\n", progname,
			what, strerror(err), name, opt.expect_err);
		exit(1);
	}
	fprintf(stderr, "%s: %s: %s (%s)\n", progname, what, strerror(err),
		name);
	exit(1);
}

static unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* xorshift64*: deterministic per seed, so a failing run can be replayed. */
static __u64 rnd_next(__u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static void rnd_fill(__u64 *s, __u8 *p, size_t len)
{
	while (len >= 8) {
		__u64 v = rnd_next(s);

		memcpy(p, &v, 8);
		p += 8;
		len -= 8;
	}
	if (len) {
		__u64 v = rnd_next(s);

		memcpy(p, &v, len);
	}
}

static unsigned long long parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);
	const char *units = "KMG", *u = *end ? strchr(units, *end) : NULL;

	if (u) {
		v <<= 10 * (u - units + 1);
		end++;
	}
	if (*end)
		die("bad size '%s'", s);
	return v;
}

static int sock_family(void)
{
	return opt.xtcp ? interop_xtcp_family() : AF_INET;
}

static void fill_addr(struct sockaddr_in *sin, const char *host, int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = (opt.xtcp && opt.xtcp_addr) ?
			  interop_xtcp_family() : AF_INET;
	sin->sin_port = htons(port);
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		die("bad IPv4 address '%s'", host);
}

static int new_socket(void)
{
	int fd = socket(sock_family(), SOCK_STREAM, 0);
	int one = 1;

	if (fd < 0)
		sys_fail("socket", errno);
	if (opt.sndbuf &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &opt.sndbuf, sizeof(int)))
		sys_fail("setsockopt SO_SNDBUF", errno);
	if (opt.rcvbuf &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &opt.rcvbuf, sizeof(int)))
		sys_fail("setsockopt SO_RCVBUF", errno);
	if (opt.reuseaddr &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		sys_fail("setsockopt SO_REUSEADDR", errno);
	return fd;
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		sys_fail("fcntl O_NONBLOCK", errno);
}

/* What this side sends: a file, or opt.nbytes from the seeded PRNG. */
struct source {
	int fd;			/* input file, or memfd in sendfile mode */
	__u64 rnd;		/* data PRNG state */
	__u64 size_rnd;	/* write-size PRNG state */
	unsigned long long total, done;
	__u8 *chunk;
	size_t chunk_len, chunk_off;
	struct interop_sha256 sha;
};

static void source_open(struct source *src)
{
	memset(src, 0, sizeof(*src));
	src->rnd = opt.seed * 0x9e3779b97f4a7c15ULL + 1;
	src->size_rnd = (opt.seed ^ 0x5bd1e995ULL) * 0x9e3779b97f4a7c15ULL + 7;
	interop_sha256_init(&src->sha);
	src->fd = -1;
	src->chunk = malloc(opt.max_chunk);
	if (!src->chunk)
		die("out of memory");

	if (opt.in_file) {
		struct stat st;

		src->fd = open(opt.in_file, O_RDONLY);
		if (src->fd < 0 || fstat(src->fd, &st))
			die("open %s: %s", opt.in_file, strerror(errno));
		src->total = st.st_size;
	} else {
		src->total = opt.nbytes;
	}

	if (opt.mode != MODE_SENDFILE)
		return;

	/*
	 * sendfile needs a file: hash it up front, and materialise PRNG data
	 * in a memfd so the bytes on the wire come from the page cache.
	 */
	if (src->fd < 0) {
		unsigned long long left = src->total;

		src->fd = memfd_create("xtcp_connect", 0);
		if (src->fd < 0)
			die("memfd_create: %s", strerror(errno));
		while (left) {
			size_t n = left < opt.max_chunk ? left : opt.max_chunk;

			rnd_fill(&src->rnd, src->chunk, n);
			if (write(src->fd, src->chunk, n) != (ssize_t)n)
				die("memfd write: %s", strerror(errno));
			interop_sha256_update(&src->sha, src->chunk, n);
			left -= n;
		}
	} else {
		ssize_t n;

		while ((n = read(src->fd, src->chunk, opt.max_chunk)) > 0)
			interop_sha256_update(&src->sha, src->chunk, n);
		if (n < 0)
			die("read %s: %s", opt.in_file, strerror(errno));
	}
}

static void source_close(struct source *src)
{
	if (src->fd >= 0)
		close(src->fd);
	free(src->chunk);
}

/* Next chunk for poll mode: random size 1..max_chunk, hashed as taken. */
static void source_next_chunk(struct source *src)
{
	unsigned long long left = src->total - src->done;
	size_t n = 1 + rnd_next(&src->size_rnd) % opt.max_chunk;

	if (n > left)
		n = left;
	if (src->fd >= 0) {
		ssize_t r = read(src->fd, src->chunk, n);

		if (r <= 0)
			die("read %s: %s", opt.in_file,
			    r ? strerror(errno) : "short file");
		n = r;
	} else {
		rnd_fill(&src->rnd, src->chunk, n);
	}
	interop_sha256_update(&src->sha, src->chunk, n);
	src->chunk_len = n;
	src->chunk_off = 0;
}

/* Returns false when the socket would block. */
static bool source_send(struct source *src, int sock)
{
	ssize_t n;

	if (opt.mode == MODE_SENDFILE) {
		off_t off = src->done;
		unsigned long long left = src->total - src->done;
		size_t want = 1 + rnd_next(&src->size_rnd) % opt.max_chunk;

		if (want > left)
			want = left;
		n = sendfile(sock, src->fd, &off, want);
		if (n < 0) {
			if (errno == EAGAIN)
				return false;
			sys_fail("sendfile", errno);
		}
		src->done += n;
		return true;
	}

	if (src->chunk_off == src->chunk_len)
		source_next_chunk(src);
	n = send(sock, src->chunk + src->chunk_off,
		 src->chunk_len - src->chunk_off, MSG_NOSIGNAL);
	if (n < 0) {
		if (errno == EAGAIN)
			return false;
		sys_fail("send", errno);
	}
	src->chunk_off += n;
	src->done += n;
	return true;
}

/* On a stall, what the socket's own TCP_INFO says helps the most. */
static void print_tcp_info(int sock)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(sock, IPPROTO_TCP, TCP_INFO, &ti, &len)) {
		fprintf(stderr, "%s: TCP_INFO: %s\n", progname, strerror(errno));
		return;
	}
	fprintf(stderr,
		"%s: tcp_info state %u ca_state %u retransmits %u backoff %u rto %u us snd_mss %u rcv_mss %u unacked %u lost %u retrans %u snd_cwnd %u ssthresh %u rtt %u us rcv_space %u total_retrans %u bytes_acked %llu bytes_received %llu notsent %u snd_wnd %u\n",
		progname, ti.tcpi_state, ti.tcpi_ca_state,
		ti.tcpi_retransmits, ti.tcpi_backoff, ti.tcpi_rto,
		ti.tcpi_snd_mss, ti.tcpi_rcv_mss, ti.tcpi_unacked,
		ti.tcpi_lost, ti.tcpi_retrans, ti.tcpi_snd_cwnd,
		ti.tcpi_snd_ssthresh, ti.tcpi_rtt, ti.tcpi_rcv_space,
		ti.tcpi_total_retrans,
		(unsigned long long)ti.tcpi_bytes_acked,
		(unsigned long long)ti.tcpi_bytes_received,
		ti.tcpi_notsent_bytes, ti.tcpi_snd_wnd);
}

static int copy_io(int sock)
{
	static __u8 rbuf[RECV_BUF];
	struct interop_sha256 rsha;
	struct source src;
	unsigned long long rcvd = 0;
	bool rd_done = false, wr_done = false;
	int out = -1;
	unsigned long long t0 = now_ms();
	char hex[65];

	source_open(&src);
	interop_sha256_init(&rsha);
	if (opt.out_file) {
		out = open(opt.out_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (out < 0)
			die("open %s: %s", opt.out_file, strerror(errno));
	}
	set_nonblock(sock);
	if (!src.total && !opt.reply_after_eof) {
		if (shutdown(sock, SHUT_WR))
			sys_fail("shutdown", errno);
		wr_done = true;
	}

	while (!rd_done || !wr_done) {
		bool may_write = !wr_done && (!opt.reply_after_eof || rd_done);
		struct pollfd pfd = {
			.fd = sock,
			.events = (rd_done ? 0 : POLLIN) |
				  (may_write ? POLLOUT : 0),
		};
		int r = poll(&pfd, 1, opt.timeout_s * 1000);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			sys_fail("poll", errno);
		}
		if (!r) {
			fprintf(stderr,
				"%s: poll timeout after %d s (sent %llu/%llu, received %llu)\n",
				progname, opt.timeout_s, src.done, src.total,
				rcvd);
			print_tcp_info(sock);
			exit(2);
		}
		if (pfd.revents & POLLERR) {
			int err = 0;
			socklen_t len = sizeof(err);

			getsockopt(sock, SOL_SOCKET, SO_ERROR, &err, &len);
			sys_fail("poll POLLERR", err ? err : EIO);
		}
		if (pfd.revents & (POLLIN | POLLHUP) && !rd_done) {
			ssize_t n = recv(sock, rbuf, sizeof(rbuf), 0);

			if (n < 0 && errno != EAGAIN)
				sys_fail("recv", errno);
			if (n == 0)
				rd_done = true;
			if (n > 0) {
				interop_sha256_update(&rsha, rbuf, n);
				if (out >= 0 && write(out, rbuf, n) != n)
					die("write %s: %s", opt.out_file,
					    strerror(errno));
				rcvd += n;
				if (opt.close_after >= 0 &&
				    rcvd >= (unsigned long long)opt.close_after)
					break;
			}
		}
		if (pfd.revents & POLLOUT && may_write) {
			/* Keep writing until the socket pushes back. */
			while (src.done < src.total && source_send(&src, sock))
				;
			if (src.done == src.total) {
				if (shutdown(sock, SHUT_WR))
					sys_fail("shutdown", errno);
				wr_done = true;
			}
		}
	}

	interop_sha256_final(&src.sha, hex);
	printf("sent %llu %s\n", src.done, hex);
	interop_sha256_final(&rsha, hex);
	printf("recv %llu %s\n", rcvd, hex);
	printf("time_ms %llu\n", now_ms() - t0);
	fflush(stdout);
	if (out >= 0)
		close(out);
	source_close(&src);
	return 0;
}

static void close_sock(int fd)
{
	if (opt.linger0) {
		struct linger l = { .l_onoff = 1, .l_linger = 0 };

		if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)))
			sys_fail("setsockopt SO_LINGER", errno);
	}
	if (close(fd))
		sys_fail("close", errno);
}

static void print_local_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (getsockname(fd, (struct sockaddr *)&sin, &len))
		sys_fail("getsockname", errno);
	printf("local_port %u\n", ntohs(sin.sin_port));
}

static void check_peer_family(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	/* The endpoint is TCP/IPv4 whatever the socket's family. */
	if (getpeername(fd, (struct sockaddr *)&sin, &len))
		sys_fail("getpeername", errno);
	if (sin.sin_family != AF_INET || len != sizeof(sin))
		die("getpeername reported family %d len %u, expected AF_INET",
		    sin.sin_family, len);
}

static int run_server(void)
{
	struct sockaddr_in sin;
	int lfd, i, ret = 0;

	fill_addr(&sin, opt.host, opt.port);
	lfd = new_socket();
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)))
		sys_fail("bind", errno);
	if (listen(lfd, opt.backlog))
		sys_fail("listen", errno);
	if (opt.ready_file) {
		int fd = open(opt.ready_file, O_WRONLY | O_CREAT | O_TRUNC,
			      0644);

		if (fd < 0)
			die("open %s: %s", opt.ready_file, strerror(errno));
		close(fd);
	}

	if (opt.accept_delay_s)
		sleep(opt.accept_delay_s);

	for (i = 0; i < opt.iterations && !ret; i++) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };
		int fd, r;

		r = poll(&pfd, 1, opt.timeout_s * 1000);
		if (r < 0)
			sys_fail("poll", errno);
		if (!r) {
			fprintf(stderr, "%s: no connection within %d s\n",
				progname, opt.timeout_s);
			exit(2);
		}
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			sys_fail("accept", errno);
		check_peer_family(fd);
		ret = copy_io(fd);
		close_sock(fd);
	}
	close(lfd);
	return ret;
}

static int run_client(void)
{
	struct sockaddr_in sin;
	int i, ret = 0;

	fill_addr(&sin, opt.host, opt.port);
	for (i = 0; i < opt.iterations && !ret; i++) {
		int fd = new_socket();

		if (opt.syncnt &&
		    setsockopt(fd, IPPROTO_TCP, TCP_SYNCNT, &opt.syncnt,
			       sizeof(opt.syncnt)))
			sys_fail("setsockopt TCP_SYNCNT", errno);
		if (opt.local_port) {
			struct sockaddr_in me;

			fill_addr(&me, "0.0.0.0", opt.local_port);
			if (bind(fd, (struct sockaddr *)&me, sizeof(me)))
				sys_fail("bind", errno);
		}
		connect_t0 = now_ms();
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
			sys_fail("connect", errno);
		printf("connect_ms %llu\n", now_ms() - connect_t0);
		connect_t0 = 0;
		print_local_port(fd);
		check_peer_family(fd);
		if (opt.connect_only) {
			printf("connected\n");
			fflush(stdout);
		} else {
			ret = copy_io(fd);
		}
		close_sock(fd);
	}
	return ret;
}

static void print_help(void)
{
	fprintf(stderr,
		"usage: %s [-l] [-s XTCP|TCP] [-A] [-m poll|sendfile] [-p port]\n"
		"       [-i file | -n bytes] [-r seed] [-c max_chunk] [-o file]\n"
		"       [-t secs] [-S sndbuf] [-R rcvbuf] [-I iterations]\n"
		"       [-Y syncnt] [-B local_port] [-u] [-L] [-H] [-f bytes]\n"
		"       [-b backlog] [-a secs] [-C] [-P ready_file]\n"
		"       [-E ERRNO[,ERRNO]] [addr]\n"
		"  -l  listen on addr:port (server); else connect to it\n"
		"  -s  socket family for this side (XTCP = AF_XTCP)\n"
		"  -A  put AF_XTCP (not AF_INET) in sin_family for XTCP\n"
		"  -m  poll: non-blocking send/recv of random 1..max_chunk writes;\n"
		"      sendfile: sendfile() from the input (memfd for -n)\n"
		"  -n  send this many PRNG bytes (K/M/G suffixes), seed -r\n"
		"  -t  fail (exit 2) after this many seconds without progress\n"
		"  -I  connect/transfer/close this many times\n"
		"  -Y  TCP_SYNCNT; -B bind the client to this port; -u SO_REUSEADDR\n"
		"  -L  close with SO_LINGER {1, 0} (RST)\n"
		"  -H  send only after the peer's FIN (half-close)\n"
		"  -f  close after receiving this many bytes\n"
		"  -b  listen backlog; -a wait this long before accepting\n"
		"  -C  client: connect, print \"connected\", close\n"
		"  -P  create this file once listening\n"
		"  -E  exit 0 iff a syscall fails with one of these errnos\n",
		progname);
	exit(1);
}

int main(int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "ls:Am:p:i:n:r:c:o:t:S:R:I:Y:B:uLHf:b:P:E:a:C")) != -1) {
		switch (c) {
		case 'l':
			opt.listen = true;
			break;
		case 's':
			if (!strcasecmp(optarg, "XTCP"))
				opt.xtcp = true;
			else if (!strcasecmp(optarg, "TCP"))
				opt.xtcp = false;
			else
				print_help();
			break;
		case 'A':
			opt.xtcp_addr = true;
			break;
		case 'm':
			if (!strcmp(optarg, "poll"))
				opt.mode = MODE_POLL;
			else if (!strcmp(optarg, "sendfile"))
				opt.mode = MODE_SENDFILE;
			else
				print_help();
			break;
		case 'p':
			opt.port = atoi(optarg);
			break;
		case 'i':
			opt.in_file = optarg;
			break;
		case 'n':
			opt.nbytes = parse_size(optarg);
			break;
		case 'r':
			opt.seed = strtoull(optarg, NULL, 0);
			break;
		case 'c':
			opt.max_chunk = parse_size(optarg);
			if (!opt.max_chunk || opt.max_chunk > 64 * MAX_CHUNK)
				print_help();
			break;
		case 'o':
			opt.out_file = optarg;
			break;
		case 't':
			opt.timeout_s = atoi(optarg);
			break;
		case 'S':
			opt.sndbuf = parse_size(optarg);
			break;
		case 'R':
			opt.rcvbuf = parse_size(optarg);
			break;
		case 'I':
			opt.iterations = atoi(optarg);
			break;
		case 'Y':
			opt.syncnt = atoi(optarg);
			break;
		case 'B':
			opt.local_port = atoi(optarg);
			break;
		case 'u':
			opt.reuseaddr = true;
			break;
		case 'L':
			opt.linger0 = true;
			break;
		case 'H':
			opt.reply_after_eof = true;
			break;
		case 'f':
			opt.close_after = parse_size(optarg);
			break;
		case 'b':
			opt.backlog = atoi(optarg);
			break;
		case 'P':
			opt.ready_file = optarg;
			break;
		case 'E':
			opt.expect_err = optarg;
			break;
		case 'a':
			opt.accept_delay_s = atoi(optarg);
			break;
		case 'C':
			opt.connect_only = true;
			break;
		default:
			print_help();
		}
	}
	if (optind < argc)
		opt.host = argv[optind++];
	if (optind != argc || opt.timeout_s <= 0 || opt.iterations <= 0)
		print_help();
	if (opt.in_file && opt.nbytes)
		die("-i and -n are exclusive");

	/* Errors come back as EPIPE from send(MSG_NOSIGNAL); no SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);

	if (opt.listen ? run_server() : run_client())
		return 1;
	/* An expected error that never came is a failure. */
	if (opt.expect_err) {
		fprintf(stderr, "%s: expected %s, but everything succeeded\n",
			progname, opt.expect_err);
		return 1;
	}
	return 0;
}
