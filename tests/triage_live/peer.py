"""Traffic for the live triage scenarios, run inside a network namespace (ip netns exec NS python3 -c).

serve ADDR PORT [tcp]            listen (MPTCP unless tcp), echo every connection; prints "ready"
connect ADDR PORT [opts]         connect, exchange data, close; prints one line per connection
    tcp            plain TCP instead of MPTCP
    count=N        N connections, one after the other
    subflows=K     keep exchanging until MPTCP_INFO shows K extra subflows (or 3 s pass)
    hold=MS        keep exchanging this long before closing (lets joins complete)
    timeout=S      connect timeout (default 10)
    fail-ok        a connection that fails is reported, not an error
    tell           print "established" once data went both ways (then hold)
relay ADDR PORT TO_ADDR TO_PORT  accept plain TCP, forward over plain TCP (a proxy that strips MPTCP)
"""
import socket
import sys
import threading
import time

IPPROTO_MPTCP = 262
SOL_MPTCP = 284
MPTCP_INFO = 1


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def sock(addr, tcp):
    return socket.socket(family(addr), socket.SOCK_STREAM, 0 if tcp else IPPROTO_MPTCP)


def extra_subflows(s):
    try:
        return s.getsockopt(SOL_MPTCP, MPTCP_INFO, 256)[0]
    except OSError:
        return 0


def pipe(a, b):
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def echo(c):
    try:
        while True:
            data = c.recv(65536)
            if not data:
                break
            c.sendall(data)
    except OSError:
        pass
    c.close()


def serve(addr, port, tcp):
    s = sock(addr, tcp)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(128)
    print("ready", flush=True)
    while True:
        c, _ = s.accept()
        threading.Thread(target=echo, args=(c,), daemon=True).start()


def relay(addr, port, to_addr, to_port):
    s = socket.socket(family(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(128)
    print("ready", flush=True)
    while True:
        c, _ = s.accept()
        u = socket.create_connection((to_addr, int(to_port)), timeout=10)
        u.settimeout(None)
        for a, b in ((c, u), (u, c)):
            threading.Thread(target=pipe, args=(a, b), daemon=True).start()


def connect(addr, port, opts):
    tcp = "tcp" in opts
    kv = dict(o.split("=", 1) for o in opts if "=" in o)
    count, want = int(kv.get("count", 1)), int(kv.get("subflows", 0))
    hold, timeout = int(kv.get("hold", 0)) / 1000, float(kv.get("timeout", 10))
    failed = 0
    for _ in range(count):
        s = sock(addr, tcp)
        s.settimeout(timeout)
        try:
            s.connect((addr, int(port)))
            payload = b"x" * 4096
            s.sendall(payload)
            got = b""
            while len(got) < len(payload):
                chunk = s.recv(65536)
                if not chunk:
                    raise OSError("connection closed early")
                got += chunk
            if "tell" in opts:
                print("established", flush=True)
            deadline, until = time.time() + 3, time.time() + hold
            while (want and extra_subflows(s) < want and time.time() < deadline) or time.time() < until:
                s.sendall(b"y" * 64)
                s.recv(64)
                time.sleep(0.01)
            print("connected %s subflows=%d" % (s.getsockname()[0], extra_subflows(s)), flush=True)
        except OSError as e:
            failed += 1
            print("failed %s" % e, flush=True)
        finally:
            s.close()
    if failed and "fail-ok" not in opts:
        sys.exit(1)


def main(argv):
    if argv[0] == "serve":
        serve(argv[1], argv[2], "tcp" in argv[3:])
    elif argv[0] == "relay":
        relay(*argv[1:5])
    elif argv[0] == "connect":
        connect(argv[1], argv[2], argv[3:])
    else:
        sys.exit("unknown mode " + argv[0])


main(sys.argv[1:])
