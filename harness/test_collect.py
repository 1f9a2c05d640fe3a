#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tests of the result collector itself, printed as KTAP.

A harness that reports a pass for a test that never ran is worse than no
harness. Each case builds a run directory (synthetic, or a copy of a real
QEMU run with parts removed) and checks the collector's verdict.

Usage: test_collect.py TREE [REAL_RUNDIR]
"""

import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIO = '''# stages: 2
# expect: 1 one
# expect: 2 two
'''
GOOD_TESTS = '''LUOTEST BEGIN demo stage 1
KTAP version 1
1..1
ok 1 one
LUOTEST END demo stage 1
LUOTEST BEGIN demo stage 2
KTAP version 1
1..2
ok 1 two
    TAP version 13
    1..2
    ok 1 sub_a
    ok 2 sub_b
ok 2 ksft
LUOTEST END demo stage 2
'''
KUNIT_CONSOLE = '''[    0.000000] Linux version 6.12.117 test
[    0.500000] KTAP version 1
[    0.500000] 1..1
[    0.500000]     KTAP version 1
[    0.500000]     # Subtest: demo-suite
[    0.500000]     1..2
[    0.500000]     ok 1 case_a
[    0.500000]     ok 2 case_b
[    0.500000] ok 1 demo-suite
[    0.600000] Run /init as init process
'''


def run_collector(tree, scen_dir, rundir):
    p = subprocess.run([sys.executable, os.path.join(HERE, 'collect.py'),
                        '--tree', tree, '--scenarios', scen_dir, rundir],
                       capture_output=True, text=True)
    return p.returncode, p.stdout


def make_run(tmp, tests, console='', status='ok 3.0', scenario=SCENARIO,
             files=()):
    scen = os.path.join(tmp, 'scen')
    run = os.path.join(tmp, 'runs', 'demo')
    os.makedirs(scen, exist_ok=True)
    os.makedirs(run, exist_ok=True)
    with open(os.path.join(scen, 'demo.sh'), 'w') as f:
        f.write(scenario)
    for name, text in (('tests.log', tests), ('console.log', console),
                       ('status', status)):
        if text is not None:
            with open(os.path.join(run, name), 'w') as f:
                f.write(text)
    for name, text in files:
        path = os.path.join(tmp, name.replace('RUN', run))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(text.replace('TMP', tmp))
    return scen, run


def cases(tree, real):
    """Yield (name, rc_must_be_zero, needle_in_output, scen, run)."""
    def mk(**kw):
        return make_run(tempfile.mkdtemp(prefix='collect-'), **kw)

    yield ('good_run_passes', True, '4 passed, 0 failed',
           *mk(tests=GOOD_TESTS))
    yield ('missing_stage_fails', False, 'stage 2 did not report',
           *mk(tests=GOOD_TESTS.split('LUOTEST BEGIN demo stage 2')[0]))
    yield ('missing_expected_test_fails', False, 'expected test two did not report',
           *mk(tests=GOOD_TESTS.replace('ok 1 two', 'ok 1 other')))
    yield ('not_ok_fails', False, '1 failed',
           *mk(tests=GOOD_TESTS.replace('ok 1 one', 'not ok 1 one')))
    yield ('short_plan_fails', False, 'KTAP errors',
           *mk(tests=GOOD_TESTS.replace('1..1\nok 1 one', '1..2\nok 1 one')))
    yield ('nested_parent_failure_counts', False, 'stage 2: ksft',
           *mk(tests=GOOD_TESTS.replace('ok 2 ksft', 'not ok 2 ksft')))
    yield ('skipped_test_fails', False, '1 failed',
           *mk(tests=GOOD_TESTS.replace('ok 1 sub_a', 'ok 1 sub_a # SKIP no device')))
    yield ('timeout_fails', False, 'timed out',
           *mk(tests=GOOD_TESTS, status='timeout 120.0'))
    yield ('reset_fails', False, 'the machine reset itself',
           *mk(tests=GOOD_TESTS, status='reset 3.0'))
    yield ('reset_names_the_rip', False,
           'RIP of each CPU: ffffffff9a001010 (svm_run+0x10) 0',
           *mk(tests=GOOD_TESTS, status='reset 3.0',
               console='[ 1.0] LUOTEST: kernel _text at ffffffff9a000000\n',
               files=(('RUN/qemu.cmd', 'qemu -kernel TMP/b/bzImage -m 2G'),
                      ('b/obj/System.map', 'ffffffff81000000 T _text\n'
                       'ffffffff81001000 T svm_run\n'),
                      ('RUN/registers.txt', 'RIP=ffffffff9a001010\nRIP=0\n'))))
    yield ('silent_stage_shows_console_end', False,
           'stage 2 did not report (the console ends: [ 2.0] last words)',
           *mk(tests=GOOD_TESTS.split('LUOTEST BEGIN demo stage 2')[0],
               console='[ 1.0] first\n[ 2.0] last words\n'))
    yield ('panic_fails', False, 'kernel panic',
           *mk(tests=GOOD_TESTS, console='[ 1.0] Kernel panic - not syncing: x\n'))
    yield ('warning_fails', False, 'kernel WARNING',
           *mk(tests=GOOD_TESTS, console='[ 1.0] WARNING: CPU: 0 PID: 1 at x.c:1 f\n'))
    yield ('lockdep_report_fails', False, 'kernel WARNING',
           *mk(tests=GOOD_TESTS, console='[ 1.0] WARNING: possible circular locking dependency detected\n'))
    yield ('kasan_report_fails', False, 'kernel BUG',
           *mk(tests=GOOD_TESTS, console='[ 1.0] BUG: KASAN: slab-use-after-free in f+0x1/0x2\n'))
    yield ('no_tests_log_fails', False, 'stage 1 did not report',
           *mk(tests=None))
    kscen = '# stages: 1\n# kunit: demo-suite\n'
    ktests = 'LUOTEST BEGIN demo stage 1\nKTAP version 1\n1..0\nLUOTEST END demo stage 1\n'
    yield ('kunit_suite_counted', True, '2 passed, 0 failed',
           *mk(tests=ktests, console=KUNIT_CONSOLE, scenario=kscen))
    yield ('kunit_suite_missing_fails', False, 'KUnit suite demo-suite did not run',
           *mk(tests=ktests, console=KUNIT_CONSOLE.replace('demo-suite', 'other'),
               scenario=kscen))
    if real and os.path.isdir(real):
        # A real two-stage QEMU run, with its second stage cut away.
        tmp = tempfile.mkdtemp(prefix='collect-')
        run = os.path.join(tmp, os.path.basename(real.rstrip('/')))
        shutil.copytree(real, run)
        with open(os.path.join(run, 'tests.log')) as f:
            log = f.read()
        with open(os.path.join(run, 'tests.log'), 'w') as f:
            f.write(log.split('LUOTEST BEGIN %s stage 2' % os.path.basename(run))[0])
        yield ('real_run_without_stage2_fails', False, 'stage 2 did not report',
               os.path.join(HERE, 'scenarios'), run)


def main():
    tree = sys.argv[1]
    real = sys.argv[2] if len(sys.argv) > 2 else None
    results = []
    for name, want_ok, needle, scen, run in cases(tree, real):
        rc, out = run_collector(tree, scen, run)
        good = (rc == 0) == want_ok and needle in out
        results.append((name, good, out))
    print('KTAP version 1')
    print('1..%d' % len(results))
    for i, (name, good, out) in enumerate(results, 1):
        if not good:
            for line in out.splitlines():
                print('# ' + line)
        print('%s %d %s' % ('ok' if good else 'not ok', i, name))
    return 0 if all(g for _, g, _ in results) else 1


if __name__ == '__main__':
    sys.exit(main())
