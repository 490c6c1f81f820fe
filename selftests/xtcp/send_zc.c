// SPDX-License-Identifier: GPL-2.0
/*
 * Copy avoidance on the send path, AF_XTCP against AF_INET (the oracle,
 * variant "tcp"), to a stock TCP peer in another namespace over veth:
 *
 * - sendfile() and splice() of a 64 MiB file arrive intact, and the
 *   bytes are spliced, not copied: a kretprobe on skb_splice_from_iter
 *   sums the bytes attached by reference, a kprobe on
 *   sk_page_frag_refill (every copy into the socket's page frag starts
 *   there; the iov_iter copy functions themselves are notrace) counts
 *   copies, both filtered to the sending task.
 * - MSG_ZEROCOPY with SO_ZEROCOPY: the data arrives intact, every send
 *   is completed on the error queue exactly once (POLLERR announces
 *   it), with the same SO_EE_CODE_ZEROCOPY_COPIED verdict as AF_INET
 *   gives in the same setup.
 * - MSG_ZEROCOPY without SO_ZEROCOPY copies and notifies nothing;
 *   SO_ZEROCOPY's value check; ENOBUFS when optmem is exhausted.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <linux/errqueue.h>
#include <linux/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <linux/sockios.h>

#include "kselftest_harness.h"
#include "send_zc_peer.h"

#ifndef SO_ZEROCOPY
#define SO_ZEROCOPY 60
#endif
#ifndef MSG_ZEROCOPY
#define MSG_ZEROCOPY 0x4000000
#endif

#define FILE_SIZE	(64ULL << 20)
#define ZC_SIZE		(8ULL << 20)
#define ZC_CHUNK	(128U << 10)
#define ZC_MAX_IDS	1024

#define TRACING		"/sys/kernel/tracing"
#define INSTANCE	TRACING "/instances/xtcp_send_zc"

static int write_file(const char *path, const char *s, int append)
{
	int fd = open(path, O_WRONLY | (append ? O_APPEND : O_TRUNC));
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static const char * const probe_names[] = { "splice", "copy" };

static void probes_remove(void)
{
	char buf[64];
	size_t i;

	rmdir(INSTANCE);
	for (i = 0; i < ARRAY_SIZE(probe_names); i++) {
		snprintf(buf, sizeof(buf), "-:xtcp_send_zc/%s\n", probe_names[i]);
		write_file(TRACING "/kprobe_events", buf, 1);
	}
}

/*
 * A return probe on the function that attaches pages (splice), a probe
 * where the copy path takes room for the bytes it copies, recording into
 * a private instance only for task pid.
 */
static int probes_start(pid_t pid)
{
	static const char * const defs[] = {
		"r:xtcp_send_zc/splice skb_splice_from_iter ret=$retval:s64\n",
		"p:xtcp_send_zc/copy sk_page_frag_refill\n",
	};
	char path[256], filter[64];
	size_t i;

	if (access(TRACING "/kprobe_events", W_OK))
		system("mount -t tracefs nodev " TRACING " 2>/dev/null");
	probes_remove();
	for (i = 0; i < ARRAY_SIZE(defs); i++)
		if (write_file(TRACING "/kprobe_events", defs[i], 1))
			return -1;
	if (mkdir(INSTANCE, 0755) ||
	    write_file(INSTANCE "/buffer_size_kb", "8192", 0))
		return -1;
	snprintf(filter, sizeof(filter), "common_pid == %d", pid);
	for (i = 0; i < ARRAY_SIZE(probe_names); i++) {
		snprintf(path, sizeof(path), INSTANCE "/events/xtcp_send_zc/%s/filter",
			 probe_names[i]);
		if (write_file(path, filter, 0))
			return -1;
		snprintf(path, sizeof(path), INSTANCE "/events/xtcp_send_zc/%s/enable",
			 probe_names[i]);
		if (write_file(path, "1", 0))
			return -1;
	}
	return 0;
}

struct probe_sums {
	long long spliced;	/* bytes skb_splice_from_iter attached */
	long long copies;	/* copies into the page frag started */
	long long events;
	int lost;		/* the ring overflowed: sums are not whole */
};

static int probes_stop(struct probe_sums *s)
{
	char line[512];
	int cpu;
	FILE *f;

	memset(s, 0, sizeof(*s));
	write_file(INSTANCE "/tracing_on", "0", 0);
	f = fopen(INSTANCE "/trace", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *ret = strstr(line, " ret=");
		long long v;

		if (line[0] == '#') {
			if (strstr(line, "LOST"))
				s->lost = 1;
			continue;
		}
		if (strstr(line, " copy: ")) {
			s->events++;
			s->copies++;
		} else if (strstr(line, " splice: ") && ret) {
			s->events++;
			v = strtoll(ret + 5, NULL, 0);
			s->spliced += v > 0 ? v : 0;
		}
	}
	fclose(f);
	for (cpu = 0; cpu < 64; cpu++) {
		char path[128];

		snprintf(path, sizeof(path), INSTANCE "/per_cpu/cpu%d/stats", cpu);
		f = fopen(path, "r");
		if (!f)
			break;
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "overrun: ", 9) && atoll(line + 9))
				s->lost = 1;
		fclose(f);
	}
	probes_remove();
	return 0;
}

/* A FILE_SIZE file of the pattern, for sendfile and splice. */
static int make_pattern_file(char *path)
{
	static __u64 buf[(1 << 20) / 8];
	__u64 off;
	int fd;

	snprintf(path, 64, "/tmp/send_zc.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	for (off = 0; off < FILE_SIZE; off += sizeof(buf)) {
		pattern_fill(buf, off, sizeof(buf));
		if (full_write(fd, buf, sizeof(buf)))
			return -1;
	}
	return fd;
}

FIXTURE(zc) {
	struct peer peer;
	int fam;
};

FIXTURE_VARIANT(zc) {
	int xtcp;
};

FIXTURE_VARIANT_ADD(zc, tcp) {
	.xtcp = 0,
};

FIXTURE_VARIANT_ADD(zc, xtcp) {
	.xtcp = 1,
};

FIXTURE_SETUP(zc)
{
	self->peer.pid = -1;
	self->fam = variant_family(variant->xtcp);
	if (self->fam < 0)
		SKIP(return, "cannot load module/xtcp.ko");
	ASSERT_EQ(0, peer_start(&self->peer, peer_serve_verify));
}

FIXTURE_TEARDOWN(zc)
{
	peer_stop(&self->peer);
}

enum { VIA_SENDFILE, VIA_SPLICE };

static void splice_file(struct __test_metadata *_metadata, int fam, int via)
{
	static __u64 ctl[(1 << 20) / 8];
	struct peer_verdict v;
	struct probe_sums s;
	char path[64];
	int fd, ffd, p[2];
	loff_t off = 0;

	ffd = make_pattern_file(path);
	ASSERT_LE(0, ffd);
	unlink(path);
	fd = peer_connect(fam);
	ASSERT_LE(0, fd) TH_LOG("connect: %s", strerror(errno));
	ASSERT_EQ(0, pipe(p));

	/* The control: the first MiB by write() is seen copied. */
	ASSERT_EQ(0, probes_start(getpid()))
		TH_LOG("kprobes in %s: %s", TRACING, strerror(errno));
	pattern_fill(ctl, 0, sizeof(ctl));
	ASSERT_EQ(0, full_write(fd, ctl, sizeof(ctl)));
	ASSERT_EQ(0, probes_stop(&s));
	TH_LOG("write: spliced %lld B, %lld copies", s.spliced, s.copies);
	EXPECT_EQ(0, s.spliced);
	EXPECT_LT(0, s.copies);

	off = sizeof(ctl);
	ASSERT_EQ(0, probes_start(getpid()))
		TH_LOG("kprobes in %s: %s", TRACING, strerror(errno));
	while ((__u64)off < FILE_SIZE) {
		ssize_t n, m;

		if (via == VIA_SENDFILE) {
			n = sendfile(fd, ffd, &off, FILE_SIZE - off);
			ASSERT_LT(0, n) TH_LOG("sendfile at %lld: %s",
					       (long long)off, strerror(errno));
			continue;
		}
		n = splice(ffd, &off, p[1], NULL, FILE_SIZE - off, 0);
		ASSERT_LT(0, n) TH_LOG("splice file->pipe: %s", strerror(errno));
		while (n) {
			m = splice(p[0], NULL, fd, NULL, n, 0);
			ASSERT_LT(0, m) TH_LOG("splice pipe->socket: %s",
					       strerror(errno));
			n -= m;
		}
	}
	ASSERT_EQ(0, probes_stop(&s));
	ASSERT_EQ(0, shutdown(fd, SHUT_WR));
	ASSERT_EQ(0, peer_read_verdict(fd, &v));
	close(fd);
	close(ffd);

	TH_LOG("%s: spliced %lld B, %lld copies (%lld probe hits)",
	       via == VIA_SENDFILE ? "sendfile" : "splice",
	       s.spliced, s.copies, s.events);
	EXPECT_EQ(FILE_SIZE, v.bytes);
	EXPECT_EQ(~0ULL, v.bad_off) TH_LOG("first bad byte at %llu",
					   (unsigned long long)v.bad_off);
	ASSERT_FALSE(s.lost) TH_LOG("trace ring overflowed");
	/* Every byte attached by reference, none copied. */
	EXPECT_EQ((long long)(FILE_SIZE - sizeof(ctl)), s.spliced);
	EXPECT_EQ(0, s.copies);
}

TEST_F_TIMEOUT(zc, sendfile_64m_spliced, 120)
{
	splice_file(_metadata, self->fam, VIA_SENDFILE);
}

TEST_F_TIMEOUT(zc, splice_64m_spliced, 120)
{
	splice_file(_metadata, self->fam, VIA_SPLICE);
}

struct zc_result {
	int sends;		/* successful MSG_ZEROCOPY sends = ids */
	int notes;		/* notifications read */
	int copied_notes;	/* ... with SO_EE_CODE_ZEROCOPY_COPIED */
	int bad_notes;		/* wrong origin/errno, or id out of range */
	int dups;		/* ids completed twice */
	int missing;		/* ids never completed */
	int pollerr;		/* poll() said POLLERR before a read */
	unsigned int retrans;	/* tcpi_total_retrans */
	struct peer_verdict v;
};

/* Read every queued notification; 0 when the queue is empty. */
static int read_notes(int fd, unsigned char *seen, struct zc_result *r)
{
	char control[CMSG_SPACE(sizeof(struct sock_extended_err)) + 64];
	struct msghdr msg = {
		.msg_control = control,
		.msg_controllen = sizeof(control),
	};
	struct sock_extended_err *ee;
	struct cmsghdr *cm;
	__u32 id;

	if (recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
		return errno == EAGAIN ? 0 : -1;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_IP || cm->cmsg_type != IP_RECVERR) {
			r->bad_notes++;
			continue;
		}
		ee = (struct sock_extended_err *)CMSG_DATA(cm);
		r->notes++;
		if (ee->ee_origin != SO_EE_ORIGIN_ZEROCOPY || ee->ee_errno ||
		    ee->ee_info > ee->ee_data) {
			r->bad_notes++;
			continue;
		}
		if (ee->ee_code & SO_EE_CODE_ZEROCOPY_COPIED)
			r->copied_notes++;
		for (id = ee->ee_info; id <= ee->ee_data; id++) {
			if (id >= (__u32)r->sends)
				r->bad_notes++;
			else if (seen[id]++)
				r->dups++;
		}
	}
	return 1;
}

/*
 * Send ZC_SIZE bytes of the pattern with MSG_ZEROCOPY in ZC_CHUNK
 * sends, leaving the buffer untouched until the end; then collect the
 * completions, waiting for them with poll(POLLERR).
 */
static void zc_transfer(struct __test_metadata *_metadata, int fam,
			struct zc_result *r)
{
	static unsigned char seen[ZC_MAX_IDS];
	__u64 off = 0;
	int fd, one = 1, i, rc;
	char *buf;

	memset(r, 0, sizeof(*r));
	memset(seen, 0, sizeof(seen));
	buf = mmap(NULL, ZC_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	pattern_fill(buf, 0, ZC_SIZE);

	fd = peer_connect(fam);
	ASSERT_LE(0, fd) TH_LOG("connect: %s", strerror(errno));
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)))
		TH_LOG("SO_ZEROCOPY: %s", strerror(errno));
	while (off < ZC_SIZE) {
		size_t len = ZC_SIZE - off < ZC_CHUNK ? ZC_SIZE - off : ZC_CHUNK;
		ssize_t n = send(fd, buf + off, len, MSG_ZEROCOPY);

		ASSERT_LT(0, n) TH_LOG("send(MSG_ZEROCOPY) at %llu: %s",
				       (unsigned long long)off, strerror(errno));
		ASSERT_GT(ZC_MAX_IDS, r->sends);
		r->sends++;
		off += n;
	}
	ASSERT_EQ(0, shutdown(fd, SHUT_WR));
	ASSERT_EQ(0, peer_read_verdict(fd, &r->v));

	/* All data is acknowledged (the peer read it all): what is still
	 * pinned is released within a few RTTs.
	 */
	/* Notifications are only read when poll() reports POLLERR: one
	 * queued but not announced ends up missing.
	 */
	for (i = 0; i < 250; i++) {
		struct pollfd pfd = { .fd = fd, .events = 0 };
		int done = 0, k;

		for (k = 0; k < r->sends; k++)
			done += !!seen[k];
		if (done == r->sends)
			break;
		rc = poll(&pfd, 1, 20);
		ASSERT_LE(0, rc);
		if (!(pfd.revents & POLLERR)) {
			/* with both sides closed, POLLHUP returns at once. */
			if (rc)
				usleep(20000);
			continue;
		}
		r->pollerr = 1;
		while ((rc = read_notes(fd, seen, r)) > 0)
			;
		ASSERT_EQ(0, rc) TH_LOG("recvmsg(MSG_ERRQUEUE): %s",
					strerror(errno));
	}
	for (i = 0; i < r->sends; i++)
		r->missing += !seen[i];
	{
		struct tcp_info ti;
		socklen_t len = sizeof(ti);

		ASSERT_EQ(0, getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len));
		r->retrans = ti.tcpi_total_retrans;
	}
	close(fd);
	munmap(buf, ZC_SIZE);
}

static void check_zc(struct __test_metadata *_metadata, const char *name,
		     const struct zc_result *r)
{
	TH_LOG("%s: %d sends, %d notifications (%d COPIED), pollerr %d",
	       name, r->sends, r->notes, r->copied_notes, r->pollerr);
	EXPECT_EQ(ZC_SIZE, r->v.bytes);
	EXPECT_EQ(~0ULL, r->v.bad_off);
	EXPECT_EQ(0, r->bad_notes);
	EXPECT_EQ(0, r->dups);
	EXPECT_EQ(0, r->missing);
	EXPECT_LT(0, r->notes);
	EXPECT_TRUE(r->pollerr);
	/* One verdict for the whole setup: all copied or none. */
	EXPECT_TRUE(r->copied_notes == 0 || r->copied_notes == r->notes);
}

TEST_F_TIMEOUT(zc, zerocopy_completions, 90)
{
	struct zc_result r, ref;

	zc_transfer(_metadata, self->fam, &r);
	check_zc(_metadata, variant->xtcp ? "xtcp" : "tcp", &r);
	/* Through a NIC to another stack nothing needs copying. */
	if (getenv("SEND_ZC_WIRE"))
		EXPECT_EQ(0, r.copied_notes);
	if (!variant->xtcp)
		return;
	/* AF_INET over the same veth is the reference for the code. */
	zc_transfer(_metadata, AF_INET, &ref);
	check_zc(_metadata, "tcp reference", &ref);
	EXPECT_EQ(!!ref.copied_notes, !!r.copied_notes);
}

/* Under loss the pinned pages are retransmitted (clones, splits of
 * partly acknowledged skbs) and still completed once each, after the
 * peer has them all.
 */
TEST_F_TIMEOUT(zc, zerocopy_completions_under_loss, 90)
{
	struct zc_result r;

	if (getenv("SEND_ZC_WIRE"))
		SKIP(return, "netem is set up on the veth peer only");
	if (system("modprobe sch_netem 2>/dev/null; tc qdisc add dev sut0 root netem loss 2%"))
		SKIP(return, "no netem");
	zc_transfer(_metadata, self->fam, &r);
	check_zc(_metadata, variant->xtcp ? "xtcp, 2% loss" : "tcp, 2% loss", &r);
	TH_LOG("%u segments retransmitted", r.retrans);
	EXPECT_LT(0U, r.retrans);
}

/* Without SO_ZEROCOPY the flag is ignored: the data is copied and the
 * error queue stays empty.
 */
TEST_F(zc, zerocopy_flag_without_sockopt_copies)
{
	static char buf[1 << 20];
	struct pollfd pfd;
	struct peer_verdict v;
	ssize_t n;
	int fd;

	pattern_fill(buf, 0, sizeof(buf));
	fd = peer_connect(self->fam);
	ASSERT_LE(0, fd);
	n = send(fd, buf, sizeof(buf), MSG_ZEROCOPY);
	ASSERT_EQ((ssize_t)sizeof(buf), n) TH_LOG("send: %s", strerror(errno));
	/* The copy decouples the buffer at once. */
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0, shutdown(fd, SHUT_WR));
	ASSERT_EQ(0, peer_read_verdict(fd, &v));
	EXPECT_EQ(sizeof(buf), v.bytes);
	EXPECT_EQ(~0ULL, v.bad_off);
	usleep(100 * 1000);
	pfd.fd = fd;
	pfd.events = 0;
	EXPECT_EQ(1, poll(&pfd, 1, 0));	/* POLLHUP: both sides closed */
	EXPECT_FALSE(pfd.revents & POLLERR);
	{
		char control[128];
		struct msghdr msg = { .msg_control = control,
				      .msg_controllen = sizeof(control) };

		EXPECT_EQ(-1, recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT));
		EXPECT_EQ(EAGAIN, errno);
	}
	close(fd);
}

TEST_F(zc, so_zerocopy_values)
{
	int fd = socket(self->fam, SOCK_STREAM, 0), val = 2;
	socklen_t len = sizeof(val);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &val, sizeof(val)));
	EXPECT_EQ(EINVAL, errno);
	val = 1;
	EXPECT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &val, sizeof(val)));
	val = 0;
	EXPECT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &val, &len));
	EXPECT_EQ(1, val);
	close(fd);
}

/* A notification cannot be allocated (optmem_max, per namespace, 0):
 * the send fails with ENOBUFS before anything is queued.
 */
TEST_F(zc, zerocopy_enobufs_without_optmem)
{
	static char buf[64 << 10];
	int fd, one = 1;
	int outq = -1;

	if (getenv("SEND_ZC_WIRE"))
		SKIP(return, "would leave optmem_max at 0 in the caller's namespace");
	fd = peer_connect(self->fam);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)));
	ASSERT_EQ(0, write_file("/proc/sys/net/core/optmem_max", "0", 0));
	EXPECT_EQ(-1, send(fd, buf, sizeof(buf), MSG_ZEROCOPY));
	EXPECT_EQ(ENOBUFS, errno);
	EXPECT_EQ(0, ioctl(fd, SIOCOUTQ, &outq));
	EXPECT_EQ(0, outq);
	close(fd);
}

/* "send_zc --serve": the verifying peer alone, for send_zc_igb.sh. */
int main(int argc, char **argv)
{
	int lfd;

	if (argc > 1 && !strcmp(argv[1], "--serve")) {
		lfd = peer_listen();
		if (lfd < 0) {
			perror("listen");
			return 1;
		}
		signal(SIGPIPE, SIG_IGN);
		peer_loop(lfd, peer_serve_verify);
	}
	return test_harness_run(argc, argv);
}
