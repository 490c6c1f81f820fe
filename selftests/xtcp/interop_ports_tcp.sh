#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every interop_ports.sh case with stock TCP in both roles: the oracle,
# which shows the test itself passes (and can fail) without xtcp.
INTEROP_FAMILIES=tcp exec "$(dirname "$0")/interop_ports.sh" "$@"
