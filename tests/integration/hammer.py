# SPDX-License-Identifier: GPL-3.0-or-later
"""hammer.py SRC ADDR PORT READY STOP: connect from SRC to ADDR PORT as fast as
possible, non-blocking, keeping pending attempts open.  Creates the file READY
after the first attempt; goes on until the file STOP exists, then 0.3 s more
(a grant that outlived its connection would let another in then), at most
30 s.  Prints how many connections were accepted.  Used by helper.sh to put
SYNs inside a grant's commit."""
import os
import socket
import sys
import time

src, addr, port, ready, stop = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
accepted = 0
pending = []
start = time.monotonic()
end = start + 30
while time.monotonic() < end:
    s = socket.socket()
    s.setblocking(False)
    s.bind((src, 0))
    try:
        s.connect((addr, port))
    except BlockingIOError:
        pass
    except OSError:         # refused at once
        s.close()
    if s.fileno() != -1:
        pending.append(s)
    if not os.path.exists(ready):
        open(ready, "w").close()
    if end - time.monotonic() > 0.3 and os.path.exists(stop):
        end = time.monotonic() + 0.3
    still = []
    for p in pending:
        if p.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
            p.close()
            continue
        try:
            p.getpeername()
        except OSError:     # not connected yet
            still.append(p)
            continue
        accepted += 1
        p.close()
    # Attempts are answered within microseconds on a veth pair; the cap
    # only bounds descriptors should the server stop answering.
    for p in still[:-256]:
        p.close()
    pending = still[-256:]
for p in pending:
    p.close()
print(accepted)
