//! Cross-checks the decoder against tshark's synphasor dissector, frame by
//! frame, on every C37.118 capture: header fields, CRC verdict, STAT words,
//! station and channel names, frequencies, ROCOF, phasors (raw bytes and
//! engineering values), analogs, digitals and command codes.

mod codec_support;

use codec_support::capture::{decode_capture, Decoded};
use codec_support::pdml::{synphasor_pdus, Pdu};
use codec_support::{have_tshark, shared_dir, CAPTURES};
use gridhil_pmu::codec::{
    Config, DataFrame, DataLayout, Error, FrameRepr, Payload, RawPhasor, RawValue,
};
use std::collections::BTreeMap;

fn hex_u32(s: &str) -> u32 {
    u32::from_str_radix(s.trim_start_matches("0x"), 16).unwrap_or_else(|_| panic!("hex {s:?}"))
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn ip(a: [u8; 4]) -> String {
    format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])
}

/// Parses "… alt RE+jIM…" from a phasor's showname.
fn alt_value(showname: &str) -> (f64, f64) {
    let alt = &showname[showname.find(" alt ").expect("alt") + 5..];
    let j = alt.find("+j").expect("+j");
    let re: f64 = alt[..j].trim().parse().expect("re");
    let rest = &alt[j + 2..];
    let end = rest.find(['V', 'A']).expect("unit");
    let im: f64 = rest[..end].trim().parse().expect("im");
    (re, im)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1.5e-3 + 1e-7 * a.abs().max(b.abs())
}

fn check_header(ctx: &str, d: &Decoded, p: &Pdu) {
    let f = |n: &str| {
        p.get(n)
            .unwrap_or_else(|| panic!("{ctx}: tshark lacks {n}"))
    };
    assert_eq!(
        hex_u32(&f("synphasor.frtype").show),
        u32::from(d.bytes[1] >> 4 & 7),
        "{ctx}: type"
    );
    assert_eq!(
        f("synphasor.version").show.parse::<u8>().ok(),
        Some(d.bytes[1] & 0xF),
        "{ctx}: version"
    );
    assert_eq!(
        f("synphasor.frsize").show.parse::<usize>().ok(),
        Some(d.bytes.len()),
        "{ctx}: size"
    );
    let idcode = u16::from_be_bytes([d.bytes[4], d.bytes[5]]);
    assert_eq!(
        f("synphasor.idcode_stream_source").show.parse::<u16>().ok(),
        Some(idcode),
        "{ctx}: idcode"
    );
    assert_eq!(
        f("synphasor.soc").value,
        to_hex(&d.bytes[6..10]),
        "{ctx}: SOC"
    );
    assert_eq!(
        hex_u32(&f("synphasor.fracsec_raw").value),
        u32::from_be_bytes([0, d.bytes[11], d.bytes[12], d.bytes[13]]),
        "{ctx}: fraction"
    );
    assert_eq!(
        hex_u32(&f("synphasor.timeqal.timequalindic").value),
        u32::from(d.bytes[10] & 0xF),
        "{ctx}: time quality"
    );
    assert_eq!(
        f("synphasor.checksum").value,
        to_hex(&d.bytes[d.bytes.len() - 2..]),
        "{ctx}: CHK"
    );
    let tshark_good = f("synphasor.checksum.status").show == "1";
    let ours_good = !matches!(d.result, Err(Error::CrcMismatch { .. }));
    assert_eq!(ours_good, tshark_good, "{ctx}: CRC verdict");
    if let Ok(repr) = &d.result {
        assert_eq!(repr.header.idcode, idcode, "{ctx}: parsed idcode");
        assert_eq!(
            repr.header.soc,
            u32::from_be_bytes([d.bytes[6], d.bytes[7], d.bytes[8], d.bytes[9]])
        );
    }
}

fn check_config(ctx: &str, cfg: &Config, p: &Pdu) {
    let shows = |n: &str| p.all(n).map(|f| f.show.clone()).collect::<Vec<_>>();
    assert_eq!(
        shows("synphasor.conf.timebase"),
        [cfg.ticks_per_second().to_string()],
        "{ctx}: TIME_BASE"
    );
    assert_eq!(
        shows("synphasor.conf.numpmu"),
        [cfg.pmus.len().to_string()],
        "{ctx}: NUM_PMU"
    );
    let stations: Vec<String> = p
        .fields
        .iter()
        .filter(|f| f.name.is_empty() && f.show.starts_with("Station #"))
        .map(|f| {
            f.show
                .split_once(": ")
                .map(|x| x.1.to_string())
                .unwrap_or_default()
        })
        .collect();
    let ours: Vec<String> = cfg
        .pmus
        .iter()
        .map(|m| format!("\"{}\"", String::from_utf8_lossy(&m.station.bytes)))
        .collect();
    assert_eq!(stations, ours, "{ctx}: stations");
    let ids: Vec<String> = cfg.pmus.iter().map(|m| m.idcode.to_string()).collect();
    assert_eq!(
        shows("synphasor.idcode_data_source"),
        ids,
        "{ctx}: PMU IDCODEs"
    );
    let counts = |f: fn(&gridhil_pmu::codec::PmuConfig) -> usize| {
        cfg.pmus
            .iter()
            .map(|m| f(m).to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        shows("synphasor.num_phasors"),
        counts(|m| m.phasors.len()),
        "{ctx}: PHNMR"
    );
    assert_eq!(
        shows("synphasor.num_analog_values"),
        counts(|m| m.analogs.len()),
        "{ctx}: ANNMR"
    );
    assert_eq!(
        shows("synphasor.num_digital_status_words"),
        counts(|m| m.digitals.len()),
        "{ctx}: DGNMR"
    );
    let names: Vec<String> = cfg
        .pmus
        .iter()
        .flat_map(|m| {
            m.phasors
                .iter()
                .map(|c| c.name)
                .chain(m.analogs.iter().map(|c| c.name))
                .chain(m.digitals.iter().flat_map(|d| d.names))
                .map(|n| String::from_utf8_lossy(&n.bytes).to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    let theirs: Vec<String> = p
        .all("synphasor.channel_name")
        .map(|f| hex_decode(&f.value))
        .collect();
    assert_eq!(theirs, names, "{ctx}: channel names");
    let phunits: Vec<String> = cfg
        .pmus
        .iter()
        .flat_map(|m| m.phasors.iter().map(|c| format!("{:08x}", c.unit.raw)))
        .collect();
    assert_eq!(
        p.all("synphasor.conversion_factor")
            .map(|f| f.value.clone())
            .collect::<Vec<_>>(),
        phunits,
        "{ctx}: PHUNIT"
    );
    let fnom: Vec<String> = cfg
        .pmus
        .iter()
        .map(|m| (m.nominal.raw & 1).to_string())
        .collect();
    assert_eq!(shows("synphasor.conf.fnom"), fnom, "{ctx}: FNOM");
    let cfgcnt: Vec<String> = cfg.pmus.iter().map(|m| m.cfgcnt.to_string()).collect();
    assert_eq!(shows("synphasor.conf.cfgcnt"), cfgcnt, "{ctx}: CFGCNT");
    assert_eq!(
        shows("synphasor.rate_of_transmission"),
        [cfg.data_rate.to_string()],
        "{ctx}: DATA_RATE"
    );
}

fn hex_decode(s: &str) -> String {
    let bytes: Vec<u8> = (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex"))
        .collect();
    String::from_utf8_lossy(&bytes).to_string()
}

fn check_data(ctx: &str, data: &DataFrame, layout: &DataLayout, p: &Pdu) {
    let stat: Vec<u16> = p
        .all("synphasor.data.status")
        .map(|f| hex_u32(&f.unmasked) as u16)
        .collect();
    let ours: Vec<u16> = data.pmus.iter().map(|m| m.stat.to_bits()).collect();
    assert_eq!(stat, ours, "{ctx}: STAT");
    let stations = p
        .fields
        .iter()
        .filter(|f| f.name.is_empty() && f.show.starts_with("Station: "))
        .count();
    assert_eq!(stations, data.pmus.len(), "{ctx}: PMU blocks");
    let phasors: Vec<_> = p.all("synphasor.phasor").collect();
    let mut i = 0;
    for (pmu, lay) in data.pmus.iter().zip(&layout.pmus) {
        for (k, raw) in pmu.phasors.iter().enumerate() {
            let f = phasors
                .get(i)
                .unwrap_or_else(|| panic!("{ctx}: tshark lacks phasor {i}"));
            i += 1;
            let raw_hex = match *raw {
                RawPhasor::IntRect { re, im } => {
                    to_hex(&[re.to_be_bytes(), im.to_be_bytes()].concat())
                }
                RawPhasor::IntPolar { magnitude, angle } => {
                    to_hex(&[magnitude.to_be_bytes(), angle.to_be_bytes()].concat())
                }
                RawPhasor::FloatRect { re, im } => {
                    to_hex(&[re.to_be_bytes(), im.to_be_bytes()].concat())
                }
                RawPhasor::FloatPolar { magnitude, angle } => {
                    to_hex(&[magnitude.to_be_bytes(), angle.to_be_bytes()].concat())
                }
            };
            assert_eq!(f.value, raw_hex, "{ctx}: phasor {i} raw");
            let v = pmu.phasor(k, lay).expect("phasor");
            let (re, im) = alt_value(&f.showname);
            assert!(
                close(v.re, re) && close(v.im, im),
                "{ctx}: phasor {i}: ours {v:?}, tshark {re}+j{im}"
            );
        }
    }
    assert_eq!(i, phasors.len(), "{ctx}: phasor count");
    // FREQ and DFREQ, per PMU in order.
    let dev: Vec<_> = p
        .all("synphasor.frequency_deviation_from_nominal")
        .collect();
    let act: Vec<_> = p.all("synphasor.actual_frequency_value").collect();
    let rocof: Vec<_> = p.all("synphasor.rate_change_frequency").collect();
    let (mut di, mut ai) = (0, 0);
    for (n, (pmu, lay)) in data.pmus.iter().zip(&layout.pmus).enumerate() {
        match pmu.freq {
            RawValue::Int(v) => {
                let f = dev[di];
                di += 1;
                assert_eq!(f.show.parse::<i16>().ok(), Some(v), "{ctx}: FREQ");
                let hz: f64 = f
                    .showname
                    .split("actual frequency: ")
                    .nth(1)
                    .and_then(|s| s.trim_end_matches("Hz)").parse().ok())
                    .expect("Hz");
                assert!(
                    (pmu.frequency_hz(lay) - hz).abs() < 6e-4,
                    "{ctx}: frequency"
                );
            }
            RawValue::Float(v) => {
                let f = act[ai];
                ai += 1;
                assert_eq!(f.value, to_hex(&v.to_be_bytes()), "{ctx}: FREQ float");
                assert_eq!(pmu.frequency_hz(lay), f64::from(v));
            }
        }
        let raw = match pmu.dfreq {
            RawValue::Int(v) => to_hex(&v.to_be_bytes()),
            RawValue::Float(v) => to_hex(&v.to_be_bytes()),
        };
        assert_eq!(rocof[n].value, raw, "{ctx}: DFREQ raw");
        let r: f64 = rocof[n].show.parse().expect("rocof");
        assert!(
            (pmu.rocof_hz_per_s() - r).abs() <= 1e-5 * r.abs().max(1.0),
            "{ctx}: ROCOF ours {} tshark {r}",
            pmu.rocof_hz_per_s()
        );
    }
    assert_eq!(
        (di, ai, rocof.len()),
        (dev.len(), act.len(), data.pmus.len()),
        "{ctx}: FREQ count"
    );
    // Analogs: floats printed with 3 decimals, ints raw.
    let analogs: Vec<String> = p
        .all("synphasor.analog_value")
        .map(|f| {
            f.showname
                .rsplit_once("\", ")
                .map(|x| x.1.to_string())
                .unwrap_or_default()
        })
        .collect();
    let ours: Vec<String> = data
        .pmus
        .iter()
        .flat_map(|m| m.analogs.iter())
        .map(|a| match *a {
            RawValue::Float(v) => format!("{v:.3}"),
            RawValue::Int(v) => format!("{v}"),
        })
        .collect();
    let theirs: Vec<String> = analogs
        .iter()
        .map(|s| s.split(' ').next().unwrap_or_default().to_string())
        .collect();
    assert_eq!(theirs, ours, "{ctx}: analogs");
    let digitals: Vec<String> = p
        .all("synphasor.digital_status_word")
        .map(|f| {
            f.showname
                .rsplit(' ')
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    let ours: Vec<String> = data
        .pmus
        .iter()
        .flat_map(|m| m.digitals.iter())
        .map(|d| format!("0x{d:04x}"))
        .collect();
    assert_eq!(digitals, ours, "{ctx}: digitals");
}

#[test]
fn decoder_agrees_with_tshark_on_every_frame() {
    let Some(shared) = shared_dir("decoder_agrees_with_tshark_on_every_frame") else {
        return;
    };
    if !have_tshark("decoder_agrees_with_tshark_on_every_frame") {
        return;
    }
    let mut checked = 0usize;
    for spec in CAPTURES {
        let path = shared.join(spec.path);
        let bytes = std::fs::read(&path).expect("read capture");
        let (frames, _) = decode_capture(&bytes, spec.ports);
        let pdus = synphasor_pdus(&path, spec.decode_as);
        // Group both sides by direction; order within a direction is stream order.
        let mut ours: BTreeMap<(String, u16, String, u16), Vec<&Decoded>> = BTreeMap::new();
        for d in &frames {
            // tshark does not dissect frames of 16 bytes (empty header frames).
            if d.bytes.len() <= 16 {
                continue;
            }
            ours.entry((ip(d.key.src.0), d.key.src.1, ip(d.key.dst.0), d.key.dst.1))
                .or_default()
                .push(d);
        }
        let mut theirs: BTreeMap<(String, u16, String, u16), Vec<&Pdu>> = BTreeMap::new();
        for p in &pdus {
            theirs
                .entry((p.src.0.clone(), p.src.1, p.dst.0.clone(), p.dst.1))
                .or_default()
                .push(p);
        }
        assert_eq!(
            ours.keys().collect::<Vec<_>>(),
            theirs.keys().collect::<Vec<_>>(),
            "{}: directions",
            spec.path
        );
        let mut layouts: BTreeMap<(String, u16, String, u16), DataLayout> = BTreeMap::new();
        for (key, list) in &ours {
            let tlist = &theirs[key];
            assert_eq!(list.len(), tlist.len(), "{}: frames {key:?}", spec.path);
            for (d, p) in list.iter().zip(tlist) {
                let ctx = format!(
                    "{} frame {} (ours packet {})",
                    spec.path,
                    p.frame,
                    d.packet + 1
                );
                assert_eq!(p.frame, d.packet + 1, "{ctx}: packet number");
                check_header(&ctx, d, p);
                match &d.result {
                    Ok(FrameRepr {
                        payload: Payload::Config2(cfg),
                        ..
                    }) => {
                        check_config(&ctx, cfg, p);
                        layouts.insert(key.clone(), cfg.layout());
                    }
                    Ok(FrameRepr {
                        payload: Payload::Data(data),
                        ..
                    }) => check_data(&ctx, data, &layouts[key], p),
                    Ok(FrameRepr {
                        payload: Payload::Command(cmd),
                        ..
                    }) => {
                        let code = p.get("synphasor.command").map(|f| hex_u32(&f.show));
                        assert_eq!(code, Some(u32::from(cmd.code.to_u16())), "{ctx}: CMD");
                    }
                    Ok(other) => panic!("{ctx}: unexpected frame {other:?}"),
                    Err(Error::CrcMismatch { .. }) => {}
                    Err(e) => panic!("{ctx}: {e}"),
                }
                checked += 1;
            }
        }
    }
    println!("{checked} frames agree with tshark");
    assert!(checked > 14_000);
}
