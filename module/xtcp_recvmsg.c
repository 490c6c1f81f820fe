// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp: recvmsg. In-order data waits on sk_receive_queue (skb->data at
 * the payload, XTCP_SKB_CB seq/end_seq, FIN counted in end_seq); the
 * reader copies from copied_seq and opens the window as it drains.
 */
#include <linux/sched/signal.h>
#include <net/sock.h>
#include <net/inet_common.h>
#include <net/tcp.h>
#include <net/xtcp.h>

static void xtcp_eat_skb(struct sock *sk, struct sk_buff *skb)
{
	__skb_unlink(skb, &sk->sk_receive_queue);
	__kfree_skb(skb);
}

/*
 * After the reader consumed data: send the ACK a delayed ACK was holding
 * if a full segment is unacknowledged, and a window update if the
 * window the peer sees doubled (tcp_cleanup_rbuf()).
 */
void xtcp_cleanup_rbuf(struct sock *sk, int copied)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	bool time_to_ack = false;

	if (inet_csk_ack_scheduled(sk)) {
		/* A full segment unacknowledged, or the reader drained
		 * short segments: at once, unless interactive (then the
		 * reply carries it) and only one came.
		 */
		if (tp->rcv_nxt - tp->rcv_wup > icsk->icsk_ack.rcv_mss ||
		    (copied > 0 &&
		     ((icsk->icsk_ack.pending & ICSK_ACK_PUSHED2) ||
		      ((icsk->icsk_ack.pending & ICSK_ACK_PUSHED) &&
		       !inet_csk_in_pingpong_mode(sk))) &&
		     !atomic_read(&sk->sk_rmem_alloc)))
			time_to_ack = true;
	}
	if (copied > 0 && !time_to_ack &&
	    !(sk->sk_shutdown & RCV_SHUTDOWN)) {
		u32 rcv_window_now = tcp_receive_window(tp);

		if (2 * rcv_window_now <= tp->window_clamp) {
			int space = tcp_space(sk);

			if (space >= 2 * (int)rcv_window_now &&
			    space - rcv_window_now >= icsk->icsk_ack.rcv_mss)
				time_to_ack = true;
		}
	}
	if (time_to_ack) {
		xtcp_mstamp_refresh(tp);
		xtcp_send_ack(sk);
	}
}

/*
 * Receive buffer autotuning (after tcp_rcv_space_adjust()): once per RTT,
 * if the reader drained more than last time, size the buffer for twice
 * that (plus slack), up to net.ipv4.tcp_rmem[2], unless SO_RCVBUF fixed it.
 */
static void xtcp_rcv_space_adjust(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	/* The last event's clock read (the data's arrival) is close enough
	 * for a once-per-RTT sample, and saves a clock read per recvmsg
	 * (as Linux's tcp_rcv_space_adjust() since 2025).
	 */
	u64 now = tp->tcp_mstamp;
	u32 rtt_us = max_t(u32, tp->srtt_us >> 3, 1000);
	int copied, rcvbuf;

	if (!tp->rcvq_space.time) {
		tp->rcvq_space.time = now;
		tp->rcvq_space.seq = tp->copied_seq;
		return;
	}
	if (now - tp->rcvq_space.time < rtt_us)
		return;

	copied = tp->copied_seq - tp->rcvq_space.seq;
	if (copied > tp->rcvq_space.space) {
		u64 rcvwin = ((u64)copied << 1) + 16 * tp->advmss;

		tp->rcvq_space.space = copied;
		if (!(sk->sk_userlocks & SOCK_RCVBUF_LOCK)) {
			rcvbuf = min_t(u64, tcp_space_from_win(sk, rcvwin),
				       READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_rmem[2]));
			if (rcvbuf > sk->sk_rcvbuf)
				WRITE_ONCE(sk->sk_rcvbuf, rcvbuf);
		}
	}
	tp->rcvq_space.seq = tp->copied_seq;
	tp->rcvq_space.time = now;
}

static int xtcp_recvmsg_locked(struct sock *sk, struct msghdr *msg, size_t len,
			       int flags)
{
	struct tcp_sock *tp = tcp_sk(sk);
	u32 peek_seq, *seq;
	int copied = 0, target, err;
	long timeo;

	err = -ENOTCONN;
	if (sk->sk_state == TCP_LISTEN)
		goto out;
	if (flags & MSG_OOB) {
		err = -EINVAL;	/* no urgent data is ever pending */
		goto out;
	}

	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	seq = &tp->copied_seq;
	if (flags & MSG_PEEK) {
		peek_seq = tp->copied_seq;
		seq = &peek_seq;
	}
	target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);

	do {
		struct sk_buff *skb, *last = NULL;
		u32 offset, used;

		skb_queue_walk(&sk->sk_receive_queue, skb) {
			struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

			last = skb;
			if (WARN_ON_ONCE(before(*seq, cb->seq)))
				break;
			offset = *seq - cb->seq;
			if (offset < skb->len)
				goto found_ok_skb;
			if (cb->tcp_flags & TCPHDR_FIN)
				goto found_fin_ok;
			if (!(flags & MSG_PEEK))
				WARN_ON_ONCE(1);	/* fully read skb left */
		}

		/* Nothing to copy now. */
		if (copied >= target && !READ_ONCE(sk->sk_backlog.tail))
			break;
		if (copied) {
			if (!timeo || sk->sk_err || sk->sk_state == TCP_CLOSE ||
			    (sk->sk_shutdown & RCV_SHUTDOWN) ||
			    signal_pending(current))
				break;
		} else {
			if (sock_flag(sk, SOCK_DONE))
				break;
			if (sk->sk_err) {
				copied = sock_error(sk);
				break;
			}
			if (sk->sk_shutdown & RCV_SHUTDOWN)
				break;
			if (sk->sk_state == TCP_CLOSE) {
				/* Never connected, or reset after reading. */
				copied = -ENOTCONN;
				break;
			}
			if (!timeo) {
				copied = -EAGAIN;
				break;
			}
			if (signal_pending(current)) {
				copied = sock_intr_errno(timeo);
				break;
			}
		}

		if (copied >= target) {
			/* Let the backlog in, then look again. */
			__sk_flush_backlog(sk);
		} else {
			xtcp_cleanup_rbuf(sk, copied);
			sk_wait_data(sk, &timeo, last);
		}
		if ((flags & MSG_PEEK) && peek_seq != tp->copied_seq) {
			net_dbg_ratelimited("xtcp: peek race\n");
			peek_seq = tp->copied_seq;
		}
		continue;

found_ok_skb:
		used = skb->len - offset;
		if (len < used)
			used = len;
		if (!(flags & MSG_TRUNC)) {
			err = skb_copy_datagram_msg(skb, offset, msg, used);
			if (err) {
				if (!copied)
					copied = -EFAULT;
				break;
			}
		}
		WRITE_ONCE(*seq, *seq + used);
		copied += used;
		len -= used;
		if (used + offset < skb->len)
			continue;
		if (XTCP_SKB_CB(skb)->tcp_flags & TCPHDR_FIN)
			goto found_fin_ok;
		if (!(flags & MSG_PEEK))
			xtcp_eat_skb(sk, skb);
		continue;

found_fin_ok:
		/* The FIN takes one sequence number; reading stops here. */
		WRITE_ONCE(*seq, *seq + 1);
		if (!(flags & MSG_PEEK))
			xtcp_eat_skb(sk, skb);
		break;
	} while (len > 0);

	if (copied > 0 && !(flags & MSG_PEEK))
		xtcp_rcv_space_adjust(sk);
	xtcp_cleanup_rbuf(sk, copied);
	sk_mem_reclaim(sk);
	return copied;
out:
	return err;
}

int xtcp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len, int flags,
		 int *addr_len)
{
	int ret;

	if (unlikely(flags & MSG_ERRQUEUE))
		return inet_recv_error(sk, msg, len, addr_len);

	lock_sock(sk);
	ret = xtcp_recvmsg_locked(sk, msg, len, flags);
	release_sock(sk);
	return ret;
}
