//! Linux CPU list syntax (`"0-3,8,10-11"`), as used by `isolcpus=`, `nohz_full=`,
//! `/sys/devices/system/cpu/online` and `thread_siblings_list`.

use crate::RtError;

/// Largest CPU index accepted in a CPU list (the kernel's `NR_CPUS` limit is 8192).
pub const MAX_CPU_INDEX: usize = 8191;

/// Parses a CPU list such as `"0-3,8,10-11"` into sorted, de-duplicated CPU indices.
///
/// Accepts surrounding whitespace, an empty list (an empty file such as
/// `/sys/devices/system/cpu/isolated` on a host without isolation) and the kernel's
/// strided form `"0-15:2/4"` (use 2 CPUs out of every group of 4). Indices above
/// [`MAX_CPU_INDEX`] and reversed ranges are rejected.
pub fn parse_cpu_list(s: &str) -> Result<Vec<usize>, RtError> {
    let text = s.trim();
    let mut cpus = Vec::new();
    if text.is_empty() {
        return Ok(cpus);
    }
    for item in text.split(',') {
        let item = item.trim();
        parse_item(item, &mut cpus).map_err(|reason| RtError::CpuList {
            input: text.chars().take(80).collect(),
            reason,
        })?;
    }
    cpus.sort_unstable();
    cpus.dedup();
    Ok(cpus)
}

/// Renders CPU indices in the kernel's compact form (`[0, 1, 2, 3, 8]` → `"0-3,8"`);
/// an empty set renders as `"none"`.
pub fn format_cpu_list(cpus: &[usize]) -> String {
    let mut sorted = cpus.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut iter = sorted.into_iter().peekable();
    while let Some(start) = iter.next() {
        let mut end = start;
        while let Some(next) = iter.next_if(|&next| Some(next) == end.checked_add(1)) {
            end = next;
        }
        if end == start {
            parts.push(start.to_string());
        } else {
            parts.push(format!("{start}-{end}"));
        }
    }
    if parts.is_empty() {
        "none".to_string()
    } else {
        parts.join(",")
    }
}

/// Returns the CPUs of `cpus` that are not in `set`, in order.
pub(crate) fn missing_from(cpus: &[usize], set: &[usize]) -> Vec<usize> {
    cpus.iter().copied().filter(|c| !set.contains(c)).collect()
}

/// Parses one comma-separated item: `N`, `A-B` or `A-B:used/group`.
fn parse_item(item: &str, cpus: &mut Vec<usize>) -> Result<(), String> {
    if item.is_empty() {
        return Err("empty item".to_string());
    }
    let (range, stride) = match item.split_once(':') {
        Some((range, stride)) => (range, Some(parse_stride(stride)?)),
        None => (item, None),
    };
    let (start, end) = match range.split_once('-') {
        Some((a, b)) => (parse_index(a)?, parse_index(b)?),
        None => {
            if stride.is_some() {
                return Err(format!("stride without a range in {item:?}"));
            }
            let cpu = parse_index(range)?;
            (cpu, cpu)
        }
    };
    if end < start {
        return Err(format!("reversed range {item:?}"));
    }
    let (used, group) = stride.unwrap_or((1, 1));
    for cpu in start..=end {
        if (cpu - start) % group < used {
            cpus.push(cpu);
        }
    }
    Ok(())
}

/// Parses the `used/group` part of a strided range.
fn parse_stride(s: &str) -> Result<(usize, usize), String> {
    let (used, group) = s
        .split_once('/')
        .ok_or_else(|| format!("stride {s:?} is not used/group"))?;
    let used = parse_index(used)?;
    let group = parse_index(group)?;
    if used == 0 || group == 0 || used > group {
        return Err(format!("invalid stride {s:?}"));
    }
    Ok((used, group))
}

/// Parses one decimal CPU index, bounded by [`MAX_CPU_INDEX`].
fn parse_index(s: &str) -> Result<usize, String> {
    let s = s.trim();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{s:?} is not a CPU number"));
    }
    let cpu: usize = s.parse().map_err(|_| format!("{s:?} is too large"))?;
    if cpu > MAX_CPU_INDEX {
        return Err(format!("CPU {cpu} exceeds {MAX_CPU_INDEX}"));
    }
    Ok(cpu)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ranges_and_singles() {
        assert_eq!(
            parse_cpu_list("0-3,8,10-11").unwrap(),
            vec![0, 1, 2, 3, 8, 10, 11]
        );
        assert_eq!(parse_cpu_list(" 5\n").unwrap(), vec![5]);
        assert_eq!(parse_cpu_list("3,1,1-2").unwrap(), vec![1, 2, 3]);
    }

    #[test]
    fn empty_list_is_empty() {
        assert!(parse_cpu_list("").unwrap().is_empty());
        assert!(parse_cpu_list("\n").unwrap().is_empty());
    }

    #[test]
    fn strided_ranges() {
        assert_eq!(parse_cpu_list("0-7:2/4").unwrap(), vec![0, 1, 4, 5]);
        assert!(parse_cpu_list("0-7:0/4").is_err());
        assert!(parse_cpu_list("0-7:5/4").is_err());
        assert!(parse_cpu_list("3:1/2").is_err());
    }

    #[test]
    fn rejects_bad_input() {
        for bad in [
            "a",
            "1-",
            "-1",
            "3-1",
            "1,,2",
            "1 2",
            "(null)",
            "99999999999999999999999",
            "8192",
            "0-100000",
            "+1",
            "1:2",
        ] {
            assert!(parse_cpu_list(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn formats_compactly() {
        assert_eq!(format_cpu_list(&[0, 1, 2, 3, 8, 10, 11]), "0-3,8,10-11");
        assert_eq!(format_cpu_list(&[4, 2, 3]), "2-4");
        assert_eq!(format_cpu_list(&[]), "none");
        assert_eq!(format_cpu_list(&[7]), "7");
        assert_eq!(
            format_cpu_list(&[usize::MAX, usize::MAX - 1]),
            format!("{}-{}", usize::MAX - 1, usize::MAX)
        );
    }

    #[test]
    fn format_then_parse_round_trips() {
        let cpus = vec![0, 2, 3, 4, 9, 63, 64, 65];
        assert_eq!(parse_cpu_list(&format_cpu_list(&cpus)).unwrap(), cpus);
    }

    #[test]
    fn never_panics_on_random_input() {
        let alphabet = b"0123456789-,:/ \nx";
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 12) as usize;
            let text: String = (0..len)
                .map(|i| {
                    let pick = (state >> (i * 5)) as usize % alphabet.len();
                    alphabet.get(pick).copied().map(char::from).unwrap_or('0')
                })
                .collect();
            let _ = parse_cpu_list(&text);
        }
    }
}
