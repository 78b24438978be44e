//! The two data sets the page knows, their splits and class names.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::errors::DataError;
use super::idx::{IMAGE_PIXELS, Images};
use super::nonzero::NonzeroPixels;

/// Which data set a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DatasetKind {
    /// Handwritten digits, 60,000 training and 10,000 test images.
    #[default]
    Mnist,
    /// Animal-Shape silhouettes, 1,000 per class, split 800 / 200 per class here.
    Animals,
}

const DIGIT_NAMES: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
const ANIMAL_NAMES: [&str; 10] =
    ["bear", "bird", "cat", "cow", "dog", "elephant", "giraffe", "horse", "sheep", "zebra"];

impl DatasetKind {
    pub const ALL: [DatasetKind; 2] = [DatasetKind::Mnist, DatasetKind::Animals];

    /// Name used in URLs, files and `state()`.
    pub fn id(self) -> &'static str {
        match self {
            DatasetKind::Mnist => "mnist",
            DatasetKind::Animals => "animals",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.id() == id)
    }

    /// Human title shown in the page.
    pub fn title(self) -> &'static str {
        match self {
            DatasetKind::Mnist => "MNIST digits",
            DatasetKind::Animals => "Animal-Shape silhouettes",
        }
    }

    /// Name of each class value, by label.
    pub fn class_names(self) -> &'static [&'static str; 10] {
        match self {
            DatasetKind::Mnist => &DIGIT_NAMES,
            DatasetKind::Animals => &ANIMAL_NAMES,
        }
    }

    /// Name of one class value ("3", "cat"); "?" for a label outside the set.
    pub fn class_name(self, label: u8) -> &'static str {
        self.class_names().get(label as usize).copied().unwrap_or("?")
    }

    pub fn class_count(self) -> u8 {
        10
    }
}

/// Images and their labels, one split of a data set.
#[derive(Debug, Clone, Default)]
pub struct LabeledImages {
    pub images: Images,
    pub labels: Vec<u8>,
    /// The images' non-zero pixels, listed on first use ([`Self::nonzero_pixels`]).
    nonzero: OnceLock<NonzeroPixels>,
}

/// The same images and labels, listed or not.
impl PartialEq for LabeledImages {
    fn eq(&self, other: &Self) -> bool {
        self.images == other.images && self.labels == other.labels
    }
}

impl Eq for LabeledImages {}

impl LabeledImages {
    /// Images and labels as they are: the caller knows the counts agree and
    /// the labels are in range ([`Self::new`] checks both).
    pub fn from_parts(images: Images, labels: Vec<u8>) -> Self {
        Self { images, labels, nonzero: OnceLock::new() }
    }

    /// The non-zero pixels of every image, listed now if they were not yet
    /// (the page reports how long it took as `timings().listing_ms`).
    pub fn nonzero_pixels(&self) -> &NonzeroPixels {
        self.nonzero.get_or_init(|| NonzeroPixels::new(self.images.pixels.chunks_exact(IMAGE_PIXELS)))
    }

    /// The listing, if [`Self::nonzero_pixels`] made it already.
    pub fn listed_nonzero_pixels(&self) -> Option<&NonzeroPixels> {
        self.nonzero.get()
    }

    /// Pair images with labels, checking counts and label range.
    pub fn new(images: Images, labels: Vec<u8>, class_count: u8) -> Result<Self, DataError> {
        if images.count != labels.len() {
            return Err(DataError::CountMismatch { images: images.count, labels: labels.len() });
        }
        if let Some(&label) = labels.iter().find(|&&label| label >= class_count) {
            return Err(DataError::LabelOutOfRange { label, max: class_count - 1 });
        }
        Ok(Self::from_parts(images, labels))
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Number of images of each label value 0..class_count.
    pub fn counts_by_label(&self, class_count: u8) -> Vec<usize> {
        let mut counts = vec![0; class_count as usize];
        for &label in &self.labels {
            if let Some(count) = counts.get_mut(label as usize) {
                *count += 1;
            }
        }
        counts
    }

    /// Keep only the images at `indices`, in that order (with their rows of
    /// the listing of non-zero pixels, if there is one).
    pub fn select(&self, indices: &[usize]) -> LabeledImages {
        let mut pixels = Vec::with_capacity(indices.len() * IMAGE_PIXELS);
        let mut labels = Vec::with_capacity(indices.len());
        for &index in indices {
            if let (Some(image), Some(&label)) = (self.images.image(index), self.labels.get(index)) {
                pixels.extend_from_slice(image);
                labels.push(label);
            }
        }
        let selected = LabeledImages::from_parts(Images { count: labels.len(), pixels }, labels);
        if let Some(listed) = self.listed_nonzero_pixels() {
            let _ = selected.nonzero.set(listed.select(indices));
        }
        selected
    }
}

/// A data set with its training and test splits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataset {
    pub kind: DatasetKind,
    pub train: LabeledImages,
    pub test: LabeledImages,
}

/// Every fifth image of each Animal-Shape class goes to the test split.
const ANIMALS_TEST_EVERY: usize = 5;

impl Dataset {
    /// Animal-Shape ships as one file: split it 800 / 200 per class,
    /// taking every fifth image of a class for testing, so both splits cover
    /// the whole file however it is ordered.
    pub fn split_animals(all: LabeledImages) -> Dataset {
        let mut seen = [0usize; 256];
        let (mut train, mut test) = (Vec::new(), Vec::new());
        for (index, &label) in all.labels.iter().enumerate() {
            let nth = seen[label as usize];
            seen[label as usize] += 1;
            if nth % ANIMALS_TEST_EVERY == ANIMALS_TEST_EVERY - 1 {
                test.push(index);
            } else {
                train.push(index);
            }
        }
        Dataset { kind: DatasetKind::Animals, train: all.select(&train), test: all.select(&test) }
    }
}
