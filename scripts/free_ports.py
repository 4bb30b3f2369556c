"""Prints N free loopback TCP ports, from sockets bound together (usage: free_ports.py N).

Asked one at a time while earlier servers are still starting, the kernel may hand the same free
port out twice (seen in CI: a second server failed with "Address already in use"); bound
together, the ports are distinct.
"""
import socket
import sys

count = int(sys.argv[1])
socks = [socket.socket() for _ in range(count)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
