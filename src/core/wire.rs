//! postcard bytes for the messages between the page and its workers (the
//! WebGPU trainer's, `train::remote`, and the clustering workers', `jobs`);
//! each side wraps the error text in its own error type.

use serde::{Deserialize, Serialize};

/// postcard bytes of a message.
pub fn encode<T: Serialize>(message: &T) -> Result<Vec<u8>, String> {
    postcard::to_allocvec(message).map_err(|e| e.to_string())
}

/// `#[serde(with = "floats_as_bytes")]` for a `Vec<f32>` or `Vec<f64>`: one
/// run of little-endian bytes (a postcard byte string). postcard writes a
/// float vector value by value, and reading a silhouette share of 4 MB that
/// way kept the page busy for about 10 ms while a worker waited for its next
/// job.
pub mod floats_as_bytes {
    use std::fmt;
    use std::marker::PhantomData;

    use serde::de::{Error, Visitor};
    use serde::{Deserializer, Serializer};

    /// A float with a fixed little-endian form.
    pub trait Float: Copy {
        const SIZE: usize;
        fn extend_le(self, bytes: &mut Vec<u8>);
        /// From exactly `SIZE` bytes.
        fn from_le(bytes: &[u8]) -> Self;
    }

    macro_rules! float {
        ($t:ty, $size:literal) => {
            impl Float for $t {
                const SIZE: usize = $size;
                fn extend_le(self, bytes: &mut Vec<u8>) {
                    bytes.extend_from_slice(&self.to_le_bytes());
                }
                fn from_le(bytes: &[u8]) -> Self {
                    let mut le = [0; $size];
                    le.copy_from_slice(bytes);
                    <$t>::from_le_bytes(le)
                }
            }
        };
    }
    float!(f32, 4);
    float!(f64, 8);

    pub fn serialize<T: Float, S: Serializer>(values: &[T], serializer: S) -> Result<S::Ok, S::Error> {
        let mut bytes = Vec::with_capacity(values.len() * T::SIZE);
        for &v in values {
            v.extend_le(&mut bytes);
        }
        serializer.serialize_bytes(&bytes)
    }

    pub fn deserialize<'de, T: Float, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<T>, D::Error> {
        deserializer.deserialize_bytes(FloatsVisitor(PhantomData))
    }

    /// Reads the floats straight from the bytes the format lends or hands
    /// over, without first copying them into a buffer of their own.
    struct FloatsVisitor<T>(PhantomData<T>);

    impl<T: Float> Visitor<'_> for FloatsVisitor<T> {
        type Value = Vec<T>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            write!(f, "a run of {}-byte little-endian floats", T::SIZE)
        }

        fn visit_bytes<E: Error>(self, bytes: &[u8]) -> Result<Vec<T>, E> {
            if bytes.len() % T::SIZE != 0 {
                return Err(E::custom(format!("{} bytes are not a whole number of {}-byte floats", bytes.len(), T::SIZE)));
            }
            Ok(bytes.chunks_exact(T::SIZE).map(T::from_le).collect())
        }
    }
}

/// A message from postcard bytes; trailing bytes are refused too.
pub fn decode<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> Result<T, String> {
    let (message, rest) = postcard::take_from_bytes(bytes).map_err(|e| e.to_string())?;
    if rest.is_empty() { Ok(message) } else { Err(format!("{} bytes after the end of the message", rest.len())) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Sums {
        #[serde(with = "floats_as_bytes")]
        values: Vec<f64>,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Values {
        #[serde(with = "floats_as_bytes")]
        values: Vec<f32>,
    }

    #[test]
    fn floats_go_as_their_bytes_and_come_back_bit_for_bit() {
        let sums = Sums { values: vec![1.5, -0.0, f64::MAX, f64::MIN_POSITIVE, 1e-300] };
        let bytes = encode(&sums).unwrap();
        // A length, then 8 bytes per value.
        assert_eq!(bytes.len(), 1 + 5 * 8);
        let back: Sums = decode(&bytes).unwrap();
        assert!(back.values.iter().zip(&sums.values).all(|(a, b)| a.to_bits() == b.to_bits()));
        let values = Values { values: vec![0.25, f32::EPSILON, -3.0] };
        assert_eq!(decode::<Values>(&encode(&values).unwrap()).unwrap(), values);
        assert!(decode::<Values>(&encode(&Values { values: Vec::new() }).unwrap()).unwrap().values.is_empty());
    }

    #[test]
    fn bytes_that_are_not_whole_floats_are_refused() {
        // Seven bytes cannot be an f64 (nor two f32s), a length past the end is no message.
        let seven = [7, 1, 2, 3, 4, 5, 6, 7];
        assert!(decode::<Sums>(&seven).is_err());
        assert!(decode::<Values>(&seven).is_err());
        assert!(decode::<Sums>(&[16, 0, 0, 0, 0, 0, 0, 0, 0]).is_err());
        assert_eq!(decode::<Values>(&[4, 0, 0, 128, 63]).unwrap().values, vec![1.0]);
    }
}
