# SPDX-License-Identifier: GPL-2.0
# Tests from the clock helper (one clock read per event): included by the
# suite's Makefile.

TEST_PROGS += recv_autotune.sh
TEST_FILES += recv_autotune.py
