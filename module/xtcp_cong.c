// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp: congestion control, Reno (RFC 5681): slow start below ssthresh,
 * then one segment per window of ACKs; half the flight on loss.
 */
#include <net/tcp.h>
#include <net/xtcp.h>

void xtcp_cong_on_ack(struct sock *sk, u32 acked)
{
	struct tcp_sock *tp = tcp_sk(sk);
	u32 cwnd = tcp_snd_cwnd(tp);

	if (!acked)
		return;
	/* Grow only when the window was the limit, as tcp_is_cwnd_limited
	 * approximates: data waiting or the flight filled the window.
	 */
	if (tp->packets_out + acked < cwnd &&
	    skb_queue_empty(&sk->sk_write_queue))
		return;

	if (cwnd < tp->snd_ssthresh) {
		/* Slow start: one segment per segment acked (RFC 5681 3.1,
		 * with L = 1 segment per ACK scaled by what it covers).
		 */
		u32 inc = min(acked, tp->snd_ssthresh - cwnd);

		cwnd += inc;
		acked -= inc;
		if (!acked)
			goto set;
	}
	/* Congestion avoidance: +1 segment per cwnd segments acked. */
	tp->snd_cwnd_cnt += acked;
	if (tp->snd_cwnd_cnt >= cwnd) {
		tp->snd_cwnd_cnt -= cwnd;
		cwnd++;
	}
set:
	tcp_snd_cwnd_set(tp, min(cwnd, tp->snd_cwnd_clamp));
}

static u32 xtcp_reno_ssthresh(const struct tcp_sock *tp)
{
	return max(tp->packets_out >> 1, 2U);
}

/* Third duplicate ACK: halve (RFC 5681 3.2 step 2, no inflation). */
void xtcp_cong_on_loss(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	tp->snd_ssthresh = xtcp_reno_ssthresh(tp);
	tcp_snd_cwnd_set(tp, tp->snd_ssthresh);
	tp->snd_cwnd_cnt = 0;
}

/* RTO: ssthresh from the flight, cwnd back to one segment (RFC 5681 3.1). */
void xtcp_cong_on_rto(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	tp->snd_ssthresh = xtcp_reno_ssthresh(tp);
	tcp_snd_cwnd_set(tp, 1);
	tp->snd_cwnd_cnt = 0;
}
