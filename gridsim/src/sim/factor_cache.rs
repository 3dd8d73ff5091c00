//! Factorisations of network matrices seen before, kept so that a switching event that
//! returns the network to an earlier state (a breaker reclosing, a fault clearing, a
//! set-point going back) costs a copy instead of a new factorisation.
//!
//! An entry holds the stamped matrix and its factors. A lookup hashes the freshly
//! stamped matrix and compares it in full with an entry of the same hash, so a hit
//! restores exactly the factors a new factorisation would give: results stay
//! bit-identical. Entries are replaced round-robin. Every buffer is allocated at
//! set-up; lookups, restores and stores allocate nothing.

use super::lu::DenseLu;

/// Most memory the cache may use, in bytes (entries are dropped for large networks).
const MAX_CACHE_BYTES: usize = 32 << 20;

/// One remembered factorisation.
#[derive(Debug, Clone)]
struct Entry {
    hash: u64,
    valid: bool,
    /// The stamped matrix, before factorisation.
    matrix: Vec<f64>,
    /// Its factors.
    factors: DenseLu,
}

/// Remembered factorisations of an `n` × `n` network matrix.
#[derive(Debug, Clone)]
pub(crate) struct FactorCache {
    entries: Vec<Entry>,
    /// Entry to replace next.
    next: usize,
    /// Entry being filled between [`FactorCache::begin_store`] and
    /// [`FactorCache::finish_store`].
    pending: Option<usize>,
    reused: u64,
}

/// FNV-1a over the bits of the matrix.
fn matrix_hash(matrix: &[f64]) -> u64 {
    matrix.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, v| {
        (h ^ v.to_bits()).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

impl FactorCache {
    /// A cache for up to `slots` factorisations of an `n` × `n` matrix, fewer when they
    /// would take more than 32 MiB (none for very large networks).
    pub fn new(n: usize, slots: usize) -> Self {
        let entry_bytes = 2 * n * n * std::mem::size_of::<f64>() + 1;
        let slots = slots.min(MAX_CACHE_BYTES / entry_bytes);
        FactorCache {
            entries: (0..slots)
                .map(|_| Entry {
                    hash: 0,
                    valid: false,
                    matrix: vec![0.0; n * n],
                    factors: DenseLu::new(n),
                })
                .collect(),
            next: 0,
            pending: None,
            reused: 0,
        }
    }

    /// Sizes every entry's factors like `lu`'s (after its sparse set-up), so that
    /// storing allocates nothing.
    pub fn reserve_like(&mut self, lu: &DenseLu) {
        for entry in &mut self.entries {
            entry.factors.reserve_like(lu);
        }
    }

    /// How many factorisations were restored from the cache.
    pub fn reused(&self) -> u64 {
        self.reused
    }

    /// If `lu` holds a stamped matrix seen before, replaces it by that matrix's factors
    /// and returns `true`. Otherwise remembers the stamped matrix in the entry to be
    /// replaced (completed by [`FactorCache::finish_store`] once factorised) and returns
    /// `false`.
    pub fn restore_or_begin_store(&mut self, lu: &mut DenseLu) -> bool {
        if self.entries.is_empty() {
            return false;
        }
        let hash = matrix_hash(lu.matrix());
        if let Some(entry) = self
            .entries
            .iter()
            .find(|e| e.valid && e.hash == hash && e.matrix.as_slice() == lu.matrix())
        {
            lu.copy_from(&entry.factors);
            self.reused += 1;
            self.pending = None;
            return true;
        }
        let index = self.next % self.entries.len();
        self.next = index + 1;
        if let Some(entry) = self.entries.get_mut(index) {
            entry.valid = false;
            entry.hash = hash;
            entry.matrix.copy_from_slice(lu.matrix());
            self.pending = Some(index);
        }
        false
    }

    /// Replaces the factors of the entry stored last by `lu`'s (the same matrix, after
    /// a set-up step such as sizing the sparse factors changed how they are held).
    pub fn refresh_latest(&mut self, lu: &DenseLu) {
        let Some(last) = self.next.checked_sub(1) else {
            return;
        };
        if let Some(entry) = self.entries.get_mut(last).filter(|e| e.valid) {
            entry.factors.copy_from(lu);
        }
    }

    /// Stores the factors of the matrix remembered by the last
    /// [`FactorCache::restore_or_begin_store`] (call after a successful factorisation).
    pub fn finish_store(&mut self, lu: &DenseLu) {
        if let Some(entry) = self.pending.take().and_then(|i| self.entries.get_mut(i)) {
            entry.factors.copy_from(lu);
            entry.valid = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamped(values: &[f64]) -> DenseLu {
        let mut lu = DenseLu::new(2);
        lu.clear();
        for (k, &v) in values.iter().enumerate() {
            lu.add(k / 2, k % 2, v);
        }
        lu
    }

    #[test]
    fn a_matrix_seen_before_gets_its_factors_back() {
        let mut cache = FactorCache::new(2, 2);
        let mut first = stamped(&[4.0, 1.0, 2.0, 3.0]);
        assert!(!cache.restore_or_begin_store(&mut first));
        first.factor().unwrap();
        cache.finish_store(&first);

        let mut other = stamped(&[5.0, 1.0, 2.0, 3.0]);
        assert!(!cache.restore_or_begin_store(&mut other));
        other.factor().unwrap();
        cache.finish_store(&other);

        let mut again = stamped(&[4.0, 1.0, 2.0, 3.0]);
        assert!(cache.restore_or_begin_store(&mut again));
        assert_eq!(again.matrix(), first.matrix(), "the factors, bit for bit");
        assert_eq!(cache.reused(), 1);

        // A third matrix replaces the oldest entry.
        let mut third = stamped(&[6.0, 1.0, 2.0, 3.0]);
        assert!(!cache.restore_or_begin_store(&mut third));
        third.factor().unwrap();
        cache.finish_store(&third);
        assert!(!cache.restore_or_begin_store(&mut stamped(&[4.0, 1.0, 2.0, 3.0])));
    }

    #[test]
    fn a_failed_factorisation_is_not_remembered() {
        let mut cache = FactorCache::new(2, 2);
        let mut singular = stamped(&[0.0, 0.0, 0.0, 0.0]);
        assert!(!cache.restore_or_begin_store(&mut singular));
        assert!(singular.factor().is_err());
        let mut again = stamped(&[0.0, 0.0, 0.0, 0.0]);
        assert!(
            !cache.restore_or_begin_store(&mut again),
            "not stored without finish"
        );
    }

    #[test]
    fn huge_networks_get_no_cache() {
        let mut cache = FactorCache::new(3000, 8);
        let mut lu = DenseLu::new(1);
        assert!(!cache.restore_or_begin_store(&mut lu));
        assert_eq!(FactorCache::new(120, 8).entries.len(), 8);
    }
}
