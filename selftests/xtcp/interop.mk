# SPDX-License-Identifier: GPL-2.0
#
# Interop and socket-API tests for AF_XTCP, included by the lead's Makefile.
#
# Every scenario runs against AF_INET (the oracle: stock Linux TCP on both
# ends) and against AF_XTCP. The AF_XTCP programs run the AF_INET case
# too and compare; the *_tcp programs run the oracle alone and are only
# shipped (to check a test without the module), except for transfers,
# whose AF_XTCP program does not repeat the TCP<->TCP cases.

# The suite's netcat, used by the shell tests.
TEST_GEN_FILES += xtcp_connect

TEST_FILES += interop_lib.sh

LOCAL_HDRS += $(abspath interop_util.h)

# Bulk transfers (veth, loopback, sendfile, netem), checked by SHA-256.
TEST_PROGS += interop_transfer_tcp.sh
TEST_PROGS += interop_transfer.sh

# Socket API table: return value, errno and details vs AF_INET.
TEST_GEN_FILES += interop_api_tcp
TEST_GEN_PROGS += interop_api
LOCAL_HDRS += $(abspath interop_api_cases.h)
# With -Wextra -O2, gcc 12 flags the harness's own setjmp in every TEST_F.
%/interop_api %/interop_api_tcp: CFLAGS += -Wno-clobbered

# Connection lifecycle: refused, blackhole timing, resets, half-close,
# RST on close with unread data, TIME_WAIT reuse, backlog overflow.
TEST_PROGS_EXTENDED += interop_conn_tcp.sh
TEST_PROGS += interop_conn.sh

# One port space with the host's TCP: bind conflicts both ways, 10 000
# ephemeral connects vs held TCP connections, EACCES, SO_REUSEADDR.
TEST_PROGS_EXTENDED += interop_ports_tcp.sh
TEST_PROGS += interop_ports.sh

# Netfilter hooks on the output path: DROP on OUTPUT/POSTROUTING, REJECT.
TEST_PROGS_EXTENDED += interop_netfilter_tcp.sh
TEST_PROGS += interop_netfilter.sh

# Namespaces: separate port spaces; deleting one with sockets open.
TEST_PROGS += interop_netns_tcp.sh
TEST_PROGS += interop_netns.sh
