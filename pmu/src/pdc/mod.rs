//! `pdc` node: a phasor data concentrator client that reads one or several PMUs (TCP,
//! UDP, TCP + UDP, or listening to spontaneous UDP) and aligns their data.
//!
//! The configuration ([`config`]) declares the signals (the engine needs a node's
//! signals when the configuration is loaded, before any connection). One client
//! thread per connection ([`client`], sockets in [`link`]; several blocks of one
//! multi-PMU stream share one) asks for CFG-2 or CFG-3, checks it against the declared
//! signals, turns data on and decodes the data frames; it reconnects with exponential
//! back-off when the PMU goes away. The PMUs are aligned on SOC/FRACSEC within a wait
//! window and the missing ones marked ([`rows`], logic in [`align`]); the rows reach the
//! node's reader through preallocated records ([`handoff`]). In real time an aligner
//! thread ([`concentrator`]) does that on the engine's clock for an event-driven reader
//! ([`reader`]); in virtual time the reader is timed and aligns each reporting instant
//! itself ([`lockstep`]), so the rows repeat bit for bit.

mod align;
mod client;
mod concentrator;
mod config;
mod counters;
mod handoff;
mod link;
mod lockstep;
mod reader;
mod rows;

pub use config::{ConfigFrame, PdcConfig, PmuConfig, PmuSpec, Transport};
pub use counters::PdcCounters;

use concentrator::Concentrator;
use gridhil_engine::node::{
    BuildContext, ConfigContext, NodeConfig, NodeError, NodeIo, NodeReader, Resource,
};
use gridhil_engine::signal::Signal;
use gridhil_engine::FieldError;
use handoff::Handoff;
use lockstep::{LockstepReader, LockstepSettings};
use reader::PdcReader;
use rows::AlignedRows;
use std::net::SocketAddr;
use std::sync::Arc;

/// Largest `max_backoff`, ns (10 minutes).
const MAX_BACKOFF: i64 = 600_000_000_000;

impl NodeConfig for PdcConfig {
    fn prepare(&mut self, _ctx: &ConfigContext) -> Result<(), FieldError> {
        self.specs()?;
        let signals = self.signals();
        let mut names: Vec<&str> = signals.iter().map(|s| s.name.as_str()).collect();
        names.sort_unstable();
        if let Some(pair) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(format!("signal `{}` is declared twice", pair[0]).into());
        }
        let checks = [
            (
                self.backoff.0 <= 0 || self.max_backoff.0 < self.backoff.0,
                "backoff",
                "`backoff` must be > 0 and ≤ `max_backoff`",
            ),
            (
                self.max_backoff.0 > MAX_BACKOFF,
                "max_backoff",
                "`max_backoff` must be at most 10min",
            ),
            (
                self.silence.0 < 100_000_000,
                "silence",
                "`silence` must be at least 100ms",
            ),
            (
                self.retry.0 < 10_000_000,
                "retry",
                "`retry` must be at least 10ms",
            ),
            (
                self.wait.0 <= 0 || self.wait.0 > 60_000_000_000,
                "wait",
                "`wait` must be > 0 and ≤ 60s",
            ),
            (
                self.queue == 0 || self.queue > 65_536,
                "queue",
                "`queue` must be 1–65536 rows",
            ),
        ];
        match checks.into_iter().find(|(wrong, _, _)| *wrong) {
            Some((_, field, message)) => Err(FieldError::at(field, message)),
            None => Ok(()),
        }
    }

    fn output_signals(&self) -> Vec<Signal> {
        self.signals()
    }

    fn accepts_input(&self) -> bool {
        false
    }

    fn resources(&self) -> Vec<Resource> {
        let mut binds: Vec<SocketAddr> = self
            .specs()
            .unwrap_or_default()
            .iter()
            .filter_map(|s| s.udp_bind.filter(|b| b.port() != 0))
            .collect();
        binds.sort_unstable();
        binds.dedup();
        binds.into_iter().map(Resource::UdpPort).collect()
    }

    fn build(&self, ctx: &BuildContext) -> Result<NodeIo, NodeError> {
        let specs = self.specs().map_err(|e| NodeError::Config(e.to_string()))?;
        let counters = Arc::new(PdcCounters::for_pmus(&specs));
        let width = self.signals().len();
        let (handoff, wake) = Handoff::new(self.queue, width)?;
        let timing = client::Timing {
            backoff: self.backoff.0,
            max_backoff: self.max_backoff.0,
            silence: self.silence.0,
            retry: self.retry.0,
        };
        let rows = AlignedRows::new(
            &specs,
            self.wait.0,
            Arc::clone(&handoff),
            wake,
            Arc::clone(&counters),
        );
        let reader: Box<dyn NodeReader> = if ctx.virtual_time() {
            let settings = LockstepSettings {
                pmus: specs.len(),
                start: ctx.start,
                wall_offset: ctx.wall_offset,
                wait: self.wait.0,
                patience: lockstep::PATIENCE,
            };
            let (concentrator, messages) = Concentrator::start_clients(
                specs,
                timing,
                Arc::clone(&ctx.clock),
                Arc::clone(&counters),
            )?;
            Box::new(LockstepReader::new(
                settings,
                concentrator,
                messages,
                rows,
                handoff,
                Arc::clone(&counters),
            ))
        } else {
            let concentrator = Concentrator::start(
                specs,
                timing,
                rows,
                Arc::clone(&ctx.clock),
                Arc::clone(&counters),
            )?;
            Box::new(PdcReader::new(handoff, concentrator, Arc::clone(&counters)))
        };
        Ok(NodeIo {
            reader: Some(reader),
            writer: None,
            counters: Some(counters),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridhil_engine::node::NodeCounters;

    fn parse(text: &str) -> Result<PdcConfig, String> {
        let mut config: PdcConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        let ctx = ConfigContext {
            name: "pdc".into(),
            config_dir: ".".into(),
        };
        config.prepare(&ctx).map_err(|e| e.to_string())?;
        Ok(config)
    }

    fn names(config: &PdcConfig) -> Vec<String> {
        config
            .output_signals()
            .into_iter()
            .map(|s| s.name)
            .collect()
    }

    #[test]
    fn single_form_keeps_its_signals_and_defaults() {
        let config = parse(
            r#"
connect = "127.0.0.1:4712"
idcode = 7
phasors = ["va"]
digitals = ["d"]
"#,
        )
        .unwrap();
        assert_eq!(names(&config), ["va", "freq", "rocof", "d"]);
        let specs = config.specs().unwrap();
        assert_eq!(specs.len(), 1);
        assert_eq!(specs[0].transport, Transport::Tcp);
        assert_eq!(specs[0].config, ConfigFrame::Cfg2);
        assert_eq!(specs[0].block, 7);
        assert_eq!(config.wait.0, 50_000_000);
        assert!(config.resources().is_empty());
    }

    #[test]
    fn single_form_with_status_udp_and_cfg3() {
        let config = parse(
            r#"
connect = "127.0.0.1:4712"
idcode = 7
transport = "udp"
udp_bind = "127.0.0.1:4800"
config = "cfg3"
phasors = ["va"]
stat = "st"
"#,
        )
        .unwrap();
        assert_eq!(names(&config), ["va", "freq", "rocof", "st"]);
        let spec = &config.specs().unwrap()[0];
        assert_eq!(
            (spec.transport, spec.config),
            (Transport::Udp, ConfigFrame::Cfg3)
        );
        assert_eq!(
            config.resources(),
            vec![Resource::UdpPort("127.0.0.1:4800".parse().unwrap())]
        );
    }

    #[test]
    fn multi_form_prefixes_default_names() {
        let config = parse(
            r#"
wait = "80ms"
[[pmus]]
name = "a"
connect = "127.0.0.1:4712"
idcode = 1
phasors = ["a_v"]
[[pmus]]
name = "b"
transport = "tcp-udp"
connect = "127.0.0.1:4722"
udp_bind = "127.0.0.1:4723"
idcode = 2
phasors = ["b_v"]
stat = "b_status"
"#,
        )
        .unwrap();
        assert_eq!(
            names(&config),
            ["a_v", "a_freq", "a_rocof", "a_stat", "b_v", "b_freq", "b_rocof", "b_status"]
        );
        assert_eq!(config.wait.0, 80_000_000);
        let counters = PdcCounters::for_pmus(&config.specs().unwrap());
        counters.count_row(0b10);
        let snapshot = counters.snapshot();
        let get = |n: &str| snapshot.iter().find(|c| c.name == n).map(|c| c.value);
        assert_eq!(get("missing"), Some(1));
        assert_eq!(get("missing_a"), Some(0));
        assert_eq!(get("missing_b"), Some(1));
        assert_eq!(get("rows"), Some(1));
    }

    #[test]
    fn invalid_configurations_are_refused() {
        let bad = [
            // No IDCODE.
            (r#"connect = "127.0.0.1:1""#, "idcode"),
            // TCP without an address.
            ("idcode = 1", "connect"),
            // tcp-udp without a local UDP address.
            (
                r#"idcode = 1
connect = "127.0.0.1:1"
transport = "tcp-udp""#,
                "udp_bind",
            ),
            // udp_bind with TCP.
            (
                r#"idcode = 1
connect = "127.0.0.1:1"
udp_bind = "127.0.0.1:2""#,
                "udp_bind",
            ),
            // Unknown transport.
            (
                r#"idcode = 1
connect = "127.0.0.1:1"
transport = "sctp""#,
                "unknown variant",
            ),
            // Per-PMU key next to [[pmus]].
            (
                r#"connect = "127.0.0.1:1"
[[pmus]]
name = "a"
connect = "127.0.0.1:1"
idcode = 1"#,
                "belongs in each",
            ),
            // Two PMUs with one name.
            (
                r#"[[pmus]]
name = "a"
connect = "127.0.0.1:1"
idcode = 1
[[pmus]]
name = "a"
connect = "127.0.0.1:2"
idcode = 2"#,
                "used twice",
            ),
            // Two PMUs, one signal name.
            (
                r#"[[pmus]]
name = "a"
connect = "127.0.0.1:1"
idcode = 1
phasors = ["v"]
[[pmus]]
name = "b"
connect = "127.0.0.1:2"
idcode = 2
phasors = ["v"]"#,
                "declared twice",
            ),
            // Two listeners on one UDP address.
            (
                r#"[[pmus]]
name = "a"
transport = "udp-listen"
udp_bind = "127.0.0.1:5000"
idcode = 1
[[pmus]]
name = "b"
transport = "udp-listen"
udp_bind = "127.0.0.1:5000"
idcode = 2"#,
                "used by two connections",
            ),
            // Back-off longer than 10 minutes.
            (
                r#"idcode = 1
connect = "127.0.0.1:1"
max_backoff = "11min""#,
                "max_backoff",
            ),
            // Zero wait window.
            (
                r#"idcode = 1
connect = "127.0.0.1:1"
wait = "0s""#,
                "wait",
            ),
        ];
        for (text, expected) in bad {
            let err = parse(text).expect_err(text);
            assert!(err.contains(expected), "{text}\n→ {err}");
        }
    }

    #[test]
    fn blocks_of_one_stream_share_a_connection() {
        let two_blocks = |second: u16| {
            format!(
                r#"
[[pmus]]
name = "v"
transport = "tcp-udp"
connect = "127.0.0.1:4714"
udp_bind = "127.0.0.1:4715"
idcode = 10
pmu = 11
[[pmus]]
name = "i"
transport = "tcp-udp"
connect = "127.0.0.1:4714"
udp_bind = "127.0.0.1:4715"
idcode = 10
pmu = {second}
"#
            )
        };
        let config = parse(&two_blocks(12)).unwrap();
        let specs = config.specs().unwrap();
        assert!(specs[0].same_connection(&specs[1]));
        assert_eq!((specs[0].block, specs[1].block), (11, 12));
        // One UDP port, declared once.
        assert_eq!(
            config.resources(),
            vec![Resource::UdpPort("127.0.0.1:4715".parse().unwrap())]
        );
        let err = parse(&two_blocks(11)).unwrap_err();
        assert!(err.contains("same block"), "{err}");
    }

    #[test]
    fn udp_listen_needs_no_connect() {
        let config = parse(
            r#"
idcode = 1
transport = "udp-listen"
udp_bind = "127.0.0.1:4713"
"#,
        )
        .unwrap();
        assert_eq!(config.specs().unwrap()[0].connect, None);
    }
}
