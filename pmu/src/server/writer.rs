//! The path-side half of `pmu-server`: encodes samples into data frames.

use super::layout::SignalMap;
use super::network::Server;
use super::ring::FrameRing;
use super::PmuServerCounters;
use crate::codec::{DataError, DataFrame, DataLayout, FrameHeader, Stat};
use gridhil_engine::node::{NodeError, NodeWriter, WriteContext};
use gridhil_engine::sample::{SampleFlags, SampleRef};
use std::sync::Arc;

/// Encodes every sample into a data frame and queues it for the network thread.
pub struct PmuWriter {
    idcode: u16,
    layout: DataLayout,
    data: DataFrame,
    maps: Vec<SignalMap>,
    ring: Arc<FrameRing>,
    server: Server,
    counters: Arc<PmuServerCounters>,
}

/// STAT of a sample: invalid values → "do not use", unsynchronised → sync lost with
/// PMU time quality 7 (time error > 10 ms or unknown), test → test mode.
pub fn stat_of(flags: SampleFlags) -> Stat {
    let data_error = if flags.contains(SampleFlags::INVALID) {
        DataError::DoNotUse
    } else if flags.contains(SampleFlags::TEST) {
        DataError::TestMode
    } else {
        DataError::Good
    };
    Stat {
        data_error,
        sync_lost: flags.contains(SampleFlags::UNSYNCED),
        time_quality: if flags.contains(SampleFlags::UNSYNCED) {
            UNKNOWN_PMU_TIME_QUALITY
        } else {
            0
        },
        ..Stat::default()
    }
}

/// STAT bits 8–6 for an unsynchronised PMU: time error > 10 ms or unknown.
const UNKNOWN_PMU_TIME_QUALITY: u8 = 7;
/// FRACSEC message time quality for an unsynchronised PMU: clock failure, time not
/// reliable.
const UNRELIABLE_MESSAGE_TIME_QUALITY: u8 = 0xF;

/// The frame header of a sample: its time, and FRACSEC's time quality code 0xF when the
/// sample is not synchronised (0, locked to UTC, otherwise).
pub fn header_of(idcode: u16, ts_origin: i64, flags: SampleFlags, time_base: u32) -> FrameHeader {
    let ts = u64::try_from(ts_origin).unwrap_or(0);
    let mut header = FrameHeader::at_unix_nanos(idcode, ts, time_base);
    if flags.contains(SampleFlags::UNSYNCED) {
        header.fracsec.time_quality.quality_code = UNRELIABLE_MESSAGE_TIME_QUALITY;
    }
    header
}

impl PmuWriter {
    /// A writer for one PMU block.
    pub fn new(
        idcode: u16,
        layout: &DataLayout,
        maps: Vec<SignalMap>,
        ring: Arc<FrameRing>,
        server: Server,
        counters: Arc<PmuServerCounters>,
    ) -> Self {
        PmuWriter {
            idcode,
            data: DataFrame::zeroed(layout),
            layout: layout.clone(),
            maps,
            ring,
            server,
            counters,
        }
    }
}

impl NodeWriter for PmuWriter {
    fn write(&mut self, samples: &[SampleRef], _ctx: &WriteContext) -> Result<usize, NodeError> {
        for sample in samples {
            let stat = stat_of(sample.flags);
            let blocks = self.data.pmus.iter_mut().zip(&self.layout.pmus);
            for ((block, pmu_layout), map) in blocks.zip(&self.maps) {
                if !map.fill(sample.values(), block, pmu_layout) {
                    self.counters.encode_errors.inc();
                }
                block.stat = stat;
            }
            let Some(mut buffer) = self.ring.take_free() else {
                self.counters.queue_full.inc();
                continue;
            };
            let header = header_of(
                self.idcode,
                sample.ts_origin,
                sample.flags,
                self.layout.time_base,
            );
            match self.data.encode(&header, buffer.space()) {
                Ok(len) => {
                    buffer.set_len(len);
                    self.ring.submit(buffer);
                    self.counters.frames_encoded.inc();
                }
                Err(_) => {
                    self.counters.encode_errors.inc();
                    self.ring.release(buffer);
                }
            }
        }
        self.server.wake();
        Ok(samples.len())
    }

    fn stop(&mut self) -> Result<(), NodeError> {
        self.server.stop();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_become_stat_bits() {
        assert!(stat_of(SampleFlags::default()).is_valid());
        let invalid = stat_of(SampleFlags(SampleFlags::INVALID | SampleFlags::UNSYNCED));
        assert_eq!(invalid.data_error, DataError::DoNotUse);
        assert!(invalid.sync_lost);
        assert_eq!(invalid.time_quality, 7);
        assert_eq!(stat_of(SampleFlags::default()).time_quality, 0);
        assert_eq!(
            stat_of(SampleFlags(SampleFlags::TEST)).data_error,
            DataError::TestMode
        );
    }

    #[test]
    fn unsynchronised_samples_mark_fracsec_unreliable() {
        let synced = header_of(1, 1_500_000_000, SampleFlags::default(), 1_000_000);
        assert_eq!((synced.soc, synced.fracsec.fraction), (1, 500_000));
        assert_eq!(synced.fracsec.time_quality.quality_code, 0);
        let unsynced = header_of(
            1,
            1_500_000_000,
            SampleFlags(SampleFlags::UNSYNCED),
            1_000_000,
        );
        assert_eq!(unsynced.fracsec.time_quality.quality_code, 0xF);
        assert_eq!(header_of(1, -5, SampleFlags::default(), 1_000_000).soc, 0);
    }
}
