#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every interop_conn.sh case with stock TCP on both ends: the oracle,
# which shows the test itself passes (and can fail) without xtcp.
INTEROP_FAMILIES=tcp exec "$(dirname "$0")/interop_conn.sh" "$@"
