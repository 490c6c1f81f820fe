#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The congestion-avoidance epoch in send_sock.py's bulk samples, for
send_cc.sh's checks: the "cw <t> <cwnd> <ssthresh> <ca_state> <rtt_us>
<unacked> <notsent_bytes> <sndbuf>" lines of a run with one reduction."""

import sys


def samples(path):
    return [tuple(float(x) for x in l.split()[1:9])
            for l in open(path) if l.startswith("cw ")]


def window_at_loss(S, acks):
    """The window at the loss: the largest cwnd of slow start (ssthresh
    unset), from the samples and from ACKS, the xtcp:xtcp_ack lines
    ("cwnd N ssthresh M") send_cc.sh traced: slow start's last ACKs come
    in one burst that 20 ms samples miss. Traced before each ACK's
    growth, so at most an ACK's worth below."""
    traced = [int(l.split()[1]) for l in open(acks)
              if int(l.split()[3]) >= 1 << 30]
    return max([s[1] for s in S if s[2] >= 1e6] + traced)


class Epoch:
    """From the return to Open after the reduction, while ssthresh stays.
    Times are seconds since the epoch began; the CUBIC curve is the one
    of that reduction (W_max = ssthresh / beta_cubic, K from the window
    at the epoch's start, ssthresh)."""

    def __init__(self, S):
        self.after = [s for s in S if s[2] < 1e6]
        i = next((k for k, s in enumerate(self.after) if s[3] == 0), None)
        if not self.after or i is None:
            sys.exit("no reduction, or recovery never ended")
        self.ssth = self.after[0][2]
        self.ep = [s for s in self.after[i:] if s[2] == self.ssth]
        # The epoch begins at the ACK that ends recovery, with cwnd set
        # to ssthresh; the ACKs of a round trip come in one burst, so the
        # first Open sample may already show the window a few segments
        # up the curve. Start the curve between the last recovery sample
        # and the first Open one, from ssthresh.
        t1 = self.after[i][0]
        self.t0 = (self.after[i - 1][0] + t1) / 2 if i else t1
        self.w0 = self.ssth
        self.T = [s[0] - self.t0 for s in self.ep]
        self.W = [s[1] for s in self.ep]
        self.rtt = sorted(s[4] for s in self.ep)[len(self.ep) // 2] / 1e6
        self.wmax = self.ssth / 0.7
        self.k = ((self.wmax - self.w0) / 0.4) ** (1 / 3)

    def at(self, t):
        """cwnd at time t (the last sample not after t)"""
        w = self.W[0]
        for tt, ww in zip(self.T, self.W):
            if tt > t:
                break
            w = ww
        return w

    def cubic(self, t):
        """the window xtcp aims at: W(t) one RTT ahead"""
        return 0.4 * (t + self.rtt - self.k) ** 3 + self.wmax
