#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Report the memfd benchmark (harness/bench/bench-memfd.sh).

Usage: bench_memfd_report.py NAME=console.tlog [NAME=console.tlog...]

For each kernel (one QEMU run each) and case: the median over the rounds
of PRESERVE_FD (timed in the guest), of the blackout from "kexec -e" to
the next kernel's init (host wall clock from the serial console), its
ratio to the same kernel's plain kexec, and of RETRIEVE_SESSION +
RETRIEVE_FD in the next kernel (timed in the guest). The columns of the
kernels stand side by side.
"""

import re
import statistics
import sys

from tlog import boots as read_boots

CASE = re.compile(r'LUOTEST: bench case=(\S+)')
PRESERVE = re.compile(r'bench: case=(\S+) preserve_ms=([\d.]+)')
RETRIEVE = re.compile(r'bench: case=(\S+) retrieve_ms=([\d.]+) bad=(\d+)')


def on_line(boot, host, kt, msg):
    for key, rx in (('case', CASE), ('preserve', PRESERVE),
                    ('retrieve', RETRIEVE)):
        m = rx.match(msg)
        if m:
            boot[key] = m.groups()


def kernel_results(path):
    """{case: {'preserve': [...], 'blackout': [...], 'retrieve': [...]}}"""
    res = {}
    boots = read_boots(path, on_line)
    for old, new in zip(boots, boots[1:]):
        if 'case' not in old or 'kexec' not in old or 'init' not in new:
            continue
        case = old['case'][0]
        r = res.setdefault(case, {'preserve': [], 'blackout': [],
                                  'retrieve': [], 'bad': 0})
        r['blackout'].append((new['init'][0] - old['kexec'][0]) * 1000)
        if 'preserve' in old:
            r['preserve'].append(float(old['preserve'][1]))
        if 'retrieve' in new:
            r['retrieve'].append(float(new['retrieve'][1]))
            r['bad'] += int(new['retrieve'][2])
    return res


def med(values):
    return statistics.median(values) if values else None


def main():
    kernels = []
    for arg in sys.argv[1:]:
        name, _, path = arg.partition('=')
        kernels.append((name, kernel_results(path)))
    cases = []
    for _, res in kernels:
        for case in res:
            if case not in cases:
                cases.append(case)
    fmt = lambda v: '%8.0f' % v if v is not None else '       -'
    print('memfd benchmark: medians; preserve and retrieve timed in the guest,'
          ' blackout = kexec -e -> next init (host clock), x = ratio to that'
          ' kernel\'s plain kexec')
    head = '%-12s' % 'case'
    for name, _ in kernels:
        head += ' | %-8s %8s %8s %6s %8s' % (name, 'preserve', 'blackout',
                                             'x', 'retrieve')
    print(head)
    failed = False
    for case in cases:
        line = '%-12s' % case
        for name, res in kernels:
            r = res.get(case)
            plain = med(res.get('plain', {}).get('blackout', []))
            if not r:
                line += ' | %-8s %8s %8s %6s %8s' % ('', '-', '-', '-', '-')
                continue
            b = med(r['blackout'])
            ratio = '%6.2f' % (b / plain) if b and plain else '     -'
            line += ' | %-8s %s %s %s %s' % (
                'n=%d' % len(r['blackout']), fmt(med(r['preserve'])),
                fmt(b), ratio, fmt(med(r['retrieve'])))
            if r['bad']:
                failed = True
        print(line)
    if failed:
        print('bench: some retrieved pages were wrong')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
