// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp: pacing. The rate is cwnd segments per smoothed RTT, scaled by
 * net.ipv4.tcp_pacing_ss_ratio (200%) in slow start and
 * tcp_pacing_ca_ratio (120%) after, capped by SO_MAX_PACING_RATE
 * (sk_max_pacing_rate), and published in sk_pacing_rate (TCP_INFO's
 * pacing_rate, and what sch_fq reads).
 *
 * Every data skb leaves with an earliest departure time (skb->tstamp,
 * CLOCK_MONOTONIC, as TCP's tcp_wstamp_ns) that advances by len/rate for
 * each one sent, so sch_fq holds it until then. Without fq
 * (sk_pacing_status SK_PACING_NEEDED: SO_MAX_PACING_RATE set, no fq
 * seen) write_xmit itself waits for the departure time, on an hrtimer.
 */
#include <linux/hrtimer.h>
#include <net/tcp.h>
#include <net/xtcp.h>

void xtcp_update_pacing_rate(struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	unsigned long max_rate = READ_ONCE(sk->sk_max_pacing_rate);
	const struct net *net = sock_net(sk);
	u32 cwnd = tcp_snd_cwnd(tp);
	u64 rate;
	int ratio;

	if (!tp->srtt_us) {
		/* No RTT yet: only the application's cap applies. */
		WRITE_ONCE(sk->sk_pacing_rate, max_rate);
		return;
	}
	if (cwnd < tp->snd_ssthresh / 2)
		ratio = READ_ONCE(net->ipv4.sysctl_tcp_pacing_ss_ratio);
	else
		ratio = READ_ONCE(net->ipv4.sysctl_tcp_pacing_ca_ratio);
	/* bytes per srtt * ratio%; srtt_us holds 8 * SRTT in us. */
	rate = (u64)tp->mss_cache * max(cwnd, tp->packets_out) * ratio;
	rate = div64_u64(rate * (USEC_PER_SEC / 100) * 8, tp->srtt_us);
	WRITE_ONCE(sk->sk_pacing_rate, min_t(u64, rate, max_rate));
}

/*
 * A data skb of len bytes leaves (tcp_update_skb_after_send): its
 * departure time is now (the event's clock read, in tcp_clock_cache) or
 * later if pacing says so, and the next may leave len/rate after it. As
 * Linux: the first 10 segments go unpaced (sch_fq's initial quantum),
 * and a send later than its time takes up to half of that gap off the
 * next (the OS's jitter, not a reason to fall behind the rate).
 */
void xtcp_pacing_stamp(struct sock *sk, struct sk_buff *skb,
		       unsigned int len)
{
	unsigned long rate = READ_ONCE(sk->sk_pacing_rate);
	struct tcp_sock *tp = tcp_sk(sk);
	u64 prior = tp->tcp_wstamp_ns, gap;

	if (tp->tcp_wstamp_ns < tp->tcp_clock_cache)
		tp->tcp_wstamp_ns = tp->tcp_clock_cache;
	skb_set_delivery_time(skb, ns_to_ktime(tp->tcp_wstamp_ns),
			      SKB_CLOCK_MONOTONIC);
	if (READ_ONCE(sk->sk_pacing_status) == SK_PACING_NONE ||
	    !rate || rate == ~0UL || tp->data_segs_out < 10)
		return;
	gap = div64_ul((u64)len * NSEC_PER_SEC, rate);
	gap -= min(gap / 2, tp->tcp_wstamp_ns - prior);
	tp->tcp_wstamp_ns += gap;
}

/*
 * Internal pacing (tcp_pacing_check): with no fq below to honour the
 * departure times, hold until the next one and let the timer resume.
 * "Now" is write_xmit's clock read, as tcp_clock_cache is for TCP.
 */
bool xtcp_pacing_hold(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (READ_ONCE(sk->sk_pacing_status) != SK_PACING_NEEDED)
		return false;
	if (tp->tcp_wstamp_ns <= tp->tcp_clock_cache)
		return false;
	if (!hrtimer_is_queued(&tp->pacing_timer)) {
		hrtimer_start(&tp->pacing_timer, ns_to_ktime(tp->tcp_wstamp_ns),
			      HRTIMER_MODE_ABS_PINNED_SOFT);
		sock_hold(sk);
	}
	return true;
}

static enum hrtimer_restart xtcp_pace_kick(struct hrtimer *timer)
{
	struct tcp_sock *tp = container_of(timer, struct tcp_sock, pacing_timer);
	struct sock *sk = &tp->inet_conn.icsk_inet.sk;

	xtcp_tsq_handler(sk);
	sock_put(sk);
	return HRTIMER_NORESTART;
}

void xtcp_pacing_init(struct sock *sk)
{
	struct hrtimer *t = &tcp_sk(sk)->pacing_timer;

	hrtimer_init(t, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_PINNED_SOFT);
	t->function = xtcp_pace_kick;
}
