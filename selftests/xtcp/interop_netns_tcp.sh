#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# interop_netns.sh with stock TCP: the oracle, which shows the test itself
# passes (and can fail) without xtcp.
INTEROP_FAMILIES=tcp exec "$(dirname "$0")/interop_netns.sh" "$@"
