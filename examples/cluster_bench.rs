//! Times the per-layer analysis the page runs after training: K-means for
//! K = 2..10, all nine silhouettes, choosing K, PCA, agreement with classes.
//!
//! Data: the 10,000 MNIST test images pushed through a random, untrained
//! 784-32-64 ReLU net (real-looking activations, with dead units), or
//! synthetic Gaussian blobs with `--blobs`.
//!
//!     cargo run --release --example cluster_bench -- [--blobs] [--n 10000]
//!         [--restarts R] [--sample S] [--screen S] [--iters I] [--refine F] [--tol T]   (K-means settings)
//!         [--repeat R]   (run R times, report the best total: the host may be busy)
//!
//! Runs on one thread (rayon, used inside linfa, runs on the calling thread)
//! so the figures are comparable with the page, which has no threads.

use std::time::Instant;

use ndarray::{Array1, Array2, Axis};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use sigpath::core::analysis::{Contingency, K_RANGE, KMeansSettings, LayerSweep, Pca2, SweepStep};
use sigpath::core::data::idx::{decode_images, decode_labels};

fn main() {
    // One rayon thread, and it is this one: in the page rayon (inside linfa)
    // falls back to the calling thread too, so no hand-offs are timed here.
    rayon::ThreadPoolBuilder::new().num_threads(1).use_current_thread().build_global().unwrap();
    let args: Vec<String> = std::env::args().collect();
    let blobs = args.iter().any(|a| a == "--blobs");
    let n: usize = args
        .iter()
        .position(|a| a == "--n")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);

    let (layers, classes) = if blobs { blob_layers(n) } else { mnist_layers(n) };
    println!(
        "{} points, layers of width {:?}, source {}",
        classes.len(),
        layers.iter().map(|l| l.ncols()).collect::<Vec<_>>(),
        if blobs { "blobs" } else { "MNIST test through a random ReLU net" }
    );

    let flag = |name: &str| {
        args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse::<u64>().ok())
    };
    let mut settings = KMeansSettings::default();
    if let Some(v) = flag("--restarts") {
        settings.restarts = v as usize;
    }
    if let Some(v) = flag("--sample") {
        settings.fit_sample = v as usize;
    }
    if let Some(v) = flag("--iters") {
        settings.max_iterations = v;
    }
    if let Some(v) = flag("--screen") {
        settings.screen_iterations = v;
    }
    if let Some(v) = flag("--refine") {
        settings.refine_iterations = v;
    }
    if let Some(v) =
        args.iter().position(|a| a == "--tol").and_then(|i| args.get(i + 1)).and_then(|v| v.parse::<f32>().ok())
    {
        settings.relative_tolerance = v;
    }
    println!("{settings:?}");
    let repeat = flag("--repeat").unwrap_or(1).max(1);
    let mut best_ms = f64::INFINITY;
    for round in 0..repeat {
        let total_ms = run_once(&layers, &classes, &settings);
        println!("\nall layers (round {}): {total_ms:.1} ms", round + 1);
        best_ms = best_ms.min(total_ms);
    }
    if repeat > 1 {
        println!("best of {repeat}: {best_ms:.1} ms");
    }
}

/// One full analysis of every layer; prints the parts, returns the total ms.
fn run_once(layers: &[Array2<f32>], classes: &[usize], settings: &KMeansSettings) -> f64 {
    let mut grand_total_ms = 0.0;
    for (layer_index, layer) in layers.iter().enumerate() {
        let mut sweep = LayerSweep::new(layer.clone(), K_RANGE, 7).unwrap().with_settings(settings.clone());
        let mut kmeans_ms = Vec::new();
        let mut silhouette_ms = 0.0;
        let mut silhouette_steps = 0;
        let mut longest_step_ms: f64 = 0.0;
        loop {
            let t = Instant::now();
            let step = sweep.step().unwrap();
            let ms = t.elapsed().as_secs_f64() * 1e3;
            longest_step_ms = longest_step_ms.max(ms);
            match step {
                SweepStep::Clustered { k } => kmeans_ms.push((k, ms)),
                SweepStep::Silhouette { .. } => {
                    silhouette_ms += ms;
                    silhouette_steps += 1;
                }
                SweepStep::Done => break,
            }
        }
        let t = Instant::now();
        let analysis = sweep.finish().unwrap();
        let finish_ms = t.elapsed().as_secs_f64() * 1e3;
        let t = Instant::now();
        let pca = Pca2::fit(layer.view()).unwrap_or_else(|e| panic!("PCA: {e}"));
        let _plane = pca.project_rows(layer.view()).unwrap();
        let pca_ms = t.elapsed().as_secs_f64() * 1e3;
        let t = Instant::now();
        let chosen = analysis.chosen_clustering().unwrap();
        let table = Contingency::new(&chosen.labels, classes).unwrap();
        let (purity, nmi, ari) = (table.purity(), table.nmi(), table.ari());
        let agreement_ms = t.elapsed().as_secs_f64() * 1e3;

        let kmeans_total: f64 = kmeans_ms.iter().map(|(_, ms)| ms).sum();
        let layer_total = kmeans_total + silhouette_ms + finish_ms + pca_ms + agreement_ms;
        grand_total_ms += layer_total;
        println!("\nlayer {} (width {}):", layer_index + 1, layer.ncols());
        println!(
            "  k-means per K (ms): {}",
            kmeans_ms.iter().map(|(k, ms)| format!("K{k}={ms:.1}")).collect::<Vec<_>>().join(" ")
        );
        println!("  k-means K=2..10 total: {kmeans_total:.1} ms");
        println!(
            "  silhouettes (9 label sets, one pass): {:.1} ms in {silhouette_steps} steps + finish {finish_ms:.1} ms",
            silhouette_ms
        );
        println!("  PCA fit + project all: {pca_ms:.1} ms (explained {:.3?})", pca.explained_variance_ratio());
        println!("  agreement (table, purity, NMI, ARI): {agreement_ms:.2} ms");
        println!("  longest single step: {longest_step_ms:.1} ms");
        println!(
            "  silhouette by K: {}",
            analysis
                .silhouette_by_k()
                .iter()
                .map(|(k, s)| format!("{k}:{}", s.map_or("-".into(), |s| format!("{s:.3}"))))
                .collect::<Vec<_>>()
                .join(" ")
        );
        println!(
            "  inertia by K: {}",
            analysis.clusterings.iter().map(|c| format!("{}:{:.0}", c.k, c.inertia)).collect::<Vec<_>>().join(" ")
        );
        println!("  chosen K = {}, purity {purity:.3}, NMI {nmi:.3}, ARI {ari:.3}", chosen.k);
        println!("  layer total: {layer_total:.1} ms");
    }
    grand_total_ms
}

fn relu_layer(input: &Array2<f32>, width: usize, rng: &mut Xoshiro256PlusPlus) -> Array2<f32> {
    let fan_in = input.ncols() as f32;
    let scale = (6.0 / fan_in).sqrt(); // He-uniform, as a fresh network would have
    let w = Array2::from_shape_fn((input.ncols(), width), |_| rng.gen_range(-scale..scale));
    let b = Array1::from_shape_fn(width, |_| rng.gen_range(-0.1..0.1f32));
    (input.dot(&w) + &b).mapv(|v| v.max(0.0))
}

fn mnist_layers(n: usize) -> (Vec<Array2<f32>>, Vec<usize>) {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/data/mnist/");
    let images = decode_images(&std::fs::read(format!("{root}t10k-images-idx3-ubyte.gz")).unwrap()).unwrap();
    let labels = decode_labels(&std::fs::read(format!("{root}t10k-labels-idx1-ubyte.gz")).unwrap()).unwrap();
    let n = n.min(images.count);
    let pixels = Array2::from_shape_fn((n, 784), |(i, j)| f32::from(images.pixels[i * 784 + j]) / 255.0);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let h1 = relu_layer(&pixels, 32, &mut rng);
    let h2 = relu_layer(&h1, 64, &mut rng);
    (vec![h1, h2], labels[..n].iter().map(|&l| l as usize).collect())
}

fn blob_layers(n: usize) -> (Vec<Array2<f32>>, Vec<usize>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2);
    let classes: Vec<usize> = (0..n).map(|i| i % 10).collect();
    let layer = |width: usize, rng: &mut Xoshiro256PlusPlus| {
        let centres = Array2::from_shape_fn((10, width), |_| rng.gen_range(-4.0..4.0f32));
        let mut x = Array2::zeros((n, width));
        for (mut row, &c) in x.axis_iter_mut(Axis(0)).zip(&classes) {
            for (v, &m) in row.iter_mut().zip(centres.row(c)) {
                *v = m + rng.gen_range(-1.0..1.0f32);
            }
        }
        x
    };
    (vec![layer(32, &mut rng), layer(64, &mut rng)], classes)
}
