// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp: TCP small queues. A socket keeps at most about a millisecond of
 * data at its pacing rate (at least two skbs, at most
 * net.ipv4.tcp_limit_output_bytes unless it is paced) below it, in the
 * qdisc and the driver, so that queues there stay short and a new write
 * or a retransmission does not wait behind megabytes of its own data.
 *
 * The clones xtcp transmits are charged to sk_wmem_alloc and released by
 * xtcp_wfree() when the device is done with them. When write_xmit finds
 * the limit reached it marks the socket throttled and stops; the TX
 * completion that finds the mark queues the socket on its CPU's tasklet,
 * which sends more under the socket lock (or leaves that to release_cb
 * when the user owns the socket).
 */
#include <linux/interrupt.h>
#include <net/tcp.h>
#include <net/xtcp.h>

struct xtcp_tsq {
	struct tasklet_struct tasklet;
	struct llist_head head;		/* sockets, via xtcp_sock.tsq_node */
};

static DEFINE_PER_CPU(struct xtcp_tsq, xtcp_tsq);

/* Send what the queues below now have room for (tcp_tsq_write):
 * retransmissions held by them or by pacing first, then new data.
 */
void xtcp_tsq_write(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (!((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 |
				     TCPF_CLOSING | TCPF_CLOSE_WAIT |
				     TCPF_LAST_ACK)))
		return;
	if (tp->lost_out > tp->retrans_out &&
	    tcp_snd_cwnd(tp) > xtcp_in_flight(tp)) {
		xtcp_mstamp_refresh(tp);
		xtcp_xmit_retransmit_queue(sk);
	}
	xtcp_push_pending_frames(sk);
}

/* From softirq: write now, or let release_cb do it. */
void xtcp_tsq_handler(struct sock *sk)
{
	bh_lock_sock(sk);
	if (!sock_owned_by_user(sk))
		xtcp_tsq_write(sk);
	else if (!test_and_set_bit(XTCP_TSQ_DEFERRED, &xtcp_sk(sk)->deferred))
		sock_hold(sk);
	bh_unlock_sock(sk);
}

static void xtcp_tsq_run(struct tasklet_struct *t)
{
	struct xtcp_tsq *tsq = container_of(t, struct xtcp_tsq, tasklet);
	struct llist_node *list = llist_del_all(&tsq->head);
	struct xtcp_sock *xp, *next;

	llist_for_each_entry_safe(xp, next, list, tsq_node) {
		struct sock *sk = &xp->tp.inet_conn.icsk_inet.sk;

		clear_bit(XTCP_TSQ_QUEUED, &sk->sk_tsq_flags);
		xtcp_tsq_handler(sk);
		/* The unit of sk_wmem_alloc xtcp_wfree() kept. */
		sk_free(sk);
	}
}

/*
 * Destructor of every skb xtcp transmits. Like sock_wfree(), without the
 * write-space callback (SOCK_USE_WRITE_QUEUE: ACKs free the send buffer,
 * not TX completions), and waking a throttled socket.
 */
void xtcp_wfree(struct sk_buff *skb)
{
	struct sock *sk = skb->sk;
	unsigned long oval, nval, flags;
	struct xtcp_tsq *tsq;

	/* Keep one unit: it holds the socket until the tasklet ran. */
	WARN_ON(refcount_sub_and_test(skb->truesize - 1, &sk->sk_wmem_alloc));

	/* Pairs with set_bit + smp_mb__after_atomic() in the check. */
	oval = smp_load_acquire(&sk->sk_tsq_flags);
	do {
		if (!(oval & BIT(XTCP_TSQ_THROTTLED)) ||
		    (oval & BIT(XTCP_TSQ_QUEUED)))
			goto out;
		nval = (oval & ~BIT(XTCP_TSQ_THROTTLED)) | BIT(XTCP_TSQ_QUEUED);
	} while (!try_cmpxchg(&sk->sk_tsq_flags, &oval, nval));

	/* Completions run in any context: stay on this CPU meanwhile. */
	local_irq_save(flags);
	tsq = this_cpu_ptr(&xtcp_tsq);
	if (llist_add(&xtcp_sk(sk)->tsq_node, &tsq->head))
		tasklet_schedule(&tsq->tasklet);
	local_irq_restore(flags);
	return;
out:
	sk_free(sk);
}

/*
 * Whether skb must wait for TX completions (tcp_small_queue_check): the
 * bytes below the socket exceed ~1 ms at the pacing rate (sk_pacing_shift)
 * and two skbs of this size; unpaced sockets are capped by
 * tcp_limit_output_bytes. Retransmissions pass factor 1, twice the room:
 * a repair should not wait behind the socket's own new data. A socket
 * with at most one skb unacknowledged always sends: a slow TX completion
 * must not stall it.
 */
bool xtcp_small_queue_check(struct sock *sk, const struct sk_buff *skb,
			    unsigned int factor)
{
	unsigned long limit;

	limit = max_t(unsigned long, 2 * skb->truesize,
		      READ_ONCE(sk->sk_pacing_rate) >>
		      READ_ONCE(sk->sk_pacing_shift));
	if (READ_ONCE(sk->sk_pacing_status) == SK_PACING_NONE)
		limit = min_t(unsigned long, limit,
			      READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_limit_output_bytes));
	limit <<= factor;
	if (refcount_read(&sk->sk_wmem_alloc) <= limit)
		return false;
	if (skb_queue_len(&xtcp_sk(sk)->rtx_queue) <= 1)
		return false;
	set_bit(XTCP_TSQ_THROTTLED, &sk->sk_tsq_flags);
	/* A completion may have run before the mark was visible. */
	smp_mb__after_atomic();
	if (refcount_read(&sk->sk_wmem_alloc) <= limit)
		return false;
	xtcp_mib_inc(sk, XTCP_MIB_TSQTHROTTLED);
	return true;
}

/* Module init, before any socket exists. */
void xtcp_tsq_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct xtcp_tsq *tsq = &per_cpu(xtcp_tsq, cpu);

		tasklet_setup(&tsq->tasklet, xtcp_tsq_run);
		init_llist_head(&tsq->head);
	}
}

/* Module exit: no socket is left, but a tasklet may still be finishing. */
void xtcp_tsq_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		tasklet_kill(&per_cpu(xtcp_tsq, cpu).tasklet);
}
