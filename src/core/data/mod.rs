//! Data: IDX files, the two data sets, and the subsets a run trains on.

pub mod dataset;
pub mod errors;
pub mod idx;
pub mod nonzero;
pub mod subset;

pub use dataset::{Dataset, DatasetKind, LabeledImages};
pub use errors::DataError;
pub use idx::{IMAGE_PIXELS, IMAGE_SIDE, Images};
pub use nonzero::NonzeroPixels;
pub use subset::{ClassSet, Subset};
