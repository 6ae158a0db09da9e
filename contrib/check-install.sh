#!/usr/bin/env bash
# `make install` into a temporary DESTDIR, as a packager runs it: checks the installed tree file by
# file (and modes), that the installed helper runs and knows its prefix, that `man -l` renders the
# page, that the completions load in their shells where those are installed, and that `make uninstall`
# removes everything again. Called by .ci/run; PROFILE=dev by default (no release build in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${PROFILE:-dev}
destdir=$(mktemp -d)
trap 'rm -rf "$destdir"' EXIT

make --no-print-directory install DESTDIR="$destdir" PROFILE="$profile" >"$destdir.log" 2>&1 || {
	cat "$destdir.log" >&2
	rm -f "$destdir.log"
	echo "check-install: make install failed" >&2
	exit 1
}
rm -f "$destdir.log"

fail() {
	echo "check-install: $*" >&2
	exit 1
}

expected="\
/etc
/etc/mptcp-get-debug
/etc/mptcp-get-debug/collectors.d
/usr
/usr/local
/usr/local/libexec
/usr/local/libexec/mptcp-get-debug
/usr/local/share
/usr/local/share/bash-completion
/usr/local/share/bash-completion/completions
/usr/local/share/bash-completion/completions/mptcp-get-debug
/usr/local/share/fish
/usr/local/share/fish/vendor_completions.d
/usr/local/share/fish/vendor_completions.d/mptcp-get-debug.fish
/usr/local/share/man
/usr/local/share/man/man1
/usr/local/share/man/man1/mptcp-get-debug.1
/usr/local/share/mptcp-get-debug
/usr/local/share/mptcp-get-debug/kernel-series.toml
/usr/local/share/zsh
/usr/local/share/zsh/site-functions
/usr/local/share/zsh/site-functions/_mptcp-get-debug"
actual=$(cd "$destdir" && find . -mindepth 1 | sed 's/^\.//' | LC_ALL=C sort)
if [ "$actual" != "$expected" ]; then
	diff <(echo "$expected") <(echo "$actual") >&2 || true
	fail "the installed tree differs from the expected layout (- expected, + installed)"
fi

mode() { stat -c %a "$destdir$1"; }
[ "$(mode /usr/local/libexec/mptcp-get-debug)" = 755 ] || fail "the helper is not mode 755"
for f in /usr/local/share/man/man1/mptcp-get-debug.1 /usr/local/share/mptcp-get-debug/kernel-series.toml \
	/usr/local/share/bash-completion/completions/mptcp-get-debug; do
	[ "$(mode "$f")" = 644 ] || fail "$f is not mode 644"
done
[ -z "$(ls -A "$destdir/etc/mptcp-get-debug/collectors.d")" ] || fail "collectors.d is not empty"
cmp -s data/kernel-series.toml "$destdir/usr/local/share/mptcp-get-debug/kernel-series.toml" ||
	fail "kernel-series.toml differs from data/"

helper="$destdir/usr/local/libexec/mptcp-get-debug"
"$helper" --version | grep -q '^mptcp-get-debug ' || fail "the installed helper does not run"
# Built knowing its prefix: the data file and collectors.d where make install put them.
"$helper" generate man | grep -qF '/usr/local/share/mptcp\-get\-debug/kernel\-series.toml' ||
	fail "the helper does not know its data directory"
"$helper" generate man | grep -qF '/etc/mptcp\-get\-debug/collectors.d' ||
	fail "the helper does not know its collectors.d"

page=$(MANWIDTH=80 man -l "$destdir/usr/local/share/man/man1/mptcp-get-debug.1" 2>&1) ||
	fail "man -l failed: $page"
for want in "NAME" "SYNOPSIS" "EXIT STATUS" "--reproduce" "kernel-series.toml"; do
	grep -qF -- "$want" <<<"$page" || fail "the rendered man page lacks $want"
done
# troff's own warnings (`troff: <standard input>:N: warning ...`), not the page's words.
if grep -q 'troff:.*warning' <<<"$page"; then
	fail "man -l warns: $(grep 'troff:.*warning' <<<"$page")"
fi

bash -c "source '$destdir/usr/local/share/bash-completion/completions/mptcp-get-debug'; complete -p mptcp-get-debug" \
	>/dev/null || fail "the bash completion does not load"
if command -v zsh >/dev/null; then
	zsh -n "$destdir/usr/local/share/zsh/site-functions/_mptcp-get-debug" || fail "the zsh completion does not parse"
fi
if command -v fish >/dev/null; then
	fish -n "$destdir/usr/local/share/fish/vendor_completions.d/mptcp-get-debug.fish" || fail "the fish completion does not parse"
fi

make --no-print-directory uninstall DESTDIR="$destdir" PROFILE="$profile" >/dev/null 2>&1
left=$(cd "$destdir" && find . -type f | sed 's/^\.//')
[ -z "$left" ] || fail "make uninstall left files: $left"

echo "check-install: make install DESTDIR=... gives the expected tree; man -l renders the page"
