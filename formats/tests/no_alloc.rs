//! Encoding and decoding do not allocate: a counting global allocator watches this thread
//! while every format encodes and decodes 8- and 64-value samples, and while decoders
//! reject malformed datagrams.

use gridhil_formats::build;
use gridhil_formats::fixtures;
use gridhil_sample::{Batch, SamplePool};
use gridhil_test_support::alloc::{count_on_this_thread, watching, CountingAllocator};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::new(watching);

#[test]
fn encode_and_decode_do_not_allocate() {
    let ((), probe) = count_on_this_thread(|| drop(std::hint::black_box(vec![0u8; 16])));
    assert!(probe > 0, "the counting allocator sees this thread");
    for (config, precision) in fixtures::every_format() {
        for n in [8, 64] {
            let signals = if matches!(config, gridhil_formats::FormatConfig::OpalAsyncip(_)) {
                fixtures::uniform_signals(n, gridhil_sample::SignalType::F64)
            } else {
                fixtures::mixed_signals(n)
            };
            let pool = SamplePool::new(8, n);
            let mut format = build(&config);
            let count = format.max_samples_per_datagram().min(3);
            let samples: Vec<_> = (0..count as u64)
                .map(|seq| fixtures::sample(&pool, &signals, seq, precision).unwrap())
                .collect();
            let mut buf = vec![0u8; count * format.max_encoded_len(&signals)];
            let mut out = Batch::with_capacity(8);
            let mut garbage = vec![b'#'; 40];
            garbage.extend_from_slice(b"\n1(x\t{[");

            let ((), allocations) = count_on_this_thread(|| {
                for _ in 0..10 {
                    let len = format.encode(&samples, &signals, &mut buf).unwrap();
                    assert_eq!(
                        format.decode(&buf[..len], &signals, &pool, &mut out),
                        Ok(count)
                    );
                    out.clear();
                    assert!(format
                        .decode(&buf[..len / 2], &signals, &pool, &mut out)
                        .is_err());
                    let _ = format.decode(&garbage, &signals, &pool, &mut out);
                    out.clear();
                }
            });
            assert_eq!(
                allocations,
                0,
                "{} allocated with {n} values",
                config.name()
            );
        }
    }
}
