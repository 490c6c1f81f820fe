// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp: IP output of xtcp's own.
 *
 *   xtcp_ip_queue_xmit - route (cached on the socket, revalidated when
 *                        stale), IP header (DF, ID, TTL, TOS)
 *   xtcp_ip_output     - NF_INET_LOCAL_OUT and NF_INET_POST_ROUTING, so
 *                        iptables/nftables rules see xtcp as they see TCP
 *   xtcp_neigh_output  - neighbour lookup or creation, then the cached
 *                        hardware header or resolution (ARP), and from
 *                        there dev_queue_xmit()
 */
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <net/arp.h>
#include <net/dst.h>
#include <net/gso.h>
#include <net/ip.h>
#include <net/neighbour.h>
#include <net/route.h>
#include <net/xtcp.h>
#include <trace/events/xtcp.h>

/* The socket's route: the cached one if still valid, else a new lookup,
 * cached with sk_setup_caps(). Caller holds the socket lock.
 */
struct rtable *xtcp_ip_route(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);
	struct flowi4 fl4;
	struct rtable *rt;

	rt = dst_rtable(__sk_dst_check(sk, 0));
	if (rt)
		return rt;
	rt = ip_route_output_ports(sock_net(sk), &fl4, sk, inet->inet_daddr,
				   inet->inet_saddr, inet->inet_dport,
				   inet->inet_sport, IPPROTO_TCP,
				   RT_TOS(READ_ONCE(inet->tos)),
				   sk->sk_bound_dev_if);
	if (IS_ERR(rt))
		return rt;
	sk_setup_caps(sk, &rt->dst);
	return rt;
}

static int xtcp_neigh_output(struct net *net, struct sock *sk,
			     struct sk_buff *skb)
{
	struct dst_entry *dst = skb_dst(skb);
	struct rtable *rt = dst_rtable(dst);
	struct net_device *dev = dst->dev;
	unsigned int hh_len = LL_RESERVED_SPACE(dev);
	struct neighbour *neigh;
	bool is_v6gw = false;
	int res;

	if (unlikely(skb_headroom(skb) < hh_len && dev->header_ops)) {
		skb = skb_expand_head(skb, hh_len);
		if (!skb) {
			xtcp_net_mib_inc(net, XTCP_MIB_DROPNOMEM);
			return -ENOMEM;
		}
	}

	rcu_read_lock();
	neigh = ip_neigh_for_gw(rt, skb, &is_v6gw);
	if (IS_ERR(neigh)) {
		rcu_read_unlock();
		net_dbg_ratelimited("xtcp: no neighbour for %pI4\n",
				    &ip_hdr(skb)->daddr);
		xtcp_net_mib_inc(net, XTCP_MIB_DROPNONEIGH);
		kfree_skb(skb);
		return -EINVAL;
	}
	sock_confirm_neigh(skb, neigh);
	trace_xtcp_neigh_output(sk, skb, neigh);
	/* Cached hardware header, or the neighbour's output: resolution
	 * (ARP) queues the skb on the neighbour and sends it once resolved.
	 */
	res = neigh_output(neigh, skb, is_v6gw);
	rcu_read_unlock();
	if (unlikely(res == NET_XMIT_DROP))
		xtcp_net_mib_inc(net, XTCP_MIB_DROPQDISC);
	return res;
}

static int xtcp_finish_output(struct net *net, struct sock *sk,
			      struct sk_buff *skb)
{
	unsigned int mtu = dst_mtu(skb_dst(skb));

	/* Segments are cut to the path MSS and carry DF; if the route's
	 * MTU shrank under us, drop and let the retransmission use the
	 * new MSS (xtcp_current_mss() follows dst_mtu()). GSO packets are
	 * checked per segment.
	 */
	if (unlikely(skb->len > mtu && !skb->ignore_df &&
		     !(skb_is_gso(skb) &&
		       skb_gso_validate_network_len(skb, mtu)))) {
		xtcp_net_mib_inc(net, XTCP_MIB_DROPMTU);
		kfree_skb(skb);
		return -EMSGSIZE;
	}
	return xtcp_neigh_output(net, sk, skb);
}

static int xtcp_ip_output(struct net *net, struct sock *sk,
			  struct sk_buff *skb)
{
	struct net_device *dev = skb_dst(skb)->dev, *indev = skb->dev;
	int err;

	skb->dev = dev;
	skb->protocol = htons(ETH_P_IP);
	trace_xtcp_ip_output(sk, skb);
	/* A packet LOCAL_OUT rerouted has been through POST_ROUTING. */
	if (IPCB(skb)->flags & IPSKB_REROUTED)
		return xtcp_finish_output(net, sk, skb);
	err = nf_hook(NFPROTO_IPV4, NF_INET_POST_ROUTING, net, sk, skb,
		      indev, dev, xtcp_finish_output);
	if (likely(err == 1))
		return xtcp_finish_output(net, sk, skb);
	if (err < 0)
		xtcp_net_mib_inc(net, XTCP_MIB_DROPNETFILTER);
	return err;
}

/* LOCAL_OUT, as __ip_local_out(); a verdict may reroute the skb. */
static int xtcp_ip_local_out(struct net *net, struct sock *sk,
			     struct sk_buff *skb)
{
	struct iphdr *iph = ip_hdr(skb);
	int err;

	iph->tot_len = htons(skb->len);
	ip_send_check(iph);
	skb->protocol = htons(ETH_P_IP);

	err = nf_hook(NFPROTO_IPV4, NF_INET_LOCAL_OUT, net, sk, skb, NULL,
		      skb_dst(skb)->dev, xtcp_ip_output);
	if (likely(err == 1))
		err = xtcp_ip_output(net, sk, skb);
	else if (err < 0)
		xtcp_net_mib_inc(net, XTCP_MIB_DROPNETFILTER);
	return err;
}

int xtcp_ip_queue_xmit(struct sock *sk, struct sk_buff *skb)
{
	struct inet_sock *inet = inet_sk(sk);
	struct net *net = sock_net(sk);
	struct rtable *rt;
	struct iphdr *iph;
	int ttl, res;

	rcu_read_lock();
	rt = xtcp_ip_route(sk);
	if (IS_ERR(rt)) {
		/* As ip_queue_xmit() and inet_sk_rebuild_header(): the
		 * error is soft, reported if the connection times out.
		 */
		rcu_read_unlock();
		IP_INC_STATS(net, IPSTATS_MIB_OUTNOROUTES);
		xtcp_net_mib_inc(net, XTCP_MIB_DROPNOROUTE);
		WRITE_ONCE(sk->sk_err_soft, -PTR_ERR(rt));
		kfree_skb(skb);
		return -EHOSTUNREACH;
	}
	/* No reference per segment, as ip_queue_xmit(): the route stays
	 * valid until rcu_read_unlock() below, and whatever keeps the skb
	 * past that (qdisc, neighbour queue, NF_QUEUE) calls
	 * skb_dst_force().
	 */
	skb_dst_set_noref(skb, &rt->dst);

	skb_push(skb, sizeof(struct iphdr));
	skb_reset_network_header(skb);
	iph = ip_hdr(skb);
	*((__be16 *)iph) = htons((4 << 12) | (5 << 8) |
				 (READ_ONCE(inet->tos) & 0xff));
	iph->frag_off = ip_dont_fragment(sk, &rt->dst) ? htons(IP_DF) : 0;
	ttl = READ_ONCE(inet->uc_ttl);
	iph->ttl = ttl < 0 ? ip4_dst_hoplimit(&rt->dst) : ttl;
	iph->protocol = IPPROTO_TCP;
	iph->saddr = inet->inet_saddr;
	iph->daddr = inet->inet_daddr;
	/* A GSO skb's segments take consecutive IDs, as TCP's do. */
	ip_select_ident_segs(net, skb, sk, skb_shinfo(skb)->gso_segs ? : 1);

	skb->priority = READ_ONCE(sk->sk_priority);
	skb->mark = READ_ONCE(sk->sk_mark);
	trace_xtcp_ip_queue_xmit(sk, skb);
	res = xtcp_ip_local_out(net, sk, skb);
	rcu_read_unlock();
	return res;
}
