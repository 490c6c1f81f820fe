// SPDX-License-Identifier: GPL-2.0
/*
 * TCP_INFO after a transfer, AF_XTCP against AF_INET (variant "tcp",
 * and in the xtcp variant a live AF_INET run over the same veth is the
 * reference): the counters add up to what was written, the RTT and
 * rate fields are plausible against the measured goodput, and
 * notsent_bytes/unacked agree with SIOCOUTQNSD/SIOCOUTQ while the peer
 * is not reading.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <time.h>

#include "kselftest_harness.h"
#include "send_zc_peer.h"

#define XFER_SIZE	(16ULL << 20)

/*
 * An 8-byte length first: that many bytes of the pattern are read and
 * verified, the verdict sent, and the connection held until EOF; a
 * length of 0 holds it without reading (10 s at most).
 */
static void peer_serve_info(int cfd)
{
	static __u64 buf[(256 << 10) / 8];
	struct peer_verdict v = { 0, ~0ULL };
	struct pollfd pfd = { .fd = cfd, .events = POLLRDHUP };
	__u64 len;

	if (recv(cfd, &len, sizeof(len), MSG_WAITALL) != sizeof(len))
		return;
	if (!len) {
		poll(&pfd, 1, 10000);
		return;
	}
	while (v.bytes < len) {
		size_t want = len - v.bytes < sizeof(buf) ? len - v.bytes : sizeof(buf);
		ssize_t n = recv(cfd, buf, want, MSG_WAITALL);
		size_t i;

		if (n <= 0)
			break;
		for (i = 0; i < (size_t)n / 8 && v.bad_off == ~0ULL; i++)
			if (buf[i] != pattern_word(v.bytes + i * 8))
				v.bad_off = v.bytes + i * 8;
		v.bytes += n;
	}
	full_write(cfd, &v, sizeof(v));
	while (recv(cfd, buf, sizeof(buf), 0) > 0)
		;
}

FIXTURE(info) {
	struct peer peer;
	int fam;
};

FIXTURE_VARIANT(info) {
	int xtcp;
};

FIXTURE_VARIANT_ADD(info, tcp) {
	.xtcp = 0,
};

FIXTURE_VARIANT_ADD(info, xtcp) {
	.xtcp = 1,
};

FIXTURE_SETUP(info)
{
	self->peer.pid = -1;
	self->fam = variant_family(variant->xtcp);
	if (self->fam < 0)
		SKIP(return, "cannot load module/xtcp.ko");
	ASSERT_EQ(0, peer_start(&self->peer, peer_serve_info));
}

FIXTURE_TEARDOWN(info)
{
	peer_stop(&self->peer);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct xfer {
	struct tcp_info ti;
	__u64 written;	/* bytes written, header included */
	double goodput;		/* bytes/s, connect to verdict */
	int outq, outqnsd;
	double max_rate;	/* highest delivery rate seen mid-transfer */
};

static void transfer(struct __test_metadata *_metadata, int fam,
		     struct xfer *x)
{
	static __u64 buf[(1 << 20) / 8];
	socklen_t len = sizeof(x->ti);
	struct peer_verdict v;
	__u64 hdr = XFER_SIZE, off;
	double t0;
	int fd, i;

	memset(x, 0, sizeof(*x));
	t0 = now_s();
	fd = peer_connect(fam);
	ASSERT_LE(0, fd) TH_LOG("connect: %s", strerror(errno));
	ASSERT_EQ(0, full_write(fd, &hdr, sizeof(hdr)));
	for (off = 0; off < XFER_SIZE; off += sizeof(buf)) {
		pattern_fill(buf, off, sizeof(buf));
		ASSERT_EQ(0, full_write(fd, buf, sizeof(buf)));
		if (off < XFER_SIZE / 4)
			continue;
		/* The writer is blocked on the send buffer, so the samples
		 * are not application-limited.
		 */
		ASSERT_EQ(0, getsockopt(fd, IPPROTO_TCP, TCP_INFO, &x->ti, &len));
		if (x->ti.tcpi_delivery_rate > x->max_rate)
			x->max_rate = x->ti.tcpi_delivery_rate;
	}
	x->written = sizeof(hdr) + XFER_SIZE;
	ASSERT_EQ(0, peer_read_verdict(fd, &v));
	x->goodput = XFER_SIZE / (now_s() - t0);
	EXPECT_EQ(XFER_SIZE, v.bytes);
	EXPECT_EQ(~0ULL, v.bad_off);

	/* The verdict came after the last byte was read, so all data is
	 * acknowledged or about to be: wait for the last ACK.
	 */
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, ioctl(fd, SIOCOUTQ, &x->outq));
		if (!x->outq)
			break;
		usleep(10000);
	}
	ASSERT_EQ(0, ioctl(fd, SIOCOUTQNSD, &x->outqnsd));
	ASSERT_EQ(0, getsockopt(fd, IPPROTO_TCP, TCP_INFO, &x->ti, &len));
	ASSERT_EQ(sizeof(x->ti), len);
	close(fd);
}

static void check_xfer(struct __test_metadata *_metadata, const char *name,
		       const struct xfer *x)
{
	const struct tcp_info *ti = &x->ti;
	double rate = (double)ti->tcpi_delivery_rate;

	TH_LOG("%s: rto %u mss %u/%u cwnd %u ssthresh %u rtt %u/%u min_rtt %u",
	       name, ti->tcpi_rto, ti->tcpi_snd_mss, ti->tcpi_rcv_mss,
	       ti->tcpi_snd_cwnd, ti->tcpi_snd_ssthresh, ti->tcpi_rtt,
	       ti->tcpi_rttvar, ti->tcpi_min_rtt);
	TH_LOG("%s: retrans %u/%u lost %u", name, ti->tcpi_retrans,
	       ti->tcpi_total_retrans, ti->tcpi_lost);
	TH_LOG("%s: acked %llu sent %llu retrans %llu segs %u/%u data %u",
	       name, (unsigned long long)ti->tcpi_bytes_acked,
	       (unsigned long long)ti->tcpi_bytes_sent,
	       (unsigned long long)ti->tcpi_bytes_retrans, ti->tcpi_segs_out,
	       ti->tcpi_segs_in, ti->tcpi_data_segs_out);
	TH_LOG("%s: delivered %u rate %.0f (max %.0f) goodput %.0f pacing %llu busy %llu",
	       name, ti->tcpi_delivered, rate, x->max_rate, x->goodput,
	       (unsigned long long)ti->tcpi_pacing_rate,
	       (unsigned long long)ti->tcpi_busy_time);

	EXPECT_EQ(1, ti->tcpi_state);	/* TCP_ESTABLISHED */
	EXPECT_EQ(0, x->outq);
	EXPECT_EQ(0U, ti->tcpi_unacked);
	EXPECT_EQ(0U, ti->tcpi_notsent_bytes);
	EXPECT_EQ(x->outqnsd, (int)ti->tcpi_notsent_bytes);
	EXPECT_EQ(0U, ti->tcpi_retrans);
	EXPECT_EQ(0U, ti->tcpi_lost);
	/* Every written byte acknowledged, plus the SYN (as Linux counts). */
	EXPECT_EQ(x->written + 1, ti->tcpi_bytes_acked);
	/* Payload sent: what was written plus what was sent again. */
	EXPECT_EQ(x->written + ti->tcpi_bytes_retrans, ti->tcpi_bytes_sent);
	EXPECT_EQ(1448U, ti->tcpi_snd_mss);	/* 1500 - 40 - timestamps */
	EXPECT_LT(0U, ti->tcpi_rcv_mss);
	EXPECT_LE(x->written / ti->tcpi_snd_mss, ti->tcpi_data_segs_out);
	EXPECT_LE(ti->tcpi_data_segs_out, ti->tcpi_segs_out);
	EXPECT_LT(0U, ti->tcpi_segs_in);
	EXPECT_LE(x->written / ti->tcpi_snd_mss, ti->tcpi_delivered);
	/* Without loss every segment sent was delivered, the SYN too. */
	if (!ti->tcpi_total_retrans)
		EXPECT_EQ(ti->tcpi_data_segs_out + 1, ti->tcpi_delivered);
	/* The peer sent one data segment: the verdict. */
	EXPECT_EQ(1U, ti->tcpi_data_segs_in);
	EXPECT_LE(200000U, ti->tcpi_rto);	/* TCP_RTO_MIN */
	EXPECT_LT(0U, ti->tcpi_rtt);
	EXPECT_LT(0U, ti->tcpi_rttvar);
	EXPECT_LT(0U, ti->tcpi_min_rtt);
	EXPECT_LE(ti->tcpi_min_rtt, ti->tcpi_rtt + ti->tcpi_rttvar * 4);
	EXPECT_LE(2U, ti->tcpi_snd_cwnd);
	EXPECT_LT(0U, ti->tcpi_busy_time);
	/* The last sample covers the idle end (Linux's own was as low as
	 * 1/170 of the goodput): only that there is one. The highest
	 * sample taken while the writer was blocked against the goodput
	 * over the whole transfer (slow start, the peer's reads and the
	 * TCG guest's stalls included): not below a tenth of it, and not
	 * beyond what one busy RTT can show (Linux's own last sample was
	 * 28 times the average in one run).
	 */
	EXPECT_LT(0, rate);
	EXPECT_LT(x->goodput / 10, x->max_rate);
	EXPECT_GT(x->goodput * 100, x->max_rate);
}

TEST_F_TIMEOUT(info, after_transfer, 60)
{
	struct xfer x, ref;

	transfer(_metadata, self->fam, &x);
	check_xfer(_metadata, variant->xtcp ? "xtcp" : "tcp", &x);
	if (!variant->xtcp)
		return;
	transfer(_metadata, AF_INET, &ref);
	check_xfer(_metadata, "tcp reference", &ref);
	EXPECT_EQ(ref.ti.tcpi_snd_mss, x.ti.tcpi_snd_mss);
	EXPECT_EQ(ref.ti.tcpi_rcv_mss, x.ti.tcpi_rcv_mss);
	EXPECT_EQ(ref.ti.tcpi_options, x.ti.tcpi_options);
	EXPECT_EQ(ref.ti.tcpi_bytes_acked, x.ti.tcpi_bytes_acked);
	/* New data sent: either run may have retransmitted some. */
	EXPECT_EQ(ref.ti.tcpi_bytes_sent - ref.ti.tcpi_bytes_retrans,
		  x.ti.tcpi_bytes_sent - x.ti.tcpi_bytes_retrans);
	EXPECT_EQ(ref.ti.tcpi_data_segs_in, x.ti.tcpi_data_segs_in);
	/* RTTs timed in us by the segments' send times, as Linux's: where
	 * Linux sees a sub-ms path, whole-ms timestamp echoes could not.
	 */
	if (ref.ti.tcpi_min_rtt < 250)
		EXPECT_GT(1000U, x.ti.tcpi_min_rtt);
}

/* A finite pacing rate derived from cwnd/srtt, as Linux sets it
 * (tcp_update_pacing_rate: 200% of cwnd * mss / srtt in slow start,
 * 120% after), whatever the qdisc.
 */
TEST_F(info, pacing_rate_from_cwnd)
{
	struct xfer x;
	double est;

	transfer(_metadata, self->fam, &x);
	est = (double)x.ti.tcpi_snd_cwnd * x.ti.tcpi_snd_mss * 1e6 /
	      (x.ti.tcpi_rtt ? x.ti.tcpi_rtt : 1);
	TH_LOG("pacing %llu, cwnd*mss/srtt %.0f",
	       (unsigned long long)x.ti.tcpi_pacing_rate, est);
	EXPECT_GT(~0ULL, x.ti.tcpi_pacing_rate);
	EXPECT_LE(est, (double)x.ti.tcpi_pacing_rate);
	EXPECT_GE(est * 2.5, (double)x.ti.tcpi_pacing_rate);
}

/* The peer does not read: queued, sent-unacked and unsent bytes as the
 * ioctls and TCP_INFO see them agree.
 */
TEST_F(info, stalled_queue_counts)
{
	static char buf[64 << 10];
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	__u64 hdr = 0;
	int fd, outq, nsd, i;
	ssize_t n;

	fd = peer_connect(self->fam);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, full_write(fd, &hdr, sizeof(hdr)));
	for (i = 0; i < 1000; i++) {
		n = send(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			ASSERT_EQ(EAGAIN, errno);
			break;
		}
	}
	/* Let the peer's window fill and its ACKs settle. */
	usleep(300 * 1000);
	ASSERT_EQ(0, getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len));
	ASSERT_EQ(0, ioctl(fd, SIOCOUTQ, &outq));
	ASSERT_EQ(0, ioctl(fd, SIOCOUTQNSD, &nsd));
	TH_LOG("outq %d nsd %d notsent %u unacked %u snd_wnd %u",
	       outq, nsd, ti.tcpi_notsent_bytes, ti.tcpi_unacked, ti.tcpi_snd_wnd);
	EXPECT_LT(0, nsd);
	EXPECT_EQ(nsd, (int)ti.tcpi_notsent_bytes);
	EXPECT_LE(nsd, outq);
	/* Sent but unacknowledged bytes (window probes at most, once the
	 * window is shut) sit in whole segments.
	 */
	EXPECT_EQ(outq > nsd, ti.tcpi_unacked > 0);
	EXPECT_LE((outq - nsd + ti.tcpi_snd_mss - 1) / ti.tcpi_snd_mss,
		  ti.tcpi_unacked);
	EXPECT_EQ(0U, ti.tcpi_snd_wnd);
	close(fd);
}

TEST_HARNESS_MAIN
