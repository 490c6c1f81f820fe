/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xtcp: internal declarations shared by the module's stages.
 *
 * An xtcp socket is laid out as a struct tcp_sock (first member of struct
 * xtcp_sock), so inet_sk(), inet_csk() and tcp_sk() work on it and the
 * tcp_sock fields keep their meaning: xtcp keeps snd_una, snd_nxt, rcv_nxt,
 * snd_cwnd, srtt_us, packets_out, write_seq, copied_seq, ... true.
 */
#ifndef _NET_XTCP_H
#define _NET_XTCP_H

#include <linux/llist.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/inet_connection_sock.h>
#include <net/netns/generic.h>
#include <net/tcp.h>

struct xtcp_sock {
	struct tcp_sock tp;		/* must stay first */
	u64 cookie;			/* identifies the socket in traces */

	/* Segments sent and not yet acknowledged, in sequence order. */
	struct sk_buff_head rtx_queue;
	/* Segments received beyond rcv_nxt, in sequence order, no overlap. */
	struct sk_buff_head ooo_queue;

	/* Listener: children that finished the handshake, oldest first. */
	struct list_head accept_q;
	u32 accept_len;			/* entries on accept_q */
	u32 syn_len;			/* children still in SYN_RECV */
	u32 backlog;			/* listen() backlog */

	/* Child: link on the listener's accept_q, and the listener itself
	 * (holding a reference) until accept() or the listener's close.
	 */
	struct list_head accept_node;
	struct sock *parent;

	u8 dupacks;			/* duplicate ACKs in a row */
	u8 syn_ts:1,			/* our SYN offers timestamps */
	   syn_sack:1,			/* ... SACK-permitted */
	   syn_wscale:1;		/* ... window scaling */
	unsigned long deferred;		/* XTCP_*_DEFERRED: timer work for release_cb */
	spinlock_t accept_lock;		/* listener: accept_q, accept_len, syn_len */
	u32 fin_seq;			/* sequence number our FIN uses */
	bool fin_queued;		/* FIN is on the write queue or sent */
	const struct xtcp_cong_ops *ca_ops;	/* congestion control */
	u32 challenge_stamp;		/* RFC 5961 rate limit: second */
	u32 challenge_count;
	u32 rate_start_delivered;	/* tp->delivered when the rate sample
					 * began (at tp->delivered_mstamp)
					 */
	/* TCP small queues: on a CPU's list while its tasklet is due. */
	struct llist_node tsq_node;
	u32 rack_fack;			/* RACK: highest delivered end_seq */
	u32 rack_reo_us;		/* RACK: a hole's wait, 0: none */
	u64 rack_reo_grown_us;		/* RACK: when reo_wnd_steps last grew */
	bool tlp_resending;		/* TLP: the probe is a retransmission */
};

static inline struct xtcp_sock *xtcp_sk(const struct sock *sk)
{
	return (struct xtcp_sock *)sk;
}

/*
 * One clock read per event (tcp_mstamp_refresh(), which is not exported):
 * write_xmit, segment input, timers and the control segments sent outside
 * them refresh; every stamp the event takes (send time, TS value, RTT and
 * RACK now, departure time) derives from tcp_clock_cache (ns) or
 * tcp_mstamp (us), both written only under the socket lock.
 */
static inline void xtcp_mstamp_refresh(struct tcp_sock *tp)
{
	u64 now = tcp_clock_ns();

	tp->tcp_clock_cache = now;
	tp->tcp_mstamp = div_u64(now, NSEC_PER_USEC);
}

/* Per-segment control block, in skb->cb for skbs owned by xtcp. The IP
 * layer's IPCB overlaps it and is cleared on the clone before IP output.
 */
struct xtcp_skb_cb {
	u32 seq;			/* first sequence number */
	u32 end_seq;			/* seq + SYN + FIN + len */
	u64 when_us;			/* last transmit time, tp->tcp_mstamp */
	u8 tcp_flags;			/* TCPHDR_* */
	u8 retrans;			/* times retransmitted */
	u8 sacked:1,			/* the peer SACKed it (RFC 2018) */
	   lost:1,			/* presumed lost, to retransmit */
	   retrans_out:1,		/* lost and retransmitted, unacked */
	   eor:1,			/* MSG_EOR: nothing appended after it */
	   rack_judged:1;		/* RACK called this transmission lost */
	u32 charge;			/* bytes counted in sk_wmem_queued */
	u32 ack_seq;			/* input: the segment's ACK field */
	u16 window;			/* input: raw window field */
	u32 ts_val;			/* input: timestamp option value */
	u32 ts_ecr;			/* input: timestamp echo reply */
	bool has_ts;
	u16 mss;			/* gso_size its segment count is for */
	u16 pcount;			/* segments it stands for */
};

/* A queued skb stands for xtcp_skb_pcount() segments of cb->mss bytes
 * (its gso_segs when it is sent); the scoreboard (packets_out,
 * sacked_out, lost_out, retrans_out) counts segments, not skbs.
 * tcp_skb_pcount() cannot serve: it reads TCP's own skb->cb layout.
 */
#define XTCP_SKB_CB(skb) ((struct xtcp_skb_cb *)&((skb)->cb[0]))

/* Segments the network holds, as Linux counts them for the cwnd test. */
static inline u32 xtcp_in_flight(const struct tcp_sock *tp)
{
	return tp->packets_out - (tp->sacked_out + tp->lost_out) +
	       tp->retrans_out;
}

static inline int xtcp_skb_pcount(const struct sk_buff *skb)
{
	return XTCP_SKB_CB(skb)->pcount;
}

static inline void xtcp_skb_pcount_set(struct sk_buff *skb, int segs)
{
	XTCP_SKB_CB(skb)->pcount = segs;
}

/* Why write_xmit stopped (the xtcp:write_xmit tracepoint's reason). */
enum xtcp_hold_reason {
	XTCP_HOLD_NONE,		/* the segment was sent */
	XTCP_HOLD_CWND,		/* congestion window full */
	XTCP_HOLD_RWND,		/* beyond the peer's receive window */
	XTCP_HOLD_NAGLE,	/* small segment held by Nagle */
	XTCP_HOLD_CORK,		/* small segment held by TCP_CORK/MSG_MORE */
	XTCP_HOLD_ERROR,	/* transmit failed (no route, no memory) */
	XTCP_HOLD_TSQ,		/* small queue full below the socket */
	XTCP_HOLD_PACING,	/* internal pacing: departure time ahead */
	XTCP_HOLD_DEFER,	/* TSO deferral: a fuller skb soon */
};

enum {
	XTCP_WRITE_TIMER_DEFERRED,
	XTCP_DELACK_TIMER_DEFERRED,
	XTCP_MTU_REDUCED_DEFERRED,	/* ICMP frag-needed while user-locked */
	XTCP_TSQ_DEFERRED,		/* TX completion or pacing timer */
};

/* sk->sk_tsq_flags bits (xtcp's own; TCP's code never sees the socket). */
enum {
	XTCP_TSQ_THROTTLED,		/* write_xmit waits for TX completion */
	XTCP_TSQ_QUEUED,		/* on a CPU's TSQ tasklet list */
};

/* Counters in the spirit of /proc/net/snmp's Tcp: line and netstat's
 * TcpExt:, kept per network namespace as the kernel's are.
 */
enum xtcp_mib {
	XTCP_MIB_ACTIVEOPENS,
	XTCP_MIB_PASSIVEOPENS,
	XTCP_MIB_ATTEMPTFAILS,
	XTCP_MIB_ESTABRESETS,
	XTCP_MIB_INSEGS,
	XTCP_MIB_OUTSEGS,
	XTCP_MIB_RETRANSSEGS,
	XTCP_MIB_INERRS,
	XTCP_MIB_OUTRSTS,
	XTCP_MIB_INCSUMERRORS,
	XTCP_MIB_RTOS,
	XTCP_MIB_FASTRETRANS,
	XTCP_MIB_LISTENDROPS,
	XTCP_MIB_OOOQUEUED,
	XTCP_MIB_CHALLENGEACKS,
	XTCP_MIB_ZEROWINDOWPROBES,	/* persist timer probes (TCPWinProbe) */
	/* Segments xtcp built and dropped before the device, by cause. */
	XTCP_MIB_DROPNOROUTE,		/* no route to the peer */
	XTCP_MIB_DROPNETFILTER,		/* LOCAL_OUT or POST_ROUTING verdict */
	XTCP_MIB_DROPMTU,		/* larger than the route's MTU */
	XTCP_MIB_DROPNOMEM,		/* no room for the link header */
	XTCP_MIB_DROPNONEIGH,		/* no neighbour entry */
	XTCP_MIB_DROPQDISC,		/* dev_queue_xmit() dropped it */
	XTCP_MIB_DROPBACKLOG,		/* input: socket backlog full */
	XTCP_MIB_TSQTHROTTLED,		/* write_xmit held by small queues */
	XTCP_MIB_TCPLOSSPROBES,		/* tail loss probes sent */
	XTCP_MIB_TCPLOSSPROBERECOVERY,	/* ... that repaired a loss */
	XTCP_MIB_SACKREORDER,		/* reordering seen (TCPSACKReorder) */
	XTCP_MIB_RACKLOSS,		/* segments RACK marked lost */
	/* CUBIC's HyStart left slow start: times, and the windows summed */
	XTCP_MIB_HYSTARTTRAINDETECT,
	XTCP_MIB_HYSTARTTRAINCWND,
	XTCP_MIB_HYSTARTDELAYDETECT,
	XTCP_MIB_HYSTARTDELAYCWND,
	XTCP_MIB_DELAYEDACKLOST,	/* old data came again: our ACK was lost */
	XTCP_MIB_DSACKRECV,		/* D-SACKs taken as evidence (RFC 2883) */
	/* A loss recovery's cwnd reduction undone (spurious), because: */
	XTCP_MIB_FULLUNDO,		/* ... its end showed nothing was lost */
	XTCP_MIB_PARTIALUNDO,		/* ... a hole filled by a delayed original */
	XTCP_MIB_DSACKUNDO,		/* ... D-SACKs covered its retransmissions */
	XTCP_MIB_SPURIOUSRTXHOSTQUEUES,	/* resend held: a copy still below us */
	XTCP_MIB_MAX
};

struct xtcp_mib_stats {
	unsigned long mibs[XTCP_MIB_MAX];
};

/* net_generic() slot of xtcp_main.c's counters pernet_operations. */
struct xtcp_mib_net {
	struct xtcp_mib_stats __percpu *mib;
};

extern unsigned int xtcp_mib_net_id;

static inline void xtcp_net_mib_inc(const struct net *net, enum xtcp_mib idx)
{
	struct xtcp_mib_net *mn = net_generic(net, xtcp_mib_net_id);

	this_cpu_inc(mn->mib->mibs[idx]);
}

static inline void xtcp_mib_inc(const struct sock *sk, enum xtcp_mib idx)
{
	xtcp_net_mib_inc(sock_net(sk), idx);
}

/* For counts of segments: a GSO skb counts as the segments it carries. */
static inline void xtcp_mib_add(const struct sock *sk, enum xtcp_mib idx,
				unsigned long val)
{
	struct xtcp_mib_net *mn = net_generic(sock_net(sk), xtcp_mib_net_id);

	this_cpu_add(mn->mib->mibs[idx], val);
}

static inline bool icsk_pending_probe(const struct sock *sk)
{
	return inet_csk(sk)->icsk_pending == ICSK_TIME_PROBE0;
}

extern struct proto xtcp_prot;
extern const struct proto_ops xtcp_stream_ops;
extern int xtcp_family;
extern unsigned int xtcp_net_id;

/* xtcp_hash.c: per-netns tables and ports */
#define XTCP_EHASH_BITS		10
#define XTCP_LHASH_BITS		6
#define XTCP_PORTS_BITS		10

struct xtcp_net {
	spinlock_t lock;		/* protects both tables' writers */
	u32 seed;
	/* nulls lists: sockets are SLAB_TYPESAFE_BY_RCU, and a lookup that
	 * followed a socket freed and rehashed elsewhere ends on another
	 * chain's nulls value and starts over.
	 */
	struct hlist_nulls_head ehash[1 << XTCP_EHASH_BITS];
	struct hlist_nulls_head lhash[1 << XTCP_LHASH_BITS];
	/* Hashed sockets per hash of their local port: early demux passes
	 * over a segment whose port no xtcp socket has (Linux TCP's) with
	 * one load instead of hashing its 4-tuple. Written under lock.
	 */
	u32 ports[1 << XTCP_PORTS_BITS];
};

int xtcp_hash(struct sock *sk);
void xtcp_unhash(struct sock *sk);
struct sock *xtcp_lookup(struct net *net, __be32 saddr, __be16 sport,
			 __be32 daddr, __be16 dport);
struct sock *xtcp_lookup_ehash(struct net *net, __be32 saddr, __be16 sport,
			       __be32 daddr, __be16 dport);
bool xtcp_port_used(const struct net *net, __be16 lport);
struct sock *xtcp_lookup_listener(struct net *net, __be32 daddr, __be16 dport);
int xtcp_get_port(struct sock *sk, unsigned short snum);
struct sock *xtcp_lookup_established(struct net *net, __be32 laddr,
				     __be16 lport, __be32 faddr, __be16 fport);
int xtcp_pernet_init(struct net *net);
void xtcp_pernet_exit(struct net *net);

/* xtcp_proc.c */
int xtcp_proc_init_net(struct net *net);
void xtcp_proc_exit_net(struct net *net);

/* xtcp_proto.c */
void xtcp_set_state(struct sock *sk, int state);
void xtcp_done(struct sock *sk);
void xtcp_destroy_sock(struct sock *sk);
int xtcp_disconnect(struct sock *sk, int flags);
int xtcp_proto_init(void);
int xtcp_orphans(void);
void xtcp_proto_exit(void);

/* xtcp_input.c */
int xtcp_input_init_net(struct net *net);
void xtcp_input_exit_net(struct net *net);
int xtcp_v4_rcv(struct sock *sk, struct sk_buff *skb);
int xtcp_backlog_rcv(struct sock *sk, struct sk_buff *skb);
void xtcp_rcv_space_changed(struct sock *sk);

/* xtcp_sendmsg.c */
int xtcp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size);
void xtcp_wmem_free_skb(struct sock *sk, struct sk_buff *skb);
void xtcp_free_queues(struct sock *sk);

/* xtcp_recvmsg.c */
int xtcp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len, int flags,
		 int *addr_len);
void xtcp_cleanup_rbuf(struct sock *sk, int copied);

/* xtcp_output.c */
void xtcp_push(struct sock *sk, int flags, unsigned int mss, int nonagle);
void __xtcp_push_pending_frames(struct sock *sk, unsigned int mss, int nonagle);
bool xtcp_write_xmit(struct sock *sk, unsigned int mss, int nonagle,
		     bool probe, gfp_t gfp);
void xtcp_entail(struct sock *sk, struct sk_buff *skb, u8 flags);
void xtcp_xmit_retransmit_queue(struct sock *sk);
int xtcp_send_probe(struct sock *sk);
int xtcp_write_wakeup(struct sock *sk);
void xtcp_send_challenge_ack(struct sock *sk);
void xtcp_send_reset_seq(struct sock *sk, u32 seq);
void xtcp_build_sack(struct sock *sk, u32 recent_seq);
int xtcp_transmit_skb(struct sock *sk, struct sk_buff *skb, int clone,
		      gfp_t gfp);
int xtcp_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len);
int xtcp_send_synack(struct sock *sk);
void xtcp_send_ack(struct sock *sk);
void xtcp_send_fin(struct sock *sk);
void xtcp_send_active_reset(struct sock *sk, gfp_t gfp);
int xtcp_retransmit_skb(struct sock *sk, struct sk_buff *skb, int segs);
unsigned int xtcp_current_mss(struct sock *sk);
unsigned int xtcp_size_goal(struct sock *sk, unsigned int mss);
void xtcp_set_tso_segs(struct sk_buff *skb, unsigned int mss);
int xtcp_fragment(struct sock *sk, struct sk_buff_head *queue,
		  struct sk_buff *skb, u32 len, unsigned int mss, gfp_t gfp);
int xtcp_trim_head(struct sock *sk, struct sk_buff *skb, u32 len);
void xtcp_adjust_pcount(struct sock *sk, const struct sk_buff *skb, int decr);
unsigned int xtcp_sync_mss(struct sock *sk, u32 pmtu);
void xtcp_mtu_reduced(struct sock *sk);
u32 xtcp_select_window(struct sock *sk);

/* tcp_push_pending_frames(): the receive path calls this per segment,
 * so an empty write queue must cost no MSS lookup.
 */
static inline void xtcp_push_pending_frames(struct sock *sk)
{
	if (!skb_queue_empty(&sk->sk_write_queue))
		__xtcp_push_pending_frames(sk, xtcp_current_mss(sk),
					   tcp_sk(sk)->nonagle);
}

/* Unpushed data past half the peer's largest window is pushed
 * (forced_push).
 */
static inline bool xtcp_forced_push(const struct tcp_sock *tp)
{
	return after(tp->write_seq, tp->pushed_seq + (tp->max_window >> 1));
}

/* xtcp_ip_output.c */
int xtcp_ip_queue_xmit(struct sock *sk, struct sk_buff *skb);
struct rtable *xtcp_ip_route(struct sock *sk);

/* xtcp_tsq.c: TCP small queues */
void xtcp_wfree(struct sk_buff *skb);
bool xtcp_small_queue_check(struct sock *sk, const struct sk_buff *skb,
			    unsigned int factor);
void xtcp_tsq_handler(struct sock *sk);
void xtcp_tsq_write(struct sock *sk);
void xtcp_tsq_init(void);
void xtcp_tsq_exit(void);

/* xtcp_pacing.c */
void xtcp_pacing_init(struct sock *sk);
void xtcp_update_pacing_rate(struct sock *sk);
void xtcp_pacing_stamp(struct sock *sk, struct sk_buff *skb,
		       unsigned int len);
bool xtcp_pacing_hold(struct sock *sk);

/* xtcp_timer.c */
void xtcp_init_xmit_timers(struct sock *sk);
void xtcp_reset_xmit_timer(struct sock *sk, int what, unsigned long when);
void xtcp_reset_rto_timer(struct sock *sk);
void xtcp_time_wait(struct sock *sk);
void xtcp_reset_keepalive(struct sock *sk);
void xtcp_set_keepalive(struct sock *sk, int val);
void xtcp_delack_schedule(struct sock *sk);
void xtcp_check_probe_timer(struct sock *sk);
void xtcp_release_cb(struct sock *sk);
int xtcp_init_conn(struct sock *sk);
void xtcp_reset_conn_vars(struct sock *sk);
void xtcp_syn_recv_timeout(struct sock *sk);
void xtcp_write_err(struct sock *sk);

/* xtcp_cong.c, xtcp_cubic.c: congestion control, per socket */
struct xtcp_cong_ops {
	const char *name;
	void (*init)(struct sock *sk);		/* state in icsk_ca_priv */
	void (*on_ack)(struct sock *sk, u32 acked);	/* cwnd growth */
	/* an ACK's RTT sample, us, before on_ack (pkts_acked) */
	void (*on_rtt)(struct sock *sk, u32 rtt_us);
	u32 (*ssthresh)(struct sock *sk);	/* after a loss */
	void (*on_rto)(struct sock *sk);
	/* new data leaves with nothing in flight (CA_EVENT_TX_START) */
	void (*on_tx_start)(struct sock *sk);
};

extern const struct xtcp_cong_ops xtcp_cubic_ops;
void xtcp_cong_reset(struct sock *sk);
u32 xtcp_slow_start(struct tcp_sock *tp, u32 acked);
int xtcp_cong_set(struct sock *sk, const char *name);
const char *xtcp_cong_name(const struct sock *sk);
void xtcp_cong_on_ack(struct sock *sk, u32 acked);
void xtcp_cong_on_rtt(struct sock *sk, long rtt_us);
void xtcp_cong_on_loss(struct sock *sk);
void xtcp_cong_enter_recovery(struct sock *sk);
void xtcp_cwnd_reduction(struct sock *sk, int delivered, bool newly_lost,
			 bool una_advanced);
void xtcp_cong_on_rto(struct sock *sk);
void xtcp_cong_on_tx_start(struct sock *sk);
void xtcp_rtt_sample(struct sock *sk, long rtt_us, long ca_rtt_us);
void xtcp_cwnd_restart_check(struct sock *sk);
void xtcp_cwnd_validate(struct sock *sk, bool sent, bool cwnd_limited);
u32 xtcp_init_cwnd(const struct sock *sk);
bool xtcp_loss_recovery(struct sock *sk);

/* xtcp_rack.c: RACK-TLP loss detection (RFC 8985) */
bool xtcp_rack_enabled(const struct sock *sk);
void xtcp_rack_init(struct sock *sk);
void xtcp_rack_advance(struct sock *sk, const struct sk_buff *skb, u64 now_us,
		       u32 prior_fack, u32 *reord);
void xtcp_rack_update_reo_wnd(struct sock *sk);
void xtcp_check_reordering(struct sock *sk, u32 low_seq);
bool xtcp_rack_mark_lost(struct sock *sk);
void xtcp_rack_arm_reo(struct sock *sk);
void xtcp_rack_timer(struct sock *sk, int event);
bool xtcp_tlp_schedule(struct sock *sk);
void xtcp_tlp_ack(struct sock *sk, u32 ack, bool una_advanced, bool dsack);
void xtcp_set_xmit_timer(struct sock *sk);

/* xtcp_undo.c: spurious loss recovery detected and undone */
void xtcp_init_undo(struct sock *sk);
bool xtcp_any_retrans_done(const struct sock *sk);
bool xtcp_try_undo_recovery(struct sock *sk, const struct sk_buff *skb);
bool xtcp_try_undo_partial(struct sock *sk, const struct sk_buff *skb,
			   u32 prior_una);
bool xtcp_try_undo_dsack(struct sock *sk);

/* xtcp_sockopt.c */
int xtcp_setsockopt(struct sock *sk, int level, int optname,
		    sockptr_t optval, unsigned int optlen);
int xtcp_getsockopt(struct sock *sk, int level, int optname,
		    char __user *optval, int __user *optlen);
int xtcp_ioctl(struct sock *sk, int cmd, int *karg);
void xtcp_chrono_busy(struct sock *sk, bool busy);
void xtcp_rate_on_ack(struct sock *sk, u32 acked_pkts);

#define XTCP_TIMEWAIT_LEN	(60 * HZ)	/* 2 * MSL, as TCP_TIMEWAIT_LEN */
#define XTCP_SYN_RETRIES	6
#define XTCP_SYNACK_RETRIES	5
#define XTCP_RETRIES2		15

#endif /* _NET_XTCP_H */
