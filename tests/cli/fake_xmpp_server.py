#!/usr/bin/env python3
"""A hostile XMPP server for xe2e-connect's tests: a man in the middle.

    fake_xmpp_server.py PORTFILE CERT KEY LOG MECH...

Listens on 127.0.0.1 on a free port (written to PORTFILE), takes one
client, offers STARTTLS, upgrades with CERT/KEY (which the client cannot
verify), then offers the SASL mechanisms MECH... and writes everything the
client sends inside TLS to LOG: what a man in the middle would collect.
Whatever the client authenticates with is refused (not-authorized). Every
wait is bounded: the server gives up after 20 seconds.
"""
import os
import socket
import ssl
import sys

TIMEOUT = 20
STREAM = ("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
          "xmlns:stream='http://etherx.jabber.org/streams' id='mitm' "
          "from='xe2e.test' version='1.0'>")


def read_until(conn, marker, seen):
    """Reads into the bytearray seen until it holds marker, the client
    closes or an error ends the connection."""
    try:
        while marker not in seen:
            chunk = conn.recv(4096)
            if not chunk:
                return
            seen += chunk
    except (OSError, ssl.SSLError):
        return


def main():
    portfile, cert, key, log = sys.argv[1:5]
    mechs = sys.argv[5:]
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(TIMEOUT)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.rename(portfile + ".tmp", portfile)
    conn, _ = srv.accept()
    conn.settimeout(TIMEOUT)
    read_until(conn, b"stream:stream", bytearray())
    conn.sendall((STREAM + "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:"
                  "xmpp-tls'><required/></starttls></stream:features>").encode())
    read_until(conn, b"starttls", bytearray())
    conn.sendall(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    tls = ctx.wrap_socket(conn, server_side=True)
    got = bytearray()  # everything inside TLS: what the man in the middle collects
    read_until(tls, b"stream:stream", got)
    offer = "".join("<mechanism>%s</mechanism>" % m for m in mechs)
    tls.sendall((STREAM + "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:"
                 "xmpp-sasl'>" + offer + "</mechanisms></stream:features>").encode())
    read_until(tls, b"</auth>", got)
    if b"</auth>" in got:
        try:
            tls.sendall(b"<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
                        b"<not-authorized/></failure></stream:stream>")
        except (OSError, ssl.SSLError):
            pass
        read_until(tls, b"</stream:stream>", got)
    with open(log, "wb") as f:
        f.write(got)
    try:
        tls.close()
    except OSError:
        pass


if __name__ == "__main__":
    main()
