//! Deterministic request ids and random streams derived from the seed, so that a re-run with the
//! same seed sends the same `request_id`s and the server answers each retry with its first
//! result instead of creating a duplicate.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// FNV-1a over the parts, each followed by a separator so `["ab", "c"]` and `["a", "bc"]` differ.
fn fnv1a(basis: u64, seed: u64, parts: &[&str]) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = basis;
    let bytes = seed
        .to_le_bytes()
        .into_iter()
        .chain(parts.iter().flat_map(|p| p.bytes().chain([0x1f])));
    for byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(PRIME);
    }
    // A final mix (SplitMix64's) so that nearby inputs spread over all bits.
    hash = (hash ^ (hash >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    hash = (hash ^ (hash >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    hash ^ (hash >> 31)
}

/// A stable 64-bit hash of the seed and the parts.
pub fn stable_hash(seed: u64, parts: &[&str]) -> u64 {
    fnv1a(0xcbf2_9ce4_8422_2325, seed, parts)
}

/// A UUID (version 8, custom) that depends only on the seed and the parts, e.g.
/// `["enqueue", iin]`.
pub fn request_id(seed: u64, parts: &[&str]) -> String {
    let high = stable_hash(seed, parts);
    let low = fnv1a(0x6c62_272e_07bb_0142, seed, parts);
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&high.to_be_bytes());
    bytes[8..].copy_from_slice(&low.to_be_bytes());
    uuid::Builder::from_custom_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// A random stream of its own for one entity, so its data do not depend on the order in which
/// entities are generated.
pub fn rng_for(seed: u64, parts: &[&str]) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(stable_hash(seed, parts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_stable_and_distinct() {
        let a = request_id(42, &["enqueue", "150101600013"]);
        assert_eq!(a, request_id(42, &["enqueue", "150101600013"]));
        assert_ne!(a, request_id(43, &["enqueue", "150101600013"]));
        assert_ne!(a, request_id(42, &["offer", "150101600013"]));
        assert_ne!(request_id(1, &["ab", "c"]), request_id(1, &["a", "bc"]));
        assert!(uuid::Uuid::parse_str(&a).is_ok());
    }
}
