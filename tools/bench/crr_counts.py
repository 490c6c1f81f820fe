#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""crr_counts.py DIR: the counts crr_counts.sh left in DIR, per crr
transaction, Linux TCP beside xtcp (rows sorted by the difference;
the hist triggers' own allocations left out)."""
import glob
import os
import re
import sys

d = sys.argv[1]
senders = ('TCP', 'XTCP')
trans = {}
for s in senders:
    m = re.search(r' trans=(\d+)', open(os.path.join(d, 'result.' + s)).read())
    trans[s] = int(m.group(1))
print('transactions: ' + ', '.join('%s %d' % (s, trans[s]) for s in senders))
events = sorted({os.path.basename(f).split('.', 2)[2]
                 for f in glob.glob(os.path.join(d, 'h.*'))})
for e in events:
    rows = {}
    for s in senders:
        for line in open(os.path.join(d, 'h.%s.%s' % (s, e))):
            if not line.startswith('{'):
                continue
            key = re.sub(r'\[ *[0-9a-f]{6,}\] ', '', line.split('}')[0] + '}')
            key = re.sub(r'\s+', ' ', key)
            if 'common_pid' in key:
                key = re.sub(r'\[ *\d+\]', '', key)
            if 'tracing_map' in key or 'hist_' in key:
                continue
            hits = int(re.search(r'hitcount: *(\d+)', line).group(1))
            m = re.search(r'bytes_alloc: *(\d+)', line)
            r = rows.setdefault(key, {x: [0, 0] for x in senders})
            r[s][0] += hits
            r[s][1] += int(m.group(1)) if m else 0
    print('== ' + e)
    tot = {s: [0.0, 0.0] for s in senders}

    def per(r, s, i):
        return r[s][i] / trans[s]
    for key, r in sorted(rows.items(),
                         key=lambda kv: -abs(per(kv[1], 'XTCP', 0) -
                                             per(kv[1], 'TCP', 0))):
        for s in senders:
            tot[s][0] += per(r, s, 0)
            tot[s][1] += per(r, s, 1)
        if max(per(r, s, 0) for s in senders) >= 0.05:
            print('  %-58s %7.2f %7.2f %9.1fB %9.1fB' %
                  (key[:58], per(r, 'TCP', 0), per(r, 'XTCP', 0),
                   per(r, 'TCP', 1), per(r, 'XTCP', 1)))
    print('  %-58s %7.2f %7.2f %9.1fB %9.1fB' %
          ('TOTAL', tot['TCP'][0], tot['XTCP'][0], tot['TCP'][1],
           tot['XTCP'][1]))
