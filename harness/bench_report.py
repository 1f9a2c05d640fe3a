#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Report of the KHO benchmark run (harness/bench/bench-kho.sh).

For every kernel booted by a kexec it reads, from console.tlog, what the
previous kernel preserved (luotest.bench= on its command line) and:
  start->init  host seconds from the next kernel's first console line to
               its "Run /init" line (printk times can stay 0 early in
               boot), less the test client's restore, which runs before init
               (it must claim its folios before KHO frees unclaimed ones)
  blackout     host seconds from the old kernel's "kexec -e" mark to the
               next kernel's "Run /init" line
  reserve      the next kernel's own measure of reserving preserved memory
  restore      time to restore every folio as a folio (bulk-verify)
Minimum and median over the rounds, and ratios against the plain kexecs
of the same run. Nothing is compared against numbers from another run.
Under TCG a boot now and then takes about a second longer in early mm
setup, with or without KHO and with or without KASLR (seen in chains of
plain kexecs), so "extra" is taken from the minimum of each row, the
cost that is always paid; the medians show the noise.
"""

import re
import statistics
import sys

import tlog


def bench_line(boot, host, kt, msg):
    """Pick the benchmark's own events out of one boot's printk lines."""
    if msg.startswith('Command line:'):
        cfg = re.findall(r'luotest\.bench=(\S+)', msg)
        boot['cfg'] = cfg[-1] if cfg else None
    elif 'KHO: handover accepted' in msg:
        m = re.search(r'(\d+) runs, (\d+) folios, (\d+) MiB preserved, '
                      r'reserved in (\d+) us', msg)
        if m:
            boot['runs'], boot['folios'] = int(m.group(1)), int(m.group(2))
            boot['reserve_us'] = int(m.group(4))
    elif msg.startswith('kho_test: bulk: restored'):
        m = re.search(r'in (\d+) us', msg)
        if m:
            boot['restore_us'] = int(m.group(1))


def main():
    bs = tlog.boots(sys.argv[1], bench_line)
    rows = {}
    for prev, cur in zip(bs, bs[1:]):
        if not cur.get('cfg') or 'init' not in cur or 'kexec' not in prev:
            continue
        r = rows.setdefault(cur['cfg'], [])
        r.append({
            'start_init': cur['init'][0] - cur['start'][0]
                          - cur.get('restore_us', 0) / 1e6,
            'blackout': cur['init'][0] - prev['kexec'][0],
            'reserve_ms': cur.get('reserve_us', 0) / 1000.0,
            'restore_ms': cur.get('restore_us', 0) / 1000.0,
            'folios': cur.get('folios', 0),
            'runs': cur.get('runs', 0),
        })
    if 'plain' not in rows:
        print('bench: no plain kexec in the run')
        return 1
    med = lambda cfg, k: statistics.median(x[k] for x in rows[cfg])
    low = lambda cfg, k: min(x[k] for x in rows[cfg])
    base_si, base_bo = low('plain', 'start_init'), low('plain', 'blackout')
    print('KHO benchmark: %d rounds in one QEMU run (TCG); min (median) of each '
          'row; ratios of the minimums against the plain kexecs of the same run'
          % len(rows['plain']))
    print('%-10s %8s %6s | %18s %7s %9s | %18s %7s | %10s %10s'
          % ('preserved', 'folios', 'runs', 'start->init', 'ratio', 'extra',
             'blackout', 'ratio', 'reserve', 'restore'))
    order = ['plain', '256M-0', '1G-0', '4G-0', '1G-0f', '1G-9']
    for cfg in sorted(rows, key=lambda c: order.index(c) if c in order else 99):
        si, bo = low(cfg, 'start_init'), low(cfg, 'blackout')
        label = {'plain': 'nothing', '256M-0': '256M 4K', '1G-0': '1G 4K',
                 '4G-0': '4G 4K', '1G-0f': '1G 4K frag', '1G-9': '1G 2M'}.get(cfg, cfg)
        print('%-10s %8d %6d | %5.0f (%5.0f) ms %6.2fx %+6.0f ms | %5.0f (%5.0f) ms %6.2fx | %7.1f ms %7.1f ms'
              % (label, med(cfg, 'folios'), med(cfg, 'runs'), si * 1000,
                 med(cfg, 'start_init') * 1000, si / base_si, (si - base_si) * 1000,
                 bo * 1000, med(cfg, 'blackout') * 1000, bo / base_bo,
                 med(cfg, 'reserve_ms'), med(cfg, 'restore_ms')))
    print()
    print('start->init of every round (ms): ' + '; '.join(
        '%s %s' % (c, ' '.join('%.0f' % (x['start_init'] * 1000) for x in rows[c]))
        for c in sorted(rows, key=lambda c: order.index(c) if c in order else 99)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
