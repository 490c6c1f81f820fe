// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_igb: the receive path. Each RX descriptor owns one page from a page
 * pool (mapped once by the pool, recycled when the stack frees the skb).
 * The device writes a frame after XIGB_RX_HEADROOM; the first buffer of a
 * frame becomes the skb head without a copy, later buffers of a jumbo frame
 * become page fragments. Checksum status and the RSS hash come from the
 * descriptor; frames go up through GRO.
 */
#include <linux/etherdevice.h>
#include <net/page_pool/helpers.h>

#include "xigb.h"
#include "xtcp_igb_trace.h"

/**
 * xigb_setup_rx_ring() - allocate descriptors, bookkeeping and page pool
 * @ring: RX ring with count set
 *
 * Return: 0 or a negative errno.
 */
int xigb_setup_rx_ring(struct xigb_ring *ring)
{
	struct page_pool_params pp = {
		.flags = PP_FLAG_DMA_MAP | PP_FLAG_DMA_SYNC_DEV,
		.order = 0,
		.pool_size = ring->count,
		.nid = NUMA_NO_NODE,
		.dev = ring->dev,
		.napi = &ring->q_vector->napi,
		.netdev = ring->netdev,
		.dma_dir = DMA_FROM_DEVICE,
		.offset = XIGB_RX_HEADROOM,
		.max_len = XIGB_RX_BUFSZ,
	};
	int err = -ENOMEM;

	/* headroom, the largest frame part and skb_shared_info share a page */
	BUILD_BUG_ON(XIGB_RX_HEADROOM + XIGB_RX_BUFSZ +
		     SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) > PAGE_SIZE);

	ring->rx_buffer_info = kvcalloc(ring->count,
					sizeof(*ring->rx_buffer_info),
					GFP_KERNEL);
	if (!ring->rx_buffer_info)
		return -ENOMEM;

	ring->size = ALIGN(ring->count * sizeof(union xigb_adv_rx_desc), 4096);
	ring->desc = dma_alloc_coherent(ring->dev, ring->size, &ring->dma,
					GFP_KERNEL);
	if (!ring->desc)
		goto err_info;

	ring->page_pool = page_pool_create(&pp);
	if (IS_ERR(ring->page_pool)) {
		err = PTR_ERR(ring->page_pool);
		ring->page_pool = NULL;
		goto err_desc;
	}
	ring->next_to_use = 0;
	ring->next_to_clean = 0;
	ring->skb = NULL;
	ring->rx_discard = false;
	return 0;

err_desc:
	dma_free_coherent(ring->dev, ring->size, ring->desc, ring->dma);
	ring->desc = NULL;
err_info:
	kvfree(ring->rx_buffer_info);
	ring->rx_buffer_info = NULL;
	return err;
}

/**
 * xigb_clean_rx_ring() - give every posted page back to the pool
 * @ring: RX ring; the device is reset and NAPI disabled
 */
void xigb_clean_rx_ring(struct xigb_ring *ring)
{
	u16 i;

	if (!ring->rx_buffer_info)
		return;
	if (ring->skb) {
		dev_kfree_skb_any(ring->skb);
		ring->skb = NULL;
	}
	ring->rx_discard = false;
	for (i = 0; i < ring->count; i++) {
		struct xigb_rx_buffer *buf = &ring->rx_buffer_info[i];

		if (buf->page)
			page_pool_put_full_page(ring->page_pool, buf->page,
						false);
		buf->page = NULL;
	}
	memset(ring->desc, 0, ring->size);
	ring->next_to_use = 0;
	ring->next_to_clean = 0;
}

/**
 * xigb_free_rx_ring() - release what xigb_setup_rx_ring() allocated
 * @ring: RX ring, already cleaned; its NAPI must be disabled
 */
void xigb_free_rx_ring(struct xigb_ring *ring)
{
	if (ring->page_pool)
		page_pool_destroy(ring->page_pool);
	ring->page_pool = NULL;
	if (ring->desc)
		dma_free_coherent(ring->dev, ring->size, ring->desc, ring->dma);
	ring->desc = NULL;
	kvfree(ring->rx_buffer_info);
	ring->rx_buffer_info = NULL;
}

/**
 * xigb_alloc_rx_buffers() - post up to @count fresh pages to the device
 * @ring: RX ring
 * @count: descriptors to fill
 *
 * Called from NAPI, or at up before NAPI is enabled. A failed allocation
 * leaves the rest for the next poll (the device counts frames it had to
 * miss meanwhile in RNBC/MPC).
 */
void xigb_alloc_rx_buffers(struct xigb_ring *ring, u16 count)
{
	u16 i = ring->next_to_use;

	while (count--) {
		struct xigb_rx_buffer *buf = &ring->rx_buffer_info[i];
		union xigb_adv_rx_desc *desc = XIGB_RX_DESC(ring, i);
		struct page *page;

		page = page_pool_dev_alloc_pages(ring->page_pool);
		if (unlikely(!page)) {
			u64_stats_update_begin(&ring->syncp);
			ring->rx_stats.alloc_failed++;
			u64_stats_update_end(&ring->syncp);
			break;
		}
		buf->page = page;
		desc->read.pkt_addr = cpu_to_le64(page_pool_get_dma_addr(page) +
						  XIGB_RX_HEADROOM);
		/* clears the write-back status (DD) of this slot too */
		desc->read.hdr_addr = 0;
		if (++i == ring->count)
			i = 0;
	}

	if (ring->next_to_use != i) {
		ring->next_to_use = i;
		/* writel() orders the descriptor writes before the doorbell */
		writel(i, ring->tail);
	}
}

static void xigb_rx_checksum(struct xigb_ring *ring, struct sk_buff *skb,
			     u32 staterr)
{
	skb_checksum_none_assert(skb);

	if (!(ring->netdev->features & NETIF_F_RXCSUM) ||
	    (staterr & XIGB_RXD_STAT_IXSM))
		return;

	if (staterr & (XIGB_RXDEXT_ERR_L4E | XIGB_RXDEXT_ERR_IPE)) {
		/* leave verification (and the drop) to the stack */
		u64_stats_update_begin(&ring->syncp);
		ring->rx_stats.csum_err++;
		u64_stats_update_end(&ring->syncp);
		return;
	}
	if (staterr & (XIGB_RXD_STAT_TCPCS | XIGB_RXD_STAT_UDPCS))
		skb->ip_summed = CHECKSUM_UNNECESSARY;
}

static void xigb_rx_hash(struct xigb_ring *ring, struct sk_buff *skb,
			 union xigb_adv_rx_desc *desc)
{
	u16 pkt_info = le16_to_cpu(desc->wb.lower.pkt_info);
	u16 rss_type = pkt_info & XIGB_RXD_RSSTYPE_MASK;

	if (!(ring->netdev->features & NETIF_F_RXHASH) || !rss_type)
		return;
	/* RSS types 1 (TCP/IPv4), 3 (TCP/IPv6), 6 (TCP/IPv6 with extension
	 * headers) hash the ports too; UDP hashing is not enabled
	 */
	skb_set_hash(skb, le32_to_cpu(desc->wb.lower.rss),
		     (rss_type == 1 || rss_type == 3 || rss_type == 6) ?
		     PKT_HASH_TYPE_L4 : PKT_HASH_TYPE_L3);
}

static void xigb_rx_count_drop(struct xigb_ring *ring, bool frame_error)
{
	u64_stats_update_begin(&ring->syncp);
	if (frame_error)
		ring->rx_stats.frame_errors++;
	else
		ring->rx_stats.drops++;
	u64_stats_update_end(&ring->syncp);
}

/**
 * xigb_clean_rx() - receive up to @budget frames
 * @q_vector: vector whose RX ring to process
 * @budget: NAPI budget (> 0)
 *
 * Runs in NAPI context; the ring is refilled as it goes. A frame that
 * cannot be built (no memory, too many fragments, MAC error) is dropped
 * whole: its remaining buffers are skipped up to its EOP descriptor.
 *
 * Return: frames processed (passed up or dropped).
 */
int xigb_clean_rx(struct xigb_q_vector *q_vector, int budget)
{
	struct xigb_ring *ring = &q_vector->rx;
	unsigned int total_bytes = 0, total_packets = 0, bufs = 0;
	struct sk_buff *skb = ring->skb;
	bool discard = ring->rx_discard;
	u16 cleaned = xigb_desc_unused(ring);	/* slots waiting for a page */
	u16 ntc = ring->next_to_clean;
	int work = 0;

	while (likely(work < budget)) {
		union xigb_adv_rx_desc *desc;
		struct xigb_rx_buffer *buf;
		unsigned int size;
		struct page *page;
		bool eop;
		u32 staterr;

		if (cleaned >= XIGB_RX_REFILL_BATCH) {
			ring->next_to_clean = ntc;
			xigb_alloc_rx_buffers(ring, xigb_desc_unused(ring));
			cleaned = 0;
		}

		desc = XIGB_RX_DESC(ring, ntc);
		staterr = le32_to_cpu(desc->wb.upper.status_error);
		if (!(staterr & XIGB_RXD_STAT_DD))
			break;
		/* read the rest of the descriptor only after DD */
		dma_rmb();

		size = le16_to_cpu(desc->wb.upper.length);
		eop = staterr & XIGB_RXD_STAT_EOP;
		buf = &ring->rx_buffer_info[ntc];
		page = buf->page;
		buf->page = NULL;
		if (++ntc == ring->count)
			ntc = 0;
		cleaned++;
		bufs++;

		if (unlikely(discard || !page || size > XIGB_RX_BUFSZ)) {
			/* rest of a dropped frame, or a device bug */
			if (page)
				page_pool_recycle_direct(ring->page_pool, page);
			if (skb) {
				dev_kfree_skb_any(skb);
				skb = NULL;
				xigb_rx_count_drop(ring, true);
			}
			discard = !eop;
			work += eop;
			continue;
		}

		/* the pool adds its own offset (XIGB_RX_HEADROOM) */
		page_pool_dma_sync_for_cpu(ring->page_pool, page, 0, size);

		if (!skb) {
			void *va = page_address(page);

			net_prefetch(va + XIGB_RX_HEADROOM);
			skb = napi_build_skb(va, PAGE_SIZE);
			if (unlikely(!skb)) {
				page_pool_recycle_direct(ring->page_pool, page);
				u64_stats_update_begin(&ring->syncp);
				ring->rx_stats.alloc_failed++;
				u64_stats_update_end(&ring->syncp);
				xigb_rx_count_drop(ring, false);
				discard = !eop;
				work += eop;
				continue;
			}
			skb_mark_for_recycle(skb);
			skb_reserve(skb, XIGB_RX_HEADROOM);
			__skb_put(skb, size);
		} else if (skb_shinfo(skb)->nr_frags < MAX_SKB_FRAGS) {
			skb_add_rx_frag(skb, skb_shinfo(skb)->nr_frags, page,
					XIGB_RX_HEADROOM, size, PAGE_SIZE);
		} else {
			page_pool_recycle_direct(ring->page_pool, page);
			dev_kfree_skb_any(skb);
			skb = NULL;
			xigb_rx_count_drop(ring, false);
			discard = !eop;
			work += eop;
			continue;
		}

		if (!eop)
			continue;

		work++;
		if (unlikely(staterr & XIGB_RXDEXT_ERR_FRAME)) {
			dev_kfree_skb_any(skb);
			skb = NULL;
			xigb_rx_count_drop(ring, true);
			continue;
		}

		xigb_rx_checksum(ring, skb, staterr);
		xigb_rx_hash(ring, skb, desc);
		skb_record_rx_queue(skb, ring->queue_index);
		/* counted like the MAC does: whole frame, no FCS */
		total_bytes += skb->len;
		total_packets++;
		skb->protocol = eth_type_trans(skb, ring->netdev);

		trace_rx(ring->netdev, skb, ring->queue_index, ntc, bufs,
			 staterr);
		bufs = 0;
		napi_gro_receive(&q_vector->napi, skb);
		skb = NULL;
	}

	ring->skb = skb;
	ring->rx_discard = discard;
	ring->next_to_clean = ntc;
	if (cleaned)
		xigb_alloc_rx_buffers(ring, xigb_desc_unused(ring));

	u64_stats_update_begin(&ring->syncp);
	ring->rx_stats.packets += total_packets;
	ring->rx_stats.bytes += total_bytes;
	u64_stats_update_end(&ring->syncp);

	return work;
}
