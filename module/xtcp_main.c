// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp: module init/exit, the AF_XTCP family and per-netns state.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/sock.h>
#include <net/inet_sock.h>
#include <net/inet_common.h>
#include <net/xtcp.h>
#include <uapi/linux/xtcp.h>

int xtcp_family = AF_XTCP;
module_param_named(family, xtcp_family, int, 0444);
MODULE_PARM_DESC(family, "address family number to register (default "
		 __stringify(AF_XTCP) ")");

/*
 * Mirror inet_create()'s protocol switch for a table holding one entry,
 * { SOCK_STREAM, IPPROTO_TCP }: a type with no entry is ESOCKTNOSUPPORT,
 * a protocol the entry does not match is EPROTONOSUPPORT.
 */
static int xtcp_create(struct net *net, struct socket *sock, int protocol,
		       int kern)
{
	struct inet_sock *inet;
	struct sock *sk;
	int err;

	if (protocol < 0 || protocol >= IPPROTO_MAX)
		return -EINVAL;
	if (sock->type != SOCK_STREAM)
		return -ESOCKTNOSUPPORT;
	if (protocol != IPPROTO_IP && protocol != IPPROTO_TCP)
		return -EPROTONOSUPPORT;

	sock->state = SS_UNCONNECTED;
	sock->ops = &xtcp_stream_ops;

	/* sk_family stays AF_INET: the bind hash, routing and the inet
	 * helpers treat the socket as the IPv4 endpoint it is.
	 */
	sk = sk_alloc(net, PF_INET, GFP_KERNEL, &xtcp_prot, kern);
	if (!sk)
		return -ENOMEM;

	sock_init_data(sock, sk);
	sk->sk_destruct = inet_sock_destruct;
	sk->sk_protocol = IPPROTO_TCP;
	sk->sk_backlog_rcv = sk->sk_prot->backlog_rcv;
	sk->sk_txrehash = READ_ONCE(net->core.sysctl_txrehash);

	inet = inet_sk(sk);
	inet_assign_bit(NODEFRAG, sk, 0);
	inet->pmtudisc = READ_ONCE(net->ipv4.sysctl_ip_no_pmtu_disc) ?
			 IP_PMTUDISC_DONT : IP_PMTUDISC_WANT;
	atomic_set(&inet->inet_id, 0);
	inet->uc_ttl = -1;
	inet_set_bit(MC_LOOP, sk);
	inet->mc_ttl = 1;
	inet_set_bit(MC_ALL, sk);
	inet->mc_index = 0;
	inet->mc_list = NULL;
	inet->rcv_tos = 0;

	err = sk->sk_prot->init(sk);
	if (err) {
		sk_common_release(sk);
		return err;
	}
	return 0;
}

static struct net_proto_family xtcp_family_ops = {
	.create	= xtcp_create,
	.owner	= THIS_MODULE,
};

static __net_init int xtcp_net_init(struct net *net)
{
	return xtcp_pernet_init(net);
}

static __net_exit void xtcp_net_exit(struct net *net)
{
	xtcp_pernet_exit(net);
}

/* The counters live apart from xtcp_net: registered first and removed
 * last, they outlive every socket and hook of the namespace.
 */
unsigned int xtcp_mib_net_id;

static __net_init int xtcp_mib_net_init(struct net *net)
{
	struct xtcp_mib_net *mn = net_generic(net, xtcp_mib_net_id);

	mn->mib = alloc_percpu(struct xtcp_mib_stats);
	return mn->mib ? 0 : -ENOMEM;
}

static __net_exit void xtcp_mib_net_exit(struct net *net)
{
	struct xtcp_mib_net *mn = net_generic(net, xtcp_mib_net_id);

	free_percpu(mn->mib);
}

static struct pernet_operations xtcp_mib_net_ops = {
	.init	= xtcp_mib_net_init,
	.exit	= xtcp_mib_net_exit,
	.id	= &xtcp_mib_net_id,
	.size	= sizeof(struct xtcp_mib_net),
};

static struct pernet_operations xtcp_net_ops = {
	.init	= xtcp_net_init,
	.exit	= xtcp_net_exit,
	.id	= &xtcp_net_id,
	.size	= sizeof(struct xtcp_net),
};

static int __init xtcp_init(void)
{
	int err;

	if (xtcp_family <= 0 || xtcp_family >= NPROTO) {
		pr_err("family=%d is out of range (1..%d)\n", xtcp_family,
		       NPROTO - 1);
		return -EINVAL;
	}
	xtcp_family_ops.family = xtcp_family;
	xtcp_tsq_init();

	err = xtcp_proto_init();
	if (err)
		return err;

	err = register_pernet_subsys(&xtcp_mib_net_ops);
	if (err)
		goto err_proto;
	err = register_pernet_subsys(&xtcp_net_ops);
	if (err)
		goto err_mib;

	/* Last: once the family is visible, sockets can be created. */
	err = sock_register(&xtcp_family_ops);
	if (err) {
		if (err == -EEXIST)
			pr_err("address family %d is already registered; load with family=N for a free N\n",
			       xtcp_family);
		else
			pr_err("sock_register(%d) failed: %d\n", xtcp_family,
			       err);
		goto err_pernet;
	}
	pr_info("registered address family %d\n", xtcp_family);
	return 0;

err_pernet:
	unregister_pernet_subsys(&xtcp_net_ops);
err_mib:
	unregister_pernet_subsys(&xtcp_mib_net_ops);
err_proto:
	xtcp_proto_exit();
	return err;
}

static void __exit xtcp_exit(void)
{
	sock_unregister(xtcp_family);
	unregister_pernet_subsys(&xtcp_net_ops);
	unregister_pernet_subsys(&xtcp_mib_net_ops);
	xtcp_proto_exit();
	/* The last socket may have gone from a callback in softirq (an skb
	 * destructor, the pacing timer) that is still returning through this
	 * module's text: wait for every BH section to end.
	 */
	synchronize_rcu();
	xtcp_tsq_exit();
}

module_init(xtcp_init);
module_exit(xtcp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xtcp: the TCP/IPv4 send path as a loadable protocol family");
MODULE_ALIAS_NETPROTO(AF_XTCP);
