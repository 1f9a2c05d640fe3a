# SPDX-License-Identifier: GPL-2.0
# Helpers of the KHO scenarios (sourced by them).

KHO_TEST=/sys/kernel/debug/kho_test

kho_test_cmd() { echo "$*" > $KHO_TEST/cmd; }

# "folios=N bad_order=N bad_bytes=N missing=N" of the test client's
# check in this kernel (the bytes= field is dropped: it depends on orders).
kho_test_result() { sed 's/ bytes=[0-9]*//' $KHO_TEST/result; }

dmesg_has() { dmesg | grep -q "$1"; }

# This kernel's outgoing scratch as BASE-SIZE in hex, from the KHO log line.
kho_scratch_range() {
	dmesg | sed -n 's/.*KHO: scratch \([0-9]*\) MiB at \(0x[0-9a-f]*\).*/\2-\1/p' |
		tail -n1 | grep .
}

# kernel_in_range BASE-MIB: the running kernel's code lies in that range.
kernel_in_range() {
	base=$((${1%-*})) size=$((${1#*-} * 1024 * 1024))
	code=$(grep 'Kernel code' /proc/iomem | sed 's/^ *\([0-9a-f]*\)-\([0-9a-f]*\).*/\1 \2/')
	set -- $code
	start=$((0x$1)) end=$((0x$2))
	echo "kernel code $1-$2, scratch $(printf %x $base)+$(printf %x $size)"
	[ $start -ge $base ] && [ $end -lt $((base + size)) ]
}

KHO_OUT_STATS=/sys/kernel/debug/kho/out/stats

memtotal_kb() { awk '/^MemTotal:/ { print $2 }' /proc/meminfo; }

# Bytes this kernel preserves for the next one (all orders).
kho_preserved_bytes() {
	b=0
	for l in $(sed -n 's/^order\([0-9]*\)=\([0-9]*\)$/\1:\2/p' $KHO_OUT_STATS); do
		b=$((b + (${l#*:} << (${l%:*} + 12))))
	done
	echo $b
}

# preserved_percent_at_least PCT RAM_BYTES: say how much and check it.
preserved_percent_at_least() {
	got=$(kho_preserved_bytes)
	echo "preserved $((got >> 20)) MiB of $(($2 >> 20)) MiB"
	[ $((got / ($2 / 100))) -ge "$1" ]
}

# The first "System RAM" range at or above 4 GiB in /proc/iomem, as hex.
ram_above_4g() {
	sed -n 's/^\([0-9a-f]*\)-[0-9a-f]* : System RAM$/\1/p' /proc/iomem |
		while read -r start; do
			[ $((0x$start)) -ge $((1 << 32)) ] && { echo "$start"; break; }
		done
}
