#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print the live-update timeline of a scenario run.

Reads console.tlog (each console line prefixed with the host's seconds
since QEMU started) and finds, for every kexec: the old kernel's boot to
init, the stage's "kexec -e" mark, the next kernel's first message and its
init. All spans are wall time of the host, taken when the lines arrive
on the serial console: printk times are not used, because early in boot
they can stay 0 until time_init().

When a KVM guest of tools/liveupdate/vmm went through the update (make
demo), it also prints what the guest saw (its heartbeats, counter,
checksums and the pause on its own TSC) and splits that pause on the
host's clock at the milestones of the VMM ("vmm: ..." lines), of LUO
and of the kexec, with what the VMM and LUO measured themselves in
brackets. A milestone that is not in the log is "n/a".
"""

import re
import sys

from tlog import boots as events

NUM = r'([\d.]+)'
SAVED = re.compile(r'vmm: saved: vCPUs stopped in %s ms, state \((\d+) bytes\)'
                   r' written in %s ms, preserved as token \d+ in %s ms;'
                   r' holding session (\S+)' % (NUM, NUM, NUM))
LAST = re.compile(r'vmm: last heartbeat before the update: vCPU (\d+)'
                  r' heartbeat (\d+) at guest TSC \d+, counter (\d+)')
RESTORED = re.compile(r'vmm: restored: session and memory retrieved in %s ms,'
                      r' VM rebuilt and resumed after %s ms;.* %s ms since the'
                      r' state was saved \(host TSC\)' % (NUM, NUM, NUM))
FIRST = re.compile(r'vmm: first heartbeat after the update: vCPU (\d+)'
                   r' heartbeat (\d+) \(last before: (\d+)\), guest-observed'
                   r' pause %s ms, counter (\d+)' % NUM)
PASS = re.compile(r'vmm: first whole pass after the update: vCPU (\d+) pass'
                  r' (\d+), table checksum matched in (\d+) of (\d+) passes'
                  r' since the update, (\d+) errors, (\d+) heartbeats out of'
                  r' sequence, (\d+) faults: (\w+)')
FROZE = re.compile(r'liveupdate: froze in (\d+) us')

# Milestones: key, how the message starts.
MILESTONES = (('handoff', 'kexec_core: Starting new kernel'),
              ('prepared', 'liveupdate: state: normal -> prepared'),
              ('froze', 'liveupdate: froze in '),
              ('stopping', 'vmm: save: stopping the vCPUs'),
              ('saved', 'vmm: saved: '),
              ('restored', 'vmm: restored: '))


def on_line(boot, host, kt, msg):
    """Keep what the next kernel says it got from the previous one, the
    milestones of the kexec and of the VMM, and every VMM line."""
    for prefix in ('KHO: handover accepted: ', 'KHO: handover rejected: ',
                   'liveupdate: booted from a live update, '):
        if msg.startswith(prefix):
            boot.setdefault('got', []).append(msg)
    for key, prefix in MILESTONES:
        # The last of each (the save before the kexec), but the first
        # restore that brought a VM back.
        if msg.startswith(prefix) and not (key == 'restored' and key in boot):
            boot[key] = (host, kt, msg)
    if msg.startswith('vmm: '):
        boot.setdefault('vmm', []).append((host, msg))


def per_vcpu(boot, pattern, before=None):
    """The last match of pattern for each vCPU among the boot's VMM lines
    (those before host time `before` only, if given)."""
    out = {}
    for host, msg in boot.get('vmm', []):
        m = pattern.match(msg)
        if m and (before is None or host <= before):
            out[int(m.group(1))] = m.groups()
    return out


def guest_view(old, new):
    """The guest's own account of the update. Returns its pause in
    seconds (vCPU 0), or None."""
    saved_at = old['saved'][0] if 'saved' in old else None
    last = per_vcpu(old, LAST, saved_at)
    first = per_vcpu(new, FIRST)
    passes = per_vcpu(new, PASS)
    name = ' ' + SAVED.match(old['saved'][2]).group(5) if 'saved' in old \
        else ''
    print('  the KVM guest%s, as it saw the update (its own TSC and'
          ' checks):' % name)
    cpus = sorted(set(last) | set(first) | set(passes))
    if not cpus:
        print('    n/a (no "vmm:" heartbeat lines in the log)')
        return None
    for c in cpus:
        lb, fa, ps = last.get(c), first.get(c), passes.get(c)
        if lb and fa:
            seq = int(fa[1]) == int(lb[1]) + 1
            went_on = int(fa[4]) > int(lb[2])
            print('    vCPU %d: heartbeat %s -> %s (%s), counter %s -> %s (%s),'
                  ' pause %.1f ms'
                  % (c, lb[1], fa[1], 'in sequence' if seq else
                     'OUT OF SEQUENCE', lb[2], fa[4], 'goes on' if went_on
                     else 'DID NOT GO ON', float(fa[3])))
        else:
            print('    vCPU %d: heartbeat %s -> %s, pause %s'
                  % (c, lb[1] if lb else 'n/a', fa[1] if fa else 'n/a',
                     '%.1f ms' % float(fa[3]) if fa else 'n/a'))
        print('            first whole pass after: %s'
              % ('checksums ok in %s of %s passes, %s errors, %s out of'
                 ' sequence, %s faults: %s' % ps[2:] if ps else 'n/a'))
    return float(first[0][3]) / 1000 if 0 in first else None


def span(a, b):
    """Seconds from milestone a to milestone b (host times), or None."""
    if a is None or b is None:
        return None
    return b[0] - a[0]


def host_split(old, new, pause):
    """The pause on the host's clock, milestone to milestone."""
    ms = lambda s: '%8.0f ms' % (s * 1000) if s is not None else '     n/a   '
    saved = SAVED.match(old['saved'][2]) if 'saved' in old else None
    restored = RESTORED.match(new['restored'][2]) if 'restored' in new \
        else None
    froze = FROZE.match(old['froze'][2]) if 'froze' in old else None
    g = lambda b, k: b.get(k)
    # The start of the restore that came back: the last one before it of
    # the session that was saved (refused ones of other VMs go first).
    name = saved.group(5) if saved else None
    start = None
    for host, msg in new.get('vmm', []):
        m = re.match(r'vmm: restore: retrieving session (\S+)$', msg)
        if m and name in (None, m.group(1)) and \
                (not restored or host <= new['restored'][0]):
            start = (host, None, msg)
    print('  the pause on the host (serial console; in brackets what the'
          ' VMM and LUO measured):')
    rows = [
        ('VMM save', span(g(old, 'stopping'), g(old, 'saved')),
         '(VMM: vCPUs stopped %s ms, %d KiB of state written %s ms,'
         ' preserved %s ms)' % (saved.group(1), int(saved.group(2)) >> 10,
                                saved.group(3), saved.group(4))
         if saved else ''),
        ('saved -> luoctl prepare starts', span(g(old, 'saved'),
                                                g(old, 'kexec')),
         '(the stage script up to luoctl)'),
        ('LUO prepare', span(g(old, 'kexec'), g(old, 'prepared')),
         '(luoctl prepare)'),
        ('kexec -e -> LUO frozen', span(g(old, 'prepared'), g(old, 'froze')),
         '(LUO freeze: %s us)' % froze.group(1) if froze
         else '(LUO freeze: n/a)'),
        ('frozen -> old kernel done', span(g(old, 'froze'),
                                           g(old, 'handoff')),
         '(KHO finalized, devices shut down)'),
        ('kexec: old kernel done -> next starts',
         span(g(old, 'handoff'), g(new, 'start')),
         '(purgatory, decompression)'),
        ('boot: next start -> init', span(g(new, 'start'), g(new, 'init')),
         ''),
        ('init -> VMM restore starts', span(g(new, 'init'), start),
         '(stage script)'),
    ]
    total = span(start, g(new, 'restored'))
    if restored and total is not None:
        retrieve = float(restored.group(1)) / 1000
        rows.append(('retrieve: session + memory', retrieve,
                     '(VMM: %s ms)' % restored.group(1)))
        rows.append(('VMM restore: VM rebuilt, resumed', total - retrieve,
                     '(VMM: resumed %.1f ms after the retrieve)'
                     % (float(restored.group(2)) - float(restored.group(1)))))
    else:
        rows.append(('retrieve: session + memory', None, ''))
        rows.append(('VMM restore: VM rebuilt, resumed', None, ''))
    for label, secs, note in rows:
        print(('    %-38s%s %s' % (label, ms(secs), note)).rstrip())
    whole = span(g(old, 'stopping'), g(new, 'restored'))
    vmm = ''
    if saved and restored:
        vmm = '(VMM, host TSC: %.0f ms)' % (
            float(saved.group(1)) + float(saved.group(3)) +
            float(restored.group(3)))
    print(('    %-38s%s %s' % ('vCPUs stopped -> resumed', ms(whole),
                                vmm)).rstrip())
    print(('    %-38s%s' % ('guest-observed pause (vCPU 0)',
                             ms(pause))).rstrip())


def main():
    boots = events(sys.argv[1], on_line)
    if len(boots) < 2:
        print('timeline: no kexec found in %s' % sys.argv[1])
        return 1
    ms = lambda s: '%8.0f ms' % (s * 1000)
    for i, (old, new) in enumerate(zip(boots, boots[1:]), 1):
        if 'kexec' not in old or 'init' not in new or 'init' not in old:
            print('timeline: kexec %d is incomplete' % i)
            return 1
        print('live update %d (wall clock of the host, from the serial console):' % i)
        print('  old kernel: start -> init        %s'
              % ms(old['init'][0] - old['start'][0]))
        print('  old kernel: init -> kexec -e     %s'
              % ms(old['kexec'][0] - old['init'][0]))
        print('  kexec -e -> next kernel starts   %s (shutdown, freeze, purgatory,'
              ' decompression)' % ms(new['start'][0] - old['kexec'][0]))
        print('  next kernel: start -> init       %s'
              % ms(new['init'][0] - new['start'][0]))
        print('  blackout: kexec -e -> next init  %s'
              % ms(new['init'][0] - old['kexec'][0]))
        for msg in new.get('got', []):
            print('  next kernel: ' + msg)
        if 'saved' in old or 'restored' in new:
            pause = guest_view(old, new)
            host_split(old, new, pause)
    return 0


if __name__ == '__main__':
    sys.exit(main())
