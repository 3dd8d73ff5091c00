//! The `--log` file: every sample's sequence number, send and receive time in HDF5.
//!
//! Layout: group `/rtt` with the 1-D datasets `seq` (u64), `ts_sent` and `ts_received`
//! (i64 ns since the Unix epoch, `CLOCK_REALTIME`; −1 when the sample was not sent or not
//! received), one row per sequence number, warm-up samples first; the parameters are
//! attributes of `/rtt`.

use super::plan::Plan;
use super::sender::SEND_WALL_CLOCK;
use super::ProbeError;
use gridhil_engine::units::Nanos;
use hdf5::types::VarLenUnicode;
use std::path::Path;
use std::str::FromStr;

/// Parameters stored as attributes next to the datasets.
pub struct LogInfo<'a> {
    /// The validated settings.
    pub plan: &'a Plan,
    /// The address actually bound.
    pub bound: String,
    /// How receive times were taken (`kernel`, `user`, `mixed`, `none`).
    pub timestamps: &'a str,
    /// The command line.
    pub command: String,
}

/// Writes the log file (replacing an existing one).
pub fn write_log(
    file: &Path,
    info: &LogInfo,
    send_times: &[Nanos],
    receive_times: &[Nanos],
) -> Result<(), ProbeError> {
    write(file, info, send_times, receive_times).map_err(|source| ProbeError::Log {
        file: file.display().to_string(),
        source,
    })
}

fn write(
    file: &Path,
    info: &LogInfo,
    send_times: &[Nanos],
    receive_times: &[Nanos],
) -> hdf5::Result<()> {
    let h5 = hdf5::File::create(file)?;
    let group = h5.create_group("rtt")?;
    let seq: Vec<u64> = (0..send_times.len() as u64).collect();
    group
        .new_dataset_builder()
        .with_data(seq.as_slice())
        .create("seq")?;
    group
        .new_dataset_builder()
        .with_data(send_times)
        .create("ts_sent")?;
    group
        .new_dataset_builder()
        .with_data(receive_times)
        .create("ts_received")?;
    let plan = info.plan;
    let text = |key: &str, value: &str| -> hdf5::Result<()> {
        let value = VarLenUnicode::from_str(&value.replace('\0', " ")).unwrap_or_default();
        group
            .new_attr::<VarLenUnicode>()
            .create(key)?
            .write_scalar(&value)
    };
    text("target", &plan.target.to_string())?;
    text("bind", &info.bound)?;
    text("format", plan.format.name())?;
    text("format_spec", &plan.format_text)?;
    text("timestamps", info.timestamps)?;
    text("clock", SEND_WALL_CLOCK.kernel_name())?;
    text("command", &info.command)?;
    text("gridhil_version", env!("CARGO_PKG_VERSION"))?;
    group
        .new_attr::<f64>()
        .create("rate_hz")?
        .write_scalar(&plan.rate.hz())?;
    let counts = [
        ("values", plan.values() as u64),
        ("warmup_samples", plan.warmup_samples),
        ("measured_samples", plan.measured_samples),
        ("seq_bits", u64::from(plan.seq.bits())),
    ];
    for (key, value) in counts {
        group.new_attr::<u64>().create(key)?.write_scalar(&value)?;
    }
    group
        .new_attr::<u8>()
        .create("busy_poll")?
        .write_scalar(&u8::from(plan.busy_poll))?;
    Ok(())
}
