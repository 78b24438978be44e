//! A visitor's drawing, made into the 28x28 image the network receives.
//!
//! The page hands over a grey raster of ink in [0, 1]; [`to_mnist`] frames it
//! the way MNIST was made (crop to the ink, box-filter the longer side to 20
//! pixels, centre by mass in a 28x28 field). [`Raster::stroke`] draws pointer
//! paths into such a raster, so host tests can draw what a visitor would.

pub mod errors;
pub mod preprocess;
pub mod raster;

pub use errors::ProbeError;
pub use preprocess::{BOX_SIDE, INK_FLOOR, MIN_INK, MnistImage, centre_of_mass, to_mnist};
pub use raster::{MAX_RASTER_PIXELS, Raster};
