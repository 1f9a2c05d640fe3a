#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Report the memfd benchmark (harness/bench/bench-memfd.sh).

Usage: bench_memfd_report.py NAME=console.tlog [NAME=console.tlog...]

For each kernel (one QEMU run each) and case, the median over the rounds
of:
  preserve  PRESERVE_FD, timed in the guest;
  old       "kexec -e" to "Starting new kernel" (host wall clock from the
            serial console): the implicit PREPARE and FREEZE of the
            sessions, device shutdown; against the plain kexec's, what
            PREPARE + FREEZE cost;
  jump      "Starting new kernel" to the next kernel's first line:
            purgatory and the decompressor;
  boot      the next kernel's first line to init;
  blackout  old + jump + boot, and x, its ratio to the same kernel's
            plain kexec;
  retrieve  RETRIEVE_SESSION + RETRIEVE_FD in the next kernel (guest);
  meta/GiB  handover metadata per GiB of data: KHO's map plus every
            preserved page that is not the memfd's data (the memfd's own
            records, the session table, LUO's state), from the line KHO
            logs when it finalizes the handover; "-" for a kernel that
            does not log it.
The kernels stand side by side, then the targets of issue 8 are checked
against the medians and each is printed as met or missed.
"""

import re
import statistics
import sys

from tlog import boots as read_boots

CASE = re.compile(r'LUOTEST: bench case=(\S+)')
PRESERVE = re.compile(r'bench: case=(\S+) preserve_ms=([\d.]+)')
RETRIEVE = re.compile(r'bench: case=(\S+) retrieve_ms=([\d.]+) bad=(\d+)')
FINALIZED = re.compile(r'KHO: handover finalized: .*\((\d+) bytes of map\), '
                       r'(\d+) pages preserved')
JUMP = 'kexec_core: Starting new kernel'
PAGE = 4096
GIB = 1 << 30


def on_line(boot, host, kt, msg):
    for key, rx in (('case', CASE), ('preserve', PRESERVE),
                    ('retrieve', RETRIEVE), ('finalized', FINALIZED)):
        m = rx.match(msg)
        if m:
            boot[key] = m.groups()
    if msg.startswith(JUMP):
        boot['jump'] = (host, kt)


def data_bytes(case):
    """Bytes of data a case preserves: its name starts with MiB."""
    mib = case.split('-')[0]
    return int(mib) << 20 if mib.isdigit() else 0


def kernel_results(path):
    """{case: {'preserve': [...], 'old': [...], ...}}"""
    res = {}
    boots = read_boots(path, on_line)
    for old, new in zip(boots, boots[1:]):
        if 'case' not in old or 'kexec' not in old or 'init' not in new:
            continue
        case = old['case'][0]
        r = res.setdefault(case, {k: [] for k in (
            'preserve', 'old', 'jump', 'boot', 'blackout', 'retrieve',
            'meta')})
        r.setdefault('bad', 0)
        r['blackout'].append((new['init'][0] - old['kexec'][0]) * 1000)
        if 'jump' in old:
            r['old'].append((old['jump'][0] - old['kexec'][0]) * 1000)
            r['jump'].append((new['start'][0] - old['jump'][0]) * 1000)
        r['boot'].append((new['init'][0] - new['start'][0]) * 1000)
        if 'preserve' in old:
            r['preserve'].append(float(old['preserve'][1]))
        if 'retrieve' in new:
            r['retrieve'].append(float(new['retrieve'][1]))
            r['bad'] += int(new['retrieve'][2])
        data = data_bytes(case)
        if 'finalized' in old and data:
            map_bytes, pages = (int(v) for v in old['finalized'])
            meta = map_bytes + (pages - data // PAGE) * PAGE
            r['meta'].append(meta * GIB / data)
    return res


def med(values):
    return statistics.median(values) if values else None


COLS = ('preserve', 'old', 'jump', 'boot', 'blackout', 'x', 'retrieve',
        'meta/GiB')


def cells(res, case):
    """The columns of one kernel for one case, as numbers or None."""
    r = res.get(case)
    if not r:
        return None
    plain = med(res.get('plain', {}).get('blackout', []))
    b = med(r['blackout'])
    return {'n': len(r['blackout']), 'preserve': med(r['preserve']),
            'old': med(r['old']), 'jump': med(r['jump']),
            'boot': med(r['boot']), 'blackout': b,
            'x': b / plain if b and plain else None,
            'retrieve': med(r['retrieve']), 'meta/GiB': med(r['meta'])}


def fmt(col, v):
    if v is None:
        return '%8s' % '-'
    if col == 'x':
        return '%8.2f' % v
    if col == 'meta/GiB':
        return '%8s' % ('%.0fK' % (v / 1024))
    return '%8.0f' % v


def targets(kernels):
    """Issue 8's targets, for the first kernel against 'mainline'."""
    (name, ours), peer = kernels[0], dict(kernels).get('mainline')
    lines = []

    def check(what, value, limit, unit=''):
        if value is None or limit is None:
            lines.append('  %-58s not measured' % what)
            return
        lines.append('  %-58s %s (%.2f%s, limit %.2f%s)' % (
            what, 'met' if value <= limit else 'MISSED', value, unit,
            limit, unit))

    for case, limit in (('1024-4k', 1.10), ('1024-frag', 1.25),
                        ('4096-thp', 1.05)):
        c = cells(ours, case)
        check('blackout ratio, %s' % case, c and c['x'], limit, 'x')
    # How far the plain kexec's own rounds stray from their median: a
    # ratio within that is within the noise of the machine.
    plain_runs = ours.get('plain', {}).get('blackout', [])
    if len(plain_runs) > 1:
        m = med(plain_runs)
        lines.append('  (noise: the plain kexec\'s %d rounds lie within '
                     '%.2fx-%.2fx of their median)' %
                     (len(plain_runs), min(plain_runs) / m,
                      max(plain_runs) / m))
    plain = cells(ours, 'plain')
    for case in ('256-4k', '1024-4k', '4096-4k', '1024-frag', '1024-thp',
                 '4096-thp', '1024-sparse'):
        c, p = cells(ours, case), peer and cells(peer, case)
        # PRESERVE_FD plus what the kexec's PREPARE and FREEZE added
        # over the plain kexec's old-kernel part.
        ours_prep = None
        if c and c['preserve'] is not None and c['old'] is not None and \
                plain and plain['old'] is not None:
            ours_prep = c['preserve'] + max(c['old'] - plain['old'], 0)
        check('preserve+prepare+freeze vs mainline preserve, %s' % case,
              ours_prep, p and p['preserve'] and p['preserve'] / 2, ' ms')
        check('retrieve vs mainline retrieve, %s' % case,
              c and c['retrieve'], p and p['retrieve'] and p['retrieve'] / 2,
              ' ms')
    for case in ('256-4k', '1024-4k', '4096-4k', '1024-frag', '1024-thp',
                 '4096-thp', '1024-sparse'):
        c = cells(ours, case)
        check('metadata bytes per 4 KiB page, %s' % case,
              c and c['meta/GiB'] and c['meta/GiB'] / (GIB / PAGE), 4.0,
              ' B')
    s, d = cells(ours, '1024-sparse'), cells(ours, '1024-4k')
    if s and d:
        check('sparse 64 GiB: retrieve against 1 GiB dense', s['retrieve'],
              d['retrieve'] and d['retrieve'] * 1.10, ' ms')
        check('sparse 64 GiB: metadata against 1 GiB dense',
              s['meta/GiB'], d['meta/GiB'] and d['meta/GiB'] * 1.10, ' B')
    print('targets (%s; limits from mainline are half its median):' % name)
    print('\n'.join(lines))


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
    print('memfd benchmark: medians in ms (meta/GiB in KiB); see '
          'harness/bench_memfd_report.py for the columns')
    failed = False
    for name, res in kernels:
        print('%-12s %-4s' % (name, 'n') +
              ''.join(' %8s' % c for c in COLS))
        for case in cases:
            c = cells(res, case)
            if not c:
                print('%-12s %-4s' % (case, '-'))
                continue
            print('%-12s %-4d' % (case, c['n']) +
                  ''.join(' ' + fmt(col, c[col]) for col in COLS))
            if res[case]['bad']:
                failed = True
    if kernels:
        targets(kernels)
    if failed:
        print('bench: some retrieved pages were wrong')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
