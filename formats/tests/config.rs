//! The TOML shapes of a node's `format` key.

use gridhil_formats::{
    ByteOrder, FormatConfig, GtnetConfig, HeaderField, OpalAsyncipConfig, RawConfig,
    VillasBinaryConfig, WordKind,
};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Node {
    format: FormatConfig,
}

fn parse(text: &str) -> Result<FormatConfig, String> {
    toml::from_str::<Node>(text)
        .map(|n| n.format)
        .map_err(|e| e.to_string())
}

#[test]
fn plain_names_give_defaults() {
    for name in FormatConfig::NAMES {
        let config = parse(&format!("format = \"{name}\"")).unwrap();
        assert_eq!(config.name(), *name);
        assert_eq!(Some(config), FormatConfig::from_name(name));
    }
    assert_eq!(
        FormatConfig::default(),
        FormatConfig::from_name("villas.binary").unwrap()
    );
}

#[test]
fn tables_configure_formats() {
    assert_eq!(
        parse(
            r#"format = { type = "villas.binary", source_index = 3, validate_source_index = true }"#
        ),
        Ok(FormatConfig::VillasBinary(VillasBinaryConfig {
            source_index: 3,
            validate_source_index: true
        }))
    );
    assert_eq!(
        parse(r#"format = { type = "gtnet", fake = true }"#),
        Ok(FormatConfig::Gtnet(GtnetConfig { fake: true }))
    );
    assert_eq!(
        parse(r#"format = { type = "opal.asyncip", dev_id = -2 }"#),
        Ok(FormatConfig::OpalAsyncip(OpalAsyncipConfig { dev_id: -2 }))
    );
    let raw = parse(
        "[format]\ntype = \"raw\"\nbits = 16\nendian = \"big\"\nvalues = \"uint\"\nheader = [\"sequence\", \"timestamp\"]\n",
    )
    .unwrap();
    assert_eq!(
        raw,
        FormatConfig::Raw(
            RawConfig::new(
                16,
                ByteOrder::Big,
                WordKind::Uint,
                vec![HeaderField::Sequence, HeaderField::Timestamp]
            )
            .unwrap()
        )
    );
    // VILLASnode's spelling of the byte-order key is accepted.
    let FormatConfig::Raw(raw) = parse(r#"format = { type = "raw", endianess = "big" }"#).unwrap()
    else {
        panic!()
    };
    assert_eq!(
        (raw.bits(), raw.endian(), raw.values()),
        (32, ByteOrder::Big, WordKind::Auto)
    );
    let FormatConfig::Raw(raw) = parse(r#"format = { type = "raw" }"#).unwrap() else {
        panic!()
    };
    assert_eq!(
        (raw.bits(), raw.endian(), raw.header()),
        (32, ByteOrder::Little, &[][..])
    );
}

#[test]
fn mistakes_are_reported() {
    let cases = [
        (r#"format = "villas.bin""#, "unknown variant `villas.bin`"),
        (
            r#"format = { type = "gtnet", fak = true }"#,
            "unknown field `fak`",
        ),
        (
            r#"format = { type = "villas.human", precision = 3 }"#,
            "unknown field `precision`",
        ),
        (r#"format = { type = "raw", bits = 24 }"#, "bits = 24"),
        (
            r#"format = { type = "raw", bits = 16, values = "float" }"#,
            "float values need bits = 32 or 64",
        ),
        (
            r#"format = { type = "raw", header = ["sequence", "sequence"] }"#,
            "appears twice",
        ),
        (
            r#"format = { type = "raw", endian = "middle" }"#,
            "unknown variant `middle`",
        ),
        (r#"format = { bits = 32 }"#, "missing field `type`"),
        (
            r#"format = { type = "villas.binary", source_index = 300 }"#,
            "300",
        ),
        ("format = 3", "a format name"),
    ];
    for (text, needle) in cases {
        let error = parse(text).expect_err(text);
        assert!(error.contains(needle), "{text}: {error}");
    }
}
