// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp: /proc/net/xtcp, one line per socket in the format of
 * /proc/net/tcp (so its parsers work), and /proc/net/xtcp_snmp with the
 * namespace's counters of enum xtcp_mib.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/tcp.h>
#include <net/xtcp.h>

#define XTCP_PROC_WIDTH	149	/* as TMPSZ - 1 in tcp_ipv4.c */

static void xtcp_proc_sock(struct seq_file *f, struct sock *sk, int i)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);
	const struct inet_sock *inet = inet_sk(sk);
	const struct tcp_sock *tp = tcp_sk(sk);
	int state = inet_sk_state_load(sk);
	unsigned long timer_expires;
	int timer_active, rx_queue;

	if (icsk->icsk_pending == ICSK_TIME_RETRANS ||
	    icsk->icsk_pending == ICSK_TIME_REO_TIMEOUT ||
	    icsk->icsk_pending == ICSK_TIME_LOSS_PROBE) {
		/* RACK's and TLP's timers share the retransmit slot (1). */
		timer_active = 1;
		timer_expires = icsk->icsk_timeout;
	} else if (icsk->icsk_pending == ICSK_TIME_PROBE0) {
		timer_active = 4;
		timer_expires = icsk->icsk_timeout;
	} else if (timer_pending(&inet_csk(sk)->icsk_keepalive_timer)) {
		timer_active = state == TCP_TIME_WAIT ? 3 : 2;
		timer_expires = inet_csk(sk)->icsk_keepalive_timer.expires;
	} else {
		timer_active = 0;
		timer_expires = jiffies;
	}
	if (state == TCP_LISTEN)
		rx_queue = READ_ONCE(sk->sk_ack_backlog);
	else
		rx_queue = max_t(int, READ_ONCE(tp->rcv_nxt) -
				 READ_ONCE(tp->copied_seq), 0);

	seq_setwidth(f, XTCP_PROC_WIDTH);
	seq_printf(f, "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu %d %pK %lu %lu %u %u %d",
		   i, inet->inet_rcv_saddr, ntohs(inet->inet_sport),
		   inet->inet_daddr, ntohs(inet->inet_dport), state,
		   READ_ONCE(tp->write_seq) - tp->snd_una, rx_queue,
		   timer_active, jiffies_delta_to_clock_t(timer_expires - jiffies),
		   icsk->icsk_retransmits,
		   from_kuid_munged(seq_user_ns(f), sock_i_uid(sk)),
		   icsk->icsk_probes_out, sock_i_ino(sk),
		   refcount_read(&sk->sk_refcnt), sk,
		   jiffies_to_clock_t(icsk->icsk_rto),
		   jiffies_to_clock_t(icsk->icsk_ack.ato),
		   (icsk->icsk_ack.quick << 1) | inet_csk_in_pingpong_mode(sk),
		   tcp_snd_cwnd(tp),
		   state == TCP_LISTEN ? READ_ONCE(sk->sk_max_ack_backlog) :
		   (tp->snd_ssthresh >= TCP_INFINITE_SSTHRESH ? -1 :
		    (int)tp->snd_ssthresh));
	seq_pad(f, '\n');
}

static int xtcp_proc_show(struct seq_file *f, void *v)
{
	struct xtcp_net *xn = net_generic(seq_file_single_net(f), xtcp_net_id);
	struct hlist_nulls_node *node;
	struct sock *sk;
	int i, n = 0;

	seq_setwidth(f, XTCP_PROC_WIDTH);
	seq_puts(f, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode");
	seq_pad(f, '\n');

	/* The table lock keeps every listed socket alive while we print. */
	spin_lock_bh(&xn->lock);
	for (i = 0; i < ARRAY_SIZE(xn->lhash); i++)
		sk_nulls_for_each(sk, node, &xn->lhash[i])
			xtcp_proc_sock(f, sk, n++);
	for (i = 0; i < ARRAY_SIZE(xn->ehash); i++)
		sk_nulls_for_each(sk, node, &xn->ehash[i])
			xtcp_proc_sock(f, sk, n++);
	spin_unlock_bh(&xn->lock);
	return 0;
}

static const char * const xtcp_mib_names[XTCP_MIB_MAX] = {
	[XTCP_MIB_ACTIVEOPENS]	 = "ActiveOpens",
	[XTCP_MIB_PASSIVEOPENS]	 = "PassiveOpens",
	[XTCP_MIB_ATTEMPTFAILS]	 = "AttemptFails",
	[XTCP_MIB_ESTABRESETS]	 = "EstabResets",
	[XTCP_MIB_INSEGS]	 = "InSegs",
	[XTCP_MIB_OUTSEGS]	 = "OutSegs",
	[XTCP_MIB_RETRANSSEGS]	 = "RetransSegs",
	[XTCP_MIB_INERRS]	 = "InErrs",
	[XTCP_MIB_OUTRSTS]	 = "OutRsts",
	[XTCP_MIB_INCSUMERRORS]	 = "InCsumErrors",
	[XTCP_MIB_RTOS]		 = "RTOs",
	[XTCP_MIB_FASTRETRANS]	 = "FastRetrans",
	[XTCP_MIB_LISTENDROPS]	 = "ListenDrops",
	[XTCP_MIB_OOOQUEUED]	 = "OFOQueue",
	[XTCP_MIB_CHALLENGEACKS] = "ChallengeACKs",
	[XTCP_MIB_ZEROWINDOWPROBES] = "ZeroWindowProbes",
	[XTCP_MIB_DROPNOROUTE]	 = "DropNoRoute",
	[XTCP_MIB_DROPNETFILTER] = "DropNetfilter",
	[XTCP_MIB_DROPMTU]	 = "DropMtu",
	[XTCP_MIB_DROPNOMEM]	 = "DropNoMem",
	[XTCP_MIB_DROPNONEIGH]	 = "DropNoNeigh",
	[XTCP_MIB_DROPQDISC]	 = "DropQdisc",
	[XTCP_MIB_DROPBACKLOG]	 = "DropBacklog",
	[XTCP_MIB_TSQTHROTTLED]	 = "TSQThrottled",
	[XTCP_MIB_TCPLOSSPROBES] = "TCPLossProbes",
	[XTCP_MIB_TCPLOSSPROBERECOVERY] = "TCPLossProbeRecovery",
	[XTCP_MIB_SACKREORDER]	 = "TCPSACKReorder",
	[XTCP_MIB_RACKLOSS]	 = "TCPRackLoss",
	[XTCP_MIB_HYSTARTTRAINDETECT] = "TCPHystartTrainDetect",
	[XTCP_MIB_HYSTARTTRAINCWND] = "TCPHystartTrainCwnd",
	[XTCP_MIB_HYSTARTDELAYDETECT] = "TCPHystartDelayDetect",
	[XTCP_MIB_HYSTARTDELAYCWND] = "TCPHystartDelayCwnd",
	[XTCP_MIB_DELAYEDACKLOST] = "DelayedACKLost",
	[XTCP_MIB_DSACKRECV]	 = "TCPDSACKRecv",
	[XTCP_MIB_FULLUNDO]	 = "TCPFullUndo",
	[XTCP_MIB_PARTIALUNDO]	 = "TCPPartialUndo",
	[XTCP_MIB_DSACKUNDO]	 = "TCPDSACKUndo",
	[XTCP_MIB_SPURIOUSRTXHOSTQUEUES] = "TCPSpuriousRtxHostQueues",
};

/* This namespace's counters, "Xtcp: names" then values. */
static int xtcp_snmp_show(struct seq_file *f, void *v)
{
	struct net *net = seq_file_single_net(f);
	struct xtcp_mib_net *mn = net_generic(net, xtcp_mib_net_id);
	int i, cpu;

	seq_puts(f, "Xtcp:");
	for (i = 0; i < XTCP_MIB_MAX; i++)
		seq_printf(f, " %s", xtcp_mib_names[i]);
	seq_puts(f, "\nXtcp:");
	for (i = 0; i < XTCP_MIB_MAX; i++) {
		unsigned long sum = 0;

		for_each_possible_cpu(cpu)
			sum += per_cpu_ptr(mn->mib, cpu)->mibs[i];
		seq_printf(f, " %lu", sum);
	}
	seq_putc(f, '\n');

	/* Gauges: sockets alive (any state) and orphans, module-wide. */
	seq_printf(f, "XtcpSockets: Allocated Orphans\nXtcpSockets: %lld %d\n",
		   percpu_counter_sum_positive(xtcp_prot.sockets_allocated),
		   xtcp_orphans());
	return 0;
}

int xtcp_proc_init_net(struct net *net)
{
	if (!proc_create_net_single("xtcp", 0444, net->proc_net,
				    xtcp_proc_show, NULL))
		return -ENOMEM;
	if (!proc_create_net_single("xtcp_snmp", 0444, net->proc_net,
				    xtcp_snmp_show, NULL)) {
		remove_proc_entry("xtcp", net->proc_net);
		return -ENOMEM;
	}
	return 0;
}

void xtcp_proc_exit_net(struct net *net)
{
	remove_proc_entry("xtcp_snmp", net->proc_net);
	remove_proc_entry("xtcp", net->proc_net);
}
