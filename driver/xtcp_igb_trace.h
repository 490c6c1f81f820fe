/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the xtcp_igb driver: xtcp_igb:xmit (ndo_start_xmit handed a
 * frame to the ring), xtcp_igb:tx_clean (a NAPI poll reclaimed completed TX
 * descriptors) and xtcp_igb:rx (a frame was received and passed up).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM xtcp_igb

#if !defined(_XTCP_IGB_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _XTCP_IGB_TRACE_H

#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/tracepoint.h>

TRACE_EVENT(xmit,
	    TP_PROTO(const struct net_device *dev, const struct sk_buff *skb,
		     unsigned int queue, unsigned int first, unsigned int descs,
		     bool tso),

	    TP_ARGS(dev, skb, queue, first, descs, tso),

	    TP_STRUCT__entry(__string(name, dev->name)
			     __field(const void *, skbaddr)
			     __field(unsigned int, len)
			     __field(unsigned int, queue)
			     __field(unsigned int, first)
			     __field(unsigned int, descs)
			     __field(unsigned short, gso_size)
			     __field(unsigned short, gso_segs)
			     __field(bool, tso)),

	    TP_fast_assign(__assign_str(name);
			   __entry->skbaddr = skb;
			   __entry->len = skb->len;
			   __entry->queue = queue;
			   __entry->first = first;
			   __entry->descs = descs;
			   __entry->gso_size = skb_shinfo(skb)->gso_size;
			   __entry->gso_segs = skb_shinfo(skb)->gso_segs;
			   __entry->tso = tso;),

	    TP_printk("dev=%s queue=%u ring_idx=%u descs=%u len=%u skbaddr=%p tso=%d gso_size=%u gso_segs=%u",
		      __get_str(name), __entry->queue, __entry->first,
		      __entry->descs, __entry->len, __entry->skbaddr,
		      __entry->tso, __entry->gso_size, __entry->gso_segs)
);

/*
 * One event per clean: totals, then the address of every completed frame's
 * skb in ring order (skbaddrs), so a tracer can match each xtcp_igb:xmit to
 * its completion. The skbs are already freed: the addresses are names, not
 * references. skbaddrs is empty when the event was enabled mid-clean. It is
 * printed as raw hex (__print_array); compare with xmit's skbaddr with the
 * tracefs option hash-ptr off, or from perf/trace-cmd binary records.
 */
TRACE_EVENT(tx_clean,
	    TP_PROTO(const struct net_device *dev, unsigned int queue,
		     unsigned int descs, unsigned int packets,
		     unsigned int bytes, unsigned int budget_used,
		     unsigned int budget, const unsigned long *skbs,
		     unsigned int nskbs),

	    TP_ARGS(dev, queue, descs, packets, bytes, budget_used, budget,
		    skbs, nskbs),

	    TP_STRUCT__entry(__string(name, dev->name)
			     __field(unsigned int, queue)
			     __field(unsigned int, descs)
			     __field(unsigned int, packets)
			     __field(unsigned int, bytes)
			     __field(unsigned int, budget_used)
			     __field(unsigned int, budget)
			     __dynamic_array(unsigned long, skbaddrs, nskbs)),

	    TP_fast_assign(__assign_str(name);
			   __entry->queue = queue;
			   __entry->descs = descs;
			   __entry->packets = packets;
			   __entry->bytes = bytes;
			   __entry->budget_used = budget_used;
			   __entry->budget = budget;
			   memcpy(__get_dynamic_array(skbaddrs), skbs,
				  nskbs * sizeof(*skbs));),

	    TP_printk("dev=%s queue=%u descs=%u packets=%u bytes=%u budget=%u/%u skbaddrs=%s",
		      __get_str(name), __entry->queue, __entry->descs,
		      __entry->packets, __entry->bytes, __entry->budget_used,
		      __entry->budget,
		      __print_array(__get_dynamic_array(skbaddrs),
				    __get_dynamic_array_len(skbaddrs) /
				    sizeof(unsigned long),
				    sizeof(unsigned long)))
);

TRACE_EVENT(rx,
	    TP_PROTO(const struct net_device *dev, const struct sk_buff *skb,
		     unsigned int queue, unsigned int ring_idx,
		     unsigned int bufs, u32 staterr),

	    TP_ARGS(dev, skb, queue, ring_idx, bufs, staterr),

	    TP_STRUCT__entry(__string(name, dev->name)
			     __field(const void *, skbaddr)
			     __field(unsigned int, len)
			     __field(unsigned int, queue)
			     __field(unsigned int, ring_idx)
			     __field(unsigned int, bufs)
			     __field(u32, staterr)
			     __field(u32, hash)
			     __field(u8, ip_summed)),

	    TP_fast_assign(__assign_str(name);
			   __entry->skbaddr = skb;
			   __entry->len = skb->len;
			   __entry->queue = queue;
			   __entry->ring_idx = ring_idx;
			   __entry->bufs = bufs;
			   __entry->staterr = staterr;
			   __entry->hash = skb->hash;
			   __entry->ip_summed = skb->ip_summed;),

	    TP_printk("dev=%s queue=%u ring_idx=%u bufs=%u len=%u skbaddr=%p staterr=0x%08x hash=0x%08x ip_summed=%u",
		      __get_str(name), __entry->queue, __entry->ring_idx,
		      __entry->bufs, __entry->len, __entry->skbaddr,
		      __entry->staterr, __entry->hash, __entry->ip_summed)
);

#endif /* _XTCP_IGB_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE xtcp_igb_trace
#include <trace/define_trace.h>
