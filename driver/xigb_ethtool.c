// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_igb: ethtool operations. Driver info, link settings, ring sizes
 * (-g/-G), interrupt moderation (-c/-C), channels and RSS (read only),
 * private flags (--set-priv-flags), and the statistics of -S: per-queue
 * traffic, queue stop/wake, NAPI polls and TX descriptors reclaimed
 * (divide by polls for descriptors per poll).
 */
#include <linux/ethtool.h>
#include <linux/linkmode.h>
#include <linux/netdevice.h>

#include "xigb.h"

struct xigb_stat {
	const char *name;
	size_t offset;
	bool clean;	/* written by the TX clean (clean_syncp) */
};

#define XIGB_TX_STAT(m)	{ #m, offsetof(struct xigb_tx_stats, m), false }
#define XIGB_TXC_STAT(m) { #m, offsetof(struct xigb_tx_stats, m), true }
#define XIGB_RX_STAT(m)	{ #m, offsetof(struct xigb_rx_stats, m), false }

/* "restarts" counts both ways a stopped queue runs again (+ wakes) */
static const struct xigb_stat xigb_tx_stat_desc[] = {
	XIGB_TXC_STAT(packets),
	XIGB_TXC_STAT(bytes),
	XIGB_TX_STAT(tso_packets),
	XIGB_TX_STAT(csum_offload),
	XIGB_TX_STAT(stops),
	XIGB_TX_STAT(restarts),
	XIGB_TX_STAT(busy),
	XIGB_TX_STAT(dma_errors),
	XIGB_TX_STAT(early_reaps),
};

static const struct xigb_stat xigb_rx_stat_desc[] = {
	XIGB_RX_STAT(packets),
	XIGB_RX_STAT(bytes),
	XIGB_RX_STAT(alloc_failed),
	XIGB_RX_STAT(csum_err),
	XIGB_RX_STAT(frame_errors),
	XIGB_RX_STAT(drops),
};

static const char * const xigb_global_stat_names[] = {
	"tx_timeout_count",
	"reset_count",
	"rx_missed_errors",
	"rx_no_buffer_count",
	"rx_crc_errors",
	"rx_hw_good_packets",
	"tx_hw_good_packets",
};

/* bit n is XIGB_FLAG_* bit n */
static const char * const xigb_priv_flag_names[] = {
	"tx-reap-at-doorbell",
};

#define XIGB_TX_NSTATS	ARRAY_SIZE(xigb_tx_stat_desc)
#define XIGB_RX_NSTATS	ARRAY_SIZE(xigb_rx_stat_desc)
/* per queue: tx stats, rx stats, rx hw drops, napi polls, tx descs cleaned */
#define XIGB_Q_NSTATS	(XIGB_TX_NSTATS + XIGB_RX_NSTATS + 3)

static void xigb_get_drvinfo(struct net_device *netdev,
			     struct ethtool_drvinfo *info)
{
	struct xigb_adapter *adapter = netdev_priv(netdev);

	strscpy(info->driver, xigb_driver_name, sizeof(info->driver));
	strscpy(info->bus_info, pci_name(adapter->pdev),
		sizeof(info->bus_info));
}

/* registers dumped by ethtool -d, in this order (offsets are in the dump) */
static const u32 xigb_dump_regs[] = {
	XIGB_CTRL, XIGB_STATUS, XIGB_CTRL_EXT, XIGB_RCTL, XIGB_TCTL,
	XIGB_IMS, XIGB_GPIE, XIGB_EIMS, XIGB_EIAC, XIGB_EIAM, XIGB_IVAR_MISC,
	XIGB_RXCSUM, XIGB_RLPML, XIGB_MRQC, XIGB_RAL(0), XIGB_RAH(0),
};

#define XIGB_QDUMP_REGS	10

static int xigb_get_regs_len(struct net_device *netdev)
{
	struct xigb_adapter *adapter = netdev_priv(netdev);

	return 2 * sizeof(u32) * (ARRAY_SIZE(xigb_dump_regs) +
				  adapter->num_queues * XIGB_QDUMP_REGS);
}

/* pairs of (offset, value), so the dump reads without a decoder */
static void xigb_get_regs(struct net_device *netdev,
			  struct ethtool_regs *regs, void *p)
{
	struct xigb_adapter *adapter = netdev_priv(netdev);
	u32 *buf = p;
	unsigned int i;

	regs->version = 1;
	for (i = 0; i < ARRAY_SIZE(xigb_dump_regs); i++) {
		*buf++ = xigb_dump_regs[i];
		*buf++ = xigb_rd32(adapter, xigb_dump_regs[i]);
	}
	for (i = 0; i < adapter->num_queues; i++) {
		const u32 q[XIGB_QDUMP_REGS] = {
			XIGB_RDLEN(i), XIGB_SRRCTL(i), XIGB_RDH(i), XIGB_RDT(i),
			XIGB_RXDCTL(i), XIGB_TDLEN(i), XIGB_TDH(i), XIGB_TDT(i),
			XIGB_TXDCTL(i), XIGB_IVAR0(i),
		};
		unsigned int j;

		for (j = 0; j < XIGB_QDUMP_REGS; j++) {
			*buf++ = q[j];
			*buf++ = xigb_rd32(adapter, q[j]);
		}
	}
}

static int xigb_get_link_ksettings(struct net_device *netdev,
				   struct ethtool_link_ksettings *cmd)
{
	struct xigb_adapter *adapter = netdev_priv(netdev);
	unsigned long *modes = cmd->link_modes.supported;

	linkmode_zero(modes);
	linkmode_set_bit(ETHTOOL_LINK_MODE_10baseT_Half_BIT, modes);
	linkmode_set_bit(ETHTOOL_LINK_MODE_10baseT_Full_BIT, modes);
	linkmode_set_bit(ETHTOOL_LINK_MODE_100baseT_Half_BIT, modes);
	linkmode_set_bit(ETHTOOL_LINK_MODE_100baseT_Full_BIT, modes);
	linkmode_set_bit(ETHTOOL_LINK_MODE_1000baseT_Full_BIT, modes);
	linkmode_set_bit(ETHTOOL_LINK_MODE_Autoneg_BIT, modes);
	linkmode_set_bit(ETHTOOL_LINK_MODE_TP_BIT, modes);
	linkmode_copy(cmd->link_modes.advertising, modes);

	cmd->base.port = PORT_TP;
	cmd->base.phy_address = XIGB_PHY_ADDR;
	cmd->base.autoneg = AUTONEG_ENABLE;
	if (netif_carrier_ok(netdev)) {
		cmd->base.speed = adapter->link_speed;
		cmd->base.duplex = adapter->link_duplex;
	} else {
		cmd->base.speed = SPEED_UNKNOWN;
		cmd->base.duplex = DUPLEX_UNKNOWN;
	}
	return 0;
}

static void xigb_get_ringparam(struct net_device *netdev,
			       struct ethtool_ringparam *ring,
			       struct kernel_ethtool_ringparam *kring,
			       struct netlink_ext_ack *extack)
{
	struct xigb_adapter *adapter = netdev_priv(netdev);

	ring->rx_max_pending = XIGB_MAX_DESC;
	ring->tx_max_pending = XIGB_MAX_DESC;
	ring->rx_pending = adapter->rx_ring_count;
	ring->tx_pending = adapter->tx_ring_count;
}

static int xigb_set_ringparam(struct net_device *netdev,
			      struct ethtool_ringparam *ring,
			      struct kernel_ethtool_ringparam *kring,
			      struct netlink_ext_ack *extack)
{
	struct xigb_adapter *adapter = netdev_priv(netdev);

	if (ring->rx_mini_pending || ring->rx_jumbo_pending) {
		NL_SET_ERR_MSG_MOD(extack, "mini and jumbo rings are not supported");
		return -EINVAL;
	}
	/* the core rejects sizes above the maxima reported above */
	if (ring->tx_pending < XIGB_MIN_DESC || ring->rx_pending < XIGB_MIN_DESC ||
	    ring->tx_pending > XIGB_MAX_DESC || ring->rx_pending > XIGB_MAX_DESC) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "ring size must be %u to %u",
				       XIGB_MIN_DESC, XIGB_MAX_DESC);
		return -EINVAL;
	}
	/* descriptor ring length must be a multiple of 128 bytes */
	return xigb_set_ring_count(adapter,
				   ALIGN(ring->tx_pending, XIGB_DESC_ALIGN),
				   ALIGN(ring->rx_pending, XIGB_DESC_ALIGN));
}

static int xigb_get_coalesce(struct net_device *netdev,
			     struct ethtool_coalesce *ec,
			     struct kernel_ethtool_coalesce *kec,
			     struct netlink_ext_ack *extack)
{
	struct xigb_adapter *adapter = netdev_priv(netdev);

	/* one vector serves a TX/RX pair, so rx-usecs is the only knob */
	ec->rx_coalesce_usecs = adapter->itr_usecs;
	return 0;
}

static int xigb_set_coalesce(struct net_device *netdev,
			     struct ethtool_coalesce *ec,
			     struct kernel_ethtool_coalesce *kec,
			     struct netlink_ext_ack *extack)
{
	struct xigb_adapter *adapter = netdev_priv(netdev);

	if (ec->rx_coalesce_usecs > XIGB_MAX_ITR_USECS) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "rx-usecs must be 0 to %u",
				       XIGB_MAX_ITR_USECS);
		return -EINVAL;
	}
	xigb_set_itr_all(adapter, ec->rx_coalesce_usecs);
	return 0;
}

static void xigb_get_channels(struct net_device *netdev,
			      struct ethtool_channels *ch)
{
	struct xigb_adapter *adapter = netdev_priv(netdev);
	bool msix = adapter->irq_mode == XIGB_IRQ_MSIX;

	ch->max_combined = adapter->num_queues;
	ch->combined_count = adapter->num_queues;
	ch->max_other = msix;
	ch->other_count = msix;
}

static u32 xigb_get_rxfh_indir_size(struct net_device *netdev)
{
	return XIGB_RETA_REGS * 4;
}

static u32 xigb_get_rxfh_key_size(struct net_device *netdev)
{
	return XIGB_RSSRK_REGS * 4;
}

static int xigb_get_rxfh(struct net_device *netdev,
			 struct ethtool_rxfh_param *rxfh)
{
	struct xigb_adapter *adapter = netdev_priv(netdev);
	unsigned int i;

	rxfh->hfunc = ETH_RSS_HASH_TOP;
	if (rxfh->indir)
		for (i = 0; i < ARRAY_SIZE(adapter->rss_indir); i++)
			rxfh->indir[i] = adapter->rss_indir[i];
	if (rxfh->key)
		memcpy(rxfh->key, adapter->rss_key, sizeof(adapter->rss_key));
	return 0;
}

static int xigb_get_sset_count(struct net_device *netdev, int sset)
{
	struct xigb_adapter *adapter = netdev_priv(netdev);

	switch (sset) {
	case ETH_SS_STATS:
		return ARRAY_SIZE(xigb_global_stat_names) +
		       adapter->num_queues * XIGB_Q_NSTATS;
	case ETH_SS_PRIV_FLAGS:
		return ARRAY_SIZE(xigb_priv_flag_names);
	default:
		return -EOPNOTSUPP;
	}
}

static void xigb_get_strings(struct net_device *netdev, u32 sset, u8 *data)
{
	struct xigb_adapter *adapter = netdev_priv(netdev);
	unsigned int q, i;

	if (sset == ETH_SS_PRIV_FLAGS) {
		for (i = 0; i < ARRAY_SIZE(xigb_priv_flag_names); i++)
			ethtool_puts(&data, xigb_priv_flag_names[i]);
		return;
	}
	if (sset != ETH_SS_STATS)
		return;
	for (i = 0; i < ARRAY_SIZE(xigb_global_stat_names); i++)
		ethtool_puts(&data, xigb_global_stat_names[i]);
	for (q = 0; q < adapter->num_queues; q++) {
		for (i = 0; i < XIGB_TX_NSTATS; i++)
			ethtool_sprintf(&data, "tx_queue_%u_%s", q,
					xigb_tx_stat_desc[i].name);
		for (i = 0; i < XIGB_RX_NSTATS; i++)
			ethtool_sprintf(&data, "rx_queue_%u_%s", q,
					xigb_rx_stat_desc[i].name);
		ethtool_sprintf(&data, "rx_queue_%u_hw_drops", q);
		ethtool_sprintf(&data, "q_vector_%u_napi_polls", q);
		ethtool_sprintf(&data, "q_vector_%u_tx_cleaned_desc", q);
	}
}

static u64 xigb_stat_read(const void *stats, const struct xigb_stat *desc)
{
	return *(const u64 *)((const u8 *)stats + desc->offset);
}

static void xigb_get_ethtool_stats(struct net_device *netdev,
				   struct ethtool_stats *stats, u64 *data)
{
	struct xigb_adapter *adapter = netdev_priv(netdev);
	struct xigb_hw_stats *hs = &adapter->hw_stats;
	unsigned long flags;
	unsigned int q, i, start;

	xigb_update_hw_stats(adapter);
	*data++ = atomic64_read(&adapter->tx_timeout_count);
	*data++ = atomic64_read(&adapter->reset_count);
	spin_lock_irqsave(&adapter->stats_lock, flags);
	*data++ = hs->mpc;
	*data++ = hs->rnbc;
	*data++ = hs->crcerrs;
	*data++ = hs->gprc;
	*data++ = hs->gptc;
	spin_unlock_irqrestore(&adapter->stats_lock, flags);

	for (q = 0; q < adapter->num_queues; q++) {
		struct xigb_q_vector *q_vector = adapter->q_vector[q];
		struct xigb_ring *tx = &q_vector->tx, *rx = &q_vector->rx;
		u64 *p, wakes;

		do {
			start = u64_stats_fetch_begin(&tx->syncp);
			for (i = 0, p = data; i < XIGB_TX_NSTATS; i++, p++)
				if (!xigb_tx_stat_desc[i].clean)
					*p = xigb_stat_read(&tx->tx_stats,
							    &xigb_tx_stat_desc[i]);
		} while (u64_stats_fetch_retry(&tx->syncp, start));
		do {
			start = u64_stats_fetch_begin(&tx->clean_syncp);
			for (i = 0, p = data; i < XIGB_TX_NSTATS; i++, p++)
				if (xigb_tx_stat_desc[i].clean)
					*p = xigb_stat_read(&tx->tx_stats,
							    &xigb_tx_stat_desc[i]);
			wakes = tx->tx_stats.wakes;
		} while (u64_stats_fetch_retry(&tx->clean_syncp, start));
		for (i = 0; i < XIGB_TX_NSTATS; i++)
			if (xigb_tx_stat_desc[i].offset ==
			    offsetof(struct xigb_tx_stats, restarts))
				data[i] += wakes;
		data += XIGB_TX_NSTATS;

		do {
			start = u64_stats_fetch_begin(&rx->syncp);
			for (i = 0, p = data; i < XIGB_RX_NSTATS; i++)
				*p++ = xigb_stat_read(&rx->rx_stats,
						      &xigb_rx_stat_desc[i]);
		} while (u64_stats_fetch_retry(&rx->syncp, start));
		data += XIGB_RX_NSTATS;

		spin_lock_irqsave(&adapter->stats_lock, flags);
		*data++ = hs->rqdpc[q];
		spin_unlock_irqrestore(&adapter->stats_lock, flags);

		do {
			start = u64_stats_fetch_begin(&q_vector->syncp);
			data[0] = q_vector->polls;
			data[1] = q_vector->tx_cleaned_desc;
		} while (u64_stats_fetch_retry(&q_vector->syncp, start));
		data += 2;
	}
}

static u32 xigb_get_priv_flags(struct net_device *netdev)
{
	struct xigb_adapter *adapter = netdev_priv(netdev);

	return adapter->flags;
}

static int xigb_set_priv_flags(struct net_device *netdev, u32 flags)
{
	struct xigb_adapter *adapter = netdev_priv(netdev);

	if (flags & ~GENMASK(ARRAY_SIZE(xigb_priv_flag_names) - 1, 0))
		return -EINVAL;
	WRITE_ONCE(adapter->flags, flags);
	return 0;
}

static const struct ethtool_ops xigb_ethtool_ops = {
	.supported_coalesce_params = ETHTOOL_COALESCE_RX_USECS,
	.get_drvinfo		= xigb_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_regs_len		= xigb_get_regs_len,
	.get_regs		= xigb_get_regs,
	.get_link_ksettings	= xigb_get_link_ksettings,
	.get_ringparam		= xigb_get_ringparam,
	.set_ringparam		= xigb_set_ringparam,
	.get_coalesce		= xigb_get_coalesce,
	.set_coalesce		= xigb_set_coalesce,
	.get_channels		= xigb_get_channels,
	.get_rxfh_indir_size	= xigb_get_rxfh_indir_size,
	.get_rxfh_key_size	= xigb_get_rxfh_key_size,
	.get_rxfh		= xigb_get_rxfh,
	.get_sset_count		= xigb_get_sset_count,
	.get_strings		= xigb_get_strings,
	.get_ethtool_stats	= xigb_get_ethtool_stats,
	.get_priv_flags		= xigb_get_priv_flags,
	.set_priv_flags		= xigb_set_priv_flags,
};

/**
 * xigb_set_ethtool_ops() - attach the ethtool operations at probe
 * @netdev: our device
 */
void xigb_set_ethtool_ops(struct net_device *netdev)
{
	netdev->ethtool_ops = &xigb_ethtool_ops;
}
