#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Assemble build/linux = pristine base + patches/ (quilt) + overlay.
#
# Idempotent and incremental: a second run with nothing changed touches
# nothing, and files whose content did not change keep their mtime, so
# kbuild rebuilds only what really changed.
#
# Overlay files (the files the series adds, kept at their kernel-tree path
# at the top of the repo) are symlinked, so an edit in build/linux is an
# edit of the repo. Patched files go back with harness/quilt.sh refresh.
. "$(dirname "$0")/lib.sh"

"$LUO_HARNESS/fetch-base.sh"
base=$(luo_base_dir)
tree=$LUO_TREE
quilt() { command quilt --quiltrc "$LUO_HARNESS/quiltrc" "$@"; }


# Files the applied patches touch (from quilt's backups) and the files
# the patches in the repo touch.
patched_files() {
	if [ -d .pc ]; then
		(cd .pc && find . -mindepth 2 -type f ! -name '.*' | cut -d/ -f3-)
	fi
	luo_series_patches | xargs -r sed -n 's|^+++ b/||p'
}

# 1. Pristine copy of the base, once per base.
if [ "$(cat "$tree/.luo-base" 2>/dev/null)" != "$base" ]; then
	luo_log "copying base into $tree"
	rm -rf "$tree" "$LUO_OBJ"
	mkdir -p "$LUO_BUILD"
	cp -a "$base" "$tree"
	chmod -R u+w "$tree"
	ln -s "$LUO_TOP/patches" "$tree/patches"
	echo "$base" > "$tree/.luo-base"
fi
cd "$tree"

# 2. The quilt series. Re-applied only when patches/ changed; the files
#    it touches keep their mtime when their content came out the same.
series_sum=$(luo_series_sum)
if [ "$(cat .luo-patches 2>/dev/null)" != "$series_sum" ]; then
	touched=$(patched_files | sort -u)
	before=$(for f in $touched; do
			[ -f "$f" ] && printf '%s %s %s\n' \
				"$(sha256sum < "$f" | cut -d' ' -f1)" \
				"$(stat -c %Y "$f")" "$f"
		 done)
	# Pop with the patches as they were applied (.luo-applied), so that a
	# patch changed in the repo still comes off cleanly, while an edit in
	# build/linux that was never refreshed stops us.
	# (quilt remembers its patches directory in .pc/.quilt_patches.)
	if [ -d .luo-applied ] && [ -s .pc/applied-patches ]; then
		echo .luo-applied > .pc/.quilt_patches
		quilt pop -a -q >/dev/null ||
			luo_die "quilt pop failed: did you edit a patched file without 'harness/quilt.sh refresh'?"
		echo patches > .pc/.quilt_patches
	fi
	if [ -n "$(luo_series_patches)" ]; then
		quilt push -a -q >/dev/null || luo_die "a patch in patches/ does not apply"
	fi
	rm -rf .luo-applied
	cp -a "$LUO_TOP/patches" .luo-applied
	while read -r sum mtime f; do
		[ -n "$f" ] && [ -f "$f" ] &&
		[ "$(sha256sum < "$f" | cut -d' ' -f1)" = "$sum" ] &&
			touch -m -d "@$mtime" "$f"
	done <<< "$before"
	echo "$series_sum" > .luo-patches
	luo_log "patches: $(quilt applied 2>/dev/null | wc -l) applied"
fi

# 3. The overlay: one symlink per added file; stale links are removed.
new_manifest=$(cd "$LUO_TOP" && for d in $LUO_OVERLAY_DIRS; do
		if [ -d "$d" ]; then
			find "$d" -type f ! -name '*.o' ! -name '.*'
		fi
	       done | sort)
comm -23 <(sort .luo-overlay 2>/dev/null) <(echo "$new_manifest") |
while read -r f; do
	if [ -L "$f" ]; then rm -f "$f"; fi
done
for f in $new_manifest; do
	src=$LUO_TOP/$f
	if [ -L "$f" ]; then
		[ "$(readlink "$f")" = "$src" ] && continue
		rm -f "$f"
	elif [ -e "$f" ]; then
		luo_die "$f exists in the base: change it with a patch in patches/, not in the overlay"
	fi
	mkdir -p "$(dirname "$f")"
	ln -s "$src" "$f"
done
echo "$new_manifest" > .luo-overlay
luo_log "tree: $tree ($(grep -c . .luo-overlay || true) overlay files)"
