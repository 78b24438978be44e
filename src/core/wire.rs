//! postcard bytes for the messages between the page and its workers (the
//! WebGPU trainer's, `train::remote`, and the clustering workers', `jobs`);
//! each side wraps the error text in its own error type.

use serde::{Deserialize, Serialize};

/// postcard bytes of a message.
pub fn encode<T: Serialize>(message: &T) -> Result<Vec<u8>, String> {
    postcard::to_allocvec(message).map_err(|e| e.to_string())
}

/// `#[serde(with = "le_bytes")]` for a `Vec<u8>`, `Vec<f32>` or `Vec<f64>`:
/// one run of little-endian bytes (a postcard byte string). postcard writes a
/// vector value by value, and reading a silhouette share of 4 MB that way kept
/// the page busy while a worker waited for its next job.
pub mod le_bytes {
    use std::borrow::Cow;
    use std::fmt;
    use std::marker::PhantomData;

    use serde::de::{Error, Visitor};
    use serde::{Deserializer, Serializer};

    /// A number with a fixed little-endian form.
    pub trait LeNumber: Copy + Sized {
        const SIZE: usize;
        /// The little-endian bytes of `values`, one after the other.
        fn to_le_run(values: &[Self]) -> Cow<'_, [u8]>;
        /// The values of a run whose length is a multiple of `SIZE`.
        fn from_le_run(bytes: &[u8]) -> Vec<Self>;
    }

    /// Bytes are their own form: lent as they are (the training images
    /// going to the WebGPU trainer are 47 MB).
    impl LeNumber for u8 {
        const SIZE: usize = 1;
        fn to_le_run(values: &[u8]) -> Cow<'_, [u8]> {
            Cow::Borrowed(values)
        }
        fn from_le_run(bytes: &[u8]) -> Vec<u8> {
            bytes.to_vec()
        }
    }

    macro_rules! le_float {
        ($t:ty, $size:literal) => {
            impl LeNumber for $t {
                const SIZE: usize = $size;
                fn to_le_run(values: &[$t]) -> Cow<'_, [u8]> {
                    let mut bytes = Vec::with_capacity(values.len() * $size);
                    for v in values {
                        bytes.extend_from_slice(&v.to_le_bytes());
                    }
                    Cow::Owned(bytes)
                }
                fn from_le_run(bytes: &[u8]) -> Vec<$t> {
                    bytes
                        .chunks_exact($size)
                        .map(|chunk| {
                            let mut le = [0; $size];
                            le.copy_from_slice(chunk);
                            <$t>::from_le_bytes(le)
                        })
                        .collect()
                }
            }
        };
    }
    le_float!(f32, 4);
    le_float!(f64, 8);

    pub fn serialize<T: LeNumber, S: Serializer>(values: &[T], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&T::to_le_run(values))
    }

    pub fn deserialize<'de, T: LeNumber, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<T>, D::Error> {
        deserializer.deserialize_bytes(NumbersVisitor(PhantomData))
    }

    /// Reads the numbers straight from the bytes the format lends or hands
    /// over, without first copying them into a buffer of their own.
    struct NumbersVisitor<T>(PhantomData<T>);

    impl<T: LeNumber> Visitor<'_> for NumbersVisitor<T> {
        type Value = Vec<T>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            write!(f, "a run of {}-byte little-endian numbers", T::SIZE)
        }

        fn visit_bytes<E: Error>(self, bytes: &[u8]) -> Result<Vec<T>, E> {
            if !bytes.len().is_multiple_of(T::SIZE) {
                return Err(E::custom(format!(
                    "{} bytes are not a whole number of {}-byte numbers",
                    bytes.len(),
                    T::SIZE
                )));
            }
            Ok(T::from_le_run(bytes))
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
        #[serde(with = "le_bytes")]
        values: Vec<f64>,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Values {
        #[serde(with = "le_bytes")]
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

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Pixels {
        #[serde(with = "le_bytes")]
        values: Vec<u8>,
    }

    #[test]
    fn bytes_go_as_they_are_and_read_like_a_plain_vector() {
        let pixels = Pixels { values: vec![0, 255, 7, 128] };
        let bytes = encode(&pixels).unwrap();
        assert_eq!(bytes, [4, 0, 255, 7, 128]);
        assert_eq!(decode::<Pixels>(&bytes).unwrap(), pixels);
        // The same bytes as postcard's own form of a byte vector.
        assert_eq!(bytes, encode(&pixels.values).unwrap());
    }

    #[test]
    fn bytes_that_are_not_whole_floats_are_refused() {
        // Seven bytes cannot be an f64 (nor two f32s), a length past the end is no message.
        let seven = [7, 1, 2, 3, 4, 5, 6, 7];
        assert!(decode::<Sums>(&seven).is_err());
        assert!(decode::<Values>(&seven).is_err());
        assert!(decode::<Sums>(&[16, 0, 0, 0, 0, 0, 0, 0, 0]).is_err());
        assert_eq!(decode::<Values>(&[4, 0, 0, 128, 63]).unwrap().values, vec![1.0]);
        // Written little-endian whatever the machine.
        assert_eq!(encode(&Values { values: vec![1.0, -2.0] }).unwrap(), [8, 0, 0, 128, 63, 0, 0, 0, 192]);
        assert_eq!(encode(&Sums { values: vec![1.0] }).unwrap(), [8, 0, 0, 0, 0, 0, 0, 240, 63]);
    }
}
