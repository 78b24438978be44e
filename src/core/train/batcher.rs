//! Turning rows of a [`Subset`] into tensors. Pixels stay `u8` in the subset
//! until a batch needs them (all of MNIST as f32 would take 188 MB).

use burn::prelude::*;

use crate::core::data::{IMAGE_PIXELS, Subset};

use super::errors::TrainError;

/// The images at `rows`: `[rows.len(), 784]`, pixels in [0, 1].
/// Rows past the end of the subset are an error rather than a short batch.
pub fn images(subset: &Subset, rows: &[usize], device: &Device) -> Result<Tensor<2>, TrainError> {
    check_rows(subset, rows)?;
    let pixels = subset.pixels_f32(rows);
    Ok(Tensor::from_data(TensorData::new(pixels, [rows.len(), IMAGE_PIXELS]), device))
}

/// The class indices at `rows`: `[rows.len()]`.
pub fn targets(subset: &Subset, rows: &[usize], device: &Device) -> Result<Tensor<1, Int>, TrainError> {
    let targets = rows
        .iter()
        .map(|&row| {
            subset.targets.get(row).map(|&t| t as i64).ok_or(TrainError::RowOutOfRange { row, images: subset.len() })
        })
        .collect::<Result<Vec<i64>, _>>()?;
    Ok(Tensor::from_data(TensorData::new(targets, [rows.len()]), device))
}

fn check_rows(subset: &Subset, rows: &[usize]) -> Result<(), TrainError> {
    // `pixels_f32` skips rows it lacks, which would shift every later image.
    let images = subset.data.images.count.min(subset.len());
    match rows.iter().find(|&&row| row >= images) {
        Some(&row) => Err(TrainError::RowOutOfRange { row, images }),
        None => Ok(()),
    }
}

/// Consecutive chunks of `0..count` of at most `chunk` rows (for evaluation and extraction).
pub fn chunks(count: usize, chunk: usize) -> impl Iterator<Item = Vec<usize>> {
    let chunk = chunk.max(1);
    (0..count).step_by(chunk).map(move |start| (start..(start + chunk).min(count)).collect())
}
