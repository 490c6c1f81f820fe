// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp: SOL_TCP socket options and ioctls, with the values, limits and
 * errnos of do_tcp_setsockopt()/do_tcp_getsockopt(). SOL_IP goes to the
 * IPv4 code; SOL_SOCKET never reaches here (sock_common_setsockopt).
 */
#include <linux/uaccess.h>
#include <linux/termios.h>
#include <net/ip.h>
#include <net/tcp.h>
#include <net/xtcp.h>

static int xtcp_set_keepidle(struct sock *sk, int val)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (val < 1 || val > MAX_TCP_KEEPIDLE)
		return -EINVAL;
	WRITE_ONCE(tp->keepalive_time, val * HZ);
	if (sock_flag(sk, SOCK_KEEPOPEN) &&
	    !((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)))
		xtcp_reset_keepalive(sk);
	return 0;
}

static int xtcp_setsockopt_tcp(struct sock *sk, int optname, sockptr_t optval,
			       unsigned int optlen)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	int val, err = 0;

	if (optname == TCP_CONGESTION) {
		char name[TCP_CA_NAME_MAX];

		if (optlen < 1)
			return -EINVAL;
		val = strncpy_from_sockptr(name, optval,
					   min_t(long, TCP_CA_NAME_MAX - 1,
						 optlen));
		if (val < 0)
			return -EFAULT;
		name[val] = 0;
		lock_sock(sk);
		err = xtcp_cong_set(sk, name);
		release_sock(sk);
		return err;
	}

	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;

	lock_sock(sk);
	switch (optname) {
	case TCP_MAXSEG:
		if (val && (val < TCP_MIN_MSS || val > MAX_TCP_WINDOW)) {
			err = -EINVAL;
			break;
		}
		tp->rx_opt.user_mss = val;
		break;
	case TCP_NODELAY:
		if (val) {
			tp->nonagle |= TCP_NAGLE_OFF | TCP_NAGLE_PUSH;
			xtcp_push_pending_frames(sk);
		} else {
			tp->nonagle &= ~TCP_NAGLE_OFF;
		}
		break;
	case TCP_CORK:
		if (val) {
			tp->nonagle |= TCP_NAGLE_CORK;
		} else {
			tp->nonagle &= ~TCP_NAGLE_CORK;
			if (tp->nonagle & TCP_NAGLE_OFF)
				tp->nonagle |= TCP_NAGLE_PUSH;
			xtcp_push_pending_frames(sk);
		}
		break;
	case TCP_KEEPIDLE:
		err = xtcp_set_keepidle(sk, val);
		break;
	case TCP_KEEPINTVL:
		if (val < 1 || val > MAX_TCP_KEEPINTVL)
			err = -EINVAL;
		else
			WRITE_ONCE(tp->keepalive_intvl, val * HZ);
		break;
	case TCP_KEEPCNT:
		if (val < 1 || val > MAX_TCP_KEEPCNT)
			err = -EINVAL;
		else
			WRITE_ONCE(tp->keepalive_probes, val);
		break;
	case TCP_SYNCNT:
		if (val < 1 || val > MAX_TCP_SYNCNT)
			err = -EINVAL;
		else
			WRITE_ONCE(icsk->icsk_syn_retries, val);
		break;
	case TCP_USER_TIMEOUT:
		if (val < 0)
			err = -EINVAL;
		else
			WRITE_ONCE(icsk->icsk_user_timeout, val);
		break;
	case TCP_NOTSENT_LOWAT:
		WRITE_ONCE(tp->notsent_lowat, val);
		/* A higher mark may make the socket writable now. */
		sk->sk_write_space(sk);
		break;
	case TCP_LINGER2:
		if (val < 0)
			WRITE_ONCE(tp->linger2, -1);
		else if (val > TCP_FIN_TIMEOUT_MAX / HZ)
			WRITE_ONCE(tp->linger2, TCP_FIN_TIMEOUT_MAX);
		else
			WRITE_ONCE(tp->linger2, val * HZ);
		break;
	case TCP_QUICKACK:
		if (val) {
			inet_csk_exit_pingpong_mode(sk);
			icsk->icsk_ack.quick = 16;
			if (inet_csk_ack_scheduled(sk)) {
				xtcp_mstamp_refresh(tp);
				xtcp_send_ack(sk);
			}
		} else {
			inet_csk_enter_pingpong_mode(sk);
		}
		break;
	case TCP_WINDOW_CLAMP:
		if (!val) {
			if (sk->sk_state != TCP_CLOSE)
				err = -EINVAL;
			else
				tp->window_clamp = 0;
		} else {
			tp->window_clamp = max_t(int, val, SOCK_MIN_RCVBUF / 2);
		}
		break;
	default:
		err = -ENOPROTOOPT;
		break;
	}
	release_sock(sk);
	return err;
}

/*
 * TCP_INFO's busy time (tcpi_busy_time, tcp_chrono_start/stop): time
 * with data queued for sending. xtcp tracks no rwnd/sndbuf-limited
 * spans, so busy is the only chrono type it uses.
 */
void xtcp_chrono_busy(struct sock *sk, bool busy)
{
	struct tcp_sock *tp = tcp_sk(sk);
	u32 now = tcp_jiffies32;

	if (busy) {
		if (tp->chrono_type != TCP_CHRONO_UNSPEC)
			return;
		tp->chrono_start = now;
		tp->chrono_type = TCP_CHRONO_BUSY;
	} else if (tp->chrono_type != TCP_CHRONO_UNSPEC) {
		tp->chrono_stat[tp->chrono_type - 1] += now - tp->chrono_start;
		tp->chrono_type = TCP_CHRONO_UNSPEC;
	}
}

/*
 * On an ACK of new data: count delivered segments and take a delivery
 * rate sample (tcpi_delivery_rate = rate_delivered * mss /
 * rate_interval_us) over the segments delivered in the last smoothed
 * RTT or more: a coarser estimate than tcp_rate.c's per-skb one, over
 * the same span.
 */
void xtcp_rate_on_ack(struct sock *sk, u32 acked_pkts)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	u64 now = tp->tcp_mstamp;	/* the ACK's clock read */
	u64 span = max_t(u32, tp->srtt_us >> 3, 1);

	tp->delivered += acked_pkts;
	if (!tp->delivered_mstamp) {
		tp->delivered_mstamp = now;
		xp->rate_start_delivered = tp->delivered;
	} else if (now - tp->delivered_mstamp >= span) {
		tp->rate_delivered = tp->delivered - xp->rate_start_delivered;
		tp->rate_interval_us = now - tp->delivered_mstamp;
		tp->delivered_mstamp = now;
		xp->rate_start_delivered = tp->delivered;
	}
	if (!tp->packets_out && skb_queue_empty(&sk->sk_write_queue))
		xtcp_chrono_busy(sk, false);
}

int xtcp_setsockopt(struct sock *sk, int level, int optname, sockptr_t optval,
		    unsigned int optlen)
{
	if (level != SOL_TCP)
		return ip_setsockopt(sk, level, optname, optval, optlen);
	return xtcp_setsockopt_tcp(sk, optname, optval, optlen);
}

static int xtcp_getsockopt_tcp(struct sock *sk, int optname,
			       char __user *optval, int __user *optlen)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	struct net *net = sock_net(sk);
	char ca_name[TCP_CA_NAME_MAX];
	int val, len;

	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;

	switch (optname) {
	case TCP_MAXSEG:
		val = tp->mss_cache;
		if (tp->rx_opt.user_mss &&
		    ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)))
			val = tp->rx_opt.user_mss;
		break;
	case TCP_NODELAY:
		val = !!(tp->nonagle & TCP_NAGLE_OFF);
		break;
	case TCP_CORK:
		val = !!(tp->nonagle & TCP_NAGLE_CORK);
		break;
	case TCP_KEEPIDLE:
		val = (READ_ONCE(tp->keepalive_time) ? :
		       READ_ONCE(net->ipv4.sysctl_tcp_keepalive_time)) / HZ;
		break;
	case TCP_KEEPINTVL:
		val = (READ_ONCE(tp->keepalive_intvl) ? :
		       READ_ONCE(net->ipv4.sysctl_tcp_keepalive_intvl)) / HZ;
		break;
	case TCP_KEEPCNT:
		val = READ_ONCE(tp->keepalive_probes) ? :
		      READ_ONCE(net->ipv4.sysctl_tcp_keepalive_probes);
		break;
	case TCP_SYNCNT:
		val = READ_ONCE(icsk->icsk_syn_retries) ? :
		      READ_ONCE(net->ipv4.sysctl_tcp_syn_retries);
		break;
	case TCP_NOTSENT_LOWAT:
		val = READ_ONCE(tp->notsent_lowat);
		break;
	case TCP_USER_TIMEOUT:
		val = READ_ONCE(icsk->icsk_user_timeout);
		break;
	case TCP_LINGER2:
		val = READ_ONCE(tp->linger2);
		if (val >= 0)
			val = (val ? : READ_ONCE(net->ipv4.sysctl_tcp_fin_timeout)) / HZ;
		break;
	case TCP_QUICKACK:
		val = !inet_csk_in_pingpong_mode(sk);
		break;
	case TCP_WINDOW_CLAMP:
		val = READ_ONCE(tp->window_clamp);
		break;
	case TCP_INFO: {
		struct tcp_info info;

		tcp_get_info(sk, &info);
		len = min_t(unsigned int, len, sizeof(info));
		if (put_user(len, optlen))
			return -EFAULT;
		if (copy_to_user(optval, &info, len))
			return -EFAULT;
		return 0;
	}
	case TCP_CONGESTION:
		len = min_t(unsigned int, len, TCP_CA_NAME_MAX);
		if (put_user(len, optlen))
			return -EFAULT;
		/* As TCP: the name NUL-padded to TCP_CA_NAME_MAX. */
		strscpy_pad(ca_name, xtcp_cong_name(sk));
		if (copy_to_user(optval, ca_name, len))
			return -EFAULT;
		return 0;
	default:
		return -ENOPROTOOPT;
	}

	len = min_t(unsigned int, len, sizeof(int));
	if (put_user(len, optlen))
		return -EFAULT;
	if (copy_to_user(optval, &val, len))
		return -EFAULT;
	return 0;
}

int xtcp_getsockopt(struct sock *sk, int level, int optname,
		    char __user *optval, int __user *optlen)
{
	if (level != SOL_TCP)
		return ip_getsockopt(sk, level, optname, optval, optlen);
	return xtcp_getsockopt_tcp(sk, optname, optval, optlen);
}

int xtcp_ioctl(struct sock *sk, int cmd, int *karg)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int answ;

	switch (cmd) {
	case SIOCINQ:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		lock_sock(sk);
		if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
			answ = 0;
		} else {
			answ = tp->rcv_nxt - tp->copied_seq;
			/* The FIN takes a sequence number, not a byte. */
			if (answ && sock_flag(sk, SOCK_DONE))
				answ--;
		}
		release_sock(sk);
		break;
	case SIOCOUTQ:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
			answ = 0;
		else
			answ = READ_ONCE(tp->write_seq) - tp->snd_una;
		break;
	case SIOCOUTQNSD:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
			answ = 0;
		else
			answ = READ_ONCE(tp->write_seq) -
			       READ_ONCE(tp->snd_nxt);
		break;
	default:
		return -ENOIOCTLCMD;
	}
	*karg = answ;
	return 0;
}
