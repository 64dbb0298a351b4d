//! The finding identities gate.json keeps for later runs (`baseline.finding_keys`):
//! sorted numbers in memory, 16-digit lowercase hex strings in the file, as they have
//! always been written. A large SARIF log has 200,000 of them: neither side builds a
//! string per key.

use std::fmt;

use serde::de::{self, SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Finding identities ([`slipway_reports::Finding::key`]), sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingKeys(Vec<u64>);

impl FindingKeys {
    /// The identities `keys`, sorted and deduplicated.
    pub fn new(keys: impl Iterator<Item = u64>) -> Self {
        let mut keys: Vec<u64> = keys.collect();
        keys.sort_unstable();
        keys.dedup();
        Self(keys)
    }

    /// Whether `key` is one of them.
    pub fn contains(&self, key: u64) -> bool {
        self.0.binary_search(&key).is_ok()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// `key` as 16 lowercase hex digits, as `format!("{key:016x}")` writes it.
fn hex(key: u64, out: &mut [u8; 16]) -> &str {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (pair, byte) in out.chunks_exact_mut(2).zip(key.to_be_bytes()) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 0xf)];
    }
    // Only ASCII hex digits were written.
    std::str::from_utf8(out).unwrap_or_default()
}

impl Serialize for FindingKeys {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Fixed-width hex sorts as its number does: the strings come out sorted too.
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        let mut buf = [0u8; 16];
        for &key in &self.0 {
            seq.serialize_element(hex(key, &mut buf))?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for FindingKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FindingKeys;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of 16-digit hex finding keys")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FindingKeys, A::Error> {
                let mut keys = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(text) = seq.next_element::<std::borrow::Cow<'de, str>>()? {
                    let key = (text.len() == 16 && text.bytes().all(|b| b.is_ascii_hexdigit()))
                        .then(|| u64::from_str_radix(&text, 16).ok())
                        .flatten()
                        .ok_or_else(|| {
                            de::Error::custom(format!(
                                "finding key {text:?} is not 16 hex digits (gate.json writes them so)"
                            ))
                        })?;
                    keys.push(key);
                }
                Ok(FindingKeys::new(keys.into_iter()))
            }
        }
        d.deserialize_seq(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_written_as_format_writes_them_in_string_order() {
        let keys = [
            u64::MAX,
            0,
            0xf,
            0x10,
            0x0123_4567_89ab_cdef,
            0xfedc_ba98_7654_3210,
            1 << 63,
            0xa,
        ];
        let mut want: Vec<String> = keys.iter().map(|k| format!("{k:016x}")).collect();
        want.sort_unstable();
        let written = serde_json::to_string(&FindingKeys::new(keys.into_iter())).unwrap();
        assert_eq!(written, serde_json::to_string(&want).unwrap());
        assert_eq!(
            serde_json::to_string(&FindingKeys::default()).unwrap(),
            "[]"
        );
    }

    #[test]
    fn keys_read_back_are_the_keys_written() {
        let keys = FindingKeys::new([3, 1 << 40, u64::MAX, 3].into_iter());
        let text = serde_json::to_string(&keys).unwrap();
        let back: FindingKeys = serde_json::from_str(&text).unwrap();
        assert_eq!(back, keys);
        assert!(back.contains(1 << 40) && back.contains(u64::MAX) && !back.contains(4));
    }

    #[test]
    fn a_key_that_is_not_sixteen_hex_digits_is_an_error_naming_it() {
        for bad in [
            r#"["abc"]"#,
            r#"["zzzzzzzzzzzzzzzz"]"#,
            r#"["+123456789abcdef"]"#,
        ] {
            let err = serde_json::from_str::<FindingKeys>(bad)
                .unwrap_err()
                .to_string();
            assert!(err.contains("is not 16 hex digits"), "{bad}: {err}");
        }
    }
}
