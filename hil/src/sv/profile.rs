//! Publication profiles: UCA 9-2LE and IEC 61869-9 (`F<rate>S<asdus>I<n>U<m>`).

use core::fmt;
use core::str::FromStr;

use super::dataset::Dataset;
use super::error::{Result, SvError};

/// Which guideline a profile comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProfileFamily {
    /// UCA International Users Group implementation guideline for 9-2 ("9-2LE").
    Le9_2,
    /// IEC 61869-9 digital interface for instrument transformers.
    Iec61869_9,
}

/// Sample rate, ASDUs per frame and dataset shape of a published stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Profile {
    /// Guideline.
    pub family: ProfileFamily,
    /// Samples per second; smpCnt counts 0..sample_rate-1 and wraps each second.
    pub sample_rate: u32,
    /// ASDUs (samples) per frame.
    pub asdus_per_frame: u8,
    /// INT32 currents with quality (first in seqData).
    pub currents: u8,
    /// INT32 voltages with quality (after the currents).
    pub voltages: u8,
}

impl Profile {
    /// 9-2LE, 80 samples per cycle at 50 Hz: 4000 samples/s, 1 ASDU per frame.
    pub const LE_80_50HZ: Profile = Profile::le(4000, 1);
    /// 9-2LE, 80 samples per cycle at 60 Hz: 4800 samples/s, 1 ASDU per frame.
    pub const LE_80_60HZ: Profile = Profile::le(4800, 1);
    /// 9-2LE, 256 samples per cycle at 50 Hz: 12800 samples/s, 8 ASDUs per frame.
    pub const LE_256_50HZ: Profile = Profile::le(12800, 8);
    /// 9-2LE, 256 samples per cycle at 60 Hz: 15360 samples/s, 8 ASDUs per frame.
    pub const LE_256_60HZ: Profile = Profile::le(15360, 8);
    /// 61869-9 F4000S1 (I4U4).
    pub const F4000S1: Profile = Profile::iec61869(4000, 1);
    /// 61869-9 F4800S1 (I4U4).
    pub const F4800S1: Profile = Profile::iec61869(4800, 1);
    /// 61869-9 F4800S2I4U4, the preferred protection/metering rate.
    pub const F4800S2I4U4: Profile = Profile::iec61869(4800, 2);
    /// 61869-9 F5760S1 (I4U4).
    pub const F5760S1: Profile = Profile::iec61869(5760, 1);
    /// 61869-9 F12800S8 (I4U4).
    pub const F12800S8: Profile = Profile::iec61869(12800, 8);
    /// 61869-9 F14400S6I4U4, the preferred power-quality rate.
    pub const F14400S6I4U4: Profile = Profile::iec61869(14400, 6);
    /// 61869-9 F15360S8 (I4U4).
    pub const F15360S8: Profile = Profile::iec61869(15360, 8);

    /// Every named profile.
    pub const ALL: [Profile; 11] = [
        Profile::LE_80_50HZ,
        Profile::LE_80_60HZ,
        Profile::LE_256_50HZ,
        Profile::LE_256_60HZ,
        Profile::F4000S1,
        Profile::F4800S1,
        Profile::F4800S2I4U4,
        Profile::F5760S1,
        Profile::F12800S8,
        Profile::F14400S6I4U4,
        Profile::F15360S8,
    ];

    const fn le(sample_rate: u32, asdus_per_frame: u8) -> Profile {
        Profile {
            family: ProfileFamily::Le9_2,
            sample_rate,
            asdus_per_frame,
            currents: 4,
            voltages: 4,
        }
    }

    const fn iec61869(sample_rate: u32, asdus_per_frame: u8) -> Profile {
        Profile {
            family: ProfileFamily::Iec61869_9,
            sample_rate,
            asdus_per_frame,
            currents: 4,
            voltages: 4,
        }
    }

    /// Frames per second.
    pub fn frame_rate(&self) -> f64 {
        f64::from(self.sample_rate) / f64::from(self.asdus_per_frame.max(1))
    }

    /// smpCnt wraps to 0 at this value (samples per second).
    pub const fn smp_cnt_wrap(&self) -> u32 {
        self.sample_rate
    }

    /// The seqData layout of this profile.
    pub fn dataset(&self) -> Dataset {
        Dataset::currents_voltages(self.currents, self.voltages)
    }

    /// Parses `F<rate>S<asdus>` with an optional `I<n>U<m>` (default I4U4).
    fn parse_61869(name: &str) -> Option<Profile> {
        let rest = name.strip_prefix(['F', 'f'])?;
        let (rate, rest) = rest.split_once(['S', 's'])?;
        let (asdus, iu) = match rest.find(['I', 'i']) {
            Some(pos) => (rest.get(..pos)?, rest.get(pos + 1..)),
            None => (rest, None),
        };
        let (currents, voltages) = match iu {
            Some(iu) => {
                let (i, u) = iu.split_once(['U', 'u'])?;
                (i.parse().ok()?, u.parse().ok()?)
            }
            None => (4, 4),
        };
        let profile = Profile {
            family: ProfileFamily::Iec61869_9,
            sample_rate: rate.parse().ok()?,
            asdus_per_frame: asdus.parse().ok()?,
            currents,
            voltages,
        };
        (profile.sample_rate > 0
            && profile.sample_rate <= 65536
            && profile.asdus_per_frame > 0
            && u16::from(currents) + u16::from(voltages) > 0)
            .then_some(profile)
    }
}

impl FromStr for Profile {
    type Err = SvError;

    /// Accepts `9-2LE` (= 80 samples/cycle at 50 Hz), `9-2LE-80-50Hz`,
    /// `9-2LE-80-60Hz`, `9-2LE-256-50Hz`, `9-2LE-256-60Hz`, and any 61869-9
    /// designation `F<rate>S<asdus>[I<n>U<m>]` such as `F4800S2I4U4`.
    fn from_str(name: &str) -> Result<Self> {
        let le = match name.to_ascii_lowercase().as_str() {
            "9-2le" | "9-2le-80-50hz" => Some(Profile::LE_80_50HZ),
            "9-2le-80-60hz" => Some(Profile::LE_80_60HZ),
            "9-2le-256-50hz" => Some(Profile::LE_256_50HZ),
            "9-2le-256-60hz" => Some(Profile::LE_256_60HZ),
            _ => None,
        };
        le.or_else(|| Profile::parse_61869(name))
            .ok_or_else(|| SvError::UnknownName {
                field: "SV profile",
                name: name.to_owned(),
            })
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.family, self.sample_rate) {
            (ProfileFamily::Le9_2, 4000) => f.write_str("9-2LE-80-50Hz"),
            (ProfileFamily::Le9_2, 4800) => f.write_str("9-2LE-80-60Hz"),
            (ProfileFamily::Le9_2, 12800) => f.write_str("9-2LE-256-50Hz"),
            (ProfileFamily::Le9_2, 15360) => f.write_str("9-2LE-256-60Hz"),
            _ => write!(
                f,
                "F{}S{}I{}U{}",
                self.sample_rate, self.asdus_per_frame, self.currents, self.voltages
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in Profile::ALL {
            assert_eq!(p.to_string().parse::<Profile>(), Ok(p), "{p}");
        }
        assert_eq!("9-2LE".parse(), Ok(Profile::LE_80_50HZ));
        assert_eq!("F4000S1".parse(), Ok(Profile::F4000S1));
        assert_eq!("F14400S6I4U4".parse(), Ok(Profile::F14400S6I4U4));
        let odd: Profile = "F9600S2I0U3".parse().unwrap();
        assert_eq!((odd.sample_rate, odd.currents, odd.voltages), (9600, 0, 3));
        assert_eq!(odd.dataset().channels()[2].name, "U3");
        for bad in [
            "",
            "F",
            "F4800",
            "F4800S",
            "F0S1",
            "F4800S0",
            "F4800S1I4",
            "9-2LF",
            "F4800S1I0U0",
        ] {
            assert!(bad.parse::<Profile>().is_err(), "{bad}");
        }
    }

    #[test]
    fn rates_match_the_standards_table() {
        assert_eq!(Profile::F4800S2I4U4.frame_rate(), 2400.0);
        assert_eq!(Profile::F14400S6I4U4.frame_rate(), 2400.0);
        assert_eq!(Profile::LE_256_50HZ.frame_rate(), 1600.0);
        assert_eq!(Profile::LE_256_60HZ.frame_rate(), 1920.0);
        assert_eq!(Profile::LE_80_50HZ.dataset().seq_data_len(), 64);
    }
}
