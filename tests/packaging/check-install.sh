#!/bin/bash
# What `meson install` puts where: the man pages, the demo out of PATH, and
# one config path named alike by the unit, the sample and the man page.
# Usage: check-install.sh BUILD_DIR PREFIX BINDIR LIBEXECDIR MANDIR DATADIR SYSCONFDIR (TAP)
set -u
build=$1 prefix=$2 bindir=$3 libexecdir=$4 mandir=$5 datadir=$6 sysconfdir=$7
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); if eval "$2"; then echo "ok $n - $1"; else failed=$((failed + 1)); echo "not ok $n - $1"; fi; }
at() { case $1 in /*) echo "$dest$1" ;; *) echo "$dest$prefix/$1" ;; esac; }

if ! meson install -C "$build" --destdir "$dest" --no-rebuild --quiet >"$dest.log" 2>&1; then
	echo "Bail out! meson install failed: $(tail -3 "$dest.log")"; rm -f "$dest.log"; exit 1
fi
rm -f "$dest.log"
man8=$(at "$mandir")/man8/cusekitd.8
man1=$(at "$mandir")/man1/cusekit.1
ok "cusekitd(8) is installed and renders" \
	"[ -f '$man8' ] && MANWIDTH=80 man -l '$man8' 2>/dev/null | grep -q 'cusekitd - serve emulated devices'"
ok "cusekit(1) is installed and renders" \
	"[ -f '$man1' ] && MANWIDTH=80 man -l '$man1' 2>/dev/null | grep -q 'cusekit - control a running cusekitd'"
ok "the demo cusekit-atom is not installed into bin/" "[ ! -e '$(at "$bindir")/cusekit-atom' ]"
ok "the demo is installed under libexec/cusekit/" "[ -x '$(at "$libexecdir")/cusekit/cusekit-atom' ]"
unit=$(at "$prefix/lib/systemd/system/cusekitd.service")
sample=$(at "$datadir")/doc/cusekit/cusekitd.conf.sample
conf=$(sed -n 's/^ExecStart=.* --config \([^ ]*\).*/\1/p' "$unit" 2>/dev/null)
named=$(sed -n 's/^# Copy to \([^ ]*\) .*/\1/p' "$sample" 2>/dev/null)
case $sysconfdir in /*) want=$sysconfdir/cusekit/cusekitd.conf ;; *) want=$prefix/$sysconfdir/cusekit/cusekitd.conf ;; esac
ok "the unit reads the config where the sample says to put it ($conf)" "[ -n '$conf' ] && [ '$conf' = '$named' ] && [ '$conf' = '$want' ]"
ok "the man page names that path too" "MANWIDTH=200 man -l '$man8' 2>/dev/null | grep -qF '$conf'"
ok "the unit points at man:cusekitd(8)" "grep -q '^Documentation=man:cusekitd(8)' '$unit'"
echo "1..$n"
exit $((failed > 0))
