/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xtcp_igb: shared definitions of the Intel 82576 driver (adapter, queue
 * vectors, rings) and the prototypes that tie its files together:
 *   xigb_main.c    PCI probe/remove, net_device_ops, open/close, link, reset
 *   xigb_hw.c      register-level bring-up: reset, MAC/PHY, filters, RSS
 *   xigb_irq.c     MSI-X/MSI/INTx set-up, interrupt handlers, NAPI poll
 *   xigb_tx.c      ndo_start_xmit, TSO/checksum contexts, TX completion
 *   xigb_rx.c      page-pool backed receive ring
 *   xigb_ethtool.c ethtool_ops
 */
#ifndef _XIGB_H_
#define _XIGB_H_

#include <linux/ethtool.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/pci.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>

#include "xigb_regs.h"

#define XIGB_DRV_NAME		"xtcp_igb"

#define XIGB_MAX_QUEUES		4
/* one vector per queue pair plus one for link and other causes */
#define XIGB_MAX_VECTORS	(XIGB_MAX_QUEUES + 1)

#define XIGB_DEFAULT_TXD	256
#define XIGB_DEFAULT_RXD	256
#define XIGB_MIN_DESC		64
#define XIGB_MAX_DESC		4096
#define XIGB_DESC_ALIGN		8	/* RDLEN/TDLEN must be 128-byte multiples */

/* a data descriptor carries at most 64 KiB - 1; stay at 32 KiB like igb */
#define XIGB_MAX_DATA_PER_TXD	BIT(15)
#define XIGB_TXD_USE_COUNT(s)	DIV_ROUND_UP((s), XIGB_MAX_DATA_PER_TXD)
/* worst case per skb: one per fragment, the head, a context, and a gap */
#define XIGB_DESC_NEEDED	(MAX_SKB_FRAGS + 4)
#define XIGB_TX_WAKE_THRESH	(2 * XIGB_DESC_NEEDED)
#define XIGB_TX_WORK_LIMIT	128	/* packets reclaimed per poll */

/*
 * Receive buffers are whole pages from a page pool. The device writes the
 * frame after XIGB_RX_HEADROOM so the page can become the skb head without
 * a copy; the rest of the page holds skb_shared_info.
 */
#define XIGB_RX_HEADROOM	(NET_SKB_PAD + NET_IP_ALIGN)
#define XIGB_RX_BUFSZ		3072	/* SRRCTL counts in KiB */
#define XIGB_RX_REFILL_BATCH	16

#define XIGB_ETH_OVERHEAD	(ETH_HLEN + ETH_FCS_LEN + 2 * VLAN_HLEN)
#define XIGB_MAX_JUMBO_FRAME	9216
#define XIGB_MAX_MTU		(XIGB_MAX_JUMBO_FRAME - XIGB_ETH_OVERHEAD)

/* interrupt moderation: EITR interval field is 0.25 us units, 13 bits */
#define XIGB_DEFAULT_ITR_USECS	50
#define XIGB_MAX_ITR_USECS	(XIGB_EITR_INTERVAL >> 2)

enum xigb_state {
	XIGB_STATE_DOWN,
	XIGB_STATE_RESETTING,
	XIGB_STATE_REMOVING,
};

/* adapter->flags, ethtool private flags in this bit order */
#define XIGB_FLAG_TX_EARLY_REAP	BIT(0)	/* "tx-reap-at-doorbell" */

enum xigb_irq_mode {
	XIGB_IRQ_MSIX,
	XIGB_IRQ_MSI,
	XIGB_IRQ_INTX,
};

struct xigb_tx_buffer {
	union xigb_adv_tx_desc *next_to_watch;	/* EOP descriptor */
	struct sk_buff *skb;
	unsigned int bytecount;		/* bytes on the wire, for BQL */
	unsigned short gso_segs;
	bool tso;
	DEFINE_DMA_UNMAP_ADDR(dma);
	DEFINE_DMA_UNMAP_LEN(len);
};

struct xigb_rx_buffer {
	struct page *page;
};

/*
 * Two writers, two seqcounts: xigb_xmit_frame() under the TX queue lock
 * (ring->syncp) and xigb_clean_tx() in NAPI (ring->clean_syncp).
 */
struct xigb_tx_stats {
	/* xmit side */
	u64 tso_packets;	/* skbs handed to the hardware for TSO */
	u64 csum_offload;
	u64 stops;		/* queue stopped for lack of descriptors */
	u64 restarts;		/* stopped queue found room again at once */
	u64 busy;		/* NETDEV_TX_BUSY returned: should stay 0 */
	u64 dma_errors;
	u64 early_reaps;	/* done at the doorbell: NAPI run without IRQ */
	/* clean side */
	u64 packets;
	u64 bytes;
	u64 wakes;		/* stopped queue woken by the clean */
};

struct xigb_rx_stats {
	u64 packets;
	u64 bytes;
	u64 alloc_failed;	/* page pool or skb allocation failures */
	u64 csum_err;
	u64 frame_errors;	/* frames the MAC flagged bad */
	u64 drops;		/* frames dropped by the driver */
};

struct xigb_ring {
	struct xigb_q_vector *q_vector;
	struct net_device *netdev;
	struct device *dev;
	void *desc;
	union {
		struct xigb_tx_buffer *tx_buffer_info;
		struct xigb_rx_buffer *rx_buffer_info;
	};
	void __iomem *tail;
	struct page_pool *page_pool;	/* RX only */
	struct sk_buff *skb;		/* RX frame spanning several buffers */
	bool rx_discard;		/* RX: skip buffers up to the next EOP */
	dma_addr_t dma;
	unsigned int size;		/* descriptor memory, bytes */
	u16 count;
	u16 next_to_use;
	u16 next_to_clean;
	u8 queue_index;
	struct u64_stats_sync syncp;
	struct u64_stats_sync clean_syncp;	/* TX: xigb_clean_tx()'s stats */
	union {
		struct xigb_tx_stats tx_stats;
		struct xigb_rx_stats rx_stats;
	};
};

struct xigb_q_vector {
	struct xigb_adapter *adapter;
	struct napi_struct napi;
	u32 eims_value;			/* this vector's EIMS/EICS bit */
	u16 itr_val;			/* EITR interval, 0.25 us units */
	bool set_itr;
	u8 v_idx;			/* MSI-X vector index */
	struct u64_stats_sync syncp;
	u64 polls;
	u64 tx_cleaned_desc;
	/* skbs completed by one clean, for xtcp_igb:tx_clean */
	unsigned long tx_done_skb[XIGB_TX_WORK_LIMIT];
	char name[IFNAMSIZ + 9];
	struct xigb_ring tx;
	struct xigb_ring rx;
};

struct xigb_hw_stats {
	u64 mpc;	/* missed: no RX descriptor or FIFO full */
	u64 rnbc;	/* no buffers: ran out of RX descriptors */
	u64 crcerrs;
	u64 ruc;
	u64 roc;
	u64 gprc;
	u64 gptc;
	u64 rqdpc[XIGB_MAX_QUEUES];
};

struct xigb_adapter {
	struct net_device *netdev;
	struct pci_dev *pdev;
	u8 __iomem *hw_addr;
	unsigned long state;
	u32 flags;			/* XIGB_FLAG_*, read locklessly */
	enum xigb_irq_mode irq_mode;

	unsigned int num_queues;
	unsigned int num_q_vectors;
	struct xigb_q_vector *q_vector[XIGB_MAX_QUEUES];
	u32 eims_enable_mask;
	u32 eims_other;

	u16 tx_ring_count;
	u16 rx_ring_count;
	u16 itr_usecs;
	u32 max_frame_size;

	u8 rss_indir[XIGB_RETA_REGS * 4];
	u32 rss_key[XIGB_RSSRK_REGS];
	u32 mta_shadow[XIGB_MTA_REGS];

	bool link_up;
	u16 link_speed;
	u8 link_duplex;

	struct work_struct reset_task;
	struct delayed_work watchdog_task;

	spinlock_t stats_lock;		/* hw_stats and the MMIO reads that fill it */
	struct xigb_hw_stats hw_stats;
	atomic64_t tx_timeout_count;
	atomic64_t reset_count;
};

static inline u32 xigb_rd32(struct xigb_adapter *adapter, u32 reg)
{
	return readl(adapter->hw_addr + reg);
}

static inline void xigb_wr32(struct xigb_adapter *adapter, u32 reg, u32 val)
{
	writel(val, adapter->hw_addr + reg);
}

static inline void xigb_flush(struct xigb_adapter *adapter)
{
	readl(adapter->hw_addr + XIGB_STATUS);
}

static inline u16 xigb_desc_unused(const struct xigb_ring *ring)
{
	u16 ntc = ring->next_to_clean, ntu = ring->next_to_use;

	return ((ntc > ntu) ? 0 : ring->count) + ntc - ntu - 1;
}

#define XIGB_TX_DESC(r, i)	(&((union xigb_adv_tx_desc *)((r)->desc))[i])
#define XIGB_RX_DESC(r, i)	(&((union xigb_adv_rx_desc *)((r)->desc))[i])

/* xigb_main.c */
extern char xigb_driver_name[];
void xigb_up(struct xigb_adapter *adapter);
void xigb_down(struct xigb_adapter *adapter);
void xigb_reinit_locked(struct xigb_adapter *adapter);
int xigb_set_ring_count(struct xigb_adapter *adapter, u16 tx, u16 rx);
void xigb_update_hw_stats(struct xigb_adapter *adapter);

/* xigb_hw.c */
int xigb_hw_reset(struct xigb_adapter *adapter);
int xigb_hw_read_mac(struct xigb_adapter *adapter, u8 *addr);
void xigb_hw_set_rar(struct xigb_adapter *adapter, const u8 *addr, u32 idx);
void xigb_hw_start_link(struct xigb_adapter *adapter);
bool xigb_hw_link_status(struct xigb_adapter *adapter, u16 *speed, u8 *duplex);
void xigb_hw_configure_rx(struct xigb_adapter *adapter);
void xigb_hw_configure_tx(struct xigb_adapter *adapter);
void xigb_hw_configure_tx_ring(struct xigb_adapter *adapter,
			       struct xigb_ring *ring);
void xigb_hw_configure_rx_ring(struct xigb_adapter *adapter,
			       struct xigb_ring *ring);
void xigb_hw_disable_rxtx(struct xigb_adapter *adapter);
void xigb_hw_set_rx_mode(struct xigb_adapter *adapter);
void xigb_hw_set_rlpml(struct xigb_adapter *adapter);

/* xigb_irq.c */
int xigb_init_interrupts(struct xigb_adapter *adapter);
void xigb_free_interrupts(struct xigb_adapter *adapter);
int xigb_request_irqs(struct xigb_adapter *adapter);
void xigb_free_irqs(struct xigb_adapter *adapter);
void xigb_configure_vectors(struct xigb_adapter *adapter);
void xigb_irq_enable(struct xigb_adapter *adapter);
void xigb_irq_disable(struct xigb_adapter *adapter);
void xigb_write_itr(struct xigb_q_vector *q_vector);
void xigb_set_itr_all(struct xigb_adapter *adapter, u16 usecs);

/* xigb_tx.c */
netdev_tx_t xigb_xmit_frame(struct sk_buff *skb, struct net_device *netdev);
bool xigb_clean_tx(struct xigb_q_vector *q_vector, int napi_budget);
int xigb_setup_tx_ring(struct xigb_ring *ring);
void xigb_free_tx_ring(struct xigb_ring *ring);
void xigb_clean_tx_ring(struct xigb_ring *ring);

/* xigb_rx.c */
int xigb_clean_rx(struct xigb_q_vector *q_vector, int budget);
int xigb_setup_rx_ring(struct xigb_ring *ring);
void xigb_free_rx_ring(struct xigb_ring *ring);
void xigb_clean_rx_ring(struct xigb_ring *ring);
void xigb_alloc_rx_buffers(struct xigb_ring *ring, u16 count);

/* xigb_ethtool.c */
void xigb_set_ethtool_ops(struct net_device *netdev);

#endif /* _XIGB_H_ */
