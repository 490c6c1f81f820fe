// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_igb: the transmit path. xigb_xmit_frame() maps an skb (head and
 * fragments) onto advanced data descriptors, preceded by a context
 * descriptor when the hardware must insert checksums or segment (TSO), then
 * rings the tail doorbell. xigb_clean_tx(), called from the NAPI poll,
 * reclaims descriptors the hardware marked done, unmaps and frees, reports
 * completions to BQL and wakes the queue.
 */
#include <linux/dma-mapping.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/netdev_queues.h>

#include "xigb.h"
#include "xtcp_igb_trace.h"

#define XIGB_TXD_CMD	(XIGB_ADVTXD_DTYP_DATA | XIGB_ADVTXD_DCMD_DEXT | \
			 XIGB_ADVTXD_DCMD_IFCS)

/**
 * xigb_setup_tx_ring() - allocate descriptor memory and buffer bookkeeping
 * @ring: TX ring with count set
 *
 * Return: 0 or -ENOMEM.
 */
int xigb_setup_tx_ring(struct xigb_ring *ring)
{
	ring->tx_buffer_info = kvcalloc(ring->count,
					sizeof(*ring->tx_buffer_info),
					GFP_KERNEL);
	if (!ring->tx_buffer_info)
		return -ENOMEM;

	ring->size = ALIGN(ring->count * sizeof(union xigb_adv_tx_desc), 4096);
	ring->desc = dma_alloc_coherent(ring->dev, ring->size, &ring->dma,
					GFP_KERNEL);
	if (!ring->desc) {
		kvfree(ring->tx_buffer_info);
		ring->tx_buffer_info = NULL;
		return -ENOMEM;
	}
	ring->next_to_use = 0;
	ring->next_to_clean = 0;
	return 0;
}

/**
 * xigb_clean_tx_ring() - drop every frame still on the ring
 * @ring: TX ring; the device is reset and NAPI disabled, so nothing races
 */
void xigb_clean_tx_ring(struct xigb_ring *ring)
{
	u16 i;

	if (!ring->tx_buffer_info)
		return;
	for (i = 0; i < ring->count; i++) {
		struct xigb_tx_buffer *buf = &ring->tx_buffer_info[i];

		/* the head buffer of a frame holds the skb and a single map */
		if (buf->skb) {
			dma_unmap_single(ring->dev, dma_unmap_addr(buf, dma),
					 dma_unmap_len(buf, len),
					 DMA_TO_DEVICE);
			dev_kfree_skb_any(buf->skb);
		} else if (dma_unmap_len(buf, len)) {
			dma_unmap_page(ring->dev, dma_unmap_addr(buf, dma),
				       dma_unmap_len(buf, len), DMA_TO_DEVICE);
		}
		memset(buf, 0, sizeof(*buf));
	}
	netdev_tx_reset_queue(netdev_get_tx_queue(ring->netdev,
						  ring->queue_index));
	memset(ring->desc, 0, ring->size);
	ring->next_to_use = 0;
	ring->next_to_clean = 0;
}

/**
 * xigb_free_tx_ring() - release what xigb_setup_tx_ring() allocated
 * @ring: TX ring, already cleaned
 */
void xigb_free_tx_ring(struct xigb_ring *ring)
{
	if (ring->desc)
		dma_free_coherent(ring->dev, ring->size, ring->desc, ring->dma);
	ring->desc = NULL;
	kvfree(ring->tx_buffer_info);
	ring->tx_buffer_info = NULL;
}

static void xigb_tx_ctxtdesc(struct xigb_ring *ring, u32 vlan_macip_lens,
			     u32 type_tucmd, u32 mss_l4len_idx)
{
	struct xigb_adv_tx_context_desc *ctx;
	u16 i = ring->next_to_use;

	ctx = (struct xigb_adv_tx_context_desc *)XIGB_TX_DESC(ring, i);
	i++;
	ring->next_to_use = i < ring->count ? i : 0;

	type_tucmd |= XIGB_ADVTXD_DCMD_DEXT | XIGB_ADVTXD_DTYP_CTXT;
	ctx->vlan_macip_lens = cpu_to_le32(vlan_macip_lens);
	ctx->seqnum_seed = 0;
	ctx->type_tucmd_mlhl = cpu_to_le32(type_tucmd);
	ctx->mss_l4len_idx = cpu_to_le32(mss_l4len_idx);
}

/*
 * TSO: the hardware replicates the headers for every segment and fixes
 * lengths, IP IDs and checksums. It wants the L4 pseudo-header checksum
 * without the length and the IPv4 total length zeroed.
 *
 * Return: 1 if a TSO context was written, 0 if not a TSO skb, <0 on error.
 */
static int xigb_tso(struct xigb_ring *ring, struct xigb_tx_buffer *first,
		    u32 *olinfo, u8 *hdr_len)
{
	struct sk_buff *skb = first->skb;
	u32 type_tucmd = XIGB_ADVTXD_TUCMD_L4T_TCP, l4_offset, paylen;
	unsigned char *nh, *th;
	struct tcphdr *tcp;
	int err;

	if (skb->ip_summed != CHECKSUM_PARTIAL || !skb_is_gso(skb))
		return 0;
	if (!(skb_shinfo(skb)->gso_type & (SKB_GSO_TCPV4 | SKB_GSO_TCPV6)))
		return 0;

	err = skb_cow_head(skb, 0);
	if (err < 0)
		return err;

	nh = skb_network_header(skb);
	th = skb_checksum_start(skb);
	tcp = (struct tcphdr *)th;
	if (skb_shinfo(skb)->gso_type & SKB_GSO_TCPV4) {
		struct iphdr *iph = (struct iphdr *)nh;

		iph->tot_len = 0;
		iph->check = 0;
		type_tucmd |= XIGB_ADVTXD_TUCMD_IPV4;
		*olinfo |= XIGB_ADVTXD_POPTS_IXSM;
	} else {
		((struct ipv6hdr *)nh)->payload_len = 0;
	}

	l4_offset = th - skb->data;
	*hdr_len = l4_offset + tcp->doff * 4;
	paylen = skb->len - l4_offset;
	csum_replace_by_diff(&tcp->check, (__force __wsum)htonl(paylen));

	first->gso_segs = skb_shinfo(skb)->gso_segs;
	first->bytecount += (first->gso_segs - 1) * *hdr_len;
	first->tso = true;
	*olinfo |= XIGB_ADVTXD_POPTS_TXSM;

	xigb_tx_ctxtdesc(ring, (th - nh) |
			 ((nh - skb->data) << XIGB_ADVTXD_MACLEN_SHIFT),
			 type_tucmd,
			 (tcp->doff * 4) << XIGB_ADVTXD_L4LEN_SHIFT |
			 skb_shinfo(skb)->gso_size << XIGB_ADVTXD_MSS_SHIFT);
	return 1;
}

/*
 * Checksum offload for one TCP or UDP frame; anything else in software.
 *
 * Return: 1 if a context descriptor was written, 0 if none is needed, <0 if
 * the software checksum failed.
 */
static int xigb_tx_csum(struct xigb_ring *ring, struct xigb_tx_buffer *first,
			u32 *olinfo)
{
	struct sk_buff *skb = first->skb;
	u32 type_tucmd;

	if (skb->ip_summed != CHECKSUM_PARTIAL)
		return 0;

	switch (skb->csum_offset) {
	case offsetof(struct tcphdr, check):
		type_tucmd = XIGB_ADVTXD_TUCMD_L4T_TCP;
		break;
	case offsetof(struct udphdr, check):
		type_tucmd = XIGB_ADVTXD_TUCMD_L4T_UDP;
		break;
	default:
		return skb_checksum_help(skb);
	}
	if (skb->protocol == htons(ETH_P_IP))
		type_tucmd |= XIGB_ADVTXD_TUCMD_IPV4;

	xigb_tx_ctxtdesc(ring, (skb_checksum_start_offset(skb) -
				skb_network_offset(skb)) |
			 (skb_network_offset(skb) << XIGB_ADVTXD_MACLEN_SHIFT),
			 type_tucmd, 0);
	*olinfo |= XIGB_ADVTXD_POPTS_TXSM;
	return 1;
}

static void xigb_tx_desc_fill(union xigb_adv_tx_desc *desc, dma_addr_t dma,
			      u32 cmd_type, u32 size, u32 olinfo)
{
	desc->read.buffer_addr = cpu_to_le64(dma);
	desc->read.cmd_type_len = cpu_to_le32(cmd_type | size);
	desc->read.olinfo_status = cpu_to_le32(olinfo);
}

/*
 * Map head and fragments and write the data descriptors; chunks over
 * XIGB_MAX_DATA_PER_TXD are split. The last descriptor gets EOP and RS so
 * the hardware reports completion once per frame.
 *
 * Return: number of data descriptors used, or 0 after a DMA mapping error
 * (everything already mapped for this frame is unmapped again).
 */
static unsigned int xigb_tx_map(struct xigb_ring *ring,
				struct xigb_tx_buffer *first, u32 cmd_type,
				u32 olinfo)
{
	struct sk_buff *skb = first->skb;
	struct xigb_tx_buffer *buf = first;
	union xigb_adv_tx_desc *desc;
	unsigned int size, ndesc = 0;
	u16 i = ring->next_to_use;
	skb_frag_t *frag;
	dma_addr_t dma;

	size = skb_headlen(skb);
	dma = dma_map_single(ring->dev, skb->data, size, DMA_TO_DEVICE);
	desc = XIGB_TX_DESC(ring, i);

	for (frag = &skb_shinfo(skb)->frags[0];; frag++) {
		if (dma_mapping_error(ring->dev, dma))
			goto dma_error;

		dma_unmap_len_set(buf, len, size);
		dma_unmap_addr_set(buf, dma, dma);

		while (unlikely(size > XIGB_MAX_DATA_PER_TXD)) {
			xigb_tx_desc_fill(desc, dma, cmd_type,
					  XIGB_MAX_DATA_PER_TXD, olinfo);
			ndesc++;
			if (++i == ring->count)
				i = 0;
			desc = XIGB_TX_DESC(ring, i);
			dma += XIGB_MAX_DATA_PER_TXD;
			size -= XIGB_MAX_DATA_PER_TXD;
		}

		if (frag == &skb_shinfo(skb)->frags[skb_shinfo(skb)->nr_frags])
			break;

		xigb_tx_desc_fill(desc, dma, cmd_type, size, olinfo);
		ndesc++;
		if (++i == ring->count)
			i = 0;
		desc = XIGB_TX_DESC(ring, i);

		size = skb_frag_size(frag);
		dma = skb_frag_dma_map(ring->dev, frag, 0, size, DMA_TO_DEVICE);
		buf = &ring->tx_buffer_info[i];
	}

	xigb_tx_desc_fill(desc, dma, cmd_type | XIGB_ADVTXD_DCMD_EOP |
			  XIGB_ADVTXD_DCMD_RS, size, olinfo);
	ndesc++;

	/* descriptors must be in memory before next_to_watch says "done
	 * can be checked" and before the tail write hands them over
	 */
	dma_wmb();
	first->next_to_watch = desc;
	if (++i == ring->count)
		i = 0;
	ring->next_to_use = i;
	return ndesc;

dma_error:
	/* unmap in reverse, back to (and including) first */
	for (;;) {
		buf = &ring->tx_buffer_info[i];
		if (dma_unmap_len(buf, len)) {
			if (buf == first)
				dma_unmap_single(ring->dev,
						 dma_unmap_addr(buf, dma),
						 dma_unmap_len(buf, len),
						 DMA_TO_DEVICE);
			else
				dma_unmap_page(ring->dev,
					       dma_unmap_addr(buf, dma),
					       dma_unmap_len(buf, len),
					       DMA_TO_DEVICE);
			dma_unmap_len_set(buf, len, 0);
		}
		if (buf == first)
			break;
		i = i ? i - 1 : ring->count - 1;
	}
	return 0;
}

/*
 * An 82576 fetches and sends the frames some microseconds after the tail
 * write and reports them with a moderated interrupt. QEMU's model sends
 * them during the tail write itself, so the last frame is often done
 * before xmit returns; the skbs would still wait for the moderated
 * interrupt (EITR, plus a host timer) to be freed, and TCP small queues
 * hold the socket back until then. If the frame just handed over is
 * already done, run NAPI now (on this CPU, when BHs are re-enabled). On
 * real hardware the check is one read of a cached descriptor that is
 * not yet done, and nothing else happens. The private flag
 * tx-reap-at-doorbell turns it off (completions then wait for the
 * interrupt, as on a real NIC).
 */
static void xigb_tx_early_reap(struct xigb_ring *ring,
			       union xigb_adv_tx_desc *eop)
{
	if (!(READ_ONCE(eop->wb.status) & cpu_to_le32(XIGB_TXD_STAT_DD)))
		return;
	napi_schedule(&ring->q_vector->napi);
	u64_stats_update_begin(&ring->syncp);
	ring->tx_stats.early_reaps++;
	u64_stats_update_end(&ring->syncp);
}

/**
 * xigb_xmit_frame() - ndo_start_xmit: queue one skb on its TX ring
 * @skb: frame to send
 * @netdev: our device
 *
 * Runs under the TX queue lock with BHs off. The queue is stopped while
 * fewer than XIGB_DESC_NEEDED descriptors remain, so the busy return below
 * is a should-not-happen path (counted in tx_queue_N_busy).
 *
 * Return: NETDEV_TX_OK, or NETDEV_TX_BUSY if the ring was full.
 */
netdev_tx_t xigb_xmit_frame(struct sk_buff *skb, struct net_device *netdev)
{
	struct xigb_adapter *adapter = netdev_priv(netdev);
	struct xigb_ring *ring = &adapter->q_vector[skb->queue_mapping]->tx;
	struct netdev_queue *txq = netdev_get_tx_queue(netdev,
						       ring->queue_index);
	u32 cmd_type = XIGB_TXD_CMD, olinfo = 0;
	u16 count, first_idx, f;
	union xigb_adv_tx_desc *eop;
	struct xigb_tx_buffer *first;
	unsigned int ndesc;
	u8 hdr_len = 0;
	int tso, ctx, stop;

	/* TCTL.PSP pads short frames on the wire, but the hardware needs at
	 * least 17 bytes of buffer
	 */
	if (skb_put_padto(skb, 17))
		return NETDEV_TX_OK;

	count = XIGB_TXD_USE_COUNT(skb_headlen(skb));
	for (f = 0; f < skb_shinfo(skb)->nr_frags; f++)
		count += XIGB_TXD_USE_COUNT(skb_frag_size(&skb_shinfo(skb)->frags[f]));

	/* +1 context descriptor, +2 gap so tail never touches head */
	if (unlikely(xigb_desc_unused(ring) < count + 3)) {
		netif_tx_stop_queue(txq);
		u64_stats_update_begin(&ring->syncp);
		ring->tx_stats.busy++;
		ring->tx_stats.stops++;
		u64_stats_update_end(&ring->syncp);
		return NETDEV_TX_BUSY;
	}

	first_idx = ring->next_to_use;
	first = &ring->tx_buffer_info[first_idx];
	first->skb = skb;
	first->bytecount = skb->len;
	first->gso_segs = 1;
	first->tso = false;

	tso = xigb_tso(ring, first, &olinfo, &hdr_len);
	if (tso < 0)
		goto drop;
	if (tso) {
		cmd_type |= XIGB_ADVTXD_DCMD_TSE;
		ctx = 1;
	} else {
		ctx = xigb_tx_csum(ring, first, &olinfo);
		if (ctx < 0)
			goto drop;
	}
	olinfo |= (skb->len - hdr_len) << XIGB_ADVTXD_PAYLEN_SHIFT;

	ndesc = xigb_tx_map(ring, first, cmd_type, olinfo);
	if (!ndesc)
		goto dma_error;
	/* once the doorbell rings, a clean on another CPU may take first */
	eop = first->next_to_watch;

	trace_xmit(netdev, skb, ring->queue_index, first_idx, ndesc + ctx,
		   tso > 0);

	u64_stats_update_begin(&ring->syncp);
	if (tso)
		ring->tx_stats.tso_packets++;
	if (olinfo & XIGB_ADVTXD_POPTS_TXSM)
		ring->tx_stats.csum_offload++;
	u64_stats_update_end(&ring->syncp);

	skb_tx_timestamp(skb);

	/* Stop before the next frame could overflow; pairs with the barrier
	 * in xigb_clean_tx()'s netif_txq_completed_wake().
	 */
	stop = netif_txq_maybe_stop(txq, xigb_desc_unused(ring),
				    XIGB_DESC_NEEDED, XIGB_TX_WAKE_THRESH);
	if (stop <= 0) {
		u64_stats_update_begin(&ring->syncp);
		ring->tx_stats.stops++;
		if (stop < 0)
			ring->tx_stats.restarts++;
		u64_stats_update_end(&ring->syncp);
	}

	/* batch the doorbell while the stack promises more frames */
	if (__netdev_tx_sent_queue(txq, first->bytecount, netdev_xmit_more())) {
		writel(ring->next_to_use, ring->tail);
		if (READ_ONCE(adapter->flags) & XIGB_FLAG_TX_EARLY_REAP)
			xigb_tx_early_reap(ring, eop);
	}
	return NETDEV_TX_OK;

dma_error:
	u64_stats_update_begin(&ring->syncp);
	ring->tx_stats.dma_errors++;
	u64_stats_update_end(&ring->syncp);
	/* a context descriptor may have been written: overwrite it later */
	ring->next_to_use = first_idx;
drop:
	dev_kfree_skb_any(skb);
	first->skb = NULL;
	dev_core_stats_tx_dropped_inc(netdev);
	return NETDEV_TX_OK;
}

/**
 * xigb_clean_tx() - reclaim descriptors the hardware has finished
 * @q_vector: vector whose TX ring to clean
 * @napi_budget: NAPI budget, only to tell napi_consume_skb() about netpoll
 *
 * Runs in NAPI context. Bounded by XIGB_TX_WORK_LIMIT frames.
 *
 * Return: true if the ring was fully cleaned within the limit.
 */
bool xigb_clean_tx(struct xigb_q_vector *q_vector, int napi_budget)
{
	struct xigb_adapter *adapter = q_vector->adapter;
	struct xigb_ring *ring = &q_vector->tx;
	unsigned int pkts = 0, bytes = 0, descs = 0, frames = 0;
	unsigned int budget = XIGB_TX_WORK_LIMIT;
	u16 i = ring->next_to_clean;
	struct netdev_queue *txq;
	bool trace_skbs;
	int woke;

	if (test_bit(XIGB_STATE_DOWN, &adapter->state))
		return true;

	trace_skbs = trace_tx_clean_enabled();
	while (budget) {
		struct xigb_tx_buffer *buf = &ring->tx_buffer_info[i];
		union xigb_adv_tx_desc *eop = READ_ONCE(buf->next_to_watch);
		union xigb_adv_tx_desc *desc;

		if (!eop)
			break;
		/* read next_to_watch before the status it points at */
		smp_rmb();
		if (!(eop->wb.status & cpu_to_le32(XIGB_TXD_STAT_DD)))
			break;

		buf->next_to_watch = NULL;
		bytes += buf->bytecount;
		pkts += buf->gso_segs;
		if (trace_skbs)
			q_vector->tx_done_skb[frames] = (unsigned long)buf->skb;
		frames++;
		napi_consume_skb(buf->skb, napi_budget);
		buf->skb = NULL;
		dma_unmap_single(ring->dev, dma_unmap_addr(buf, dma),
				 dma_unmap_len(buf, len), DMA_TO_DEVICE);
		dma_unmap_len_set(buf, len, 0);

		/* walk to the EOP descriptor, unmapping fragments */
		desc = XIGB_TX_DESC(ring, i);
		while (desc != eop) {
			if (++i == ring->count)
				i = 0;
			descs++;
			desc = XIGB_TX_DESC(ring, i);
			buf = &ring->tx_buffer_info[i];
			if (dma_unmap_len(buf, len)) {
				dma_unmap_page(ring->dev,
					       dma_unmap_addr(buf, dma),
					       dma_unmap_len(buf, len),
					       DMA_TO_DEVICE);
				dma_unmap_len_set(buf, len, 0);
			}
		}
		if (++i == ring->count)
			i = 0;
		descs++;
		budget--;
	}
	ring->next_to_clean = i;

	if (!frames)
		return true;

	trace_tx_clean(ring->netdev, ring->queue_index, descs, pkts, bytes,
		       frames, XIGB_TX_WORK_LIMIT, q_vector->tx_done_skb,
		       trace_skbs ? frames : 0);

	txq = netdev_get_tx_queue(ring->netdev, ring->queue_index);
	woke = __netif_txq_completed_wake(txq, pkts, bytes,
					  xigb_desc_unused(ring),
					  XIGB_TX_WAKE_THRESH,
					  !netif_carrier_ok(ring->netdev) ||
					  test_bit(XIGB_STATE_DOWN,
						   &adapter->state));

	u64_stats_update_begin(&ring->clean_syncp);
	ring->tx_stats.packets += pkts;
	ring->tx_stats.bytes += bytes;
	if (!woke)
		ring->tx_stats.wakes++;
	u64_stats_update_end(&ring->clean_syncp);

	u64_stats_update_begin(&q_vector->syncp);
	q_vector->tx_cleaned_desc += descs;
	u64_stats_update_end(&q_vector->syncp);

	return budget != 0;
}
