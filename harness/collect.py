#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Collect the results of scenario runs into one report.

For each scenario directory (written by qemu-run.py) it reads the
scenario's header (stages, expected tests, KUnit suites), then:

- the run itself: a timeout, a kernel panic, an Oops, a BUG or a WARNING
  in the kernel log each count as one failed test;
- every stage must have reported a KTAP document on the tests log; one
  that did not report counts as failed, and so does every expected test
  that did not report ok;
- KUnit suites named in the header are parsed from the kernel log of the
  boot that ran them, with the kernel tree's kunit_parser.

KTAP is parsed by tools/testing/kunit/kunit_parser.py of the kernel tree.
The last line is always "N passed, N failed"; the exit status is 0 only
when nothing failed and something passed.
"""

import argparse
import bisect
import io
import os
import re
import sys

kunit_parser = None
PARSER_LOG = io.StringIO()

KERNEL_TROUBLE = [
    ('kernel panic', re.compile(r'Kernel panic - not syncing')),
    ('kernel oops', re.compile(r'\bOops\b|general protection fault')),
    ('kernel BUG', re.compile(r'\bBUG: |kernel BUG at')),
    ('kernel WARNING', re.compile(r'(^|\] )WARNING: ')),
    ('UBSAN report', re.compile(r'UBSAN: ')),
]


def load_parser(tree):
    global kunit_parser
    sys.path.insert(0, os.path.join(tree, 'tools', 'testing', 'kunit'))
    import kunit_parser as kp  # noqa: E402
    import kunit_printer  # noqa: E402
    # The parser prints its own summary; keep it for --verbose only.
    kp.stdout = kunit_printer.Printer(PARSER_LOG)
    kunit_parser = kp


def parse_header(path):
    """Read '# key: value' lines of a scenario file."""
    meta = {'stages': 1, 'expect': [], 'kunit': [], 'xfail': []}
    with open(path) as f:
        for line in f:
            m = re.match(r'#\s*(stages|expect|kunit|qemu|append|timeout):\s*(.*)', line)
            if not m:
                continue
            key, val = m.group(1), m.group(2).strip()
            if key == 'stages':
                meta['stages'] = int(val)
            elif key == 'expect':
                stage, name = val.split(None, 1)
                meta['expect'].append((int(stage), name))
            elif key == 'kunit':
                meta['kunit'] += val.split()
            else:
                meta[key] = (meta.get(key, '') + ' ' + val).strip()
    return meta


def parse_ktap(lines):
    """Parse KTAP lines with the kernel's parser."""
    return kunit_parser.parse_run_tests(lines)


def leaves(test, prefix=''):
    """Yield (name, ok) of every leaf test, and of every parent whose own
    result is a failure that its children do not account for. Skipped
    tests did not run, so they are not ok."""
    name = prefix + test.name
    if not test.subtests:
        # A skipped test did not run: it counts as failed.
        yield name, test.status == kunit_parser.TestStatus.SUCCESS
        return
    bad_child = False
    for sub in test.subtests:
        for leaf in leaves(sub, name + '.'):
            bad_child |= not leaf[1]
            yield leaf
    if test.status != kunit_parser.TestStatus.SUCCESS and not bad_child:
        yield name, False


class Result:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.lines = []

    def add(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            self.lines.append('FAIL ' + what)


def stage_docs(tests_log, scenario):
    """Map stage number -> list of KTAP documents (list of lines)."""
    docs = {}
    cur = None
    begin = re.compile(r'LUOTEST BEGIN (\S+) stage (\d+)$')
    end = re.compile(r'LUOTEST END (\S+) stage (\d+)$')
    for line in tests_log:
        line = line.rstrip('\r\n')
        m = begin.match(line)
        if m and m.group(1) == scenario:
            cur = (int(m.group(2)), [])
            continue
        m = end.match(line)
        if m and cur is not None:
            docs.setdefault(cur[0], []).append(cur[1])
            cur = None
            continue
        if cur is not None:
            cur[1].append(line)
    return docs


def kernel_boots(console):
    """Split a console log into one list of lines per kernel boot."""
    boots = []
    for line in console:
        if 'Linux version ' in line and '] Linux version' in line or \
           line.startswith('Linux version '):
            boots.append([])
        if boots:
            boots[-1].append(line)
    return boots


def kernel_symbols(rundir):
    """The text symbols of the kernel the run booted, as a sorted list of
    (address, name), from the System.map of its build (build/obj-V for
    build/bzImage-V, as mkkernel.sh lays them out); [] if not found."""
    try:
        cmd = open(os.path.join(rundir, 'qemu.cmd')).read()
    except OSError:
        return []
    m = re.search(r'-kernel (\S+)', cmd)
    if not m:
        return []
    build, image = os.path.split(m.group(1))
    sysmap = os.path.join(build, image.replace('bzImage', 'obj', 1), 'System.map')
    syms = []
    try:
        for line in open(sysmap):
            addr, kind, sym = line.split()[:3]
            if kind in 'tTwW':
                syms.append((int(addr, 16), sym))
    except (OSError, ValueError):
        return []
    return sorted(syms)


def symbolize(rips, console, syms):
    """Name each kernel RIP as symbol+offset. The kernel is randomized
    (KASLR): the guest's init logs where _text is in each boot, and the
    last boot is the one that was running."""
    text = [int(m.group(1), 16) for l in console
            for m in [re.search(r'LUOTEST: kernel _text at ([0-9a-f]+)', l)] if m]
    base = dict((n, a) for a, n in syms).get('_text')
    out = []
    for rip in rips:
        where = rip
        addr = int(rip, 16)
        if text and base is not None and addr >= 0xffffffff80000000:
            addr -= text[-1] - base
            i = bisect.bisect_right(syms, (addr, '\xff')) - 1
            if i >= 0 and addr - syms[i][0] < 0x100000:
                where = '%s (%s+%#x)' % (rip, syms[i][1], addr - syms[i][0])
        out.append(where)
    return out


def collect_scenario(res, rundir, scenario_file):
    name = os.path.basename(rundir)
    meta = parse_header(scenario_file)
    read = lambda f: open(os.path.join(rundir, f), errors='replace').read().splitlines() \
        if os.path.exists(os.path.join(rundir, f)) else []
    status = (read('status') or ['missing'])[0].split()[0]
    console = read('console.log')
    tests_log = read('tests.log')

    if status == 'timeout':
        res.add(False, '%s: timed out' % name)
    elif status == 'reset':
        why = 'a triple fault' if any('Triple fault' in l for l in read('qemu.log')) \
            else 'not a triple fault QEMU saw'
        rips = ' '.join(symbolize(re.findall(r'RIP=([0-9a-f]+)',
                                             '\n'.join(read('registers.txt'))),
                                  console, kernel_symbols(rundir)))
        res.add(False, '%s: the machine reset itself with no kernel message '
                '(%s; RIP of each CPU: %s)' % (name, why, rips or 'unknown'))
    elif status not in ('ok', 'panic'):
        res.add(False, '%s: QEMU run %s' % (name, status))
    for what, rx in KERNEL_TROUBLE:
        hits = [l for l in console if rx.search(l)]
        if hits:
            res.add(False, '%s: %s: %s' % (name, what, hits[0].strip()))

    docs = stage_docs(tests_log, name)
    seen = {}
    silent = False
    for stage in range(1, meta['stages'] + 1):
        if stage not in docs:
            # The first stage that did not report: say where it stopped.
            tail = ''
            if not silent and console:
                tail = ' (the console ends: %s)' % console[-1].strip()[:160]
            silent = True
            res.add(False, '%s: stage %d did not report%s' % (name, stage, tail))
            continue
        for doc in docs[stage]:
            if [l for l in doc if l.strip()] == ['KTAP version 1', '1..0']:
                continue	# a stage that only kexecs or only boots
            test = parse_ktap(doc)
            if test.status == kunit_parser.TestStatus.FAILURE_TO_PARSE_TESTS:
                res.add(False, '%s: stage %d: unparsable KTAP' % (name, stage))
                continue
            for sub in test.subtests:
                seen[(stage, sub.name)] = sub.status == kunit_parser.TestStatus.SUCCESS
            if test.counts.errors:
                res.add(False, '%s: stage %d: %d KTAP errors (plan mismatch?)'
                        % (name, stage, test.counts.errors))
            for sub in test.subtests:
                for leaf, ok in leaves(sub):
                    res.add(ok, '%s: stage %d: %s' % (name, stage, leaf))
    for stage, test in meta['expect']:
        if (stage, test) not in seen:
            res.add(False, '%s: stage %d: expected test %s did not report'
                    % (name, stage, test))

    if meta['kunit']:
        boots = kernel_boots(console)
        ran = {}
        for boot in boots[:1]:
            test = parse_ktap(boot)
            for suite in test.subtests:
                ran[suite.name] = suite
        for suite in meta['kunit']:
            if suite not in ran:
                res.add(False, '%s: KUnit suite %s did not run' % (name, suite))
                continue
            for leaf, ok in leaves(ran[suite], 'kunit.'):
                res.add(ok, '%s: %s' % (name, leaf))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--tree', required=True, help='kernel tree (for kunit_parser)')
    ap.add_argument('--scenarios', required=True, help='directory of scenario files')
    ap.add_argument('--extra', type=int, nargs=2, default=(0, 0),
                    metavar=('PASSED', 'FAILED'), help='results of host-side tests')
    ap.add_argument('--verbose', action='store_true',
                    help="print kunit_parser's own output too")
    ap.add_argument('rundirs', nargs='*', help='one directory per scenario run')
    args = ap.parse_args()
    load_parser(args.tree)

    res = Result()
    res.passed += args.extra[0]
    res.failed += args.extra[1]
    for rundir in args.rundirs:
        name = os.path.basename(rundir.rstrip('/'))
        sfile = os.path.join(args.scenarios, name + '.sh')
        if not os.path.exists(sfile):
            res.add(False, '%s: no scenario file %s' % (name, sfile))
            continue
        before = (res.passed, res.failed)
        collect_scenario(res, rundir.rstrip('/'), sfile)
        print('%-28s %3d passed, %d failed' % (name, res.passed - before[0],
                                              res.failed - before[1]))
    for line in res.lines:
        print(line)
    if args.verbose:
        print(PARSER_LOG.getvalue())
    if res.passed + res.failed == 0:
        res.add(False, 'nothing ran')
        print(res.lines[-1])
    print('%d passed, %d failed' % (res.passed, res.failed))
    return 0 if res.failed == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
