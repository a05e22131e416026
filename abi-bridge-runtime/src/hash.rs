//! The hasher of the runtime's caches (generated code by signature and
//! convention pair, live thunks by target, callback entries by closure type).
//!
//! Their keys are a few machine words: conventions, a `TypeId`, an address,
//! and type descriptions, whose `Hash` is shallow on purpose (see `types`).
//! The standard SipHash spends most of a lookup's time resisting keys chosen
//! by an attacker, which buys nothing here, since no key comes from outside
//! the process; a multiply-and-rotate per word is enough to spread them.

use core::hash::{BuildHasherDefault, Hasher};

/// Hashes one machine word at a time: each write folds a word in with a
/// rotate, an xor and a multiply by an odd constant.
#[derive(Default, Clone, Copy)]
pub(crate) struct WordHasher(u64);

impl Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Names are the only byte strings in the keys; take them a word at a
        // time, the last word zero-padded.
        for chunk in bytes.chunks(8) {
            let mut word = [0; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u8(&mut self, n: u8) {
        self.write_u64(n.into());
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(n.into());
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn write_isize(&mut self, n: isize) {
        self.write_u64(n as u64);
    }
}

/// A `HashMap` hashed with [`WordHasher`]: the map of every runtime cache.
pub(crate) type WordMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<WordHasher>>;

#[cfg(test)]
mod tests {
    use super::*;
    use core::hash::{BuildHasher, Hash};

    fn hash(value: impl Hash) -> u64 {
        BuildHasherDefault::<WordHasher>::default().hash_one(value)
    }

    #[test]
    fn every_word_and_its_order_count() {
        assert_eq!(hash((1u64, 2u64)), hash((1u64, 2u64)));
        assert_ne!(hash((1u64, 2u64)), hash((2u64, 1u64)));
        assert_ne!(hash(0u64), hash(1u64));
        // Small integers are widened to a word, not dropped.
        assert_eq!(hash(7u8), hash(7u64));
    }

    #[test]
    fn byte_strings_count_past_their_first_word() {
        assert_ne!(hash("uint64_t_a"), hash("uint64_t_b"));
    }

    #[test]
    fn a_word_map_finds_what_it_holds() {
        let mut map = WordMap::default();
        for i in 0..1000usize {
            map.insert((i, i * 3), i);
        }
        assert!((0..1000usize).all(|i| map[&(i, i * 3)] == i));
    }
}
