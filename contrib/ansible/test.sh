#!/usr/bin/env bash
# Runs collect.yml against two inventory hosts on this machine (ansible_connection=local), each
# collecting in its own network namespace (a client with a subflow endpoint, a server with a signal
# one, joined by a veth pair), with ansible-core from PyPI in a virtualenv. Checks that both archives
# and private maps reached the "controller", that one key redacted both, and that merged.md holds one
# block per host. Needs root (namespaces). Called by .ci/run; fails loudly on any difference.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
export LC_ALL=C.UTF-8 LANG=C.UTF-8
[ "$(id -u)" = 0 ] || { echo "contrib/ansible/test.sh: needs root (network namespaces)" >&2; exit 1; }

bin=${MGD_BIN:-$repo/target/debug/mptcp-get-debug}
[ -x "$bin" ] || cargo build --quiet --bin mptcp-get-debug
venv=${MGD_ANSIBLE_VENV:-$repo/target/ansible-venv}
if ! [ -x "$venv/bin/ansible-playbook" ]; then
	python3 -m venv "$venv" 2>/dev/null || {
		apt-get update -qq >/dev/null
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
		python3 -m venv "$venv"
	}
	"$venv/bin/pip" install --quiet --disable-pip-version-check ansible-core
fi

work=$(mktemp -d)
a=mgd-ans-$$-c
b=mgd-ans-$$-s
cleanup() {
	ip netns del "$a" 2>/dev/null || true
	ip netns del "$b" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$a"
ip netns add "$b"
ip -n "$a" link set lo up
ip -n "$b" link set lo up
ip -n "$a" link add va type veth peer name vb netns "$b"
ip -n "$a" addr add 10.88.1.1/24 dev va
ip -n "$b" addr add 10.88.1.2/24 dev vb
ip -n "$a" link set va up
ip -n "$b" link set vb up
ip -n "$a" mptcp endpoint add 10.88.1.1 dev va subflow
ip -n "$b" mptcp endpoint add 10.88.1.2 dev vb signal

py=$venv/bin/python
cat >"$work/inventory" <<INV
[fleet]
client ansible_connection=local ansible_python_interpreter=$py netns=$a side=client
server ansible_connection=local ansible_python_interpreter=$py netns=$b side=server
INV

fail() {
	echo "contrib/ansible/test.sh: $*" >&2
	exit 1
}

ANSIBLE_NOCOLOR=1 ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0 \
	"$venv/bin/ansible-playbook" -i "$work/inventory" contrib/ansible/collect.yml \
	-e "mgd_binary=$bin" -e "mgd_key=$work/fleet.key" -e "mgd_fetch_dir=$work/archives" \
	-e "ansible_python_interpreter=$py" >"$work/play.log" 2>&1 || {
	cat "$work/play.log" >&2
	fail "ansible-playbook failed"
}

[ "$(stat -c %a "$work/fleet.key")" = 600 ] || fail "the controller's key is not mode 0600"
grep -qE '^[0-9a-f]{64}$' "$work/fleet.key" || fail "the key is not 64 hex digits"
for host in client server; do
	n=$(find "$work/archives/$host" -name 'mptcp-debug-*.tar.gz' | wc -l)
	[ "$n" = 1 ] || fail "$host: $n archives fetched"
	map=$(find "$work/archives/$host" -name '*.map.json')
	[ -n "$map" ] || fail "$host: no private map fetched"
	[ "$(stat -c %a "$map")" = 600 ] || fail "$host: the private map is not mode 0600"
done
if ls /tmp/mptcp-get-debug.* >/dev/null 2>&1; then
	fail "scratch directories were left on the host: $(ls -d /tmp/mptcp-get-debug.*)"
fi
merged=$work/archives/merged.md
[ -s "$merged" ] || fail "no merged.md"
grep -q '^# MPTCP debug report: client and server$' "$merged" || fail "merged.md is not client + server: $(head -3 "$merged")"
grep -q '^- client:$' "$merged" && grep -q '^- server:$' "$merged" || fail "merged.md lacks a block per host"
grep -q "network namespace: $a" "$merged" || fail "the client was not collected in its namespace"
grep -q "subflow dev va" "$merged" || fail "the client's endpoint is missing"
grep -q "signal dev vb" "$merged" || fail "the server's endpoint is missing"
if grep -q 'redacted with different keys' "$merged"; then
	fail "the hosts were redacted with different keys"
fi
# The same key on both: the same key id in both reports.
ids=$(for host in client server; do
	"$bin" show --format json "$(find "$work/archives/$host" -name 'mptcp-debug-*.tar.gz')" |
		"$py" -c 'import json,sys; print(json.load(sys.stdin)["redaction"]["key_id"])'
done | sort -u | wc -l)
[ "$ids" = 1 ] || fail "the two archives have different key ids"
echo "contrib/ansible/test.sh: 2 hosts collected in 2 namespaces with one key, fetched and merged"
