//! The seed's data preparation: keep some classes, a number of images per
//! class (deterministic for a seed), pixels in [0, 1], one-hot labels over the
//! *sorted* kept classes.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::dataset::LabeledImages;
use super::errors::DataError;
use super::idx::IMAGE_PIXELS;

/// The kept classes, sorted and without repeats. Position in this list is the
/// class index the network predicts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassSet(Vec<u8>);

impl ClassSet {
    /// Sort and de-duplicate; refuse fewer than two classes or a class the data set lacks.
    pub fn new(classes: &[u8], class_count: u8) -> Result<Self, DataError> {
        let mut sorted = classes.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        if let Some(&bad) = sorted.iter().find(|&&c| c >= class_count) {
            return Err(DataError::UnknownClass(bad));
        }
        if sorted.len() < 2 {
            return Err(DataError::TooFewClasses(sorted.len()));
        }
        Ok(Self(sorted))
    }

    pub fn values(&self) -> &[u8] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Position of a class value among the kept classes.
    pub fn index_of(&self, label: u8) -> Option<usize> {
        self.0.binary_search(&label).ok()
    }

    /// Class value at a position.
    pub fn value_at(&self, index: usize) -> Option<u8> {
        self.0.get(index).copied()
    }

    /// One-hot vector of a label over the kept classes (`None` if not kept).
    pub fn one_hot(&self, label: u8) -> Option<Vec<f32>> {
        let index = self.index_of(label)?;
        let mut v = vec![0.0; self.0.len()];
        v[index] = 1.0;
        Some(v)
    }
}

/// Indices of the images to keep from one split: for each kept class, all its
/// images or `per_class` of them drawn with `seed`; returned in file order.
pub fn select_indices(
    split: &LabeledImages,
    classes: &ClassSet,
    per_class: Option<usize>,
    seed: u64,
    split_name: &'static str,
) -> Result<Vec<usize>, DataError> {
    if per_class == Some(0) {
        return Err(DataError::ZeroPerClass);
    }
    let mut kept = Vec::new();
    for &class in classes.values() {
        let mut of_class: Vec<usize> = (0..split.len()).filter(|&i| split.labels[i] == class).collect();
        if of_class.is_empty() {
            return Err(DataError::EmptyClass { class, split: split_name });
        }
        if let Some(n) = per_class
            && n < of_class.len()
        {
            // One stream per class, so adding a class does not change the others' picks.
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ (u64::from(class) << 56));
            of_class.shuffle(&mut rng);
            of_class.truncate(n);
        }
        kept.extend(of_class);
    }
    kept.sort_unstable();
    Ok(kept)
}

/// A kept subset of one split, ready to feed a network.
#[derive(Debug, Clone)]
pub struct Subset {
    pub classes: ClassSet,
    pub data: LabeledImages,
    /// Class index (position in `classes`) of each kept image.
    pub targets: Vec<usize>,
}

impl Subset {
    /// Cut `split` to `classes`, `per_class` images each (all if `None`).
    pub fn new(
        split: &LabeledImages,
        classes: &ClassSet,
        per_class: Option<usize>,
        seed: u64,
        split_name: &'static str,
    ) -> Result<Self, DataError> {
        let indices = select_indices(split, classes, per_class, seed, split_name)?;
        Ok(Self::from_indices(split, classes, &indices))
    }

    /// The images of `split` at `indices` (which must hold kept classes only;
    /// others are dropped), in that order.
    pub fn from_indices(split: &LabeledImages, classes: &ClassSet, indices: &[usize]) -> Self {
        let kept: Vec<usize> = indices
            .iter()
            .copied()
            .filter(|&i| split.labels.get(i).is_some_and(|&l| classes.index_of(l).is_some()))
            .collect();
        let data = split.select(&kept);
        let targets = data.labels.iter().filter_map(|&label| classes.index_of(label)).collect();
        Self { classes: classes.clone(), data, targets }
    }

    pub fn len(&self) -> usize {
        self.targets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// Number of kept images of each kept class, in class order.
    pub fn counts_per_class(&self) -> Vec<usize> {
        let mut counts = vec![0; self.classes.len()];
        for &t in &self.targets {
            counts[t] += 1;
        }
        counts
    }

    /// Pixels of the images at `rows` (indices into this subset), scaled to [0, 1]
    /// and flattened: `rows.len() * 784` floats, row-major.
    pub fn pixels_f32(&self, rows: &[usize]) -> Vec<f32> {
        let mut out = Vec::with_capacity(rows.len() * IMAGE_PIXELS);
        for &row in rows {
            if let Some(image) = self.data.images.image(row) {
                out.extend(image.iter().map(|&p| f32::from(p) / 255.0));
            }
        }
        out
    }

    /// One-hot targets of the images at `rows`: `rows.len() * classes` floats.
    pub fn one_hot(&self, rows: &[usize]) -> Vec<f32> {
        let k = self.classes.len();
        let mut out = vec![0.0; rows.len() * k];
        for (i, &row) in rows.iter().enumerate() {
            out[i * k + self.targets[row]] = 1.0;
        }
        out
    }
}
