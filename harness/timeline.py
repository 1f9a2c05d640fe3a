#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print the live-update timeline of a scenario run.

Reads console.tlog (each console line prefixed with the host's seconds
since QEMU started) and finds, for every kexec: the old kernel's boot to
init, the stage's "kexec -e" mark, the next kernel's first message and its
init. All spans are wall time of the host, taken when the lines arrive
on the serial console: printk times are not used, because early in boot
they can stay 0 until time_init().
"""

import re
import sys

from tlog import boots as events


BLACKOUT = re.compile(r'toy_vmm: blackout seen by the workload: ([\d.]+) ms')


def handed_over(boot, host, kt, msg):
    """Keep what the next kernel says it got from the previous one, and
    the milestones of the demo's workload (toy_vmm) and of the kexec."""
    for prefix in ('KHO: handover accepted: ', 'KHO: handover rejected: ',
                   'liveupdate: booted from a live update, '):
        if msg.startswith(prefix):
            boot.setdefault('got', []).append(msg)
    for key, prefix in (('handoff', 'kexec_core: Starting new kernel'),
                        ('froze', 'liveupdate: froze in '),
                        ('retrieved', 'toy_vmm: retrieved'),
                        ('checked', 'toy_vmm: checked')):
        if msg.startswith(prefix):
            boot[key] = (host, kt, msg)
    m = BLACKOUT.match(msg)
    if m:
        boot['blackout'] = float(m.group(1)) / 1000


def workload(old, new, ms):
    """The blackout as the demo's workload saw it, split at the kernel's
    milestones (host times, placed by the workload's own TSC span)."""
    keys = ('handoff', 'retrieved', 'checked', 'blackout')
    if 'handoff' not in old or any(k not in new for k in keys[1:]):
        return
    first_write = new['checked'][0]
    last_write = first_write - new['blackout']
    print('  workload (toy VMM), its last write before the kexec to its first'
          ' write after:')
    print('    blackout seen by the workload   %s' % ms(new['blackout']))
    print('      last write -> old kernel done %s (freeze, shutdown; serial'
          ' console lag blurs it)' % ms(max(0, old['handoff'][0] - last_write)))
    if 'froze' in old:
        print('        of which LUO freeze: ' + old['froze'][2].split(': ', 1)[1])
    print('      old kernel -> next starts     %s (purgatory, decompression)'
          % ms(new['start'][0] - old['handoff'][0]))
    print('      next kernel: start -> init    %s'
          % ms(new['init'][0] - new['start'][0]))
    print('      init -> memory retrieved      %s (init, VMM start, RETRIEVE_*)'
          % ms(new['retrieved'][0] - new['init'][0]))
    print('        of which ' + new['retrieved'][2].split(': ', 1)[1])
    print('      retrieved -> checked, writing %s (every page compared)'
          % ms(first_write - new['retrieved'][0]))


def main():
    boots = events(sys.argv[1], handed_over)
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
        workload(old, new, ms)
    return 0


if __name__ == '__main__':
    sys.exit(main())
