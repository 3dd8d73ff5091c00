"""pypmu's frame classes (a third-party encoder and decoder) over the two UDP modes:
commands by UDP datagram to `udp_listen`, and commands over TCP with data by UDP.

Run by tests/pmu/server_modes.rs (see tests/README.md)."""
import sys, json, socket, time
import collections, collections.abc
collections.Sequence = collections.abc.Sequence  # pypmu 1.0.0a0 on Python >= 3.10
from synchrophasor.frame import CommandFrame, CommonFrame, ConfigFrame2, DataFrame
udp_listen, tcp_udp, data_port = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
server = ("127.0.0.1", udp_listen)

def report(mode, cfg, frames):
    print(json.dumps({"mode": mode, "num_pmu": cfg.get_num_pmu(), "ids": cfg.get_stream_id_code(),
          "stations": [s.strip() for s in cfg.get_station_name()],
          "frames": [[f.get_soc() * 1000000 + f.get_frasec()[0],
                      [[b["stream_id"], b["stat"], round(b["frequency"], 3)] for b in f.get_measurements()["measurements"]]]
                     for f in frames]}), flush=True)

def data_frames(sock, cfg, n):
    frames = []
    while len(frames) < n:
        frame = CommonFrame.convert2frame(sock.recv(65535), cfg)
        if isinstance(frame, DataFrame):
            frames.append(frame)
    return frames

# Commanded UDP.
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.settimeout(0.2)
cfg = None
for attempt in range(100):
    udp.sendto(CommandFrame(10, "cfg2").convert2bytes(), server)
    try:
        cfg = CommonFrame.convert2frame(udp.recv(65535))
        break
    except (socket.timeout, ConnectionRefusedError):
        time.sleep(0.1)
assert isinstance(cfg, ConfigFrame2), cfg
udp.settimeout(10)
udp.sendto(CommandFrame(10, "start").convert2bytes(), server)
report("udp", cfg, data_frames(udp, cfg, 10))
udp.sendto(CommandFrame(10, "stop").convert2bytes(), server)

# TCP commands, UDP data to our data port.
rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rx.bind(("127.0.0.1", data_port))
rx.settimeout(10)
tcp = socket.create_connection(("127.0.0.1", tcp_udp), timeout=10)
tcp.sendall(CommandFrame(10, "cfg2").convert2bytes())
raw = b""
while len(raw) < 4 or len(raw) < int.from_bytes(raw[2:4], "big"):
    raw += tcp.recv(65535)
cfg = CommonFrame.convert2frame(raw)
assert isinstance(cfg, ConfigFrame2), cfg
tcp.sendall(CommandFrame(10, "start").convert2bytes())
report("tcp_udp", cfg, data_frames(rx, cfg, 10))
tcp.sendall(CommandFrame(10, "stop").convert2bytes())
tcp.close()
