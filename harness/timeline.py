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

import sys

from tlog import boots as events


def handed_over(boot, host, kt, msg):
    """Keep what the next kernel says it got from the previous one."""
    for prefix in ('KHO: handover accepted: ', 'KHO: handover rejected: ',
                   'liveupdate: booted from a live update, '):
        if msg.startswith(prefix):
            boot.setdefault('got', []).append(msg)


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
    return 0


if __name__ == '__main__':
    sys.exit(main())
