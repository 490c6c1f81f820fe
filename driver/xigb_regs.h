/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Register map, bit values and descriptor layouts of the Intel 82576 used by
 * xtcp_igb. Only what this driver programs is listed; names follow the
 * 82576 datasheet so a reader can look them up there (or in the in-tree igb
 * driver's e1000_regs.h / e1000_defines.h, whose values these match).
 */
#ifndef _XIGB_REGS_H_
#define _XIGB_REGS_H_

#include <linux/bits.h>
#include <linux/types.h>

/* General */
#define XIGB_CTRL		0x00000
#define XIGB_STATUS		0x00008
#define XIGB_EECD		0x00010
#define XIGB_EERD		0x00014
#define XIGB_CTRL_EXT		0x00018
#define XIGB_MDIC		0x00020

/* Legacy (non MSI-X) interrupt registers */
#define XIGB_ICR		0x000C0
#define XIGB_ITR		0x000C4
#define XIGB_ICS		0x000C8
#define XIGB_IMS		0x000D0
#define XIGB_IMC		0x000D8
#define XIGB_IAM		0x000E0

#define XIGB_RCTL		0x00100
#define XIGB_TCTL		0x00400
#define XIGB_TIPG		0x00410

/* Extended (MSI-X) interrupt registers */
#define XIGB_GPIE		0x01514
#define XIGB_EICS		0x01520
#define XIGB_EIMS		0x01524
#define XIGB_EIMC		0x01528
#define XIGB_EIAC		0x0152C
#define XIGB_EIAM		0x01530
#define XIGB_EICR		0x01580
#define XIGB_EITR(n)		(0x01680 + 4 * (n))
#define XIGB_IVAR0(n)		(0x01700 + 4 * (n))
#define XIGB_IVAR_MISC		0x01740

/* Queue registers: queues 0-3 live in the legacy block, 4-15 above 0xC000 */
static inline u32 xigb_rxq_reg(unsigned int n, u32 r)
{
	return n < 4 ? 0x02800 + 0x100 * n + r : 0x0C000 + 0x40 * n + r;
}

static inline u32 xigb_txq_reg(unsigned int n, u32 r)
{
	return n < 4 ? 0x03800 + 0x100 * n + r : 0x0E000 + 0x40 * n + r;
}

#define XIGB_RXQ(n, r)		xigb_rxq_reg(n, r)
#define XIGB_TXQ(n, r)		xigb_txq_reg(n, r)
#define XIGB_RDBAL(n)		XIGB_RXQ(n, 0x00)
#define XIGB_RDBAH(n)		XIGB_RXQ(n, 0x04)
#define XIGB_RDLEN(n)		XIGB_RXQ(n, 0x08)
#define XIGB_SRRCTL(n)		XIGB_RXQ(n, 0x0C)
#define XIGB_RDH(n)		XIGB_RXQ(n, 0x10)
#define XIGB_RDT(n)		XIGB_RXQ(n, 0x18)
#define XIGB_RXDCTL(n)		XIGB_RXQ(n, 0x28)
#define XIGB_RQDPC(n)		(0x0C030 + 0x40 * (n))
#define XIGB_TDBAL(n)		XIGB_TXQ(n, 0x00)
#define XIGB_TDBAH(n)		XIGB_TXQ(n, 0x04)
#define XIGB_TDLEN(n)		XIGB_TXQ(n, 0x08)
#define XIGB_TDH(n)		XIGB_TXQ(n, 0x10)
#define XIGB_TDT(n)		XIGB_TXQ(n, 0x18)
#define XIGB_TXDCTL(n)		XIGB_TXQ(n, 0x28)

/* Statistics (clear on read) */
#define XIGB_CRCERRS		0x04000
#define XIGB_MPC		0x04010
#define XIGB_GPRC		0x04074
#define XIGB_GPTC		0x04080
#define XIGB_RNBC		0x040A0
#define XIGB_RUC		0x040A4
#define XIGB_ROC		0x040AC

/* Receive filtering */
#define XIGB_RXCSUM		0x05000
#define XIGB_RLPML		0x05004
#define XIGB_MTA(n)		(0x05200 + 4 * (n))
#define XIGB_RAL(n)		(0x05400 + 8 * (n))
#define XIGB_RAH(n)		(0x05404 + 8 * (n))
#define XIGB_MRQC		0x05818
#define XIGB_RETA(n)		(0x05C00 + 4 * (n))
#define XIGB_RSSRK(n)		(0x05C80 + 4 * (n))

#define XIGB_MTA_REGS		128	/* 4096-bit multicast hash table */
#define XIGB_RAR_ENTRIES	16	/* unicast filters in the low block */
#define XIGB_RETA_REGS		32	/* 128 one-byte entries */
#define XIGB_RSSRK_REGS		10	/* 40-byte Toeplitz key */

/* CTRL */
#define XIGB_CTRL_SLU		BIT(6)
#define XIGB_CTRL_FRCSPD	BIT(11)
#define XIGB_CTRL_FRCDPX	BIT(12)
#define XIGB_CTRL_RST		BIT(26)

/* STATUS */
#define XIGB_STATUS_FD		BIT(0)
#define XIGB_STATUS_LU		BIT(1)
#define XIGB_STATUS_SPEED_100	BIT(6)
#define XIGB_STATUS_SPEED_1000	BIT(7)

/* EECD / EERD */
#define XIGB_EECD_AUTO_RD	BIT(9)
#define XIGB_EERD_START		BIT(0)
#define XIGB_EERD_DONE		BIT(1)
#define XIGB_EERD_ADDR_SHIFT	2
#define XIGB_EERD_DATA_SHIFT	16

/* MDIC: PHY access; the 82576's internal PHY sits at address 1 */
#define XIGB_MDIC_REG_SHIFT	16
#define XIGB_MDIC_PHY_SHIFT	21
#define XIGB_MDIC_OP_WRITE	BIT(26)
#define XIGB_MDIC_OP_READ	BIT(27)
#define XIGB_MDIC_READY		BIT(28)
#define XIGB_MDIC_ERROR		BIT(30)
#define XIGB_PHY_ADDR		1

/* ICR / IMS causes */
#define XIGB_ICR_TXDW		BIT(0)
#define XIGB_ICR_LSC		BIT(2)
#define XIGB_ICR_RXSEQ		BIT(3)
#define XIGB_ICR_RXDMT0		BIT(4)
#define XIGB_ICR_RXT0		BIT(7)
#define XIGB_ICR_DOUTSYNC	BIT(28)
#define XIGB_ICR_DRSTA		BIT(30)
#define XIGB_ICR_INT_ASSERTED	BIT(31)
#define XIGB_IMS_LEGACY		(XIGB_ICR_TXDW | XIGB_ICR_LSC | \
				 XIGB_ICR_RXSEQ | XIGB_ICR_RXDMT0 | \
				 XIGB_ICR_RXT0 | XIGB_ICR_DOUTSYNC)

/* GPIE / IVAR / EITR */
#define XIGB_GPIE_NSICR		BIT(0)
#define XIGB_GPIE_MSIX_MODE	BIT(4)
#define XIGB_GPIE_EIAME		BIT(30)
#define XIGB_GPIE_PBA		BIT(31)
#define XIGB_IVAR_VALID		0x80
#define XIGB_EITR_INTERVAL	0x7FFC	/* bits 14:2, 0.25 us units */
#define XIGB_EITR_CNT_IGNR	BIT(31)

/* RCTL */
#define XIGB_RCTL_EN		BIT(1)
#define XIGB_RCTL_UPE		BIT(3)
#define XIGB_RCTL_MPE		BIT(4)
#define XIGB_RCTL_LPE		BIT(5)
#define XIGB_RCTL_LBM_MASK	(3 << 6)
#define XIGB_RCTL_MO_MASK	(3 << 12)
#define XIGB_RCTL_BAM		BIT(15)
#define XIGB_RCTL_SZ_MASK	(3 << 16)
#define XIGB_RCTL_VFE		BIT(18)
#define XIGB_RCTL_SECRC		BIT(26)

/* TCTL: collision threshold 15 is the datasheet's recommended value */
#define XIGB_TCTL_EN		BIT(1)
#define XIGB_TCTL_PSP		BIT(3)
#define XIGB_TCTL_CT_SHIFT	4
#define XIGB_TCTL_CT_MASK	(0xFF << 4)
#define XIGB_TCTL_RTLC		BIT(24)
#define XIGB_COLLISION_THRESHOLD 15

/* RXCSUM / MRQC */
#define XIGB_RXCSUM_IPOFL	BIT(8)
#define XIGB_RXCSUM_TUOFL	BIT(9)
#define XIGB_RXCSUM_PCSD	BIT(13)
#define XIGB_MRQC_ENABLE_RSS	0x00000002
#define XIGB_MRQC_RSS_IPV4_TCP	BIT(16)
#define XIGB_MRQC_RSS_IPV4	BIT(17)
#define XIGB_MRQC_RSS_IPV6	BIT(20)
#define XIGB_MRQC_RSS_IPV6_TCP	BIT(21)

#define XIGB_RAH_AV		BIT(31)

/* SRRCTL / RXDCTL / TXDCTL */
#define XIGB_SRRCTL_BSIZEPKT_SHIFT	10	/* 1 KiB units */
#define XIGB_SRRCTL_BSIZEHDR_SHIFT	2	/* 64 B units, at bit 8 */
#define XIGB_SRRCTL_DESCTYPE_ADV_ONEBUF	BIT(25)
#define XIGB_SRRCTL_DROP_EN		BIT(31)
#define XIGB_QUEUE_ENABLE		BIT(25)
#define XIGB_RXDCTL_THRESH	(8 | (8 << 8) | (4 << 16))
#define XIGB_TXDCTL_THRESH	(8 | (1 << 8))
#define XIGB_TXDCTL_WTHRESH_SHIFT 16

/* Advanced transmit descriptors */
union xigb_adv_tx_desc {
	struct {
		__le64 buffer_addr;
		__le32 cmd_type_len;
		__le32 olinfo_status;
	} read;
	struct {
		__le64 rsvd;
		__le32 nxtseq_seed;
		__le32 status;
	} wb;
};

struct xigb_adv_tx_context_desc {
	__le32 vlan_macip_lens;
	__le32 seqnum_seed;
	__le32 type_tucmd_mlhl;
	__le32 mss_l4len_idx;
};

#define XIGB_TXD_STAT_DD		BIT(0)
#define XIGB_ADVTXD_DTYP_CTXT		(2 << 20)
#define XIGB_ADVTXD_DTYP_DATA		(3 << 20)
#define XIGB_ADVTXD_DCMD_EOP		BIT(24)
#define XIGB_ADVTXD_DCMD_IFCS		BIT(25)
#define XIGB_ADVTXD_DCMD_RS		BIT(27)
#define XIGB_ADVTXD_DCMD_DEXT		BIT(29)
#define XIGB_ADVTXD_DCMD_TSE		BIT(31)
#define XIGB_ADVTXD_PAYLEN_SHIFT	14
#define XIGB_ADVTXD_POPTS_IXSM		BIT(8)
#define XIGB_ADVTXD_POPTS_TXSM		BIT(9)
#define XIGB_ADVTXD_MACLEN_SHIFT	9
#define XIGB_ADVTXD_TUCMD_IPV4		BIT(10)
#define XIGB_ADVTXD_TUCMD_L4T_UDP	0
#define XIGB_ADVTXD_TUCMD_L4T_TCP	BIT(11)
#define XIGB_ADVTXD_L4LEN_SHIFT		8
#define XIGB_ADVTXD_MSS_SHIFT		16

/* Advanced receive descriptors (one-buffer mode) */
union xigb_adv_rx_desc {
	struct {
		__le64 pkt_addr;
		__le64 hdr_addr;
	} read;
	struct {
		struct {
			__le16 pkt_info;
			__le16 hdr_info;
			__le32 rss;
		} lower;
		struct {
			__le32 status_error;
			__le16 length;
			__le16 vlan;
		} upper;
	} wb;
};

#define XIGB_RXD_STAT_DD	BIT(0)
#define XIGB_RXD_STAT_EOP	BIT(1)
#define XIGB_RXD_STAT_IXSM	BIT(2)
#define XIGB_RXD_STAT_UDPCS	BIT(4)
#define XIGB_RXD_STAT_TCPCS	BIT(5)
#define XIGB_RXD_STAT_IPCS	BIT(6)
#define XIGB_RXDEXT_ERR_L4E	BIT(29)
#define XIGB_RXDEXT_ERR_IPE	BIT(30)
/* CE, SE, SEQ, CXE, RXE: the frame itself is bad */
#define XIGB_RXDEXT_ERR_FRAME	(BIT(24) | BIT(25) | BIT(26) | BIT(28) | \
				 BIT(31))
#define XIGB_RXD_PKTTYPE_MASK	0x0FF0	/* in pkt_info */
#define XIGB_RXD_RSSTYPE_MASK	0x000F

#endif /* _XIGB_REGS_H_ */
