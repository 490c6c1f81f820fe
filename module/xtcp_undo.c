// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp: spurious loss recovery, detected and undone (Linux's undo, after
 * the ideas of RFC 2883 section 4 and the Eifel detection of RFC 3522).
 *
 * Fast recovery starts on evidence that may be wrong: a path that
 * reorders by more than RACK's window looks exactly like one that
 * drops. Two later signs tell the sender it was wrong:
 *  - D-SACKs (RFC 2883) for every segment recovery retransmitted: the
 *    receiver got each one twice, so the originals were not lost;
 *  - a timestamp echo older than the first retransmission on the ACK
 *    that fills a hole: the original filled it.
 * Either way the congestion window and ssthresh go back to what they
 * were when recovery began. undo_marker (snd_una at that moment, 0 when
 * there is nothing to undo) and undo_retrans (retransmissions not yet
 * D-SACKed) hold the evidence; prior_cwnd and prior_ssthresh the window.
 *
 * A timeout's reduction is not undone here: xtcp has no F-RTO, and an RTO
 * clears undo_marker.
 */
#include <net/tcp.h>
#include <net/xtcp.h>

/* Recovery begins: what to restore, and whose retransmissions count. */
void xtcp_init_undo(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	/* Called before the reduction, outside recovery: the window now
	 * (prior_cwnd is xtcp_cong_enter_recovery's).
	 */
	tp->prior_ssthresh = tcp_current_ssthresh(sk);
	tp->undo_marker = tp->snd_una;
	/* Retransmissions already out (a loss probe's) may be D-SACKed
	 * too; -1 rather than 0, which would mean "all D-SACKed".
	 */
	tp->undo_retrans = tp->retrans_out + (tp->tlp_high_seq && tp->tlp_retrans);
	if (!tp->undo_retrans)
		tp->undo_retrans = -1;
	/* This episode's first retransmission starts the clock. */
	if (!xtcp_any_retrans_done(sk))
		tp->retrans_stamp = 0;
}

/* Anything retransmitted still unacknowledged (the head carries the
 * mark of a retransmission the RACK took for lost again).
 */
bool xtcp_any_retrans_done(const struct sock *sk)
{
	const struct sk_buff *skb = skb_peek(&xtcp_sk(sk)->rtx_queue);

	return tcp_sk(sk)->retrans_out || (skb && XTCP_SKB_CB(skb)->retrans);
}

/* Did the echoed timestamp leave before the first retransmission (or was
 * nothing retransmitted)? Then what the ACK reports was an original.
 */
static bool xtcp_packet_delayed(const struct sock *sk,
				const struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	const struct tcp_sock *tp = tcp_sk(sk);

	if (!tp->retrans_stamp)
		return true;
	return tp->rx_opt.tstamp_ok && cb->has_ts && cb->ts_ecr &&
	       before(cb->ts_ecr - tp->tsoffset, tp->retrans_stamp);
}

/* The recovery was spurious: window and ssthresh as they were (the
 * algorithms' undo_cwnd: the larger of now and before), losses
 * forgotten if asked, and RACK to look again.
 */
static void xtcp_undo_cwnd_reduction(struct sock *sk, bool unmark_loss)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb;

	if (unmark_loss) {
		skb_queue_walk(&xtcp_sk(sk)->rtx_queue, skb)
			XTCP_SKB_CB(skb)->lost = 0;
		tp->lost_out = 0;
	}
	if (tp->prior_ssthresh) {
		tcp_snd_cwnd_set(tp, max(tcp_snd_cwnd(tp), tp->prior_cwnd));
		tp->snd_ssthresh = max(tp->snd_ssthresh, tp->prior_ssthresh);
	}
	tp->snd_cwnd_stamp = tcp_jiffies32;
	tp->undo_marker = 0;
	tp->rack.advanced = 1;
}

/* Recovery ends (or a hole is filled) in Open state. */
static void xtcp_keep_open(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (!xtcp_any_retrans_done(sk))
		tp->retrans_stamp = 0;
	inet_csk(sk)->icsk_ca_state = TCP_CA_Open;
	tp->high_seq = tp->snd_nxt;
}

/*
 * The ACK of high_seq ends fast recovery: undo it if all its
 * retransmissions were D-SACKed or the echo shows originals arrived.
 * Returns true if undone (cwnd is then not set to ssthresh). A recovery
 * that stood lets RACK's widened window shrink back sooner.
 */
bool xtcp_try_undo_recovery(struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (tp->undo_marker &&
	    (!tp->undo_retrans || xtcp_packet_delayed(sk, skb))) {
		xtcp_undo_cwnd_reduction(sk, false);
		xtcp_mib_inc(sk, XTCP_MIB_FULLUNDO);
		return true;
	}
	if (tp->rack.reo_wnd_persist)
		tp->rack.reo_wnd_persist--;
	return false;
}

/*
 * An ACK of new data short of high_seq. If its echo shows the hole was
 * filled by an original, the path reordered: note how far, and undo once
 * no retransmission is out. Returns true while some still are: this ACK
 * then marks and resends nothing more (new data still goes).
 */
bool xtcp_try_undo_partial(struct sock *sk, const struct sk_buff *skb,
			   u32 prior_una)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (!tp->undo_marker || !xtcp_packet_delayed(sk, skb))
		return false;
	xtcp_check_reordering(sk, prior_una);
	if (tp->retrans_out)
		return true;
	xtcp_undo_cwnd_reduction(sk, true);
	xtcp_mib_inc(sk, XTCP_MIB_PARTIALUNDO);
	xtcp_keep_open(sk);
	return false;
}

/*
 * Every retransmission since recovery began was D-SACKed: undo, in or
 * after recovery, and let the next recoveries keep RACK's wider window.
 * Recovery ends; a loss still marked starts a new one.
 */
bool xtcp_try_undo_dsack(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (!tp->undo_marker || tp->undo_retrans)
		return false;
	tp->rack.reo_wnd_persist = min_t(u32, TCP_RACK_RECOVERY_THRESH,
					 tp->rack.reo_wnd_persist + 1);
	xtcp_undo_cwnd_reduction(sk, false);
	xtcp_mib_inc(sk, XTCP_MIB_DSACKUNDO);
	if (inet_csk(sk)->icsk_ca_state == TCP_CA_Recovery)
		xtcp_keep_open(sk);
	return true;
}
