//! What an `iec104-server` serves: monitored points (a signal each, an information object
//! address, a type and a deadband) and commands (an address and a type, arriving as node
//! outputs), with the conversions between signal values and information elements. Not
//! here: sockets, the protocol's state.

use crate::iec104::{quality, Element, TypeId, MAX_IOA};
use gridhil_engine::FieldError;
use serde::Deserialize;
use std::collections::HashSet;

/// The type of a monitored point.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum PointKind {
    /// Single-point information (M_SP): 0 off, anything else on.
    Single,
    /// Double-point information (M_DP): 1 off, 2 on, 0 and 3 indeterminate.
    Double,
    /// Measured value, normalised (M_ME_NA/TD): the signal in −1…1.
    Normalized,
    /// Measured value, scaled (M_ME_NB/TE): the signal rounded to −32768…32767.
    Scaled,
    /// Measured value, short floating point (M_ME_NC/TF).
    Float,
}

/// One monitored point.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PointConfig {
    /// The input signal it follows.
    pub signal: String,
    /// Information object address (1–16 777 215).
    pub ioa: u32,
    /// Type.
    #[serde(rename = "type")]
    pub kind: PointKind,
    /// Spontaneous transmission when the value moved more than this since the last one
    /// sent (0: on every change).
    #[serde(default)]
    pub deadband: f64,
    /// Spontaneous transmission with a CP56Time2a (the sample's `ts_origin`).
    #[serde(default = "yes")]
    pub time: bool,
}

fn yes() -> bool {
    true
}

/// The type of a command.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum CommandKind {
    /// Single command (C_SC_NA_1 / C_SC_TA_1): 0 or 1.
    Single,
    /// Double command (C_DC_NA_1 / C_DC_TA_1): 1 off, 2 on.
    Double,
    /// Set-point, normalised (C_SE_NA_1 / C_SE_TA_1): −1…1.
    SetpointNormalized,
    /// Set-point, scaled (C_SE_NB_1 / C_SE_TB_1).
    SetpointScaled,
    /// Set-point, short floating point (C_SE_NC_1 / C_SE_TC_1).
    SetpointFloat,
}

/// One command the master may send.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CommandConfig {
    /// The output signal that carries its value.
    pub name: String,
    /// Information object address.
    pub ioa: u32,
    /// Type.
    #[serde(rename = "type")]
    pub kind: CommandKind,
    /// Only execute after a select of the same address (select-before-operate).
    #[serde(default)]
    pub select_before_operate: bool,
}

impl PointKind {
    /// The type identification of a spontaneous message (with or without time).
    pub fn type_id(self, time: bool) -> TypeId {
        let (plain, timed) = match self {
            PointKind::Single => (1, 30),
            PointKind::Double => (3, 31),
            PointKind::Normalized => (9, 34),
            PointKind::Scaled => (11, 35),
            PointKind::Float => (13, 36),
        };
        TypeId(if time { timed } else { plain })
    }

    /// The element of a value (`invalid`: the IV quality bit).
    pub fn element(self, value: f64, invalid: bool) -> Element<'static> {
        let q = if invalid { quality::INVALID } else { 0 };
        match self {
            PointKind::Single => Element::SinglePoint {
                on: value != 0.0,
                quality: q,
            },
            PointKind::Double => Element::DoublePoint {
                state: value.round().clamp(0.0, 3.0) as u8,
                quality: q,
            },
            PointKind::Normalized => Element::Normalized {
                value: (value * 32768.0).round().clamp(-32768.0, 32767.0) as i16,
                quality: Some(q),
            },
            PointKind::Scaled => Element::Scaled {
                value: value.round().clamp(-32768.0, 32767.0) as i16,
                quality: q,
            },
            PointKind::Float => Element::ShortFloat {
                value: value as f32,
                quality: q,
            },
        }
    }
}

impl CommandKind {
    /// Whether an ASDU of `type_id` carries this command.
    pub fn accepts(self, type_id: TypeId) -> bool {
        matches!(
            (self, type_id.0),
            (CommandKind::Single, 45 | 58)
                | (CommandKind::Double, 46 | 59)
                | (CommandKind::SetpointNormalized, 48 | 61)
                | (CommandKind::SetpointScaled, 49 | 62)
                | (CommandKind::SetpointFloat, 50 | 63)
        )
    }
}

impl CommandKind {
    /// The ASDU type and element that send `value` (single: not 0 is on; double: 1 off,
    /// 2 on; normalised: −1…1), to be executed directly.
    pub fn element(self, value: f64) -> (TypeId, Element<'static>) {
        match self {
            CommandKind::Single => (
                TypeId::C_SC_NA_1,
                Element::SingleCommand {
                    sco: u8::from(value != 0.0),
                },
            ),
            CommandKind::Double => (
                TypeId::C_DC_NA_1,
                Element::DoubleCommand {
                    dco: value.round().clamp(0.0, 3.0) as u8,
                },
            ),
            CommandKind::SetpointNormalized => (
                TypeId::C_SE_NA_1,
                Element::SetpointNormalized {
                    value: (value * 32768.0).round().clamp(-32768.0, 32767.0) as i16,
                    qos: 0,
                },
            ),
            CommandKind::SetpointScaled => (
                TypeId::C_SE_NB_1,
                Element::SetpointScaled {
                    value: value.round().clamp(-32768.0, 32767.0) as i16,
                    qos: 0,
                },
            ),
            CommandKind::SetpointFloat => (
                TypeId::C_SE_NC_1,
                Element::SetpointFloat {
                    value: value as f32,
                    qos: 0,
                },
            ),
        }
    }
}

/// Checks points and commands; errors name the entry.
pub fn validate(points: &[PointConfig], commands: &[CommandConfig]) -> Result<(), FieldError> {
    let mut addresses = HashSet::new();
    for (i, p) in points.iter().enumerate() {
        if p.ioa == 0 || p.ioa > MAX_IOA || !addresses.insert(p.ioa) {
            return Err(FieldError::at(
                &format!("points[{i}].ioa"),
                format!(
                    "`points[{i}].ioa` must be 1–16777215 and unique, not {}",
                    p.ioa
                ),
            ));
        }
        if !(p.deadband >= 0.0 && p.deadband.is_finite()) {
            return Err(FieldError::at(
                &format!("points[{i}].deadband"),
                format!("`points[{i}].deadband` must be 0 or more"),
            ));
        }
    }
    let mut names = HashSet::new();
    for (i, c) in commands.iter().enumerate() {
        if c.ioa == 0 || c.ioa > MAX_IOA || !addresses.insert(c.ioa) {
            return Err(FieldError::at(
                &format!("commands[{i}].ioa"),
                format!("`commands[{i}].ioa` must be 1–16777215 and unique among points and commands, not {}", c.ioa),
            ));
        }
        if c.name.is_empty() || !names.insert(c.name.clone()) {
            return Err(FieldError::at(
                &format!("commands[{i}].name"),
                format!("`commands[{i}].name` must be a unique signal name"),
            ));
        }
    }
    Ok(())
}

/// The value a command element carries (single 0/1, double 0–3, normalised −1…1).
pub fn command_value(element: &Element<'_>) -> Option<f64> {
    element.value()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_become_elements() {
        assert_eq!(
            PointKind::Normalized.element(0.5, false),
            Element::Normalized {
                value: 16384,
                quality: Some(0)
            }
        );
        assert_eq!(
            PointKind::Scaled.element(1e6, true),
            Element::Scaled {
                value: 32767,
                quality: quality::INVALID
            }
        );
        assert_eq!(PointKind::Float.type_id(true), TypeId::M_ME_TF_1);
        assert!(CommandKind::SetpointFloat.accepts(TypeId::C_SE_NC_1));
        assert!(!CommandKind::Single.accepts(TypeId::C_DC_NA_1));
    }
}
