//! Decodes every IEC 60870-5-104 capture in ../shared/captures/iec104 and compares it with
//! tshark's `iec60870_104` and `iec60870_asdu` dissectors, APDU by APDU and field by field
//! in document order: APCI (length, format, sequence numbers, U function), data unit
//! identifier (type, SQ, count, cause, P/N, test, originator, common address), and every
//! information object (address, element octets, CP56Time2a). The TCP payload is framed with
//! the codec's own `apdu_len` across segments, as a node would. Frames tshark marks
//! malformed must be errors for us too. Then the round trip: every parsed APDU re-emits
//! byte for byte.

mod common;

use common::capture::read_packets;
use gridhil_hil::iec104::{apdu_len, Apci, ApduRepr, Element, Iec104Error};
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

type Token = (String, String);

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn attribute<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = line.find(&key)? + key.len();
    let len = line.get(start..)?.find('"')?;
    line.get(start..start + len)
}

/// Element fields compared by their raw octets.
const ELEMENT_FIELDS: &[&str] = &[
    "siq",
    "diq",
    "qds",
    "vti",
    "bitstring",
    "normval",
    "scalval",
    "float",
    "bcr.count",
    "sco",
    "dco",
    "rco",
    "qos",
    "qoi",
    "coi",
    "cp56time",
];

/// Header fields compared by what tshark shows.
const SHOWN_FIELDS: &[&str] = &[
    "iec60870_104.apdulen",
    "iec60870_104.tx",
    "iec60870_104.rx",
    "iec60870_asdu.typeid",
    "iec60870_asdu.sq",
    "iec60870_asdu.numix",
    "iec60870_asdu.causetx",
    "iec60870_asdu.nega",
    "iec60870_asdu.test",
    "iec60870_asdu.oa",
    "iec60870_asdu.addr",
    "iec60870_asdu.ioa",
];

/// Per frame: tshark's tokens and whether it marked the frame malformed.
fn tshark_tokens(file: &Path) -> Vec<(Vec<Token>, bool)> {
    let out = Command::new("tshark")
        .args(["-n", "-T", "pdml", "-r"])
        .arg(file)
        .output()
        .expect("tshark runs");
    assert!(out.status.success(), "tshark failed on {}", file.display());
    let text = String::from_utf8_lossy(&out.stdout);
    let mut frames = Vec::new();
    for packet in text.split("<packet>").skip(1) {
        let mut tokens = Vec::new();
        let malformed = packet.contains("name=\"_ws.malformed\"");
        for line in packet.lines() {
            let Some(name) = attribute(line, "name") else {
                continue;
            };
            let show = attribute(line, "show").unwrap_or_default();
            let value = attribute(line, "value").unwrap_or_default();
            let token = if SHOWN_FIELDS.contains(&name) {
                show.to_owned()
            } else if matches!(name, "iec60870_104.type" | "iec60870_104.utype")
                || name
                    .strip_prefix("iec60870_asdu.")
                    .is_some_and(|f| ELEMENT_FIELDS.contains(&f))
            {
                value.to_owned()
            } else {
                continue;
            };
            tokens.push((name.to_owned(), token));
        }
        frames.push((tokens, malformed));
    }
    frames
}

fn push(tokens: &mut Vec<Token>, name: &str, text: impl ToString) {
    tokens.push((name.to_owned(), text.to_string()));
}

fn element_tokens(type_id: u8, element: &Element<'_>, raw: &[u8], t: &mut Vec<Token>) {
    let a = |f: &str| format!("iec60870_asdu.{f}");
    let q = |t: &mut Vec<Token>, byte: u8| push(t, &a("qds"), format!("{byte:02x}"));
    match *element {
        Element::SinglePoint { .. } => push(t, &a("siq"), hex(&raw[..1])),
        Element::DoublePoint { .. } => push(t, &a("diq"), hex(&raw[..1])),
        Element::StepPosition { quality, .. } => {
            push(t, &a("vti"), hex(&raw[..1]));
            q(t, quality);
        }
        Element::Bitstring { quality, .. } => {
            push(t, &a("bitstring"), hex(&raw[..4]));
            q(t, quality);
        }
        Element::Normalized { quality, .. } => {
            push(t, &a("normval"), hex(&raw[..2]));
            if let Some(quality) = quality {
                q(t, quality);
            }
        }
        Element::Scaled { quality, .. } => {
            push(t, &a("scalval"), hex(&raw[..2]));
            q(t, quality);
        }
        Element::ShortFloat { quality, .. } => {
            push(t, &a("float"), hex(&raw[..4]));
            q(t, quality);
        }
        Element::IntegratedTotal { .. } => push(t, &a("bcr.count"), hex(&raw[..4])),
        Element::SingleCommand { .. } => push(t, &a("sco"), hex(&raw[..1])),
        Element::DoubleCommand { .. } => push(t, &a("dco"), hex(&raw[..1])),
        Element::RegulatingStep { .. } => push(t, &a("rco"), hex(&raw[..1])),
        Element::SetpointNormalized { qos, .. } => {
            push(t, &a("normval"), hex(&raw[..2]));
            push(t, &a("qos"), format!("{qos:02x}"));
        }
        Element::SetpointScaled { qos, .. } => {
            push(t, &a("scalval"), hex(&raw[..2]));
            push(t, &a("qos"), format!("{qos:02x}"));
        }
        Element::SetpointFloat { qos, .. } => {
            push(t, &a("float"), hex(&raw[..4]));
            push(t, &a("qos"), format!("{qos:02x}"));
        }
        Element::BitstringCommand { .. } => push(t, &a("bitstring"), hex(&raw[..4])),
        Element::EndOfInitialisation { .. } => push(t, &a("coi"), hex(&raw[..1])),
        Element::Interrogation { .. } => push(t, &a("qoi"), hex(&raw[..1])),
        Element::ClockSync { time } => push(t, &a("cp56time"), hex(&time.to_bytes())),
        // Parameters of measured values: the value (the QPM is not compared).
        Element::Raw(_) if type_id == 110 => push(t, &a("normval"), hex(&raw[..2])),
        Element::Raw(_) if type_id == 111 => push(t, &a("scalval"), hex(&raw[..2])),
        Element::Raw(_) if type_id == 112 => push(t, &a("float"), hex(&raw[..4])),
        Element::CounterInterrogation { .. } | Element::Read | Element::Raw(_) => {}
    }
}

/// Our tokens for one APDU, in tshark's order.
fn apdu_tokens(apdu: &ApduRepr<'_>, raw: &[u8], t: &mut Vec<Token>) {
    push(t, "iec60870_104.apdulen", raw[1]);
    match apdu.apci {
        Apci::I { send, receive } => {
            push(t, "iec60870_104.type", 0);
            push(t, "iec60870_104.tx", send);
            push(t, "iec60870_104.rx", receive);
        }
        Apci::S { receive } => {
            push(t, "iec60870_104.type", 1);
            push(t, "iec60870_104.rx", receive);
        }
        Apci::U(f) => {
            push(t, "iec60870_104.type", 3);
            push(t, "iec60870_104.utype", format!("{:x}", f.control() >> 2));
        }
    }
    let Some(asdu) = apdu.asdu else { return };
    push(t, "iec60870_asdu.typeid", asdu.type_id.0);
    push(t, "iec60870_asdu.sq", u8::from(asdu.sequence));
    push(t, "iec60870_asdu.numix", asdu.count);
    push(t, "iec60870_asdu.causetx", asdu.cause);
    push(t, "iec60870_asdu.nega", u8::from(asdu.negative));
    push(t, "iec60870_asdu.test", u8::from(asdu.test));
    push(t, "iec60870_asdu.oa", asdu.originator);
    push(t, "iec60870_asdu.addr", asdu.common_address);
    // The element octets, located in the raw ASDU.
    let element_len = asdu.type_id.element_len().unwrap_or(0);
    let objects = &raw[12..];
    for (i, object) in asdu.iter().enumerate() {
        push(t, "iec60870_asdu.ioa", object.address);
        let at = if asdu.sequence {
            3 + i * element_len
        } else {
            i * (3 + element_len) + 3
        };
        element_tokens(asdu.type_id.0, &object.element, &objects[at..], t);
        // tshark 4.0 shows the protection events (38–40) as raw data.
        if let Some(time) = object.time.filter(|_| !(38..=40).contains(&asdu.type_id.0)) {
            push(t, "iec60870_asdu.cp56time", hex(&time.to_bytes()));
        }
    }
}

/// A TCP direction: source address and port, destination address and port.
type Flow = (u32, u16, u32, u16);

/// One direction of a TCP connection: the next sequence number and unframed bytes.
#[derive(Default)]
struct Direction {
    next_seq: Option<u32>,
    pending: Vec<u8>,
}

/// The TCP payload of an Ethernet/IPv4 frame on port 2404: (direction key, seq, payload).
fn tcp_payload(frame: &[u8]) -> Option<(Flow, u32, &[u8])> {
    let mut at = 12;
    let mut ethertype = u16::from_be_bytes([*frame.get(at)?, *frame.get(at + 1)?]);
    if ethertype == 0x8100 {
        at += 4;
        ethertype = u16::from_be_bytes([*frame.get(at)?, *frame.get(at + 1)?]);
    }
    if ethertype != 0x0800 {
        return None;
    }
    let ip = frame.get(at + 2..)?;
    let ihl = usize::from(ip.first()? & 0x0f) * 4;
    let total = usize::from(u16::from_be_bytes([*ip.get(2)?, *ip.get(3)?]));
    if *ip.get(9)? != 6 {
        return None;
    }
    let src = u32::from_be_bytes(ip.get(12..16)?.try_into().ok()?);
    let dst = u32::from_be_bytes(ip.get(16..20)?.try_into().ok()?);
    let tcp = ip.get(ihl..total.min(ip.len()))?;
    let sport = u16::from_be_bytes([*tcp.first()?, *tcp.get(1)?]);
    let dport = u16::from_be_bytes([*tcp.get(2)?, *tcp.get(3)?]);
    if sport != 2404 && dport != 2404 {
        return None;
    }
    let seq = u32::from_be_bytes(tcp.get(4..8)?.try_into().ok()?);
    let offset = usize::from(tcp.get(12)? >> 4) * 4;
    Some(((src, sport, dst, dport), seq, tcp.get(offset..)?))
}

#[derive(Debug, Default)]
struct Outcome {
    apdus: usize,
    objects: usize,
    errors: usize,
    /// Frames tshark dissects that we reject (invalid control fields).
    stricter: usize,
    /// Bytes skipped looking for START.
    skipped: usize,
}

fn check_capture(file: &Path, with_tshark: bool) -> Outcome {
    let frames = read_packets(file);
    let theirs = with_tshark.then(|| tshark_tokens(file));
    let mut directions: HashMap<Flow, Direction> = HashMap::new();
    let mut outcome = Outcome::default();
    for (index, frame) in frames.iter().enumerate() {
        let number = index + 1;
        let mut ours = Vec::new();
        let mut errors = Vec::new();
        if let Some((key, seq, payload)) = tcp_payload(frame) {
            let dir = directions.entry(key).or_default();
            let len = payload.len() as u32;
            let skip = match dir.next_seq {
                // A retransmission of bytes already seen.
                Some(next) if seq.wrapping_add(len).wrapping_sub(next) as i32 <= 0 => len,
                Some(next) if (next.wrapping_sub(seq) as i32) > 0 => next.wrapping_sub(seq),
                Some(next) if seq != next => {
                    dir.pending.clear(); // a gap: start over
                    0
                }
                _ => 0,
            };
            if len > 0 {
                dir.next_seq = Some(seq.wrapping_add(len).max(dir.next_seq.unwrap_or(0)));
                if skip < len {
                    dir.next_seq = Some(seq.wrapping_add(len));
                }
            }
            dir.pending.extend_from_slice(&payload[skip as usize..]);
            loop {
                match apdu_len(&dir.pending) {
                    Ok(Some(n)) if dir.pending.len() >= n => {
                        let raw: Vec<u8> = dir.pending.drain(..n).collect();
                        match ApduRepr::parse(&raw) {
                            Ok(apdu) => {
                                outcome.apdus += 1;
                                outcome.objects += apdu.asdu.map_or(0, |a| a.iter().count());
                                apdu_tokens(&apdu, &raw, &mut ours);
                                let mut again = vec![0u8; apdu.buffer_len()];
                                apdu.emit(&mut again).unwrap();
                                assert_eq!(
                                    again,
                                    raw,
                                    "{} frame {number}: re-emission",
                                    file.display()
                                );
                            }
                            Err(e) => errors.push(e),
                        }
                    }
                    Ok(_) => break,
                    Err(Iec104Error::StartByte { .. }) => {
                        // Like tshark, look for the next START (a keep-alive byte, a
                        // capture that begins inside an APDU); a node closes instead.
                        let skip = dir.pending.iter().position(|&b| b == 0x68);
                        outcome.skipped += skip.unwrap_or(dir.pending.len());
                        dir.pending.drain(..skip.unwrap_or(dir.pending.len()));
                    }
                    Err(e) => {
                        errors.push(e);
                        dir.pending.clear();
                        break;
                    }
                }
            }
        }
        outcome.errors += errors.len();
        let Some(theirs) = &theirs else { continue };
        let (tokens, malformed) = &theirs[index];
        if *malformed {
            assert!(
                !errors.is_empty(),
                "{} frame {number}: tshark says malformed, we decoded {ours:?}",
                file.display()
            );
            continue;
        }
        if !errors.is_empty() {
            // tshark does not check a U frame's function bits or an S/U frame's length;
            // the standard does, and so do we. Nothing else may differ.
            assert!(
                errors.iter().all(|e| matches!(
                    e,
                    Iec104Error::Control { .. } | Iec104Error::FormatLength { .. }
                )),
                "{} frame {number}: {errors:?} (tshark: {tokens:?})",
                file.display()
            );
            outcome.stricter += 1;
            continue;
        }
        // tshark names START as an ASDU field and repeats nothing else we skip.
        assert_eq!(&ours, tokens, "{} frame {number}", file.display());
    }
    outcome
}

#[test]
fn every_iec104_capture_matches_tshark_field_by_field() {
    let Some(dir) = common::shared_dir() else {
        return;
    };
    let tshark = common::tshark_available();
    let dir = dir.join("captures/iec104");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    let mut report = Vec::new();
    for file in names {
        let outcome = check_capture(&file, tshark);
        report.push(format!(
            "{}: {} APDUs, {} information objects, {} errors ({} frames rejected only by us), {} bytes skipped",
            file.file_name().unwrap().to_string_lossy(),
            outcome.apdus,
            outcome.objects,
            outcome.errors,
            outcome.stricter,
            outcome.skipped
        ));
        assert!(outcome.apdus > 0, "{}", file.display());
    }
    eprintln!("{}", report.join("\n"));
}
