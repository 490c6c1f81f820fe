// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp: timers. The retransmission timer (RFC 6298, with the give-up
 * rules of tcp_write_timeout(): SYN retries, tcp_retries2 as a time
 * budget, TCP_USER_TIMEOUT), the zero-window probe, the RACK reorder
 * timer and the tail loss probe (their slot, xtcp_rack.c), the delayed ACK,
 * and icsk_keepalive_timer (not sk_timer, in 6.12) for keepalive, the
 * FIN_WAIT2 timeout of orphans and TIME_WAIT.
 *
 * A timer that finds the socket owned by the user defers its work to
 * release_cb (xtcp_release_cb), holding a reference meanwhile.
 */
#include <net/tcp.h>
#include <net/xtcp.h>
#include <trace/events/xtcp.h>

static u32 xtcp_now_ms(void)
{
	return (u32)tcp_clock_ms();
}

/* The time in ms that 'boundary' exponential backoffs from rto_base
 * take, as tcp_model_timeout().
 */
static unsigned int xtcp_model_timeout(unsigned int boundary,
				       unsigned int rto_base)
{
	unsigned int thresh = ilog2(TCP_RTO_MAX / rto_base), timeout;

	if (boundary <= thresh)
		timeout = ((2 << boundary) - 1) * rto_base;
	else
		timeout = ((2 << thresh) - 1) * rto_base +
			  (boundary - thresh) * TCP_RTO_MAX;
	return jiffies_to_msecs(timeout);
}

static bool xtcp_retransmits_timed_out(struct sock *sk, unsigned int boundary,
				       unsigned int timeout)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (!inet_csk(sk)->icsk_retransmits || !tp->retrans_stamp)
		return false;
	if (!timeout) {
		unsigned int rto_base = TCP_RTO_MIN;

		if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
			rto_base = TCP_TIMEOUT_INIT;
		timeout = xtcp_model_timeout(boundary, rto_base);
	}
	return (s32)(xtcp_now_ms() - tp->retrans_stamp - timeout) >= 0;
}

/* Give up on the connection: report the soft error if one was seen
 * (no route, unreachable), else ETIMEDOUT.
 */
void xtcp_write_err(struct sock *sk)
{
	if (sk->sk_state == TCP_SYN_RECV && xtcp_sk(sk)->parent) {
		xtcp_syn_recv_timeout(sk);
		return;
	}
	WRITE_ONCE(sk->sk_err, READ_ONCE(sk->sk_err_soft) ? : ETIMEDOUT);
	if (sk->sk_state == TCP_SYN_SENT)
		xtcp_mib_inc(sk, XTCP_MIB_ATTEMPTFAILS);
	sk_error_report(sk);
	xtcp_free_queues(sk);
	xtcp_done(sk);
}

static bool xtcp_write_timeout(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct net *net = sock_net(sk);
	unsigned int retry_until;
	bool expired = false;

	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		unsigned int max_retransmits;

		if (sk->sk_state == TCP_SYN_RECV)
			retry_until = READ_ONCE(net->ipv4.sysctl_tcp_synack_retries);
		else
			retry_until = READ_ONCE(icsk->icsk_syn_retries) ? :
				      READ_ONCE(net->ipv4.sysctl_tcp_syn_retries);
		max_retransmits = retry_until;
		if (sk->sk_state == TCP_SYN_SENT)
			max_retransmits +=
				READ_ONCE(net->ipv4.sysctl_tcp_syn_linear_timeouts);
		expired = icsk->icsk_retransmits >= max_retransmits;
	} else {
		retry_until = READ_ONCE(net->ipv4.sysctl_tcp_retries2);
		if (sock_flag(sk, SOCK_DEAD)) {
			int orphan = READ_ONCE(net->ipv4.sysctl_tcp_orphan_retries);

			/* 0 means 8, as tcp_orphan_retries(). */
			retry_until = orphan ? : 8;
		}
	}
	if (!expired)
		expired = xtcp_retransmits_timed_out(sk, retry_until,
						     READ_ONCE(icsk->icsk_user_timeout));
	if (expired) {
		xtcp_write_err(sk);
		return true;
	}
	return false;
}

/* RTO expired: everything outstanding is presumed lost (RFC 5681 3.1,
 * RFC 6298 5.4-5.6).
 */
static void xtcp_retransmit_timer(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	struct net *net = sock_net(sk);
	struct sk_buff *skb;

	if (!tp->packets_out || skb_queue_empty(&xp->rtx_queue))
		return;
	if (xtcp_write_timeout(sk))
		return;

	/* SACKed data above a hole the timer had to repair: the path's
	 * reordering is likely overestimated (tcp_enter_loss).
	 */
	if (icsk->icsk_ca_state == TCP_CA_Open &&
	    tp->sacked_out >= READ_ONCE(net->ipv4.sysctl_tcp_reordering))
		tp->reordering = min_t(u32, tp->reordering,
				       READ_ONCE(net->ipv4.sysctl_tcp_reordering));
	if (icsk->icsk_ca_state != TCP_CA_Loss || !icsk->icsk_retransmits)
		xtcp_cong_on_rto(sk);
	tp->undo_marker = 0;	/* a timeout's reduction is never undone */
	xtcp_update_pacing_rate(sk);
	icsk->icsk_ca_state = TCP_CA_Loss;
	tp->high_seq = tp->snd_nxt;
	if (!tp->rx_opt.sack_ok)
		tp->sacked_out = 0;
	xp->dupacks = 0;
	tp->tlp_high_seq = 0;		/* the RTO ends a probe episode */
	xp->rack_reo_us = 0;
	tp->lost_out = 0;
	tp->retrans_out = 0;
	/* Everything not SACKed is presumed lost (the scoreboard stays). */
	skb_queue_walk(&xp->rtx_queue, skb) {
		XTCP_SKB_CB(skb)->retrans_out = 0;
		XTCP_SKB_CB(skb)->lost = !XTCP_SKB_CB(skb)->sacked;
		if (XTCP_SKB_CB(skb)->lost)
			tp->lost_out += xtcp_skb_pcount(skb);
	}
	xtcp_mib_inc(sk, XTCP_MIB_RTOS);

	icsk->icsk_retransmits++;
	tp->total_rto++;
	/* The first hole goes now, whatever cwnd says (the head if the
	 * peer SACKed everything but did not acknowledge it).
	 */
	skb_queue_walk(&xp->rtx_queue, skb) {
		if (XTCP_SKB_CB(skb)->lost)
			break;
	}
	if (skb == (struct sk_buff *)&xp->rtx_queue)
		skb = skb_peek(&xp->rtx_queue);
	xtcp_retransmit_skb(sk, skb, 1);

	if (sk->sk_state != TCP_SYN_SENT ||
	    tp->total_rto > READ_ONCE(net->ipv4.sysctl_tcp_syn_linear_timeouts)) {
		icsk->icsk_backoff++;
		icsk->icsk_rto = min(icsk->icsk_rto << 1, TCP_RTO_MAX);
	}
	xtcp_reset_rto_timer(sk);
}

/* Zero window with data waiting: probe, backing off (RFC 9293 3.8.6.1). */
static void xtcp_probe_timer(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	unsigned int when;

	if (tp->packets_out || skb_queue_empty(&sk->sk_write_queue)) {
		icsk->icsk_probes_out = 0;
		icsk->icsk_backoff = 0;
		return;
	}
	if (icsk->icsk_user_timeout && icsk->icsk_probes_tstamp &&
	    (s32)(tcp_jiffies32 - icsk->icsk_probes_tstamp) >=
	    (s32)msecs_to_jiffies(icsk->icsk_user_timeout)) {
		xtcp_write_err(sk);
		return;
	}
	if (!icsk->icsk_probes_tstamp)
		icsk->icsk_probes_tstamp = tcp_jiffies32;
	if (icsk->icsk_probes_out >=
	    READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_retries2)) {
		xtcp_write_err(sk);
		return;
	}
	xtcp_write_wakeup(sk);
	if (tp->packets_out || skb_queue_empty(&sk->sk_write_queue)) {
		/* Data went out (a corked remainder, or the window opened):
		 * the retransmission timer watches it now.
		 */
		icsk->icsk_probes_out = 0;
		icsk->icsk_backoff = 0;
		icsk->icsk_probes_tstamp = 0;
		return;
	}
	icsk->icsk_probes_out++;
	if (icsk->icsk_backoff < READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_retries2))
		icsk->icsk_backoff++;
	when = min_t(unsigned int, icsk->icsk_rto << icsk->icsk_backoff,
		     TCP_RTO_MAX);
	xtcp_reset_xmit_timer(sk, ICSK_TIME_PROBE0, when);
}

void xtcp_check_probe_timer(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);

	if (!tcp_sk(sk)->packets_out && !icsk->icsk_pending) {
		icsk->icsk_probes_tstamp = 0;
		xtcp_reset_xmit_timer(sk, ICSK_TIME_PROBE0,
				      min_t(unsigned int,
					    icsk->icsk_rto << icsk->icsk_backoff,
					    TCP_RTO_MAX));
	}
}

/*
 * Arm a transmit timer (RTO, loss probe, zero-window probe) when jiffies
 * from now, plus the time pacing still holds the socket's data back
 * (tcp_reset_xmit_timer): the timer watches for what the network lost,
 * not for what has yet to leave.
 */
void xtcp_reset_xmit_timer(struct sock *sk, int what, unsigned long when)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	s64 paced = tp->tcp_wstamp_ns - tp->tcp_clock_cache;

	if (paced > 0)
		when += nsecs_to_jiffies(paced);
	inet_csk_reset_xmit_timer(sk, what, when, TCP_RTO_MAX);
}

/* (Re)arm the retransmission timer for the head of the queue, clamped
 * to what TCP_USER_TIMEOUT leaves.
 */
void xtcp_reset_rto_timer(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	u32 user_timeout = READ_ONCE(icsk->icsk_user_timeout);
	unsigned long when = icsk->icsk_rto;

	if (user_timeout && tcp_sk(sk)->retrans_stamp) {
		s32 remaining = user_timeout -
				(s32)(xtcp_now_ms() - tcp_sk(sk)->retrans_stamp);

		if (remaining <= 0)
			when = 1;
		else
			when = min_t(unsigned long, when,
				     msecs_to_jiffies(remaining));
		inet_csk_reset_xmit_timer(sk, ICSK_TIME_RETRANS, when,
					  TCP_RTO_MAX);
		return;
	}
	xtcp_reset_xmit_timer(sk, ICSK_TIME_RETRANS, when);
}

static void xtcp_write_timer_handler(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	int event;

	if (((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)) ||
	    !icsk->icsk_pending)
		return;
	if (time_after(icsk->icsk_timeout, jiffies)) {
		sk_reset_timer(sk, &icsk->icsk_retransmit_timer,
			       icsk->icsk_timeout);
		return;
	}
	xtcp_mstamp_refresh(tcp_sk(sk));
	event = icsk->icsk_pending;
	icsk->icsk_pending = 0;
	if (event == ICSK_TIME_RETRANS)
		xtcp_retransmit_timer(sk);
	else if (event == ICSK_TIME_PROBE0)
		xtcp_probe_timer(sk);
	else
		xtcp_rack_timer(sk, event);	/* RACK reorder, TLP */
}

static void xtcp_write_timer(struct timer_list *t)
{
	struct inet_connection_sock *icsk =
		from_timer(icsk, t, icsk_retransmit_timer);
	struct sock *sk = &icsk->icsk_inet.sk;

	bh_lock_sock(sk);
	if (!sock_owned_by_user(sk)) {
		xtcp_write_timer_handler(sk);
	} else if (!test_and_set_bit(XTCP_WRITE_TIMER_DEFERRED,
				     &xtcp_sk(sk)->deferred)) {
		sock_hold(sk);
	}
	bh_unlock_sock(sk);
	sock_put(sk);
}

void xtcp_delack_schedule(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	unsigned long ato = icsk->icsk_ack.ato ? : TCP_ATO_MIN;

	if (icsk->icsk_ack.pending & ICSK_ACK_TIMER)
		return;
	inet_csk_reset_xmit_timer(sk, ICSK_TIME_DACK, ato, TCP_DELACK_MAX);
}

static void xtcp_delack_timer_handler(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);

	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
		return;
	if (!(icsk->icsk_ack.pending & ICSK_ACK_TIMER))
		return;
	if (time_after(icsk->icsk_ack.timeout, jiffies)) {
		sk_reset_timer(sk, &icsk->icsk_delack_timer,
			       icsk->icsk_ack.timeout);
		return;
	}
	icsk->icsk_ack.pending &= ~ICSK_ACK_TIMER;
	if (inet_csk_ack_scheduled(sk)) {
		/* No reply came to carry it: an interactive connection
		 * stops waiting for replies; otherwise the next delayed
		 * ACK waits longer (as tcp_delack_timer_handler()).
		 */
		if (inet_csk_in_pingpong_mode(sk)) {
			inet_csk_exit_pingpong_mode(sk);
			icsk->icsk_ack.ato = TCP_ATO_MIN;
		} else {
			icsk->icsk_ack.ato = min3((u32)icsk->icsk_ack.ato << 1,
						  icsk->icsk_rto,
						  (u32)TCP_DELACK_MAX);
		}
		xtcp_mstamp_refresh(tcp_sk(sk));
		xtcp_send_ack(sk);
	}
}

static void xtcp_delack_timer(struct timer_list *t)
{
	struct inet_connection_sock *icsk =
		from_timer(icsk, t, icsk_delack_timer);
	struct sock *sk = &icsk->icsk_inet.sk;

	bh_lock_sock(sk);
	if (!sock_owned_by_user(sk)) {
		xtcp_delack_timer_handler(sk);
	} else if (!test_and_set_bit(XTCP_DELACK_TIMER_DEFERRED,
				     &xtcp_sk(sk)->deferred)) {
		sock_hold(sk);
	}
	bh_unlock_sock(sk);
	sock_put(sk);
}

/* Work the timers could not do while the user held the socket. */
void xtcp_release_cb(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);

	if (test_and_clear_bit(XTCP_WRITE_TIMER_DEFERRED, &xp->deferred)) {
		xtcp_write_timer_handler(sk);
		__sock_put(sk);
	}
	if (test_and_clear_bit(XTCP_DELACK_TIMER_DEFERRED, &xp->deferred)) {
		xtcp_delack_timer_handler(sk);
		__sock_put(sk);
	}
	if (test_and_clear_bit(XTCP_MTU_REDUCED_DEFERRED, &xp->deferred)) {
		xtcp_mtu_reduced(sk);
		__sock_put(sk);
	}
	if (test_and_clear_bit(XTCP_TSQ_DEFERRED, &xp->deferred)) {
		xtcp_tsq_write(sk);
		__sock_put(sk);
	}
}

static u32 xtcp_keepalive_time(const struct tcp_sock *tp)
{
	return READ_ONCE(tp->keepalive_time) ? :
	       READ_ONCE(sock_net((struct sock *)tp)->ipv4.sysctl_tcp_keepalive_time);
}

static u32 xtcp_keepalive_intvl(const struct tcp_sock *tp)
{
	return READ_ONCE(tp->keepalive_intvl) ? :
	       READ_ONCE(sock_net((struct sock *)tp)->ipv4.sysctl_tcp_keepalive_intvl);
}

static u32 xtcp_keepalive_probes(const struct tcp_sock *tp)
{
	return READ_ONCE(tp->keepalive_probes) ? :
	       READ_ONCE(sock_net((struct sock *)tp)->ipv4.sysctl_tcp_keepalive_probes);
}

static void xtcp_reset_ka_timer(struct sock *sk, unsigned long len)
{
	sk_reset_timer(sk, &inet_csk(sk)->icsk_keepalive_timer, jiffies + len);
}

/* Arm the keepalive timer for what the state needs: FIN_WAIT2 of an orphan, or
 * keepalive.
 */
void xtcp_reset_keepalive(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (sk->sk_state == TCP_FIN_WAIT2 && sock_flag(sk, SOCK_DEAD)) {
		int t = READ_ONCE(tp->linger2) ? :
			READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_fin_timeout);

		xtcp_reset_ka_timer(sk, t > 0 ? t : 1);
		return;
	}
	if (sock_flag(sk, SOCK_KEEPOPEN) &&
	    ((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT |
				    TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2)))
		xtcp_reset_ka_timer(sk, xtcp_keepalive_time(tp));
}

void xtcp_set_keepalive(struct sock *sk, int val)
{
	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
		return;
	if (val && !sock_flag(sk, SOCK_KEEPOPEN))
		xtcp_reset_ka_timer(sk, xtcp_keepalive_time(tcp_sk(sk)));
	else if (!val && sk->sk_state != TCP_TIME_WAIT &&
		 !(sk->sk_state == TCP_FIN_WAIT2 && sock_flag(sk, SOCK_DEAD)))
		sk_stop_timer(sk, &inet_csk(sk)->icsk_keepalive_timer);
}

/* Enter TIME_WAIT for 2*MSL; the socket stays in the table (and its port
 * in the bind hash) to answer retransmitted FINs.
 */
void xtcp_time_wait(struct sock *sk)
{
	inet_csk_clear_xmit_timers(sk);
	if (sk->sk_state != TCP_TIME_WAIT)
		xtcp_set_state(sk, TCP_TIME_WAIT);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	xtcp_reset_ka_timer(sk, XTCP_TIMEWAIT_LEN);
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_state_change(sk);
}

static void xtcp_keepalive_timer(struct timer_list *t)
{
	struct inet_connection_sock *icsk =
		from_timer(icsk, t, icsk_keepalive_timer);
	struct sock *sk = &icsk->icsk_inet.sk;
	struct tcp_sock *tp = tcp_sk(sk);
	u32 elapsed, keepalive;

	bh_lock_sock(sk);
	if (sock_owned_by_user(sk)) {
		/* Try again shortly. */
		xtcp_reset_ka_timer(sk, HZ / 20);
		goto out;
	}

	switch (sk->sk_state) {
	case TCP_TIME_WAIT:
		xtcp_done(sk);
		goto out;
	case TCP_FIN_WAIT2:
		if (sock_flag(sk, SOCK_DEAD)) {
			/* The peer never sent its FIN. */
			xtcp_send_active_reset(sk, GFP_ATOMIC);
			xtcp_done(sk);
			goto out;
		}
		break;
	case TCP_CLOSE:
	case TCP_LISTEN:
	case TCP_SYN_SENT:
	case TCP_SYN_RECV:
		goto out;
	}

	if (!sock_flag(sk, SOCK_KEEPOPEN))
		goto out;
	if (tp->packets_out || !skb_queue_empty(&sk->sk_write_queue))
		goto resched;

	keepalive = xtcp_keepalive_time(tp);
	elapsed = min_t(u32, tcp_jiffies32 - icsk->icsk_ack.lrcvtime,
			tcp_jiffies32 - tp->rcv_tstamp);
	if (elapsed >= keepalive) {
		u32 user_timeout = READ_ONCE(icsk->icsk_user_timeout);

		if ((user_timeout && elapsed >= msecs_to_jiffies(user_timeout) &&
		     icsk->icsk_probes_out > 0) ||
		    (!user_timeout &&
		     icsk->icsk_probes_out >= xtcp_keepalive_probes(tp))) {
			xtcp_send_active_reset(sk, GFP_ATOMIC);
			xtcp_write_err(sk);
			goto out;
		}
		xtcp_mstamp_refresh(tp);
		if (xtcp_send_probe(sk) <= 0) {
			icsk->icsk_probes_out++;
			xtcp_reset_ka_timer(sk, xtcp_keepalive_intvl(tp));
		} else {
			xtcp_reset_ka_timer(sk, TCP_RESOURCE_PROBE_INTERVAL);
		}
		goto out;
	}
	xtcp_reset_ka_timer(sk, keepalive - elapsed);
	goto out;
resched:
	xtcp_reset_ka_timer(sk, xtcp_keepalive_time(tp));
out:
	bh_unlock_sock(sk);
	sock_put(sk);
}

void xtcp_init_xmit_timers(struct sock *sk)
{
	inet_csk_init_xmit_timers(sk, xtcp_write_timer, xtcp_delack_timer,
				  xtcp_keepalive_timer);
	xtcp_pacing_init(sk);
}
