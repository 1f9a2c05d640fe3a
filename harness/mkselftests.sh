#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the guest's test programs as static binaries into build/selftests:
# every .c of tools/testing/selftests/liveupdate/ and tools/liveupdate/,
# and one program per directory of tools/liveupdate/ (the VMM),
# against the UAPI headers of the assembled tree.
. "$(dirname "$0")/lib.sh"

out=$LUO_BUILD/selftests
mkdir -p "$out"
srcs=$(cd "$LUO_TOP" && ls tools/testing/selftests/liveupdate/*.c \
	tools/liveupdate/*.c 2>/dev/null || true)
[ -n "$srcs" ] || exit 0
make -s -C "$LUO_TREE" O="$LUO_OBJ" ARCH=x86_64 headers_install >/dev/null
for src in $srcs; do
	bin=$out/$(basename "$src" .c)
	# Rebuilt when anything in its directory (headers too) is newer.
	if [ -e "$bin" ] && [ -z "$(find "$LUO_TOP/$(dirname "$src")" \
			"$LUO_OBJ/usr/include" -newer "$bin" | head -n1)" ]; then
		continue
	fi
	gcc -static -O2 -Wall -Werror -I"$LUO_OBJ/usr/include" \
		-I"$LUO_TREE/tools/testing/selftests" -I"$LUO_TREE/tools/include/uapi" \
		-o "$bin" "$LUO_TREE/$src" || luo_die "cannot build $src"
done
# Each directory of tools/liveupdate/ is one program of all its sources.
for dir in "$LUO_TOP"/tools/liveupdate/*/; do
	[ -d "$dir" ] || continue
	name=$(basename "$dir")
	bin=$out/$name
	if [ -e "$bin" ] && [ -z "$(find "$dir" "$LUO_OBJ/usr/include" \
			-newer "$bin" | head -n1)" ]; then
		continue
	fi
	rel=tools/liveupdate/$name
	gcc -static -O2 -Wall -Wextra -Werror -I"$LUO_OBJ/usr/include" \
		-o "$bin" "$LUO_TREE/$rel"/*.c "$LUO_TREE/$rel"/*.S -lpthread ||
		luo_die "cannot build $rel"
done
luo_log "selftests: $(ls "$out" | wc -l) binaries in $out"
