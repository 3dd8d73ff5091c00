//! Configuration pieces shared by `sv-publisher` and `sv-subscriber`: the profile
//! choice, MAC addresses, the VLAN tag and smpCnt ↔ time conversions.

use crate::sv::{MacAddress, Profile, ProfileFamily, SmpSynch, VlanTag};
use gridhil_engine::units::{Nanos, NANOS_PER_SEC};
use gridhil_engine::FieldError;
use serde::Deserialize;

/// Default profile name.
pub fn default_profile() -> String {
    "9-2LE".to_owned()
}

/// Resolves a profile name with the 9-2LE `samples_per_cycle` (80 or 256) and
/// `frequency` (50 or 60 Hz) options.
///
/// `"9-2LE"` with neither option is 80 samples/cycle at 50 Hz; 61869-9 names
/// (`F4800S2I4U4`) and full 9-2LE names (`9-2LE-256-60Hz`) take no options.
pub fn resolve_profile(
    name: &str,
    samples_per_cycle: Option<u32>,
    frequency: Option<u32>,
) -> Result<Profile, FieldError> {
    let base: Profile = name.parse().map_err(|e| {
        FieldError::at(
            "profile",
            format!("`profile`: {e} (e.g. \"9-2LE\", \"F4800S2I4U4\")"),
        )
    })?;
    if samples_per_cycle.is_none() && frequency.is_none() {
        return Ok(base);
    }
    if base.family != ProfileFamily::Le9_2 || !name.eq_ignore_ascii_case("9-2LE") {
        let option = if samples_per_cycle.is_some() {
            "samples_per_cycle"
        } else {
            "frequency"
        };
        return Err(FieldError::at(
            option,
            format!(
                "`samples_per_cycle`/`frequency` go with `profile = \"9-2LE\"`; `{name}` fixes its rate already"
            ),
        ));
    }
    let spc = samples_per_cycle.unwrap_or(80);
    let hz = frequency.unwrap_or(50);
    match (spc, hz) {
        (80, 50) => Ok(Profile::LE_80_50HZ),
        (80, 60) => Ok(Profile::LE_80_60HZ),
        (256, 50) => Ok(Profile::LE_256_50HZ),
        (256, 60) => Ok(Profile::LE_256_60HZ),
        (80 | 256, _) => Err(FieldError::at(
            "frequency",
            format!("`frequency` must be 50 or 60 Hz, not {hz}"),
        )),
        _ => Err(FieldError::at(
            "samples_per_cycle",
            format!("`samples_per_cycle` must be 80 or 256, not {spc}"),
        )),
    }
}

/// Parses a MAC address option; the error names the option.
pub fn parse_mac(option: &str, text: &str) -> Result<MacAddress, FieldError> {
    text.parse().map_err(|_| {
        FieldError::at(
            option,
            format!("`{option}`: `{text}` is not a MAC address like 01:0C:CD:04:00:01"),
        )
    })
}

/// The 802.1Q tag of published frames.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct VlanConfig {
    /// Priority code point 0–7 (9-2LE recommends 4).
    #[serde(default = "default_priority")]
    pub priority: u8,
    /// VLAN id 0–4095 (0: priority tag only).
    #[serde(default)]
    pub id: u16,
}

fn default_priority() -> u8 {
    4
}

impl VlanConfig {
    /// The codec's tag; errors name the bad field.
    pub fn tag(&self) -> Result<VlanTag, FieldError> {
        if self.priority > 7 {
            return Err(FieldError::at(
                "vlan.priority",
                format!("`vlan.priority` must be 0–7, not {}", self.priority),
            ));
        }
        if self.id > 4095 {
            return Err(FieldError::at(
                "vlan.id",
                format!("`vlan.id` must be 0–4095, not {}", self.id),
            ));
        }
        Ok(VlanTag {
            pcp: self.priority,
            dei: false,
            vid: self.id,
        })
    }
}

/// smpSynch of a publisher, and with it how smpCnt is counted.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum SynchConfig {
    /// `global` when the kernel says the system clock is synchronised (NTP/PTP
    /// discipline, `adjtimex`), otherwise `none`.
    #[default]
    Auto,
    /// smpSynch 0: smpCnt is a free-running counter from 0.
    None,
    /// smpSynch 1: smpCnt from the sample's time, aligned to the second.
    Local,
    /// smpSynch 2: smpCnt from the sample's time, aligned to the second.
    Global,
}

impl SynchConfig {
    /// The smpSynch to send, given whether the system clock is synchronised.
    pub fn resolve(self, clock_synchronised: bool) -> SmpSynch {
        match self {
            SynchConfig::Auto if clock_synchronised => SmpSynch::Global,
            SynchConfig::Auto | SynchConfig::None => SmpSynch::None,
            SynchConfig::Local => SmpSynch::Local,
            SynchConfig::Global => SmpSynch::Global,
        }
    }
}

/// The smpCnt of a sample taken at `ts` (ns since the Unix epoch) in a stream of
/// `rate` samples per second aligned to the second: the index of the nearest sample
/// instant within the second, wrapping at `rate`.
pub fn smp_cnt_of_time(ts: Nanos, rate: u32) -> u16 {
    let rate = i128::from(rate.max(1));
    let within = i128::from(ts.rem_euclid(NANOS_PER_SEC));
    let index = (within * rate + i128::from(NANOS_PER_SEC / 2)) / i128::from(NANOS_PER_SEC);
    (index % rate) as u16
}

/// The instant of sample `smp_cnt` of a second-aligned stream of `rate` samples per
/// second, taking the latest such instant not after `received + NANOS_PER_SEC / 2`
/// (transfer takes far less than half a second).
pub fn time_of_smp_cnt(smp_cnt: u16, rate: u32, received: Nanos) -> Nanos {
    let rate = i128::from(rate.max(1));
    let offset = (i128::from(smp_cnt) * i128::from(NANOS_PER_SEC) + rate / 2) / rate;
    let offset = offset as Nanos;
    let second = received.div_euclid(NANOS_PER_SEC) * NANOS_PER_SEC;
    let mut t = second + offset;
    if t > received + NANOS_PER_SEC / 2 {
        t -= NANOS_PER_SEC;
    } else if t + NANOS_PER_SEC <= received + NANOS_PER_SEC / 2 {
        t += NANOS_PER_SEC;
    }
    t
}

/// Whether the kernel reports the system clock as synchronised (`adjtimex`).
#[allow(unsafe_code)]
pub fn system_clock_synchronised() -> bool {
    // SAFETY: all-zero is a valid timex; modes 0 only reads the state.
    let mut timex: libc::timex = unsafe { std::mem::zeroed() };
    // SAFETY: a valid, writable timex.
    let state = unsafe { libc::adjtimex(&mut timex) };
    state >= 0 && state != libc::TIME_ERROR && timex.status & libc::STA_UNSYNC == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_resolve_with_options() {
        assert_eq!(
            resolve_profile("9-2LE", None, None),
            Ok(Profile::LE_80_50HZ)
        );
        assert_eq!(
            resolve_profile("9-2LE", Some(256), Some(60)),
            Ok(Profile::LE_256_60HZ)
        );
        assert_eq!(
            resolve_profile("9-2le", Some(80), Some(60)),
            Ok(Profile::LE_80_60HZ)
        );
        assert_eq!(
            resolve_profile("F4800S2I4U4", None, None),
            Ok(Profile::F4800S2I4U4)
        );
        assert!(resolve_profile("F4800S2I4U4", Some(80), None).is_err());
        let field = |name: &str| Some(gridhil_engine::FieldPath::parse(name));
        let e = resolve_profile("9-2LE", Some(100), None).unwrap_err();
        assert!(e.message.contains("80 or 256"), "{e}");
        assert_eq!(e.field, field("samples_per_cycle"));
        let e = resolve_profile("9-2LE", None, Some(55)).unwrap_err();
        assert!(e.message.contains("50 or 60"), "{e}");
        assert_eq!(e.field, field("frequency"));
        let e = resolve_profile("nope", None, None).unwrap_err();
        assert_eq!(e.field, field("profile"));
    }

    #[test]
    fn smp_cnt_follows_the_second() {
        let second = 1_700_000_000 * NANOS_PER_SEC;
        assert_eq!(smp_cnt_of_time(second, 4000), 0);
        assert_eq!(smp_cnt_of_time(second + 250_000, 4000), 1);
        assert_eq!(smp_cnt_of_time(second + 124_999, 4000), 0);
        assert_eq!(smp_cnt_of_time(second + 125_000, 4000), 1);
        assert_eq!(smp_cnt_of_time(second - 250_000, 4000), 3999);
        // The nearest instant of the next second wraps to 0.
        assert_eq!(smp_cnt_of_time(second - 1, 4000), 0);
        // 4800 Hz: 208 333.3 ns apart.
        assert_eq!(smp_cnt_of_time(second + 3 * 208_333, 4800), 3);
    }

    #[test]
    fn time_of_smp_cnt_inverts_within_half_a_second() {
        let second = 1_700_000_000 * NANOS_PER_SEC;
        for (cnt, expected) in [
            (0u16, second),
            (1, second + 250_000),
            (3999, second - 250_000),
        ] {
            for delay in [0, 1_000, 100_000_000] {
                let t = time_of_smp_cnt(cnt, 4000, expected + delay);
                assert_eq!(t, expected, "cnt {cnt} delay {delay}");
                assert_eq!(smp_cnt_of_time(t, 4000), cnt);
            }
        }
    }

    #[test]
    fn vlan_and_synch_options() {
        assert!(VlanConfig { priority: 8, id: 0 }.tag().is_err());
        assert!(VlanConfig {
            priority: 4,
            id: 4096
        }
        .tag()
        .is_err());
        assert_eq!(
            VlanConfig { priority: 4, id: 0 }.tag().map(|t| t.vid),
            Ok(0)
        );
        assert_eq!(SynchConfig::Auto.resolve(true), SmpSynch::Global);
        assert_eq!(SynchConfig::Auto.resolve(false), SmpSynch::None);
        assert_eq!(SynchConfig::Local.resolve(false), SmpSynch::Local);
        assert!(parse_mac("dst", "01:0C:CD:04:00:01").is_ok());
        let bad_mac = parse_mac("dst", "zz").unwrap_err();
        assert_eq!(bad_mac.field, Some(gridhil_engine::FieldPath::parse("dst")));
        assert!(bad_mac.message.contains("zz"), "{bad_mac}");
    }
}
