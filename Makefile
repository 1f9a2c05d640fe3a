# SPDX-License-Identifier: GPL-2.0
# Front door of the LUO for Linux 6.12 series. Everything runs through
# the scripts in harness/; output goes to build/, downloads to
# ${XDG_CACHE_HOME:-~/.cache}/luo-6.12.
#
#   make check     build + every test; last line "N passed, N failed"
#   make demo      the main job: a real live update in QEMU, with timeline
#   make check-debug  every scenario on the debug kernel (lockdep, KASAN, kmemleak, ...)
#   make tree      assemble build/linux (base + patches/ + overlay)
#   make kernel    build the test kernel (build/bzImage)
#   make initramfs build the guest initramfs
#   make series    the mailable git format-patch series + checkpatch
#   make bench     the KHO benchmark (ratios against plain kexec, one run)
#   make test T=NAME  run one scenario (harness/scenarios/NAME.sh)
#   make clean     remove build/

H := harness

.PHONY: all check check-debug demo bench tree kernel initramfs selftests series test deps clean

all: kernel

deps:
	@$(H)/deps.sh
tree: deps
	@$(H)/mktree.sh
kernel: tree
	@$(H)/mkkernel.sh
selftests: tree
	@$(H)/mkselftests.sh
initramfs: kernel selftests
	@$(H)/mkinitramfs.sh
check:
	@$(H)/check.sh
check-debug:
	@LUO_CHECK_DEBUG=1 $(H)/check.sh
demo:
	@$(H)/demo.sh
bench:
	@$(H)/bench.sh
series: tree
	@$(H)/series.sh
test:
	@LUO_TESTS="$(T)" $(H)/check.sh
clean:
	rm -rf build
