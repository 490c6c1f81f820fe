# SPDX-License-Identifier: GPL-2.0
"""Record xtcp's send path through tracefs.

A private ftrace instance (instances/xtcp-trace-PID) keeps the recording
apart from anyone else's use of the top-level buffer. The clock is "mono"
so that events from different CPUs (sendmsg on one, TX clean in NAPI on
the other) sort on one time line.
"""

import os
import subprocess
import time

TRACEFS_CANDIDATES = ("/sys/kernel/tracing", "/sys/kernel/debug/tracing")

# (system, event, required) in path order. Optional events are enabled
# when present; the report copes with their absence.
EVENTS = [
    ("xtcp", "xtcp_sendmsg", True),
    ("xtcp", "xtcp_push", True),
    ("xtcp", "xtcp_write_xmit", True),
    ("xtcp", "xtcp_transmit_skb", True),
    ("xtcp", "xtcp_ip_queue_xmit", True),
    ("xtcp", "xtcp_ip_output", True),
    ("xtcp", "xtcp_neigh_output", True),
    ("net", "net_dev_queue", False),
    ("net", "net_dev_start_xmit", False),
    ("net", "net_dev_xmit", False),
    ("xtcp_igb", "xmit", False),
    ("xtcp_igb", "tx_clean", False),
    ("xtcp", "xtcp_ack", True),
    ("xtcp", "xtcp_retransmit", True),
    ("xtcp", "xtcp_state", True),
]


def tracefs():
    for d in TRACEFS_CANDIDATES:
        if os.path.exists(os.path.join(d, "instances")):
            return d
    raise SystemExit("xtcp-trace: tracefs is not mounted "
                     "(mount -t tracefs nodev /sys/kernel/tracing)")


def _write(path, val):
    with open(path, "w") as f:
        f.write(str(val))


def _read(path):
    with open(path) as f:
        return f.read()


class Recorder:
    def __init__(self, buffer_kb=8192, dev=None, extra=()):
        self.root = tracefs()
        self.name = "xtcp-trace-%d" % os.getpid()
        self.inst = os.path.join(self.root, "instances", self.name)
        self.buffer_kb = buffer_kb
        self.dev = dev
        self.extra = list(extra)
        self.enabled = []
        self.missing = []

    def __enter__(self):
        os.mkdir(self.inst)
        try:
            self._setup()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def _setup(self):
        _write(os.path.join(self.inst, "tracing_on"), 0)
        _write(os.path.join(self.inst, "buffer_size_kb"), self.buffer_kb)
        _write(os.path.join(self.inst, "trace_clock"), "mono")
        # Real addresses: the skb address is how one segment is followed
        # from the clone in transmit_skb down to the driver. Hashed ones
        # would link too, but could not be compared with other tools.
        opt = os.path.join(self.inst, "options", "hash-ptr")
        if os.path.exists(opt):
            _write(opt, 0)
        # Recording task names hooks sched_switch, which patches the jump
        # label in __schedule() on every start and stop; under QEMU TCG
        # that patching once ended in "Oops: int3" in __schedule. Task
        # names are not needed: pids are in every event.
        opt = os.path.join(self.inst, "options", "record-cmd")
        if os.path.exists(opt):
            _write(opt, 0)
        if not os.path.isdir(os.path.join(self.root, "events", "xtcp")):
            raise SystemExit("xtcp-trace: no xtcp events; is xtcp.ko loaded?")
        events = [(s, e, r) for s, e, r in EVENTS]
        events += [(s, e, False) for s, e in
                   (x.split(":", 1) for x in self.extra)]
        for system, event, required in events:
            d = os.path.join(self.inst, "events", system, event)
            if not os.path.isdir(d):
                self.missing.append("%s:%s" % (system, event))
                if required:
                    raise SystemExit("xtcp-trace: event %s:%s is missing"
                                     % (system, event))
                continue
            if self.dev and system == "net":
                _write(os.path.join(d, "filter"), 'name == "%s"' % self.dev)
            _write(os.path.join(d, "enable"), 1)
            self.enabled.append("%s:%s" % (system, event))

    def start(self):
        _write(os.path.join(self.inst, "trace"), "")
        _write(os.path.join(self.inst, "tracing_on"), 1)
        self.t0 = time.monotonic()

    def stop(self):
        _write(os.path.join(self.inst, "tracing_on"), 0)
        self.t1 = time.monotonic()

    def stats(self):
        """Per-CPU ring statistics; overrun/dropped must be zero."""
        out = {}
        pcpu = os.path.join(self.inst, "per_cpu")
        for cpu in sorted(os.listdir(pcpu)):
            st = {}
            for line in _read(os.path.join(pcpu, cpu, "stats")).splitlines():
                k, _, v = line.partition(":")
                v = v.strip()
                try:
                    st[k.strip()] = float(v) if "." in v else int(v)
                except ValueError:
                    st[k.strip()] = v
            out[cpu] = st
        return out

    def save(self, outdir):
        os.makedirs(outdir, exist_ok=True)
        with open(os.path.join(self.inst, "trace")) as src, \
                open(os.path.join(outdir, "trace.txt"), "w") as dst:
            for line in src:
                dst.write(line)
        st = self.stats()
        lost = 0
        with open(os.path.join(outdir, "meta.txt"), "w") as f:
            f.write("buffer_size_kb %d\n" % self.buffer_kb)
            f.write("duration_s %.3f\n" % (self.t1 - self.t0))
            f.write("enabled %s\n" % " ".join(self.enabled))
            f.write("missing %s\n" % " ".join(self.missing))
            for cpu, s in st.items():
                ov = int(s.get("overrun", 0))
                dr = int(s.get("dropped events", 0))
                lost += ov + dr
                f.write("%s entries %s overrun %d dropped %d\n"
                        % (cpu, s.get("entries", "?"), ov, dr))
            f.write("lost %d\n" % lost)
        return lost

    def close(self):
        if os.path.isdir(self.inst):
            try:
                _write(os.path.join(self.inst, "tracing_on"), 0)
            except OSError:
                pass
            # Disabling every event first lets rmdir succeed.
            try:
                _write(os.path.join(self.inst, "events", "enable"), 0)
            except OSError:
                pass
            os.rmdir(self.inst)


def record(outdir, cmd=None, duration=None, buffer_kb=8192, dev=None,
           extra=()):
    """Record while cmd runs (or for duration seconds). Returns
    (command status, events lost)."""
    rc = 0
    with Recorder(buffer_kb, dev, extra) as r:
        r.start()
        try:
            if cmd:
                rc = subprocess.call(cmd)
            else:
                time.sleep(duration)
        except KeyboardInterrupt:
            pass
        finally:
            r.stop()
        lost = r.save(outdir)
    return rc, lost
