#!/usr/bin/env python3
"""bench/idle_conns.py HOST:PORT N: holds N idle HTTP/2 connections open to a
service until killed, as a crowd of quiet clients would: each sends the
client preface and SETTINGS, acknowledges the server's SETTINGS and answers
its PINGs, and never starts a stream. For benchmarks that measure what idle
connections cost the calls of the others (bench/ab.sh IDLE=N)."""
import selectors
import socket
import struct
import sys

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
SETTINGS, PING, ACK = 4, 6, 1


def frame(ftype, flags, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + b"\0\0\0\0" + payload


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    n = int(sys.argv[2])
    sel = selectors.DefaultSelector()
    for _ in range(n):
        s = socket.create_connection((host, int(port)))
        s.sendall(PREFACE + frame(SETTINGS, 0))
        sel.register(s, selectors.EVENT_READ, bytearray())
    print(f"{n} idle connections open", flush=True)
    while True:
        for key, _ in sel.select():
            s, buf = key.fileobj, key.data
            data = s.recv(65536)
            if not data:
                sel.unregister(s)
                s.close()
                continue
            buf += data
            while len(buf) >= 9:
                length = int.from_bytes(buf[0:3], "big")
                if len(buf) < 9 + length:
                    break
                ftype, flags, payload = buf[3], buf[4], bytes(buf[9 : 9 + length])
                del buf[: 9 + length]
                if ftype == SETTINGS and not flags & ACK:
                    s.sendall(frame(SETTINGS, ACK))
                elif ftype == PING and not flags & ACK:
                    s.sendall(frame(PING, ACK, payload))


if __name__ == "__main__":
    main()
