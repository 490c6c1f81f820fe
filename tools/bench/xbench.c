// SPDX-License-Identifier: GPL-2.0
/*
 * xbench: load generator comparing an AF_XTCP sender with a Linux TCP
 * sender against the same Linux TCP receiver.
 *
 *   xbench -l [-B ADDR] [-p PORT]
 *	the receiver: an AF_INET server that serves every mode, one thread
 *	per connection, until killed (PORT, and PORT+1 for cc).
 *   xbench -m bulk|rr|crr|cc -s XTCP|TCP[,...] -H HOST [-p PORT] [-x REPS] [-I] [...]
 *	the sender (client); prints one line of key=value results per run.
 *	With several senders and -x, one process runs every repetition of
 *	both, interleaved and alternating which goes first (repetition k of
 *	each saw the same moment of a noisy machine), and no run pays for a
 *	process start. -I (rr, crr, cc): within each repetition the senders
 *	take turns, one transaction each, and each prints its own line (il=1)
 *	of rate and latencies, without CPU figures.
 *
 * Each connection starts with a struct xb_hello naming the mode and the
 * transaction sizes, so one server serves every test of a run:
 *   bulk: the client writes for -t seconds (or -n bytes) in -w byte
 *	writes on -P connections, then shuts down its send side; the server
 *	answers with the byte count it received. Throughput is that count
 *	over the time until the answer arrived, so bytes still queued in the
 *	sender when the clock stops are not counted as sent. A count that
 *	differs from what the client wrote is an error.
 *   rr: -r byte requests, -R byte responses, one in flight, per-transaction
 *	latency recorded; rate and percentiles are printed.
 *   crr: per transaction a new connection: connect, request (the hello
 *	itself, 16 bytes: one write each way), response, and
 *	the server closes first (so TIME_WAIT sits on the receiver, the same
 *	for both senders, and the client never runs out of ports).
 *   cc: connection setup alone: connect to PORT+1, where the server
 *	accepts and closes at once; the client waits for that FIN, closes.
 *
 * CPU cost: getrusage() of the client (all its threads), the software
 * counters perf stat reads (task-clock, context switches, migrations, page
 * faults, through perf_event_open, inherited by the stream threads), and
 * the busy time of the whole machine (the receiver and softirq work are
 * the same for both senders, so a difference is the sender's). That is
 * the CPUs' time less their idle time: /proc/stat's idle (and iowait)
 * are measured at each idle entry and exit (nohz), while its user,
 * system and softirq times are whole 4 ms ticks charged to whatever
 * the CPU was doing when the tick came (no nohz_full CPU, no
 * IRQ_TIME_ACCOUNTING in Debian's kernel), a sample that a workload of
 * short busy bursts and idle gaps skews: identical rr_4K runs differed
 * by 20% under it. machine_busy_tick_s keeps that sum for comparison.
 *
 * Why a figure moved: every run also reports what its sockets sent
 * (TCP_INFO read just before close, summed over the run's connections:
 * retrans=tcpi_total_retrans, segs_out, data_segs_out) and what the
 * sender namespace's devices transmitted over the run (dev_tx_pkts,
 * dev_tx_bytes: /proc/self/net/dev, loopback alone when the peer is on
 * 127/8, every other device otherwise). On veth a GSO skb is one packet,
 * on igb each wire frame is; over lo the receiver's ACKs count too. A
 * counter that cannot be read is reported "na".
 *
 * Exit status: 0 ok, 1 error (message on stderr), 2 usage, 3 deadline.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/perf_event.h>
#include <linux/tcp.h>
#include <linux/types.h>
#include <linux/xtcp.h>

#define XB_MAGIC	0x78626e31	/* "xbn1" */
#define XB_MAX_STREAMS	64
#define XB_MAX_MSG	(64 << 20)
#define XB_SRV_TIMEOUT	30		/* seconds a server thread waits */
#define XB_SLACK	30		/* seconds past -t before giving up */
#define XB_MAX_SENDERS	4

enum xb_mode { XB_BULK = 1, XB_RR, XB_CRR, XB_CC };

/* The first bytes of every connection; network byte order. */
struct xb_hello {
	__u32 magic;
	__u32 mode;
	__u32 req;
	__u32 resp;
};

static struct {
	bool listen;
	enum xb_mode mode;
	bool xtcp[XB_MAX_SENDERS];
	int nsenders;
	int reps;
	const char *host;
	const char *bind_addr;
	int port;
	double secs;
	__u64 nbytes;
	int streams;
	size_t wsize;
	__u32 req, resp;
	const char *cong;
	bool set_nodelay;
	bool interleave;
} opt = {
	.host = "127.0.0.1",
	.port = 5201,
	.secs = 3,
	.streams = 1,
	.reps = 1,
	.wsize = 64 << 10,
	.req = 1,
	.resp = 1,
};

static atomic_int stop;		/* ends the current run */
static atomic_int quit;		/* SIGINT/SIGTERM: ends every run */
static struct sockaddr_in peer;

/* The run in progress: its sender and repetition, named in errors. */
static struct {
	bool xtcp;
	int family;
	int rep;
} cur = { .rep = -1 };

static const char *sender_name(void)
{
	return cur.xtcp ? "XTCP" : "TCP";
}

static int xtcp_fam;		/* AF_XTCP's number, when a sender uses it */

/* Sender i of -s runs next. */
static void set_sender(int i)
{
	cur.xtcp = opt.xtcp[i];
	cur.family = cur.xtcp ? xtcp_fam : AF_INET;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("xbench: ", stderr);
	if (cur.rep >= 0)
		fprintf(stderr, "[sender=%s rep=%d] ", sender_name(), cur.rep);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Full read: the byte count, 0 on EOF before any byte, -1 on error. */
static ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += n;
	}
	return got;
}

static int write_full(int fd, const void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = write(fd, (const char *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		done += n;
	}
	return 0;
}

static void set_timeouts(int fd, int secs)
{
	struct timeval tv = { .tv_sec = secs };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static void set_nodelay(int fd)
{
	int one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		die("setsockopt(TCP_NODELAY): %s", strerror(errno));
}

/* ------------------------------------------------------------------ */
/* Receiver                                                            */

static void serve_bulk(int fd, char *buf, size_t bufsz)
{
	__u64 total = 0, be;
	ssize_t n;

	for (;;) {
		n = read(fd, buf, bufsz);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += n;
	}
	if (n < 0)
		return;		/* the client sees no count: an error there */
	be = htobe64(total);
	write_full(fd, &be, sizeof(be));
}

static void serve_rr(int fd, char *buf, __u32 req, __u32 resp)
{
	ssize_t n;

	for (;;) {
		n = read_full(fd, buf, req);
		if (n != (ssize_t)req)
			return;
		if (write_full(fd, buf, resp))
			return;
	}
}

static void *serve_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	struct xb_hello h;
	size_t bufsz;
	char *buf;

	set_timeouts(fd, XB_SRV_TIMEOUT);
	if (read_full(fd, &h, sizeof(h)) != sizeof(h) ||
	    ntohl(h.magic) != XB_MAGIC)
		goto out;
	h.mode = ntohl(h.mode);
	h.req = ntohl(h.req);
	h.resp = ntohl(h.resp);
	if (h.req > XB_MAX_MSG || h.resp > XB_MAX_MSG)
		goto out;
	bufsz = h.req > h.resp ? h.req : h.resp;
	/* bulk reads in big gulps; a lean crr server dilutes no ratio */
	if (h.mode == XB_BULK)
		bufsz = 1 << 20;
	buf = calloc(1, bufsz);
	if (!buf)
		goto out;
	if (h.mode != XB_BULK)
		set_nodelay(fd);
	switch (h.mode) {
	case XB_BULK:
		serve_bulk(fd, buf, bufsz);
		break;
	case XB_RR:
		serve_rr(fd, buf, h.req, h.resp);
		break;
	case XB_CRR:
		/* the hello was the request */
		write_full(fd, buf, h.resp);
		break;
	}
	free(buf);
out:
	close(fd);
	return NULL;
}

/* PORT+1: accept and close, for the connection setup rate (cc). */
static void *cc_acceptor(void *arg)
{
	int lfd = (int)(intptr_t)arg, fd;

	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd >= 0)
			close(fd);
		else if (errno != EINTR && errno != ECONNABORTED &&
			 errno != EMFILE && errno != ENFILE)
			die("accept (cc): %s", strerror(errno));
	}
	return NULL;
}

static int server_listen(const struct sockaddr_in *a)
{
	int one = 1, lfd;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (const struct sockaddr *)a, sizeof(*a)))
		die("bind port %d: %s", ntohs(a->sin_port), strerror(errno));
	if (listen(lfd, 1024))
		die("listen: %s", strerror(errno));
	return lfd;
}

static void run_server(void)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET,
		.sin_port = htons(opt.port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	pthread_attr_t attr;
	pthread_t th;
	int lfd, cfd, fd;

	if (opt.bind_addr && inet_pton(AF_INET, opt.bind_addr, &a.sin_addr) != 1)
		die("bad address %s", opt.bind_addr);
	lfd = server_listen(&a);
	a.sin_port = htons(opt.port + 1);
	cfd = server_listen(&a);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 << 10);
	if (pthread_create(&th, &attr, cc_acceptor, (void *)(intptr_t)cfd))
		die("pthread_create failed");
	/* Tell the script we are ready only once the port is listening. */
	printf("listening %d %d\n", opt.port, opt.port + 1);
	fflush(stdout);
	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED ||
			    errno == EMFILE || errno == ENFILE)
				continue;
			die("accept: %s", strerror(errno));
		}
		if (pthread_create(&th, &attr, serve_conn, (void *)(intptr_t)fd))
			close(fd);
	}
}

/* ------------------------------------------------------------------ */
/* Sender                                                              */

static int xtcp_family(void)
{
	FILE *f = fopen(XTCP_FAMILY_PARAM_PATH, "r");
	int v = 0;

	if (!f)
		die("AF_XTCP: %s: %s (is xtcp.ko loaded?)",
		    XTCP_FAMILY_PARAM_PATH, strerror(errno));
	if (fscanf(f, "%d", &v) != 1 || v <= 0)
		die("AF_XTCP: cannot parse %s", XTCP_FAMILY_PARAM_PATH);
	fclose(f);
	return v;
}

static int client_socket(void)
{
	int fd = socket(cur.family, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket(%s): %s", cur.xtcp ? "AF_XTCP" : "AF_INET",
		    strerror(errno));
	if (opt.cong && setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, opt.cong,
				   strlen(opt.cong)))
		die("setsockopt(TCP_CONGESTION, %s): %s", opt.cong,
		    strerror(errno));
	if (opt.set_nodelay)
		set_nodelay(fd);
	return fd;
}

static int client_connect(__u32 mode, __u32 req, __u32 resp)
{
	struct xb_hello h = {
		.magic = htonl(XB_MAGIC),
		.mode = htonl(mode),
		.req = htonl(req),
		.resp = htonl(resp),
	};
	int fd = client_socket();

	if (connect(fd, (struct sockaddr *)&peer, sizeof(peer)))
		die("connect %s:%d: %s", opt.host, opt.port, strerror(errno));
	if (write_full(fd, &h, sizeof(h)))
		die("write hello: %s", strerror(errno));
	return fd;
}

/* perf stat's software counters, for this process and its threads. */
static const struct {
	__u64 config;
	const char *name;
	double scale;
} sw_events[] = {
	{ PERF_COUNT_SW_TASK_CLOCK, "sw_task_clock_ms", 1e6 },
	{ PERF_COUNT_SW_CONTEXT_SWITCHES, "sw_cs", 1 },
	{ PERF_COUNT_SW_CPU_MIGRATIONS, "sw_migrations", 1 },
	{ PERF_COUNT_SW_PAGE_FAULTS, "sw_faults", 1 },
};

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif
#define XB_NR_SW	ARRAY_SIZE(sw_events)

static int sw_fd[XB_NR_SW];

/* Open (and so start) the counters; one that cannot open is reported "na". */
static void sw_start(void)
{
	struct perf_event_attr attr;
	size_t i;

	for (i = 0; i < XB_NR_SW; i++) {
		memset(&attr, 0, sizeof(attr));
		attr.type = PERF_TYPE_SOFTWARE;
		attr.size = sizeof(attr);
		attr.config = sw_events[i].config;
		/* threads created later (the bulk streams) count too */
		attr.inherit = 1;
		sw_fd[i] = syscall(__NR_perf_event_open, &attr, 0, -1, -1,
				   PERF_FLAG_FD_CLOEXEC);
	}
}

/* Stop, print and close. Exited threads' counts are folded in by then. */
static void sw_stop_print(void)
{
	__u64 v;
	size_t i;

	for (i = 0; i < XB_NR_SW; i++) {
		if (sw_fd[i] < 0) {
			printf(" %s=na", sw_events[i].name);
			continue;
		}
		ioctl(sw_fd[i], PERF_EVENT_IOC_DISABLE, 0);
		if (read(sw_fd[i], &v, sizeof(v)) == sizeof(v))
			printf(" %s=%.*f", sw_events[i].name,
			       sw_events[i].scale > 1 ? 2 : 0,
			       v / sw_events[i].scale);
		else
			printf(" %s=na", sw_events[i].name);
		close(sw_fd[i]);
	}
}

struct cpu_snap {
	struct rusage ru;
	double busy, total;	/* /proc/stat, seconds over all CPUs */
	double idle;		/* idle + iowait, of those (nohz: exact) */
	double t;
};

static void cpu_snap(struct cpu_snap *s)
{
	unsigned long long v[10] = { 0 };
	double hz = sysconf(_SC_CLK_TCK);
	FILE *f;
	int i;

	getrusage(RUSAGE_SELF, &s->ru);
	s->busy = 0;
	s->total = 0;
	s->idle = 0;
	f = fopen("/proc/stat", "r");
	if (f) {
		if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7]) == 8) {
			/* user nice system idle iowait irq softirq steal */
			for (i = 0; i < 8; i++)
				s->total += v[i] / hz;
			s->idle = (v[3] + v[4]) / hz;
			s->busy = s->total - s->idle;
		}
		fclose(f);
	}
	s->t = now();
}

static double tv_s(const struct timeval *tv)
{
	return tv->tv_sec + tv->tv_usec / 1e6;
}

static void print_cpu(const struct cpu_snap *a, const struct cpu_snap *b)
{
	double total = sysconf(_SC_NPROCESSORS_ONLN) * (b->t - a->t);
	/* idle counts in 10 ms units: a nearly idle machine may come out
	 * a little below zero
	 */
	double busy = total - (b->idle - a->idle);

	printf(" cpu_user_s=%.4f cpu_sys_s=%.4f",
	       tv_s(&b->ru.ru_utime) - tv_s(&a->ru.ru_utime),
	       tv_s(&b->ru.ru_stime) - tv_s(&a->ru.ru_stime));
	printf(" machine_busy_s=%.3f machine_total_s=%.3f machine_busy_tick_s=%.3f",
	       busy > 0 ? busy : 0, total, b->busy - a->busy);
}

/* What the run's sockets sent, summed over its connections. */
struct sock_tally {
	__u64 retrans;		/* tcpi_total_retrans */
	__u64 segs_out;
	__u64 data_segs_out;
	bool na;		/* some socket's TCP_INFO could not be read */
};

#define XB_TI_NEED	(offsetof(struct tcp_info, tcpi_data_segs_out) + \
			 sizeof(((struct tcp_info *)0)->tcpi_data_segs_out))

/* Add one socket's totals: call it just before the socket is closed. */
static void tally_sock(struct sock_tally *t, int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) ||
	    len < XB_TI_NEED) {
		t->na = true;
		return;
	}
	t->retrans += ti.tcpi_total_retrans;
	t->segs_out += ti.tcpi_segs_out;
	t->data_segs_out += ti.tcpi_data_segs_out;
}

/* The sender namespace's transmit counters (both senders share it and
 * runs are sequential, so a delta belongs to the run).
 */
struct dev_snap {
	__u64 pkts, bytes;
	bool ok;
};

static void dev_snap(struct dev_snap *d)
{
	/* over loopback the run's packets go there and nowhere else */
	bool lo_only = (ntohl(peer.sin_addr.s_addr) >> 24) == 127;
	unsigned long long v[10];
	char line[512], *colon, *name;
	FILE *f;

	d->pkts = 0;
	d->bytes = 0;
	d->ok = false;
	f = fopen("/proc/self/net/dev", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		colon = strchr(line, ':');
		if (!colon)
			continue;	/* the two heading lines */
		*colon = '\0';
		name = line + strspn(line, " ");
		if (lo_only != !strcmp(name, "lo"))
			continue;
		/* rx: bytes packets errs drop fifo frame compressed
		 * multicast; tx: bytes packets ...
		 */
		if (sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7], &v[8], &v[9]) != 10)
			goto out;
		d->bytes += v[8];
		d->pkts += v[9];
	}
	d->ok = true;
out:
	fclose(f);
}

static void print_why(const struct sock_tally *t, const struct dev_snap *a,
		      const struct dev_snap *b)
{
	if (t->na)
		printf(" retrans=na segs_out=na data_segs_out=na");
	else
		printf(" retrans=%llu segs_out=%llu data_segs_out=%llu",
		       (unsigned long long)t->retrans,
		       (unsigned long long)t->segs_out,
		       (unsigned long long)t->data_segs_out);
	if (a && b && a->ok && b->ok)
		printf(" dev_tx_pkts=%llu dev_tx_bytes=%llu",
		       (unsigned long long)(b->pkts - a->pkts),
		       (unsigned long long)(b->bytes - a->bytes));
	else
		printf(" dev_tx_pkts=na dev_tx_bytes=na");
}

/* bulk ---------------------------------------------------------------- */

struct bulk_stream {
	pthread_t th;
	int fd;
	__u64 sent;		/* what write() accepted */
	__u64 acked;		/* what the receiver counted */
	double t_done;
	const char *err;
	int err_no;
	__u64 limit;		/* -n: this stream's share; 0: run for -t */
};

static pthread_barrier_t start_barrier;
static double t_start;

static void *bulk_thread(void *arg)
{
	struct bulk_stream *s = arg;
	__u64 limit = s->limit, be;
	char *buf = malloc(opt.wsize);
	size_t len;
	ssize_t n;

	if (!buf)
		die("out of memory");
	/* fault every page in before the clock starts */
	for (len = 0; len < opt.wsize; len++)
		buf[len] = (char)(len * 131 + 7);
	pthread_barrier_wait(&start_barrier);
	while (!stop && (!limit || s->sent < limit)) {
		len = opt.wsize;
		if (limit && limit - s->sent < len)
			len = limit - s->sent;
		n = write(s->fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			s->err = "write";
			s->err_no = errno;
			goto out;
		}
		s->sent += n;
	}
	if (shutdown(s->fd, SHUT_WR)) {
		s->err = "shutdown";
		s->err_no = errno;
		goto out;
	}
	n = read_full(s->fd, &be, sizeof(be));
	if (n != sizeof(be)) {
		s->err = "read byte count";
		s->err_no = n < 0 ? errno : EPIPE;
		goto out;
	}
	s->acked = be64toh(be);
	s->t_done = now();
out:
	free(buf);
	return NULL;
}

static int run_bulk(void)
{
	struct bulk_stream st[XB_MAX_STREAMS] = { 0 };
	struct sock_tally tally = { 0 };
	__u64 sent = 0, acked = 0;
	struct dev_snap d0, d1;
	struct cpu_snap c0, c1;
	double t_end = 0, el;
	int i, bad = 0;

	for (i = 0; i < opt.streams; i++) {
		st[i].fd = client_connect(XB_BULK, 0, 0);
		/* -n splits exactly: the first streams take the remainder */
		st[i].limit = opt.nbytes / opt.streams +
			      ((__u64)i < opt.nbytes % opt.streams);
	}
	pthread_barrier_init(&start_barrier, NULL, opt.streams + 1);
	sw_start();
	for (i = 0; i < opt.streams; i++)
		if (pthread_create(&st[i].th, NULL, bulk_thread, &st[i]))
			die("pthread_create failed");
	dev_snap(&d0);
	cpu_snap(&c0);
	t_start = c0.t;
	pthread_barrier_wait(&start_barrier);
	if (!opt.nbytes) {
		/* usleep may wake early on a signal; sleep until due */
		while (!stop && !quit && now() < t_start + opt.secs)
			usleep(20000);
		stop = 1;
	}
	for (i = 0; i < opt.streams; i++)
		pthread_join(st[i].th, NULL);
	cpu_snap(&c1);
	dev_snap(&d1);
	pthread_barrier_destroy(&start_barrier);
	for (i = 0; i < opt.streams; i++) {
		if (st[i].err) {
			fprintf(stderr, "xbench: [sender=%s rep=%d] stream %d: %s: %s\n",
				sender_name(), cur.rep, i, st[i].err,
				strerror(st[i].err_no));
			bad = 1;
			continue;
		}
		if (st[i].acked != st[i].sent) {
			fprintf(stderr,
				"xbench: [sender=%s rep=%d] stream %d: wrote %llu, receiver counted %llu\n",
				sender_name(), cur.rep, i, (unsigned long long)st[i].sent,
				(unsigned long long)st[i].acked);
			bad = 1;
		}
		sent += st[i].sent;
		acked += st[i].acked;
		if (st[i].t_done > t_end)
			t_end = st[i].t_done;
		tally_sock(&tally, st[i].fd);
		close(st[i].fd);
	}
	if (bad)
		return 1;
	el = t_end - t_start;
	printf("mode=bulk sender=%s rep=%d streams=%d wsize=%zu secs=%.4f bytes=%llu mbps=%.2f",
	       sender_name(), cur.rep, opt.streams, opt.wsize, el,
	       (unsigned long long)acked, acked * 8 / el / 1e6);
	print_cpu(&c0, &c1);
	sw_stop_print();
	print_why(&tally, &d0, &d1);
	printf("\n");
	fflush(stdout);
	return 0;
}

/* rr / crr ------------------------------------------------------------ */

struct samples {
	__u64 *v;
	size_t n, cap;
};

static void sample_add(struct samples *s, __u64 ns)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 65536;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (!s->v)
			die("out of memory");
	}
	s->v[s->n++] = ns;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array, in microseconds. */
static double pct_us(const struct samples *s, double p)
{
	size_t k = (size_t)(p * s->n + 0.999999);

	if (k < 1)
		k = 1;
	if (k > s->n)
		k = s->n;
	return s->v[k - 1] / 1e3;
}

/* One connection setup: connect, the server's FIN, close. */
static void cc_once(char *buf, struct sock_tally *tally)
{
	struct sockaddr_in a = peer;
	int fd = client_socket();
	ssize_t n;

	a.sin_port = htons(opt.port + 1);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
		die("connect %s:%d: %s", opt.host, opt.port + 1, strerror(errno));
	n = read(fd, buf, 1);
	if (n != 0)
		die("cc: expected EOF, got %zd (%s)", n,
		    n < 0 ? strerror(errno) : "data");
	tally_sock(tally, fd);
	close(fd);
}

static void rr_once(int fd, char *buf, bool crr)
{
	ssize_t n;

	if (!crr && write_full(fd, buf, opt.req))
		die("write request: %s", strerror(errno));
	n = read_full(fd, buf, opt.resp);
	if (n != (ssize_t)opt.resp)
		die("read response: %s", n < 0 ? strerror(errno) :
		    "connection closed early");
	if (crr) {
		/* the server closes first: wait for its FIN */
		n = read(fd, buf, 1);
		if (n != 0)
			die("crr: expected EOF, got %zd (%s)", n,
			    n < 0 ? strerror(errno) : "data");
	}
}

static const char *mode_name(enum xb_mode m)
{
	switch (m) {
	case XB_BULK:
		return "bulk";
	case XB_RR:
		return "rr";
	case XB_CRR:
		return "crr";
	default:
		return "cc";
	}
}

/* One transaction of mode m; fd is rr's connection (the others open their
 * own). Connections closed here are tallied.
 */
static void trans_once(enum xb_mode m, int fd, char *buf,
		       struct sock_tally *tally)
{
	if (m == XB_CRR) {
		fd = client_connect(XB_CRR, opt.req, opt.resp);
		rr_once(fd, buf, true);
		tally_sock(tally, fd);
		close(fd);
	} else if (m == XB_RR) {
		rr_once(fd, buf, false);
	} else {
		cc_once(buf, tally);
	}
}

/* The head of a transaction run's line: rate over el seconds, percentiles. */
static void print_trans(enum xb_mode m, struct samples *s, double el)
{
	qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
	printf("mode=%s sender=%s rep=%d req=%u resp=%u secs=%.4f trans=%zu rate=%.1f",
	       mode_name(m), sender_name(), cur.rep,
	       m == XB_CC ? 0 : m == XB_CRR ? (__u32)sizeof(struct xb_hello) : opt.req,
	       m == XB_CC ? 0 : opt.resp,
	       el, s->n, s->n / el);
	printf(" p50_us=%.1f p90_us=%.1f p99_us=%.1f max_us=%.1f",
	       pct_us(s, 0.50), pct_us(s, 0.90), pct_us(s, 0.99),
	       s->v[s->n - 1] / 1e3);
}

/* rr, crr and cc: transactions, one at a time, each timed. */
static int run_trans(enum xb_mode m)
{
	size_t bufsz = opt.req > opt.resp ? opt.req : opt.resp;
	struct sock_tally tally = { 0 };
	struct samples s = { 0 };
	struct dev_snap d0, d1;
	struct cpu_snap c0, c1;
	__u64 t0;
	char *buf;
	int fd = -1;

	buf = calloc(1, bufsz);
	if (!buf)
		die("out of memory");
	if (m == XB_RR)
		fd = client_connect(XB_RR, opt.req, opt.resp);
	sw_start();
	dev_snap(&d0);
	cpu_snap(&c0);
	while (!quit && now() < c0.t + opt.secs) {
		t0 = now_ns();
		trans_once(m, fd, buf, &tally);
		sample_add(&s, now_ns() - t0);
	}
	cpu_snap(&c1);
	dev_snap(&d1);
	if (m == XB_RR) {
		tally_sock(&tally, fd);
		close(fd);
	}
	if (!s.n)
		die("no transaction completed");
	print_trans(m, &s, c1.t - c0.t);
	print_cpu(&c0, &c1);
	sw_stop_print();
	print_why(&tally, &d0, &d1);
	printf("\n");
	fflush(stdout);
	free(s.v);
	free(buf);
	return 0;
}

/*
 * -I: the senders take turns, one transaction each, for -t seconds (the
 * order reversed every other turn), so both see the same moments of a
 * noisy machine at the scale of a transaction, not of a run. One line per
 * sender, il=1: its rate is its transactions over the time they took.
 * The CPU and device counters are the machine's and cannot be split
 * between the senders: the line has none (run without -I for them).
 */
static int run_trans_il(enum xb_mode m)
{
	size_t bufsz = opt.req > opt.resp ? opt.req : opt.resp;
	struct sock_tally tally[XB_MAX_SENDERS] = { 0 };
	struct samples s[XB_MAX_SENDERS] = { 0 };
	__u64 spent[XB_MAX_SENDERS] = { 0 };
	int fd[XB_MAX_SENDERS];
	int n = opt.nsenders, i, k;
	double t_end;
	char *buf;
	__u64 t0;
	long j;

	buf = calloc(1, bufsz);
	if (!buf)
		die("out of memory");
	for (i = 0; i < n; i++) {
		set_sender(i);
		fd[i] = m == XB_RR ? client_connect(XB_RR, opt.req, opt.resp) : -1;
	}
	t_end = now() + opt.secs;
	for (j = 0; !quit && now() < t_end; j++) {
		for (k = 0; k < n; k++) {
			i = j & 1 ? n - 1 - k : k;
			set_sender(i);
			t0 = now_ns();
			trans_once(m, fd[i], buf, &tally[i]);
			t0 = now_ns() - t0;
			sample_add(&s[i], t0);
			spent[i] += t0;
		}
	}
	for (i = 0; i < n; i++) {
		set_sender(i);
		if (fd[i] >= 0) {
			tally_sock(&tally[i], fd[i]);
			close(fd[i]);
		}
		if (!s[i].n)
			die("no transaction completed");
		print_trans(m, &s[i], spent[i] / 1e9);
		printf(" il=1");
		print_why(&tally[i], NULL, NULL);
		printf("\n");
		free(s[i].v);
	}
	fflush(stdout);
	free(buf);
	return 0;
}

/* ------------------------------------------------------------------ */

static char alarm_msg[128];

static void on_alarm(int sig)
{
	(void)sig;
	if (write(2, alarm_msg, strlen(alarm_msg)) < 0)
		_exit(3);
	_exit(3);
}

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
	quit = 1;
}

static __u64 parse_size(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v < 0)
		die("bad size '%s'", s);
	switch (*end) {
	case 'k': case 'K':
		v *= 1024;
		break;
	case 'm': case 'M':
		v *= 1024 * 1024;
		break;
	case 'g': case 'G':
		v *= 1024.0 * 1024 * 1024;
		break;
	case '\0':
		break;
	default:
		die("bad size '%s'", s);
	}
	return (__u64)v;
}

static void help(void)
{
	fprintf(stderr,
		"usage: %s -l [-B ADDR] [-p PORT]\n"
		"       %s -m bulk|rr|crr|cc -s XTCP|TCP[,...] [-x REPS] [-I] [-H HOST]\n"
		"              [-p PORT] [-t SECS] [-n BYTES] [-P STREAMS]\n"
		"              [-w WSIZE] [-r REQ] [-R RESP] [-C CONG] [-D]\n"
		"  -l  receiver (always AF_INET), serves every mode until killed;\n"
		"      PORT for bulk/rr/crr, PORT+1 for cc (accept, close)\n"
		"  -s  the senders' socket families (AF_XTCP or AF_INET), in order\n"
		"  -x  repetitions of every sender, interleaved (default 1)\n"
		"  -I  rr/crr/cc: the senders take turns transaction by transaction\n"
		"      within each repetition; no CPU figures\n"
		"  -t  duration (default 3 s); -n bulk: send exactly BYTES instead\n"
		"  -P  bulk streams (default 1); -w bulk write size (default 64K)\n"
		"  -r/-R  rr request/response size, crr response size (default 1)\n"
		"  -C  TCP_CONGESTION for the sender; -D TCP_NODELAY on bulk too\n"
		"Sizes take K, M, G suffixes (powers of 1024).\n",
		program_invocation_short_name, program_invocation_short_name);
	exit(2);
}

/* -s XTCP|TCP[,XTCP|TCP...] */
static void parse_senders(char *list)
{
	char *tok, *save = NULL;

	opt.nsenders = 0;
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (opt.nsenders == XB_MAX_SENDERS)
			help();
		if (!strcasecmp(tok, "xtcp"))
			opt.xtcp[opt.nsenders++] = true;
		else if (!strcasecmp(tok, "tcp"))
			opt.xtcp[opt.nsenders++] = false;
		else
			help();
	}
}

int main(int argc, char **argv)
{
	int c, rc = 0, i, k, runs;

	while ((c = getopt(argc, argv, "lm:s:x:IH:B:p:t:n:P:w:r:R:C:Dh")) != -1) {
		switch (c) {
		case 'l':
			opt.listen = true;
			break;
		case 'm':
			if (!strcmp(optarg, "bulk"))
				opt.mode = XB_BULK;
			else if (!strcmp(optarg, "rr"))
				opt.mode = XB_RR;
			else if (!strcmp(optarg, "crr"))
				opt.mode = XB_CRR;
			else if (!strcmp(optarg, "cc"))
				opt.mode = XB_CC;
			else
				help();
			break;
		case 's':
			parse_senders(optarg);
			break;
		case 'x':
			opt.reps = atoi(optarg);
			break;
		case 'I':
			opt.interleave = true;
			break;
		case 'H':
			opt.host = optarg;
			break;
		case 'B':
			opt.bind_addr = optarg;
			break;
		case 'p':
			opt.port = atoi(optarg);
			break;
		case 't':
			opt.secs = atof(optarg);
			break;
		case 'n':
			opt.nbytes = parse_size(optarg);
			break;
		case 'P':
			opt.streams = atoi(optarg);
			break;
		case 'w':
			opt.wsize = parse_size(optarg);
			break;
		case 'r':
			opt.req = parse_size(optarg);
			break;
		case 'R':
			opt.resp = parse_size(optarg);
			break;
		case 'C':
			opt.cong = optarg;
			break;
		case 'D':
			opt.set_nodelay = true;
			break;
		default:
			help();
		}
	}
	if (optind != argc || opt.port <= 0 || opt.port > 65534)
		help();
	signal(SIGPIPE, SIG_IGN);
	if (opt.listen)
		run_server();

	if (!opt.mode || !opt.nsenders || opt.reps < 1 || opt.secs <= 0 ||
	    opt.streams < 1 || opt.streams > XB_MAX_STREAMS || !opt.wsize ||
	    opt.wsize > XB_MAX_MSG || !opt.req || !opt.resp ||
	    opt.req > XB_MAX_MSG || opt.resp > XB_MAX_MSG)
		help();
	if (opt.mode == XB_BULK && opt.nbytes && opt.nbytes < (__u64)opt.streams)
		help();
	if (opt.interleave && opt.mode == XB_BULK)
		help();
	peer.sin_family = AF_INET;
	peer.sin_port = htons(opt.port);
	if (inet_pton(AF_INET, opt.host, &peer.sin_addr) != 1)
		die("bad address %s", opt.host);
	for (i = 0; i < opt.nsenders; i++)
		if (opt.xtcp[i])
			xtcp_fam = xtcp_family();
	if (opt.mode != XB_BULK)
		opt.set_nodelay = true;

	signal(SIGALRM, on_alarm);
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);

	/* -I: a run is one repetition of every sender at once */
	runs = opt.interleave ? opt.reps : opt.reps * opt.nsenders;
	for (k = 0; k < runs && !quit && !rc; k++) {
		if (opt.interleave) {
			cur.rep = k;
			set_sender(0);
		} else {
			cur.rep = k / opt.nsenders;
			i = k % opt.nsenders;
			/* odd repetitions run the senders in reverse order */
			if (cur.rep & 1)
				i = opt.nsenders - 1 - i;
			set_sender(i);
		}
		stop = 0;
		/* A hung run must end the process, not the guest's timeout. */
		snprintf(alarm_msg, sizeof(alarm_msg),
			 "xbench: [sender=%s rep=%d] deadline passed, giving up\n",
			 opt.interleave ? "ALL" : sender_name(), cur.rep);
		alarm((unsigned int)(opt.nbytes ? 600 : opt.secs + XB_SLACK));
		if (opt.mode == XB_BULK)
			rc = run_bulk();
		else if (opt.interleave)
			rc = run_trans_il(opt.mode);
		else
			rc = run_trans(opt.mode);
	}
	alarm(0);
	return rc;
}
