// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp: sendmsg, the first stage of the send path. User data is copied
 * into MSS-sized skbs on the write queue, charged to the socket's send
 * buffer; when the buffer is full the caller sleeps (or gets EAGAIN).
 * xtcp_push() then decides what goes out now.
 */
#include <linux/sched/signal.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/xtcp.h>
#include <trace/events/xtcp.h>

static void xtcp_free_skb(struct sock *sk, struct sk_buff *skb)
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

/* Release an acknowledged (or abandoned) skb from the retransmit queue. */
void xtcp_free_rtx_skb(struct sock *sk, struct sk_buff *skb)
{
	xtcp_free_skb(sk, skb);
}

/* Drop the write, retransmit and out-of-order queues, uncharging them. */
void xtcp_free_queues(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(&sk->sk_write_queue)))
		xtcp_free_skb(sk, skb);
	while ((skb = __skb_dequeue(&xp->rtx_queue)))
		xtcp_free_skb(sk, skb);
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

static int xtcp_sendmsg_locked(struct sock *sk, struct msghdr *msg, size_t size)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int flags = msg->msg_flags;
	unsigned int mss_now, size_goal;
	int copied = 0, err;
	long timeo;

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
		struct page_frag *pfrag;
		int copy = 0, i;
		bool merge;

		/* Append to the unsent tail skb while it has room: it grows
		 * to size_goal, several segments the device cuts (GSO).
		 */
		if (skb && XTCP_SKB_CB(skb)->charge &&
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
			copy = size_goal;
		}

		if (copy > msg_data_left(msg))
			copy = msg_data_left(msg);

		pfrag = sk_page_frag(sk);
		if (!sk_page_frag_refill(sk, pfrag))
			goto wait_for_space;
		i = skb_shinfo(skb)->nr_frags;
		merge = skb_can_coalesce(skb, i, pfrag->page, pfrag->offset);
		if (!merge && i >= MAX_SKB_FRAGS) {
			XTCP_SKB_CB(skb)->tcp_flags |= TCPHDR_PSH;
			goto new_segment;
		}
		copy = min_t(int, copy, pfrag->size - pfrag->offset);
		if (!sk_wmem_schedule(sk, copy))
			goto wait_for_space;

		/* Charges copy bytes to the socket and to skb->truesize. */
		err = skb_copy_to_page_nocache(sk, &msg->msg_iter, skb,
					       pfrag->page, pfrag->offset, copy);
		if (err)
			goto do_error;
		XTCP_SKB_CB(skb)->charge += copy;
		if (merge) {
			skb_frag_size_add(&skb_shinfo(skb)->frags[i - 1], copy);
		} else {
			skb_fill_page_desc(skb, i, pfrag->page, pfrag->offset,
					   copy);
			page_ref_inc(pfrag->page);
		}
		pfrag->offset += copy;

		WRITE_ONCE(tp->write_seq, tp->write_seq + copy);
		XTCP_SKB_CB(skb)->end_seq += copy;
		copied += copy;
		trace_xtcp_sendmsg(sk, skb);

		if (!msg_data_left(msg))
			break;
		if (skb->len < size_goal)
			continue;

		/* A full skb: send it if nothing is in the way. */
		if (after(tp->write_seq, tp->pushed_seq + (tp->max_window >> 1))) {
			XTCP_SKB_CB(skb)->tcp_flags |= TCPHDR_PSH;
			tp->pushed_seq = tp->write_seq;
			xtcp_push_pending_frames(sk, mss_now, TCP_NAGLE_PUSH);
		} else if (skb == skb_peek(&sk->sk_write_queue)) {
			xtcp_push_pending_frames(sk, mss_now, tp->nonagle);
		}
		continue;

wait_for_space:
		set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		if (copied)
			xtcp_push(sk, flags & ~MSG_MORE, mss_now, TCP_NAGLE_PUSH);

		err = sk_stream_wait_memory(sk, &timeo);
		if (err)
			goto do_error;
		mss_now = xtcp_current_mss(sk);
		size_goal = xtcp_size_goal(sk, mss_now);
	}

	if (copied)
		xtcp_push(sk, flags, mss_now, tp->nonagle);
	return copied;

do_error:
	if (copied) {
		xtcp_push(sk, flags, mss_now, tp->nonagle);
		return copied;
	}
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
