// SPDX-License-Identifier: GPL-2.0
/*
 * A module that misbehaves on purpose, built only for the runner's
 * self-test: it proves that tools/xvm fails a run whose guest kernel log
 * shows a splat. Never load it anywhere else.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int splat = 1;
module_param(splat, int, 0444);
MODULE_PARM_DESC(splat, "0: load quietly, 1: WARN on load");

static int __init xvm_warn_init(void)
{
	WARN(splat, "xvm_warn: deliberate warning for the runner self-test\n");
	return 0;
}

static void __exit xvm_warn_exit(void)
{
}

module_init(xvm_warn_init);
module_exit(xvm_warn_exit);
MODULE_DESCRIPTION("xtcp runner self-test: a deliberate kernel warning");
MODULE_LICENSE("GPL");
