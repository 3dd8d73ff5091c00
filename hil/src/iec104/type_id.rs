//! Type identifications: their names, the size of their information elements and whether
//! a CP56Time2a follows. Not here: what the elements mean (`element.rs`).

/// A type identification (the first byte of an ASDU).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeId(pub u8);

/// What the codec knows of a type: name, element size without the time tag, time tag.
struct Layout {
    id: u8,
    name: &'static str,
    element: usize,
    time: bool,
}

const fn l(id: u8, name: &'static str, element: usize, time: bool) -> Layout {
    Layout {
        id,
        name,
        element,
        time,
    }
}

/// Every type with a fixed element layout (IEC 60870-5-101/104, companion standard).
const LAYOUTS: &[Layout] = &[
    l(1, "M_SP_NA_1", 1, false),
    l(3, "M_DP_NA_1", 1, false),
    l(5, "M_ST_NA_1", 2, false),
    l(7, "M_BO_NA_1", 5, false),
    l(9, "M_ME_NA_1", 3, false),
    l(11, "M_ME_NB_1", 3, false),
    l(13, "M_ME_NC_1", 5, false),
    l(15, "M_IT_NA_1", 5, false),
    l(20, "M_PS_NA_1", 5, false),
    l(21, "M_ME_ND_1", 2, false),
    l(30, "M_SP_TB_1", 1, true),
    l(31, "M_DP_TB_1", 1, true),
    l(32, "M_ST_TB_1", 2, true),
    l(33, "M_BO_TB_1", 5, true),
    l(34, "M_ME_TD_1", 3, true),
    l(35, "M_ME_TE_1", 3, true),
    l(36, "M_ME_TF_1", 5, true),
    l(37, "M_IT_TB_1", 5, true),
    l(38, "M_EP_TD_1", 3, true),
    l(39, "M_EP_TE_1", 4, true),
    l(40, "M_EP_TF_1", 4, true),
    l(45, "C_SC_NA_1", 1, false),
    l(46, "C_DC_NA_1", 1, false),
    l(47, "C_RC_NA_1", 1, false),
    l(48, "C_SE_NA_1", 3, false),
    l(49, "C_SE_NB_1", 3, false),
    l(50, "C_SE_NC_1", 5, false),
    l(51, "C_BO_NA_1", 4, false),
    l(58, "C_SC_TA_1", 1, true),
    l(59, "C_DC_TA_1", 1, true),
    l(60, "C_RC_TA_1", 1, true),
    l(61, "C_SE_TA_1", 3, true),
    l(62, "C_SE_TB_1", 3, true),
    l(63, "C_SE_TC_1", 5, true),
    l(64, "C_BO_TA_1", 4, true),
    l(70, "M_EI_NA_1", 1, false),
    l(100, "C_IC_NA_1", 1, false),
    l(101, "C_CI_NA_1", 1, false),
    l(102, "C_RD_NA_1", 0, false),
    l(103, "C_CS_NA_1", 7, false),
    l(104, "C_TS_NA_1", 2, false),
    l(105, "C_RP_NA_1", 1, false),
    l(106, "C_CD_NA_1", 2, false),
    l(107, "C_TS_TA_1", 2, true),
    l(110, "P_ME_NA_1", 3, false),
    l(111, "P_ME_NB_1", 3, false),
    l(112, "P_ME_NC_1", 5, false),
    l(113, "P_AC_NA_1", 1, false),
];

impl TypeId {
    /// Single-point information.
    pub const M_SP_NA_1: TypeId = TypeId(1);
    /// Double-point information.
    pub const M_DP_NA_1: TypeId = TypeId(3);
    /// Step position.
    pub const M_ST_NA_1: TypeId = TypeId(5);
    /// Bitstring of 32 bits.
    pub const M_BO_NA_1: TypeId = TypeId(7);
    /// Measured value, normalised.
    pub const M_ME_NA_1: TypeId = TypeId(9);
    /// Measured value, scaled.
    pub const M_ME_NB_1: TypeId = TypeId(11);
    /// Measured value, short floating point.
    pub const M_ME_NC_1: TypeId = TypeId(13);
    /// Integrated totals.
    pub const M_IT_NA_1: TypeId = TypeId(15);
    /// Measured value, normalised, without quality.
    pub const M_ME_ND_1: TypeId = TypeId(21);
    /// Single-point information with CP56Time2a.
    pub const M_SP_TB_1: TypeId = TypeId(30);
    /// Double-point information with CP56Time2a.
    pub const M_DP_TB_1: TypeId = TypeId(31);
    /// Step position with CP56Time2a.
    pub const M_ST_TB_1: TypeId = TypeId(32);
    /// Bitstring with CP56Time2a.
    pub const M_BO_TB_1: TypeId = TypeId(33);
    /// Normalised measured value with CP56Time2a.
    pub const M_ME_TD_1: TypeId = TypeId(34);
    /// Scaled measured value with CP56Time2a.
    pub const M_ME_TE_1: TypeId = TypeId(35);
    /// Short floating point measured value with CP56Time2a.
    pub const M_ME_TF_1: TypeId = TypeId(36);
    /// Integrated totals with CP56Time2a.
    pub const M_IT_TB_1: TypeId = TypeId(37);
    /// Single command.
    pub const C_SC_NA_1: TypeId = TypeId(45);
    /// Double command.
    pub const C_DC_NA_1: TypeId = TypeId(46);
    /// Regulating step command.
    pub const C_RC_NA_1: TypeId = TypeId(47);
    /// Set-point command, normalised.
    pub const C_SE_NA_1: TypeId = TypeId(48);
    /// Set-point command, scaled.
    pub const C_SE_NB_1: TypeId = TypeId(49);
    /// Set-point command, short floating point.
    pub const C_SE_NC_1: TypeId = TypeId(50);
    /// Bitstring command.
    pub const C_BO_NA_1: TypeId = TypeId(51);
    /// Single command with CP56Time2a.
    pub const C_SC_TA_1: TypeId = TypeId(58);
    /// Double command with CP56Time2a.
    pub const C_DC_TA_1: TypeId = TypeId(59);
    /// Regulating step command with CP56Time2a.
    pub const C_RC_TA_1: TypeId = TypeId(60);
    /// Set-point command, normalised, with CP56Time2a.
    pub const C_SE_TA_1: TypeId = TypeId(61);
    /// Set-point command, scaled, with CP56Time2a.
    pub const C_SE_TB_1: TypeId = TypeId(62);
    /// Set-point command, short floating point, with CP56Time2a.
    pub const C_SE_TC_1: TypeId = TypeId(63);
    /// Bitstring command with CP56Time2a.
    pub const C_BO_TA_1: TypeId = TypeId(64);
    /// End of initialisation.
    pub const M_EI_NA_1: TypeId = TypeId(70);
    /// Interrogation command.
    pub const C_IC_NA_1: TypeId = TypeId(100);
    /// Counter interrogation command.
    pub const C_CI_NA_1: TypeId = TypeId(101);
    /// Read command.
    pub const C_RD_NA_1: TypeId = TypeId(102);
    /// Clock synchronisation command.
    pub const C_CS_NA_1: TypeId = TypeId(103);

    fn layout(self) -> Option<&'static Layout> {
        LAYOUTS.iter().find(|l| l.id == self.0)
    }

    /// The standard's name (`M_ME_NC_1`), or `None` for a type the codec does not know.
    pub fn name(self) -> Option<&'static str> {
        self.layout().map(|l| l.name)
    }

    /// Size of one information element, time tag included; `None` when unknown.
    pub fn element_len(self) -> Option<usize> {
        self.layout()
            .map(|l| l.element + if l.time { super::Cp56Time2a::LEN } else { 0 })
    }

    /// Whether each element ends with a CP56Time2a.
    pub fn has_time(self) -> bool {
        self.layout().is_some_and(|l| l.time)
    }

    /// Whether the codec knows the type.
    pub fn is_known(self) -> bool {
        self.layout().is_some()
    }

    /// Whether the type goes from the controlling station to the outstation (commands,
    /// parameters, system commands), as opposed to monitoring information.
    pub fn is_control_direction(self) -> bool {
        (45..=64).contains(&self.0) || (100..=113).contains(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_are_unique_and_sized() {
        for (i, a) in LAYOUTS.iter().enumerate() {
            assert!(LAYOUTS[i + 1..].iter().all(|b| b.id != a.id), "{}", a.name);
        }
        assert_eq!(TypeId::M_ME_TF_1.element_len(), Some(12));
        assert_eq!(TypeId::C_CS_NA_1.element_len(), Some(7));
        assert_eq!(TypeId::C_RD_NA_1.element_len(), Some(0));
        assert_eq!(TypeId(120).element_len(), None);
        assert_eq!(TypeId::M_SP_TB_1.name(), Some("M_SP_TB_1"));
        assert!(
            TypeId::C_SE_NC_1.is_control_direction() && !TypeId::M_SP_NA_1.is_control_direction()
        );
    }
}
