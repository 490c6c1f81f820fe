// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp: RACK-TLP loss detection (RFC 8985).
 *
 * RACK: a segment is lost when a segment sent after it has been
 * delivered (SACKed or cumulatively acknowledged) and a reordering window
 * has passed since then, measured in time rather than in duplicate ACKs.
 * A hole that the window does not yet condemn arms the RACK (reorder)
 * timer. The state lives in tcp_sock's rack fields: the send time, end
 * and RTT of the most recently sent segment known delivered.
 *
 * TLP: when ACKs stop while data is outstanding and recovery is not
 * running, a probe goes out one probe timeout (PTO, about two round
 * trips) after the last transmission: new data if the window allows, else
 * the last segment again. Its ACK (or SACK) then lets RACK or fast
 * recovery repair a tail loss that would otherwise wait for the RTO.
 *
 * Enabled, as in Linux, by the RACK bit of the namespace's
 * net.ipv4.tcp_recovery, and only with SACK.
 */
#include <net/tcp.h>
#include <net/xtcp.h>

/* The worst-case delayed ACK a lone segment may wait for (RFC 8985 7.2). */
#define XTCP_TLP_WCDELACK	TCP_DELACK_MAX

bool xtcp_rack_enabled(const struct sock *sk)
{
	return tcp_sk(sk)->rx_opt.sack_ok &&
	       (READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_recovery) &
		TCP_RACK_LOSS_DETECTION);
}

void xtcp_rack_init(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);

	memset(&tp->rack, 0, sizeof(tp->rack));
	tp->rack.reo_wnd_steps = 1;
	tp->reord_seen = 0;
	tp->tlp_high_seq = 0;
	tp->tlp_retrans = 0;
	xp->rack_fack = 0;
	xp->rack_reo_us = 0;
	xp->rack_reo_grown_us = 0;
}

/* Was (t1, seq1) sent after (t2, seq2)? Equal times (one GSO burst)
 * are ordered by sequence.
 */
static bool xtcp_rack_sent_after(u64 t1, u64 t2, u32 seq1, u32 seq2)
{
	return t1 > t2 || (t1 == t2 && after(seq1, seq2));
}

/*
 * A segment was newly delivered (RFC 8985 6.2 steps 2 and 3): remember it
 * if it was sent last of all delivered ones. One sent once that arrived
 * below prior_fack, the highest sequence delivered before this ACK (not
 * during it: one ACK may cover the segments below a hole and SACK those
 * above it), was reordered: *reord keeps the lowest such start for
 * xtcp_check_reordering() once the ACK is parsed.
 */
void xtcp_rack_advance(struct sock *sk, const struct sk_buff *skb, u64 now_us,
		       u32 prior_fack, u32 *reord)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	u32 rtt_us = now_us - cb->when_us;

	if (!cb->retrans) {
		if (tp->rack.mstamp && before(cb->end_seq, prior_fack) &&
		    before(cb->seq, *reord))
			*reord = cb->seq;
		if (!tp->rack.mstamp || after(cb->end_seq, xp->rack_fack))
			xp->rack_fack = cb->end_seq;
	} else if (rtt_us < tcp_min_rtt(tp)) {
		/* Faster than any round trip: this acknowledges the
		 * original, not the retransmission; its send time is not
		 * known. (The timestamp echo cannot tell: for a segment that
		 * arrived out of order the peer echoes an older one's, RFC
		 * 7323 4.3.)
		 */
		return;
	}
	/* The RTT is the latest delivered segment's, whenever it was sent
	 * (as tcp_rack_advance): the segments a reordering held back then
	 * widen the wait for those still missing.
	 */
	tp->rack.rtt_us = rtt_us;
	tp->rack.advanced = 1;
	if (xtcp_rack_sent_after(cb->when_us, tp->rack.mstamp, cb->end_seq,
				 tp->rack.end_seq)) {
		tp->rack.mstamp = cb->when_us;
		tp->rack.end_seq = cb->end_seq;
	}
}

/*
 * Data from low_seq up was delivered after data above it: the path
 * reorders, by at least that distance. tp->reordering, the duplicate
 * threshold, grows to it in segments (bounded by
 * net.ipv4.tcp_max_reordering), as tcp_check_sack_reordering.
 */
void xtcp_check_reordering(struct sock *sk, u32 low_seq)
{
	struct tcp_sock *tp = tcp_sk(sk);
	u32 fack = xtcp_sk(sk)->rack_fack, mss = tp->mss_cache, metric;

	if (!before(low_seq, fack))
		return;
	metric = fack - low_seq;
	if (mss && metric > tp->reordering * mss)
		tp->reordering = min_t(u32, DIV_ROUND_UP(metric, mss),
				       READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_max_reordering));
	tp->reord_seen++;
	xtcp_mib_inc(sk, XTCP_MIB_SACKREORDER);
}

/*
 * RFC 8985 6.2 step 4's adaptation (tcp_rack_update_reo_wnd): a D-SACK
 * after reordering was seen says RACK called a reordered segment lost, so
 * the window grows by one min_RTT/4 step, at most once a round trip (the
 * D-SACK must answer data sent after the last growth). It stays wide for
 * TCP_RACK_RECOVERY_THRESH recoveries (reo_wnd_persist), then falls back
 * to one step. Off with net.ipv4.tcp_recovery's static window bit.
 */
void xtcp_rack_update_reo_wnd(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);

	if (READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_recovery) &
	    TCP_RACK_STATIC_REO_WND)
		return;
	if (tp->rack.dsack_seen && tp->rack.mstamp < xp->rack_reo_grown_us)
		tp->rack.dsack_seen = 0;
	if (tp->rack.dsack_seen) {
		tp->rack.reo_wnd_steps = min_t(u32, 0xFF,
					       tp->rack.reo_wnd_steps + 1);
		tp->rack.dsack_seen = 0;
		xp->rack_reo_grown_us = tp->tcp_mstamp;
		tp->rack.reo_wnd_persist = TCP_RACK_RECOVERY_THRESH;
	} else if (!tp->rack.reo_wnd_persist) {
		tp->rack.reo_wnd_steps = 1;
	}
}

/* RFC 8985 6.2 step 4: min_RTT/4, none while no reordering has been
 * seen and DupThresh would already call the hole lost (or recovery runs).
 */
static u32 xtcp_rack_reo_wnd(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	u32 steps = max_t(u32, tp->rack.reo_wnd_steps, 1);

	if (!tp->reord_seen) {
		if (inet_csk(sk)->icsk_ca_state >= TCP_CA_Recovery)
			return 0;
		if (tp->sacked_out >= tp->reordering)
			return 0;
	}
	return min((tcp_min_rtt(tp) >> 2) * steps, tp->srtt_us >> 3);
}

/*
 * RFC 8985 6.2 step 5: mark lost every segment sent before the last
 * delivered one by more than the reordering window; for those still
 * within it, xp->rack_reo_us is when the first of them would be (0: none).
 * A lost retransmission is marked again. Returns true if any newly.
 */
bool xtcp_rack_mark_lost(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	u64 now = tp->tcp_mstamp;	/* the ACK's or the timer's */
	bool marked = false;
	struct sk_buff *skb;
	s64 wait = 0;
	u32 reo_wnd;

	if (!tp->rack.advanced)
		return false;
	tp->rack.advanced = 0;
	xp->rack_reo_us = 0;
	reo_wnd = xtcp_rack_reo_wnd(sk);

	skb_queue_walk(&xp->rtx_queue, skb) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
		s64 remaining;

		/* A transmission is judged once: one called lost and then
		 * found only delayed (undo) waits for the ACKs or the RTO
		 * until it is sent again, as Linux takes it off its
		 * time-sorted queue.
		 */
		if (cb->sacked || cb->rack_judged ||
		    (cb->lost && !cb->retrans_out))
			continue;
		if (!xtcp_rack_sent_after(tp->rack.mstamp, cb->when_us,
					  tp->rack.end_seq, cb->end_seq)) {
			/* In sequence order, what follows a segment sent
			 * once was sent later still.
			 */
			if (!cb->retrans)
				break;
			continue;
		}
		remaining = (s64)(cb->when_us + tp->rack.rtt_us + reo_wnd) -
			    (s64)now;
		if (remaining > 0) {
			wait = max(wait, remaining);
			continue;
		}
		cb->rack_judged = 1;
		if (cb->retrans_out) {
			/* The retransmission is lost as well. */
			cb->retrans_out = 0;
			tp->retrans_out -= xtcp_skb_pcount(skb);
		} else {
			cb->lost = 1;
			tp->lost_out += xtcp_skb_pcount(skb);
		}
		xtcp_mib_inc(sk, XTCP_MIB_RACKLOSS);
		marked = true;
	}
	xp->rack_reo_us = wait;
	return marked;
}

/* The RACK timer expired: the segments it waited for are lost now. */
static void xtcp_rack_reo_timeout(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (!tp->packets_out)
		return;
	tp->rack.advanced = 1;
	if (xtcp_loss_recovery(sk))
		xtcp_xmit_retransmit_queue(sk);
	xtcp_set_xmit_timer(sk);
}

/* ---- Tail Loss Probe (RFC 8985 7) ---- */

/* Arm the probe timeout in place of the RTO (RFC 8985 7.2); false when a
 * probe may not be sent now.
 */
bool xtcp_tlp_schedule(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	u32 pto_us;

	if (!tp->packets_out || !xtcp_rack_enabled(sk) ||
	    icsk->icsk_ca_state != TCP_CA_Open ||
	    !((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT |
				    TCPF_FIN_WAIT1 | TCPF_CLOSING |
				    TCPF_LAST_ACK)))
		return false;
	if (tp->srtt_us) {
		pto_us = tp->srtt_us >> 2;	/* 2 * SRTT */
		/* A lone segment may wait for the peer's delayed ACK. */
		if (tp->packets_out == 1)
			pto_us += jiffies_to_usecs(XTCP_TLP_WCDELACK);
	} else {
		pto_us = USEC_PER_SEC;
	}
	/* Never later than the RTO would fire. */
	pto_us = min(pto_us, jiffies_to_usecs(icsk->icsk_rto));
	xtcp_reset_xmit_timer(sk, ICSK_TIME_LOSS_PROBE,
			      max_t(unsigned long, usecs_to_jiffies(pto_us),
				    TCP_TIMEOUT_MIN));
	return true;
}

/* The probe timeout expired: send one probe, then the RTO guards. */
static void xtcp_tlp_send_probe(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	unsigned int mss = xtcp_current_mss(sk);
	u32 nxt = tp->snd_nxt;
	struct sk_buff *skb;
	int pcount, err;

	/* One probe per episode; and none once recovery has started. */
	if (tp->tlp_high_seq || !tp->packets_out ||
	    inet_csk(sk)->icsk_ca_state != TCP_CA_Open)
		goto rearm;

	/* New data if the window lets it go (RFC 8985 7.3). */
	if (!skb_queue_empty(&sk->sk_write_queue)) {
		xtcp_write_xmit(sk, mss, TCP_NAGLE_OFF, true, GFP_ATOMIC);
		if (after(tp->snd_nxt, nxt)) {
			tp->tlp_retrans = 0;
			goto probed;
		}
	}
	/* Else the last segment again (its last MSS of a GSO skb). */
	skb = skb_peek_tail(&xp->rtx_queue);
	if (!skb || XTCP_SKB_CB(skb)->sacked)
		goto rearm;
	pcount = xtcp_skb_pcount(skb);
	if (pcount > 1 && XTCP_SKB_CB(skb)->mss &&
	    !(XTCP_SKB_CB(skb)->tcp_flags & TCPHDR_SYN)) {
		if (xtcp_fragment(sk, &xp->rtx_queue, skb,
				  (pcount - 1) * XTCP_SKB_CB(skb)->mss,
				  XTCP_SKB_CB(skb)->mss, GFP_ATOMIC))
			goto rearm;
		skb = skb_peek_tail(&xp->rtx_queue);
	}
	xp->tlp_resending = true;
	err = xtcp_retransmit_skb(sk, skb, 1);
	xp->tlp_resending = false;
	if (err)
		goto rearm;
	tp->tlp_retrans = 1;
probed:
	tp->tlp_high_seq = tp->snd_nxt;
	xtcp_mib_inc(sk, XTCP_MIB_TCPLOSSPROBES);
rearm:
	xtcp_reset_rto_timer(sk);
}

/*
 * An ACK at or beyond the probe's tlp_high_seq ends the episode (RFC 8985
 * 7.4.2, as tcp_process_tlp_ack): a probe of new data, a D-SACK of the
 * probe or a pure duplicate ACK say nothing was lost; an ACK beyond it
 * without those says the probe repaired a loss, which gets the
 * congestion response of a fast recovery (cwnd to ssthresh, once).
 */
void xtcp_tlp_ack(struct sock *sk, u32 ack, bool una_advanced, bool dsack)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (!tp->tlp_high_seq || before(ack, tp->tlp_high_seq))
		return;
	if (!tp->tlp_retrans || dsack) {
		tp->tlp_high_seq = 0;
	} else if (after(ack, tp->tlp_high_seq)) {
		tp->tlp_high_seq = 0;
		if (inet_csk(sk)->icsk_ca_state == TCP_CA_Open)
			xtcp_cong_on_loss(sk);
		xtcp_mib_inc(sk, XTCP_MIB_TCPLOSSPROBERECOVERY);
	} else if (!una_advanced) {
		tp->tlp_high_seq = 0;
	}
}

/* ---- the timer slot shared with the RTO ---- */

/* After an ACK: the RACK timer if a hole waits for its window, else a
 * probe timeout, else the RTO.
 */
void xtcp_set_xmit_timer(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);

	if (!tcp_sk(sk)->packets_out) {
		inet_csk_clear_xmit_timer(sk, ICSK_TIME_RETRANS);
		return;
	}
	if (xp->rack_reo_us) {
		xtcp_rack_arm_reo(sk);
		return;
	}
	if (!xtcp_tlp_schedule(sk))
		xtcp_reset_rto_timer(sk);
}

void xtcp_rack_arm_reo(struct sock *sk)
{
	inet_csk_reset_xmit_timer(sk, ICSK_TIME_REO_TIMEOUT,
				  usecs_to_jiffies(xtcp_sk(sk)->rack_reo_us) +
				  TCP_TIMEOUT_MIN, TCP_RTO_MAX);
}

/* The write timer's RACK and TLP events. */
void xtcp_rack_timer(struct sock *sk, int event)
{
	if (event == ICSK_TIME_REO_TIMEOUT)
		xtcp_rack_reo_timeout(sk);
	else if (event == ICSK_TIME_LOSS_PROBE)
		xtcp_tlp_send_probe(sk);
}
