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
 * Slow start is standard (no HyStart). Times are in milliseconds, so
 * C becomes 0.4e-9 per ms^3; the state lives in icsk_ca_priv.
 */
#include <linux/math64.h>
#include <net/tcp.h>
#include <net/xtcp.h>

#define CUBIC_BETA	717	/* beta_cubic = 0.7, of 1024 */
#define CUBIC_ALPHA	529	/* 3 * (1 - 0.7) / (1 + 0.7), of 1000 */
#define CUBIC_MAX_T_MS	BIT(21)	/* keeps (t - K)^3 within a u64 */

struct xtcp_cubic {
	u32 w_max;		/* window before the last reduction */
	u32 origin;		/* W_max of this epoch's curve */
	u32 k_ms;		/* time to reach origin */
	u32 epoch_ms;		/* start of the epoch, 0: none yet */
	u32 w_est;		/* Reno-friendly estimate, segments */
	u32 est_acc;		/* its fraction, in 1/1000 segments x cwnd */
	u32 cnt;		/* ACKed segments per +1 segment */
	u32 prior;		/* cwnd when ssthresh was last set */
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
 * been in use all along.
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
	.ssthresh	= xtcp_cubic_ssthresh,
	.on_rto		= xtcp_cubic_on_rto,
	.on_tx_start	= xtcp_cubic_on_tx_start,
};
