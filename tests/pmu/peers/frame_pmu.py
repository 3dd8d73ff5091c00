"""A PMU over UDP or TCP + UDP written with pypmu's frame classes: answers "send
CFG-2" with the IEEE sample CFG-2 (IDCODE 1411) and "data on" / "data off"; sends a
data frame every 20 ms while data is on. In `udp` mode commands and frames use one
UDP socket on PORT and the first CFG-2 request and the first "data on" are ignored
(the PDC must send them again);
in `tcp-udp` mode commands and CFG-2 go over a TCP server on PORT and data frames to
UDP port DATA_PORT; in `spont` mode nothing is listened to: data frames go to UDP
port DATA_PORT from the start, with the CFG-2 in-band before every 50th, and before
every 10th a frame of another stream (IDCODE 999, VA = 1000) with the same time
stamp, which the PDC must ignore.
Prints "ready" once its sockets are open.
Arguments: MODE PORT DURATION [DATA_PORT].

Run by tests/pmu/pdc_modes.rs (see tests/README.md)."""
import sys, socket, select, time
import collections, collections.abc
collections.Sequence = collections.abc.Sequence
from synchrophasor.frame import ConfigFrame2, DataFrame, CommandFrame
mode, port, duration = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
names = ["VA", "VB", "VC", "I1", "ANALOG1", "ANALOG2", "ANALOG3"] + ["B%X" % i for i in range(16)]
cfg = ConfigFrame2(1411, 1000000, 1, "UDP PMU", 1411, (False, False, True, False), 4, 3, 1, names,
                   [(915527, "v"), (915527, "v"), (915527, "v"), (45776, "i")],
                   [(1, "pow"), (1, "rms"), (1, "peak")], [(0x0000, 0xffff)], 60, 22, 50)
data = DataFrame(1411, ("ok", True, "timestamp", False, False, False, 0, "<10", 0),
                 [(14635, 0), (-7318, -12676), (-7318, 12675), (1092, 0)], 2500, 0,
                 [100, 1000, 10000], [0x3c12], cfg)
foreign = DataFrame(999, ("ok", True, "timestamp", False, False, False, 0, "<10", 0),
                    [(1000, 0), (-7318, -12676), (-7318, 12675), (1092, 0)], 2500, 0,
                    [100, 1000, 10000], [0x3c12], cfg)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if mode == "udp":
    udp.bind(("127.0.0.1", port))
    listener = None
elif mode == "spont":
    listener = None
    data_to = ("127.0.0.1", int(sys.argv[4]))
else:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(4)
    data_to = ("127.0.0.1", int(sys.argv[4]))
conn, peer, sending, ignored, ignored_start = None, None, mode == "spont", False, False
t0 = int(time.time())
stop = time.time() + duration
k = 0
next_t = time.time()
print("ready", flush=True)
def command(msg, reply):
    global sending, ignored, ignored_start
    cmd = CommandFrame.convert2frame(msg).get_command()
    if cmd == "cfg2":
        if mode == "udp" and not ignored:
            ignored = True
            return
        reply(cfg.convert2bytes())
    elif cmd == "start":
        if mode == "udp" and not ignored_start:
            ignored_start = True
            return
        sending = True
    elif cmd == "stop":
        sending = False
while time.time() < stop:
    watch = [s for s in (udp if mode == "udp" else None, listener, conn) if s is not None]
    readable, _, _ = select.select(watch, [], [], max(0.0, next_t - time.time()))
    for s in readable:
        if s is listener:
            if conn is not None:
                conn.close()
            conn, _ = listener.accept()
            sending = False
        elif s is conn:
            msg = conn.recv(65535)
            if not msg:
                conn.close()
                conn, sending = None, False
            else:
                command(msg, conn.sendall)
        else:
            msg, peer = udp.recvfrom(65535)
            command(msg, lambda b: udp.sendto(b, peer))
    if time.time() >= next_t:
        next_t += 0.02
        if sending:
            if mode == "spont" and k % 50 == 0:
                udp.sendto(cfg.convert2bytes(), data_to)
            if mode == "spont" and k % 10 == 0:
                foreign.set_soc(t0 + k // 50)
                foreign.set_frasec((k % 50) * 20000)
                udp.sendto(foreign.convert2bytes(), data_to)
            data.set_soc(t0 + k // 50)
            data.set_frasec((k % 50) * 20000)
            udp.sendto(data.convert2bytes(), peer if mode == "udp" else data_to)
            k += 1
