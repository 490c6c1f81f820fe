#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""trace_seqcover.py EVENT DPORT BYTES < trace text (perf script, ftrace)

Exit 0 iff the EVENT records of the connection to DPORT cover BYTES of
data after the SYN: every sequence number of the stream was in some
sample's [seq, end_seq). Prints what it found.
"""
import re
import sys

event, dport, nbytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
# perf script prints the raw fields (dport=N) when it cannot evaluate the
# format's printk, the formatted line (a.b.c.d:N->e.f.g.h:N) when it can.
pat = re.compile(r'%s:.*?(?:dport=|->[\d.]+:)(\d+).*? seq=(\d+) '
                 r'end_seq=(\d+).*? flags=(\w+)' % re.escape(event))
ranges = []
isn = None
for line in sys.stdin:
    m = pat.search(line)
    if not m or int(m.group(1)) != dport:
        continue
    seq, end, flags = int(m.group(2)), int(m.group(3)), int(m.group(4), 0)
    if flags & 0x02:            # SYN: the stream starts after it
        isn = seq
        continue
    ranges.append((seq, end))
if isn is None:
    print('# no SYN of port %d in the %s samples' % (dport, event))
    sys.exit(1)
# Relative to the ISN, so the 32-bit wrap does not matter.
rel = sorted(((s - isn - 1) % 2**32, (e - isn - 1) % 2**32) for s, e in ranges)
covered = 0
for s, e in rel:
    if s > covered:
        break
    covered = max(covered, e)
print('# %s: %d samples, bytes 0..%d of the stream covered (want %d)'
      % (event, len(ranges), covered, nbytes))
sys.exit(0 if covered >= nbytes else 1)
