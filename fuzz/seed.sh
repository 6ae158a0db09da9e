#!/bin/bash
# Seeds fuzz/corpus/<target>/ from the repository's real inputs: the fixture cases of tests/fixtures
# (files of a --root image, captured command output) and, where present, the shared reference
# captures. Idempotent: a seed is named after its origin and copied again only when missing. Binary
# seeds (netlink datagrams, archives) are committed as they are; see README.md for where they came from.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
fx="$repo/tests/fixtures"
captures=${CAPTURES:-$repo/../shared/reference/captures}
[ -d "$captures" ] || captures=/work/shared/reference/captures

# seed TARGET FILE...: copies each small regular file as <case>--<name> (the fixture case and the file
# name, with / and spaces flattened).
seed() {
    local target=$1 f name
    shift
    mkdir -p "$here/corpus/$target"
    for f in "$@"; do
        [ -f "$f" ] || continue
        [ "$(stat -c %s "$f")" -le 65536 ] || continue
        name=${f#"$fx/"}
        name=${name#"$captures/"}
        name=$(printf '%s' "$name" | sed 's|/root/|--|; s|/commands/|--|; s|[/ %]|_|g')
        [ -e "$here/corpus/$target/$name" ] || cp "$f" "$here/corpus/$target/$name"
    done
}

shopt -s nullglob
seed nm_keyfile "$fx"/*/root/{etc,run,usr/lib}/NetworkManager/system-connections/* \
    "$fx"/*/root/var/backups/NetworkManager/*
seed nm_conf "$fx"/*/root/etc/NetworkManager/NetworkManager.conf \
    "$fx"/*/root/{etc,run,usr/lib}/NetworkManager/conf.d/*.conf \
    "$fx"/*/commands/"NetworkManager --print-config"
seed mptcpd_conf "$fx"/*/root/etc/mptcpd/mptcpd.conf "$fx"/*/root/usr/local/etc/mptcpd/mptcpd.conf
seed systemd_unit "$fx"/*/root/{etc,usr/lib,lib}/systemd/system/mptcp.service \
    "$fx"/*/root/etc/systemd/system/mptcp.service.d/*.conf
seed proc_net "$fx"/*/root/proc/net/{netstat,snmp} "$captures"/netstat.txt \
    "$captures"/ns_netstat_during.txt
seed kconfig "$fx"/*/root/proc/config.gz "$fx"/*/root/boot/config-* "$fx"/*/root/lib/modules/*/config
seed command_text "$fx"/*/commands/"ip mptcp endpoint show" "$fx"/*/commands/"ip mptcp limits show" \
    "$fx"/*/commands/"ss -ManiH" "$fx"/*/commands/"ip addr show" "$fx"/*/root/etc/os-release \
    "$fx"/*/root/usr/lib/os-release "$captures"/ns_endpoints.txt "$captures"/ns_limits.txt \
    "$captures"/ns_ss_*.txt
seed redact_text "$fx"/corpus/classes.tsv "$fx"/*/commands/"ip addr show" "$fx"/*/commands/"nstat -zas" \
    "$fx"/*/commands/"ss -ManiH" "$fx"/*/commands/journalctl* "$fx"/*/root/etc/wireguard/wg0.conf \
    "$fx"/*/root/var/log/canary.log "$fx"/*/root/etc/sysconfig/network-scripts/ifcfg-* \
    "$fx"/events/*.txt "$captures"/ns_monitor.txt "$captures"/ns_ss_tanieH_ext.txt
# Identical copies (fixture cases share files) are kept once.
for d in "$here"/corpus/*/; do
    (cd "$d" && md5sum -- * | sort | awk 'seen[$1]++ { sub(/^[0-9a-f]+  /, ""); print }' |
        while IFS= read -r dup; do rm -f -- "$dup"; done)
done
echo "seeded: $(for d in "$here"/corpus/*/; do printf '%s=%s ' "$(basename "$d")" "$(ls "$d" | wc -l)"; done)" >&2
