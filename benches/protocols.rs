//! Decode and encode cost of the GOOSE and IEC 60870-5-104 codecs, per frame or ASDU:
//! `goose/decode` parses a whole frame and visits every value (nested structures
//! included), `goose/encode` encodes a dataset from signal values and emits the frame (what
//! `goose-publisher` does per state change); `iec104/decode` frames and parses one APDU and
//! visits every object, `iec104/encode` emits it. Results in docs/benchmarks.md.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use gridhil_engine::signal::Value;
use gridhil_hil::goose::{Data, DataList, GooseFrameRepr, GoosePduRepr, ETHERTYPE_GOOSE};
use gridhil_hil::goose_nodes::dataset::{self, EntryConfig, EntryKind};
use gridhil_hil::iec104::{
    apdu_len, cause, Apci, ApduRepr, AsduRepr, Cp56Time2a, Element, InformationObject, ObjectList,
    TypeId,
};
use gridhil_hil::sv::ber::Writer;
use gridhil_hil::sv::{EthernetRepr, MacAddress, SvHeaderRepr, UtcTime, VlanTag};
use std::hint::black_box;

/// A protection relay's dataset: 8 (trip, quality) pairs and 4 breaker positions as
/// structures of (Dbpos, quality, UtcTime): 28 entries, 36 values.
fn relay_dataset() -> Vec<EntryConfig> {
    let leaf = |name: &str, kind| EntryConfig {
        name: name.into(),
        kind,
        bits: None,
        members: Vec::new(),
        signal: None,
        invert: false,
    };
    let mut entries = Vec::new();
    for i in 0..8 {
        entries.push(leaf(&format!("tr{i}"), EntryKind::Boolean));
        entries.push(leaf(&format!("q{i}"), EntryKind::Quality));
    }
    for i in 0..4 {
        entries.push(EntryConfig {
            name: format!("pos{i}"),
            kind: EntryKind::Structure,
            bits: None,
            members: vec![
                leaf("stval", EntryKind::Dbpos),
                leaf("q", EntryKind::Quality),
                leaf("t", EntryKind::UtcTime),
            ],
            signal: None,
            invert: false,
        });
    }
    entries
}

fn goose_frame<'a>(all_data: DataList<'a>, count: usize) -> GooseFrameRepr<'a> {
    GooseFrameRepr {
        ethernet: EthernetRepr {
            dst: MacAddress([0x01, 0x0c, 0xcd, 0x01, 0x00, 0x01]),
            src: MacAddress([0x02, 0, 0, 0, 0, 1]),
            vlan: Some(VlanTag {
                pcp: 4,
                dei: false,
                vid: 0,
            }),
            ethertype: ETHERTYPE_GOOSE,
        },
        header: SvHeaderRepr {
            app_id: 0x0101,
            ..SvHeaderRepr::default()
        },
        pdu: GoosePduRepr {
            gocb_ref: "RELAY1PROT/LLN0$GO$trip",
            time_allowed_to_live: 4,
            dat_set: "RELAY1PROT/LLN0$Trip",
            go_id: Some("RELAY1_TRIP"),
            t: UtcTime::from_unix_nanos(1_700_000_000_000_000_000, 24),
            st_num: 17,
            sq_num: 0,
            simulation: false,
            conf_rev: 1,
            nds_com: false,
            num_dat_set_entries: count as u32,
            all_data,
        },
    }
}

fn visit(list: &DataList<'_>) -> f64 {
    list.iter()
        .map(|d| match d {
            Data::Structure(inner) | Data::Array(inner) => visit(&inner),
            other => other.as_f64().unwrap_or(0.0),
        })
        .sum()
}

fn goose(c: &mut Criterion) {
    let entries = relay_dataset();
    let leaves = dataset::leaf_count(&entries);
    let values: Vec<Value> = (0..leaves).map(|i| Value::I64((i % 3) as i64)).collect();
    let mut scratch = [0u8; 1500];
    let mut w = Writer::new(&mut scratch);
    dataset::encode(&entries, &values, &mut w).unwrap();
    let len = w.position();
    let all = DataList::parse(&scratch[..len], 1).unwrap();
    let frame = goose_frame(all, entries.len());
    let mut bytes = vec![0u8; frame.buffer_len()];
    frame.emit(&mut bytes).unwrap();

    let mut group = c.benchmark_group("goose");
    group.throughput(Throughput::Elements(1));
    group.bench_function("decode/relay-36-values", |b| {
        b.iter(|| {
            let parsed = GooseFrameRepr::parse(black_box(&bytes)).unwrap();
            black_box(visit(&parsed.pdu.all_data))
        })
    });
    let mut out = [0u8; 1500];
    let mut data = [0u8; 1500];
    group.bench_function("encode/relay-36-values", |b| {
        b.iter(|| {
            let mut w = Writer::new(&mut data);
            dataset::encode(&entries, black_box(&values), &mut w).unwrap();
            let n = w.position();
            let all = DataList::Encoded {
                count: entries.len(),
                bytes: &data[..n],
            };
            black_box(goose_frame(all, entries.len()).emit(&mut out).unwrap())
        })
    });
    group.finish();
}

fn iec104_apdu(objects: &[InformationObject<'_>], type_id: TypeId, sequence: bool) -> Vec<u8> {
    let apdu = ApduRepr {
        apci: Apci::I {
            send: 100,
            receive: 7,
        },
        asdu: Some(AsduRepr {
            type_id,
            sequence,
            count: objects.len() as u8,
            cause: cause::SPONTANEOUS,
            negative: false,
            test: false,
            originator: 0,
            common_address: 1,
            objects: ObjectList::Items(objects),
        }),
    };
    let mut buf = vec![0u8; apdu.buffer_len()];
    apdu.emit(&mut buf).unwrap();
    buf
}

fn iec104(c: &mut Criterion) {
    let time = Some(Cp56Time2a::from_unix_nanos(1_700_000_000_000_000_000));
    let float = [InformationObject {
        address: 1001,
        element: Element::ShortFloat {
            value: 49.98,
            quality: 0,
        },
        time,
    }];
    let points: Vec<InformationObject<'_>> = (0..30)
        .map(|i| InformationObject {
            address: 2001 + i,
            element: Element::SinglePoint {
                on: i % 2 == 0,
                quality: 0,
            },
            time: None,
        })
        .collect();
    let cases = [
        ("M_ME_TF_1", iec104_apdu(&float, TypeId::M_ME_TF_1, false)),
        (
            "M_SP_NA_1-sq30",
            iec104_apdu(&points, TypeId::M_SP_NA_1, true),
        ),
    ];
    let mut group = c.benchmark_group("iec104");
    group.throughput(Throughput::Elements(1));
    for (name, bytes) in &cases {
        group.bench_function(format!("decode/{name}"), |b| {
            b.iter(|| {
                let n = apdu_len(black_box(bytes)).unwrap().unwrap();
                let apdu = ApduRepr::parse(&bytes[..n]).unwrap();
                let asdu = apdu.asdu.unwrap();
                black_box(asdu.iter().filter_map(|o| o.element.value()).sum::<f64>())
            })
        });
        let parsed = ApduRepr::parse(bytes).unwrap();
        let mut out = [0u8; 255];
        group.bench_function(format!("encode/{name}"), |b| {
            b.iter(|| black_box(black_box(&parsed).emit(&mut out).unwrap()))
        });
    }
    group.finish();
}

criterion_group!(benches, goose, iec104);
criterion_main!(benches);
