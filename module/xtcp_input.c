// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp: the receive side of TCP.
 *
 * A netfilter hook at NF_INET_LOCAL_IN, after the filter table (so INPUT
 * rules apply to xtcp as to TCP) and before conntrack confirmation, looks
 * each TCP segment up in xtcp's tables and steals the ones addressed to an
 * xtcp socket; everything else continues to tcp_v4_rcv(). A segment for a
 * listener that is not a SYN is left to the kernel, whose answer (RST, as
 * for a port with no connection) is the right one.
 *
 * Then, per socket, under bh_lock_sock or from the backlog: the state
 * machine of RFC 9293 3.10.7, ACK processing (RTT per RFC 6298, Reno
 * per RFC 5681, NewReno recovery per RFC 6582), in-order delivery with
 * an out-of-order queue, delayed and quick ACKs, FIN and RST (RFC 5961).
 */
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <net/busy_poll.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/secure_seq.h>
#include <net/tcp.h>
#include <net/xtcp.h>
#include <trace/events/xtcp.h>

/* Options of an incoming segment (RFC 9293 3.2, RFC 7323, RFC 2018). */
struct xtcp_rx_opts {
	u16 mss;
	u8 wscale;
	bool saw_mss, saw_wscale, saw_sack_perm, saw_ts;
	u32 ts_val, ts_ecr;
};

static void xtcp_parse_options(const struct tcphdr *th,
			       struct xtcp_rx_opts *o)
{
	const unsigned char *ptr = (const unsigned char *)(th + 1);
	int length = (th->doff * 4) - sizeof(struct tcphdr);

	memset(o, 0, sizeof(*o));
	while (length > 0) {
		int opcode = *ptr++;
		int opsize;

		if (opcode == TCPOPT_EOL)
			return;
		if (opcode == TCPOPT_NOP) {
			length--;
			continue;
		}
		if (length < 2)
			return;
		opsize = *ptr++;
		if (opsize < 2 || opsize > length)
			return;	/* malformed: ignore the rest */
		switch (opcode) {
		case TCPOPT_MSS:
			if (opsize == TCPOLEN_MSS && th->syn) {
				o->mss = get_unaligned_be16(ptr);
				o->saw_mss = o->mss != 0;
			}
			break;
		case TCPOPT_WINDOW:
			if (opsize == TCPOLEN_WINDOW && th->syn) {
				o->wscale = min_t(u8, *ptr, TCP_MAX_WSCALE);
				o->saw_wscale = true;
			}
			break;
		case TCPOPT_SACK_PERM:
			if (opsize == TCPOLEN_SACK_PERM && th->syn)
				o->saw_sack_perm = true;
			break;
		case TCPOPT_TIMESTAMP:
			if (opsize == TCPOLEN_TIMESTAMP) {
				o->saw_ts = true;
				o->ts_val = get_unaligned_be32(ptr);
				o->ts_ecr = get_unaligned_be32(ptr + 4);
			}
			break;
		}
		ptr += opsize - 2;
		length -= opsize;
	}
}

/* Apply what a SYN (or SYN-ACK) offered to what we offered. */
static void xtcp_negotiate(struct sock *sk, const struct xtcp_rx_opts *o)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);

	if (o->saw_mss) {
		u16 mss = o->mss;

		if (tp->rx_opt.user_mss && tp->rx_opt.user_mss < mss)
			mss = tp->rx_opt.user_mss;
		tp->rx_opt.mss_clamp = mss;
	} else if (tp->rx_opt.user_mss) {
		tp->rx_opt.mss_clamp = min_t(u16, TCP_MSS_DEFAULT,
					     tp->rx_opt.user_mss);
	} else {
		tp->rx_opt.mss_clamp = TCP_MSS_DEFAULT;
	}

	tp->rx_opt.tstamp_ok = xp->syn_ts && o->saw_ts;
	if (tp->rx_opt.tstamp_ok) {
		tp->rx_opt.ts_recent = o->ts_val;
		tp->rx_opt.ts_recent_stamp = ktime_get_seconds();
	}
	tp->rx_opt.sack_ok = xp->syn_sack && o->saw_sack_perm;
	tp->rx_opt.wscale_ok = xp->syn_wscale && o->saw_wscale;
	if (tp->rx_opt.wscale_ok) {
		tp->rx_opt.snd_wscale = o->wscale;
	} else {
		tp->rx_opt.snd_wscale = 0;
		tp->rx_opt.rcv_wscale = 0;
		tp->window_clamp = min(tp->window_clamp, 65535U);
	}
}

/* ---- RTT and the retransmission timer (RFC 6298) ---- */

/*
 * One RTT sample into SRTT/RTTVAR and the RTO; min_rtt (windowed over
 * tcp_min_rtt_wlen seconds) takes ca_rtt_us, the newest segment's delay,
 * as tcp_update_rtt_min does.
 */
void xtcp_rtt_sample(struct sock *sk, long rtt_us, long ca_rtt_us)
{
	u32 wlen = READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_min_rtt_wlen) * HZ;
	struct tcp_sock *tp = tcp_sk(sk);
	struct inet_connection_sock *icsk = inet_csk(sk);
	long m = max(rtt_us, 1L);
	u32 rto;

	if (tp->srtt_us) {
		/* srtt_us holds 8*SRTT, mdev_us/rttvar_us 4*RTTVAR. */
		long err = m - (tp->srtt_us >> 3);

		tp->srtt_us += err;
		if (err < 0)
			err = -err;
		tp->mdev_us += err - (tp->mdev_us >> 2);
	} else {
		tp->srtt_us = m << 3;
		tp->mdev_us = m << 1;
	}
	tp->rttvar_us = max(tp->mdev_us, tcp_rto_min_us(sk));
	minmax_running_min(&tp->rtt_min, wlen, tcp_jiffies32,
			   max(ca_rtt_us, 1L));

	rto = __tcp_set_rto(tp);
	icsk->icsk_rto = clamp_t(u32, rto, tcp_rto_min(sk), TCP_RTO_MAX);
	trace_xtcp_ack(sk, tp->snd_una, 0, tp->snd_wnd);
}

/* ---- ACK processing ---- */

static void xtcp_ack_update_window(struct sock *sk, const struct sk_buff *skb,
				   u32 ack)
{
	struct tcp_sock *tp = tcp_sk(sk);
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	u32 nwin = (u32)cb->window << tp->rx_opt.snd_wscale;

	if (after(ack, tp->snd_una) || after(cb->seq, tp->snd_wl1) ||
	    (cb->seq == tp->snd_wl1 && (nwin > tp->snd_wnd || !nwin))) {
		tp->snd_wl1 = cb->seq;
		if (tp->snd_wnd != nwin) {
			tp->snd_wnd = nwin;
			/* Data waited for this window with nothing in flight:
			 * as after idle, the cwnd may no longer hold.
			 */
			if (!tcp_write_queue_empty(sk))
				xtcp_cwnd_restart_check(sk);
			if (nwin > tp->max_window)
				tp->max_window = nwin;
		}
	}
}

/* The SACK blocks of an incoming ACK (header still on the skb). */
static int xtcp_parse_sack(const struct sk_buff *skb,
			   struct tcp_sack_block *blk, int max)
{
	const struct tcphdr *th = tcp_hdr(skb);
	const unsigned char *ptr = (const unsigned char *)(th + 1);
	int length = th->doff * 4 - sizeof(*th), n = 0;

	while (length > 0) {
		int opcode = *ptr++, opsize, i;

		if (opcode == TCPOPT_EOL)
			break;
		if (opcode == TCPOPT_NOP) {
			length--;
			continue;
		}
		if (length < 2)
			break;
		opsize = *ptr++;
		if (opsize < 2 || opsize > length)
			break;
		if (opcode == TCPOPT_SACK &&
		    opsize >= TCPOLEN_SACK_BASE + TCPOLEN_SACK_PERBLOCK &&
		    !((opsize - TCPOLEN_SACK_BASE) % TCPOLEN_SACK_PERBLOCK)) {
			for (i = 0; i < (opsize - TCPOLEN_SACK_BASE) /
					TCPOLEN_SACK_PERBLOCK && n < max; i++) {
				blk[n].start_seq = get_unaligned_be32(ptr + i * 8);
				blk[n].end_seq = get_unaligned_be32(ptr + i * 8 + 4);
				n++;
			}
		}
		ptr += opsize - 2;
		length -= opsize;
	}
	return n;
}

/* A GSO skb the SACK block [start, end) covers only in part: split it at
 * segment boundaries (tcp_match_skb_to_sack). Returns true when skb now
 * lies wholly inside the block; a tail split off is visited next.
 */
static bool xtcp_sack_split(struct sock *sk, struct sk_buff *skb, u32 start,
			    u32 end)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	unsigned int mss = cb->mss;
	u32 len;

	if (xtcp_skb_pcount(skb) < 2 || !mss || (cb->tcp_flags & TCPHDR_SYN))
		return false;
	if (before(cb->seq, start)) {
		len = roundup(start - cb->seq, mss);
		if (len < skb->len)
			xtcp_fragment(sk, &xtcp_sk(sk)->rtx_queue, skb, len, mss,
				      GFP_ATOMIC);
		return false;
	}
	len = rounddown(end - cb->seq, mss);
	return len && len < skb->len &&
	       !xtcp_fragment(sk, &xtcp_sk(sk)->rtx_queue, skb, len, mss,
			      GFP_ATOMIC);
}

/* Send times of what an ACK newly SACKed, among segments sent once
 * (Karn): the oldest and the newest (tcp_sacktag_state's first_sackt and
 * last_sackt). 0: none.
 */
struct xtcp_sack_times {
	u64 first;
	u64 last;
};

/* Mark the segments the peer SACKed; true if any newly. D-SACKs and
 * blocks outside (snd_una, snd_nxt] are ignored.
 */
static bool xtcp_sacktag(struct sock *sk, const struct sk_buff *ack_skb,
			 u32 *reord, struct xtcp_sack_times *st)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	u32 prior_fack = xp->rack_fack;
	struct tcp_sack_block blk[4];
	u64 now = tp->tcp_mstamp;
	bool newly = false;
	struct sk_buff *skb;
	int n, i;

	if (!tp->rx_opt.sack_ok || !tp->packets_out)
		return false;
	n = xtcp_parse_sack(ack_skb, blk, ARRAY_SIZE(blk));
	for (i = 0; i < n; i++) {
		u32 start = blk[i].start_seq, end = blk[i].end_seq;

		if (!before(start, end) || !after(start, tp->snd_una) ||
		    after(end, tp->snd_nxt))
			continue;
		skb_queue_walk(&xp->rtx_queue, skb) {
			struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

			int pcount;

			if (!before(cb->seq, end))
				break;
			if (cb->sacked || !after(cb->end_seq, start))
				continue;
			if ((before(cb->seq, start) || after(cb->end_seq, end)) &&
			    !xtcp_sack_split(sk, skb, start, end))
				continue;
			pcount = xtcp_skb_pcount(skb);
			cb->sacked = 1;
			tp->sacked_out += pcount;
			if (cb->lost) {
				cb->lost = 0;
				tp->lost_out -= pcount;
			}
			if (cb->retrans_out) {
				cb->retrans_out = 0;
				tp->retrans_out -= pcount;
			}
			if (!cb->retrans) {
				if (!st->first || cb->when_us < st->first)
					st->first = cb->when_us;
				st->last = max(st->last, cb->when_us);
			}
			xtcp_rack_advance(sk, skb, now, prior_fack, reord);
			newly = true;
		}
	}
	return newly;
}

/* RFC 6675 IsLost(), by segments: a hole with at least DupThresh
 * (tp->reordering) SACKed segments above it is lost. Returns true if a
 * segment was newly marked.
 */
static bool xtcp_sack_mark_lost(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	u32 sacked_above = 0;
	bool marked = false;
	struct sk_buff *skb;

	skb_queue_reverse_walk(&xp->rtx_queue, skb) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

		if (cb->sacked) {
			sacked_above += xtcp_skb_pcount(skb);
			continue;
		}
		if (sacked_above >= tp->reordering && !cb->lost) {
			cb->lost = 1;
			tp->lost_out += xtcp_skb_pcount(skb);
			marked = true;
		}
	}
	return marked;
}

/*
 * An RTT from the echoed timestamp, in whole ms (-1: none): only for what
 * a retransmission made ambiguous, as tcp_ack_update_rtt(); segments sent
 * once are timed in us by their own send time.
 */
static long xtcp_ts_rtt_us(const struct sock *sk, u32 ecr)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	u32 delta = tcp_time_stamp_ms(tp) + tp->tsoffset - ecr;

	/* Only echoes of our own clock count (RFC 7323 4.1). */
	if (!tp->rx_opt.tstamp_ok || !ecr || delta >= 60 * MSEC_PER_SEC)
		return -1;
	return max_t(long, delta, 1) * USEC_PER_MSEC;
}

/* Free what the ACK covers; return the number of segments acked. A GSO
 * skb acknowledged in part loses its acknowledged head (tcp_tso_acked).
 */
static u32 xtcp_clean_rtx_queue(struct sock *sk, u32 ack, long *rtt_us,
				long *ca_rtt_us, u32 prior_fack, u32 *reord)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	u64 now = tcp_sk(sk)->tcp_mstamp;
	u64 first_sent = 0, last_sent = 0;
	struct sk_buff *skb;
	u32 acked = 0;

	*rtt_us = -1;
	*ca_rtt_us = -1;
	while ((skb = skb_peek(&xp->rtx_queue))) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

		/* The RTT sample: the oldest newly acknowledged segment that
		 * was sent once (Karn), timed in us by its own send time;
		 * congestion control's: the newest (tcp_clean_rtx_queue's
		 * ca_rtt_us), the delay the last data met.
		 */
		if (!cb->retrans && before(cb->seq, ack)) {
			if (!first_sent)
				first_sent = cb->when_us;
			last_sent = cb->when_us;
		}
		if (after(cb->end_seq, ack)) {
			/* Partial: drop the acknowledged bytes from the head
			 * so a retransmission sends only what is missing.
			 */
			u32 trim = ack - cb->seq;
			int pcount = xtcp_skb_pcount(skb), diff;

			if (cb->tcp_flags & TCPHDR_SYN || !trim ||
			    trim >= skb->len || xtcp_trim_head(sk, skb, trim))
				break;
			xtcp_set_tso_segs(skb, cb->mss ? : skb->len);
			diff = pcount - xtcp_skb_pcount(skb);
			if (diff > 0) {
				xtcp_adjust_pcount(sk, skb, diff);
				acked += diff;
			}
			break;
		}
		if (!cb->sacked)
			xtcp_rack_advance(sk, skb, now, prior_fack, reord);
		xtcp_adjust_pcount(sk, skb, xtcp_skb_pcount(skb));
		acked += xtcp_skb_pcount(skb);
		__skb_unlink(skb, &xp->rtx_queue);
		xtcp_wmem_free_skb(sk, skb);
	}
	if (first_sent) {
		*rtt_us = tcp_stamp_us_delta(now, first_sent);
		*ca_rtt_us = tcp_stamp_us_delta(now, last_sent);
	}
	return acked;
}

/* Grow the send buffer with the congestion window, as tcp_sndbuf_expand,
 * unless the user fixed it with SO_SNDBUF.
 */
static void xtcp_sndbuf_expand(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int per_mss, sndmem;

	if (sk->sk_userlocks & SOCK_SNDBUF_LOCK)
		return;
	per_mss = SKB_TRUESIZE(max_t(u32, tp->mss_cache, 1) + MAX_TCP_HEADER);
	sndmem = 2 * max(tcp_snd_cwnd(tp), tp->reordering + 1) * per_mss;
	sndmem = min(sndmem, READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_wmem[2]));
	if (sk->sk_sndbuf < sndmem)
		WRITE_ONCE(sk->sk_sndbuf, sndmem);
}

static void xtcp_check_space(struct sock *sk)
{
	if (sk->sk_socket && test_bit(SOCK_NOSPACE, &sk->sk_socket->flags)) {
		xtcp_sndbuf_expand(sk);
		if (sk_stream_is_writeable(sk))
			sk->sk_write_space(sk);
	}
}

/* Enter fast recovery on the third duplicate ACK (RFC 6582), or when
 * SACK or RACK found a loss (then mark_head is false: the head may
 * still be on its way).
 */
static void xtcp_fast_retransmit(struct sock *sk, bool mark_head)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb = skb_peek(&xp->rtx_queue);

	if (!skb)
		return;
	xtcp_init_undo(sk);
	xtcp_cong_enter_recovery(sk);
	inet_csk(sk)->icsk_ca_state = TCP_CA_Recovery;
	tp->high_seq = tp->snd_nxt;
	tp->tlp_high_seq = 0;	/* recovery's reduction ends a probe episode */
	if (mark_head && !XTCP_SKB_CB(skb)->lost &&
	    !XTCP_SKB_CB(skb)->sacked) {
		XTCP_SKB_CB(skb)->lost = 1;
		tp->lost_out += xtcp_skb_pcount(skb);
	}
	xtcp_mib_inc(sk, XTCP_MIB_FASTRETRANS);
	/* The first lost segment goes next (RFC 5681 3.2 step 4, RFC 6675
	 * 5 step 4), as soon as pacing lets it: PRR's first step, one
	 * segment beyond what the network holds. The ACKs that follow pace
	 * the rest (xtcp_cwnd_reduction).
	 */
	tcp_snd_cwnd_set(tp, xtcp_in_flight(tp) + 1);
	xtcp_xmit_retransmit_queue(sk);
}

/*
 * With SACK: what was delivered may reveal losses, by time (RACK) or,
 * with RACK off in net.ipv4.tcp_recovery, by DupThresh (RFC 6675 IsLost).
 * A loss outside recovery starts it (RFC 6675 5); within it, the caller
 * resends what the window allows once PRR has set it. Returns true if
 * a segment was newly marked lost.
 */
bool xtcp_loss_recovery(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	bool rack = xtcp_rack_enabled(sk);
	bool marked = rack ? xtcp_rack_mark_lost(sk) : xtcp_sack_mark_lost(sk);

	if (icsk->icsk_ca_state != TCP_CA_Recovery &&
	    icsk->icsk_ca_state != TCP_CA_Loss &&
	    (marked || tcp_sk(sk)->lost_out))
		xtcp_fast_retransmit(sk, !rack);
	return marked;
}

/*
 * A D-SACK (RFC 2883): the first block lies below the cumulative ACK or
 * inside the second. Taken as evidence only if plausible, as
 * tcp_check_dsack: within the largest window, and no more duplicates
 * reported in all than segments retransmitted. It then counts off the
 * recovery's retransmissions (undo_retrans) and, unless it only answers
 * a loss probe, says the path reorders (RFC 8985 6.2) and asks RACK for
 * a wider window. Returns true for a D-SACK so taken.
 */
static bool xtcp_check_dsack(struct sock *sk, const struct sk_buff *skb,
			     u32 ack)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_sack_block blk[2];
	u32 start, end, len, dups;
	int n;

	if (!tp->rx_opt.sack_ok)
		return false;
	n = xtcp_parse_sack(skb, blk, ARRAY_SIZE(blk));
	if (!n)
		return false;
	start = blk[0].start_seq;
	end = blk[0].end_seq;
	if (!before(start, ack) &&
	    (n < 2 || before(start, blk[1].start_seq) ||
	     after(end, blk[1].end_seq)))
		return false;
	len = end - start;
	if (!before(start, end) || len > tp->max_window)
		return false;
	dups = DIV_ROUND_UP(len, max_t(u32, tp->mss_cache, 1));
	tp->dsack_dups += dups;
	if (tp->dsack_dups > tp->total_retrans)
		return false;
	xtcp_mib_inc(sk, XTCP_MIB_DSACKRECV);

	if (!(tp->tlp_high_seq && tp->tlp_high_seq == end &&
	      len <= tp->mss_cache)) {
		if (!tp->reord_seen) {
			tp->reord_seen++;
			xtcp_mib_inc(sk, XTCP_MIB_SACKREORDER);
		}
		tp->rack.dsack_seen = 1;
	}
	if (tp->undo_marker && tp->undo_retrans > 0 &&
	    after(end, tp->undo_marker))
		tp->undo_retrans = max_t(int, 0, tp->undo_retrans - dups);
	return true;
}

/*
 * An ACK's RTT samples, as tcp_ack_update_rtt: the cumulative ACK's (its
 * oldest segment, seq_rtt_us), else the SACK's, else, if it acknowledged
 * new data, the echoed timestamp. min_rtt and congestion control take
 * the newest segment's (ca_rtt_us), a SACKed one's if any: on a path
 * that reorders, segments that overtook the others are seen only in
 * SACKs, and theirs is the path's shortest delay.
 */
static void xtcp_ack_update_rtt(struct sock *sk, const struct sk_buff *skb,
				long seq_rtt_us, long ca_rtt_us,
				const struct xtcp_sack_times *st, bool acked)
{
	u64 now = tcp_sk(sk)->tcp_mstamp;

	if (st->first) {
		if (seq_rtt_us < 0)
			seq_rtt_us = tcp_stamp_us_delta(now, st->first);
		ca_rtt_us = tcp_stamp_us_delta(now, st->last);
	}
	if (seq_rtt_us < 0 && acked && XTCP_SKB_CB(skb)->has_ts) {
		seq_rtt_us = xtcp_ts_rtt_us(sk, XTCP_SKB_CB(skb)->ts_ecr);
		ca_rtt_us = seq_rtt_us;
	}
	if (seq_rtt_us >= 0)
		xtcp_rtt_sample(sk, seq_rtt_us, ca_rtt_us);
	xtcp_cong_on_rtt(sk, ca_rtt_us);
}

/* Reordering this ACK revealed (xtcp_rack_advance's lowest start). */
static void xtcp_ack_reordering(struct sock *sk, u32 reord, u32 prior_fack)
{
	if (before(reord, prior_fack))
		xtcp_check_reordering(sk, reord);
	xtcp_rack_update_reo_wnd(sk);
}

/* NewReno (RFC 6582): a partial ACK in recovery says the next hole was
 * lost too.
 */
static void xtcp_newreno_mark_head(struct sock *sk)
{
	struct sk_buff *head = skb_peek(&xtcp_sk(sk)->rtx_queue);

	if (head && !XTCP_SKB_CB(head)->lost && !XTCP_SKB_CB(head)->sacked) {
		XTCP_SKB_CB(head)->lost = 1;
		tcp_sk(sk)->lost_out += xtcp_skb_pcount(head);
	}
}

/*
 * Process the ACK field of an acceptable segment. Returns 0 to go on with
 * the segment, < 0 to drop it (the caller may send a challenge ACK).
 */
static int xtcp_ack(struct sock *sk, const struct sk_buff *skb)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	u32 ack = cb->ack_seq, prior_una = tp->snd_una;
	u32 prior_fack = xp->rack_fack;
	u32 prior_wnd = tp->snd_wnd, reord = prior_fack;
	u32 prior_sacked = tp->sacked_out;
	struct xtcp_sack_times st = {};
	bool sack_new, dsack, lost = false, hold = false;
	long rtt_us, ca_rtt_us;
	u32 acked_pkts;

	if (before(ack, prior_una)) {
		/* Older than what we have: ignore it (RFC 5961 5.2 bounds
		 * how old before it is a blind attack).
		 */
		if (before(ack, prior_una - tp->max_window))
			return -1;
		return 0;
	}
	if (after(ack, tp->snd_nxt))
		return -1;

	xtcp_ack_update_window(sk, skb, ack);
	/* Something got through: forget soft errors and keepalive probes. */
	WRITE_ONCE(sk->sk_err_soft, 0);
	icsk->icsk_probes_out = 0;
	tp->rcv_tstamp = tcp_jiffies32;
	sack_new = xtcp_sacktag(sk, skb, &reord, &st);
	dsack = xtcp_check_dsack(sk, skb, ack);

	if (ack == prior_una) {
		/* Before loss detection: RACK's window reads min_rtt. */
		xtcp_ack_update_rtt(sk, skb, -1, -1, &st, false);
		if (tp->rx_opt.sack_ok) {
			if (sack_new)
				xtcp_ack_reordering(sk, reord, prior_fack);
			/* Undone, a recovery may leave losses still marked:
			 * they start the next one.
			 */
			if (xtcp_try_undo_dsack(sk) || sack_new) {
				lost = xtcp_loss_recovery(sk);
				/* A hole RACK waits for: its timer. */
				if (xp->rack_reo_us && tp->packets_out)
					xtcp_rack_arm_reo(sk);
			}
			if (icsk->icsk_ca_state == TCP_CA_Recovery)
				xtcp_cwnd_reduction(sk, tp->sacked_out - prior_sacked,
						    lost, false);
			if (icsk->icsk_ca_state == TCP_CA_Recovery || lost)
				xtcp_xmit_retransmit_queue(sk);
			if (tp->tlp_high_seq)
				xtcp_tlp_ack(sk, ack, false, dsack);
			goto out;
		}
		/* A duplicate ACK: no data, no window change, data out. */
		if (tp->packets_out && cb->end_seq == cb->seq &&
		    !(cb->tcp_flags & (TCPHDR_SYN | TCPHDR_FIN)) &&
		    tp->snd_wnd == prior_wnd) {
			xp->dupacks++;
			if (icsk->icsk_ca_state == TCP_CA_Recovery ||
			    icsk->icsk_ca_state == TCP_CA_Loss) {
				/* Each one says a segment left the network. */
				if (tp->sacked_out + 1 < tp->packets_out)
					tp->sacked_out++;
				if (icsk->icsk_ca_state == TCP_CA_Recovery)
					xtcp_cwnd_reduction(sk, 1, false, false);
				xtcp_xmit_retransmit_queue(sk);
			} else if (xp->dupacks >= tp->reordering) {
				xtcp_fast_retransmit(sk, true);
			}
		}
		goto out;
	}

	/* New data acknowledged. */
	xp->dupacks = 0;
	WRITE_ONCE(tp->snd_una, ack);
	tp->bytes_acked += ack - prior_una;
	acked_pkts = xtcp_clean_rtx_queue(sk, ack, &rtt_us, &ca_rtt_us,
					  prior_fack, &reord);
	xtcp_ack_reordering(sk, reord, prior_fack);
	xtcp_rate_on_ack(sk, acked_pkts);
	trace_xtcp_ack(sk, ack, ack - prior_una, tp->snd_wnd);

	xtcp_ack_update_rtt(sk, skb, rtt_us, ca_rtt_us, &st, true);

	icsk->icsk_backoff = 0;
	icsk->icsk_retransmits = 0;

	if (icsk->icsk_ca_state == TCP_CA_Recovery ||
	    icsk->icsk_ca_state == TCP_CA_Loss) {
		/* Without SACK, sacked_out counts duplicate ACKs (Reno). */
		if (!tp->rx_opt.sack_ok)
			tp->sacked_out = acked_pkts > tp->sacked_out ? 0 :
					 tp->sacked_out - acked_pkts;
		if (!before(ack, tp->high_seq)) {
			/* Full ACK: recovery is over; cwnd at ssthresh unless
			 * the recovery proved spurious.
			 */
			if (icsk->icsk_ca_state == TCP_CA_Recovery &&
			    !xtcp_try_undo_recovery(sk, skb))
				tcp_snd_cwnd_set(tp, max(tp->snd_ssthresh, 2U));
			icsk->icsk_ca_state = TCP_CA_Open;
			if (!tp->rx_opt.sack_ok)
				tp->sacked_out = 0;
		} else if (icsk->icsk_ca_state == TCP_CA_Recovery) {
			/* Partial ACK: filled by an original, the hole was
			 * reordering; while retransmissions are still out,
			 * this ACK marks and resends nothing.
			 */
			hold = xtcp_try_undo_partial(sk, skb, prior_una);
			/* Else without SACK the next hole is lost too (RFC
			 * 6582); with it, SACK or RACK decide.
			 */
			if (!tp->rx_opt.sack_ok &&
			    icsk->icsk_ca_state == TCP_CA_Recovery)
				xtcp_newreno_mark_head(sk);
		}
	}
	/* Outside recovery, with nothing retransmitted outstanding, the
	 * next retransmission starts a new clock (timeouts, undo).
	 */
	if (icsk->icsk_ca_state == TCP_CA_Open && !xtcp_any_retrans_done(sk))
		tp->retrans_stamp = 0;
	if (tp->rx_opt.sack_ok && !hold) {
		/* Undone, a recovery may leave losses still marked: they
		 * start the next one.
		 */
		if (xtcp_try_undo_dsack(sk) || sack_new ||
		    xtcp_rack_enabled(sk))
			lost = xtcp_loss_recovery(sk);
	}
	if (tp->tlp_high_seq)
		xtcp_tlp_ack(sk, ack, true, dsack);
	/* Only a reduction in progress holds cwnd (tcp_cong_control): after
	 * an RTO, slow start from one segment clocks out the resends.
	 */
	if (icsk->icsk_ca_state == TCP_CA_Recovery)
		xtcp_cwnd_reduction(sk, acked_pkts + tp->sacked_out - prior_sacked,
				    lost, true);
	else
		xtcp_cong_on_ack(sk, acked_pkts);
	/* cwnd and srtt are settled for this ACK: the rate follows. */
	xtcp_update_pacing_rate(sk);

	xtcp_set_xmit_timer(sk);

	if (!hold)
		xtcp_xmit_retransmit_queue(sk);
	xtcp_check_space(sk);
out:
	/* Window opened with nothing in flight: stop probing. */
	if (icsk_pending_probe(sk) && tp->snd_wnd)
		inet_csk_clear_xmit_timer(sk, ICSK_TIME_PROBE0);
	return 0;
}

/* ---- receive queue ---- */

static bool xtcp_rmem_schedule(struct sock *sk, struct sk_buff *skb)
{
	if (atomic_read(&sk->sk_rmem_alloc) > sk->sk_rcvbuf + (sk->sk_rcvbuf >> 1))
		return false;
	return sk_rmem_schedule(sk, skb, skb->truesize);
}

static void xtcp_queue_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);

	__skb_queue_tail(&sk->sk_receive_queue, skb);
	skb_set_owner_r(skb, sk);
	tp->bytes_received += XTCP_SKB_CB(skb)->end_seq - tp->rcv_nxt;
	WRITE_ONCE(tp->rcv_nxt, XTCP_SKB_CB(skb)->end_seq);
}

static void xtcp_fin(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	inet_csk_schedule_ack(sk);
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | RCV_SHUTDOWN);
	sock_set_flag(sk, SOCK_DONE);

	switch (sk->sk_state) {
	case TCP_SYN_RECV:
	case TCP_ESTABLISHED:
		xtcp_set_state(sk, TCP_CLOSE_WAIT);
		inet_csk_enter_pingpong_mode(sk);
		break;
	case TCP_FIN_WAIT1:
		/* Simultaneous close: our FIN is not acked yet. */
		xtcp_send_ack(sk);
		xtcp_set_state(sk, TCP_CLOSING);
		break;
	case TCP_FIN_WAIT2:
		xtcp_send_ack(sk);
		xtcp_time_wait(sk);
		break;
	default:
		break;
	}

	/* Nothing beyond the FIN can be delivered. */
	skb_queue_purge(&xtcp_sk(sk)->ooo_queue);
	tp->rx_opt.num_sacks = 0;

	if (!sock_flag(sk, SOCK_DEAD)) {
		sk->sk_state_change(sk);
		if (sk->sk_shutdown == SHUTDOWN_MASK ||
		    sk->sk_state == TCP_CLOSE)
			sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_HUP);
		else
			sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_IN);
	}
}

/* Move segments that became in-order from the out-of-order queue. */
static bool xtcp_ofo_drain(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	bool fin = false;
	struct sk_buff *skb;

	while ((skb = skb_peek(&xp->ooo_queue))) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

		if (after(cb->seq, tp->rcv_nxt))
			break;
		__skb_unlink(skb, &xp->ooo_queue);
		if (!after(cb->end_seq, tp->rcv_nxt)) {
			__kfree_skb(skb);	/* all duplicate */
			continue;
		}
		if (before(cb->seq, tp->rcv_nxt)) {
			u32 trim = tp->rcv_nxt - cb->seq;

			if (trim > skb->len) {	/* only the FIN is new */
				trim = skb->len;
			}
			pskb_pull(skb, trim);
			cb->seq += trim;
		}
		/* Ownership moves from the ooo queue to the receive queue. */
		__skb_queue_tail(&sk->sk_receive_queue, skb);
		tp->bytes_received += cb->end_seq - tp->rcv_nxt;
		WRITE_ONCE(tp->rcv_nxt, cb->end_seq);
		if (cb->tcp_flags & TCPHDR_FIN) {
			fin = true;
			break;
		}
	}
	return fin;
}

/* Insert into the out-of-order queue, in sequence order. */
static void xtcp_ofo_queue(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct sk_buff *pos, *tmp;

	xtcp_mib_inc(sk, XTCP_MIB_OOOQUEUED);
	tcp_sk(sk)->rcv_ooopack++;
	skb_queue_reverse_walk_safe(&xp->ooo_queue, pos, tmp) {
		struct xtcp_skb_cb *pcb = XTCP_SKB_CB(pos);

		if (!before(cb->seq, pcb->seq)) {
			if (!after(cb->end_seq, pcb->end_seq)) {
				__kfree_skb(skb);	/* already have it */
				return;
			}
			__skb_queue_after(&xp->ooo_queue, pos, skb);
			goto placed;
		}
	}
	__skb_queue_head(&xp->ooo_queue, skb);
placed:
	/* Drop later segments the new one covers completely. */
	while (!skb_queue_is_last(&xp->ooo_queue, skb)) {
		struct sk_buff *next = skb_queue_next(&xp->ooo_queue, skb);

		if (after(XTCP_SKB_CB(next)->end_seq, cb->end_seq))
			break;
		__skb_unlink(next, &xp->ooo_queue);
		__kfree_skb(next);
	}
}

/* ACK now, or let the delayed-ACK timer do it (RFC 1122 4.2.3.2,
 * RFC 5681 4.2): every second full segment, quick ACKs early in the
 * connection unless interactive (pingpong: TCP_QUICKACK off, or the
 * peer's FIN, whose ACK then rides on our own FIN or data, as
 * tcp_in_quickack_mode), immediately for out-of-order data and holes
 * filled.
 */
static void xtcp_ack_snd_check(struct sock *sk, bool now)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct tcp_sock *tp = tcp_sk(sk);

	if (!inet_csk_ack_scheduled(sk))
		return;
	if (now || tp->rcv_nxt - tp->rcv_wup > icsk->icsk_ack.rcv_mss ||
	    (icsk->icsk_ack.quick && !inet_csk_in_pingpong_mode(sk))) {
		xtcp_send_ack(sk);
	} else {
		xtcp_delack_schedule(sk);
	}
}

static void xtcp_data_ready(struct sock *sk)
{
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_data_ready(sk);
}

/*
 * The peer's segment size, from full segments (tcp_measure_rcv_mss()), and
 * what a byte of buffer buys in window from what they really cost. A
 * short segment marks the ACK "pushed": the reader that drains it ACKs at
 * once unless the connection is interactive (xtcp_cleanup_rbuf()); a
 * second one before an ACK went out, even then.
 */
static void xtcp_measure_rcv_mss(struct sock *sk, const struct sk_buff *skb)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	const unsigned int lss = icsk->icsk_ack.last_seg_size;
	struct tcp_sock *tp = tcp_sk(sk);
	unsigned int len = skb->len;

	icsk->icsk_ack.last_seg_size = 0;
	if (len >= icsk->icsk_ack.rcv_mss) {
		icsk->icsk_ack.rcv_mss = min_t(unsigned int, len, tp->advmss);
		if (skb->truesize) {
			u32 ratio = ((u64)len << TCP_RMEM_TO_WIN_SCALE) /
				    skb->truesize;

			if (ratio > 0 && ratio < U8_MAX)
				tp->scaling_ratio = ratio;
		}
		return;
	}
	/* Two equal short segments of a plausible size in a row, the
	 * second not pushed: the path's MSS is smaller than we thought.
	 */
	if (len >= TCP_MSS_DEFAULT ||
	    (len >= TCP_MIN_MSS &&
	     !(XTCP_SKB_CB(skb)->tcp_flags & (TCPHDR_PSH | TCPHDR_URG |
					       TCPHDR_FIN | TCPHDR_SYN)))) {
		icsk->icsk_ack.last_seg_size = len;
		if (len == lss) {
			icsk->icsk_ack.rcv_mss = len;
			return;
		}
	}
	if (icsk->icsk_ack.pending & ICSK_ACK_PUSHED)
		icsk->icsk_ack.pending |= ICSK_ACK_PUSHED2;
	icsk->icsk_ack.pending |= ICSK_ACK_PUSHED;
}

/* Quick ACKs for the start of a flow: one per two segments the window
 * holds (2 if it holds less), at most max_quick (tcp_incr_quickack()).
 */
static void xtcp_incr_quickack(struct sock *sk, unsigned int max_quick)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	unsigned int quick = tcp_sk(sk)->rcv_wnd /
			     (2 * max_t(u32, icsk->icsk_ack.rcv_mss, 1));

	quick = min(quick ? : 2, max_quick);
	if (quick > icsk->icsk_ack.quick)
		icsk->icsk_ack.quick = quick;
}

/*
 * Data we already had came again, or data outside the window: the peer
 * did not see our ACKs (or is probing). Stop delaying them: quick ACKs
 * again and the connection no longer interactive, so that the ACKs the
 * peer needs go at once, not with a reply (tcp_enter_quickack_mode()).
 */
static void xtcp_enter_quickack_mode(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);

	xtcp_incr_quickack(sk, TCP_MAX_QUICKACKS);
	inet_csk_exit_pingpong_mode(sk);
	icsk->icsk_ack.ato = TCP_ATO_MIN;
}

/* An unacceptable segment's answer (tcp_send_dupack()): the ACK, at once,
 * and quick ACKs from now if it repeated data we had.
 */
static void xtcp_send_dupack(struct sock *sk, const struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	if (cb->end_seq != cb->seq && before(cb->seq, tcp_sk(sk)->rcv_nxt)) {
		xtcp_mib_inc(sk, XTCP_MIB_DELAYEDACKLOST);
		xtcp_enter_quickack_mode(sk);
	}
	xtcp_send_ack(sk);
}

/*
 * The delayed-ACK engine on data arrival (tcp_event_data_recv()): the
 * first data starts it with quick ACKs; the ACK timeout (ato) follows
 * the gaps between arrivals, so a delayed ACK waits about as long as
 * the next segment is expected to take; a gap longer than the RTO means
 * the sender restarts, and gets quick ACKs again.
 */
static void xtcp_event_data_recv(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	u32 now = tcp_jiffies32;

	if (!icsk->icsk_ack.ato) {
		xtcp_incr_quickack(sk, TCP_MAX_QUICKACKS);
		icsk->icsk_ack.ato = TCP_ATO_MIN;
	} else {
		u32 m = now - icsk->icsk_ack.lrcvtime;

		if (m <= TCP_ATO_MIN / 2)
			icsk->icsk_ack.ato = (icsk->icsk_ack.ato >> 1) +
					     TCP_ATO_MIN / 2;
		else if (m < icsk->icsk_ack.ato)
			icsk->icsk_ack.ato = min3((icsk->icsk_ack.ato >> 1) + m,
						  icsk->icsk_rto,
						  (u32)TCP_DELACK_MAX);
		else if (m > icsk->icsk_rto)
			xtcp_incr_quickack(sk, TCP_MAX_QUICKACKS);
	}
	icsk->icsk_ack.lrcvtime = now;
}

/* Queue the payload (skb->data at the payload) of an acceptable segment. */
static void xtcp_data_queue(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	bool fin, old, ack_now = false;

	if (cb->seq == cb->end_seq) {
		__kfree_skb(skb);
		return;
	}
	inet_csk_schedule_ack(sk);

	/* Entirely old: a retransmission of what we have, so our ACK was
	 * lost. Beyond the window: a probe, or a confused peer. Either way
	 * drop it and ACK at once, with quick ACKs from now on.
	 */
	old = !after(cb->end_seq, tp->rcv_nxt);
	if (old || !before(cb->seq, tp->rcv_nxt + tcp_receive_window(tp))) {
		if (old)
			xtcp_mib_inc(sk, XTCP_MIB_DELAYEDACKLOST);
		xtcp_enter_quickack_mode(sk);
		__kfree_skb(skb);
		xtcp_ack_snd_check(sk, true);
		return;
	}
	if (!xtcp_rmem_schedule(sk, skb)) {
		__kfree_skb(skb);
		xtcp_ack_snd_check(sk, true);
		return;
	}

	if (after(cb->seq, tp->rcv_nxt)) {
		/* A hole before it: keep it for later, ACK at once so the
		 * sender sees the duplicate ACKs (and the SACK blocks).
		 */
		skb_set_owner_r(skb, sk);
		xtcp_ofo_queue(sk, skb);
		if (tp->rx_opt.sack_ok)
			xtcp_build_sack(sk, cb->seq);
		xtcp_ack_snd_check(sk, true);
		return;
	}

	/* In sequence: the delayed-ACK engine sees it (tcp_event_data_recv
	 * runs for new data only; a hole's segments are ACKed at once).
	 */
	xtcp_measure_rcv_mss(sk, skb);
	xtcp_event_data_recv(sk);
	if (before(cb->seq, tp->rcv_nxt)) {
		/* Overlaps what we have: keep only the new part. */
		u32 trim = tp->rcv_nxt - cb->seq;

		if (!pskb_pull(skb, trim)) {
			__kfree_skb(skb);
			return;
		}
		cb->seq += trim;
	}

	fin = cb->tcp_flags & TCPHDR_FIN;
	xtcp_queue_rcv(sk, skb);
	if (!skb_queue_empty(&xp->ooo_queue)) {
		/* A hole was filled: ACK at once (RFC 5681 4.2). */
		if (!fin)
			fin = xtcp_ofo_drain(sk);
		ack_now = true;
		if (tp->rx_opt.sack_ok)
			xtcp_build_sack(sk, tp->rcv_nxt);
	}
	if (skb_queue_empty(&xp->ooo_queue))
		tp->rx_opt.num_sacks = 0;
	/* The FIN's ACK: sent by xtcp_fin() where Linux's tcp_fin() sends
	 * it at once, else delayed (pingpong), so that our FIN carries it.
	 */
	if (fin)
		xtcp_fin(sk);
	xtcp_data_ready(sk);
	xtcp_ack_snd_check(sk, ack_now);
}

/* ---- RST ---- */

static void xtcp_reset(struct sock *sk)
{
	int err;

	switch (sk->sk_state) {
	case TCP_SYN_SENT:
		err = ECONNREFUSED;
		break;
	case TCP_CLOSE_WAIT:
		err = EPIPE;
		break;
	case TCP_CLOSE:
		return;
	default:
		err = ECONNRESET;
	}
	if ((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT))
		xtcp_mib_inc(sk, XTCP_MIB_ESTABRESETS);
	WRITE_ONCE(sk->sk_err, err);
	/* Wake the sender and the reader before the state goes. */
	if (!sock_flag(sk, SOCK_DEAD))
		sk_error_report(sk);
	xtcp_free_queues(sk);
	xtcp_done(sk);
}

/* ---- passive open ---- */

/* A not-yet-accepted child dies: unlink it from its listener first. */
static void xtcp_child_abort(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct sock *parent = xp->parent;

	if (parent) {
		struct xtcp_sock *pxp = xtcp_sk(parent);
		bool still_child = false;

		spin_lock(&pxp->accept_lock);
		if (xp->parent) {
			if (!list_empty(&xp->accept_node)) {
				list_del_init(&xp->accept_node);
				pxp->accept_len--;
				sk_acceptq_removed(parent);
			} else {
				pxp->syn_len--;
			}
			xp->parent = NULL;
			still_child = true;
		}
		spin_unlock(&pxp->accept_lock);
		if (still_child) {
			sock_put(parent);
			sock_orphan(sk);
			this_cpu_inc(*sk->sk_prot->orphan_count);
		}
	}
	xtcp_free_queues(sk);
	xtcp_done(sk);
}

void xtcp_syn_recv_timeout(struct sock *sk)
{
	xtcp_child_abort(sk);
}

/* The handshake completed: hand the child to its listener's accept queue.
 * Returns false if the queue is full (the ACK is dropped, as TCP does,
 * and our SYN-ACK retransmission will ask again).
 */
static bool xtcp_child_complete(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct sock *parent = xp->parent;
	struct xtcp_sock *pxp;
	bool queued = false, dead = false;

	if (!parent)
		return true;	/* simultaneous open */
	pxp = xtcp_sk(parent);
	spin_lock(&pxp->accept_lock);
	if (READ_ONCE(parent->sk_state) != TCP_LISTEN) {
		dead = true;
	} else if (!sk_acceptq_is_full(parent)) {
		pxp->syn_len--;
		list_add_tail(&xp->accept_node, &pxp->accept_q);
		pxp->accept_len++;
		sk_acceptq_added(parent);
		queued = true;
	}
	spin_unlock(&pxp->accept_lock);

	if (dead) {
		xtcp_send_active_reset(sk, GFP_ATOMIC);
		xtcp_child_abort(sk);
		return false;
	}
	if (!queued) {
		xtcp_mib_inc(sk, XTCP_MIB_LISTENDROPS);
		return false;
	}
	parent->sk_data_ready(parent);
	return true;
}

/* A SYN for a listener: create the child in SYN_RECV and answer. */
static void xtcp_conn_request(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *pxp = xtcp_sk(sk);
	const struct iphdr *iph = ip_hdr(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct net *net = sock_net(sk);
	union tcp_seq_and_ts_off st;
	struct xtcp_rx_opts opts;
	struct inet_sock *newinet;
	struct xtcp_sock *nxp;
	struct tcp_sock *ntp;
	struct sk_buff *synack;
	struct sock *newsk;
	bool full;

	/* Accept queue full, or the SYN queue at the backlog: drop the
	 * SYN, as TCP does without SYN cookies; the peer retries.
	 */
	spin_lock(&pxp->accept_lock);
	full = sk_acceptq_is_full(sk) ||
	       pxp->syn_len > READ_ONCE(sk->sk_max_ack_backlog);
	if (!full)
		pxp->syn_len++;
	spin_unlock(&pxp->accept_lock);
	if (full) {
		xtcp_mib_inc(sk, XTCP_MIB_LISTENDROPS);
		return;
	}

	newsk = sk_clone_lock(sk, GFP_ATOMIC);
	if (!newsk)
		goto undo;
	__acquire(&newsk->sk_lock.slock);	/* sk_clone_lock() locked it */

	/* Everything xtcp keeps per connection starts fresh. */
	nxp = xtcp_sk(newsk);
	ntp = tcp_sk(newsk);
	newinet = inet_sk(newsk);
	sk_node_init(&newsk->sk_node);
	skb_queue_head_init(&nxp->rtx_queue);
	skb_queue_head_init(&nxp->ooo_queue);
	INIT_LIST_HEAD(&nxp->accept_q);
	INIT_LIST_HEAD(&nxp->accept_node);
	spin_lock_init(&nxp->accept_lock);
	nxp->accept_len = 0;
	nxp->syn_len = 0;
	nxp->backlog = 0;
	nxp->deferred = 0;
	nxp->parent = sk;
	sock_hold(sk);
	xtcp_init_xmit_timers(newsk);
	xtcp_reset_conn_vars(newsk);

	RCU_INIT_POINTER(newinet->inet_opt, NULL);
	newinet->mc_list = NULL;
	newinet->inet_daddr = iph->saddr;
	newinet->inet_dport = th->source;
	newinet->inet_rcv_saddr = iph->daddr;
	newinet->inet_saddr = iph->daddr;
	newsk->sk_bound_dev_if = sk->sk_bound_dev_if;
	atomic64_set(&newsk->sk_cookie, 0);
	atomic_set(&newinet->inet_id, get_random_u16());
	newsk->sk_txhash = get_random_u32();
	/* The flow and NAPI instance are the SYN's, not the listener's
	 * (Linux takes them from the handshake's ACK: tcp_check_req,
	 * tcp_child_process).
	 */
	sock_rps_save_rxhash(newsk, skb);
	sk_mark_napi_id_set(newsk, skb);
	inet_csk(newsk)->icsk_bind_hash = NULL;
	inet_csk(newsk)->icsk_bind2_hash = NULL;
	newsk->sk_state = TCP_SYN_RECV;

	if (__inet_inherit_port(sk, newsk) < 0)
		goto free_child;

	if (xtcp_init_conn(newsk))
		goto free_child;
	nxp->syn_ts = READ_ONCE(net->ipv4.sysctl_tcp_timestamps) ? 1 : 0;
	nxp->syn_sack = READ_ONCE(net->ipv4.sysctl_tcp_sack) ? 1 : 0;
	nxp->syn_wscale = READ_ONCE(net->ipv4.sysctl_tcp_window_scaling) ? 1 : 0;
	xtcp_parse_options(th, &opts);
	xtcp_negotiate(newsk, &opts);
	/* Only offer what the peer offered. */
	nxp->syn_ts = ntp->rx_opt.tstamp_ok;
	nxp->syn_sack = ntp->rx_opt.sack_ok;
	nxp->syn_wscale = ntp->rx_opt.wscale_ok;

	st = secure_tcp_seq_and_ts_off(net, iph->daddr, iph->saddr, th->dest,
				       th->source);
	ntp->tsoffset = st.ts_off;
	ntp->rcv_nxt = cb->seq + 1;
	ntp->rcv_wup = ntp->rcv_nxt;
	ntp->copied_seq = ntp->rcv_nxt;
	ntp->snd_wl1 = cb->seq;
	ntp->snd_wnd = ntohs(th->window);	/* never scaled in a SYN */
	ntp->max_window = ntp->snd_wnd;
	ntp->write_seq = st.seq;
	ntp->snd_una = st.seq;
	ntp->snd_nxt = st.seq;
	ntp->snd_sml = st.seq;
	ntp->snd_up = st.seq;
	ntp->pushed_seq = st.seq;
	ntp->retrans_stamp = tcp_time_stamp_ms(ntp);	/* cloned: this event's */

	synack = alloc_skb_fclone(MAX_TCP_HEADER, GFP_ATOMIC);
	if (!synack)
		goto free_child;
	skb_reserve(synack, MAX_TCP_HEADER);
	xtcp_entail(newsk, synack, TCPHDR_SYN | TCPHDR_ACK);
	XTCP_SKB_CB(synack)->end_seq++;
	ntp->write_seq++;

	/* Findable before the SYN-ACK leaves, so the ACK finds the child. */
	xtcp_hash(newsk);
	xtcp_mib_inc(newsk, XTCP_MIB_PASSIVEOPENS);
	trace_xtcp_state(newsk, TCP_LISTEN, TCP_SYN_RECV);
	xtcp_send_synack(newsk);
	xtcp_reset_rto_timer(newsk);

	bh_unlock_sock(newsk);
	/* sk_clone_lock() returned two references: one stays as the
	 * child's own (accept queue, then the user), the table took
	 * a third; drop the caller's.
	 */
	sock_put(newsk);
	return;

free_child:
	/* Never visible anywhere: undo the clone through the normal
	 * destruction path (destroy, port, counters).
	 */
	nxp->parent = NULL;
	sock_put(sk);
	if (!inet_csk(newsk)->icsk_bind_hash)
		newinet->inet_num = 0;
	newsk->sk_state = TCP_CLOSE;
	sock_orphan(newsk);
	this_cpu_inc(*newsk->sk_prot->orphan_count);
	inet_csk_destroy_sock(newsk);
	bh_unlock_sock(newsk);
	sock_put(newsk);
undo:
	spin_lock(&pxp->accept_lock);
	pxp->syn_len--;
	spin_unlock(&pxp->accept_lock);
}

/* ---- the state machine ---- */

/*
 * Does skb, completing the handshake, echo the first SYN (SYN-ACK)?
 * retrans_stamp holds when that left; a later echo answers a
 * retransmission (tcp_try_undo_spurious_syn).
 */
static bool xtcp_echoes_first_syn(const struct sock *sk,
				  const struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	const struct tcp_sock *tp = tcp_sk(sk);

	return tp->rx_opt.tstamp_ok && cb->has_ts && cb->ts_ecr &&
	       !after(cb->ts_ecr - tp->tsoffset, tp->retrans_stamp);
}

/*
 * The transfer starts (tcp_init_transfer, with what tcp_init_metrics
 * does when no metrics are cached; xtcp keeps none). ssthresh goes back
 * to infinity: a handshake timeout lowered it for nothing. Without an
 * RTT sample from the handshake the RTO is 3 s (RFC 6298 5.7). The
 * first window is the route's initcwnd, or one segment if the SYN or
 * SYN-ACK was sent more than twice (RFC 5681 3.1; one resend is common
 * with a 1 s initial RTO), unless the echo shows that the original got
 * through and only its answer was slow.
 */
static void xtcp_init_transfer(struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);

	tp->snd_ssthresh = TCP_INFINITE_SSTHRESH;
	if (!tp->srtt_us) {
		tp->rttvar_us = jiffies_to_usecs(TCP_TIMEOUT_FALLBACK);
		tp->mdev_us = tp->rttvar_us;
		inet_csk(sk)->icsk_rto = TCP_TIMEOUT_FALLBACK;
	}
	if (tp->total_retrans > 1 && !xtcp_echoes_first_syn(sk, skb))
		tcp_snd_cwnd_set(tp, 1);
	else
		tcp_snd_cwnd_set(tp, xtcp_init_cwnd(sk));
}

/* skb completed the handshake: the SYN-ACK, or the ACK of ours. */
static void xtcp_established(struct sock *sk, const struct sk_buff *skb)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct tcp_sock *tp = tcp_sk(sk);

	xtcp_init_transfer(sk, skb);
	xtcp_set_state(sk, TCP_ESTABLISHED);
	icsk->icsk_ack.lrcvtime = tcp_jiffies32;
	tp->lsndtime = tcp_jiffies32;
	xtcp_current_mss(sk);
	xtcp_sndbuf_expand(sk);
	if (sock_flag(sk, SOCK_KEEPOPEN))
		xtcp_reset_keepalive(sk);
}

/* SYN_SENT (RFC 9293 3.10.7.3). */
static void xtcp_rcv_synsent(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct xtcp_rx_opts opts;
	long rtt_us, ca_rtt_us;
	u32 fack = xtcp_sk(sk)->rack_fack, reord = fack;

	if (cb->tcp_flags & TCPHDR_ACK) {
		if (!after(cb->ack_seq, tp->snd_una) ||
		    after(cb->ack_seq, tp->snd_nxt)) {
			if (!(cb->tcp_flags & TCPHDR_RST))
				xtcp_send_reset_seq(sk, cb->ack_seq);
			goto drop;
		}
	}
	if (cb->tcp_flags & TCPHDR_RST) {
		if (cb->tcp_flags & TCPHDR_ACK) {
			xtcp_mib_inc(sk, XTCP_MIB_ATTEMPTFAILS);
			xtcp_reset(sk);
		}
		goto drop;
	}
	if (!(cb->tcp_flags & TCPHDR_SYN))
		goto drop;

	xtcp_parse_options(th, &opts);
	xtcp_negotiate(sk, &opts);
	/* The SYN-ACK's echo tells whether our SYN's timeouts were real. */
	cb->has_ts = opts.saw_ts;
	cb->ts_ecr = opts.ts_ecr;
	tp->rcv_nxt = cb->seq + 1;
	tp->rcv_wup = tp->rcv_nxt;
	WRITE_ONCE(tp->copied_seq, tp->rcv_nxt);
	tp->snd_wl1 = cb->seq;

	if (cb->tcp_flags & TCPHDR_ACK) {
		/* SYN-ACK: our SYN is acknowledged (and counted in
		 * tcpi_bytes_acked, as tcp_snd_una_update() does).
		 */
		tp->bytes_acked += cb->ack_seq - tp->snd_una;
		tp->delivered++;
		WRITE_ONCE(tp->snd_una, cb->ack_seq);
		xtcp_clean_rtx_queue(sk, cb->ack_seq, &rtt_us, &ca_rtt_us,
				     fack, &reord);
		inet_csk_clear_xmit_timer(sk, ICSK_TIME_RETRANS);
		tp->snd_wnd = cb->window;	/* not scaled in a SYN-ACK */
		tp->max_window = tp->snd_wnd;
		/* After resends the echo still times the SYN it answers. */
		if (rtt_us < 0 && opts.saw_ts)
			rtt_us = xtcp_ts_rtt_us(sk, opts.ts_ecr);
		if (rtt_us >= 0)
			xtcp_rtt_sample(sk, rtt_us, rtt_us);
		xtcp_update_pacing_rate(sk);
		inet_csk(sk)->icsk_retransmits = 0;
		inet_csk(sk)->icsk_backoff = 0;

		xtcp_sync_mss(sk, inet_csk(sk)->icsk_pmtu_cookie ? :
				  dst_mtu(__sk_dst_get(sk)));
		sk_mark_napi_id(sk, skb);	/* as tcp_finish_connect */
		xtcp_established(sk, skb);
		tp->retrans_stamp = 0;
		xtcp_mib_inc(sk, XTCP_MIB_ACTIVEOPENS);
		if (!sock_flag(sk, SOCK_DEAD)) {
			sk->sk_state_change(sk);
			sk_wake_async(sk, SOCK_WAKE_IO, POLL_OUT);
		}
		xtcp_send_ack(sk);
		xtcp_push_pending_frames(sk);
		/* Data on a SYN-ACK (no fast open here) is retransmitted
		 * by the peer after our ACK; drop it.
		 */
		goto drop;
	}

	/* Simultaneous open: answer with SYN-ACK, same ISN. */
	tp->snd_wnd = cb->window;
	tp->max_window = tp->snd_wnd;
	xtcp_set_state(sk, TCP_SYN_RECV);
	{
		struct sk_buff *syn = skb_peek(&xtcp_sk(sk)->rtx_queue);

		if (syn) {
			XTCP_SKB_CB(syn)->tcp_flags |= TCPHDR_ACK;
			xtcp_retransmit_skb(sk, syn, 1);
		}
	}
drop:
	__kfree_skb(skb);
}

/* RFC 9293 3.10.7.4 first check, with PAWS (RFC 7323 5). */
static bool xtcp_sequence_ok(const struct tcp_sock *tp,
			     const struct xtcp_skb_cb *cb)
{
	return !before(cb->end_seq, tp->rcv_wup) &&
	       !after(cb->seq, tp->rcv_nxt + tcp_receive_window(tp));
}

static bool xtcp_paws_reject(const struct tcp_sock *tp,
			     const struct xtcp_skb_cb *cb)
{
	if (!tp->rx_opt.tstamp_ok || !cb->has_ts)
		return false;
	if ((s32)(cb->ts_val - tp->rx_opt.ts_recent) >= 0)
		return false;
	/* ts_recent older than 24 days is invalid (RFC 7323 5.5). */
	if (ktime_get_seconds() >= tp->rx_opt.ts_recent_stamp + 24 * 24 * 3600)
		return false;
	return !(cb->tcp_flags & TCPHDR_RST);
}

/*
 * An RST in TIME_WAIT: the connection completed, so it reports no error
 * and leaves what the reader has not read yet readable. An exact one ends
 * TIME_WAIT early (the assassination of RFC 1337, which Linux allows
 * unless net.ipv4.tcp_rfc1337 is set); others are ignored, without a
 * challenge ACK (tcp_timewait_state_process). Linux's user socket is
 * closed by then and the RST meets only its timewait sock.
 */
static void xtcp_time_wait_rst(struct sock *sk, const struct sk_buff *skb)
{
	if (XTCP_SKB_CB(skb)->seq == tcp_sk(sk)->rcv_nxt &&
	    !READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_rfc1337))
		xtcp_done(sk);
}

/* Every state but LISTEN, SYN_SENT and CLOSE. */
static void xtcp_rcv_state_process(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	int state = sk->sk_state;

	/* 1: sequence number (and PAWS). */
	if (xtcp_paws_reject(tp, cb) || !xtcp_sequence_ok(tp, cb)) {
		if (!(cb->tcp_flags & TCPHDR_RST)) {
			if (cb->tcp_flags & TCPHDR_SYN)
				xtcp_send_challenge_ack(sk);
			else
				xtcp_send_dupack(sk, skb);
		}
		goto drop;
	}

	/* 2: RST (RFC 5961 3.2): exact match resets, in-window challenges. */
	if (cb->tcp_flags & TCPHDR_RST) {
		if (state == TCP_TIME_WAIT) {
			xtcp_time_wait_rst(sk, skb);
		} else if (cb->seq == tp->rcv_nxt) {
			if (state == TCP_SYN_RECV && xp->parent)
				xtcp_child_abort(sk);
			else
				xtcp_reset(sk);
		} else {
			xtcp_mib_inc(sk, XTCP_MIB_CHALLENGEACKS);
			xtcp_send_challenge_ack(sk);
		}
		goto drop;
	}

	/* Timestamps: remember the peer's clock to echo (RFC 7323 4.3). */
	if (tp->rx_opt.tstamp_ok && cb->has_ts &&
	    !after(cb->seq, tp->rcv_wup)) {
		tp->rx_opt.ts_recent = cb->ts_val;
		tp->rx_opt.ts_recent_stamp = ktime_get_seconds();
	}

	/* 4: SYN in a synchronized state (RFC 5961 4.2). A retransmitted
	 * SYN to a child in SYN_RECV gets our SYN-ACK again.
	 */
	if (cb->tcp_flags & TCPHDR_SYN) {
		if (state == TCP_SYN_RECV && xp->parent &&
		    cb->seq == tp->rcv_nxt - 1 &&
		    !(cb->tcp_flags & TCPHDR_ACK)) {
			xtcp_send_synack(sk);
		} else {
			xtcp_mib_inc(sk, XTCP_MIB_CHALLENGEACKS);
			xtcp_send_challenge_ack(sk);
		}
		goto drop;
	}

	/* 5: ACK. */
	if (!(cb->tcp_flags & TCPHDR_ACK))
		goto drop;

	if (state == TCP_SYN_RECV) {
		if (!after(cb->ack_seq, tp->snd_una) ||
		    after(cb->ack_seq, tp->snd_nxt)) {
			xtcp_send_reset_seq(sk, cb->ack_seq);
			goto drop;
		}
		if (!xtcp_child_complete(sk))
			goto drop;
		tp->snd_wnd = (u32)cb->window << tp->rx_opt.snd_wscale;
		tp->max_window = max(tp->max_window, tp->snd_wnd);
		tp->snd_wl1 = cb->seq;
		xtcp_sync_mss(sk, dst_mtu(__sk_dst_get(sk)));
		xtcp_established(sk, skb);
		if (!xp->parent && !sock_flag(sk, SOCK_DEAD)) {
			/* Simultaneous open: wake connect(). */
			sk->sk_state_change(sk);
			sk_wake_async(sk, SOCK_WAKE_IO, POLL_OUT);
		}
	}

	if (xtcp_ack(sk, skb) < 0) {
		xtcp_send_challenge_ack(sk);
		goto drop;
	}

	/* Our FIN acknowledged? */
	if (xp->fin_queued && !before(tp->snd_una, xp->fin_seq + 1)) {
		switch (sk->sk_state) {
		case TCP_FIN_WAIT1:
			xtcp_set_state(sk, TCP_FIN_WAIT2);
			WRITE_ONCE(sk->sk_shutdown,
				   sk->sk_shutdown | SEND_SHUTDOWN);
			if (!sock_flag(sk, SOCK_DEAD))
				sk->sk_state_change(sk);
			else
				xtcp_reset_keepalive(sk); /* FIN_WAIT2 timeout */
			break;
		case TCP_CLOSING:
			xtcp_time_wait(sk);
			goto drop;
		case TCP_LAST_ACK:
			xtcp_done(sk);
			goto drop;
		}
	}

	/* 7: data, and FIN. */
	switch (sk->sk_state) {
	case TCP_CLOSE_WAIT:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		/* The peer already sent its FIN; nothing more may come. */
		if (!before(cb->seq, tp->rcv_nxt)) {
			__kfree_skb(skb);
			goto push;
		}
		fallthrough;
	case TCP_FIN_WAIT1:
	case TCP_FIN_WAIT2:
		/* Closed by the user: new data cannot be delivered; tell the
		 * peer with a RST (RFC 9293 3.10.7.4, as tcp_rcv_state_process).
		 */
		if ((sk->sk_shutdown & RCV_SHUTDOWN) && sock_flag(sk, SOCK_DEAD) &&
		    cb->end_seq != cb->seq &&
		    after(cb->end_seq - !!(cb->tcp_flags & TCPHDR_FIN),
			  tp->rcv_nxt)) {
			xtcp_reset(sk);
			goto drop;
		}
		fallthrough;
	case TCP_ESTABLISHED:
		__skb_pull(skb, tcp_hdr(skb)->doff * 4);
		xtcp_data_queue(sk, skb);
		break;
	case TCP_TIME_WAIT:
		/* A retransmitted FIN: ACK it again and restart the timer. */
		if (cb->tcp_flags & TCPHDR_FIN) {
			xtcp_send_ack(sk);
			xtcp_time_wait(sk);
		}
		goto drop;
	default:
		goto drop;
	}

push:
	/* Data or window may let more of ours go (not once closed:
	 * __xtcp_push_pending_frames checks).
	 */
	xtcp_push_pending_frames(sk);
	return;
drop:
	__kfree_skb(skb);
}

/* Process one segment; the socket is locked (bh or owner). */
int xtcp_backlog_rcv(struct sock *sk, struct sk_buff *skb)
{
	/* The clock for the whole segment: RTT, RACK, ACKs it sends (a
	 * listener's child is cloned with it).
	 */
	xtcp_mstamp_refresh(tcp_sk(sk));
	/* As tcp_v4_do_rcv: the flow's hash, which inet_recvmsg hands RFS
	 * to steer the flow to its reader's CPU, and once established its
	 * NAPI instance, for busy polling and SO_INCOMING_NAPI_ID.
	 */
	if (sk->sk_state != TCP_LISTEN) {
		sock_rps_save_rxhash(sk, skb);
		if (sk->sk_state == TCP_ESTABLISHED)
			sk_mark_napi_id(sk, skb);
	}
	switch (sk->sk_state) {
	case TCP_LISTEN:
		if ((XTCP_SKB_CB(skb)->tcp_flags &
		     (TCPHDR_SYN | TCPHDR_ACK | TCPHDR_RST | TCPHDR_FIN)) ==
		    TCPHDR_SYN)
			xtcp_conn_request(sk, skb);
		__kfree_skb(skb);
		break;
	case TCP_SYN_SENT:
		xtcp_rcv_synsent(sk, skb);
		break;
	case TCP_CLOSE:
		__kfree_skb(skb);
		break;
	default:
		xtcp_rcv_state_process(sk, skb);
		break;
	}
	return 0;
}

/* ---- ICMP errors (tcp_v4_err()) ---- */

/* Path MTU discovery (RFC 1191): the kernel's tcp_v4_err() never finds
 * xtcp sockets, so the frag-needed for one of ours is handled here, as
 * tcp_v4_err() does for TCP: the MTU is recorded and the reduction done
 * now, or by release_cb when the user holds the socket.
 */
static void xtcp_icmp_frag_needed(struct net *net, const struct iphdr *iph,
				  const struct tcphdr *th, u32 mtu)
{
	struct tcp_sock *tp;
	struct sock *sk;
	u32 seq;

	sk = xtcp_lookup_established(net, iph->saddr, th->source, iph->daddr,
				     th->dest);
	if (!sk)
		return;
	tp = tcp_sk(sk);
	seq = ntohl(th->seq);
	bh_lock_sock(sk);
	if (sk->sk_state != TCP_LISTEN && sk->sk_state != TCP_CLOSE &&
	    between(seq, tp->snd_una, tp->snd_nxt)) {
		WRITE_ONCE(tp->mtu_info, mtu);
		if (!sock_owned_by_user(sk))
			xtcp_mtu_reduced(sk);
		else if (!test_and_set_bit(XTCP_MTU_REDUCED_DEFERRED,
					   &xtcp_sk(sk)->deferred))
			sock_hold(sk);
	}
	bh_unlock_sock(sk);
	sock_put(sk);
}

/*
 * An ICMP error about a segment one of our sockets sent: during the
 * handshake it ends the connect (EHOSTUNREACH when ARP fails, ...), later
 * it is a soft error reported if the connection times out. The ICMP is
 * only observed: it continues to icmp_rcv() like any other.
 */
static void xtcp_icmp_error(struct net *net, struct sk_buff *skb)
{
	const struct icmphdr *icmph;
	const struct iphdr *iph;
	const struct tcphdr *th;
	unsigned int off;
	struct sock *sk;
	u32 seq;
	int err;

	off = ip_hdrlen(skb);
	if (!pskb_may_pull(skb, off + sizeof(*icmph) + sizeof(*iph) + 8))
		return;
	icmph = (const struct icmphdr *)(skb_network_header(skb) + off);
	if (icmph->type != ICMP_DEST_UNREACH &&
	    icmph->type != ICMP_TIME_EXCEEDED &&
	    icmph->type != ICMP_PARAMETERPROB)
		return;
	iph = (const struct iphdr *)(icmph + 1);
	if (iph->protocol != IPPROTO_TCP || iph->ihl < 5 ||
	    !pskb_may_pull(skb, off + sizeof(*icmph) + iph->ihl * 4 + 8))
		return;
	icmph = (const struct icmphdr *)(skb_network_header(skb) + off);
	iph = (const struct iphdr *)(icmph + 1);
	th = (const struct tcphdr *)((const u8 *)iph + iph->ihl * 4);

	if (icmph->type == ICMP_DEST_UNREACH &&
	    icmph->code == ICMP_FRAG_NEEDED) {
		xtcp_icmp_frag_needed(net, iph, th, ntohs(icmph->un.frag.mtu));
		return;
	}

	switch (icmph->type) {
	case ICMP_DEST_UNREACH:
		if (icmph->code > NR_ICMP_UNREACH)
			return;
		err = icmp_err_convert[icmph->code].errno;
		break;
	case ICMP_TIME_EXCEEDED:
		err = EHOSTUNREACH;
		break;
	default:
		err = EPROTO;
		break;
	}

	/* The quoted segment went from us (iph->saddr) to the peer. */
	sk = xtcp_lookup_established(net, iph->saddr, th->source, iph->daddr,
				     th->dest);
	if (!sk)
		return;
	seq = ntohl(th->seq);
	bh_lock_sock(sk);
	if (between(seq, tcp_sk(sk)->snd_una, tcp_sk(sk)->snd_nxt)) {
		if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
			if (!sock_owned_by_user(sk)) {
				if (sk->sk_state == TCP_SYN_RECV &&
				    xtcp_sk(sk)->parent) {
					xtcp_child_abort(sk);
				} else {
					WRITE_ONCE(sk->sk_err, err);
					sk_error_report(sk);
					xtcp_free_queues(sk);
					xtcp_done(sk);
				}
			} else {
				WRITE_ONCE(sk->sk_err_soft, err);
			}
		} else if (sk->sk_state != TCP_CLOSE) {
			if (!sock_owned_by_user(sk) && inet_test_bit(RECVERR, sk)) {
				WRITE_ONCE(sk->sk_err, err);
				sk_error_report(sk);
			} else {
				WRITE_ONCE(sk->sk_err_soft, err);
			}
		}
	}
	bh_unlock_sock(sk);
	sock_put(sk);
}

/* ---- the netfilter hooks ---- */

/* net.ipv4.{ip,tcp}_early_demux: xtcp honours them as TCP does. */
static bool xtcp_early_demux_on(const struct net *net)
{
	return READ_ONCE(net->ipv4.sysctl_ip_early_demux) &&
	       READ_ONCE(net->ipv4.sysctl_tcp_early_demux);
}

/*
 * Early demux (tcp_v4_early_demux for xtcp's sockets, which the kernel's
 * own never finds): before routing, attach a segment's connected socket
 * and, unless the skb already has a route (loopback), the input route
 * that socket's segments took last time, so that ip_rcv_finish() neither
 * looks in TCP's tables nor routes the segment again. Only connected
 * sockets: ip_forward() drops an skb with a socket, and a wildcard
 * listener would match forwarded traffic. The reference the lookup took
 * is the skb's, dropped by sock_efree() if the segment never reaches
 * LOCAL_IN (a filter rule, forwarding); not sock_edemux(), which TCP's
 * early demux and TPROXY use, so that LOCAL_IN knows the socket is ours.
 */
static unsigned int xtcp_nf_pre_routing(void *priv, struct sk_buff *skb,
					const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);
	const struct tcphdr *th;
	struct dst_entry *dst;
	struct sock *sk;

	if (iph->protocol != IPPROTO_TCP || skb->pkt_type != PACKET_HOST ||
	    skb->sk || ip_is_fragment(iph) || !xtcp_early_demux_on(state->net))
		return NF_ACCEPT;
	if (!pskb_may_pull(skb, ip_hdrlen(skb) + sizeof(struct tcphdr)))
		return NF_ACCEPT;	/* LOCAL_IN cannot pull it either */
	iph = ip_hdr(skb);
	th = (const struct tcphdr *)(skb_network_header(skb) + ip_hdrlen(skb));
	if (!xtcp_port_used(state->net, th->dest))
		return NF_ACCEPT;

	sk = xtcp_lookup_ehash(state->net, iph->saddr, th->source, iph->daddr,
			       th->dest);
	if (!sk)
		return NF_ACCEPT;
	skb->sk = sk;
	skb->destructor = sock_efree;
	if (skb_dst(skb))
		return NF_ACCEPT;
	dst = rcu_dereference(sk->sk_rx_dst);
	if (dst)
		dst = dst_check(dst, 0);
	if (dst && READ_ONCE(sk->sk_rx_dst_ifindex) == skb->skb_iif)
		skb_dst_set_noref(skb, dst);
	return NF_ACCEPT;
}

/*
 * The socket xtcp_nf_pre_routing() attached, with its reference, or NULL.
 * *looked: whether PRE_ROUTING's lookup ran and its answer still holds,
 * so that LOCAL_IN need not look in the connected table again.
 *
 * Races (the two hooks run in one softirq, but other CPUs hash and
 * unhash sockets in between):
 * - attached, then unhashed (closed, aborted, TIME_WAIT ended): the
 *   sk_unhashed() re-check sends the segment to a full lookup, as if it
 *   had arrived after the close.
 * - missed, then hashed: a connected socket is hashed before its first
 *   segment leaves (connect() before the SYN, a passive child before its
 *   SYN-ACK), so a segment of that connection cannot have been at
 *   PRE_ROUTING before the socket was in the table.
 * - the early demux sysctls switched on between the hooks: PRE_ROUTING
 *   did not look, LOCAL_IN believes it did; one segment may go to TCP
 *   (a RST), the retransmission is demuxed. Switched off: a full lookup.
 */
static struct sock *xtcp_demuxed_sk(struct sk_buff *skb,
				    const struct net *net,
				    const struct iphdr *iph,
				    const struct tcphdr *th, bool *looked)
{
	struct sock *sk = skb->sk;

	*looked = false;
	/* Not sk_fullsock(): an xtcp connection in TIME_WAIT is a full
	 * socket in that state, and sk_fullsock() says no to it. Left
	 * attached, TCP's skb_steal_sock() would take it for an
	 * inet_timewait_sock. sk_prot is in sock_common, valid for any.
	 */
	if (sk && skb->destructor == sock_efree && sk->sk_prot == &xtcp_prot) {
		skb->sk = NULL;
		skb->destructor = NULL;
		if (likely(!sk_unhashed(sk))) {
			*looked = true;
			return sk;
		}
		sock_put(sk);
		return NULL;
	}
	/* Reassembled after PRE_ROUTING saw only its fragments
	 * (ip_local_deliver without conntrack; ip_frag_reasm() records the
	 * largest fragment, zero for a datagram that came whole), or early
	 * demux off: never looked up.
	 */
	if (IPCB(skb)->frag_max_size || !xtcp_early_demux_on(net))
		return NULL;
	/* PRE_ROUTING looked unless a socket was attached before it
	 * (TPROXY). One on exactly this 4-tuple, in any state but LISTEN,
	 * is TCP's own early demux (which runs after PRE_ROUTING) or TCP's
	 * connection: either way not an xtcp connection.
	 */
	*looked = !sk || (sk->sk_state != TCP_LISTEN &&
			  sk->sk_daddr == iph->saddr &&
			  sk->sk_rcv_saddr == iph->daddr &&
			  sk->sk_dport == th->source &&
			  sk->sk_num == ntohs(th->dest));
	return NULL;
}

/* Remember the input route for the next segment's early demux
 * (inet_sk_rx_dst_set); xchg, as xtcp_disconnect() drops it unlocked
 * and two CPUs may set it at once. inet_sock_destruct() releases it.
 */
static void xtcp_rx_dst_set(struct sock *sk, const struct sk_buff *skb)
{
	struct dst_entry *dst = skb_dst(skb);

	if (!dst || rcu_access_pointer(sk->sk_rx_dst) == dst ||
	    !dst_hold_safe(dst))
		return;
	WRITE_ONCE(sk->sk_rx_dst_ifindex, skb->skb_iif);
	dst_release(xchg((__force struct dst_entry **)&sk->sk_rx_dst, dst));
}

static unsigned int xtcp_nf_local_in(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);
	const struct tcphdr *th;
	struct xtcp_skb_cb *cb;
	unsigned int ihl, thl;
	struct sock *sk;
	bool looked;
	u16 segs;
	u8 flags;

	if (iph->protocol == IPPROTO_ICMP) {
		xtcp_icmp_error(state->net, skb);
		return NF_ACCEPT;
	}
	if (iph->protocol != IPPROTO_TCP || skb->pkt_type != PACKET_HOST)
		return NF_ACCEPT;
	if (ip_is_fragment(iph))
		return NF_ACCEPT;	/* defragmented before LOCAL_IN */
	ihl = ip_hdrlen(skb);
	if (!pskb_may_pull(skb, ihl + sizeof(struct tcphdr)))
		return NF_ACCEPT;	/* TCP drops it */
	iph = ip_hdr(skb);
	th = (const struct tcphdr *)(skb_network_header(skb) + ihl);
	/* Every socket a lookup below can find has this local port. */
	if (!xtcp_port_used(state->net, th->dest))
		return NF_ACCEPT;

	flags = tcp_flag_byte(th);
	sk = xtcp_demuxed_sk(skb, state->net, iph, th, &looked);
	if (!sk) {
		if (!looked)
			sk = xtcp_lookup(state->net, iph->saddr, th->source,
					 iph->daddr, th->dest);
		else if ((flags & (TCPHDR_SYN | TCPHDR_ACK | TCPHDR_RST)) ==
			 TCPHDR_SYN)
			/* No connection: only a listener can want it.
			 * Netfilter hooks run under rcu_read_lock().
			 */
			sk = xtcp_lookup_listener(state->net, iph->daddr,
						  th->dest);
		if (!sk)
			return NF_ACCEPT;
	}

	if (sk->sk_state == TCP_LISTEN &&
	    (flags & (TCPHDR_SYN | TCPHDR_ACK | TCPHDR_RST)) != TCPHDR_SYN) {
		/* Not a connection request: the kernel's answer for a port
		 * with no such connection (RST, or silence for a RST) is
		 * the right one.
		 */
		sock_put(sk);
		return NF_ACCEPT;
	}

	/* From here the segment is ours. */
	thl = th->doff * 4;
	if (thl < sizeof(struct tcphdr) || !pskb_may_pull(skb, ihl + thl))
		goto bad;
	skb_set_transport_header(skb, ihl);
	__skb_pull(skb, ihl);	/* a valid IP header sums to zero */
	if (skb_checksum_init(skb, IPPROTO_TCP, inet_compute_pseudo) ||
	    skb_checksum_complete(skb)) {
		xtcp_mib_inc(sk, XTCP_MIB_INCSUMERRORS);
		goto bad;
	}
	iph = ip_hdr(skb);
	th = tcp_hdr(skb);

	nf_reset_ct(skb);
	if (sk->sk_state != TCP_LISTEN)
		xtcp_rx_dst_set(sk, skb);
	skb_dst_drop(skb);

	cb = XTCP_SKB_CB(skb);
	memset(cb, 0, sizeof(*cb));
	cb->seq = ntohl(th->seq);
	cb->end_seq = cb->seq + th->syn + th->fin + skb->len - thl;
	cb->ack_seq = ntohl(th->ack_seq);
	cb->tcp_flags = flags;
	cb->window = ntohs(th->window);
	if (thl > sizeof(struct tcphdr) && !th->syn) {
		struct xtcp_rx_opts o;

		xtcp_parse_options(th, &o);
		cb->has_ts = o.saw_ts;
		cb->ts_val = o.ts_val;
		cb->ts_ecr = o.ts_ecr;
	}
	xtcp_mib_inc(sk, XTCP_MIB_INSEGS);
	/* As tcp_segs_in(): a GRO skb counts the segments it merged. */
	segs = max_t(u16, 1, skb_shinfo(skb)->gso_segs);
	tcp_sk(sk)->segs_in += segs;
	if (skb->len > thl)
		tcp_sk(sk)->data_segs_in += segs;

	/* SO_INCOMING_CPU: the CPU the segment came in on (tcp_v4_rcv). */
	if (sk->sk_state != TCP_LISTEN)
		sk_incoming_cpu_update(sk);

	bh_lock_sock_nested(sk);
	if (!sock_owned_by_user(sk)) {
		xtcp_backlog_rcv(sk, skb);
	} else if (sk_add_backlog(sk, skb, READ_ONCE(sk->sk_rcvbuf) +
				  READ_ONCE(sk->sk_sndbuf) + 64 * 1024)) {
		bh_unlock_sock(sk);
		xtcp_mib_inc(sk, XTCP_MIB_DROPBACKLOG);
		kfree_skb(skb);
		sock_put(sk);
		return NF_STOLEN;
	}
	bh_unlock_sock(sk);
	sock_put(sk);
	return NF_STOLEN;

bad:
	xtcp_mib_inc(sk, XTCP_MIB_INERRS);
	sock_put(sk);
	kfree_skb(skb);
	return NF_STOLEN;
}

static const struct nf_hook_ops xtcp_nf_ops[] = {
	{
		.hook		= xtcp_nf_pre_routing,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_PRE_ROUTING,
		/* Last: the addresses are final (destination NAT done). */
		.priority	= NF_IP_PRI_LAST,
	},
	{
		.hook		= xtcp_nf_local_in,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_IN,
		/* After filter (INPUT rules apply) and security, before NAT
		 * source mangling and conntrack confirmation.
		 */
		.priority	= NF_IP_PRI_SECURITY + 1,
	},
};

int xtcp_input_init_net(struct net *net)
{
	return nf_register_net_hooks(net, xtcp_nf_ops, ARRAY_SIZE(xtcp_nf_ops));
}

void xtcp_input_exit_net(struct net *net)
{
	nf_unregister_net_hooks(net, xtcp_nf_ops, ARRAY_SIZE(xtcp_nf_ops));
}
