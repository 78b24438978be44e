//! The analysis core: what the page computes from recorded signatures.
//!
//! Everything works on one layer at a time: `ndarray` views of f32 signatures
//! `[n_images, width]`, labels as `&[usize]`. Errors are [`AnalysisError`];
//! nothing here panics on odd data (empty, constant, dead ReLUs) and no score
//! is ever NaN — undefined values are `None`.
//!
//! - [`kmeans`]: K-means (linfa-clustering, k-means++, seeded restarts);
//! - [`silhouette`]: exact mean silhouettes of many labelings in one pass;
//! - [`sweep`]: K = 2..10 per layer, steppable, and choosing K;
//! - [`agreement`]: contingency table, purity, NMI, ARI, where classes emerge;
//! - [`cka`]: linear CKA between layers (of one run, or of two), steppable;
//! - [`pca`]: 2-D PCA (linfa-linalg's symmetric eigen-solver) that can place
//!   new inputs;
//! - [`ood`]: nearest centres, percentile ranks, the unfamiliar verdict, AUROC;
//! - [`mahalanobis`], [`separability`], [`profile`]: findings helpers.

pub mod agreement;
pub mod cka;
pub mod errors;
pub(crate) mod kernels;
pub mod kmeans;
pub mod mahalanobis;
pub mod ood;
pub mod pca;
pub mod profile;
pub mod separability;
pub mod silhouette;
pub mod sweep;

pub use agreement::{
    Contingency, EMERGENCE_NMI_THRESHOLD, Emergence, LayerJump, adjusted_rand_index, emergence, emergence_with,
    normalized_mutual_info, purity,
};
pub use cka::{CkaJob, CkaMatrix, cka_cross_matrix, cka_matrix, linear_cka};
pub use errors::AnalysisError;
pub use kmeans::{Clustering, FastL2, KMeansSettings, kmeans, kmeans_with};
pub use mahalanobis::{Mahalanobis, Whitened};
pub use ood::{OOD_VERDICT_THRESHOLD, ReferenceDistances, auroc, is_unfamiliar, nearest_centre, ood_score};
pub use pca::Pca2;
pub use profile::{NeuronProfile, neuron_profile};
pub use separability::{NeuronDifference, Separability, SeparabilityJob, separability};
pub use silhouette::{
    SilhouetteAccumulator, SilhouetteShare, has_varying_column, share_bounds, share_bounds_weighted, silhouette_score,
    silhouette_scores,
};
pub use sweep::{K_RANGE, LayerAnalysis, LayerSweep, SweepStep, analyse_layer, choose_k};
