#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print the live-update timeline of a scenario run.

Reads console.tlog (each console line prefixed with the host's seconds
since QEMU started) and finds, for every kexec: the old kernel's boot to
init, the stage's "kexec -e" mark, the next kernel's first message and its
init. Host-clock spans are wall time measured outside the guest; the
"(kernel clock)" spans are printk times of one kernel.
"""

import sys

from tlog import boots as events


def main():
    boots = events(sys.argv[1])
    if len(boots) < 2:
        print('timeline: no kexec found in %s' % sys.argv[1])
        return 1
    ms = lambda s: '%8.0f ms' % (s * 1000)
    for i, (old, new) in enumerate(zip(boots, boots[1:]), 1):
        if 'kexec' not in old or 'init' not in new or 'init' not in old:
            print('timeline: kexec %d is incomplete' % i)
            return 1
        print('live update %d:' % i)
        print('  old kernel: start -> init        %s (kernel clock)'
              % ms(old['init'][1] - old['start'][1]))
        print('  old kernel: init -> kexec -e     %s (host clock)'
              % ms(old['kexec'][0] - old['init'][0]))
        print('  kexec -e -> next kernel starts   %s (host clock: shutdown,'
              ' purgatory, decompression)' % ms(new['start'][0] - old['kexec'][0]))
        print('  next kernel: start -> init       %s (kernel clock)'
              % ms(new['init'][1] - new['start'][1]))
        print('  blackout: kexec -e -> next init  %s (host clock)'
              % ms(new['init'][0] - old['kexec'][0]))
    return 0


if __name__ == '__main__':
    sys.exit(main())
