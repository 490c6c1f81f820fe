// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_igb: interrupts and NAPI. MSI-X gets one vector for link and other
 * causes plus one per TX/RX queue pair; without MSI-X the driver falls back
 * to a single MSI vector, then to shared legacy INTx, with one queue pair.
 * Interrupt handlers only schedule NAPI; xigb_poll() cleans TX, receives,
 * and re-arms the vector once it has finished within its budget.
 */
#include <linux/interrupt.h>
#include <linux/module.h>

#include "xigb.h"

static int xigb_irq_mode_param;
module_param_named(irq_mode, xigb_irq_mode_param, int, 0444);
MODULE_PARM_DESC(irq_mode,
		 "Interrupt mode cap: 0 MSI-X (default, falls back), 1 MSI, 2 INTx");

static void xigb_ring_irq_enable(struct xigb_q_vector *q_vector)
{
	struct xigb_adapter *adapter = q_vector->adapter;

	if (test_bit(XIGB_STATE_DOWN, &adapter->state))
		return;
	if (adapter->irq_mode == XIGB_IRQ_MSIX)
		xigb_wr32(adapter, XIGB_EIMS, q_vector->eims_value);
	else
		xigb_wr32(adapter, XIGB_IMS, XIGB_IMS_LEGACY);
}

static int xigb_poll(struct napi_struct *napi, int budget)
{
	struct xigb_q_vector *q_vector =
		container_of(napi, struct xigb_q_vector, napi);
	bool clean_complete;
	int work_done = 0;

	clean_complete = xigb_clean_tx(q_vector, budget);
	/* budget 0 is netpoll: TX completion only, and NAPI stays ours */
	if (unlikely(!budget))
		return 0;

	work_done = xigb_clean_rx(q_vector, budget);
	if (work_done >= budget)
		clean_complete = false;

	u64_stats_update_begin(&q_vector->syncp);
	q_vector->polls++;
	u64_stats_update_end(&q_vector->syncp);

	if (!clean_complete)
		return budget;

	if (likely(napi_complete_done(napi, work_done)))
		xigb_ring_irq_enable(q_vector);

	return min(work_done, budget - 1);
}

/**
 * xigb_write_itr() - apply a pending interrupt moderation change
 * @q_vector: vector whose EITR to program
 *
 * EITR is only honoured by QEMU in MSI-X mode; on real hardware EITR(0)
 * also throttles the MSI/INTx vector, so it is written in every mode.
 */
void xigb_write_itr(struct xigb_q_vector *q_vector)
{
	struct xigb_adapter *adapter = q_vector->adapter;

	if (!q_vector->set_itr)
		return;
	q_vector->set_itr = false;
	xigb_wr32(adapter, XIGB_EITR(q_vector->v_idx),
		  (q_vector->itr_val & XIGB_EITR_INTERVAL) |
		  XIGB_EITR_CNT_IGNR);
}

/**
 * xigb_set_itr_all() - set the moderation interval of every queue vector
 * @adapter: board private structure
 * @usecs: minimum interval between interrupts, 0 for none
 *
 * Caller holds RTNL. Takes effect immediately when the device is up.
 */
void xigb_set_itr_all(struct xigb_adapter *adapter, u16 usecs)
{
	unsigned int i;

	adapter->itr_usecs = usecs;
	for (i = 0; i < adapter->num_q_vectors; i++) {
		struct xigb_q_vector *q_vector = adapter->q_vector[i];

		q_vector->itr_val = usecs << 2;
		q_vector->set_itr = true;
		if (!test_bit(XIGB_STATE_DOWN, &adapter->state))
			xigb_write_itr(q_vector);
	}
}

static irqreturn_t xigb_msix_other(int irq, void *data)
{
	struct xigb_adapter *adapter = data;
	u32 icr = xigb_rd32(adapter, XIGB_ICR);

	if (unlikely(icr == ~0U))	/* device gone */
		return IRQ_NONE;
	if (icr & XIGB_ICR_DRSTA)
		schedule_work(&adapter->reset_task);
	if ((icr & XIGB_ICR_LSC) &&
	    !test_bit(XIGB_STATE_DOWN, &adapter->state))
		mod_delayed_work(system_wq, &adapter->watchdog_task, 0);

	xigb_wr32(adapter, XIGB_EIMS, adapter->eims_other);
	return IRQ_HANDLED;
}

static irqreturn_t xigb_msix_ring(int irq, void *data)
{
	struct xigb_q_vector *q_vector = data;

	xigb_write_itr(q_vector);
	napi_schedule(&q_vector->napi);
	return IRQ_HANDLED;
}

/* shared body of the MSI and INTx handlers; ICR was read (and auto-masked) */
static irqreturn_t xigb_intr_common(struct xigb_adapter *adapter, u32 icr)
{
	struct xigb_q_vector *q_vector = adapter->q_vector[0];

	xigb_write_itr(q_vector);
	if (icr & XIGB_ICR_DRSTA)
		schedule_work(&adapter->reset_task);
	if ((icr & (XIGB_ICR_LSC | XIGB_ICR_RXSEQ)) &&
	    !test_bit(XIGB_STATE_DOWN, &adapter->state))
		mod_delayed_work(system_wq, &adapter->watchdog_task, 0);

	napi_schedule(&q_vector->napi);
	return IRQ_HANDLED;
}

static irqreturn_t xigb_intr_msi(int irq, void *data)
{
	struct xigb_adapter *adapter = data;

	return xigb_intr_common(adapter, xigb_rd32(adapter, XIGB_ICR));
}

static irqreturn_t xigb_intr(int irq, void *data)
{
	struct xigb_adapter *adapter = data;
	u32 icr = xigb_rd32(adapter, XIGB_ICR);

	/* the line is shared: not asserted (or device gone) means not ours */
	if (!(icr & XIGB_ICR_INT_ASSERTED) || icr == ~0U)
		return IRQ_NONE;
	return xigb_intr_common(adapter, icr);
}

static void xigb_init_ring(struct xigb_adapter *adapter,
			   struct xigb_q_vector *q_vector,
			   struct xigb_ring *ring, unsigned int idx)
{
	ring->q_vector = q_vector;
	ring->netdev = adapter->netdev;
	ring->dev = &adapter->pdev->dev;
	ring->queue_index = idx;
	u64_stats_init(&ring->syncp);
	u64_stats_init(&ring->clean_syncp);
}

static int xigb_alloc_q_vectors(struct xigb_adapter *adapter)
{
	unsigned int i;

	for (i = 0; i < adapter->num_q_vectors; i++) {
		struct xigb_q_vector *q_vector;

		q_vector = kzalloc(sizeof(*q_vector), GFP_KERNEL);
		if (!q_vector)
			return -ENOMEM;
		q_vector->adapter = adapter;
		q_vector->v_idx = adapter->irq_mode == XIGB_IRQ_MSIX ? i + 1 : 0;
		q_vector->itr_val = adapter->itr_usecs << 2;
		q_vector->set_itr = true;
		u64_stats_init(&q_vector->syncp);
		xigb_init_ring(adapter, q_vector, &q_vector->tx, i);
		xigb_init_ring(adapter, q_vector, &q_vector->rx, i);
		netif_napi_add(adapter->netdev, &q_vector->napi, xigb_poll);
		adapter->q_vector[i] = q_vector;
	}
	return 0;
}

/**
 * xigb_free_interrupts() - undo xigb_init_interrupts()
 * @adapter: board private structure
 */
void xigb_free_interrupts(struct xigb_adapter *adapter)
{
	unsigned int i;

	for (i = 0; i < XIGB_MAX_QUEUES; i++) {
		struct xigb_q_vector *q_vector = adapter->q_vector[i];

		if (!q_vector)
			continue;
		netif_napi_del(&q_vector->napi);
		kfree(q_vector);
		adapter->q_vector[i] = NULL;
	}
	adapter->num_q_vectors = 0;
	pci_free_irq_vectors(adapter->pdev);
}

/**
 * xigb_init_interrupts() - pick the interrupt mode and create the vectors
 * @adapter: board private structure
 *
 * Decides the number of queue pairs (one per online CPU, at most
 * XIGB_MAX_QUEUES, and one without MSI-X). Called once at probe.
 *
 * Return: 0 or a negative errno.
 */
int xigb_init_interrupts(struct xigb_adapter *adapter)
{
	struct pci_dev *pdev = adapter->pdev;
	unsigned int nq = min_t(unsigned int, num_online_cpus(),
				XIGB_MAX_QUEUES);
	int nvec = -ENODEV, err;

	if (xigb_irq_mode_param <= 0) {
		nvec = pci_alloc_irq_vectors(pdev, 2, nq + 1, PCI_IRQ_MSIX);
		if (nvec > 0) {
			adapter->irq_mode = XIGB_IRQ_MSIX;
			adapter->num_queues = nvec - 1;
		}
	}
	if (nvec < 0) {
		unsigned int type = PCI_IRQ_INTX;

		if (xigb_irq_mode_param <= 1)
			type |= PCI_IRQ_MSI;
		nvec = pci_alloc_irq_vectors(pdev, 1, 1, type);
		if (nvec < 0)
			return nvec;
		adapter->irq_mode = pdev->msi_enabled ? XIGB_IRQ_MSI :
							XIGB_IRQ_INTX;
		adapter->num_queues = 1;
	}
	adapter->num_q_vectors = adapter->num_queues;

	err = xigb_alloc_q_vectors(adapter);
	if (err)
		goto err_free;
	err = netif_set_real_num_tx_queues(adapter->netdev, adapter->num_queues);
	if (!err)
		err = netif_set_real_num_rx_queues(adapter->netdev,
						   adapter->num_queues);
	if (err)
		goto err_free;
	return 0;

err_free:
	xigb_free_interrupts(adapter);
	return err;
}

/**
 * xigb_request_irqs() - install the handlers (at open)
 * @adapter: board private structure
 *
 * Return: 0 or a negative errno; nothing stays requested on failure.
 */
int xigb_request_irqs(struct xigb_adapter *adapter)
{
	struct net_device *netdev = adapter->netdev;
	struct pci_dev *pdev = adapter->pdev;
	unsigned int i;
	int err;

	if (adapter->irq_mode == XIGB_IRQ_MSI)
		return request_irq(pdev->irq, xigb_intr_msi, 0, netdev->name,
				   adapter);
	if (adapter->irq_mode == XIGB_IRQ_INTX)
		return request_irq(pdev->irq, xigb_intr, IRQF_SHARED,
				   netdev->name, adapter);

	err = request_irq(pci_irq_vector(pdev, 0), xigb_msix_other, 0,
			  netdev->name, adapter);
	if (err)
		return err;
	for (i = 0; i < adapter->num_q_vectors; i++) {
		struct xigb_q_vector *q_vector = adapter->q_vector[i];

		snprintf(q_vector->name, sizeof(q_vector->name), "%s-TxRx-%u",
			 netdev->name, i);
		err = request_irq(pci_irq_vector(pdev, q_vector->v_idx),
				  xigb_msix_ring, 0, q_vector->name, q_vector);
		if (err)
			goto err_free;
	}
	return 0;

err_free:
	while (i--)
		free_irq(pci_irq_vector(pdev, adapter->q_vector[i]->v_idx),
			 adapter->q_vector[i]);
	free_irq(pci_irq_vector(pdev, 0), adapter);
	return err;
}

/**
 * xigb_free_irqs() - remove the handlers (at close)
 * @adapter: board private structure
 */
void xigb_free_irqs(struct xigb_adapter *adapter)
{
	struct pci_dev *pdev = adapter->pdev;
	unsigned int i;

	if (adapter->irq_mode != XIGB_IRQ_MSIX) {
		free_irq(pdev->irq, adapter);
		return;
	}
	for (i = 0; i < adapter->num_q_vectors; i++)
		free_irq(pci_irq_vector(pdev, adapter->q_vector[i]->v_idx),
			 adapter->q_vector[i]);
	free_irq(pci_irq_vector(pdev, 0), adapter);
}

/* 82576 IVAR: 8 rows x 2 columns, column-major: queue q is row q & 7 and
 * column q >> 3; each 32-bit row holds RX then TX byte for both columns.
 */
static void xigb_write_ivar(struct xigb_adapter *adapter, u32 vector,
			    u32 queue, bool tx)
{
	u32 offset = ((queue & 8) << 1) + (tx ? 8 : 0);
	u32 reg = XIGB_IVAR0(queue & 7);
	u32 ivar = xigb_rd32(adapter, reg);

	ivar &= ~(0xFFU << offset);
	ivar |= (vector | XIGB_IVAR_VALID) << offset;
	xigb_wr32(adapter, reg, ivar);
}

/**
 * xigb_configure_vectors() - route interrupt causes to vectors (at up)
 * @adapter: board private structure, after a device reset
 */
void xigb_configure_vectors(struct xigb_adapter *adapter)
{
	unsigned int i;

	adapter->eims_enable_mask = 0;
	if (adapter->irq_mode == XIGB_IRQ_MSIX) {
		/* MSI-X mode first, or the IVAR settings do not stick */
		xigb_wr32(adapter, XIGB_GPIE, XIGB_GPIE_MSIX_MODE |
			  XIGB_GPIE_PBA | XIGB_GPIE_EIAME | XIGB_GPIE_NSICR);
		adapter->eims_other = BIT(0);
		xigb_wr32(adapter, XIGB_IVAR_MISC, (0 | XIGB_IVAR_VALID) << 8);
		adapter->eims_enable_mask |= adapter->eims_other;
	}

	for (i = 0; i < adapter->num_q_vectors; i++) {
		struct xigb_q_vector *q_vector = adapter->q_vector[i];

		xigb_write_ivar(adapter, q_vector->v_idx, i, false);
		xigb_write_ivar(adapter, q_vector->v_idx, i, true);
		q_vector->eims_value = BIT(q_vector->v_idx);
		adapter->eims_enable_mask |= q_vector->eims_value;
		q_vector->set_itr = true;
		xigb_write_itr(q_vector);
	}
	xigb_flush(adapter);
}

/**
 * xigb_irq_enable() - unmask every cause the driver handles
 * @adapter: board private structure
 */
void xigb_irq_enable(struct xigb_adapter *adapter)
{
	if (adapter->irq_mode == XIGB_IRQ_MSIX) {
		u32 mask = adapter->eims_enable_mask;

		/* auto-clear and auto-mask the queue vectors on delivery */
		xigb_wr32(adapter, XIGB_EIAC,
			  xigb_rd32(adapter, XIGB_EIAC) | mask);
		xigb_wr32(adapter, XIGB_EIAM,
			  xigb_rd32(adapter, XIGB_EIAM) | mask);
		xigb_wr32(adapter, XIGB_EIMS, mask);
		xigb_wr32(adapter, XIGB_IMS, XIGB_ICR_LSC | XIGB_ICR_DOUTSYNC |
			  XIGB_ICR_DRSTA);
	} else {
		xigb_wr32(adapter, XIGB_IMS, XIGB_IMS_LEGACY | XIGB_ICR_DRSTA);
		xigb_wr32(adapter, XIGB_IAM, XIGB_IMS_LEGACY | XIGB_ICR_DRSTA);
	}
	xigb_flush(adapter);
}

/**
 * xigb_irq_disable() - mask everything and wait for running handlers
 * @adapter: board private structure
 *
 * Process context (synchronize_irq() may sleep).
 */
void xigb_irq_disable(struct xigb_adapter *adapter)
{
	struct pci_dev *pdev = adapter->pdev;
	unsigned int i;

	if (adapter->irq_mode == XIGB_IRQ_MSIX) {
		u32 mask = adapter->eims_enable_mask;

		xigb_wr32(adapter, XIGB_EIAM,
			  xigb_rd32(adapter, XIGB_EIAM) & ~mask);
		xigb_wr32(adapter, XIGB_EIMC, mask);
		xigb_wr32(adapter, XIGB_EIAC,
			  xigb_rd32(adapter, XIGB_EIAC) & ~mask);
	}
	xigb_wr32(adapter, XIGB_IAM, 0);
	xigb_wr32(adapter, XIGB_IMC, ~0U);
	xigb_flush(adapter);

	if (adapter->irq_mode == XIGB_IRQ_MSIX) {
		synchronize_irq(pci_irq_vector(pdev, 0));
		for (i = 0; i < adapter->num_q_vectors; i++)
			synchronize_irq(pci_irq_vector(pdev,
						       adapter->q_vector[i]->v_idx));
	} else {
		synchronize_irq(pdev->irq);
	}
}
