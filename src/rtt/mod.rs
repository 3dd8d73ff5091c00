//! `gridhil rtt`: round-trip latency through an echo (a gridhil path, VILLASnode, a device).
//!
//! A sender thread sends one timestamped sample per period, on absolute deadlines, in the
//! chosen wire format; a receiver thread takes the echoes with their kernel receive time
//! and computes each round trip from the send time recorded for that sequence number.
//! See `docs/rtt.md`.

mod args;
mod h5log;
mod realtime;
mod receiver;
mod report;
mod sender;
mod seq;
mod socket;
mod timeline;

pub use args::RttArgs;

use anyhow::{anyhow, Context, Result};
use args::Plan;
use h5log::{write_log, LogInfo};
use report::Summary;
use socket::ProbeSocket;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use timeline::Timeline;

/// Runs one measurement and prints its summary.
pub fn run(args: RttArgs) -> Result<ExitCode> {
    let plan = Plan::from_args(&args)?;
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // A second signal exits at once; the first ends sending and prints the summary.
        signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(&stop))
            .context("installing the signal handler")?;
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .context("installing the signal handler")?;
    }
    let socket = ProbeSocket::bind(plan.bind)?;
    let bound = socket.local_addr()?;
    if !socket.kernel_timestamps {
        tracing::warn!("SO_TIMESTAMPNS refused: receive times are taken after recvmsg returns");
    }
    let send_socket = socket.try_clone()?;
    let total = usize::try_from(plan.total_samples())
        .map_err(|_| anyhow!("{} samples do not fit in memory", plan.total_samples()))?;
    let timeline = Timeline::new(total);
    let (sender, receiver) = std::thread::scope(|scope| {
        let receiver = std::thread::Builder::new()
            .name("rtt-receiver".into())
            .spawn_scoped(scope, || {
                receiver::run_receiver(&plan, &socket, &timeline, &stop)
            })
            .context("starting the receiver thread")?;
        let sender = std::thread::Builder::new()
            .name("rtt-sender".into())
            .spawn_scoped(scope, || {
                sender::run_sender(&plan, send_socket, &timeline, &stop)
            });
        let sender = match sender {
            Ok(handle) => handle
                .join()
                .map_err(|_| anyhow!("the sender thread panicked"))?,
            Err(e) => {
                // The receiver waits for the sender: release it.
                timeline.finish_sending(0);
                Err(anyhow!("starting the sender thread: {e}"))
            }
        };
        let receiver = receiver
            .join()
            .map_err(|_| anyhow!("the receiver thread panicked"))?;
        Ok::<_, anyhow::Error>((sender?, receiver))
    })?;
    let mut summary = Summary {
        plan: &plan,
        bound,
        sender: &sender,
        receiver: &receiver,
        log_file: None,
    };
    if let Some(file) = &plan.log {
        let info = LogInfo {
            plan: &plan,
            bound: bound.to_string(),
            timestamps: summary.timestamps(),
            command: std::env::args().collect::<Vec<_>>().join(" "),
        };
        write_log(file, &info, &timeline.send_times(), &receiver.receive_times)?;
        summary.log_file = Some(file.display().to_string());
    }
    if plan.json {
        println!("{}", serde_json::to_string(&summary.to_json())?);
    } else {
        print!("{}", summary.to_text());
    }
    Ok(ExitCode::SUCCESS)
}
