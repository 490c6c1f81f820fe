#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every interop_netfilter.sh case with stock TCP: the oracle, which shows
# the test itself passes (and can fail) without xtcp.
INTEROP_FAMILIES=tcp exec "$(dirname "$0")/interop_netfilter.sh" "$@"
