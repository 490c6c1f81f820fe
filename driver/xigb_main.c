// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_igb: an igb-derived driver for the Intel 82576 (PCI 8086:10c9),
 * written small and traceable for the xtcp project. This file holds the
 * PCI glue, the net_device_ops, bring-up/tear-down (up/down), link
 * supervision (watchdog) and recovery (reset task).
 *
 * Life cycle: probe resets the device, reads its MAC address, decides the
 * interrupt scheme and registers the netdev with the carrier off. Open
 * allocates rings and IRQs and calls xigb_up(); the watchdog turns the
 * carrier on when STATUS.LU says so (prompted by the LSC interrupt). Close
 * and remove go through xigb_down(), which resets the device before any
 * buffer is unmapped, so no DMA can reach freed memory.
 */
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/rtnetlink.h>

#include "xigb.h"

#define CREATE_TRACE_POINTS
#include "xtcp_igb_trace.h"

#define XIGB_WATCHDOG_PERIOD	(2 * HZ)
#define XIGB_DEV_ID_82576	0x10C9

char xigb_driver_name[] = XIGB_DRV_NAME;

static const struct pci_device_id xigb_pci_tbl[] = {
	{ PCI_VDEVICE(INTEL, XIGB_DEV_ID_82576) },
	{ }
};
MODULE_DEVICE_TABLE(pci, xigb_pci_tbl);

/**
 * xigb_update_hw_stats() - fold the clear-on-read MAC counters into totals
 * @adapter: board private structure
 *
 * Any context; serialised by stats_lock.
 */
void xigb_update_hw_stats(struct xigb_adapter *adapter)
{
	struct xigb_hw_stats *hs = &adapter->hw_stats;
	unsigned long flags;
	unsigned int i;

	if (test_bit(XIGB_STATE_REMOVING, &adapter->state))
		return;

	spin_lock_irqsave(&adapter->stats_lock, flags);
	hs->mpc += xigb_rd32(adapter, XIGB_MPC);
	hs->rnbc += xigb_rd32(adapter, XIGB_RNBC);
	hs->crcerrs += xigb_rd32(adapter, XIGB_CRCERRS);
	hs->ruc += xigb_rd32(adapter, XIGB_RUC);
	hs->roc += xigb_rd32(adapter, XIGB_ROC);
	hs->gprc += xigb_rd32(adapter, XIGB_GPRC);
	hs->gptc += xigb_rd32(adapter, XIGB_GPTC);
	for (i = 0; i < adapter->num_queues; i++)
		hs->rqdpc[i] += xigb_rd32(adapter, XIGB_RQDPC(i));
	spin_unlock_irqrestore(&adapter->stats_lock, flags);
}

static void xigb_free_rings(struct xigb_adapter *adapter)
{
	unsigned int i;

	for (i = 0; i < adapter->num_q_vectors; i++) {
		struct xigb_q_vector *q_vector = adapter->q_vector[i];

		xigb_clean_tx_ring(&q_vector->tx);
		xigb_free_tx_ring(&q_vector->tx);
		xigb_clean_rx_ring(&q_vector->rx);
		xigb_free_rx_ring(&q_vector->rx);
	}
}

static int xigb_alloc_rings(struct xigb_adapter *adapter)
{
	unsigned int i;
	int err;

	for (i = 0; i < adapter->num_q_vectors; i++) {
		struct xigb_q_vector *q_vector = adapter->q_vector[i];

		q_vector->tx.count = adapter->tx_ring_count;
		q_vector->rx.count = adapter->rx_ring_count;
		err = xigb_setup_tx_ring(&q_vector->tx);
		if (!err)
			err = xigb_setup_rx_ring(&q_vector->rx);
		if (err) {
			xigb_free_rings(adapter);
			return err;
		}
	}
	return 0;
}

/**
 * xigb_up() - program the device and start traffic
 * @adapter: board private structure; rings allocated, IRQs requested
 *
 * Caller holds RTNL (or is probe/open). The carrier stays off until the
 * watchdog sees the link.
 */
void xigb_up(struct xigb_adapter *adapter)
{
	unsigned int i;

	xigb_configure_vectors(adapter);
	xigb_hw_configure_tx(adapter);
	xigb_hw_configure_rx(adapter);
	for (i = 0; i < adapter->num_queues; i++) {
		struct xigb_ring *rx = &adapter->q_vector[i]->rx;

		xigb_alloc_rx_buffers(rx, xigb_desc_unused(rx));
	}

	clear_bit(XIGB_STATE_DOWN, &adapter->state);
	for (i = 0; i < adapter->num_q_vectors; i++)
		napi_enable(&adapter->q_vector[i]->napi);

	/* drop causes latched while the device was being programmed */
	xigb_rd32(adapter, XIGB_ICR);
	xigb_rd32(adapter, XIGB_EICR);
	xigb_irq_enable(adapter);
	netif_tx_start_all_queues(adapter->netdev);

	xigb_hw_start_link(adapter);
	mod_delayed_work(system_wq, &adapter->watchdog_task, 0);
}

/**
 * xigb_down() - stop traffic, reset the device and drop queued buffers
 * @adapter: board private structure
 *
 * Caller holds RTNL. On return the device does no DMA, NAPI is disabled,
 * interrupts are masked and every TX/RX buffer is released; rings and IRQs
 * stay allocated.
 */
void xigb_down(struct xigb_adapter *adapter)
{
	struct net_device *netdev = adapter->netdev;
	unsigned int i;

	if (test_and_set_bit(XIGB_STATE_DOWN, &adapter->state))
		return;

	xigb_hw_disable_rxtx(adapter);
	netif_carrier_off(netdev);
	netif_tx_disable(netdev);
	xigb_irq_disable(adapter);
	for (i = 0; i < adapter->num_q_vectors; i++)
		napi_disable(&adapter->q_vector[i]->napi);
	cancel_delayed_work_sync(&adapter->watchdog_task);

	xigb_update_hw_stats(adapter);
	xigb_hw_reset(adapter);
	adapter->link_up = false;

	for (i = 0; i < adapter->num_q_vectors; i++) {
		xigb_clean_tx_ring(&adapter->q_vector[i]->tx);
		xigb_clean_rx_ring(&adapter->q_vector[i]->rx);
	}
}

/**
 * xigb_reinit_locked() - down and up again (recovery, MTU change)
 * @adapter: board private structure
 *
 * Caller holds RTNL and has checked netif_running().
 */
void xigb_reinit_locked(struct xigb_adapter *adapter)
{
	set_bit(XIGB_STATE_RESETTING, &adapter->state);
	xigb_down(adapter);
	xigb_up(adapter);
	atomic64_inc(&adapter->reset_count);
	clear_bit(XIGB_STATE_RESETTING, &adapter->state);
}

static int xigb_open(struct net_device *netdev)
{
	struct xigb_adapter *adapter = netdev_priv(netdev);
	int err;

	netif_carrier_off(netdev);
	err = xigb_alloc_rings(adapter);
	if (err)
		return err;
	err = xigb_request_irqs(adapter);
	if (err) {
		xigb_free_rings(adapter);
		return err;
	}
	xigb_up(adapter);
	return 0;
}

static int xigb_close(struct net_device *netdev)
{
	struct xigb_adapter *adapter = netdev_priv(netdev);

	xigb_down(adapter);
	xigb_free_irqs(adapter);
	xigb_free_rings(adapter);
	return 0;
}

/**
 * xigb_set_ring_count() - resize the TX and RX rings (ethtool -G)
 * @adapter: board private structure
 * @tx: new TX descriptor count, validated by the caller
 * @rx: new RX descriptor count, validated by the caller
 *
 * Caller holds RTNL. On allocation failure the old sizes are restored.
 *
 * Return: 0 or -ENOMEM.
 */
int xigb_set_ring_count(struct xigb_adapter *adapter, u16 tx, u16 rx)
{
	struct net_device *netdev = adapter->netdev;
	u16 old_tx = adapter->tx_ring_count, old_rx = adapter->rx_ring_count;
	int err;

	if (tx == old_tx && rx == old_rx)
		return 0;
	adapter->tx_ring_count = tx;
	adapter->rx_ring_count = rx;
	if (!netif_running(netdev))
		return 0;

	xigb_down(adapter);
	xigb_free_rings(adapter);
	err = xigb_alloc_rings(adapter);
	if (err) {
		adapter->tx_ring_count = old_tx;
		adapter->rx_ring_count = old_rx;
		if (xigb_alloc_rings(adapter)) {
			netdev_err(netdev, "no memory for rings, closing\n");
			dev_close(netdev);
			return err;
		}
	}
	xigb_up(adapter);
	return err;
}

static void xigb_watchdog_task(struct work_struct *work)
{
	struct xigb_adapter *adapter = container_of(to_delayed_work(work),
						    struct xigb_adapter,
						    watchdog_task);
	struct net_device *netdev = adapter->netdev;
	u8 duplex = DUPLEX_UNKNOWN;
	u16 speed = SPEED_UNKNOWN;
	bool link;

	if (test_bit(XIGB_STATE_DOWN, &adapter->state))
		return;

	link = xigb_hw_link_status(adapter, &speed, &duplex);
	if (link && !netif_carrier_ok(netdev)) {
		adapter->link_speed = speed;
		adapter->link_duplex = duplex;
		adapter->link_up = true;
		netdev_info(netdev, "NIC Link is Up %u Mbps %s Duplex\n", speed,
			    duplex == DUPLEX_FULL ? "Full" : "Half");
		netif_carrier_on(netdev);
	} else if (!link && netif_carrier_ok(netdev)) {
		adapter->link_up = false;
		netdev_info(netdev, "NIC Link is Down\n");
		netif_carrier_off(netdev);
	}

	xigb_update_hw_stats(adapter);

	/* A lost interrupt must not strand completed work: poke every
	 * queue vector once per period, as igb does.
	 */
	if (link) {
		if (adapter->irq_mode == XIGB_IRQ_MSIX)
			xigb_wr32(adapter, XIGB_EICS, adapter->eims_enable_mask &
				  ~adapter->eims_other);
		else
			xigb_wr32(adapter, XIGB_ICS, XIGB_ICR_RXDMT0);
	}

	if (!test_bit(XIGB_STATE_DOWN, &adapter->state))
		schedule_delayed_work(&adapter->watchdog_task,
				      XIGB_WATCHDOG_PERIOD);
}

static void xigb_reset_task(struct work_struct *work)
{
	struct xigb_adapter *adapter = container_of(work, struct xigb_adapter,
						    reset_task);

	rtnl_lock();
	if (netif_running(adapter->netdev) &&
	    !test_bit(XIGB_STATE_REMOVING, &adapter->state)) {
		netdev_warn(adapter->netdev, "resetting the adapter\n");
		xigb_reinit_locked(adapter);
	}
	rtnl_unlock();
}

static void xigb_tx_timeout(struct net_device *netdev, unsigned int txqueue)
{
	struct xigb_adapter *adapter = netdev_priv(netdev);

	atomic64_inc(&adapter->tx_timeout_count);
	netdev_err(netdev, "TX timeout on queue %u\n", txqueue);
	if (!test_bit(XIGB_STATE_REMOVING, &adapter->state))
		schedule_work(&adapter->reset_task);
}

static int xigb_change_mtu(struct net_device *netdev, int new_mtu)
{
	struct xigb_adapter *adapter = netdev_priv(netdev);
	bool running = netif_running(netdev);

	/* the core has checked min_mtu/max_mtu (EINVAL outside them) */
	if (running)
		xigb_down(adapter);
	WRITE_ONCE(netdev->mtu, new_mtu);
	adapter->max_frame_size = new_mtu + XIGB_ETH_OVERHEAD;
	if (running)
		xigb_up(adapter);
	return 0;
}

static int xigb_set_mac(struct net_device *netdev, void *p)
{
	struct xigb_adapter *adapter = netdev_priv(netdev);
	int err;

	err = eth_mac_addr(netdev, p);
	if (err)
		return err;
	xigb_hw_set_rar(adapter, netdev->dev_addr, 0);
	return 0;
}

static void xigb_set_rx_mode(struct net_device *netdev)
{
	xigb_hw_set_rx_mode(netdev_priv(netdev));
}

static void xigb_get_stats64(struct net_device *netdev,
			     struct rtnl_link_stats64 *stats)
{
	struct xigb_adapter *adapter = netdev_priv(netdev);
	struct xigb_hw_stats *hs = &adapter->hw_stats;
	unsigned long flags;
	unsigned int i, start;

	for (i = 0; i < adapter->num_q_vectors; i++) {
		struct xigb_ring *tx = &adapter->q_vector[i]->tx;
		struct xigb_ring *rx = &adapter->q_vector[i]->rx;
		u64 pkts, bytes, drops, ferr;

		do {
			start = u64_stats_fetch_begin(&tx->clean_syncp);
			pkts = tx->tx_stats.packets;
			bytes = tx->tx_stats.bytes;
		} while (u64_stats_fetch_retry(&tx->clean_syncp, start));
		do {
			start = u64_stats_fetch_begin(&tx->syncp);
			drops = tx->tx_stats.dma_errors;
		} while (u64_stats_fetch_retry(&tx->syncp, start));
		stats->tx_packets += pkts;
		stats->tx_bytes += bytes;
		stats->tx_dropped += drops;

		do {
			start = u64_stats_fetch_begin(&rx->syncp);
			pkts = rx->rx_stats.packets;
			bytes = rx->rx_stats.bytes;
			drops = rx->rx_stats.drops;
			ferr = rx->rx_stats.frame_errors;
		} while (u64_stats_fetch_retry(&rx->syncp, start));
		stats->rx_packets += pkts;
		stats->rx_bytes += bytes;
		stats->rx_dropped += drops;
		stats->rx_errors += ferr;
	}

	xigb_update_hw_stats(adapter);
	spin_lock_irqsave(&adapter->stats_lock, flags);
	stats->rx_missed_errors = hs->mpc;
	stats->rx_crc_errors = hs->crcerrs;
	stats->rx_length_errors = hs->ruc + hs->roc;
	stats->rx_errors += hs->crcerrs + hs->ruc + hs->roc;
	spin_unlock_irqrestore(&adapter->stats_lock, flags);
}

static const struct net_device_ops xigb_netdev_ops = {
	.ndo_open		= xigb_open,
	.ndo_stop		= xigb_close,
	.ndo_start_xmit		= xigb_xmit_frame,
	.ndo_get_stats64	= xigb_get_stats64,
	.ndo_set_rx_mode	= xigb_set_rx_mode,
	.ndo_set_mac_address	= xigb_set_mac,
	.ndo_change_mtu		= xigb_change_mtu,
	.ndo_tx_timeout		= xigb_tx_timeout,
	.ndo_validate_addr	= eth_validate_addr,
	.ndo_features_check	= passthru_features_check,
};

static void xigb_init_netdev(struct xigb_adapter *adapter, bool dma64)
{
	struct net_device *netdev = adapter->netdev;
	netdev_features_t features;

	netdev->netdev_ops = &xigb_netdev_ops;
	xigb_set_ethtool_ops(netdev);
	netdev->watchdog_timeo = 5 * HZ;

	features = NETIF_F_SG | NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM |
		   NETIF_F_TSO | NETIF_F_TSO6 | NETIF_F_RXCSUM | NETIF_F_RXHASH;
	netdev->hw_features = features;
	netdev->features = features;
	if (dma64)
		netdev->features |= NETIF_F_HIGHDMA;
	netdev->vlan_features = NETIF_F_SG | NETIF_F_IP_CSUM |
				NETIF_F_IPV6_CSUM | NETIF_F_TSO | NETIF_F_TSO6;
	netdev->priv_flags |= IFF_UNICAST_FLT;

	netdev->min_mtu = ETH_MIN_MTU;
	netdev->max_mtu = XIGB_MAX_MTU;
}

static void xigb_init_rss(struct xigb_adapter *adapter)
{
	unsigned int i;

	netdev_rss_key_fill(adapter->rss_key, sizeof(adapter->rss_key));
	for (i = 0; i < ARRAY_SIZE(adapter->rss_indir); i++)
		adapter->rss_indir[i] =
			ethtool_rxfh_indir_default(i, adapter->num_queues);
}

/* XPS: CPU i sends on queue i, whose vector's NAPI cleans it */
static void xigb_init_xps(struct xigb_adapter *adapter)
{
	unsigned int i;

	for (i = 0; i < adapter->num_queues; i++)
		netif_set_xps_queue(adapter->netdev, cpumask_of(i), i);
}

static int xigb_probe(struct pci_dev *pdev, const struct pci_device_id *ent)
{
	struct xigb_adapter *adapter;
	struct net_device *netdev;
	bool dma64 = true;
	u8 addr[ETH_ALEN];
	int err;

	err = pci_enable_device_mem(pdev);
	if (err)
		return err;

	err = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (err) {
		dma64 = false;
		err = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(32));
		if (err) {
			dev_err(&pdev->dev, "no usable DMA configuration\n");
			goto err_disable;
		}
	}

	err = pci_request_mem_regions(pdev, xigb_driver_name);
	if (err)
		goto err_disable;
	pci_set_master(pdev);

	netdev = alloc_etherdev_mq(sizeof(*adapter), XIGB_MAX_QUEUES);
	if (!netdev) {
		err = -ENOMEM;
		goto err_release;
	}
	SET_NETDEV_DEV(netdev, &pdev->dev);
	adapter = netdev_priv(netdev);
	adapter->netdev = netdev;
	adapter->pdev = pdev;
	pci_set_drvdata(pdev, adapter);

	adapter->hw_addr = pci_iomap(pdev, 0, 0);
	if (!adapter->hw_addr) {
		err = -EIO;
		goto err_free_netdev;
	}

	set_bit(XIGB_STATE_DOWN, &adapter->state);
	spin_lock_init(&adapter->stats_lock);
	INIT_WORK(&adapter->reset_task, xigb_reset_task);
	INIT_DELAYED_WORK(&adapter->watchdog_task, xigb_watchdog_task);
	adapter->tx_ring_count = XIGB_DEFAULT_TXD;
	adapter->rx_ring_count = XIGB_DEFAULT_RXD;
	adapter->itr_usecs = XIGB_DEFAULT_ITR_USECS;
	adapter->flags = XIGB_FLAG_TX_EARLY_REAP;
	adapter->max_frame_size = ETH_DATA_LEN + XIGB_ETH_OVERHEAD;
	xigb_init_netdev(adapter, dma64);

	err = xigb_hw_reset(adapter);
	if (err)
		goto err_unmap;

	err = xigb_hw_read_mac(adapter, addr);
	if (err) {
		dev_warn(&pdev->dev, "no valid MAC address, using a random one\n");
		eth_hw_addr_random(netdev);
	} else {
		eth_hw_addr_set(netdev, addr);
	}

	err = xigb_init_interrupts(adapter);
	if (err)
		goto err_unmap;
	xigb_init_rss(adapter);

	netif_carrier_off(netdev);
	err = register_netdev(netdev);
	if (err)
		goto err_free_irq;

	xigb_init_xps(adapter);

	netdev_info(netdev, "82576 at %s, MAC %pM, %u queue pair(s), %s\n",
		    pci_name(pdev), netdev->dev_addr, adapter->num_queues,
		    adapter->irq_mode == XIGB_IRQ_MSIX ? "MSI-X" :
		    adapter->irq_mode == XIGB_IRQ_MSI ? "MSI" : "INTx");
	return 0;

err_free_irq:
	xigb_free_interrupts(adapter);
err_unmap:
	pci_iounmap(pdev, adapter->hw_addr);
err_free_netdev:
	free_netdev(netdev);
err_release:
	pci_release_mem_regions(pdev);
err_disable:
	pci_disable_device(pdev);
	return err;
}

static void xigb_remove(struct pci_dev *pdev)
{
	struct xigb_adapter *adapter = pci_get_drvdata(pdev);
	struct net_device *netdev = adapter->netdev;

	set_bit(XIGB_STATE_REMOVING, &adapter->state);
	cancel_work_sync(&adapter->reset_task);
	unregister_netdev(netdev);
	cancel_work_sync(&adapter->reset_task);
	cancel_delayed_work_sync(&adapter->watchdog_task);

	xigb_free_interrupts(adapter);
	/* the device was reset at close (or never started): make sure */
	xigb_hw_reset(adapter);
	pci_clear_master(pdev);
	pci_iounmap(pdev, adapter->hw_addr);
	pci_release_mem_regions(pdev);
	free_netdev(netdev);
	pci_disable_device(pdev);
}

static void xigb_shutdown(struct pci_dev *pdev)
{
	struct xigb_adapter *adapter = pci_get_drvdata(pdev);
	struct net_device *netdev = adapter->netdev;

	rtnl_lock();
	netif_device_detach(netdev);
	if (netif_running(netdev))
		xigb_close(netdev);
	rtnl_unlock();
	pci_clear_master(pdev);
	pci_disable_device(pdev);
}

static struct pci_driver xigb_pci_driver = {
	.name		= XIGB_DRV_NAME,
	.id_table	= xigb_pci_tbl,
	.probe		= xigb_probe,
	.remove		= xigb_remove,
	.shutdown	= xigb_shutdown,
};
module_pci_driver(xigb_pci_driver);

MODULE_DESCRIPTION("xtcp_igb: Intel 82576 driver with a traceable TX path");
MODULE_LICENSE("GPL");
