//! The clustering cut into jobs for the page's workers: silhouette shares
//! merged in any order equal the one-pass silhouettes, and a sweep played by
//! several simulated workers (answers through bytes, out of order) ends where
//! `LayerSweep` does.

use approx::assert_abs_diff_eq;
use ndarray::Array2;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use sigpath::core::analysis::{
    AnalysisError, K_RANGE, LayerSweep, SilhouetteAccumulator, kmeans, share_bounds, share_bounds_weighted,
    silhouette_scores,
};
use sigpath::core::jobs::{self, Answer, Job, JobQueue, JobRunner, ParallelSweep};

/// Points around `centres` blobs in `width` dimensions, ReLU-like (many zeros).
fn blobs(n: usize, width: usize, centres: usize, seed: u64) -> Array2<f32> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let means: Vec<Vec<f32>> =
        (0..centres).map(|_| (0..width).map(|_| rng.gen_range(-2.0..4.0f32)).collect()).collect();
    Array2::from_shape_fn((n, width), |(i, j)| (means[i % centres][j] + rng.gen_range(-0.8..0.8f32)).max(0.0))
}

fn labelings(data: &Array2<f32>, ks: std::ops::RangeInclusive<usize>) -> Vec<Vec<usize>> {
    ks.map(|k| kmeans(data.view(), k, 7).unwrap().labels).collect()
}

#[test]
fn shares_merged_in_any_order_equal_one_pass() {
    let data = blobs(1_300, 12, 5, 1);
    let sets = labelings(&data, 2..=6);
    let one_pass = silhouette_scores(data.view(), sets.clone()).unwrap();

    for shares in [1, 2, 3, 7] {
        let bounds = share_bounds(data.nrows(), shares);
        let mut order: Vec<_> = bounds.clone();
        order.shuffle(&mut Xoshiro256PlusPlus::seed_from_u64(shares as u64));
        let mut merged = SilhouetteAccumulator::new(data.view(), sets.clone()).unwrap();
        for (i, rows) in order.iter().enumerate() {
            let share = SilhouetteAccumulator::new(data.view(), sets.clone()).unwrap().share(rows.clone()).unwrap();
            // Through bytes, as between the page and a worker.
            let share = jobs::decode(&jobs::encode(&share).unwrap()).unwrap();
            merged.merge_share(&share).unwrap();
            assert_eq!(merged.is_done(), i + 1 == order.len());
        }
        let scores = merged.finish().unwrap();
        for (a, b) in scores.iter().zip(&one_pass) {
            assert_abs_diff_eq!(a.unwrap(), b.unwrap(), epsilon = 1e-9);
        }
    }
}

#[test]
fn share_bounds_cover_every_row_with_even_work() {
    for (n, shares) in [(10_000, 2), (10_000, 8), (1_000, 3), (100, 4), (5, 3), (0, 2)] {
        let bounds = share_bounds(n, shares);
        let mut next = 0;
        for rows in &bounds {
            assert_eq!(rows.start, next, "{n} rows in {shares}: {bounds:?}");
            assert!(rows.end > rows.start);
            assert!(rows.start % 64 == 0, "shares start on row blocks: {bounds:?}");
            next = rows.end;
        }
        assert_eq!(next, n);
        assert!(bounds.len() <= shares);
        if n >= 1_000 {
            assert_eq!(bounds.len(), shares);
            let pairs = |r: &std::ops::Range<usize>| {
                let p = |s: usize| ((n - s) * (n - s + 1) / 2) as f64;
                p(r.start) - p(r.end)
            };
            let even = pairs(&(0..n)) / shares as f64;
            for rows in &bounds {
                let off = (pairs(rows) - even).abs() / even;
                assert!(off < 0.15, "{n} rows in {shares}: {rows:?} holds {off:.2} more or less than an even share");
            }
        }
    }
}

#[test]
fn weighted_share_bounds_follow_their_weights() {
    let n = 10_000;
    let pairs = |r: &std::ops::Range<usize>| {
        let p = |s: usize| ((n - s) * (n - s + 1) / 2) as f64;
        p(r.start) - p(r.end)
    };
    let weights = [6.0, 5.0, 4.0, 3.0, 2.0, 1.0];
    let bounds = share_bounds_weighted(n, &weights);
    assert_eq!(bounds.len(), weights.len());
    assert_eq!((bounds[0].start, bounds[5].end), (0, n));
    assert!(bounds.windows(2).all(|w| w[0].end == w[1].start));
    let all = pairs(&(0..n));
    for (rows, w) in bounds.iter().zip(weights) {
        let want = all * w / 21.0;
        assert!((pairs(rows) - want).abs() / want < 0.15, "{rows:?} for weight {w}: {bounds:?}");
    }
    // Equal weights are the even shares; weights that are not positive are left out.
    assert_eq!(share_bounds_weighted(n, &[1.0; 4]), share_bounds(n, 4));
    assert_eq!(share_bounds_weighted(n, &[2.0, 0.0, f64::NAN, 2.0]), share_bounds(n, 2));
    assert_eq!(share_bounds_weighted(n, &[]), vec![0..n]);
}

#[test]
fn bad_shares_are_refused() {
    let data = blobs(300, 6, 3, 2);
    let sets = labelings(&data, 2..=4);
    let share = |rows| SilhouetteAccumulator::new(data.view(), sets.clone()).unwrap().share(rows).unwrap();
    let first = share(0..128);

    // Overlap.
    let mut acc = SilhouetteAccumulator::new(data.view(), sets.clone()).unwrap();
    acc.merge_share(&first).unwrap();
    assert!(matches!(
        acc.merge_share(&share(64..200)),
        Err(AnalysisError::SilhouetteShare { start: 64, end: 200, .. })
    ));
    // Missing rows: finishing now would be wrong, so it is an error.
    assert_eq!(acc.clone().finish(), Err(AnalysisError::SilhouetteIncomplete { rows: 128, total: 300 }));
    // Sums of the wrong length (built for other data).
    let mut wrong = first.clone();
    wrong.sums.pop();
    let mut fresh = SilhouetteAccumulator::new(data.view(), sets.clone()).unwrap();
    assert!(fresh.merge_share(&wrong).is_err());
    // Beyond the points.
    assert!(SilhouetteAccumulator::new(data.view(), sets.clone()).unwrap().share(0..301).is_err());
    // Shares cannot be mixed into an accumulator that works rows itself.
    let mut local = SilhouetteAccumulator::new(data.view(), sets.clone()).unwrap();
    local.process_rows(0..64).unwrap();
    assert!(local.merge_share(&share(128..300)).is_err());
    // ...nor the other way round.
    assert!(acc.process_rows(0..10).is_err());
}

/// Give every worker `job` (data it keeps), as the page's broadcast does.
fn broadcast(runners: &mut [JobRunner], job: &Job) {
    let bytes = jobs::encode(job).unwrap();
    for runner in runners {
        let answer: Answer = jobs::decode(&runner.run_bytes(&bytes)).unwrap();
        assert!(matches!(answer, Answer::Kept { .. }), "{answer:?}");
    }
}

fn workers(count: usize) -> Vec<JobRunner> {
    (0..count).map(|_| JobRunner::new()).collect()
}

/// Play the workers: each keeps its own runner, jobs are answered in a
/// shuffled order, all through bytes.
fn play(sweep: &mut impl JobQueue, runners: &mut [JobRunner], seed: u64) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let workers = runners.len();
    let mut in_flight: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut last_progress = 0.0;
    loop {
        // Every idle worker takes a job.
        for worker in 0..workers {
            if in_flight.iter().any(|(w, _)| *w == worker) {
                continue;
            }
            if let Some(job) = sweep.next_job() {
                in_flight.push((worker, jobs::encode(&job).unwrap()));
            }
        }
        if in_flight.is_empty() {
            break;
        }
        // Some worker finishes first.
        let (worker, bytes) = in_flight.swap_remove(rng.gen_range(0..in_flight.len()));
        let answer = jobs::decode(&runners[worker].run_bytes(&bytes)).unwrap();
        sweep.absorb(answer).unwrap();
        assert!(sweep.progress() >= last_progress);
        last_progress = sweep.progress();
    }
    assert_eq!(sweep.outstanding(), 0);
}

#[test]
fn a_sweep_over_workers_ends_where_the_sweep_in_place_does() {
    // Above K-means' 1,000-point fitting sample, so the sampled path runs.
    let layers = vec![blobs(1_500, 8, 4, 3), blobs(1_500, 16, 7, 4)];
    let seed = 42;
    let in_place: Vec<_> =
        layers.iter().map(|l| LayerSweep::new(l.clone(), K_RANGE, seed).unwrap().finish().unwrap()).collect();

    for (count, shares) in [(1, 1), (2, 4), (3, 5)] {
        let mut sweep = ParallelSweep::new(layers.clone(), K_RANGE, seed, shares).unwrap();
        assert_eq!(sweep.progress(), 0.0);
        let mut runners = workers(count);
        for job in sweep.layer_jobs() {
            broadcast(&mut runners, &job);
        }
        play(&mut sweep, &mut runners, count as u64);
        assert!(sweep.is_done());
        assert_eq!(sweep.progress(), 1.0);
        let spread = sweep.finish().unwrap();
        assert_eq!(spread.len(), in_place.len());
        for (a, b) in spread.iter().zip(&in_place) {
            assert_eq!(a.clusterings, b.clusterings, "K-means is the same code with the same seeds");
            assert_eq!(a.chosen, b.chosen);
            for (x, y) in a.silhouettes.iter().zip(&b.silhouettes) {
                assert_abs_diff_eq!(x.unwrap(), y.unwrap(), epsilon = 1e-9);
            }
        }
        // The blobs are found: 4 and 7 clusters.
        assert_eq!(spread[0].chosen_clustering().map(|c| c.k), Some(4));
        assert_eq!(spread[1].chosen_clustering().map(|c| c.k), Some(7));
    }
}

#[test]
fn tiny_and_dead_layers_need_no_silhouette_work() {
    // Three points (K = 2, 3 only) and a layer of dead ReLUs (all zero).
    let layers = vec![blobs(3, 4, 3, 5), Array2::zeros((50, 5))];
    let in_place: Vec<_> =
        layers.iter().map(|l| LayerSweep::new(l.clone(), K_RANGE, 1).unwrap().finish().unwrap()).collect();
    let mut sweep = ParallelSweep::new(layers, K_RANGE, 1, 3).unwrap();
    let mut runners = workers(2);
    for job in sweep.layer_jobs() {
        broadcast(&mut runners, &job);
    }
    play(&mut sweep, &mut runners, 9);
    assert_eq!(sweep.progress(), 1.0);
    let spread = sweep.finish().unwrap();
    assert_eq!(spread, in_place);
    assert_eq!(spread[0].clusterings.len(), 2);
    assert!(spread[1].silhouettes.iter().all(Option::is_none));
}

#[test]
fn damaged_or_unexpected_messages_are_errors_not_results() {
    let mut runner = JobRunner::new();
    // A job for a layer the worker was never sent.
    let answer = runner.run(Job::KMeans { layer: 3, k: 2, seed: 1 });
    assert!(matches!(&answer, Answer::Failed { message } if message.contains("layer 3")), "{answer:?}");
    // Values that do not fill the stated shape, and non-finite values.
    let answer = runner.run(Job::Layer { layer: 0, rows: 3, width: 2, values: vec![0.0; 5] });
    assert!(matches!(answer, Answer::Failed { .. }));
    let answer = runner.run(Job::Layer { layer: 0, rows: 1, width: 2, values: vec![0.0, f32::NAN] });
    assert!(matches!(answer, Answer::Failed { .. }));
    // Truncated bytes.
    let bytes = jobs::encode(&Job::KMeans { layer: 0, k: 2, seed: 1 }).unwrap();
    let answer: Answer = jobs::decode(&runner.run_bytes(&bytes[..bytes.len() - 1])).unwrap();
    assert!(matches!(answer, Answer::Failed { .. }));
    // Trailing bytes.
    let mut long = bytes.clone();
    long.push(0);
    assert!(jobs::decode::<Job>(&long).is_err());

    // A clustering whose labels do not fit its K is refused on arrival.
    let data = blobs(40, 3, 2, 6);
    let mut clustering = kmeans(data.view(), 2, 1).unwrap();
    clustering.labels[0] = 5;
    let bytes = jobs::encode(&Answer::Clustered { layer: 0, clustering }).unwrap();
    assert!(jobs::decode::<Answer>(&bytes).is_err());

    // A worker's failure stops the sweep; so does an answer nobody asked for.
    let mut sweep = ParallelSweep::new(vec![data.clone()], 2..=3, 1, 2).unwrap();
    let _ = sweep.next_job();
    let failed = sweep.absorb(Answer::Failed { message: "out of memory".into() });
    assert_eq!(failed, Err(AnalysisError::Message("out of memory".into())));
    let good = kmeans(data.view(), 2, 1).unwrap();
    assert!(sweep.absorb(Answer::Clustered { layer: 1, clustering: good.clone() }).is_err());
    assert!(sweep.absorb(Answer::Clustered { layer: 0, clustering: good.clone() }).is_ok());
    assert!(sweep.absorb(Answer::Clustered { layer: 0, clustering: good }).is_err(), "K = 2 twice");
    // Ending early is an error, not a partial result.
    assert!(sweep.finish().is_err());
}
