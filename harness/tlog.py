# SPDX-License-Identifier: GPL-2.0
"""Read console.tlog, the timestamped console of a QEMU run.

Each line of console.tlog is "HOST_SECONDS<TAB>console line". boots()
splits it into one record per kernel boot (a "Linux version" line starts
one) and calls back for every printk line, so that timeline.py and
bench_report.py pick the events they need from one parser.
"""

import re

PRINTK = re.compile(r'^\[\s*(\d+\.\d+)\]\s(.*)$')


def boots(path, on_line=None):
    """Return a list of dicts, one per boot, with 'start', 'init', 'kexec'
    and 'done' as (host seconds, kernel seconds) where seen. on_line(boot,
    host, kernel_time, message) may add more keys."""
    out = []
    for line in open(path, errors='replace'):
        host, _, text = line.rstrip('\n').partition('\t')
        m = PRINTK.match(text)
        if not m:
            continue
        host, kt, msg = float(host), float(m.group(1)), m.group(2)
        if msg.startswith('Linux version '):
            out.append({'start': (host, kt)})
        elif not out:
            continue
        elif msg.startswith('Run /init as init process'):
            out[-1]['init'] = (host, kt)
        elif msg.startswith('LUOTEST: kexec -e'):
            out[-1]['kexec'] = (host, kt)
        elif msg.startswith('LUOTEST: done'):
            out[-1]['done'] = (host, kt)
        if on_line:
            on_line(out[-1], host, kt, msg)
    return out
