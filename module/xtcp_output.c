// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp: the transmit side of TCP.
 *
 *   xtcp_push        - the push decision (MSG_MORE, cork, Nagle mode)
 *   xtcp_write_xmit  - send what the peer's window, cwnd and Nagle allow
 *   xtcp_transmit_skb - clone, TCP header and options, checksum, to IP
 *
 * plus the control segments (SYN, SYN-ACK, ACK, FIN, RST, window probe)
 * and active open. Each stage boundary has an xtcp:* tracepoint.
 */
#include <linux/moduleparam.h>
#include <linux/skbuff_ref.h>
#include <linux/tcp.h>
#include <net/inet_common.h>
#include <net/route.h>
#include <net/secure_seq.h>
#include <net/tcp.h>
#include <net/xtcp.h>
#include <trace/events/xtcp.h>

/* Option bytes on a non-SYN segment: timestamps and SACK blocks. */
static unsigned int xtcp_established_options(struct sock *sk,
					     unsigned int *sack_blocks)
{
	struct tcp_sock *tp = tcp_sk(sk);
	unsigned int size = 0, n;

	if (tp->rx_opt.tstamp_ok)
		size += TCPOLEN_TSTAMP_ALIGNED;

	n = 0;
	if (tp->rx_opt.sack_ok && !skb_queue_empty(&xtcp_sk(sk)->ooo_queue)) {
		n = min_t(unsigned int, tp->rx_opt.num_sacks,
			  (MAX_TCP_OPTION_SPACE - size - TCPOLEN_SACK_BASE_ALIGNED) /
			  TCPOLEN_SACK_PERBLOCK);
		if (n)
			size += TCPOLEN_SACK_BASE_ALIGNED +
				n * TCPOLEN_SACK_PERBLOCK;
	}
	*sack_blocks = n;
	return size;
}

/* The TS value (ms, RFC 7323) of the event's clock read. */
static u32 xtcp_ts_now(const struct tcp_sock *tp)
{
	return tcp_time_stamp_ms(tp) + tp->tsoffset;
}

/* Rebuild the SACK blocks (RFC 2018) from the out-of-order queue: the
 * block holding the most recently received segment first, then the rest
 * in sequence order.
 */
void xtcp_build_sack(struct sock *sk, u32 recent_seq)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_sack_block blocks[16];
	struct sk_buff *skb;
	int n = 0, i, first = -1;

	skb_queue_walk(&xp->ooo_queue, skb) {
		u32 s = XTCP_SKB_CB(skb)->seq, e = XTCP_SKB_CB(skb)->end_seq;

		if (n && !after(s, blocks[n - 1].end_seq)) {
			if (after(e, blocks[n - 1].end_seq))
				blocks[n - 1].end_seq = e;
		} else {
			if (n == ARRAY_SIZE(blocks))
				break;
			blocks[n].start_seq = s;
			blocks[n].end_seq = e;
			n++;
		}
	}
	for (i = 0; i < n; i++) {
		if (!before(recent_seq, blocks[i].start_seq) &&
		    before(recent_seq, blocks[i].end_seq)) {
			first = i;
			break;
		}
	}
	tp->rx_opt.num_sacks = 0;
	if (first >= 0)
		tp->selective_acks[tp->rx_opt.num_sacks++] = blocks[first];
	for (i = 0; i < n && tp->rx_opt.num_sacks < ARRAY_SIZE(tp->selective_acks);
	     i++) {
		if (i != first)
			tp->selective_acks[tp->rx_opt.num_sacks++] = blocks[i];
	}
}

/* The window to advertise, in bytes before scaling (RFC 7323 2.4: never
 * move the right edge left).
 */
u32 xtcp_select_window(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	u32 cur_win = tcp_receive_window(tp);
	int mss = inet_csk(sk)->icsk_ack.rcv_mss ? : tp->advmss;
	int full_space = min_t(int, tp->window_clamp, tcp_full_space(sk));
	int space = tcp_space(sk);
	u32 new_win;

	if (mss > full_space)
		mss = full_space;
	/* Receiver SWS avoidance (RFC 1122 4.2.3.3): no window smaller
	 * than a segment once the buffer is half full.
	 */
	if (space < (full_space >> 1) && space < mss)
		new_win = 0;
	else
		new_win = max(space, 0);
	new_win = min_t(u32, new_win, tp->window_clamp);
	new_win = round_down(new_win, 1U << tp->rx_opt.rcv_wscale);
	if (new_win < cur_win)
		new_win = ALIGN(cur_win, 1U << tp->rx_opt.rcv_wscale);
	new_win = min_t(u32, new_win, MAX_TCP_WINDOW << tp->rx_opt.rcv_wscale);

	tp->rcv_wnd = new_win;
	tp->rcv_wup = tp->rcv_nxt;
	return new_win >> tp->rx_opt.rcv_wscale;
}

/* MSS for the current path MTU: headers, the peer's clamp, options. */
unsigned int xtcp_sync_mss(struct sock *sk, u32 pmtu)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	int mss = pmtu - sizeof(struct iphdr) - sizeof(struct tcphdr) -
		  icsk->icsk_ext_hdr_len;

	if (tp->rx_opt.mss_clamp && mss > tp->rx_opt.mss_clamp)
		mss = tp->rx_opt.mss_clamp;
	if (tp->rx_opt.tstamp_ok)
		mss -= TCPOLEN_TSTAMP_ALIGNED;
	mss = max(mss, TCP_MIN_SND_MSS - (int)TCPOLEN_TSTAMP_ALIGNED);
	icsk->icsk_pmtu_cookie = pmtu;
	tp->mss_cache = mss;
	return mss;
}

/* The path MTU fell: resend at once, at the new size, what is out in
 * segments too large for it (tcp_simple_retransmit); the congestion
 * window stays, nothing was lost to congestion.
 */
static void xtcp_simple_retransmit(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	unsigned int mss = xtcp_current_mss(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb;

	skb_queue_walk(&xtcp_sk(sk)->rtx_queue, skb) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
		u32 seglen = xtcp_skb_pcount(skb) > 1 ? cb->mss : skb->len;

		if (seglen <= mss || cb->sacked)
			continue;
		if (cb->retrans_out) {
			/* Resent at the old size: that copy is lost too. */
			cb->retrans_out = 0;
			tp->retrans_out -= xtcp_skb_pcount(skb);
		}
		if (!cb->lost) {
			cb->lost = 1;
			tp->lost_out += xtcp_skb_pcount(skb);
		}
	}
	if (!tp->lost_out)
		return;
	if (icsk->icsk_ca_state != TCP_CA_Loss) {
		tp->high_seq = tp->snd_nxt;
		icsk->icsk_ca_state = TCP_CA_Loss;
	}
	xtcp_xmit_retransmit_queue(sk);
}

/*
 * An ICMP fragmentation-needed quoted one of our segments (tp->mtu_info
 * holds its MTU): lower the route's PMTU, the MSS with it, and resend
 * what no longer fits (tcp_v4_mtu_reduced). Called with the socket
 * owned (directly from the ICMP, or from release_cb).
 */
void xtcp_mtu_reduced(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct dst_entry *dst;
	u32 mtu;

	if ((1 << sk->sk_state) & (TCPF_LISTEN | TCPF_CLOSE))
		return;
	mtu = READ_ONCE(tcp_sk(sk)->mtu_info);
	dst = inet_csk_update_pmtu(sk, mtu);
	if (!dst)
		return;
	/* The route refused the value (below min_pmtu, locked MTU): the
	 * application may learn it with IP_RECVERR, as from TCP.
	 */
	if (mtu < dst_mtu(dst) && ip_dont_fragment(sk, dst))
		WRITE_ONCE(sk->sk_err_soft, EMSGSIZE);
	mtu = dst_mtu(dst);
	if (inet_sk(sk)->pmtudisc != IP_PMTUDISC_DONT &&
	    ip_sk_accept_pmtu(sk) && icsk->icsk_pmtu_cookie > mtu) {
		/* An ICMP (or release_cb after one): an event of its own. */
		xtcp_mstamp_refresh(tcp_sk(sk));
		xtcp_sync_mss(sk, mtu);
		xtcp_simple_retransmit(sk);
	}
}

unsigned int xtcp_current_mss(struct sock *sk)
{
	const struct dst_entry *dst = __sk_dst_get(sk);
	u32 mss = tcp_sk(sk)->mss_cache;

	if (dst) {
		u32 mtu = dst_mtu(dst);

		if (mtu != inet_csk(sk)->icsk_pmtu_cookie)
			mss = xtcp_sync_mss(sk, mtu);
	}
	return mss;
}

static void xtcp_write_options(__be32 *ptr, struct sock *sk, u8 flags,
			       unsigned int sack_blocks)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct xtcp_sock *xp = xtcp_sk(sk);

	if (flags & TCPHDR_SYN) {
		*ptr++ = htonl((TCPOPT_MSS << 24) | (TCPOLEN_MSS << 16) |
			       tp->advmss);
		if (xp->syn_ts) {
			if (xp->syn_sack)
				*ptr++ = htonl((TCPOPT_SACK_PERM << 24) |
					       (TCPOLEN_SACK_PERM << 16) |
					       (TCPOPT_TIMESTAMP << 8) |
					       TCPOLEN_TIMESTAMP);
			else
				*ptr++ = htonl((TCPOPT_NOP << 24) |
					       (TCPOPT_NOP << 16) |
					       (TCPOPT_TIMESTAMP << 8) |
					       TCPOLEN_TIMESTAMP);
			*ptr++ = htonl(xtcp_ts_now(tp));
			*ptr++ = htonl(tp->rx_opt.ts_recent);
		} else if (xp->syn_sack) {
			*ptr++ = htonl((TCPOPT_NOP << 24) | (TCPOPT_NOP << 16) |
				       (TCPOPT_SACK_PERM << 8) |
				       TCPOLEN_SACK_PERM);
		}
		if (xp->syn_wscale)
			*ptr++ = htonl((TCPOPT_NOP << 24) |
				       (TCPOPT_WINDOW << 16) |
				       (TCPOLEN_WINDOW << 8) |
				       tp->rx_opt.rcv_wscale);
		return;
	}

	if (tp->rx_opt.tstamp_ok) {
		*ptr++ = htonl((TCPOPT_NOP << 24) | (TCPOPT_NOP << 16) |
			       (TCPOPT_TIMESTAMP << 8) | TCPOLEN_TIMESTAMP);
		*ptr++ = htonl(xtcp_ts_now(tp));
		*ptr++ = htonl(tp->rx_opt.ts_recent);
	}
	if (sack_blocks) {
		unsigned int i;

		*ptr++ = htonl((TCPOPT_NOP << 24) | (TCPOPT_NOP << 16) |
			       (TCPOPT_SACK << 8) |
			       (TCPOLEN_SACK_BASE +
				sack_blocks * TCPOLEN_SACK_PERBLOCK));
		for (i = 0; i < sack_blocks; i++) {
			*ptr++ = htonl(tp->selective_acks[i].start_seq);
			*ptr++ = htonl(tp->selective_acks[i].end_seq);
		}
	}
}

static unsigned int xtcp_syn_options_size(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	unsigned int size = TCPOLEN_MSS_ALIGNED;

	if (xp->syn_ts)
		size += TCPOLEN_TSTAMP_ALIGNED;	/* SACK_PERM rides in its NOPs */
	else if (xp->syn_sack)
		size += TCPOLEN_SACKPERM_ALIGNED;
	if (xp->syn_wscale)
		size += TCPOLEN_WSCALE_ALIGNED;
	return size;
}

/*
 * Build the TCP header of one segment and hand it to IP. With clone_it
 * the queued skb stays for retransmission and a clone (or a copy, if an
 * earlier clone is still in a device queue) goes out.
 */
int xtcp_transmit_skb(struct sock *sk, struct sk_buff *skb, int clone_it,
		      gfp_t gfp)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct inet_sock *inet = inet_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	unsigned int opt_size, hdr_size, sack_blocks = 0;
	struct tcphdr *th;
	int err;

	if (clone_it) {
		struct sk_buff *oskb = skb;

		cb->when_us = tp->tcp_mstamp;
		cb->rack_judged = 0;
		if (unlikely(skb_cloned(oskb)))
			skb = pskb_copy(oskb, gfp);
		else
			skb = skb_clone(oskb, gfp);
		if (unlikely(!skb))
			return -ENOBUFS;
		cb = XTCP_SKB_CB(skb);
	}

	if (cb->tcp_flags & TCPHDR_SYN)
		opt_size = xtcp_syn_options_size(sk);
	else
		opt_size = xtcp_established_options(sk, &sack_blocks);
	hdr_size = sizeof(struct tcphdr) + opt_size;

	/* A multi-segment skb is a GSO skb: the device or the stack's
	 * software GSO cuts it into segments of gso_size, each with the
	 * header built here (PSH and FIN only on the last).
	 */
	skb_shinfo(skb)->gso_type = sk->sk_gso_type;
	if (xtcp_skb_pcount(skb) > 1) {
		skb_shinfo(skb)->gso_size = XTCP_SKB_CB(skb)->mss;
	} else {
		skb_shinfo(skb)->gso_size = 0;
		xtcp_skb_pcount_set(skb, 1);
	}
	skb_shinfo(skb)->gso_segs = xtcp_skb_pcount(skb);

	skb_orphan(skb);
	skb->sk = sk;
	/* A bare ACK frees no room small queues wait for: sock_wfree()
	 * (one atomic with SOCK_USE_WRITE_QUEUE), as TCP's __sock_wfree.
	 */
	if (!skb->len && !(cb->tcp_flags & (TCPHDR_SYN | TCPHDR_FIN)))
		skb->destructor = sock_wfree;
	else
		skb->destructor = xtcp_wfree;
	refcount_add(skb->truesize, &sk->sk_wmem_alloc);

	th = skb_push(skb, hdr_size);
	skb_reset_transport_header(skb);
	th->source = inet->inet_sport;
	th->dest = inet->inet_dport;
	th->seq = htonl(cb->seq);
	th->ack_seq = htonl(tp->rcv_nxt);
	*(((__be16 *)th) + 6) = htons(((hdr_size >> 2) << 12) | cb->tcp_flags);
	th->check = 0;
	th->urg_ptr = 0;
	if (cb->tcp_flags & TCPHDR_SYN)
		th->window = htons(min(tp->rcv_wnd, 65535U));
	else
		th->window = htons(xtcp_select_window(sk));
	xtcp_write_options((__be32 *)(th + 1), sk, cb->tcp_flags, sack_blocks);

	/* The device (or validate_xmit_skb's fallback) finishes the sum. */
	th->check = ~tcp_v4_check(skb->len, inet->inet_saddr,
				  inet->inet_daddr, 0);
	skb->csum_start = skb_transport_header(skb) - skb->head;
	skb->csum_offset = offsetof(struct tcphdr, check);
	skb->ip_summed = CHECKSUM_PARTIAL;

	if (cb->tcp_flags & TCPHDR_ACK) {
		/* This segment carries the ACK a delayed ACK would send
		 * (tcp_event_ack_sent()): one quick ACK spent, if it was one.
		 */
		if (icsk->icsk_ack.quick && inet_csk_ack_scheduled(sk) &&
		    !--icsk->icsk_ack.quick)
			icsk->icsk_ack.ato = TCP_ATO_MIN;
		inet_csk_clear_xmit_timer(sk, ICSK_TIME_DACK);
		tp->rcv_wup = tp->rcv_nxt;
	}
	if (skb->len != hdr_size) {
		if (!xtcp_in_flight(tp))
			xtcp_cong_on_tx_start(sk);
		tp->data_segs_out += xtcp_skb_pcount(skb);
		tp->bytes_sent += skb->len - hdr_size;
		tp->lsndtime = tcp_jiffies32;
		/* Data sent within an ACK timeout of data received: a
		 * reply. Interactive connections delay their ACKs for the
		 * next reply to carry (tcp_event_data_sent()).
		 */
		if (tcp_jiffies32 - icsk->icsk_ack.lrcvtime < icsk->icsk_ack.ato)
			inet_csk_inc_pingpong_cnt(sk);
		xtcp_pacing_stamp(sk, skb, skb->len - hdr_size);
	}
	tp->segs_out += xtcp_skb_pcount(skb);
	xtcp_mib_add(sk, XTCP_MIB_OUTSEGS, xtcp_skb_pcount(skb));

	trace_xtcp_transmit_skb(sk, skb);

	/* From here skb->cb belongs to IP. */
	memset(skb->cb, 0, sizeof(struct inet_skb_parm));
	err = xtcp_ip_queue_xmit(sk, skb);
	if (unlikely(err > 0))
		err = net_xmit_eval(err);
	return err;
}

/* How many segments of mss an skb stands for; a single segment carries
 * no gso_size, so the device sees a plain frame.
 */
void xtcp_set_tso_segs(struct sk_buff *skb, unsigned int mss)
{
	XTCP_SKB_CB(skb)->mss = mss;
	xtcp_skb_pcount_set(skb, skb->len <= mss ? 1 :
					      DIV_ROUND_UP(skb->len, mss));
}

/* An skb on the retransmit queue now counts decr fewer segments. */
void xtcp_adjust_pcount(struct sock *sk, const struct sk_buff *skb, int decr)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct tcp_sock *tp = tcp_sk(sk);

	tp->packets_out -= decr;
	if (cb->sacked)
		tp->sacked_out -= decr;
	if (cb->lost)
		tp->lost_out -= decr;
	if (cb->retrans_out)
		tp->retrans_out -= decr;
}

/* Page bytes moved from one queued skb to another take their truesize
 * and, up to what the source was charged, their charge along.
 */
static void xtcp_move_charge(struct sk_buff *to, struct sk_buff *from,
			     u32 bytes)
{
	u32 charge = min(bytes, XTCP_SKB_CB(from)->charge);

	to->truesize += bytes;
	from->truesize -= bytes;
	XTCP_SKB_CB(to)->charge += charge;
	XTCP_SKB_CB(from)->charge -= charge;
}

/*
 * Split skb at len: the head keeps len bytes, the tail goes after it on
 * the same queue with the same scoreboard state. Page fragments move
 * (skb_split), nothing is copied but a linear part. On the retransmit
 * queue the segment counts follow.
 */
int xtcp_fragment(struct sock *sk, struct sk_buff_head *queue,
		  struct sk_buff *skb, u32 len, unsigned int mss, gfp_t gfp)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb), *ncb;
	int old_pcount = xtcp_skb_pcount(skb);
	u32 nsize, moved;
	struct sk_buff *buff;

	if (WARN_ON_ONCE(!len || len >= skb->len))
		return -EINVAL;
	/* The fragment array is shared with clones still in flight. */
	if (skb_unclone(skb, gfp))
		return -ENOMEM;
	nsize = skb_headlen(skb) > len ? skb_headlen(skb) - len : 0;
	buff = alloc_skb_fclone(MAX_TCP_HEADER + nsize, gfp);
	if (!buff)
		return -ENOMEM;
	skb_reserve(buff, MAX_TCP_HEADER);
	if (!sk_wmem_schedule(sk, buff->truesize)) {
		kfree_skb(buff);
		return -ENOMEM;
	}
	sk_wmem_queued_add(sk, buff->truesize);
	sk_mem_charge(sk, buff->truesize);

	ncb = XTCP_SKB_CB(buff);
	*ncb = *cb;
	ncb->charge = buff->truesize;

	moved = skb->len - len - nsize;
	skb_split(skb, buff, len);
	xtcp_move_charge(buff, skb, moved);
	buff->ip_summed = CHECKSUM_PARTIAL;

	ncb->seq = cb->seq + len;
	/* FIN, PSH and the record's end move to the second half. */
	cb->tcp_flags &= ~(TCPHDR_FIN | TCPHDR_PSH);
	cb->eor = 0;
	cb->end_seq = ncb->seq;

	xtcp_set_tso_segs(skb, mss);
	xtcp_set_tso_segs(buff, mss);
	__skb_queue_after(queue, skb, buff);

	if (queue == &xtcp_sk(sk)->rtx_queue) {
		int diff = old_pcount - xtcp_skb_pcount(skb) -
			   xtcp_skb_pcount(buff);

		if (diff)
			xtcp_adjust_pcount(sk, skb, diff);
	}
	return 0;
}

/* Drop len acknowledged bytes from the head of a partly acknowledged
 * skb (tcp_trim_head): pages are released, not copied.
 */
int xtcp_trim_head(struct sock *sk, struct sk_buff *skb, u32 len)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct skb_shared_info *shinfo;
	u32 eat, paged = 0;
	int i, k = 0;

	if (skb_unclone(skb, GFP_ATOMIC))
		return -ENOMEM;
	cb->seq += len;
	eat = min(len, skb_headlen(skb));
	__skb_pull(skb, eat);
	len -= eat;
	if (!len)
		return 0;

	shinfo = skb_shinfo(skb);
	for (i = 0; i < shinfo->nr_frags; i++) {
		u32 size = skb_frag_size(&shinfo->frags[i]);

		if (size <= len) {
			skb_frag_unref(skb, i);
			len -= size;
			paged += size;
			continue;
		}
		shinfo->frags[k] = shinfo->frags[i];
		if (len) {
			skb_frag_off_add(&shinfo->frags[k], len);
			skb_frag_size_sub(&shinfo->frags[k], len);
			paged += len;
			len = 0;
		}
		k++;
	}
	shinfo->nr_frags = k;
	skb->data_len -= paged;
	skb->len -= paged;

	skb->truesize -= paged;
	paged = min(paged, cb->charge);
	cb->charge -= paged;
	sk_wmem_queued_add(sk, -(int)paged);
	sk_mem_uncharge(sk, paged);
	return 0;
}

/* The largest skb sendmsg builds: whole segments up to what the device
 * takes in one GSO skb and no more than half the peer's largest window
 * (tcp_xmit_size_goal, tcp_bound_to_half_wnd). sk_setup_caps() already
 * left room for the headers in sk_gso_max_size.
 */
unsigned int xtcp_size_goal(struct sock *sk, unsigned int mss)
{
	struct tcp_sock *tp = tcp_sk(sk);
	u32 goal, cutoff, segs;

	if (!sk_can_gso(sk))
		return mss;
	goal = READ_ONCE(sk->sk_gso_max_size);
	cutoff = tp->max_window > TCP_MSS_DEFAULT ? tp->max_window >> 1 :
						    tp->max_window;
	if (cutoff && goal > cutoff)
		goal = cutoff;
	segs = min_t(u32, goal / mss, READ_ONCE(sk->sk_gso_max_segs));
	return max(segs, 1U) * mss;
}

/* Minshall's variant of Nagle: a sub-MSS segment (or a partial last
 * segment of a GSO skb) is held while an earlier small one is
 * unacknowledged, or always under TCP_CORK/MSG_MORE. True means hold.
 */
static bool xtcp_nagle_check(bool partial, const struct tcp_sock *tp,
			     int nonagle)
{
	return partial &&
	       ((nonagle & TCP_NAGLE_CORK) ||
		(!nonagle && tp->packets_out && after(tp->snd_sml, tp->snd_una) &&
		 !after(tp->snd_sml, tp->snd_nxt)));
}

/* Whether a one-segment skb may go now (tcp_nagle_test). */
static bool xtcp_nagle_test(const struct tcp_sock *tp,
			    const struct sk_buff *skb, unsigned int mss,
			    int nonagle)
{
	if (nonagle & TCP_NAGLE_PUSH)
		return true;
	if (XTCP_SKB_CB(skb)->tcp_flags & TCPHDR_FIN)
		return true;
	return !xtcp_nagle_check(skb->len < mss, tp, nonagle);
}

/* How many bytes of a multi-segment skb go in one GSO skb: max_segs
 * whole segments, within the peer's window, and a partial last segment
 * only if Nagle lets it go (tcp_mss_split_point).
 */
static u32 xtcp_mss_split_point(struct sock *sk, const struct sk_buff *skb,
				unsigned int mss, u32 max_segs, int nonagle)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	u32 window = tcp_wnd_end(tp) - XTCP_SKB_CB(skb)->seq;
	u32 max_len = mss * max_segs, needed, partial;

	if (max_len <= window &&
	    !skb_queue_is_last(&sk->sk_write_queue, skb))
		return max_len;
	needed = min(skb->len, window);
	if (max_len <= needed)
		return max_len;
	partial = needed % mss;
	if (xtcp_nagle_check(partial != 0, tp, nonagle))
		return needed - partial;
	return needed;
}

/* A switch for experiments: Linux always defers. */
static bool tso_defer = true;
module_param(tso_defer, bool, 0644);
MODULE_PARM_DESC(tso_defer, "defer sub-goal GSO skbs while an ACK is due (default on, as Linux)");

/*
 * TSO deferral (tcp_tso_should_defer): when cwnd or the peer's window let
 * only part of a multi-segment skb go and an ACK that frees more is due
 * soon, wait for it rather than send a small GSO skb now. Never in loss
 * recovery, after a pause in sending (1 ms), when a fair share of the
 * window can go, or when the ACK is more than min(srtt/2, 1 ms) away; an
 * skb the application may still fill (the queue's tail) waits too,
 * unless a FIN or a record end closes it. A wait for cwnd's room, not
 * the peer's, sets *cwnd_limited (the round used the window).
 */
static bool xtcp_tso_should_defer(struct sock *sk, const struct sk_buff *skb,
				  u32 max_segs, unsigned int mss,
				  bool *cwnd_limited)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct tcp_sock *tp = tcp_sk(sk);
	u32 send_win, cong_win, limit, divisor, srtt;
	const struct sk_buff *head;
	s64 ack_due;

	if (!READ_ONCE(tso_defer))
		return false;
	if (inet_csk(sk)->icsk_ca_state >= TCP_CA_Recovery)
		return false;
	if ((s64)(tp->tcp_clock_cache - tp->tcp_wstamp_ns) > NSEC_PER_MSEC)
		return false;

	send_win = tcp_wnd_end(tp) - cb->seq;
	cong_win = (tcp_snd_cwnd(tp) - xtcp_in_flight(tp)) * mss;
	limit = min(send_win, cong_win);
	if (limit >= max_segs * mss)
		return false;
	/* An skb with data behind it gets no more: send what fits. */
	if (!skb_queue_is_last(&sk->sk_write_queue, skb) && limit >= skb->len)
		return false;
	/* Enough for a fair share of the window: no point waiting. */
	divisor = READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_tso_win_divisor);
	if (divisor) {
		if (limit >= min(tp->snd_wnd, tcp_snd_cwnd(tp) * mss) / divisor)
			return false;
	} else if (limit > 3 * mss) {
		return false;
	}
	/* The oldest unacknowledged segment's ACK is the one to wait for:
	 * due one srtt after it left, it must come within the threshold.
	 */
	head = skb_peek(&xtcp_sk(sk)->rtx_queue);
	if (!head)
		return false;
	srtt = tp->srtt_us >> 3;
	ack_due = (s64)(XTCP_SKB_CB(head)->when_us + srtt - tp->tcp_mstamp);
	if (ack_due > min_t(u32, srtt >> 1, USEC_PER_MSEC))
		return false;
	/* Window-limited: the ACK brings the room. */
	if (cong_win < send_win ? cong_win <= skb->len : send_win <= skb->len) {
		*cwnd_limited = cong_win < send_win;
		return true;
	}
	/* Application-limited: wait for more data, if more can come. */
	return !(cb->tcp_flags & TCPHDR_FIN) && !cb->eor;
}

/* GSO skbs of about 1 ms at the pacing rate (tcp_tso_autosize), at
 * least two segments: at low rates a 64 KiB skb is a burst of tens of
 * milliseconds that neither fq nor the pacing timer can spread. Short
 * paths get more: up to sk_gso_max_size, halved per
 * 2^net.ipv4.tcp_tso_rtt_log us of minimum RTT (the whole of it below
 * 512 us by default), as a burst there costs little and every skb
 * costs a transmit, a doorbell and a TX completion.
 */
static u32 xtcp_tso_autosize(const struct sock *sk, unsigned int mss)
{
	unsigned int gso_max = READ_ONCE(sk->sk_gso_max_size);
	unsigned long bytes = READ_ONCE(sk->sk_pacing_rate) >>
			      READ_ONCE(sk->sk_pacing_shift);
	u32 r;

	r = tcp_min_rtt(tcp_sk(sk)) >>
	    READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_tso_rtt_log);
	if (r < BITS_PER_TYPE(gso_max))
		bytes += gso_max >> r;
	bytes = min_t(unsigned long, bytes, gso_max);
	return max(bytes / mss, 2UL);
}

/* The most segments one GSO skb of this run may carry (tcp_tso_segs). */
static u32 xtcp_tso_segs(const struct sock *sk, unsigned int mss)
{
	if (!sk_can_gso(sk))
		return 1;
	return min(xtcp_tso_autosize(sk, mss), READ_ONCE(sk->sk_gso_max_segs));
}

/* How many segments cwnd lets go now (tcp_cwnd_test): no more than half
 * the window in one GSO skb, so that at least two are in flight and the
 * ACKs of the first clock out the next.
 */
static u32 xtcp_cwnd_quota(const struct tcp_sock *tp)
{
	u32 in_flight = xtcp_in_flight(tp), cwnd = tcp_snd_cwnd(tp);

	if (in_flight >= cwnd)
		return 0;
	return min(max(cwnd >> 1, 1U), cwnd - in_flight);
}

/*
 * Move up to amount bytes from the front of the next unsent skb to the
 * end of skb (tcp_grow_skb): what cwnd lets go then leaves as one GSO
 * skb even where an earlier split or a short write left the queue in
 * pieces. Page fragments move, nothing is copied; a next skb left empty
 * is freed and its PSH, FIN and record end pass to skb.
 */
static void xtcp_grow_skb(struct sock *sk, struct sk_buff *skb, u32 amount)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb), *ncb;
	struct skb_shared_info *to, *from;
	struct sk_buff *next;
	u32 moved = 0;
	int i = 0;

	if (cb->eor || skb_queue_is_last(&sk->sk_write_queue, skb))
		return;
	next = skb->next;
	ncb = XTCP_SKB_CB(next);
	/* A zerocopy skb's pages answer to its own notification. */
	if (skb_zcopy(skb) || skb_zcopy(next) || skb_headlen(next) ||
	    skb_cloned(skb) || skb_cloned(next))
		return;
	to = skb_shinfo(skb);
	from = skb_shinfo(next);
	for (; amount && i < from->nr_frags; i++) {
		skb_frag_t *f = &from->frags[i];
		u32 size = min(skb_frag_size(f), amount);
		bool whole = size == skb_frag_size(f);

		if (skb_can_coalesce(skb, to->nr_frags, skb_frag_page(f),
				     skb_frag_off(f))) {
			/* One fragment, one page reference. */
			skb_frag_size_add(&to->frags[to->nr_frags - 1], size);
			if (whole)
				__skb_frag_unref(f, false);
		} else {
			if (to->nr_frags >= MAX_SKB_FRAGS)
				break;
			to->frags[to->nr_frags] = *f;
			skb_frag_size_set(&to->frags[to->nr_frags], size);
			to->nr_frags++;
			if (!whole)
				__skb_frag_ref(f);
		}
		moved += size;
		amount -= size;
		if (!whole) {
			skb_frag_off_add(f, size);
			skb_frag_size_sub(f, size);
			break;
		}
	}
	if (!moved)
		return;
	/* Drop the fragments that moved whole. */
	memmove(from->frags, from->frags + i,
		(from->nr_frags - i) * sizeof(skb_frag_t));
	from->nr_frags -= i;
	to->flags |= from->flags & SKBFL_SHARED_FRAG;

	skb->len += moved;
	skb->data_len += moved;
	next->len -= moved;
	next->data_len -= moved;
	xtcp_move_charge(skb, next, moved);
	cb->end_seq += moved;
	ncb->seq += moved;

	if (!next->len) {
		cb->end_seq = ncb->end_seq;
		cb->tcp_flags |= ncb->tcp_flags;
		cb->eor = ncb->eor;
		__skb_unlink(next, &sk->sk_write_queue);
		xtcp_wmem_free_skb(sk, next);
	}
}

/* A sent segment leaves the write queue for the retransmit queue. */
static void xtcp_event_new_data_sent(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	bool was_empty = !tp->packets_out;

	__skb_unlink(skb, &sk->sk_write_queue);
	__skb_queue_tail(&xp->rtx_queue, skb);
	WRITE_ONCE(tp->snd_nxt, cb->end_seq);
	tp->packets_out += xtcp_skb_pcount(skb);
	if (inet_csk(sk)->icsk_ca_state == TCP_CA_Recovery)
		tp->prr_out += xtcp_skb_pcount(skb);	/* PRR's count */

	/* New data (re)starts the loss probe timeout (RFC 8985 7.2). */
	if ((was_empty || icsk_pending_probe(sk) ||
	     inet_csk(sk)->icsk_pending == ICSK_TIME_LOSS_PROBE) &&
	    !xtcp_tlp_schedule(sk))
		xtcp_reset_rto_timer(sk);
}

/*
 * Send queued data while the peer's window, the congestion window and
 * Nagle allow, as GSO skbs of up to the device's limit whose segments
 * the device (or the stack's software GSO) cuts at mss. A loss probe
 * (tcp_write_xmit's push_one == 2) sends one skb, past a full cwnd if
 * need be, and never defers. Returns true when data is queued but
 * nothing is in flight to clock it out (the caller arms the zero-window
 * probe).
 */
bool xtcp_write_xmit(struct sock *sk, unsigned int mss, int nonagle,
		     bool probe, gfp_t gfp)
{
	bool sent = false, cwnd_limited = false;
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb;
	u32 max_segs;
	int reason;

	if (skb_queue_empty(&sk->sk_write_queue))
		return false;
	/* The clock for this run: pacing, send times, TS values. */
	xtcp_mstamp_refresh(tp);
	max_segs = xtcp_tso_segs(sk, mss);
	while ((skb = skb_peek(&sk->sk_write_queue))) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
		u32 end, quota, limit;

		if (xtcp_pacing_hold(sk)) {
			reason = XTCP_HOLD_PACING;
			goto hold;
		}
		quota = min(xtcp_cwnd_quota(tp), max_segs);
		if (!quota) {
			if (!probe) {
				reason = XTCP_HOLD_CWND;
				goto hold;
			}
			quota = 1;
		}
		/* Even past the window's edge, as tcp_grow_skb: the part
		 * that does not fit then waits at the head of a full skb
		 * instead of leaving now as a sliver of its own.
		 */
		if (skb->len < quota * mss)
			xtcp_grow_skb(sk, skb, quota * mss - skb->len);
		xtcp_set_tso_segs(skb, mss);
		/* The first segment must fit the peer's window
		 * (tcp_snd_wnd_test); less than that waits for the window
		 * to open, or for the persist timer to send what fits.
		 */
		end = skb->len > mss ? cb->seq + mss : cb->end_seq;
		if (after(end, tcp_wnd_end(tp))) {
			reason = XTCP_HOLD_RWND;
			goto hold;
		}
		if (xtcp_skb_pcount(skb) == 1) {
			/* Nagle holds only the queue's last segment. */
			if (!xtcp_nagle_test(tp, skb, mss,
					     skb_queue_is_last(&sk->sk_write_queue, skb) ?
					     nonagle : TCP_NAGLE_PUSH)) {
				reason = (nonagle & TCP_NAGLE_CORK) ?
					 XTCP_HOLD_CORK : XTCP_HOLD_NAGLE;
				goto hold;
			}
			limit = mss;
		} else {
			if (!probe &&
			    xtcp_tso_should_defer(sk, skb, max_segs, mss,
						  &cwnd_limited)) {
				reason = XTCP_HOLD_DEFER;
				goto hold;
			}
			limit = xtcp_mss_split_point(sk, skb, mss, quota,
						     nonagle);
		}
		if (skb->len > limit &&
		    xtcp_fragment(sk, &sk->sk_write_queue, skb, limit, mss,
				  gfp)) {
			reason = XTCP_HOLD_ERROR;
			goto hold;
		}
		if (xtcp_small_queue_check(sk, skb, 0)) {
			reason = XTCP_HOLD_TSQ;
			goto hold;
		}
		if (skb_queue_is_last(&sk->sk_write_queue, skb) &&
		    (nonagle & TCP_NAGLE_PUSH))
			cb->tcp_flags |= TCPHDR_PSH;
		/* The verdict precedes the stage it lets through; a failed
		 * transmit is reported after it as "error".
		 */
		trace_xtcp_write_xmit(sk, skb, XTCP_HOLD_NONE);
		if (xtcp_transmit_skb(sk, skb, 1, gfp)) {
			reason = XTCP_HOLD_ERROR;
			goto hold;
		}
		/* Minshall: remember the end of a sent partial segment. */
		if (skb->len < xtcp_skb_pcount(skb) * mss)
			tp->snd_sml = cb->end_seq;
		xtcp_event_new_data_sent(sk, skb);
		sent = true;
		if (probe)
			break;
	}
	xtcp_cwnd_validate(sk, sent, cwnd_limited);
	return false;

hold:
	trace_xtcp_write_xmit(sk, skb, reason);
	xtcp_cwnd_validate(sk, sent, cwnd_limited);
	/* Data held with nothing in flight to clock it out: the probe
	 * timer sends it (window closed, or a corked partial segment,
	 * whose 200 ms ceiling this is) as tcp_write_xmit() arranges.
	 * TX completions and the pacing timer resume their own holds.
	 */
	return !tp->packets_out && reason != XTCP_HOLD_TSQ &&
	       reason != XTCP_HOLD_PACING;
}

/* The push decision after sendmsg: MSG_MORE and TCP_CORK hold partial
 * segments, TCP_NODELAY or a forced push send them.
 */
void xtcp_push(struct sock *sk, int flags, unsigned int mss, int nonagle)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);

	if (!skb)
		return;
	xtcp_cwnd_restart_check(sk);
	if (!(flags & MSG_MORE) || xtcp_forced_push(tp)) {
		XTCP_SKB_CB(skb)->tcp_flags |= TCPHDR_PSH;
		tp->pushed_seq = tp->write_seq;
	}
	if (flags & MSG_MORE)
		nonagle = TCP_NAGLE_CORK;

	trace_xtcp_push(sk, flags, mss, nonagle);
	__xtcp_push_pending_frames(sk, mss, nonagle);
}

/* Send what can go now; arm the zero-window probe if nothing can. */
void __xtcp_push_pending_frames(struct sock *sk, unsigned int mss, int nonagle)
{
	if (sk->sk_state == TCP_CLOSE)
		return;
	if (xtcp_write_xmit(sk, mss, nonagle, false,
			    sk_gfp_mask(sk, GFP_ATOMIC)))
		xtcp_check_probe_timer(sk);
}

/* A segment that carries no data and is not queued: ACK, RST, probe. */
static int xtcp_send_ctl(struct sock *sk, u32 seq, u8 flags, gfp_t gfp)
{
	struct sk_buff *skb;

	skb = alloc_skb(MAX_TCP_HEADER, gfp);
	if (!skb)
		return -ENOBUFS;
	skb_reserve(skb, MAX_TCP_HEADER);
	memset(XTCP_SKB_CB(skb), 0, sizeof(struct xtcp_skb_cb));
	XTCP_SKB_CB(skb)->seq = seq;
	XTCP_SKB_CB(skb)->end_seq = seq;
	XTCP_SKB_CB(skb)->tcp_flags = flags;
	return xtcp_transmit_skb(sk, skb, 0, gfp);
}

/* The sequence number for a segment without data: snd_nxt unless the
 * peer shrank its window below it (RFC 9293 3.10.7.4 / tcp_acceptable_seq).
 */
static u32 xtcp_acceptable_seq(const struct tcp_sock *tp)
{
	if (!before(tcp_wnd_end(tp), tp->snd_nxt))
		return tp->snd_nxt;
	return tcp_wnd_end(tp);
}

void xtcp_send_ack(struct sock *sk)
{
	if (sk->sk_state == TCP_CLOSE)
		return;
	if (xtcp_send_ctl(sk, xtcp_acceptable_seq(tcp_sk(sk)), TCPHDR_ACK,
			  GFP_ATOMIC)) {
		/* No memory: let the delayed-ACK timer try again. */
		inet_csk_schedule_ack(sk);
		xtcp_delack_schedule(sk);
	}
}

/* A segment the peer must answer with an ACK: one old byte of sequence
 * space (zero-window probe, keepalive), as tcp_xmit_probe_skb().
 */
int xtcp_send_probe(struct sock *sk)
{
	return xtcp_send_ctl(sk, tcp_sk(sk)->snd_una - 1, TCPHDR_ACK,
			     GFP_ATOMIC);
}

/* The persist timer fired: if the peer's window has room, send as much
 * of the head of the write queue as fits (tcp_write_wakeup()); otherwise
 * a zero-window probe.
 */
int xtcp_write_wakeup(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);

	if (skb && before(XTCP_SKB_CB(skb)->seq, tcp_wnd_end(tp))) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
		unsigned int mss = xtcp_current_mss(sk);
		u32 seg_size = tcp_wnd_end(tp) - cb->seq;

		seg_size = min(seg_size, mss);
		if (seg_size < skb->len &&
		    xtcp_fragment(sk, &sk->sk_write_queue, skb, seg_size,
				  mss, GFP_ATOMIC))
			return -ENOMEM;
		xtcp_set_tso_segs(skb, mss);
		cb->tcp_flags |= TCPHDR_PSH;
		if (xtcp_transmit_skb(sk, skb, 1, GFP_ATOMIC))
			return -ENOBUFS;
		xtcp_event_new_data_sent(sk, skb);
		return 0;
	}
	xtcp_mib_inc(sk, XTCP_MIB_ZEROWINDOWPROBES);
	return xtcp_send_probe(sk);
}

/* RFC 5961 challenge ACK, at most net.ipv4.tcp_challenge_ack_limit a
 * second per socket (Linux limits globally; per socket is stricter for
 * nobody and needs no shared state).
 */
void xtcp_send_challenge_ack(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	u32 now = jiffies / HZ;
	u32 limit = READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_challenge_ack_limit);

	if (now != xp->challenge_stamp) {
		xp->challenge_stamp = now;
		xp->challenge_count = 0;
	}
	if (++xp->challenge_count <= limit)
		xtcp_send_ack(sk);
}

/* RST from a socket, for abort paths (close with unread data, linger 0,
 * keepalive or retransmission give-up on an orphan...).
 */
void xtcp_send_active_reset(struct sock *sk, gfp_t gfp)
{
	/* Close, abort and timer paths alike: read the clock here. */
	xtcp_mstamp_refresh(tcp_sk(sk));
	xtcp_mib_inc(sk, XTCP_MIB_OUTRSTS);
	xtcp_send_ctl(sk, xtcp_acceptable_seq(tcp_sk(sk)),
		      TCPHDR_ACK | TCPHDR_RST, gfp);
}

/* RST answering an unacceptable ACK in SYN_SENT or SYN_RECV: <SEQ=SEG.ACK>
 * with no ACK bit (RFC 9293 3.10.7.3).
 */
void xtcp_send_reset_seq(struct sock *sk, u32 seq)
{
	xtcp_mib_inc(sk, XTCP_MIB_OUTRSTS);
	xtcp_send_ctl(sk, seq, TCPHDR_RST, GFP_ATOMIC);
}

/* Queue an skb on the write queue, charging it to the socket. */
void xtcp_entail(struct sock *sk, struct sk_buff *skb, u8 flags)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	memset(cb, 0, sizeof(*cb));
	cb->seq = tp->write_seq;
	cb->end_seq = tp->write_seq;
	cb->tcp_flags = flags;
	xtcp_skb_pcount_set(skb, 1);
	if (sk_wmem_schedule(sk, skb->truesize)) {
		sk_wmem_queued_add(sk, skb->truesize);
		sk_mem_charge(sk, skb->truesize);
		cb->charge = skb->truesize;
	}
	__skb_queue_tail(&sk->sk_write_queue, skb);
}

/* Queue our FIN: on the last unsent segment if there is one. */
void xtcp_send_fin(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);

	if (xp->fin_queued)
		return;
	if (!skb) {
		skb = alloc_skb_fclone(MAX_TCP_HEADER,
				       sk_gfp_mask(sk, GFP_ATOMIC) |
				       __GFP_NOWARN);
		if (!skb) {
			/* TCP retries this from a timer; an RST is the
			 * honest outcome when memory cannot be had.
			 */
			xtcp_send_active_reset(sk, GFP_ATOMIC);
			xtcp_done(sk);
			return;
		}
		skb_reserve(skb, MAX_TCP_HEADER);
		xtcp_entail(sk, skb, TCPHDR_ACK);
	}
	XTCP_SKB_CB(skb)->tcp_flags |= TCPHDR_FIN;
	XTCP_SKB_CB(skb)->end_seq++;
	xp->fin_seq = tp->write_seq;
	WRITE_ONCE(tp->write_seq, tp->write_seq + 1);
	xp->fin_queued = true;
	__xtcp_push_pending_frames(sk, xtcp_current_mss(sk), TCP_NAGLE_OFF);
}

/*
 * Whether an earlier transmission of skb is still in a queue below us,
 * the qdisc or the driver (skb_still_in_host_queue): it will leave yet,
 * so a copy now would be a spurious retransmission. Its TX completion
 * finds the socket throttled and resumes it (xtcp_tsq_write).
 */
static bool xtcp_still_in_host_queue(struct sock *sk,
				     const struct sk_buff *skb)
{
	if (likely(!skb_fclone_busy(sk, skb)))
		return false;
	set_bit(XTCP_TSQ_THROTTLED, &sk->sk_tsq_flags);
	/* The completion may have come before the mark was visible. */
	smp_mb__after_atomic();
	if (!skb_fclone_busy(sk, skb))
		return false;
	xtcp_mib_inc(sk, XTCP_MIB_SPURIOUSRTXHOSTQUEUES);
	return true;
}

/*
 * Re-send the head of a queued skb: up to segs segments at the current
 * MSS (which PMTU discovery may have lowered) as one GSO skb, within the
 * peer's window (__tcp_retransmit_skb). The rest stays behind, split
 * off with the same fate.
 */
int xtcp_retransmit_skb(struct sock *sk, struct sk_buff *skb, int segs)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	unsigned int mss = xtcp_current_mss(sk);
	int err, pcount, avail_wnd;
	u32 len;

	if (xtcp_still_in_host_queue(sk, skb))
		return -EBUSY;

	/* Partly acknowledged: send only what is still outstanding. */
	if (before(cb->seq, tp->snd_una)) {
		u32 trim = tp->snd_una - cb->seq;

		if (cb->tcp_flags & TCPHDR_SYN) {
			cb->tcp_flags &= ~TCPHDR_SYN;
			cb->seq++;
			trim--;
		}
		if (trim && xtcp_trim_head(sk, skb, trim))
			return -ENOMEM;
	}

	/* A peer that shrank its window gets nothing beyond it, but for
	 * the oldest segment: that one probes a window shrunk to zero.
	 */
	avail_wnd = tcp_wnd_end(tp) - cb->seq;
	if (avail_wnd <= 0) {
		if (cb->seq != tp->snd_una)
			return -EAGAIN;
		avail_wnd = mss;
	}
	len = mss * segs;
	if (len > (u32)avail_wnd)
		len = rounddown(avail_wnd, mss) ?: avail_wnd;
	if (skb->len > len &&
	    xtcp_fragment(sk, &xp->rtx_queue, skb, len, mss, GFP_ATOMIC))
		return -ENOMEM;
	pcount = xtcp_skb_pcount(skb);
	xtcp_set_tso_segs(skb, mss);
	if (pcount != xtcp_skb_pcount(skb))
		xtcp_adjust_pcount(sk, skb, pcount - xtcp_skb_pcount(skb));

	/* The first retransmission's time: the timeout's start and the
	 * undo test's mark (an echo older than it answers an original).
	 */
	if (!tp->retrans_stamp)
		tp->retrans_stamp = tcp_time_stamp_ms(tp);
	if (tp->undo_retrans < 0)
		tp->undo_retrans = 0;
	tp->undo_retrans += xtcp_skb_pcount(skb);
	err = xtcp_transmit_skb(sk, skb, 1, GFP_ATOMIC);
	if (err)
		return err;
	trace_xtcp_retransmit(sk, skb);
	if (cb->lost && !cb->retrans_out) {
		cb->retrans_out = 1;
		tp->retrans_out += xtcp_skb_pcount(skb);
	}
	cb->retrans++;
	tp->total_retrans += xtcp_skb_pcount(skb);
	if (inet_csk(sk)->icsk_ca_state == TCP_CA_Recovery)
		tp->prr_out += xtcp_skb_pcount(skb);
	tp->bytes_retrans += skb->len;
	xtcp_mib_add(sk, XTCP_MIB_RETRANSSEGS, xtcp_skb_pcount(skb));
	return 0;
}

/*
 * Retransmit what is marked lost, oldest first (tcp_xmit_retransmit_queue):
 * each as one GSO skb of what cwnd has room for, no larger than
 * write_xmit would send, and as pacing and the queues below allow; held
 * by them, the pacing timer or a TX completion resumes (xtcp_tsq_write).
 */
void xtcp_xmit_retransmit_queue(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb;
	u32 max_segs;

	/* Every ACK comes through here; most find nothing lost unsent. */
	if (tp->retrans_out >= tp->lost_out)
		return;
	max_segs = xtcp_tso_segs(sk, xtcp_current_mss(sk));
	/* Not the _safe walk: a split inserts the rest right after skb. */
	skb_queue_walk(&xp->rtx_queue, skb) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
		int room;

		if (!cb->lost || cb->retrans_out)
			continue;
		room = tcp_snd_cwnd(tp) - xtcp_in_flight(tp);
		if (room <= 0)
			break;
		if (xtcp_pacing_hold(sk) || xtcp_small_queue_check(sk, skb, 1))
			break;
		if (xtcp_retransmit_skb(sk, skb, min_t(u32, room, max_segs)))
			break;
		/* The rest of the queue holds nothing more to resend. */
		if (tp->retrans_out >= tp->lost_out)
			break;
	}
}

/*
 * connect() on a 4-tuple xtcp already has: refused (EADDRNOTAVAIL) unless
 * it is an orphan in TIME_WAIT that recorded timestamps, which the new
 * connection replaces (tcp_twsk_unique() for a connect from a bound
 * port: PAWS keeps old duplicates out).
 */
static int xtcp_claim_tuple(struct sock *sk, u32 *seq, u32 *ts_recent,
			    int *ts_stamp)
{
	struct inet_sock *inet = inet_sk(sk);
	struct sock *tw;
	int err = -EADDRNOTAVAIL;

	tw = xtcp_lookup_established(sock_net(sk), inet->inet_rcv_saddr,
				     inet->inet_sport, inet->inet_daddr,
				     inet->inet_dport);
	if (!tw)
		return 0;

	local_bh_disable();
	bh_lock_sock(tw);
	if (tw->sk_state == TCP_TIME_WAIT && !sock_owned_by_user(tw) &&
	    sock_flag(tw, SOCK_DEAD) && tcp_sk(tw)->rx_opt.ts_recent_stamp) {
		*seq = tcp_sk(tw)->snd_nxt + 65535 + 2 ? : 1;
		*ts_recent = tcp_sk(tw)->rx_opt.ts_recent;
		*ts_stamp = tcp_sk(tw)->rx_opt.ts_recent_stamp;
		xtcp_done(tw);
		err = 0;
	}
	bh_unlock_sock(tw);
	local_bh_enable();
	sock_put(tw);
	return err;
}

/* Active open: pick the route, source address and port, ISN and options,
 * then send the SYN. Called by inet_stream_connect() with the socket locked.
 */
int xtcp_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len)
{
	struct sockaddr_in *usin = (struct sockaddr_in *)uaddr;
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	struct net *net = sock_net(sk);
	u32 tw_seq = 0, tw_ts_recent = 0;
	union tcp_seq_and_ts_off st;
	int tw_ts_stamp = 0;
	struct sk_buff *skb;
	__be16 orig_sport;
	struct flowi4 fl4;
	struct rtable *rt;
	__be32 saddr;
	int err;

	if (addr_len < (int)sizeof(struct sockaddr_in))
		return -EINVAL;
	if (usin->sin_family != AF_INET)
		return -EAFNOSUPPORT;

	orig_sport = inet->inet_sport;
	rt = ip_route_connect(&fl4, usin->sin_addr.s_addr, inet->inet_saddr,
			      sk->sk_bound_dev_if, IPPROTO_TCP, orig_sport,
			      usin->sin_port, sk);
	if (IS_ERR(rt)) {
		err = PTR_ERR(rt);
		if (err == -ENETUNREACH)
			IP_INC_STATS(net, IPSTATS_MIB_OUTNOROUTES);
		return err;
	}
	if (rt->rt_flags & (RTCF_MULTICAST | RTCF_BROADCAST)) {
		ip_rt_put(rt);
		return -ENETUNREACH;
	}

	if (!inet->inet_saddr) {
		saddr = fl4.saddr;
		inet->inet_saddr = saddr;
		inet->inet_rcv_saddr = saddr;
	}
	inet->inet_dport = usin->sin_port;
	inet->inet_daddr = usin->sin_addr.s_addr;
	icsk->icsk_ext_hdr_len = 0;
	tp->rx_opt.mss_clamp = TCP_MSS_DEFAULT;

	xtcp_set_state(sk, TCP_SYN_SENT);

	/* The port: the bound one, or an ephemeral one from the TCP bind
	 * hash (never one a host TCP socket holds).
	 */
	if (!inet->inet_num) {
		err = sk->sk_prot->get_port(sk, 0);
		if (err) {
			err = -EADDRNOTAVAIL;
			goto failure;
		}
		inet->inet_sport = htons(inet->inet_num);
	}
	err = xtcp_claim_tuple(sk, &tw_seq, &tw_ts_recent, &tw_ts_stamp);
	if (err)
		goto failure;

	rt = ip_route_newports(&fl4, rt, orig_sport, usin->sin_port,
			       inet->inet_sport, inet->inet_dport, sk);
	if (IS_ERR(rt)) {
		err = PTR_ERR(rt);
		rt = NULL;
		goto failure;
	}
	sk->sk_gso_type = SKB_GSO_TCPV4;
	sk_setup_caps(sk, &rt->dst);
	rt = NULL;

	st = secure_tcp_seq_and_ts_off(net, inet->inet_saddr, inet->inet_daddr,
				       inet->inet_sport, usin->sin_port);
	tp->tsoffset = st.ts_off;
	WRITE_ONCE(tp->write_seq, st.seq);
	atomic_set(&inet->inet_id, get_random_u16());

	err = xtcp_hash(sk);
	if (err)
		goto failure;

	err = xtcp_init_conn(sk);
	if (err)
		goto failure_hashed;
	if (tw_seq) {
		/* Taking over a TIME_WAIT: start beyond its sequence space
		 * and keep its timestamp for PAWS, as tcp_twsk_unique().
		 */
		WRITE_ONCE(tp->write_seq, tw_seq);
		tp->rx_opt.ts_recent = tw_ts_recent;
		tp->rx_opt.ts_recent_stamp = tw_ts_stamp;
	}
	xp->syn_ts = READ_ONCE(net->ipv4.sysctl_tcp_timestamps) ? 1 : 0;
	xp->syn_sack = READ_ONCE(net->ipv4.sysctl_tcp_sack) ? 1 : 0;
	xp->syn_wscale = READ_ONCE(net->ipv4.sysctl_tcp_window_scaling) ? 1 : 0;

	tp->snd_una = tp->write_seq;
	tp->snd_sml = tp->write_seq;
	tp->snd_up = tp->write_seq;
	WRITE_ONCE(tp->snd_nxt, tp->write_seq);
	tp->pushed_seq = tp->write_seq;
	tp->rcv_nxt = 0;
	tp->rcv_wup = 0;
	WRITE_ONCE(tp->copied_seq, 0);
	/* The clock for the SYN: its send time and TS value. */
	xtcp_mstamp_refresh(tp);
	tp->retrans_stamp = tcp_time_stamp_ms(tp);

	skb = alloc_skb_fclone(MAX_TCP_HEADER, sk->sk_allocation);
	if (!skb) {
		err = -ENOBUFS;
		goto failure_hashed;
	}
	skb_reserve(skb, MAX_TCP_HEADER);
	xtcp_entail(sk, skb, TCPHDR_SYN);
	XTCP_SKB_CB(skb)->end_seq++;
	WRITE_ONCE(tp->write_seq, tp->write_seq + 1);

	err = xtcp_transmit_skb(sk, skb, 1, sk->sk_allocation);
	if (err == -ECONNREFUSED)
		goto failure_hashed;
	/* Other send errors (no buffer, a netfilter DROP, no neighbour):
	 * the timer retries, as tcp_connect() does.
	 */
	xtcp_event_new_data_sent(sk, skb);
	xtcp_reset_rto_timer(sk);
	return 0;

failure_hashed:
	xtcp_free_queues(sk);
failure:
	xtcp_set_state(sk, TCP_CLOSE);
	if (rt)
		ip_rt_put(rt);
	sk->sk_route_caps = 0;
	inet->inet_dport = 0;
	if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK))
		inet_reset_saddr(sk);
	return err;
}

/* Our SYN-ACK for a passive open (a child in SYN_RECV): the SYN skb
 * was queued when the child was created; send or resend it.
 */
int xtcp_send_synack(struct sock *sk)
{
	struct sk_buff *skb = skb_peek(&xtcp_sk(sk)->rtx_queue);

	if (skb)
		return xtcp_retransmit_skb(sk, skb, 1);
	skb = skb_peek(&sk->sk_write_queue);
	if (!skb)
		return -EINVAL;
	/* A failed first send is retried by the retransmission timer. */
	xtcp_transmit_skb(sk, skb, 1, GFP_ATOMIC);
	xtcp_event_new_data_sent(sk, skb);
	return 0;
}
