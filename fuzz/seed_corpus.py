#!/usr/bin/env python3
"""Makes the fuzz targets' seed corpus in fuzz/corpus/<target>/ from real inputs: the frames
of ../shared/captures (SV and GOOSE as whole Ethernet frames; C37.118 and IEC 104 as the TCP
or UDP payloads), the wire-format test vectors, the grid models, configurations, scenario
files, VILLASnode example configurations and expr examples of this repository. Each file is
named by its content's hash, so running it again changes nothing. Needs tshark's `editcap`
for pcapng captures.

Usage: fuzz/seed_corpus.py [SHARED_DIR]   (default: ../shared beside the repository)"""
import glob
import hashlib
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(REPO), "shared")
CORPUS = os.path.join(HERE, "corpus")
PER_TARGET = 64  # distinct seeds kept per target and source folder


def pcap_frames(path):
    """Link-layer frames of a pcap or pcapng file (pcapng converted with editcap)."""
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic not in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d"):
        with tempfile.NamedTemporaryFile(suffix=".pcap", delete=False) as tmp:
            converted = tmp.name
        subprocess.run(["editcap", "-F", "pcap", path, converted], check=True, capture_output=True)
        try:
            return pcap_frames(converted)
        finally:
            os.unlink(converted)
    data = open(path, "rb").read()
    endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    frames, offset = [], 24
    while offset + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[offset + 8:offset + 12])[0]
        frames.append((linktype, data[offset + 16:offset + 16 + incl]))
        offset += 16 + incl
    return frames


def ethernet(linktype, frame):
    """The Ethernet frame (Linux cooked captures get a made-up Ethernet header)."""
    if linktype == 1:
        return frame
    if linktype == 113 and len(frame) >= 16:  # SLL
        return b"\xff" * 6 + b"\x00" * 6 + frame[14:16] + frame[16:]
    return None


def transport_payload(eth):
    """TCP or UDP payload of an IPv4 Ethernet frame (VLAN tags skipped)."""
    offset, ethertype = 12, struct.unpack(">H", eth[12:14])[0]
    while ethertype == 0x8100 and len(eth) >= offset + 6:
        offset += 4
        ethertype = struct.unpack(">H", eth[offset:offset + 2])[0]
    ip = eth[offset + 2:]
    if ethertype != 0x0800 or len(ip) < 20:
        return None
    ihl, proto = (ip[0] & 0x0F) * 4, ip[9]
    total = struct.unpack(">H", ip[2:4])[0]
    segment = ip[ihl:total]
    if proto == 6 and len(segment) >= 20:
        payload = segment[(segment[12] >> 4) * 4:]
    elif proto == 17 and len(segment) >= 8:
        payload = segment[8:]
    else:
        return None
    return payload or None


def save(target, blobs):
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    kept = 0
    for blob in blobs:
        if kept >= PER_TARGET:
            break
        name = hashlib.sha1(blob).hexdigest()[:16]
        path = os.path.join(folder, name)
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(blob)
        kept += 1
    return kept


def distinct(blobs):
    seen, out = set(), []
    for b in blobs:
        if b is not None and b not in seen:
            seen.add(b)
            out.append(b)
    return out


def frames_of(pattern, select):
    out = []
    for path in sorted(glob.glob(os.path.join(SHARED, "captures", pattern), recursive=True)):
        try:
            for linktype, frame in pcap_frames(path):
                eth = ethernet(linktype, frame)
                if eth is not None:
                    out.append(select(eth))
        except (subprocess.CalledProcessError, struct.error, OSError) as e:
            print(f"seed_corpus: skipped {path}: {e}", file=sys.stderr)
    return distinct(out)


def files(*patterns):
    out = []
    for pattern in patterns:
        for path in sorted(glob.glob(os.path.join(REPO, pattern), recursive=True)):
            out.append(open(path, "rb").read())
    return distinct(out)


def hex_vectors():
    """The wire-format test vectors (`tests/vectors/*.hex`: hex bytes, `#` comments)."""
    out = []
    for path in sorted(glob.glob(os.path.join(REPO, "tests/vectors/*.hex"))):
        digits = "".join(line.split("#")[0] for line in open(path))
        out.append(bytes.fromhex("".join(digits.split())))
    return out


def main():
    is_sv = lambda eth: eth if b"\x88\xba" in eth[12:20] else None
    is_goose = lambda eth: eth if b"\x88\xb8" in eth[12:20] else None
    counts = {
        "sv_frame": save("sv_frame", frames_of("**/*sv*.pcap*", is_sv) + frames_of("sv/*", is_sv)),
        "goose_frame": save("goose_frame", frames_of("goose/*", is_goose) + frames_of("generated-by-peers/goose*", is_goose)),
        "c37118_frame": save("c37118_frame", frames_of("c37.118/*.pcap", transport_payload)
                             + frames_of("generated-by-peers/*c37*", transport_payload)
                             + frames_of("generated-by-peers/*pmu*", transport_payload)),
        "iec104_apdu": save("iec104_apdu", frames_of("iec104/*", transport_payload)),
        "format_decode": save("format_decode", [bytes([pick, 8]) + v for v in hex_vectors() for pick in range(8)]),
        "gridsim_model": save("gridsim_model", files("examples/grids/*.toml", "scenarios/**/*grid*.toml")),
        "config_toml": save("config_toml", files("examples/*.toml")),
        "scenario_file": save("scenario_file", files("scenarios/suite/*.toml", "tests/scenarios/cases/*.toml")),
        "villas_config": save("villas_config", files("tests/import/villas-examples/**/*.conf", "tests/import/*.json")),
        "expr_parse": save("expr_parse", [b"va*ia + vb*ib + vc*ic", b"clamp(va, -400, 400)",
                                           b"(abs(ia) > 1.2 * 141) + (hypot(va, vb) < 100)",
                                           b"atan2(bus2.ia, a) ^ -2 ^ 2", b"min(a, max(b, e)) >= pi"]),
    }
    for target, n in counts.items():
        print(f"{target}: {n} seeds")


if __name__ == "__main__":
    main()
