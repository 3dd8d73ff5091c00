//! CRC-CCITT as used by the C37.118 CHK field.
//!
//! Polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR
//! (also known as CRC-16/IBM-3740 or CRC-16/CCITT-FALSE). Check value of
//! `"123456789"` is `0x29B1`.

/// Lookup table for the byte-wise CRC, built at compile time.
const TABLE: [u16; 256] = build_table();

const fn build_table() -> [u16; 256] {
    let mut table = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = (i as u16) << 8;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
}

/// Computes the C37.118 CRC-CCITT of `data`.
pub fn crc_ccitt(data: &[u8]) -> u16 {
    data.iter().fold(0xFFFF_u16, |crc, &byte| {
        let index = usize::from((crc >> 8) as u8 ^ byte);
        (crc << 8) ^ TABLE[index]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value() {
        assert_eq!(crc_ccitt(b"123456789"), 0x29B1);
    }

    #[test]
    fn empty_input_is_init_value() {
        assert_eq!(crc_ccitt(&[]), 0xFFFF);
    }

    #[test]
    fn table_matches_bitwise() {
        fn bitwise(data: &[u8]) -> u16 {
            let mut crc = 0xFFFF_u16;
            for &b in data {
                crc ^= u16::from(b) << 8;
                for _ in 0..8 {
                    crc = if crc & 0x8000 != 0 {
                        (crc << 1) ^ 0x1021
                    } else {
                        crc << 1
                    };
                }
            }
            crc
        }
        let data: Vec<u8> = (0..=255u8).collect();
        assert_eq!(crc_ccitt(&data), bitwise(&data));
    }
}
