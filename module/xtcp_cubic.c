// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp: CUBIC congestion control (RFC 9438), xtcp's own.
 *
 * After a congestion event the window follows
 *
 *	W_cubic(t) = C * (t - K)^3 + W_max,	K = cbrt((W_max - cwnd_epoch) / C)
 *
 * (t in seconds since the first ACK of the epoch, C = 0.4), so it grows
 * quickly back towards the window where the loss happened, flattens
 * there and probes beyond it. It never grows slower than Reno with the
 * same average (the Reno-friendly estimate W_est, alpha = 3(1-b)/(1+b)),
 * and reacts to loss with beta_cubic = 0.7 and fast convergence.
 * Slow start ends at the first loss or earlier, when HyStart sees the
 * window fill the path (below), as in Linux's CUBIC. Times on the curve
 * are in milliseconds, so C becomes 0.4e-9 per ms^3; the state lives in
 * icsk_ca_priv.
 */
#include <linux/math64.h>
#include <linux/moduleparam.h>
#include <net/tcp.h>
#include <net/xtcp.h>

#define CUBIC_BETA	717	/* beta_cubic = 0.7, of 1024 */
#define CUBIC_ALPHA	529	/* 3 * (1 - 0.7) / (1 + 0.7), of 1000 */
#define CUBIC_MAX_T_MS	BIT(21)	/* keeps (t - K)^3 within a u64 */

/*
 * HyStart (Ha and Rhee, "Taming the elephants", 2011; on by default in
 * Linux's tcp_cubic with the same constants): slow start doubles the
 * window per round until a loss, overshooting the path by up to a window.
 * HyStart ends it without a loss when, in one round (the ACKs of what
 * was in flight when the round began), either
 *  - the ACK train, ACKs spaced less than 2 ms apart, has lasted half the
 *    minimum RTT: the window already fills the path; or
 *  - the round's smallest RTT (of its first 8 samples or more) exceeds
 *    the minimum by delay_min / 8, clamped to 4..16 ms: a queue builds.
 * Below 16 segments it does not look.
 */
static bool hystart = true;
module_param(hystart, bool, 0644);
MODULE_PARM_DESC(hystart, "CUBIC ends slow start by HyStart's ACK train or delay signal (default on)");

#define HYSTART_LOW_WINDOW	16
#define HYSTART_ACK_DELTA_US	2000
#define HYSTART_MIN_SAMPLES	8
#define HYSTART_DELAY_MIN_US	4000U
#define HYSTART_DELAY_MAX_US	16000U

struct xtcp_cubic {
	u32 w_max;		/* window before the last reduction */
	u32 origin;		/* W_max of this epoch's curve */
	u32 k_ms;		/* time to reach origin */
	u32 epoch_ms;		/* start of the epoch, 0: none yet */
	u32 w_est;		/* Reno-friendly estimate, segments */
	u32 est_acc;		/* its fraction, in 1/1000 segments x cwnd */
	u32 cnt;		/* ACKed segments per +1 segment */
	u32 prior;		/* cwnd when ssthresh was last set */
	u32 delay_min;		/* smallest RTT sample, us */
	/* HyStart's round: */
	u32 round_start;	/* its first ACK (tcp_mstamp, us); 0: none */
	u32 end_seq;		/* it ends when snd_una passes this */
	u32 last_ack;		/* the ACK train's last ACK, us */
	u32 curr_rtt;		/* its smallest RTT sample, us */
	u8 sample_cnt;		/* RTT samples taken in it */
	u8 found;		/* HyStart ended slow start */
};

static struct xtcp_cubic *xtcp_cubic(struct sock *sk)
{
	BUILD_BUG_ON(sizeof(struct xtcp_cubic) > ICSK_CA_PRIV_SIZE);
	return inet_csk_ca(sk);
}

/* Integer cube root (floor), by bits. */
static u32 xtcp_cbrt(u64 a)
{
	u64 r = 0;
	int s;

	for (s = 63; s >= 0; s -= 3) {
		r <<= 1;
		if ((a >> s) >= 3 * r * (r + 1) + 1) {
			a -= (3 * r * (r + 1) + 1) << s;
			r++;
		}
	}
	return r;
}

static void xtcp_cubic_init(struct sock *sk)
{
	memset(xtcp_cubic(sk), 0, sizeof(struct xtcp_cubic));
}

/* W_cubic(t) in segments, t in ms since the epoch began. */
static u32 xtcp_cubic_window(const struct xtcp_cubic *ca, u32 t)
{
	u64 d = t > ca->k_ms ? t - ca->k_ms : ca->k_ms - t, delta;

	d = min_t(u64, d, CUBIC_MAX_T_MS);
	/* C * d^3 with C = 0.4e-9 / ms^3 */
	delta = div_u64(d * d * d, 2500000000ULL);
	if (t > ca->k_ms)
		return ca->origin + (u32)min_t(u64, delta, U32_MAX / 2);
	return delta >= ca->origin ? 1 : ca->origin - (u32)delta;
}

/* Congestion avoidance: how many ACKed segments earn one more segment. */
static void xtcp_cubic_update(struct sock *sk, u32 acked)
{
	struct xtcp_cubic *ca = xtcp_cubic(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	u32 cwnd = tcp_snd_cwnd(tp), now = tcp_time_stamp_ms(tp), t, target;

	if (!ca->epoch_ms) {
		ca->epoch_ms = now ? : 1;
		if (cwnd < ca->w_max) {
			ca->k_ms = xtcp_cbrt((u64)(ca->w_max - cwnd) *
					     2500000000ULL);
			ca->origin = ca->w_max;
		} else {
			ca->k_ms = 0;
			ca->origin = cwnd;
		}
		ca->w_est = cwnd;
		ca->est_acc = 0;
	}

	/* Where the curve is one RTT from now (RFC 9438 4.2). */
	t = now - ca->epoch_ms + (tp->srtt_us >> 3) / USEC_PER_MSEC;
	target = xtcp_cubic_window(ca, t);
	if (target > cwnd)
		ca->cnt = max(cwnd / (target - cwnd), 2U);
	else
		ca->cnt = 100 * cwnd;	/* about flat */

	/* Reno-friendly region (RFC 9438 4.3): W_est grows by alpha per
	 * window of ACKs, by Reno's 1 once it has reached the window of
	 * the last reduction.
	 */
	ca->est_acc += acked * (ca->w_est >= ca->prior ? 1000 : CUBIC_ALPHA);
	while (ca->est_acc >= cwnd * 1000) {
		ca->est_acc -= cwnd * 1000;
		ca->w_est++;
	}
	if (ca->w_est > cwnd)
		ca->cnt = min(ca->cnt, max(cwnd / (ca->w_est - cwnd), 1U));
}

static void xtcp_cubic_on_ack(struct sock *sk, u32 acked)
{
	struct xtcp_cubic *ca = xtcp_cubic(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	u32 cwnd;

	if (tcp_snd_cwnd(tp) < tp->snd_ssthresh) {
		acked = xtcp_slow_start(tp, acked);
		if (!acked)
			return;
	}
	cwnd = tcp_snd_cwnd(tp);
	xtcp_cubic_update(sk, acked);
	/* Credit earned while the curve was flat (cnt ~ 100 * cwnd) buys
	 * one segment, not a step of many once cnt drops after K
	 * (tcp_cong_avoid_ai's "apply them gently").
	 */
	if (tp->snd_cwnd_cnt >= ca->cnt) {
		tp->snd_cwnd_cnt = 0;
		cwnd++;
	}
	tp->snd_cwnd_cnt += acked;
	if (tp->snd_cwnd_cnt >= ca->cnt) {
		cwnd += tp->snd_cwnd_cnt / ca->cnt;
		tp->snd_cwnd_cnt %= ca->cnt;
	}
	tcp_snd_cwnd_set(tp, min(cwnd, tp->snd_cwnd_clamp));
}

/* A new round: what is in flight now is what it waits for. */
static void xtcp_hystart_round(struct sock *sk)
{
	struct xtcp_cubic *ca = xtcp_cubic(sk);
	struct tcp_sock *tp = tcp_sk(sk);

	ca->round_start = (u32)tp->tcp_mstamp ? : 1;
	ca->last_ack = ca->round_start;
	ca->end_seq = tp->snd_nxt;
	ca->curr_rtt = ~0U;
	ca->sample_cnt = 0;
}

/* Slack for the ACK train: the time a few GSO skbs take at the pacing
 * rate, up to 1 ms (hystart_ack_delay), so that aggregation by TSO and
 * GRO on short paths is not taken for a full pipe.
 */
static u32 xtcp_hystart_ack_delay(const struct sock *sk)
{
	unsigned long rate = READ_ONCE(sk->sk_pacing_rate);

	if (!rate)
		return 0;
	return min_t(u64, USEC_PER_MSEC,
		     div64_ul((u64)READ_ONCE(sk->sk_gso_max_size) * 4 *
			      USEC_PER_SEC, rate));
}

static void xtcp_hystart_exit(struct sock *sk, enum xtcp_mib detect,
			      enum xtcp_mib cwnd_sum)
{
	struct tcp_sock *tp = tcp_sk(sk);

	xtcp_cubic(sk)->found = 1;
	xtcp_mib_inc(sk, detect);
	xtcp_mib_add(sk, cwnd_sum, tcp_snd_cwnd(tp));
	tp->snd_ssthresh = tcp_snd_cwnd(tp);
}

static void xtcp_hystart_update(struct sock *sk, u32 delay)
{
	struct xtcp_cubic *ca = xtcp_cubic(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	u32 now = (u32)tp->tcp_mstamp, threshold;

	if (!ca->round_start || after(tp->snd_una, ca->end_seq))
		xtcp_hystart_round(sk);
	if (tcp_snd_cwnd(tp) < HYSTART_LOW_WINDOW)
		return;

	if ((s32)(now - ca->last_ack) <= HYSTART_ACK_DELTA_US) {
		ca->last_ack = now;
		threshold = ca->delay_min + xtcp_hystart_ack_delay(sk);
		/* Unpaced, a round's data leaves at once and its ACKs
		 * span half the delay; paced, they may spread over the
		 * whole of it.
		 */
		if (READ_ONCE(sk->sk_pacing_status) == SK_PACING_NONE)
			threshold >>= 1;
		if ((s32)(now - ca->round_start) > (s32)threshold) {
			xtcp_hystart_exit(sk, XTCP_MIB_HYSTARTTRAINDETECT,
					  XTCP_MIB_HYSTARTTRAINCWND);
			return;
		}
	}

	ca->curr_rtt = min(ca->curr_rtt, delay);
	if (ca->sample_cnt < HYSTART_MIN_SAMPLES) {
		ca->sample_cnt++;
		return;
	}
	if (ca->curr_rtt > ca->delay_min +
			   clamp(ca->delay_min >> 3, HYSTART_DELAY_MIN_US,
				 HYSTART_DELAY_MAX_US))
		xtcp_hystart_exit(sk, XTCP_MIB_HYSTARTDELAYDETECT,
				  XTCP_MIB_HYSTARTDELAYCWND);
}

/* Every ACK's RTT sample: the minimum delay, and HyStart in slow start. */
static void xtcp_cubic_on_rtt(struct sock *sk, u32 rtt_us)
{
	struct xtcp_cubic *ca = xtcp_cubic(sk);
	struct tcp_sock *tp = tcp_sk(sk);

	/* Just after a reduction the queue still drains: not the path. */
	if (ca->epoch_ms &&
	    (s32)(tcp_time_stamp_ms(tp) - ca->epoch_ms) < MSEC_PER_SEC)
		return;
	if (!ca->delay_min || rtt_us < ca->delay_min)
		ca->delay_min = rtt_us;
	if (!ca->found && READ_ONCE(hystart) && tcp_in_slow_start(tp))
		xtcp_hystart_update(sk, rtt_us);
}

/* Multiplicative decrease with fast convergence (RFC 9438 4.6, 4.7). */
static u32 xtcp_cubic_ssthresh(struct sock *sk)
{
	struct xtcp_cubic *ca = xtcp_cubic(sk);
	u32 cwnd = tcp_snd_cwnd(tcp_sk(sk));

	ca->epoch_ms = 0;
	ca->prior = cwnd;
	if (cwnd < ca->w_max)
		ca->w_max = cwnd * (1024 + CUBIC_BETA) / 2048;
	else
		ca->w_max = cwnd;
	return max(cwnd * CUBIC_BETA / 1024, 2U);
}

/* After an RTO the curve starts over (RFC 9438 4.8). */
static void xtcp_cubic_on_rto(struct sock *sk)
{
	xtcp_cubic_init(sk);
}

/*
 * The sender was idle (application limited, nothing in flight): that time
 * is not time on the curve (RFC 9438 5.8), so the epoch moves by it, as
 * Linux's CUBIC does on CA_EVENT_TX_START. Without this the first ACKs
 * after a pause would find the curve as far along as if the window had
 * been in use all along. As in Linux, "idle" is measured from the last
 * send, so a flight drained by one ACK (a peer that coalesced the whole
 * window) also moves the epoch by about an RTT.
 */
static void xtcp_cubic_on_tx_start(struct sock *sk)
{
	struct xtcp_cubic *ca = xtcp_cubic(sk);
	u32 now = tcp_time_stamp_ms(tcp_sk(sk));	/* transmit's event */
	s32 idle;

	if (!ca->epoch_ms)
		return;
	idle = jiffies_to_msecs(tcp_jiffies32 - tcp_sk(sk)->lsndtime);
	if (idle <= 0)
		return;
	ca->epoch_ms += idle;
	if (after(ca->epoch_ms, now))
		ca->epoch_ms = now;
	if (!ca->epoch_ms)	/* 0 means no epoch */
		ca->epoch_ms = 1;
}

const struct xtcp_cong_ops xtcp_cubic_ops = {
	.name		= "cubic",
	.init		= xtcp_cubic_init,
	.on_ack		= xtcp_cubic_on_ack,
	.on_rtt		= xtcp_cubic_on_rtt,
	.ssthresh	= xtcp_cubic_ssthresh,
	.on_rto		= xtcp_cubic_on_rto,
	.on_tx_start	= xtcp_cubic_on_tx_start,
};
