// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp: the transport layer entry points (struct proto xtcp_prot),
 * mirroring tcp_prot: init/destroy, close with SO_LINGER, disconnect,
 * accept, shutdown and the memory accounting of the protocol.
 */
#include <linux/module.h>
#include <linux/percpu_counter.h>
#include <linux/sched/signal.h>
#include <net/sock.h>
#include <net/inet_common.h>
#include <net/inet_connection_sock.h>
#include <net/inet_hashtables.h>
#include <net/tcp.h>
#include <net/xtcp.h>
#include <trace/events/xtcp.h>

static atomic_long_t xtcp_memory_allocated ____cacheline_aligned_in_smp;
static DEFINE_PER_CPU(int, xtcp_memory_per_cpu_fw_alloc);
static struct percpu_counter xtcp_sockets_allocated;
static DEFINE_PER_CPU(unsigned int, xtcp_orphan_count);
static unsigned long xtcp_memory_pressure;
static atomic64_t xtcp_cookie_gen;

int xtcp_orphans(void)
{
	int cpu, n = 0;

	for_each_possible_cpu(cpu)
		n += per_cpu(xtcp_orphan_count, cpu);
	return n;
}

static void xtcp_enter_memory_pressure(struct sock *sk)
{
	if (!READ_ONCE(xtcp_memory_pressure))
		WRITE_ONCE(xtcp_memory_pressure, jiffies ? : 1);
}

static void xtcp_leave_memory_pressure(struct sock *sk)
{
	if (READ_ONCE(xtcp_memory_pressure))
		WRITE_ONCE(xtcp_memory_pressure, 0);
}

/* Unsent bytes below TCP_NOTSENT_LOWAT (or the sysctl): what sendmsg
 * and poll ask besides the send buffer (tcp_stream_memory_free). With
 * wake, the wakeup waits until half the mark is left.
 */
static bool xtcp_stream_memory_free(const struct sock *sk, int wake)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	u32 notsent = READ_ONCE(tp->write_seq) - READ_ONCE(tp->snd_nxt);

	return (notsent << wake) < tcp_notsent_lowat(tp);
}

/* sk_write_space for a stream socket, as sk_stream_write_space(). */
static void xtcp_write_space(struct sock *sk)
{
	struct socket *sock = sk->sk_socket;
	struct socket_wq *wq;

	if (!sock || !sk_stream_is_writeable(sk))
		return;
	clear_bit(SOCK_NOSPACE, &sock->flags);

	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	if (skwq_has_sleeper(wq))
		wake_up_interruptible_poll(&wq->wait, EPOLLOUT | EPOLLWRNORM |
					   EPOLLWRBAND);
	if (wq && wq->fasync_list && !(sk->sk_shutdown & SEND_SHUTDOWN))
		sock_wake_async(wq, SOCK_WAKE_SPACE, POLL_OUT);
	rcu_read_unlock();
}

/* Per-connection state back to that of a fresh socket (also for a
 * child cloned from its listener).
 */
void xtcp_reset_conn_vars(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	u16 user_mss = tp->rx_opt.user_mss;

	icsk->icsk_rto = TCP_TIMEOUT_INIT;
	icsk->icsk_rto_min = TCP_RTO_MIN;
	icsk->icsk_delack_max = TCP_DELACK_MAX;
	icsk->icsk_backoff = 0;
	icsk->icsk_retransmits = 0;
	icsk->icsk_probes_out = 0;
	icsk->icsk_probes_tstamp = 0;
	icsk->icsk_ca_state = TCP_CA_Open;
	icsk->icsk_pending = 0;
	memset(&icsk->icsk_ack, 0, sizeof(icsk->icsk_ack));
	icsk->icsk_sync_mss = xtcp_sync_mss;

	tp->srtt_us = 0;
	tp->mdev_us = jiffies_to_usecs(TCP_TIMEOUT_INIT);
	tp->rttvar_us = tp->mdev_us;
	minmax_reset(&tp->rtt_min, tcp_jiffies32, ~0U);
	tcp_snd_cwnd_set(tp, TCP_INIT_CWND);
	tp->snd_cwnd_cnt = 0;
	tp->snd_ssthresh = TCP_INFINITE_SSTHRESH;
	tp->snd_cwnd_clamp = ~0;
	tp->packets_out = 0;
	tp->retrans_out = 0;
	tp->lost_out = 0;
	tp->sacked_out = 0;
	tp->total_retrans = 0;
	tp->total_rto = 0;
	tp->retrans_stamp = 0;
	tp->undo_marker = 0;
	tp->undo_retrans = -1;
	tp->prior_ssthresh = 0;
	tp->dsack_dups = 0;
	tp->bytes_acked = 0;
	tp->bytes_received = 0;
	tp->bytes_sent = 0;
	tp->bytes_retrans = 0;
	tp->segs_in = 0;
	tp->segs_out = 0;
	tp->data_segs_in = 0;
	tp->data_segs_out = 0;
	tp->rcv_ooopack = 0;
	tp->max_window = 0;
	tp->snd_wnd = 0;
	tp->mss_cache = TCP_MSS_DEFAULT;
	tp->reordering = READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_reordering);
	tp->app_limited = ~0U;
	tp->rate_app_limited = 1;
	tp->tsoffset = 0;
	tp->urg_data = 0;
	memset(&tp->rx_opt, 0, sizeof(tp->rx_opt));
	tp->rx_opt.user_mss = user_mss;
	tp->rx_opt.mss_clamp = TCP_MSS_DEFAULT;
	tcp_scaling_ratio_init(sk);
	memset(&tp->rcvq_space, 0, sizeof(tp->rcvq_space));

	xp->cookie = atomic64_inc_return(&xtcp_cookie_gen);
	xp->dupacks = 0;
	xp->fin_queued = false;
	xp->challenge_stamp = 0;
	xp->challenge_count = 0;
	xtcp_cong_reset(sk);
}

/* Window, scaling and MSS we offer on our SYN or SYN-ACK, from the
 * route and the receive buffer (tcp_select_initial_window()).
 */
int xtcp_init_conn(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct net *net = sock_net(sk);
	struct rtable *rt;
	u32 space, maxspace, mss;
	int wscale = 0;

	rt = xtcp_ip_route(sk);
	if (IS_ERR(rt))
		return PTR_ERR(rt);

	mss = dst_metric_advmss(&rt->dst);
	if (tp->rx_opt.user_mss && tp->rx_opt.user_mss < mss)
		mss = tp->rx_opt.user_mss;
	tp->advmss = mss;
	xtcp_sync_mss(sk, dst_mtu(&rt->dst));
	inet_csk(sk)->icsk_ack.rcv_mss = min_t(u32, mss, TCP_MSS_DEFAULT);

	/* Scale so the largest buffer autotuning or SO_RCVBUF may reach
	 * fits the 16-bit window field.
	 */
	maxspace = max_t(u32, READ_ONCE(net->ipv4.sysctl_tcp_rmem[2]),
			 READ_ONCE(sysctl_rmem_max));
	maxspace = max_t(u32, maxspace, READ_ONCE(sk->sk_rcvbuf));
	maxspace = tcp_win_from_space(sk, maxspace);
	if (READ_ONCE(net->ipv4.sysctl_tcp_window_scaling)) {
		while (maxspace > U16_MAX && wscale < TCP_MAX_WSCALE) {
			maxspace >>= 1;
			wscale++;
		}
	}
	tp->rx_opt.rcv_wscale = wscale;

	if (!tp->window_clamp)
		tp->window_clamp = U16_MAX << TCP_MAX_WSCALE;
	tp->window_clamp = min_t(u32, tp->window_clamp, U16_MAX << wscale);

	space = tcp_full_space(sk);
	space = min(space, tp->window_clamp);
	if (space > mss)
		space = rounddown(space, mss);
	tp->rcv_wnd = min_t(u32, space, U16_MAX);
	tp->rcv_ssthresh = tp->rcv_wnd;
	return 0;
}

static int xtcp_init_sock(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	struct net *net = sock_net(sk);

	skb_queue_head_init(&xp->rtx_queue);
	skb_queue_head_init(&xp->ooo_queue);
	INIT_LIST_HEAD(&xp->accept_q);
	INIT_LIST_HEAD(&xp->accept_node);
	spin_lock_init(&xp->accept_lock);
	tp->out_of_order_queue = RB_ROOT;
	sk->tcp_rtx_queue = RB_ROOT;
	xtcp_init_xmit_timers(sk);
	xtcp_reset_conn_vars(sk);

	sk->sk_state = TCP_CLOSE;
	sk->sk_write_space = xtcp_write_space;
	/* Before any sk_setup_caps(): sk_can_gso() reads it (active and
	 * passive opens, children inherit it from the listener).
	 */
	sk->sk_gso_type = SKB_GSO_TCPV4;
	sock_set_flag(sk, SOCK_USE_WRITE_QUEUE);
	inet_set_bit(IS_ICSK, sk);

	WRITE_ONCE(sk->sk_sndbuf, READ_ONCE(net->ipv4.sysctl_tcp_wmem[1]));
	WRITE_ONCE(sk->sk_rcvbuf, READ_ONCE(net->ipv4.sysctl_tcp_rmem[1]));

	sk_sockets_allocated_inc(sk);
	return 0;
}

/* Undo what init and the connection built; called once, by
 * inet_csk_destroy_sock() or sk_common_release().
 */
static void xtcp_destroy(struct sock *sk)
{
	inet_csk_clear_xmit_timers(sk);
	sk_stop_timer(sk, &inet_csk(sk)->icsk_keepalive_timer);
	xtcp_free_queues(sk);
	if (inet_csk(sk)->icsk_bind_hash)
		inet_put_port(sk);
	sk_sockets_allocated_dec(sk);
}

void xtcp_set_state(struct sock *sk, int state)
{
	int old = sk->sk_state;

	if (state == TCP_CLOSE) {
		sk->sk_prot->unhash(sk);
		if (inet_csk(sk)->icsk_bind_hash &&
		    !(sk->sk_userlocks & SOCK_BINDPORT_LOCK))
			inet_put_port(sk);
	}
	/* Fires sock:inet_sock_set_state as TCP's state changes do. */
	inet_sk_set_state(sk, state);
	if (old != state)
		trace_xtcp_state(sk, old, state);
}

/* The connection is gone: as tcp_done(). */
void xtcp_done(struct sock *sk)
{
	xtcp_set_state(sk, TCP_CLOSE);
	inet_csk_clear_xmit_timers(sk);
	sk_stop_timer(sk, &inet_csk(sk)->icsk_keepalive_timer);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);

	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_state_change(sk);
	else
		inet_csk_destroy_sock(sk);
}

/* Drop every child of a listener: finished ones on the accept queue
 * get a RST (the peer thinks they are established), half-open ones
 * just go away. Called with the listener locked, already unhashed.
 */
static void xtcp_listen_stop(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct xtcp_sock *cxp, *tmp;
	LIST_HEAD(children);

	/* Detach them all first; a child's own abort path checks ->parent
	 * under accept_lock and leaves alone what we took.
	 */
	spin_lock_bh(&xp->accept_lock);
	list_splice_init(&xp->accept_q, &children);
	list_for_each_entry(cxp, &children, accept_node) {
		cxp->parent = NULL;
		sk_acceptq_removed(sk);
	}
	xp->accept_len = 0;
	spin_unlock_bh(&xp->accept_lock);

	list_for_each_entry_safe(cxp, tmp, &children, accept_node) {
		struct sock *child = (struct sock *)cxp;

		list_del_init(&cxp->accept_node);
		local_bh_disable();
		bh_lock_sock(child);
		sock_orphan(child);
		this_cpu_inc(xtcp_orphan_count);
		if (child->sk_state != TCP_CLOSE) {
			/* The peer thinks it is connected. */
			xtcp_send_active_reset(child, GFP_ATOMIC);
			xtcp_set_state(child, TCP_CLOSE);
			xtcp_free_queues(child);
			inet_csk_clear_xmit_timers(child);
			sk_stop_timer(child, &inet_csk(child)->icsk_keepalive_timer);
		}
		inet_csk_destroy_sock(child);	/* the queue's reference */
		bh_unlock_sock(child);
		local_bh_enable();
		sock_put(sk);		/* the child's reference on us */
	}
	/* Children still in SYN_RECV find the listener gone when their
	 * handshake completes (RST) or their SYN-ACK timer gives up.
	 */
}

static const unsigned char xtcp_new_state[16] = {
	/* current state:        new state:      action:	*/
	[0]			= TCP_CLOSE,
	[TCP_ESTABLISHED]	= TCP_FIN_WAIT1 | TCP_ACTION_FIN,
	[TCP_SYN_SENT]		= TCP_CLOSE,
	[TCP_SYN_RECV]		= TCP_FIN_WAIT1 | TCP_ACTION_FIN,
	[TCP_FIN_WAIT1]		= TCP_FIN_WAIT1,
	[TCP_FIN_WAIT2]		= TCP_FIN_WAIT2,
	[TCP_TIME_WAIT]		= TCP_TIME_WAIT,	/* its timer ends it */
	[TCP_CLOSE]		= TCP_CLOSE,
	[TCP_CLOSE_WAIT]	= TCP_LAST_ACK  | TCP_ACTION_FIN,
	[TCP_LAST_ACK]		= TCP_LAST_ACK,
	[TCP_LISTEN]		= TCP_CLOSE,
	[TCP_CLOSING]		= TCP_CLOSING,
	[TCP_NEW_SYN_RECV]	= TCP_CLOSE,
};

static int xtcp_close_state(struct sock *sk)
{
	int next = (int)xtcp_new_state[sk->sk_state];
	int ns = next & TCP_STATE_MASK;

	xtcp_set_state(sk, ns);
	return next & TCP_ACTION_FIN;
}

static void xtcp_shutdown(struct sock *sk, int how)
{
	if (!(how & SEND_SHUTDOWN))
		return;
	/* ESTABLISHED, SYN_RECV and CLOSE_WAIT send a FIN; SYN_SENT was
	 * handled by inet_shutdown() through disconnect.
	 */
	if ((1 << sk->sk_state) &
	    (TCPF_ESTABLISHED | TCPF_SYN_SENT | TCPF_SYN_RECV |
	     TCPF_CLOSE_WAIT)) {
		if (xtcp_close_state(sk))
			xtcp_send_fin(sk);
	}
}

static bool xtcp_need_reset(int state)
{
	return (1 << state) &
	       (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT | TCPF_FIN_WAIT1 |
		TCPF_FIN_WAIT2 | TCPF_SYN_RECV);
}

static void xtcp_close(struct sock *sk, long timeout)
{
	struct sk_buff *skb;
	int data_was_unread = 0;
	int state;

	lock_sock(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);

	if (sk->sk_state == TCP_LISTEN) {
		xtcp_set_state(sk, TCP_CLOSE);
		xtcp_listen_stop(sk);
		goto adjudge_to_death;
	}

	/* Unread data (not counting a FIN) means the peer must learn that
	 * it was lost: RFC 2525 2.17, as tcp_close().
	 */
	while ((skb = __skb_dequeue(&sk->sk_receive_queue)) != NULL) {
		u32 len = XTCP_SKB_CB(skb)->end_seq - XTCP_SKB_CB(skb)->seq;

		if (XTCP_SKB_CB(skb)->tcp_flags & TCPHDR_FIN)
			len--;
		data_was_unread += len;
		__kfree_skb(skb);
	}
	sk_mem_reclaim(sk);

	if (sk->sk_state == TCP_CLOSE)
		goto adjudge_to_death;

	if (data_was_unread) {
		xtcp_set_state(sk, TCP_CLOSE);
		xtcp_send_active_reset(sk, sk->sk_allocation);
	} else if (sock_flag(sk, SOCK_LINGER) && !sk->sk_lingertime) {
		/* Zero linger: abort, as tcp_close() does. */
		sk->sk_prot->disconnect(sk, 0);
	} else if (xtcp_close_state(sk)) {
		xtcp_send_fin(sk);
	}

	sk_stream_wait_close(sk, timeout);

adjudge_to_death:
	state = sk->sk_state;
	sock_hold(sk);
	sock_orphan(sk);

	release_sock(sk);

	local_bh_disable();
	bh_lock_sock(sk);
	this_cpu_inc(xtcp_orphan_count);

	/* The backlog may have closed it while we released the lock. */
	if (state != TCP_CLOSE && sk->sk_state == TCP_CLOSE)
		goto out;

	if (sk->sk_state == TCP_FIN_WAIT2) {
		struct tcp_sock *tp = tcp_sk(sk);

		if (READ_ONCE(tp->linger2) < 0) {
			xtcp_set_state(sk, TCP_CLOSE);
			xtcp_send_active_reset(sk, GFP_ATOMIC);
		} else {
			/* An orphan may not wait forever for the peer's FIN. */
			xtcp_reset_keepalive(sk);
		}
	}
	if (sk->sk_state == TCP_CLOSE)
		inet_csk_destroy_sock(sk);
out:
	bh_unlock_sock(sk);
	local_bh_enable();
	sock_put(sk);
}

int xtcp_disconnect(struct sock *sk, int flags)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	int old_state = sk->sk_state;

	if (old_state != TCP_CLOSE)
		xtcp_set_state(sk, TCP_CLOSE);

	if (old_state == TCP_LISTEN) {
		xtcp_listen_stop(sk);
	} else if (xtcp_need_reset(old_state) ||
		   (tp->snd_nxt != tp->write_seq &&
		    (1 << old_state) & (TCPF_CLOSING | TCPF_LAST_ACK))) {
		xtcp_send_active_reset(sk, gfp_any());
		WRITE_ONCE(sk->sk_err, ECONNRESET);
	} else if (old_state == TCP_SYN_SENT) {
		WRITE_ONCE(sk->sk_err, ECONNRESET);
	}

	inet_csk_clear_xmit_timers(sk);
	sk_stop_timer(sk, &inet_csk(sk)->icsk_keepalive_timer);
	__skb_queue_purge(&sk->sk_receive_queue);
	xtcp_free_queues(sk);
	WRITE_ONCE(tp->copied_seq, tp->rcv_nxt);
	tp->urg_data = 0;

	inet->inet_dport = 0;
	inet->inet_daddr = 0;
	if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK))
		inet_reset_saddr(sk);

	WRITE_ONCE(sk->sk_shutdown, 0);
	sock_reset_flag(sk, SOCK_DONE);
	tp->srtt_us = 0;
	tp->mdev_us = jiffies_to_usecs(TCP_TIMEOUT_INIT);
	tp->rcv_rtt_last_tsecr = 0;
	WRITE_ONCE(tp->write_seq, tp->snd_nxt);
	icsk->icsk_backoff = 0;
	icsk->icsk_probes_out = 0;
	icsk->icsk_retransmits = 0;
	icsk->icsk_rto = TCP_TIMEOUT_INIT;
	tp->snd_ssthresh = TCP_INFINITE_SSTHRESH;
	tcp_snd_cwnd_set(tp, TCP_INIT_CWND);
	tp->snd_cwnd_cnt = 0;
	tp->packets_out = 0;
	tp->retrans_out = 0;
	tp->window_clamp = 0;
	tp->max_window = 0;
	memset(&tp->rx_opt, 0, sizeof(tp->rx_opt));
	xp->dupacks = 0;
	xp->fin_queued = false;
	__sk_dst_reset(sk);
	dst_release(xchg((__force struct dst_entry **)&sk->sk_rx_dst, NULL));

	sk_error_report(sk);
	return 0;
}

static int xtcp_wait_for_connect(struct sock *sk, long timeo)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	DEFINE_WAIT(wait);
	int err;

	for (;;) {
		prepare_to_wait_exclusive(sk_sleep(sk), &wait,
					  TASK_INTERRUPTIBLE);
		release_sock(sk);
		if (list_empty(&xp->accept_q))
			timeo = schedule_timeout(timeo);
		sched_annotate_sleep();
		lock_sock(sk);
		err = 0;
		if (!list_empty(&xp->accept_q))
			break;
		err = -EINVAL;
		if (sk->sk_state != TCP_LISTEN)
			break;
		err = sock_intr_errno(timeo);
		if (signal_pending(current))
			break;
		err = -EAGAIN;
		if (!timeo)
			break;
	}
	finish_wait(sk_sleep(sk), &wait);
	return err;
}

static struct sock *xtcp_accept(struct sock *sk, struct proto_accept_arg *arg)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct xtcp_sock *cxp;
	struct sock *child = NULL;
	int err;

	lock_sock(sk);
	err = -EINVAL;
	if (sk->sk_state != TCP_LISTEN)
		goto out;

	if (list_empty(&xp->accept_q)) {
		long timeo = sock_rcvtimeo(sk, arg->flags & O_NONBLOCK);

		err = -EAGAIN;
		if (!timeo)
			goto out;
		err = xtcp_wait_for_connect(sk, timeo);
		if (err)
			goto out;
	}

	spin_lock_bh(&xp->accept_lock);
	cxp = list_first_entry_or_null(&xp->accept_q, struct xtcp_sock,
				       accept_node);
	if (cxp) {
		list_del_init(&cxp->accept_node);
		xp->accept_len--;
		sk_acceptq_removed(sk);
		cxp->parent = NULL;
	}
	spin_unlock_bh(&xp->accept_lock);
	if (!cxp) {
		err = -EAGAIN;	/* a child aborted under us */
		goto out;
	}
	child = (struct sock *)cxp;
	sock_put(sk);		/* the child's reference on us */
	err = 0;
out:
	release_sock(sk);
	arg->err = err;
	return err ? NULL : child;
}

struct proto xtcp_prot = {
	.name			= "XTCP",
	.owner			= THIS_MODULE,
	.close			= xtcp_close,
	.connect		= xtcp_connect,
	.disconnect		= xtcp_disconnect,
	.accept			= xtcp_accept,
	.ioctl			= xtcp_ioctl,
	.init			= xtcp_init_sock,
	.destroy		= xtcp_destroy,
	.shutdown		= xtcp_shutdown,
	.setsockopt		= xtcp_setsockopt,
	.getsockopt		= xtcp_getsockopt,
	.keepalive		= xtcp_set_keepalive,
	.recvmsg		= xtcp_recvmsg,
	.sendmsg		= xtcp_sendmsg,
	.stream_memory_free	= xtcp_stream_memory_free,
	.backlog_rcv		= xtcp_backlog_rcv,
	.release_cb		= xtcp_release_cb,
	.hash			= xtcp_hash,
	.unhash			= xtcp_unhash,
	.get_port		= xtcp_get_port,
	.put_port		= inet_put_port,
	.enter_memory_pressure	= xtcp_enter_memory_pressure,
	.leave_memory_pressure	= xtcp_leave_memory_pressure,
	.sockets_allocated	= &xtcp_sockets_allocated,
	.orphan_count		= &xtcp_orphan_count,
	.memory_allocated	= &xtcp_memory_allocated,
	.per_cpu_fw_alloc	= &xtcp_memory_per_cpu_fw_alloc,
	.memory_pressure	= &xtcp_memory_pressure,
	.sysctl_wmem_offset	= offsetof(struct net, ipv4.sysctl_tcp_wmem),
	.sysctl_rmem_offset	= offsetof(struct net, ipv4.sysctl_tcp_rmem),
	.max_header		= MAX_TCP_HEADER,
	.obj_size		= sizeof(struct xtcp_sock),
	/* As tcp_prot: a closed socket's memory is reused at once, not
	 * after a grace period (lookups re-check what they found).
	 */
	.slab_flags		= SLAB_TYPESAFE_BY_RCU,
	.no_autobind		= true,
};

int xtcp_proto_init(void)
{
	int err;

	/* The same limits as TCP (net.ipv4.tcp_mem), accounted apart. */
	xtcp_prot.sysctl_mem = tcp_prot.sysctl_mem;

	err = percpu_counter_init(&xtcp_sockets_allocated, 0, GFP_KERNEL);
	if (err)
		return err;
	err = proto_register(&xtcp_prot, 1);
	if (err) {
		percpu_counter_destroy(&xtcp_sockets_allocated);
		return err;
	}
	return 0;
}

void xtcp_proto_exit(void)
{
	proto_unregister(&xtcp_prot);
	percpu_counter_destroy(&xtcp_sockets_allocated);
}
