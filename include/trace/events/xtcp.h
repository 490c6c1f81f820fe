/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xtcp tracepoints: one per stage boundary of the send path, plus ACK,
 * retransmit and state change. Every segment event carries the socket
 * cookie, the 4-tuple, seq/end_seq/len, TCP flags, cwnd and the skb, so
 * one segment can be followed from sendmsg to the driver.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM xtcp

#ifndef _TRACE_XTCP_TYPES
#define _TRACE_XTCP_TYPES

#include <net/inet_connection_sock.h>
#include <net/tcp.h>
#include <net/xtcp.h>

/* Why a segment is sent again (the xtcp:retransmit tracepoint's cause). */
enum xtcp_retrans_cause {
	XTCP_RETRANS_SYN,	/* SYN or SYN-ACK, the handshake timer */
	XTCP_RETRANS_RTO,	/* RTO expired, or loss recovery after it */
	XTCP_RETRANS_FAST,	/* fast retransmit/recovery (dupACKs, SACK) */
	XTCP_RETRANS_TLP,	/* a tail loss probe resending the last segment */
	XTCP_RETRANS_OTHER,	/* none of these (no such path today) */
};

/*
 * The cause follows from the state the retransmit is issued in, as
 * Linux's TCPFastRetrans/TCPSlowStartRetrans split does: the RTO handler
 * enters TCP_CA_Loss and fast retransmit TCP_CA_Recovery before they
 * retransmit, and the handshake segments carry SYN. A tail loss probe
 * (RFC 8985 7.3) goes out before any of those states.
 */
static inline int xtcp_retrans_cause(const struct sock *sk,
				     const struct sk_buff *skb)
{
	if (XTCP_SKB_CB(skb)->tcp_flags & TCPHDR_SYN)
		return XTCP_RETRANS_SYN;
	if (xtcp_sk(sk)->tlp_resending)
		return XTCP_RETRANS_TLP;
	switch (inet_csk(sk)->icsk_ca_state) {
	case TCP_CA_Loss:
		return XTCP_RETRANS_RTO;
	case TCP_CA_Recovery:
		return XTCP_RETRANS_FAST;
	default:
		return XTCP_RETRANS_OTHER;
	}
}

static inline int xtcp_trace_ifindex(const struct sk_buff *skb)
{
	if (skb->dev)
		return skb->dev->ifindex;
	/* ip_queue_xmit: the route chose the device, skb->dev comes later */
	return skb_dst(skb) ? skb_dst(skb)->dev->ifindex : 0;
}

#endif /* _TRACE_XTCP_TYPES */

#if !defined(_TRACE_XTCP_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_XTCP_H

#include <linux/tracepoint.h>
#include <linux/skbuff.h>
#include <net/sock.h>
#include <net/inet_sock.h>
#include <net/neighbour.h>
#include <net/xtcp.h>

TRACE_DEFINE_ENUM(XTCP_HOLD_NONE);
TRACE_DEFINE_ENUM(XTCP_HOLD_CWND);
TRACE_DEFINE_ENUM(XTCP_HOLD_RWND);
TRACE_DEFINE_ENUM(XTCP_HOLD_NAGLE);
TRACE_DEFINE_ENUM(XTCP_HOLD_CORK);
TRACE_DEFINE_ENUM(XTCP_HOLD_ERROR);
TRACE_DEFINE_ENUM(XTCP_HOLD_TSQ);
TRACE_DEFINE_ENUM(XTCP_HOLD_PACING);
TRACE_DEFINE_ENUM(XTCP_HOLD_DEFER);
TRACE_DEFINE_ENUM(XTCP_RETRANS_SYN);
TRACE_DEFINE_ENUM(XTCP_RETRANS_RTO);
TRACE_DEFINE_ENUM(XTCP_RETRANS_FAST);
TRACE_DEFINE_ENUM(XTCP_RETRANS_TLP);
TRACE_DEFINE_ENUM(XTCP_RETRANS_OTHER);

#define xtcp_hold_name(v)					\
	__print_symbolic(v,					\
			 { XTCP_HOLD_NONE, "sent" },		\
			 { XTCP_HOLD_CWND, "cwnd" },		\
			 { XTCP_HOLD_RWND, "rwnd" },		\
			 { XTCP_HOLD_NAGLE, "nagle" },		\
			 { XTCP_HOLD_CORK, "cork" },		\
			 { XTCP_HOLD_ERROR, "xmit_error" },	\
			 { XTCP_HOLD_TSQ, "tsq" },		\
			 { XTCP_HOLD_PACING, "pacing" },	\
			 { XTCP_HOLD_DEFER, "tso_defer" })

#define xtcp_retrans_name(v)					\
	__print_symbolic(v,					\
			 { XTCP_RETRANS_SYN, "syn" },		\
			 { XTCP_RETRANS_RTO, "rto" },		\
			 { XTCP_RETRANS_FAST, "fast" },		\
			 { XTCP_RETRANS_TLP, "tlp" },		\
			 { XTCP_RETRANS_OTHER, "other" })

/* NUD_* are #defines (include/uapi/linux/neighbour.h): no enum to map. */
#define xtcp_nud_name(v)					\
	__print_symbolic(v,					\
			 { 0x00, "NONE" },			\
			 { 0x01, "INCOMPLETE" },		\
			 { 0x02, "REACHABLE" },			\
			 { 0x04, "STALE" },			\
			 { 0x08, "DELAY" },			\
			 { 0x10, "PROBE" },			\
			 { 0x20, "FAILED" },			\
			 { 0x40, "NOARP" },			\
			 { 0x80, "PERMANENT" })

#define xtcp_state_name(v)					\
	__print_symbolic(v,					\
			 { TCP_ESTABLISHED, "ESTABLISHED" },	\
			 { TCP_SYN_SENT, "SYN_SENT" },		\
			 { TCP_SYN_RECV, "SYN_RECV" },		\
			 { TCP_FIN_WAIT1, "FIN_WAIT1" },	\
			 { TCP_FIN_WAIT2, "FIN_WAIT2" },	\
			 { TCP_TIME_WAIT, "TIME_WAIT" },	\
			 { TCP_CLOSE, "CLOSE" },		\
			 { TCP_CLOSE_WAIT, "CLOSE_WAIT" },	\
			 { TCP_LAST_ACK, "LAST_ACK" },		\
			 { TCP_LISTEN, "LISTEN" },		\
			 { TCP_CLOSING, "CLOSING" })

/*
 * Assignments shared by several events. The fields stay flat and spelled
 * out in each event (not a struct) so filters and perf scripts can name
 * them.
 *
 * The connection: the socket cookie and the 4-tuple.
 */
#define XTCP_TP_TUPLE_ASSIGN(sk)					\
	do {								\
		const struct sock *sk__ = (sk);				\
		const struct inet_sock *inet__ = inet_sk(sk__);		\
									\
		__entry->cookie = xtcp_sk(sk__)->cookie;		\
		__entry->saddr = (__force __u32)inet__->inet_saddr;	\
		__entry->daddr = (__force __u32)inet__->inet_daddr;	\
		__entry->sport = ntohs(inet__->inet_sport);		\
		__entry->dport = ntohs(inet__->inet_dport);		\
	} while (0)

/* A segment on xtcp's queues: what its XTCP_SKB_CB says. */
#define XTCP_TP_CB_ASSIGN(sk, skb)					\
	do {								\
		const struct sk_buff *skb__ = (skb);			\
									\
		__entry->skbaddr = skb__;				\
		__entry->seq = XTCP_SKB_CB(skb__)->seq;			\
		__entry->end_seq = XTCP_SKB_CB(skb__)->end_seq;		\
		__entry->len = skb__->len;				\
		__entry->flags = XTCP_SKB_CB(skb__)->tcp_flags;		\
		__entry->cwnd = tcp_snd_cwnd(tcp_sk(sk));		\
	} while (0)

/*
 * A packet past transmit_skb: its cb belongs to IP by then, so the
 * sequence number and flags are read back from the TCP header.
 */
#define XTCP_TP_HDR_ASSIGN(sk, skb)					\
	do {								\
		const struct sk_buff *skb__ = (skb);			\
		const struct tcphdr *th__ = tcp_hdr(skb__);		\
									\
		__entry->skbaddr = skb__;				\
		__entry->seq = ntohl(th__->seq);			\
		__entry->len = skb__->len;				\
		__entry->flags = tcp_flag_byte(th__);			\
		__entry->cwnd = tcp_snd_cwnd(tcp_sk(sk));		\
		__entry->ifindex = xtcp_trace_ifindex(skb__);		\
	} while (0)

DECLARE_EVENT_CLASS(xtcp_segment,
		    TP_PROTO(const struct sock *sk, const struct sk_buff *skb),
		    TP_ARGS(sk, skb),
		    TP_STRUCT__entry(__field(u64, cookie)
				     __field(__u32, saddr)
				     __field(__u32, daddr)
				     __field(__u16, sport)
				     __field(__u16, dport)
				     __field(const void *, skbaddr)
				     __field(u32, seq)
				     __field(u32, end_seq)
				     __field(u32, len)
				     __field(u8, flags)
				     __field(u32, cwnd)),
		    TP_fast_assign(XTCP_TP_TUPLE_ASSIGN(sk);
				   XTCP_TP_CB_ASSIGN(sk, skb)),
		    TP_printk("cookie=%llu %pI4:%u->%pI4:%u seq=%u end_seq=%u len=%u flags=%#x cwnd=%u skb=%p",
			      __entry->cookie, &__entry->saddr, __entry->sport,
			      &__entry->daddr, __entry->dport, __entry->seq,
			      __entry->end_seq, __entry->len, __entry->flags,
			      __entry->cwnd, __entry->skbaddr)
);

/* The ip_* and neigh events: the packet as IP sees it. */
DECLARE_EVENT_CLASS(xtcp_packet,
		    TP_PROTO(const struct sock *sk, const struct sk_buff *skb),
		    TP_ARGS(sk, skb),
		    TP_STRUCT__entry(__field(u64, cookie)
				     __field(__u32, saddr)
				     __field(__u32, daddr)
				     __field(__u16, sport)
				     __field(__u16, dport)
				     __field(const void *, skbaddr)
				     __field(u32, seq)
				     __field(u32, len)
				     __field(u8, flags)
				     __field(u32, cwnd)
				     __field(int, ifindex)),
		    TP_fast_assign(XTCP_TP_TUPLE_ASSIGN(sk);
				   XTCP_TP_HDR_ASSIGN(sk, skb)),
		    TP_printk("cookie=%llu %pI4:%u->%pI4:%u seq=%u len=%u flags=%#x cwnd=%u ifindex=%d skb=%p",
			      __entry->cookie, &__entry->saddr, __entry->sport,
			      &__entry->daddr, __entry->dport, __entry->seq,
			      __entry->len, __entry->flags, __entry->cwnd,
			      __entry->ifindex, __entry->skbaddr)
);

DEFINE_EVENT(xtcp_segment, xtcp_sendmsg,
	     TP_PROTO(const struct sock *sk, const struct sk_buff *skb),
	     TP_ARGS(sk, skb));

DEFINE_EVENT(xtcp_segment, xtcp_transmit_skb,
	     TP_PROTO(const struct sock *sk, const struct sk_buff *skb),
	     TP_ARGS(sk, skb));

TRACE_EVENT(xtcp_retransmit,
	    TP_PROTO(const struct sock *sk, const struct sk_buff *skb),
	    TP_ARGS(sk, skb),
	    TP_STRUCT__entry(__field(u64, cookie)
			     __field(__u32, saddr)
			     __field(__u32, daddr)
			     __field(__u16, sport)
			     __field(__u16, dport)
			     __field(const void *, skbaddr)
			     __field(u32, seq)
			     __field(u32, end_seq)
			     __field(u32, len)
			     __field(u8, flags)
			     __field(u32, cwnd)
			     __field(u8, retrans)
			     __field(int, cause)),
	    TP_fast_assign(XTCP_TP_TUPLE_ASSIGN(sk);
			   XTCP_TP_CB_ASSIGN(sk, skb);
			   __entry->retrans = XTCP_SKB_CB(skb)->retrans;
			   __entry->cause = xtcp_retrans_cause(sk, skb)),
	    TP_printk("cookie=%llu %pI4:%u->%pI4:%u seq=%u end_seq=%u len=%u flags=%#x cwnd=%u skb=%p retrans=%u cause=%s",
		      __entry->cookie, &__entry->saddr, __entry->sport,
		      &__entry->daddr, __entry->dport, __entry->seq,
		      __entry->end_seq, __entry->len, __entry->flags,
		      __entry->cwnd, __entry->skbaddr, __entry->retrans,
		      xtcp_retrans_name(__entry->cause))
);

DEFINE_EVENT(xtcp_packet, xtcp_ip_queue_xmit,
	     TP_PROTO(const struct sock *sk, const struct sk_buff *skb),
	     TP_ARGS(sk, skb));

DEFINE_EVENT(xtcp_packet, xtcp_ip_output,
	     TP_PROTO(const struct sock *sk, const struct sk_buff *skb),
	     TP_ARGS(sk, skb));

/* The packet as it meets its neighbour, with the neighbour's state:
 * a cached header goes straight out, anything else resolves first.
 */
TRACE_EVENT(xtcp_neigh_output,
	    TP_PROTO(const struct sock *sk, const struct sk_buff *skb,
		     const struct neighbour *neigh),
	    TP_ARGS(sk, skb, neigh),
	    TP_STRUCT__entry(__field(u64, cookie)
			     __field(__u32, saddr)
			     __field(__u32, daddr)
			     __field(__u16, sport)
			     __field(__u16, dport)
			     __field(const void *, skbaddr)
			     __field(u32, seq)
			     __field(u32, len)
			     __field(u8, flags)
			     __field(u32, cwnd)
			     __field(int, ifindex)
			     __field(u8, nud_state)),
	    TP_fast_assign(XTCP_TP_TUPLE_ASSIGN(sk);
			   XTCP_TP_HDR_ASSIGN(sk, skb);
			   __entry->nud_state = READ_ONCE(neigh->nud_state)),
	    TP_printk("cookie=%llu %pI4:%u->%pI4:%u seq=%u len=%u flags=%#x cwnd=%u ifindex=%d skb=%p nud=%s",
		      __entry->cookie, &__entry->saddr, __entry->sport,
		      &__entry->daddr, __entry->dport, __entry->seq,
		      __entry->len, __entry->flags, __entry->cwnd,
		      __entry->ifindex, __entry->skbaddr,
		      xtcp_nud_name(__entry->nud_state))
);

TRACE_EVENT(xtcp_push,
	    TP_PROTO(const struct sock *sk, int flags, int mss, int nonagle),
	    TP_ARGS(sk, flags, mss, nonagle),
	    TP_STRUCT__entry(__field(u64, cookie)
			     __field(u32, write_seq)
			     __field(u32, snd_nxt)
			     __field(int, flags)
			     __field(int, mss)
			     __field(int, nonagle)),
	    TP_fast_assign(__entry->cookie = xtcp_sk(sk)->cookie;
			   __entry->write_seq = tcp_sk(sk)->write_seq;
			   __entry->snd_nxt = tcp_sk(sk)->snd_nxt;
			   __entry->flags = flags;
			   __entry->mss = mss;
			   __entry->nonagle = nonagle),
	    TP_printk("cookie=%llu write_seq=%u snd_nxt=%u msg_flags=%#x mss=%d nonagle=%#x",
		      __entry->cookie, __entry->write_seq, __entry->snd_nxt,
		      __entry->flags, __entry->mss, __entry->nonagle)
);

TRACE_EVENT(xtcp_write_xmit,
	    TP_PROTO(const struct sock *sk, const struct sk_buff *skb,
		     int reason),
	    TP_ARGS(sk, skb, reason),
	    TP_STRUCT__entry(__field(u64, cookie)
			     __field(const void *, skbaddr)
			     __field(u32, seq)
			     __field(u32, end_seq)
			     __field(u32, cwnd)
			     __field(u32, in_flight)
			     __field(u32, snd_wnd)
			     __field(u32, snd_una)
			     __field(int, reason)),
	    TP_fast_assign(__entry->cookie = xtcp_sk(sk)->cookie;
			   __entry->skbaddr = skb;
			   __entry->seq = XTCP_SKB_CB(skb)->seq;
			   __entry->end_seq = XTCP_SKB_CB(skb)->end_seq;
			   __entry->cwnd = tcp_snd_cwnd(tcp_sk(sk));
			   __entry->in_flight = tcp_sk(sk)->packets_out;
			   __entry->snd_wnd = tcp_sk(sk)->snd_wnd;
			   __entry->snd_una = tcp_sk(sk)->snd_una;
			   __entry->reason = reason),
	    TP_printk("cookie=%llu seq=%u end_seq=%u cwnd=%u in_flight=%u snd_una=%u snd_wnd=%u %s skb=%p",
		      __entry->cookie, __entry->seq, __entry->end_seq,
		      __entry->cwnd, __entry->in_flight, __entry->snd_una,
		      __entry->snd_wnd, xtcp_hold_name(__entry->reason),
		      __entry->skbaddr)
);

TRACE_EVENT(xtcp_ack,
	    TP_PROTO(const struct sock *sk, u32 ack, u32 acked, u32 wnd),
	    TP_ARGS(sk, ack, acked, wnd),
	    TP_STRUCT__entry(__field(u64, cookie)
			     __field(u32, ack)
			     __field(u32, acked)
			     __field(u32, snd_una)
			     __field(u32, snd_nxt)
			     __field(u32, wnd)
			     __field(u32, cwnd)
			     __field(u32, ssthresh)
			     __field(u32, srtt_us)
			     __field(u32, rto_ms)),
	    TP_fast_assign(__entry->cookie = xtcp_sk(sk)->cookie;
			   __entry->ack = ack;
			   __entry->acked = acked;
			   __entry->snd_una = tcp_sk(sk)->snd_una;
			   __entry->snd_nxt = tcp_sk(sk)->snd_nxt;
			   __entry->wnd = wnd;
			   __entry->cwnd = tcp_snd_cwnd(tcp_sk(sk));
			   __entry->ssthresh = tcp_sk(sk)->snd_ssthresh;
			   __entry->srtt_us = tcp_sk(sk)->srtt_us >> 3;
			   __entry->rto_ms = jiffies_to_msecs(inet_csk(sk)->icsk_rto)),
	    TP_printk("cookie=%llu ack=%u acked=%u snd_una=%u snd_nxt=%u wnd=%u cwnd=%u ssthresh=%u srtt_us=%u rto_ms=%u",
		      __entry->cookie, __entry->ack, __entry->acked,
		      __entry->snd_una, __entry->snd_nxt, __entry->wnd,
		      __entry->cwnd, __entry->ssthresh, __entry->srtt_us,
		      __entry->rto_ms)
);

TRACE_EVENT(xtcp_state,
	    TP_PROTO(const struct sock *sk, int oldstate, int newstate),
	    TP_ARGS(sk, oldstate, newstate),
	    TP_STRUCT__entry(__field(u64, cookie)
			     __field(__u32, saddr)
			     __field(__u32, daddr)
			     __field(__u16, sport)
			     __field(__u16, dport)
			     __field(int, oldstate)
			     __field(int, newstate)),
	    TP_fast_assign(XTCP_TP_TUPLE_ASSIGN(sk);
			   __entry->oldstate = oldstate;
			   __entry->newstate = newstate),
	    TP_printk("cookie=%llu %pI4:%u->%pI4:%u %s -> %s",
		      __entry->cookie, &__entry->saddr, __entry->sport,
		      &__entry->daddr, __entry->dport,
		      xtcp_state_name(__entry->oldstate),
		      xtcp_state_name(__entry->newstate))
);

#endif /* _TRACE_XTCP_H */

/* Out of tree: found through -I for xtcp_trace.o (module/Kbuild). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE xtcp
#include <trace/define_trace.h>
