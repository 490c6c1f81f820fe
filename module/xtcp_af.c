// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp: the socket layer (struct proto_ops), mirroring inet_stream_ops.
 *
 * Where the inet helpers only dispatch through sk->sk_prot (release,
 * connect, accept, getname, shutdown, sendmsg, recvmsg, ioctl) they are
 * used as they are; bind, listen and poll are xtcp's own because they
 * touch the address family, the accept queue and the readiness rules.
 */
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/in.h>
#include <net/sock.h>
#include <net/inet_common.h>
#include <net/inet_sock.h>
#include <net/xtcp.h>
#include <uapi/linux/xtcp.h>

/* Accept AF_XTCP in sin_family as well as AF_INET: programs written for
 * the new family and programs ported from AF_INET both work.
 */
static int xtcp_fix_addr(struct sockaddr *uaddr, int addr_len,
			 struct sockaddr_in *sin)
{
	if (addr_len < (int)sizeof(struct sockaddr_in))
		return -EINVAL;
	memcpy(sin, uaddr, sizeof(*sin));
	if (sin->sin_family == xtcp_family)
		sin->sin_family = AF_INET;
	return 0;
}

static int xtcp_bind(struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	struct sockaddr_in sin;
	int err;

	err = xtcp_fix_addr(uaddr, addr_len, &sin);
	if (err)
		return err;
	/* inet_bind() checks the family, the address type, EACCES below
	 * the unprivileged port range, and takes the port through
	 * sk_prot->get_port (the kernel TCP bind hash).
	 */
	return inet_bind(sock, (struct sockaddr *)&sin, sizeof(sin));
}

static int xtcp_stream_connect(struct socket *sock, struct sockaddr *uaddr,
			       int addr_len, int flags)
{
	struct sockaddr_in sin;

	if (addr_len >= (int)sizeof(uaddr->sa_family) &&
	    uaddr->sa_family == AF_UNSPEC)
		return inet_stream_connect(sock, uaddr, addr_len, flags);
	if (addr_len >= (int)sizeof(struct sockaddr_in) &&
	    uaddr->sa_family == xtcp_family) {
		memcpy(&sin, uaddr, sizeof(sin));
		sin.sin_family = AF_INET;
		return inet_stream_connect(sock, (struct sockaddr *)&sin,
					   sizeof(sin), flags);
	}
	return inet_stream_connect(sock, uaddr, addr_len, flags);
}

/* inet_sk_state_store() without its tracepoint (it is not exported). */
static void xtcp_state_store(struct sock *sk, int state)
{
	/* Pairs with inet_sk_state_load() in poll and the /proc reader. */
	smp_store_release(&sk->sk_state, state);
}

static int xtcp_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	struct xtcp_sock *xp = xtcp_sk(sk);
	int err;

	lock_sock(sk);
	err = -EINVAL;
	if (sock->state != SS_UNCONNECTED || sock->type != SOCK_STREAM)
		goto out;
	if (!((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)))
		goto out;

	if (backlog < 0)
		backlog = 0;
	backlog = min_t(u32, backlog,
			READ_ONCE(sock_net(sk)->core.sysctl_somaxconn));
	WRITE_ONCE(sk->sk_max_ack_backlog, backlog);
	xp->backlog = backlog;

	if (sk->sk_state != TCP_LISTEN) {
		/* As inet_csk_listen_start(): announce LISTEN, then have
		 * get_port() validate the port in that state (a shared
		 * SO_REUSEADDR port cannot have two listeners), then become
		 * findable.
		 */
		xtcp_state_store(sk, TCP_LISTEN);
		err = sk->sk_prot->get_port(sk, inet_sk(sk)->inet_num);
		if (!err) {
			inet_sk(sk)->inet_sport = htons(inet_sk(sk)->inet_num);
			sk_dst_reset(sk);
			/* Back, then LISTEN for real, with the state-change
			 * tracepoints.
			 */
			xtcp_state_store(sk, TCP_CLOSE);
			xtcp_set_state(sk, TCP_LISTEN);
			err = sk->sk_prot->hash(sk);
		}
		if (err) {
			xtcp_state_store(sk, TCP_CLOSE);
			goto out;
		}
	}
	err = 0;
out:
	release_sock(sk);
	return err;
}

static __poll_t xtcp_listen_poll(struct sock *sk)
{
	return READ_ONCE(xtcp_sk(sk)->accept_len) ? EPOLLIN | EPOLLRDNORM : 0;
}

/* The readiness rules of tcp_poll(), on xtcp's queues. */
static __poll_t xtcp_poll(struct file *file, struct socket *sock,
			  poll_table *wait)
{
	struct sock *sk = sock->sk;
	const struct tcp_sock *tp = tcp_sk(sk);
	__poll_t mask = 0;
	u8 shutdown;
	int state;

	sock_poll_wait(file, sock, wait);

	state = inet_sk_state_load(sk);
	if (state == TCP_LISTEN)
		return xtcp_listen_poll(sk);

	shutdown = READ_ONCE(sk->sk_shutdown);
	if (shutdown == SHUTDOWN_MASK || state == TCP_CLOSE)
		mask |= EPOLLHUP;
	if (shutdown & RCV_SHUTDOWN)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;

	if (state != TCP_SYN_SENT && state != TCP_SYN_RECV) {
		int target = sock_rcvlowat(sk, 0, INT_MAX);

		if ((int)(READ_ONCE(tp->rcv_nxt) - READ_ONCE(tp->copied_seq)) >=
		    target)
			mask |= EPOLLIN | EPOLLRDNORM;

		if (!(shutdown & SEND_SHUTDOWN)) {
			if (sk_stream_is_writeable(sk)) {
				mask |= EPOLLOUT | EPOLLWRNORM;
			} else {
				sk_set_bit(SOCKWQ_ASYNC_NOSPACE, sk);
				set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
				/* Race with an ACK freeing space: recheck
				 * after setting the flag, as tcp_poll does.
				 */
				smp_mb__after_atomic();
				if (sk_stream_is_writeable(sk))
					mask |= EPOLLOUT | EPOLLWRNORM;
			}
		} else {
			mask |= EPOLLOUT | EPOLLWRNORM;
		}
	} else if (state == TCP_SYN_SENT &&
		   inet_test_bit(DEFER_CONNECT, sk)) {
		mask |= EPOLLOUT | EPOLLWRNORM;
	}

	/* Pairs with the barrier in sk_error_report's writers: see the
	 * error after the state that caused it (as tcp_poll).
	 */
	smp_rmb();
	if (READ_ONCE(sk->sk_err) ||
	    !skb_queue_empty_lockless(&sk->sk_error_queue))
		mask |= EPOLLERR;
	return mask;
}

const struct proto_ops xtcp_stream_ops = {
	.family		   = PF_XTCP,
	.owner		   = THIS_MODULE,
	.release	   = inet_release,
	.bind		   = xtcp_bind,
	.connect	   = xtcp_stream_connect,
	.socketpair	   = sock_no_socketpair,
	.accept		   = inet_accept,
	.getname	   = inet_getname,
	.poll		   = xtcp_poll,
	.ioctl		   = inet_ioctl,
	.gettstamp	   = sock_gettstamp,
	.listen		   = xtcp_listen,
	.shutdown	   = inet_shutdown,
	.setsockopt	   = sock_common_setsockopt,
	.getsockopt	   = sock_common_getsockopt,
	.sendmsg	   = inet_sendmsg,
	.recvmsg	   = inet_recvmsg,
	.mmap		   = sock_no_mmap,
};
