// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp: congestion control. Each socket has an algorithm (TCP_CONGESTION;
 * the module parameter "congestion" names the default): Reno (RFC 5681:
 * slow start below ssthresh, then one segment per window of ACKs, half
 * the window on loss) here, CUBIC (RFC 9438) in xtcp_cubic.c. The hooks
 * below are what the ACK, fast retransmit and RTO paths call.
 */
#include <linux/moduleparam.h>
#include <net/tcp.h>
#include <net/xtcp.h>

/*
 * Slow start, shared by the algorithms: one segment per segment acked up
 * to ssthresh (RFC 5681 3.1, with L = 1 segment per ACK scaled by what
 * it covers). Returns what is left of acked for congestion avoidance.
 */
u32 xtcp_slow_start(struct tcp_sock *tp, u32 acked)
{
	u32 cwnd = tcp_snd_cwnd(tp);
	u32 inc = min(acked, tp->snd_ssthresh - cwnd);

	tcp_snd_cwnd_set(tp, min(cwnd + inc, tp->snd_cwnd_clamp));
	return acked - inc;
}

static void xtcp_reno_on_ack(struct sock *sk, u32 acked)
{
	struct tcp_sock *tp = tcp_sk(sk);
	u32 cwnd;

	if (tcp_snd_cwnd(tp) < tp->snd_ssthresh) {
		acked = xtcp_slow_start(tp, acked);
		if (!acked)
			return;
	}
	/* Congestion avoidance: +1 segment per cwnd segments acked. */
	cwnd = tcp_snd_cwnd(tp);
	tp->snd_cwnd_cnt += acked;
	if (tp->snd_cwnd_cnt >= cwnd) {
		tp->snd_cwnd_cnt -= cwnd;
		cwnd++;
	}
	tcp_snd_cwnd_set(tp, min(cwnd, tp->snd_cwnd_clamp));
}

/*
 * Half the window, as tcp_reno_ssthresh. RFC 5681 (4) halves FlightSize,
 * which counts SACKed data too: while RACK's reordering window delays
 * the loss, every SACK lets a new segment out and that count grows, so
 * the later the loss is seen, the less the window is cut.
 */
static u32 xtcp_reno_ssthresh(struct sock *sk)
{
	return max(tcp_snd_cwnd(tcp_sk(sk)) >> 1, 2U);
}

static const struct xtcp_cong_ops xtcp_reno_ops = {
	.name		= "reno",
	.on_ack		= xtcp_reno_on_ack,
	.ssthresh	= xtcp_reno_ssthresh,
};

static const struct xtcp_cong_ops *const xtcp_cong_all[] = {
	&xtcp_reno_ops,
	&xtcp_cubic_ops,
};

static char xtcp_cong_default[TCP_CA_NAME_MAX] = "reno";
module_param_string(congestion, xtcp_cong_default,
		    sizeof(xtcp_cong_default), 0644);
MODULE_PARM_DESC(congestion, "default congestion control: reno or cubic");

/* By name; a trailing newline (echo into the parameter) is ignored. */
static const struct xtcp_cong_ops *xtcp_cong_find(const char *name)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(xtcp_cong_all); i++)
		if (sysfs_streq(xtcp_cong_all[i]->name, name))
			return xtcp_cong_all[i];
	return NULL;
}

/* The algorithm's state back to the start (new socket or connection). */
void xtcp_cong_reset(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);

	if (!xp->ca_ops)
		xp->ca_ops = xtcp_cong_find(xtcp_cong_default) ? :
			     &xtcp_reno_ops;
	if (xp->ca_ops->init)
		xp->ca_ops->init(sk);
	xtcp_rack_init(sk);
}

/* TCP_CONGESTION: ENOENT for an algorithm xtcp does not have. */
int xtcp_cong_set(struct sock *sk, const char *name)
{
	const struct xtcp_cong_ops *ops = xtcp_cong_find(name);

	if (!ops)
		return -ENOENT;
	xtcp_sk(sk)->ca_ops = ops;
	if (ops->init)
		ops->init(sk);
	return 0;
}

const char *xtcp_cong_name(const struct sock *sk)
{
	const struct xtcp_cong_ops *ops = xtcp_sk(sk)->ca_ops;

	return ops ? ops->name : xtcp_reno_ops.name;
}

void xtcp_cong_on_ack(struct sock *sk, u32 acked)
{
	if (!acked)
		return;
	/* Grow only a window that is the limit (xtcp_cwnd_validate). */
	if (!tcp_is_cwnd_limited(sk))
		return;
	xtcp_sk(sk)->ca_ops->on_ack(sk, acked);
}

/* The window a connection starts with, or restarts at after idle: the
 * route's initcwnd, else 10 (tcp_init_cwnd).
 */
u32 xtcp_init_cwnd(const struct sock *sk)
{
	const struct dst_entry *dst = __sk_dst_get(sk);
	u32 cwnd = dst ? dst_metric(dst, RTAX_INITCWND) : 0;

	return min(cwnd ? : TCP_INIT_CWND, tcp_sk(sk)->snd_cwnd_clamp);
}

/*
 * Whether cwnd is what limits the sender (tcp_cwnd_validate), after each
 * write_xmit that sent or found the window full: a round trip in which it
 * was full counts as cwnd limited; otherwise the round's largest flight
 * is kept, which slow start may grow cwnd to twice of
 * (tcp_is_cwnd_limited). A sender held back by the peer's window,
 * pacing, small queues or the application does not grow cwnd past what
 * it has used, and cannot later burst a window the path never carried.
 */
void xtcp_cwnd_validate(struct sock *sk, bool sent, bool cwnd_limited)
{
	struct tcp_sock *tp = tcp_sk(sk);

	cwnd_limited |= xtcp_in_flight(tp) >= tcp_snd_cwnd(tp);
	if (!sent && !cwnd_limited)
		return;
	if (!before(tp->snd_una, tp->cwnd_usage_seq) || cwnd_limited ||
	    (!tp->is_cwnd_limited && tp->packets_out > tp->max_packets_out)) {
		tp->is_cwnd_limited = cwnd_limited;
		tp->max_packets_out = tp->packets_out;
		tp->cwnd_usage_seq = tp->snd_nxt;
	}
}

/* An ACK's RTT sample (from the newest segment it acknowledges, as
 * tcp_clean_rtx_queue's ca_rtt_us), for algorithms that watch delay.
 */
void xtcp_cong_on_rtt(struct sock *sk, long rtt_us)
{
	const struct xtcp_cong_ops *ops = xtcp_sk(sk)->ca_ops;

	if (rtt_us >= 0 && ops->on_rtt)
		ops->on_rtt(sk, max_t(long, rtt_us, 1));
}

/*
 * Fast recovery begins (tcp_init_cwnd_reduction): ssthresh from the
 * algorithm; cwnd stays for Proportional Rate Reduction to bring down.
 */
void xtcp_cong_enter_recovery(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	tp->snd_cwnd_cnt = 0;
	tp->prior_cwnd = tcp_snd_cwnd(tp);
	tp->prr_delivered = 0;
	tp->prr_out = 0;
	tp->snd_ssthresh = xtcp_sk(sk)->ca_ops->ssthresh(sk);
}

/*
 * A loss repaired without a recovery (a tail loss probe's, as
 * tcp_process_tlp_ack): the reduction a recovery would end with, at once
 * (cwnd to ssthresh, no inflation; RFC 9438 4.6).
 */
void xtcp_cong_on_loss(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	xtcp_cong_enter_recovery(sk);
	tcp_snd_cwnd_set(tp, tp->snd_ssthresh);
}

/*
 * Proportional Rate Reduction (RFC 6937, as tcp_cwnd_reduction), once
 * per ACK in recovery, for the segments it reports delivered. While the
 * flight exceeds ssthresh, what leaves is ssthresh/prior_cwnd of what
 * was delivered: the reduction spreads over the round trip instead of
 * a silence (or, with many segments marked lost at once, a burst of
 * retransmissions) at its start. Below ssthresh the flight grows back
 * to it, by what was delivered (one more if snd_una advanced with no new
 * loss). The first retransmission always goes.
 */
void xtcp_cwnd_reduction(struct sock *sk, int delivered, bool newly_lost,
			 bool una_advanced)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int in_flight = xtcp_in_flight(tp);
	int delta = tp->snd_ssthresh - in_flight;
	int sndcnt;

	if (delivered <= 0 || !tp->prior_cwnd)
		return;
	tp->prr_delivered += delivered;
	if (delta < 0) {
		u64 dividend = (u64)tp->snd_ssthresh * tp->prr_delivered +
			       tp->prior_cwnd - 1;

		sndcnt = div_u64(dividend, tp->prior_cwnd) - tp->prr_out;
	} else {
		sndcnt = max_t(int, tp->prr_delivered - tp->prr_out, delivered);
		if (una_advanced && !newly_lost)
			sndcnt++;
		sndcnt = min(delta, sndcnt);
	}
	sndcnt = max(sndcnt, tp->prr_out ? 0 : 1);
	tcp_snd_cwnd_set(tp, max(in_flight + sndcnt, 1));
}

/* RTO: ssthresh as for a loss, cwnd back to one segment (RFC 5681 3.1). */
void xtcp_cong_on_rto(struct sock *sk)
{
	const struct xtcp_cong_ops *ops = xtcp_sk(sk)->ca_ops;
	struct tcp_sock *tp = tcp_sk(sk);

	tp->snd_ssthresh = ops->ssthresh(sk);
	tcp_snd_cwnd_set(tp, 1);
	tp->snd_cwnd_cnt = 0;
	if (ops->on_rto)
		ops->on_rto(sk);
}

/* Called before lsndtime moves, so the algorithm can see how long the
 * sender had nothing to send.
 */
void xtcp_cong_on_tx_start(struct sock *sk)
{
	const struct xtcp_cong_ops *ops = xtcp_sk(sk)->ca_ops;

	if (ops->on_tx_start)
		ops->on_tx_start(sk);
}

/*
 * Congestion window validation after idle (RFC 7661's concern, Linux's
 * tcp_cwnd_restart with net.ipv4.tcp_slow_start_after_idle): new data,
 * or a peer's window reopening on queued data, after more than an RTO
 * without sending finds a cwnd that no longer reflects the path.
 * ssthresh keeps the memory of it (at least 3/4 of cwnd); cwnd halves
 * per RTO of idle, down to the restart window (the route's initcwnd or
 * 10, never above the current cwnd).
 */
void xtcp_cwnd_restart_check(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	u32 rto = inet_csk(sk)->icsk_rto;
	u32 cwnd, restart;
	s32 idle;

	if (!READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_slow_start_after_idle) ||
	    tp->packets_out || !rto)
		return;
	idle = tcp_jiffies32 - tp->lsndtime;
	if (idle <= (s32)rto)
		return;

	cwnd = tcp_snd_cwnd(tp);
	restart = min(xtcp_init_cwnd(sk), cwnd);
	tp->snd_ssthresh = tcp_current_ssthresh(sk);
	while ((idle -= rto) > 0 && cwnd > restart)
		cwnd >>= 1;
	tcp_snd_cwnd_set(tp, max(cwnd, restart));
	tp->snd_cwnd_cnt = 0;
	tp->snd_cwnd_stamp = tcp_jiffies32;
	xtcp_update_pacing_rate(sk);
}
