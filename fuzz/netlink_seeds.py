#!/usr/bin/env python3
"""Writes the netlink seeds of fuzz/corpus/{genl_pm,genl_event,rtnl}/: real kernel answers.

- genl_pm, genl_event: the datagrams captured on 6.18 that the decoder's unit tests hold as hex
  (src/netlink/endpoint_tests.rs, event_tests.rs), plus, with --live, nlctrl's GETFAMILY answer for
  mptcp_pm and an error answer, asked of the running kernel;
- rtnl (--live, as root): link, address, route and rule dumps of a network namespace made here
  (a veth pair with documentation addresses and one policy rule), deleted afterwards.
Run from the repository root: python3 fuzz/netlink_seeds.py [--live]
"""
import os, re, socket, struct, subprocess, sys, uuid

C = "fuzz/corpus"


def write(target, name, data):
    os.makedirs(f"{C}/{target}", exist_ok=True)
    with open(f"{C}/{target}/{name}", "wb") as f:
        f.write(data)


def from_tests():
    for target, path in [("genl_pm", "src/netlink/endpoint_tests.rs"), ("genl_event", "src/netlink/event_tests.rs")]:
        text = open(path).read()
        for i, h in enumerate(re.findall(r'"([0-9a-f]{32,})"', text)):
            write(target, f"{os.path.basename(path)[:-3]}-{i:02}.bin", bytes.fromhex(h))


def exchange(proto, msg_type, flags, body):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, proto)
    s.bind((0, 0))
    s.send(struct.pack("=IHHII", 16 + len(body), msg_type, flags, 1, 0) + body)
    out = []
    while True:
        d = s.recv(65536)
        out.append(d)
        # The last message of a dump, an answer without NLM_F_MULTI, or an error ends it.
        off = 0
        while off + 16 <= len(d):
            n, t, f = struct.unpack_from("=IHH", d, off)
            if t in (2, 3) or not f & 2:
                return out
            off += max(16, (n + 3) & ~3)


def genl_live():
    ctrl, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_NAME = 0x10, 3, 2
    name = b"mptcp_pm\0"
    attr = struct.pack("=HH", 4 + len(name), CTRL_ATTR_FAMILY_NAME) + name + b"\0" * (-len(name) % 4)
    (fam,) = exchange(16, ctrl, 1, struct.pack("=BBH", CTRL_CMD_GETFAMILY, 1, 0) + attr)
    write("genl_pm", "live-getfamily-mptcp_pm.bin", fam)
    bad = b"no_such_family\0"
    attr = struct.pack("=HH", 4 + len(bad), CTRL_ATTR_FAMILY_NAME) + bad + b"\0" * (-len(bad) % 4)
    (err,) = exchange(16, ctrl, 1 | 4, struct.pack("=BBH", CTRL_CMD_GETFAMILY, 1, 0) + attr)
    write("genl_pm", "live-getfamily-error.bin", err)


def rtnl_live():
    ns = f"fuzzseed-{uuid.uuid4().hex[:8]}"
    ip = lambda *a: subprocess.run(["ip", "-n", ns, *a], check=True)
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        ip("link", "add", "veth0", "type", "veth", "peer", "name", "veth1")
        ip("addr", "add", "192.0.2.1/24", "dev", "veth0")
        ip("addr", "add", "2001:db8::1/64", "dev", "veth0", "nodad")
        ip("link", "set", "veth0", "up")
        ip("link", "set", "veth1", "up")
        ip("link", "set", "lo", "up")
        ip("route", "add", "198.51.100.0/24", "via", "192.0.2.254", "table", "100")
        ip("rule", "add", "from", "192.0.2.1", "table", "100", "priority", "100")
        subprocess.run(["ip", "netns", "exec", ns, sys.executable, __file__, "--dump-rtnl"], check=True)
    finally:
        subprocess.run(["ip", "netns", "del", ns])


def dump_rtnl():
    dumps = [("link", 18, struct.pack("=BxHiII", 0, 0, 0, 0, 0)),
             ("addr", 22, struct.pack("=BBBBI", 0, 0, 0, 0, 0)),
             ("route4", 26, struct.pack("=BBBBBBBBI", 2, 0, 0, 0, 0, 0, 0, 0, 0)),
             ("route6", 26, struct.pack("=BBBBBBBBI", 10, 0, 0, 0, 0, 0, 0, 0, 0)),
             ("rule4", 34, struct.pack("=BBBBBBBBI", 2, 0, 0, 0, 0, 0, 0, 0, 0))]
    for name, kind, hdr in dumps:
        for i, d in enumerate(exchange(0, kind, 1 | 0x300, hdr)):
            write("rtnl", f"live-{name}-{i}.bin", d)


if "--dump-rtnl" in sys.argv:
    dump_rtnl()
    sys.exit(0)
from_tests()
if "--live" in sys.argv:
    genl_live()
    rtnl_live()
