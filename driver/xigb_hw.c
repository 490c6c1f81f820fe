// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_igb: register-level bring-up of the 82576. Everything here touches
 * only device registers (no rings, no skbs): global reset, MAC address, PHY
 * auto-negotiation, link status, the TX/RX units and their queues, the
 * receive filters and RSS.
 */
#include <linux/delay.h>
#include <linux/etherdevice.h>
#include <linux/iopoll.h>
#include <linux/mii.h>

#include "xigb.h"

#define XIGB_RAH_POOL0		BIT(18)
#define XIGB_TCTL_COLD		(63 << 12)	/* full-duplex collision distance */

/**
 * xigb_hw_reset() - stop both DMA engines and reset the MAC
 * @adapter: board private structure
 *
 * Called at probe and whenever the interface goes down, so that no DMA can
 * touch ring memory after it is freed. Process context; may sleep.
 *
 * Return: 0, or -ENODEV if the device no longer answers.
 */
int xigb_hw_reset(struct xigb_adapter *adapter)
{
	u32 val;
	int err;

	/* Quiesce first: a reset while a descriptor fetch is in flight is
	 * allowed, but a masked, idle device avoids spurious causes.
	 */
	xigb_wr32(adapter, XIGB_IMC, ~0U);
	xigb_wr32(adapter, XIGB_EIMC, ~0U);
	xigb_wr32(adapter, XIGB_RCTL, 0);
	xigb_wr32(adapter, XIGB_TCTL, XIGB_TCTL_PSP);
	xigb_flush(adapter);
	usleep_range(10000, 20000);

	val = xigb_rd32(adapter, XIGB_CTRL);
	if (val == ~0U)
		return -ENODEV;
	xigb_wr32(adapter, XIGB_CTRL, val | XIGB_CTRL_RST);
	usleep_range(1000, 2000);

	/* the EEPROM auto-read (which reloads RAL0/RAH0) ends the reset */
	err = readl_poll_timeout(adapter->hw_addr + XIGB_EECD, val,
				 val & XIGB_EECD_AUTO_RD, 1000, 20000);
	if (err)
		netdev_dbg(adapter->netdev, "EEPROM auto-read not done\n");
	err = readl_poll_timeout(adapter->hw_addr + XIGB_CTRL, val,
				 !(val & XIGB_CTRL_RST), 1000, 20000);
	if (err) {
		dev_err(&adapter->pdev->dev, "device reset did not complete\n");
		return -ENODEV;
	}

	xigb_wr32(adapter, XIGB_IMC, ~0U);
	xigb_wr32(adapter, XIGB_EIMC, ~0U);
	xigb_rd32(adapter, XIGB_ICR);
	xigb_rd32(adapter, XIGB_EICR);
	return 0;
}

static int xigb_read_eeprom_word(struct xigb_adapter *adapter, u16 off,
				 u16 *data)
{
	u32 val;
	int err;

	xigb_wr32(adapter, XIGB_EERD,
		  (off << XIGB_EERD_ADDR_SHIFT) | XIGB_EERD_START);
	err = readl_poll_timeout(adapter->hw_addr + XIGB_EERD, val,
				 val & XIGB_EERD_DONE, 5, 10000);
	if (err)
		return err;
	*data = val >> XIGB_EERD_DATA_SHIFT;
	return 0;
}

/**
 * xigb_hw_read_mac() - read the permanent MAC address
 * @adapter: board private structure
 * @addr: ETH_ALEN buffer to fill
 *
 * The reset's EEPROM auto-read leaves the address in RAL0/RAH0; if that
 * entry is not valid, read words 0-2 of the EEPROM directly.
 *
 * Return: 0 if a valid unicast address was found, else -EADDRNOTAVAIL.
 */
int xigb_hw_read_mac(struct xigb_adapter *adapter, u8 *addr)
{
	u32 ral = xigb_rd32(adapter, XIGB_RAL(0));
	u32 rah = xigb_rd32(adapter, XIGB_RAH(0));
	int i;

	for (i = 0; i < 4; i++)
		addr[i] = ral >> (8 * i);
	addr[4] = rah;
	addr[5] = rah >> 8;
	if ((rah & XIGB_RAH_AV) && is_valid_ether_addr(addr))
		return 0;

	for (i = 0; i < 3; i++) {
		u16 word;

		if (xigb_read_eeprom_word(adapter, i, &word))
			return -EADDRNOTAVAIL;
		addr[2 * i] = word;
		addr[2 * i + 1] = word >> 8;
	}
	return is_valid_ether_addr(addr) ? 0 : -EADDRNOTAVAIL;
}

/**
 * xigb_hw_set_rar() - program one receive-address (unicast filter) entry
 * @adapter: board private structure
 * @addr: address to accept, or NULL to clear the entry
 * @idx: entry index, below XIGB_RAR_ENTRIES
 */
void xigb_hw_set_rar(struct xigb_adapter *adapter, const u8 *addr, u32 idx)
{
	u32 ral = 0, rah = 0;

	if (addr) {
		ral = addr[0] | (addr[1] << 8) | (addr[2] << 16) |
		      ((u32)addr[3] << 24);
		rah = addr[4] | (addr[5] << 8) | XIGB_RAH_POOL0 | XIGB_RAH_AV;
	}
	if (xigb_rd32(adapter, XIGB_RAL(idx)) == ral &&
	    xigb_rd32(adapter, XIGB_RAH(idx)) == rah)
		return;
	/* RAH carries the valid bit: clear it before changing RAL */
	xigb_wr32(adapter, XIGB_RAH(idx), 0);
	xigb_flush(adapter);
	xigb_wr32(adapter, XIGB_RAL(idx), ral);
	xigb_flush(adapter);
	xigb_wr32(adapter, XIGB_RAH(idx), rah);
	xigb_flush(adapter);
}

static int xigb_phy_write(struct xigb_adapter *adapter, u32 reg, u16 data)
{
	u32 val;
	int err;

	xigb_wr32(adapter, XIGB_MDIC, data | (reg << XIGB_MDIC_REG_SHIFT) |
		  (XIGB_PHY_ADDR << XIGB_MDIC_PHY_SHIFT) | XIGB_MDIC_OP_WRITE);
	err = readl_poll_timeout(adapter->hw_addr + XIGB_MDIC, val,
				 val & XIGB_MDIC_READY, 50, 10000);
	if (!err && (val & XIGB_MDIC_ERROR))
		err = -EIO;
	return err;
}

/**
 * xigb_hw_start_link() - let the MAC follow the copper PHY and autonegotiate
 * @adapter: board private structure
 *
 * Link-up is then reported by STATUS.LU and the LSC interrupt.
 */
void xigb_hw_start_link(struct xigb_adapter *adapter)
{
	u32 ctrl = xigb_rd32(adapter, XIGB_CTRL);

	ctrl |= XIGB_CTRL_SLU;
	ctrl &= ~(XIGB_CTRL_FRCSPD | XIGB_CTRL_FRCDPX);
	xigb_wr32(adapter, XIGB_CTRL, ctrl);

	if (xigb_phy_write(adapter, MII_BMCR, BMCR_ANENABLE | BMCR_ANRESTART))
		netdev_warn(adapter->netdev, "PHY autoneg restart failed\n");
}

/**
 * xigb_hw_link_status() - read link state from STATUS
 * @adapter: board private structure
 * @speed: filled with SPEED_* when the link is up
 * @duplex: filled with DUPLEX_* when the link is up
 *
 * Return: true if the link is up.
 */
bool xigb_hw_link_status(struct xigb_adapter *adapter, u16 *speed, u8 *duplex)
{
	u32 status = xigb_rd32(adapter, XIGB_STATUS);

	if (status == ~0U || !(status & XIGB_STATUS_LU))
		return false;
	if (status & XIGB_STATUS_SPEED_1000)
		*speed = SPEED_1000;
	else if (status & XIGB_STATUS_SPEED_100)
		*speed = SPEED_100;
	else
		*speed = SPEED_10;
	*duplex = (status & XIGB_STATUS_FD) ? DUPLEX_FULL : DUPLEX_HALF;
	return true;
}

/**
 * xigb_hw_configure_tx_ring() - point one TX queue at its descriptor ring
 * @adapter: board private structure
 * @ring: TX ring whose memory is allocated and whose buffers are clean
 */
void xigb_hw_configure_tx_ring(struct xigb_adapter *adapter,
			       struct xigb_ring *ring)
{
	int q = ring->queue_index;
	/* 82576 with MSI-X wants write-back per descriptor (igb does the same) */
	u32 wthresh = adapter->irq_mode == XIGB_IRQ_MSIX ? 1 : 16;

	xigb_wr32(adapter, XIGB_TXDCTL(q), 0);
	xigb_flush(adapter);
	usleep_range(10, 20);

	xigb_wr32(adapter, XIGB_TDBAL(q), lower_32_bits(ring->dma));
	xigb_wr32(adapter, XIGB_TDBAH(q), upper_32_bits(ring->dma));
	xigb_wr32(adapter, XIGB_TDLEN(q),
		  ring->count * sizeof(union xigb_adv_tx_desc));
	ring->tail = adapter->hw_addr + XIGB_TDT(q);
	xigb_wr32(adapter, XIGB_TDH(q), 0);
	writel(0, ring->tail);

	xigb_wr32(adapter, XIGB_TXDCTL(q), XIGB_TXDCTL_THRESH |
		  (wthresh << XIGB_TXDCTL_WTHRESH_SHIFT) | XIGB_QUEUE_ENABLE);
}

/**
 * xigb_hw_configure_tx() - program the transmit unit and every TX queue
 * @adapter: board private structure
 */
void xigb_hw_configure_tx(struct xigb_adapter *adapter)
{
	unsigned int i;
	u32 tctl;

	for (i = 0; i < adapter->num_queues; i++)
		xigb_wr32(adapter, XIGB_TXDCTL(i), 0);
	xigb_flush(adapter);
	usleep_range(10000, 20000);

	for (i = 0; i < adapter->num_queues; i++)
		xigb_hw_configure_tx_ring(adapter, &adapter->q_vector[i]->tx);

	tctl = xigb_rd32(adapter, XIGB_TCTL);
	tctl &= ~XIGB_TCTL_CT_MASK;
	tctl |= XIGB_TCTL_PSP | XIGB_TCTL_RTLC | XIGB_TCTL_COLD |
		(XIGB_COLLISION_THRESHOLD << XIGB_TCTL_CT_SHIFT) | XIGB_TCTL_EN;
	xigb_wr32(adapter, XIGB_TCTL, tctl);
}

/**
 * xigb_hw_configure_rx_ring() - point one RX queue at its descriptor ring
 * @adapter: board private structure
 * @ring: RX ring whose memory is allocated, not yet filled
 */
void xigb_hw_configure_rx_ring(struct xigb_adapter *adapter,
			       struct xigb_ring *ring)
{
	int q = ring->queue_index;
	u32 srrctl;

	xigb_wr32(adapter, XIGB_RXDCTL(q), 0);
	xigb_wr32(adapter, XIGB_RDBAL(q), lower_32_bits(ring->dma));
	xigb_wr32(adapter, XIGB_RDBAH(q), upper_32_bits(ring->dma));
	xigb_wr32(adapter, XIGB_RDLEN(q),
		  ring->count * sizeof(union xigb_adv_rx_desc));
	ring->tail = adapter->hw_addr + XIGB_RDT(q);
	xigb_wr32(adapter, XIGB_RDH(q), 0);
	writel(0, ring->tail);

	srrctl = (256 << XIGB_SRRCTL_BSIZEHDR_SHIFT) |
		 (XIGB_RX_BUFSZ >> XIGB_SRRCTL_BSIZEPKT_SHIFT) |
		 XIGB_SRRCTL_DESCTYPE_ADV_ONEBUF;
	/* without flow control, one starved queue must not stall the others */
	if (adapter->num_queues > 1)
		srrctl |= XIGB_SRRCTL_DROP_EN;
	xigb_wr32(adapter, XIGB_SRRCTL(q), srrctl);

	xigb_wr32(adapter, XIGB_RXDCTL(q), XIGB_RXDCTL_THRESH |
		  XIGB_QUEUE_ENABLE);
}

static void xigb_hw_setup_rss(struct xigb_adapter *adapter)
{
	unsigned int i;

	for (i = 0; i < XIGB_RSSRK_REGS; i++)
		xigb_wr32(adapter, XIGB_RSSRK(i), adapter->rss_key[i]);
	for (i = 0; i < XIGB_RETA_REGS; i++) {
		const u8 *e = &adapter->rss_indir[4 * i];

		xigb_wr32(adapter, XIGB_RETA(i), e[0] | (e[1] << 8) |
			  (e[2] << 16) | ((u32)e[3] << 24));
	}

	/* PCSD puts the RSS hash, not the raw checksum, in the descriptor;
	 * IP and L4 checksum status bits are still reported.
	 */
	xigb_wr32(adapter, XIGB_RXCSUM, XIGB_RXCSUM_IPOFL | XIGB_RXCSUM_TUOFL |
		  XIGB_RXCSUM_PCSD);

	/* RSS even with one queue, so every frame carries a hash */
	xigb_wr32(adapter, XIGB_MRQC, XIGB_MRQC_ENABLE_RSS |
		  XIGB_MRQC_RSS_IPV4 | XIGB_MRQC_RSS_IPV4_TCP |
		  XIGB_MRQC_RSS_IPV6 | XIGB_MRQC_RSS_IPV6_TCP);
}

/**
 * xigb_hw_set_rlpml() - set the longest frame the MAC accepts
 * @adapter: board private structure, max_frame_size already updated
 */
void xigb_hw_set_rlpml(struct xigb_adapter *adapter)
{
	xigb_wr32(adapter, XIGB_RLPML, adapter->max_frame_size);
}

/**
 * xigb_hw_configure_rx() - program the receive unit and every RX queue
 * @adapter: board private structure
 *
 * Leaves RCTL.EN set; the caller fills the rings right after.
 */
void xigb_hw_configure_rx(struct xigb_adapter *adapter)
{
	unsigned int i;
	u32 rctl;

	rctl = xigb_rd32(adapter, XIGB_RCTL);
	xigb_wr32(adapter, XIGB_RCTL, rctl & ~XIGB_RCTL_EN);

	xigb_hw_setup_rss(adapter);
	xigb_hw_set_rlpml(adapter);
	xigb_hw_set_rx_mode(adapter);

	for (i = 0; i < adapter->num_queues; i++)
		xigb_hw_configure_rx_ring(adapter, &adapter->q_vector[i]->rx);

	rctl = xigb_rd32(adapter, XIGB_RCTL);
	rctl &= ~(XIGB_RCTL_LBM_MASK | XIGB_RCTL_MO_MASK | XIGB_RCTL_SZ_MASK |
		  XIGB_RCTL_VFE);
	/* broadcast for ARP, strip the CRC, long frames bounded by RLPML */
	rctl |= XIGB_RCTL_EN | XIGB_RCTL_BAM | XIGB_RCTL_SECRC | XIGB_RCTL_LPE;
	xigb_wr32(adapter, XIGB_RCTL, rctl);
}

/**
 * xigb_hw_disable_rxtx() - stop accepting frames and stop transmitting
 * @adapter: board private structure
 *
 * First step of taking the interface down; a full reset follows.
 */
void xigb_hw_disable_rxtx(struct xigb_adapter *adapter)
{
	unsigned int i;

	xigb_wr32(adapter, XIGB_RCTL,
		  xigb_rd32(adapter, XIGB_RCTL) & ~XIGB_RCTL_EN);
	for (i = 0; i < adapter->num_queues; i++)
		xigb_wr32(adapter, XIGB_RXDCTL(i), 0);
	xigb_wr32(adapter, XIGB_TCTL,
		  xigb_rd32(adapter, XIGB_TCTL) & ~XIGB_TCTL_EN);
	xigb_flush(adapter);
	usleep_range(10000, 20000);
}

/* multicast filter type 0: hash on the top 12 bits of the address */
static u32 xigb_mc_hash(const u8 *addr)
{
	return ((addr[4] >> 4) | (addr[5] << 4)) & 0xFFF;
}

/**
 * xigb_hw_set_rx_mode() - program unicast/multicast filters and promiscuity
 * @adapter: board private structure
 *
 * Called with the netdev address lock held (atomic context): MMIO only.
 */
void xigb_hw_set_rx_mode(struct xigb_adapter *adapter)
{
	struct net_device *netdev = adapter->netdev;
	struct netdev_hw_addr *ha;
	u32 rctl, idx;
	unsigned int i;

	rctl = xigb_rd32(adapter, XIGB_RCTL);
	rctl &= ~(XIGB_RCTL_UPE | XIGB_RCTL_MPE);

	memset(adapter->mta_shadow, 0, sizeof(adapter->mta_shadow));
	if (netdev->flags & IFF_PROMISC) {
		rctl |= XIGB_RCTL_UPE | XIGB_RCTL_MPE;
	} else if (netdev->flags & IFF_ALLMULTI) {
		rctl |= XIGB_RCTL_MPE;
	} else {
		netdev_for_each_mc_addr(ha, netdev) {
			u32 hash = xigb_mc_hash(ha->addr);

			adapter->mta_shadow[hash >> 5] |= BIT(hash & 0x1F);
		}
	}
	for (i = 0; i < XIGB_MTA_REGS; i++)
		xigb_wr32(adapter, XIGB_MTA(i), adapter->mta_shadow[i]);

	/* entry 0 is our own address; secondary unicast addresses follow */
	xigb_hw_set_rar(adapter, netdev->dev_addr, 0);
	idx = 1;
	if (netdev_uc_count(netdev) > XIGB_RAR_ENTRIES - 1) {
		rctl |= XIGB_RCTL_UPE;
	} else {
		netdev_for_each_uc_addr(ha, netdev)
			xigb_hw_set_rar(adapter, ha->addr, idx++);
	}
	for (; idx < XIGB_RAR_ENTRIES; idx++)
		xigb_hw_set_rar(adapter, NULL, idx);

	xigb_wr32(adapter, XIGB_RCTL, rctl);
}
