#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Boot the test kernel in QEMU and record what it prints.

ttyS0 (the kernel console) is read line by line and written twice: raw to
console.log and, prefixed with the host's seconds since QEMU started, to
console.tlog (the timeline of the demo and the benchmarks). ttyS1 (test
results) goes to tests.log. A hard timeout kills QEMU, after writing the
registers of every vCPU (from the monitor on a socket in the output
directory) to registers.txt, so that a hang says where it hung.

A machine that shuts down is paused rather than gone, so that one that
reset itself without a word (a triple fault of the test kernel, which
-no-reboot turns into a shutdown) still has its registers: they go to
registers.txt, QEMU's own account ("Triple fault") to qemu.log, and the
run's status says reset. A power-off the kernel announced is a normal
end. The exit status and the reason are written to status: ok, timeout,
panic, reset or qemu-rc-N.
"""

import argparse
import os
import selectors
import shlex
import socket
import subprocess
import sys
import time

PANIC = ('Kernel panic - not syncing', 'Rebooting in', 'reboot: Restarting system')


POWER_OFF = 'reboot: Power down'


def monitor(path, command, wait=3.0):
    """Send one command to the QEMU monitor at path; return what it said."""
    data = b''
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(min(wait, 2.0))
            s.connect(path)
            s.sendall(command.encode() + b'\n')
            end = time.monotonic() + wait
            # The banner's prompt, then the one after the answer.
            while time.monotonic() < end and data.count(b'(qemu) ') < 2:
                try:
                    chunk = s.recv(65536)
                except socket.timeout:
                    break
                if not chunk:
                    break
                data += chunk
    except OSError as e:
        data += ('monitor: %s\n' % e).encode()
    return data


def dump_registers(path, out):
    """Ask the QEMU monitor at path for every vCPU's registers."""
    with open(out, 'wb') as f:
        f.write(monitor(path, 'info registers -a'))


def shut_down(path):
    """True once the machine has shut down (and sits paused)."""
    return b'(shutdown)' in monitor(path, 'info status', wait=0.5)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--kernel', required=True)
    ap.add_argument('--initrd', required=True)
    ap.add_argument('--append', default='')
    ap.add_argument('--outdir', required=True)
    ap.add_argument('--timeout', type=float, default=120)
    ap.add_argument('--qemu-args', default='',
                    help='extra QEMU arguments, shell-split (memory, NUMA, ...)')
    ap.add_argument('--echo', action='store_true', help='copy the console to stderr')
    args = ap.parse_args()

    os.makedirs(args.outdir, exist_ok=True)
    extra = shlex.split(args.qemu_args)
    # A scenario may name its own accelerator ("-accel tcg,thread=single"
    # in its header); LUO_QEMU_ACCEL overrides every scenario.
    accel = 'tcg'
    while '-accel' in extra:
        at = extra.index('-accel')
        if at + 1 == len(extra):
            sys.exit('qemu-run: -accel needs a value')
        accel = extra[at + 1]
        del extra[at:at + 2]
    accel = os.environ.get('LUO_QEMU_ACCEL') or accel
    if not any(a == '-m' for a in extra):
        extra += ['-m', '2G']
    if not any(a == '-smp' for a in extra):
        extra += ['-smp', '2']
    monitor_path = os.path.join(args.outdir, 'monitor.sock')
    registers = os.path.join(args.outdir, 'registers.txt')
    if os.path.exists(monitor_path):
        os.unlink(monitor_path)
    cmd = ['qemu-system-x86_64', '-accel', accel, '-nodefaults', '-no-reboot',
           '-action', 'shutdown=pause',
           '-d', 'cpu_reset', '-D', os.path.join(args.outdir, 'qemu.log'),
           '-display', 'none',
           '-monitor', 'unix:%s,server=on,wait=off' % monitor_path,
           '-serial', 'stdio',
           '-serial', 'file:' + os.path.join(args.outdir, 'tests.log'),
           '-kernel', args.kernel, '-initrd', args.initrd,
           '-append', args.append] + extra
    with open(os.path.join(args.outdir, 'qemu.cmd'), 'w') as f:
        f.write(shlex.join(cmd) + '\n')

    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    status = None
    last = ''
    buf = b''
    with open(os.path.join(args.outdir, 'console.log'), 'wb') as raw, \
         open(os.path.join(args.outdir, 'console.tlog'), 'w') as tlog:
        def emit(line):
            nonlocal status, last
            raw.write(line)
            text = line.decode('utf-8', 'replace').rstrip('\r\n')
            last = text
            tlog.write('%.6f\t%s\n' % (time.monotonic() - start, text))
            if args.echo:
                print(text, file=sys.stderr)
            if status is None and any(p in text for p in PANIC):
                status = 'panic'

        while True:
            left = args.timeout - (time.monotonic() - start)
            if left <= 0:
                status = 'timeout'
                dump_registers(monitor_path, registers)
                proc.kill()
                break
            idle = 0.2 if POWER_OFF in last else 1.0
            if not sel.select(timeout=min(left, idle)):
                if proc.poll() is not None:
                    break
                if shut_down(monitor_path):
                    if status is None and POWER_OFF not in last:
                        status = 'reset'
                        dump_registers(monitor_path, registers)
                    monitor(monitor_path, 'quit', wait=1.0)
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
            while b'\n' in buf:
                line, buf = buf.split(b'\n', 1)
                emit(line + b'\n')
        if buf:
            emit(buf)
    rc = proc.wait()
    if status is None:
        status = 'ok' if rc == 0 else 'qemu-rc-%d' % rc
    with open(os.path.join(args.outdir, 'status'), 'w') as f:
        f.write('%s %.3f\n' % (status, time.monotonic() - start))
    return 0 if status == 'ok' else 1


if __name__ == '__main__':
    sys.exit(main())
