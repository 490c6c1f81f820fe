# SPDX-License-Identifier: GPL-2.0
#
# xtcp_igb driver tests, included by the lead's Makefile. Every test binds
# NIC0 of the tools/xvm guest to xtcp_igb and NIC1 to the stock igb driver.

TEST_FILES += igb_lib.sh

# probe, MAC, ethtool -i, carrier, remove
TEST_PROGS += igb_probe.sh
