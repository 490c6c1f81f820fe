// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp: sendmsg, the first stage of the send path. User data is copied
 * into MSS-sized skbs on the write queue, charged to the socket's send
 * buffer; when the buffer is full the caller sleeps (or gets EAGAIN).
 * xtcp_push() then decides what goes out now.
 *
 * Two ways avoid the copy, as in tcp_sendmsg_locked(): MSG_SPLICE_PAGES
 * (sendfile, splice) attaches the caller's pages to the skb, and
 * MSG_ZEROCOPY on an SO_ZEROCOPY socket pins the user pages and reports
 * their release on the error queue (msg_zerocopy_* in net/core).
 */
#include <linux/sched/signal.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/xtcp.h>
#include <trace/events/xtcp.h>

/* Free an skb of the write or retransmit queue (tcp_wmem_free_skb). */
void xtcp_wmem_free_skb(struct sock *sk, struct sk_buff *skb)
{
	/* What was charged, not skb->truesize: pulls and trims may have
	 * changed the latter since.
	 */
	u32 charge = XTCP_SKB_CB(skb)->charge;

	if (charge) {
		sk_wmem_queued_add(sk, -(int)charge);
		sk_mem_uncharge(sk, charge);
	}
	__kfree_skb(skb);
}

/* Drop the write, retransmit and out-of-order queues, uncharging them. */
void xtcp_free_queues(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(&sk->sk_write_queue)))
		xtcp_wmem_free_skb(sk, skb);
	while ((skb = __skb_dequeue(&xp->rtx_queue)))
		xtcp_wmem_free_skb(sk, skb);
	/* Out-of-order skbs are charged to the receive side. */
	__skb_queue_purge(&xp->ooo_queue);
	tp->packets_out = 0;
	tp->lost_out = 0;
	tp->retrans_out = 0;
	tp->sacked_out = 0;
	xp->fin_queued = false;
	sk_mem_reclaim(sk);
}

/* A new, empty skb for user data, as tcp_stream_alloc_skb(): headroom
 * for the headers, the data goes to page fragments.
 */
static struct sk_buff *xtcp_alloc_data_skb(struct sock *sk, gfp_t gfp)
{
	struct sk_buff *skb;

	skb = alloc_skb_fclone(MAX_TCP_HEADER, gfp);
	if (likely(skb)) {
		if (sk_wmem_schedule(sk, skb->truesize)) {
			skb_reserve(skb, MAX_TCP_HEADER);
			/* The device sums the segment; no sum while copying. */
			skb->ip_summed = CHECKSUM_PARTIAL;
			return skb;
		}
		__kfree_skb(skb);
	}
	sk->sk_prot->enter_memory_pressure(sk);
	sk_stream_moderate_sndbuf(sk);
	return NULL;
}

/* An skb entailed for data that never came (no memory, a fault) would
 * go out as a bare ACK: drop it (tcp_remove_empty_skb).
 */
static void xtcp_remove_empty_skb(struct sock *sk)
{
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);

	if (skb && !skb->len &&
	    XTCP_SKB_CB(skb)->seq == XTCP_SKB_CB(skb)->end_seq &&
	    !(XTCP_SKB_CB(skb)->tcp_flags & (TCPHDR_FIN | TCPHDR_SYN))) {
		__skb_unlink(skb, &sk->sk_write_queue);
		xtcp_wmem_free_skb(sk, skb);
	}
}

/* Append copy bytes from the caller to skb through the socket's page
 * frag. Returns the bytes added, 0 to wait for memory, -EMSGSIZE when
 * the skb has no fragment slot left, or an error.
 */
static int xtcp_copy_to_skb(struct sock *sk, struct sk_buff *skb,
			    struct msghdr *msg, int copy)
{
	struct page_frag *pfrag = sk_page_frag(sk);
	int i = skb_shinfo(skb)->nr_frags;
	bool merge;
	int err;

	if (!sk_page_frag_refill(sk, pfrag))
		return 0;
	merge = skb_can_coalesce(skb, i, pfrag->page, pfrag->offset);
	if (!merge && i >= MAX_SKB_FRAGS)
		return -EMSGSIZE;
	copy = min_t(int, copy, pfrag->size - pfrag->offset);
	if (!sk_wmem_schedule(sk, copy))
		return 0;

	/* Charges copy bytes to the socket and to skb->truesize. */
	err = skb_copy_to_page_nocache(sk, &msg->msg_iter, skb,
				       pfrag->page, pfrag->offset, copy);
	if (err)
		return err;
	XTCP_SKB_CB(skb)->charge += copy;
	if (merge) {
		skb_frag_size_add(&skb_shinfo(skb)->frags[i - 1], copy);
	} else {
		skb_fill_page_desc(skb, i, pfrag->page, pfrag->offset, copy);
		page_ref_inc(pfrag->page);
	}
	pfrag->offset += copy;
	return copy;
}

/* MSG_SPLICE_PAGES: take references on the caller's pages (page cache
 * for sendfile, pipe buffers for splice) instead of copying them.
 */
static int xtcp_splice_to_skb(struct sock *sk, struct sk_buff *skb,
			      struct msghdr *msg, int copy)
{
	ssize_t n;

	if (!sk_wmem_schedule(sk, copy))
		return 0;
	n = skb_splice_from_iter(skb, &msg->msg_iter, copy, sk->sk_allocation);
	if (n < 0)
		return n;
	/* The pages stay the owner's, who may change them while they are
	 * queued: no later write may coalesce into them, and the sum must
	 * be taken from what is sent (skb_has_shared_frag()).
	 */
	if (!(msg->msg_flags & MSG_NO_SHARED_FRAGS))
		skb_shinfo(skb)->flags |= SKBFL_SHARED_FRAG;
	sk_wmem_queued_add(sk, n);
	sk_mem_charge(sk, n);
	XTCP_SKB_CB(skb)->charge += n;
	return n;
}

/* MSG_ZEROCOPY: pin the user pages into skb and tie it to uarg, whose
 * completion is queued on the error queue when the last skb (or clone)
 * holding these pages is freed.
 */
static int xtcp_zerocopy_to_skb(struct sock *sk, struct sk_buff *skb,
				struct msghdr *msg, int copy,
				struct ubuf_info *uarg)
{
	unsigned int truesize = skb->truesize;
	int n;

	if (!sk_wmem_schedule(sk, copy))
		return 0;
	/* Charges the pinned pages' truesize to the socket itself; the skb
	 * takes one uarg reference. An skb tied to another uarg gives
	 * -EEXIST, a full one -EMSGSIZE: both want a new skb.
	 */
	n = skb_zerocopy_iter_stream(sk, skb, msg, copy, uarg);
	if (n == -EEXIST)
		return -EMSGSIZE;
	if (n < 0)
		return n;
	XTCP_SKB_CB(skb)->charge += skb->truesize - truesize;
	return n;
}

static int xtcp_sendmsg_locked(struct sock *sk, struct msghdr *msg, size_t size)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int flags = msg->msg_flags;
	struct ubuf_info *uarg = NULL;
	unsigned int mss_now, size_goal;
	int copied = 0, err, zc = 0;
	long timeo;

	/* As TCP: MSG_ZEROCOPY without SO_ZEROCOPY is a plain copy, and
	 * without scatter-gather on the route both copy (MSG_ZEROCOPY still
	 * notifies, flagged SO_EE_CODE_ZEROCOPY_COPIED).
	 */
	if ((flags & MSG_ZEROCOPY) && size && sock_flag(sk, SOCK_ZEROCOPY)) {
		struct sk_buff *tail = skb_peek_tail(&sk->sk_write_queue);

		uarg = msg_zerocopy_realloc(sk, size,
					    tail ? skb_zcopy(tail) : NULL);
		if (!uarg)
			return -ENOBUFS;
		if (sk->sk_route_caps & NETIF_F_SG)
			zc = MSG_ZEROCOPY;
		else
			uarg_to_msgzc(uarg)->zerocopy = 0;
	} else if ((flags & MSG_SPLICE_PAGES) && size) {
		if (sk->sk_route_caps & NETIF_F_SG)
			zc = MSG_SPLICE_PAGES;
	}

	timeo = sock_sndtimeo(sk, flags & MSG_DONTWAIT);

	/* Wait for the connection to finish (or fail). */
	if ((1 << sk->sk_state) & ~(TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)) {
		err = sk_stream_wait_connect(sk, &timeo);
		if (err)
			goto do_error;
	}

	sk_clear_bit(SOCKWQ_ASYNC_NOSPACE, sk);
	mss_now = xtcp_current_mss(sk);
	size_goal = xtcp_size_goal(sk, mss_now);

	err = -EPIPE;
	if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN))
		goto do_error;

	while (msg_data_left(msg)) {
		struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);
		int copy = 0;

		/* Append to the unsent tail skb while it has room: it grows
		 * to size_goal, several segments the device cuts (GSO).
		 */
		if (skb && XTCP_SKB_CB(skb)->charge && !XTCP_SKB_CB(skb)->eor &&
		    !(XTCP_SKB_CB(skb)->tcp_flags & (TCPHDR_FIN | TCPHDR_SYN)))
			copy = (int)size_goal - (int)skb->len;

		if (copy <= 0) {
new_segment:
			if (!sk_stream_memory_free(sk))
				goto wait_for_space;
			skb = xtcp_alloc_data_skb(sk, sk_gfp_mask(sk, sk->sk_allocation));
			if (!skb)
				goto wait_for_space;
			xtcp_entail(sk, skb, TCPHDR_ACK);
			xtcp_chrono_busy(sk, true);
			copy = size_goal;
		}

		if (copy > msg_data_left(msg))
			copy = msg_data_left(msg);

		if (zc == MSG_ZEROCOPY)
			err = xtcp_zerocopy_to_skb(sk, skb, msg, copy, uarg);
		else if (zc == MSG_SPLICE_PAGES)
			err = xtcp_splice_to_skb(sk, skb, msg, copy);
		else
			err = xtcp_copy_to_skb(sk, skb, msg, copy);
		if (err == -EMSGSIZE) {
			/* No fragment slot left (or another uarg's skb). */
			XTCP_SKB_CB(skb)->tcp_flags |= TCPHDR_PSH;
			goto new_segment;
		}
		if (err < 0)
			goto do_error;
		if (!err)
			goto wait_for_space;
		copy = err;

		WRITE_ONCE(tp->write_seq, tp->write_seq + copy);
		XTCP_SKB_CB(skb)->end_seq += copy;
		copied += copy;
		trace_xtcp_sendmsg(sk, skb);

		if (!msg_data_left(msg)) {
			/* A record ends here: later writes start a new skb. */
			if (flags & MSG_EOR)
				XTCP_SKB_CB(skb)->eor = 1;
			break;
		}
		if (skb->len < size_goal)
			continue;

		/* A full skb: send it if nothing is in the way. */
		if (xtcp_forced_push(tp)) {
			XTCP_SKB_CB(skb)->tcp_flags |= TCPHDR_PSH;
			tp->pushed_seq = tp->write_seq;
			__xtcp_push_pending_frames(sk, mss_now, TCP_NAGLE_PUSH);
		} else if (skb == skb_peek(&sk->sk_write_queue)) {
			__xtcp_push_pending_frames(sk, mss_now, tp->nonagle);
		}
		continue;

wait_for_space:
		set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		xtcp_remove_empty_skb(sk);
		if (copied)
			xtcp_push(sk, flags & ~MSG_MORE, mss_now, TCP_NAGLE_PUSH);

		err = sk_stream_wait_memory(sk, &timeo);
		if (err)
			goto do_error;
		mss_now = xtcp_current_mss(sk);
		size_goal = xtcp_size_goal(sk, mss_now);
	}

out:
	if (copied)
		xtcp_push(sk, flags, mss_now, tp->nonagle);
	/* The skbs hold their own references; this was sendmsg's. */
	if (uarg)
		net_zcopy_put(uarg);
	return copied;

do_error:
	xtcp_remove_empty_skb(sk);
	if (copied)
		goto out;
	/* Nothing queued: the notification id is taken back. */
	if (uarg)
		net_zcopy_put_abort(uarg, true);
	/* EPIPE raises SIGPIPE unless MSG_NOSIGNAL, as for TCP. */
	err = sk_stream_error(sk, flags, err);
	if (err == -EAGAIN && skb_queue_empty(&sk->sk_write_queue) &&
	    skb_queue_empty(&xtcp_sk(sk)->rtx_queue))
		sk->sk_write_space(sk);
	return err;
}

int xtcp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size)
{
	int ret;

	if (msg->msg_flags & MSG_OOB)
		return -EOPNOTSUPP;

	lock_sock(sk);
	ret = xtcp_sendmsg_locked(sk, msg, size);
	release_sock(sk);
	return ret;
}
