"""A PMU that floods: a TCP server on PORT (pypmu's frame classes, the IEEE sample CFG-2,
IDCODE 1411) that answers "send CFG-2" and, on "data on", writes COUNT data frames back to
back (time stamps 20 ms apart, ending now, so none is in the future), prints
"sent COUNT", then stalls: keeps the connection open without sending anything until the
PDC closes it or DURATION seconds pass.
Prints "ready" once it listens.
Arguments: PORT COUNT DURATION.

Run by tests/faults/c37118.rs (see tests/README.md)."""
import collections
import collections.abc
import socket
import sys
import time

collections.Sequence = collections.abc.Sequence
from synchrophasor.frame import CommandFrame, ConfigFrame2, DataFrame  # noqa: E402

port, count, duration = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
names = ["VA", "VB", "VC", "I1", "ANALOG1", "ANALOG2", "ANALOG3"] + ["B%X" % i for i in range(16)]
cfg = ConfigFrame2(1411, 1000000, 1, "FLOOD PMU", 1411, (False, False, True, False), 4, 3, 1, names,
                   [(915527, "v"), (915527, "v"), (915527, "v"), (45776, "i")],
                   [(1, "pow"), (1, "rms"), (1, "peak")], [(0x0000, 0xffff)], 60, 22, 50)
data = DataFrame(1411, ("ok", True, "timestamp", False, False, False, 0, "<10", 0),
                 [(14635, 0), (-7318, -12676), (-7318, 12675), (1092, 0)], 2500, 0,
                 [100, 1000, 10000], [0x3c12], cfg)

listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", port))
listener.listen(1)
print("ready", flush=True)
listener.settimeout(duration)
conn, _ = listener.accept()
conn.settimeout(duration)
end = time.time() + duration
first = int(time.time()) - count // 50 - 1
while time.time() < end:
    msg = conn.recv(65535)
    if not msg:
        break
    cmd = CommandFrame.convert2frame(msg).get_command()
    if cmd == "cfg2":
        conn.sendall(cfg.convert2bytes())
    elif cmd == "start":
        burst = bytearray()
        for k in range(count):
            data.set_soc(first + k // 50)
            data.set_frasec((k % 50) * 20000)
            burst += data.convert2bytes()
        conn.sendall(bytes(burst))
        print("sent", count, flush=True)
conn.close()
