// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp: per-netns socket tables, port ownership and the demux lookup.
 *
 * xtcp sockets never enter the kernel TCP established/listening hashes
 * (tcp_v4_rcv would find them and answer for them). They live in xtcp's
 * own per-netns tables; ports are taken in the kernel TCP bind hash via
 * inet_csk_get_port(), so xtcp and the host TCP never both own a port.
 *
 * Writers hold the table lock (BH); readers (the netfilter hook) walk
 * under RCU and take a reference with refcount_inc_not_zero(). As TCP's,
 * the sockets' slab is SLAB_TYPESAFE_BY_RCU: a socket seen under RCU
 * stays a socket but may be freed and reused meanwhile, so a reader
 * checks the keys again once it holds the reference, and the chains are
 * nulls lists whose end tells a reader that was led onto another chain.
 */
#include <linux/jhash.h>
#include <linux/rculist_nulls.h>
#include <net/inet_hashtables.h>
#include <net/inet_connection_sock.h>
#include <net/netns/generic.h>
#include <net/sock.h>
#include <net/xtcp.h>

unsigned int xtcp_net_id __read_mostly;

static struct xtcp_net *xtcp_pernet(const struct net *net)
{
	return net_generic(net, xtcp_net_id);
}

/* Established: keyed on the 4-tuple as seen from the local end. */
static u32 xtcp_ehashfn(const struct xtcp_net *xn, __be32 laddr, __be16 lport,
			__be32 faddr, __be16 fport)
{
	return jhash_3words((__force u32)laddr, (__force u32)faddr,
			    ((__force u32)lport << 16) | (__force u32)fport,
			    xn->seed) & ((1 << XTCP_EHASH_BITS) - 1);
}

static u32 xtcp_lhashfn(__be16 lport)
{
	return hash_32((__force u32)lport, XTCP_LHASH_BITS);
}

/* The nulls value ending lhash chain i: apart from every ehash chain's. */
#define XTCP_LHASH_NULLS(i)	((1U << XTCP_EHASH_BITS) + (i))

static u32 xtcp_portfn(__be16 lport)
{
	return hash_32((__force u32)lport, XTCP_PORTS_BITS);
}

/*
 * Whether an xtcp socket may be hashed on local port lport. A false
 * positive only costs a lookup. Lockless: a socket is hashed before the
 * first segment of its connection can arrive, and a count that drops
 * under the reader is the socket going away (see xtcp_demuxed_sk()).
 */
bool xtcp_port_used(const struct net *net, __be16 lport)
{
	return READ_ONCE(xtcp_pernet(net)->ports[xtcp_portfn(lport)]);
}

int xtcp_hash(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct inet_sock *inet = inet_sk(sk);
	struct hlist_nulls_head *head;

	if (sk->sk_state == TCP_CLOSE)
		return 0;
	if (sk->sk_state == TCP_LISTEN)
		head = &xn->lhash[xtcp_lhashfn(inet->inet_sport)];
	else
		head = &xn->ehash[xtcp_ehashfn(xn, inet->inet_rcv_saddr,
					       inet->inet_sport,
					       inet->inet_daddr,
					       inet->inet_dport)];
	spin_lock_bh(&xn->lock);
	if (sk_unhashed(sk)) {
		sock_hold(sk);		/* the table's reference */
		WRITE_ONCE(xn->ports[xtcp_portfn(inet->inet_sport)],
			   xn->ports[xtcp_portfn(inet->inet_sport)] + 1);
		__sk_nulls_add_node_rcu(sk, head);
		sock_prot_inuse_add(sock_net(sk), sk->sk_prot, 1);
	}
	spin_unlock_bh(&xn->lock);
	return 0;
}

void xtcp_unhash(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	bool was_hashed = false;

	spin_lock_bh(&xn->lock);
	if (!sk_unhashed(sk)) {
		u32 slot = xtcp_portfn(inet_sk(sk)->inet_sport);

		hlist_nulls_del_init_rcu(&sk->sk_nulls_node);
		WRITE_ONCE(xn->ports[slot], xn->ports[slot] - 1);
		sock_prot_inuse_add(sock_net(sk), sk->sk_prot, -1);
		was_hashed = true;
	}
	spin_unlock_bh(&xn->lock);
	/* The caller still holds a reference. RCU readers may still see
	 * the socket, or what its memory becomes (SLAB_TYPESAFE_BY_RCU).
	 */
	if (was_hashed)
		__sock_put(sk);
}

/*
 * The connected socket (any state but LISTEN) for a segment from
 * saddr:sport to daddr:dport, referenced, or NULL. Caller holds
 * rcu_read_lock() (softirq and netfilter hooks count).
 */
struct sock *xtcp_lookup_ehash(struct net *net, __be32 saddr, __be16 sport,
			       __be32 daddr, __be16 dport)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	u32 slot = xtcp_ehashfn(xn, daddr, dport, saddr, sport);
	struct hlist_nulls_node *node;
	struct sock *sk;

begin:
	sk_nulls_for_each_rcu(sk, node, &xn->ehash[slot]) {
		const struct inet_sock *inet = inet_sk(sk);

		if (inet->inet_sport != dport || inet->inet_dport != sport ||
		    inet->inet_rcv_saddr != daddr || inet->inet_daddr != saddr)
			continue;
		if (unlikely(!refcount_inc_not_zero(&sk->sk_refcnt)))
			goto begin;
		/* Re-check: the socket may have been freed and reused. */
		if (unlikely(inet->inet_sport != dport ||
			     inet->inet_dport != sport ||
			     inet->inet_rcv_saddr != daddr ||
			     inet->inet_daddr != saddr ||
			     !net_eq(sock_net(sk), net))) {
			sock_put(sk);
			goto begin;
		}
		return sk;
	}
	/* Led onto another chain by a socket that moved: start over. */
	if (get_nulls_value(node) != slot)
		goto begin;
	return NULL;
}

/*
 * The listener on daddr:dport (an exact local address beats a wildcard
 * one), referenced, or NULL. Caller holds rcu_read_lock().
 */
static int xtcp_listener_score(const struct sock *sk, const struct net *net,
			       __be32 daddr, __be16 dport)
{
	const struct inet_sock *inet = inet_sk(sk);

	if (inet->inet_sport != dport || sk->sk_state != TCP_LISTEN ||
	    !net_eq(sock_net(sk), net))
		return 0;
	if (inet->inet_rcv_saddr == daddr)
		return 2;
	return inet->inet_rcv_saddr ? 0 : 1;
}

struct sock *xtcp_lookup_listener(struct net *net, __be32 daddr, __be16 dport)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	u32 slot = xtcp_lhashfn(dport);
	struct hlist_nulls_node *node;
	struct sock *sk, *best;
	int score, best_score;

begin:
	best = NULL;
	best_score = 0;
	sk_nulls_for_each_rcu(sk, node, &xn->lhash[slot]) {
		score = xtcp_listener_score(sk, net, daddr, dport);
		if (score > best_score) {
			best = sk;
			best_score = score;
		}
	}
	if (get_nulls_value(node) != XTCP_LHASH_NULLS(slot))
		goto begin;
	if (!best)
		return NULL;
	if (unlikely(!refcount_inc_not_zero(&best->sk_refcnt)))
		goto begin;
	/* Re-check: the listener may have been freed and reused. */
	if (unlikely(xtcp_listener_score(best, net, daddr, dport) != best_score)) {
		sock_put(best);
		goto begin;
	}
	return best;
}

/* The connected socket on exactly this 4-tuple (local view), referenced,
 * or NULL. Used by connect() to find a duplicate or a TIME_WAIT to reuse.
 */
struct sock *xtcp_lookup_established(struct net *net, __be32 laddr,
				     __be16 lport, __be32 faddr, __be16 fport)
{
	struct sock *sk;

	rcu_read_lock();
	sk = xtcp_lookup_ehash(net, faddr, fport, laddr, lport);
	rcu_read_unlock();
	return sk;
}

/*
 * Find the socket for a segment from saddr:sport to daddr:dport: first a
 * connected socket on the exact 4-tuple, then a listener on daddr:dport.
 * Returns a referenced socket or NULL.
 */
struct sock *xtcp_lookup(struct net *net, __be32 saddr, __be16 sport,
			 __be32 daddr, __be16 dport)
{
	struct sock *sk;

	rcu_read_lock();
	sk = xtcp_lookup_ehash(net, saddr, sport, daddr, dport);
	if (!sk)
		sk = xtcp_lookup_listener(net, daddr, dport);
	rcu_read_unlock();
	return sk;
}

/*
 * Take a port in the netns' TCP bind hash: bind conflicts with the host
 * TCP are then EADDRINUSE in both directions, and an ephemeral port is
 * one no host TCP socket holds. inet_csk_get_port() only touches the
 * bind buckets (bhash, bhash2) and icsk_bind_hash/icsk_bind2_hash, never
 * the established or listening hashes.
 */
int xtcp_get_port(struct sock *sk, unsigned short snum)
{
	return inet_csk_get_port(sk, snum);
}

int xtcp_pernet_init(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	int i, err;

	spin_lock_init(&xn->lock);
	xn->seed = get_random_u32();
	for (i = 0; i < ARRAY_SIZE(xn->ehash); i++)
		INIT_HLIST_NULLS_HEAD(&xn->ehash[i], i);
	for (i = 0; i < ARRAY_SIZE(xn->lhash); i++)
		INIT_HLIST_NULLS_HEAD(&xn->lhash[i], XTCP_LHASH_NULLS(i));
	err = xtcp_proc_init_net(net);
	if (err)
		return err;
	err = xtcp_input_init_net(net);
	if (err)
		xtcp_proc_exit_net(net);
	return err;
}

void xtcp_pernet_exit(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	int i;

	xtcp_input_exit_net(net);
	xtcp_proc_exit_net(net);

	/* Every socket holds a reference on its netns (TIME_WAIT orphans
	 * too, until their timer ends them), so none is left.
	 */
	for (i = 0; i < ARRAY_SIZE(xn->ehash); i++)
		WARN_ON_ONCE(!hlist_nulls_empty(&xn->ehash[i]));
	for (i = 0; i < ARRAY_SIZE(xn->lhash); i++)
		WARN_ON_ONCE(!hlist_nulls_empty(&xn->lhash[i]));
	for (i = 0; i < ARRAY_SIZE(xn->ports); i++)
		WARN_ON_ONCE(xn->ports[i]);
}
