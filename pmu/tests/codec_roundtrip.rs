//! Round trips of every frame kind through encode and decode, the builder
//! API the PMU server and PDC use, and a check that encoding a data frame into
//! a caller-provided buffer does not allocate.

use gridhil_pmu::codec::{
    AnalogChannel3, AnalogScale, AnalogUnit, Command, CommandCode, Complex, Config, Config3,
    DataFormat, DataFrame, DigitalUnit, DigitalWord3, Error, Fracsec, Frame, FrameHeader,
    FrameRepr, FrameType, HeaderText, NominalFrequency, Payload, PhasorChannel3, PhasorScale,
    PhasorUnit, PmuConfig, PmuConfig3, RawPhasor, RawValue, StreamDecoder, TimeQuality, VarName,
};
use gridhil_test_support::alloc::{count_on_this_thread, watching, CountingAllocator};

/// Counts allocations per thread, so that tests running in parallel do not interfere.
#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::new(watching);

fn header() -> FrameHeader {
    FrameHeader {
        version: 2,
        idcode: 7734,
        soc: 1_700_000_000,
        fracsec: Fracsec {
            time_quality: TimeQuality {
                leap_second_pending: true,
                quality_code: 3,
                ..TimeQuality::default()
            },
            fraction: 123_456,
        },
    }
}

fn cfg2(format: DataFormat) -> Config {
    let pmu_a = PmuConfig::new("Station A", 7734, format, NominalFrequency::HZ60)
        .with_phasor("VA", PhasorUnit::voltage(915_527))
        .with_phasor("VB", PhasorUnit::voltage(915_527))
        .with_phasor("I1", PhasorUnit::current(45_776))
        .with_analog("ANALOG1", AnalogUnit::new(1, 1))
        .with_digital(
            &["BRK1", "BRK2"],
            DigitalUnit {
                normal: 0,
                valid: 0xFFFF,
            },
        );
    let pmu_b = PmuConfig::new("Station B", 7735, format, NominalFrequency::HZ50)
        .with_phasor("V1", PhasorUnit::voltage(1000));
    Config::new(1_000_000, 50, vec![pmu_a, pmu_b])
}

fn cfg3() -> Config3 {
    let names16 = |p: &str| {
        (0..16)
            .map(|i| VarName::new(&format!("{p}{i}")))
            .collect::<Vec<_>>()
    };
    Config3 {
        cont_idx: 0,
        time_base: 1_000_000,
        pmus: vec![PmuConfig3 {
            station: VarName::new("A rather long station name beyond sixteen bytes"),
            idcode: 42,
            global_pmu_id: *b"0123456789abcdef",
            format: DataFormat::new(false, true, false, false),
            phasors: vec![PhasorChannel3 {
                name: VarName::new("VA"),
                scale: PhasorScale {
                    modification_flags: 0x0002,
                    phasor_type: 0x04,
                    user_flags: 0,
                    scale: 0.5,
                    angle_offset: 0.1,
                },
            }],
            analogs: vec![AnalogChannel3 {
                name: VarName::new("temperature"),
                scale: AnalogScale {
                    scale: 0.01,
                    offset: -40.0,
                },
            }],
            digitals: vec![DigitalWord3 {
                names: names16("bit"),
                unit: DigitalUnit {
                    normal: 1,
                    valid: 3,
                },
            }],
            latitude: 50.78,
            longitude: 6.06,
            elevation: f32::INFINITY,
            service_class: b'P',
            window: -40,
            group_delay: 12_000,
            nominal: NominalFrequency::HZ50,
            cfgcnt: 9,
        }],
        data_rate: -5,
    }
}

fn round_trip(repr: &FrameRepr, layout: Option<&gridhil_pmu::codec::DataLayout>) -> Vec<u8> {
    let bytes = repr.to_vec().expect("encode");
    assert_eq!(bytes.len(), repr.buffer_len());
    let frame = Frame::new_checked(&bytes[..]).expect("checked");
    assert_eq!(frame.frame_type().expect("type"), repr.payload.frame_type());
    assert_eq!(usize::from(frame.frame_size()), bytes.len());
    let back = FrameRepr::parse(&frame, layout).expect("parse");
    assert_eq!(&back, repr);
    // emit() into an exactly sized view gives the same bytes.
    let mut again = vec![0u8; repr.buffer_len()];
    repr.emit(&mut Frame::new_unchecked(&mut again[..]))
        .expect("emit");
    assert_eq!(again, bytes);
    bytes
}

#[test]
fn config1_and_config2_round_trip() {
    for raw in 0..16 {
        let cfg = cfg2(DataFormat { raw });
        round_trip(
            &FrameRepr {
                header: header(),
                payload: Payload::Config2(cfg.clone()),
            },
            None,
        );
        let b = round_trip(
            &FrameRepr {
                header: header(),
                payload: Payload::Config1(cfg),
            },
            None,
        );
        assert_eq!(b[1], 0x22);
    }
}

#[test]
fn config3_round_trip() {
    let b = round_trip(
        &FrameRepr {
            header: header(),
            payload: Payload::Config3(cfg3()),
        },
        None,
    );
    assert_eq!(b[1], 0x52);
}

#[test]
fn config3_fragment_is_kept_raw() {
    let repr = FrameRepr {
        header: header(),
        payload: Payload::Config3Fragment {
            cont_idx: 1,
            bytes: vec![0, 1, 9, 9, 9],
        },
    };
    round_trip(&repr, None);
}

#[test]
fn header_and_command_round_trip() {
    round_trip(
        &FrameRepr {
            header: header(),
            payload: Payload::Header(HeaderText::new("gridhil PMU, test bench 3")),
        },
        None,
    );
    for code in [1u16, 2, 3, 4, 5, 6, 8, 0x1234] {
        let mut cmd = Command::new(CommandCode::from_u16(code));
        if code == 8 {
            cmd.extended = vec![0xDE, 0xAD, 0xBE, 0xEF];
        }
        assert_eq!(cmd.code.to_u16(), code);
        let b = round_trip(
            &FrameRepr {
                header: header(),
                payload: Payload::Command(cmd),
            },
            None,
        );
        assert_eq!(b[1] >> 4, 4);
    }
}

#[test]
fn data_frames_round_trip_in_every_format() {
    for raw in 0..16 {
        let cfg = cfg2(DataFormat { raw });
        let layout = cfg.layout();
        let mut data = DataFrame::zeroed(&layout);
        let a = &layout.pmus[0];
        let pmu = &mut data.pmus[0];
        pmu.stat.trigger = true;
        pmu.stat.trigger_reason = 5;
        pmu.set_phasor(0, Complex::from_polar(133_000.0, 0.3), a)
            .expect("phasor");
        pmu.set_phasor(1, Complex::from_polar(133_000.0, 0.3 - 2.094), a)
            .expect("phasor");
        pmu.set_phasor(2, Complex::new(-300.0, 400.0), a)
            .expect("phasor");
        pmu.set_frequency_hz(60.012, a);
        pmu.set_rocof_hz_per_s(-0.25, a);
        pmu.set_analog(0, 100.0, a).expect("analog");
        pmu.digitals[0] = 0x3C12;
        data.check_layout(&layout).expect("layout");
        let repr = FrameRepr {
            header: header(),
            payload: Payload::Data(data.clone()),
        };
        round_trip(&repr, Some(&layout));

        // Engineering values come back within the integer resolution.
        let v = data.pmus[0].values(a);
        let tol = if (DataFormat { raw }).phasor_float() {
            0.05
        } else {
            10.0
        };
        assert!(
            (v.phasors[0].magnitude() - 133_000.0).abs() < tol,
            "format {raw}: {:?}",
            v.phasors[0]
        );
        assert!((v.phasors[2].re + 300.0).abs() < 1.0 && (v.phasors[2].im - 400.0).abs() < 1.0);
        assert!((v.frequency_hz - 60.012).abs() < 1e-3);
        assert!((v.rocof_hz_per_s + 0.25).abs() < 1e-6);
        assert!((v.analogs[0] - 100.0).abs() < 1e-9);
        assert_eq!(v.digitals, [0x3C12]);
    }
}

#[test]
fn data_frame_with_cfg3_scaling_round_trips() {
    let layout = cfg3().layout();
    let mut data = DataFrame::zeroed(&layout);
    let l = &layout.pmus[0];
    data.pmus[0]
        .set_phasor(0, Complex::from_polar(1000.0, 1.0), l)
        .expect("phasor");
    data.pmus[0].set_analog(0, 21.5, l).expect("analog");
    match data.pmus[0].phasors[0] {
        RawPhasor::IntPolar { magnitude, angle } => {
            assert_eq!(magnitude, 2000);
            assert_eq!(angle, 11_000);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(data.pmus[0].analogs[0], RawValue::Int(6150));
    let v = data.pmus[0].phasor(0, l).expect("value");
    assert!((v.magnitude() - 1000.0).abs() < 1e-6 && (v.angle() - 1.0).abs() < 1e-6);
    round_trip(
        &FrameRepr {
            header: header(),
            payload: Payload::Data(data),
        },
        Some(&layout),
    );
}

#[test]
fn encoding_a_data_frame_does_not_allocate() {
    let cfg = cfg2(DataFormat::new(true, true, true, true));
    let layout = cfg.layout();
    let mut data = DataFrame::zeroed(&layout);
    let mut buf = [0u8; 512];
    let hdr = header();
    let (total, allocations) = count_on_this_thread(|| {
        let mut total = 0;
        for i in 0..100 {
            let a = &layout.pmus[0];
            data.pmus[0]
                .set_phasor(0, Complex::new(f64::from(i), 1.0), a)
                .expect("phasor");
            data.pmus[0].set_frequency_hz(50.0 + f64::from(i) * 1e-3, a);
            total += data.encode(&hdr, &mut buf).expect("encode");
        }
        total
    });
    assert_eq!(allocations, 0, "encode allocated");
    assert_eq!(total, 100 * layout.frame_len());
}

#[test]
fn encode_reports_small_buffer_and_layout_mismatch() {
    let cfg = cfg2(DataFormat::default());
    let layout = cfg.layout();
    let data = DataFrame::zeroed(&layout);
    let mut small = [0u8; 20];
    assert!(matches!(
        data.encode(&header(), &mut small),
        Err(Error::BufferTooSmall { .. })
    ));
    let other = cfg2(DataFormat::new(true, false, false, false)).layout();
    assert!(matches!(
        data.check_layout(&other),
        Err(Error::LayoutMismatch(_))
    ));
    let bytes = FrameRepr {
        header: header(),
        payload: Payload::Data(data),
    }
    .to_vec()
    .expect("encode");
    assert!(matches!(
        FrameRepr::parse_bytes(&bytes, Some(&other)),
        Err(Error::ConfigMismatch { .. })
    ));
    assert_eq!(
        FrameRepr::parse_bytes(&bytes, None),
        Err(Error::MissingConfig)
    );
}

#[test]
fn corrupted_frames_report_crc_and_length_errors() {
    let cfg = cfg2(DataFormat::default());
    let mut bytes = FrameRepr {
        header: header(),
        payload: Payload::Config2(cfg),
    }
    .to_vec()
    .expect("encode");
    let good = Frame::new_checked(&bytes[..]).expect("ok").checksum();
    bytes[20] ^= 0x01;
    match FrameRepr::parse_bytes(&bytes, None) {
        Err(Error::CrcMismatch { received, computed }) => {
            assert_eq!(received, good);
            assert_ne!(computed, good);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        FrameRepr::parse_bytes(&bytes[..bytes.len() - 1], None),
        Err(Error::LengthMismatch { .. })
    ));
}

#[test]
fn stream_decoder_learns_the_layout_from_cfg2() {
    let cfg = cfg2(DataFormat::new(false, false, true, false));
    let layout = cfg.layout();
    let mut cfg_bytes = vec![0u8; cfg.buffer_len()];
    cfg.encode(false, &header(), &mut cfg_bytes).expect("cfg");
    let data = DataFrame::zeroed(&layout);
    let mut data_bytes = vec![0u8; data.buffer_len()];
    data.encode(&header(), &mut data_bytes).expect("data");
    let mut dec = StreamDecoder::new();
    assert_eq!(dec.decode(&data_bytes), Err(Error::MissingConfig));
    assert!(matches!(
        dec.decode(&cfg_bytes).map(|r| r.payload.frame_type()),
        Ok(FrameType::Config2)
    ));
    assert_eq!(dec.layout(), Some(&layout));
    assert!(matches!(
        dec.decode(&data_bytes).map(|r| r.payload),
        Ok(Payload::Data(_))
    ));
}

#[test]
fn config3_from_config2_describes_the_same_data_frames() {
    let cfg = cfg2(DataFormat::new(false, false, false, false));
    let c3 = Config3::from_config(&cfg);
    assert_eq!(c3.pmus[0].station.text(), "Station A");
    assert_eq!(c3.pmus[0].phasors[2].name.text(), "I1");
    assert!(c3.pmus[0].phasors[2].scale.is_current());
    let (l2, l3) = (cfg.layout(), c3.layout());
    assert_eq!(l2.payload_len(), l3.payload_len());
    let mut data = DataFrame::zeroed(&l2);
    data.pmus[0]
        .set_phasor(0, Complex::new(1000.0, -2000.0), &l2.pmus[0])
        .expect("set");
    let v2 = data.pmus[0].phasor(0, &l2.pmus[0]).expect("v2");
    let v3 = data.pmus[0].phasor(0, &l3.pmus[0]).expect("v3");
    assert!((v2.re - v3.re).abs() < 1e-3 && (v2.im - v3.im).abs() < 1e-3);
    round_trip(
        &FrameRepr {
            header: header(),
            payload: Payload::Config3(c3),
        },
        None,
    );
}

#[test]
fn header_from_unix_nanos() {
    let h = FrameHeader::at_unix_nanos(5, 1_600_000_000_500_000_000, 1_000_000);
    assert_eq!(
        (h.idcode, h.soc, h.fracsec.fraction, h.version),
        (5, 1_600_000_000, 500_000, 2)
    );
    assert_eq!(h.unix_nanos(1_000_000), 1_600_000_000_500_000_000);
}
