//! A drawing made into MNIST's framing: centred by mass, 20 pixels on the
//! longer side, aspect kept, soft edges; and real MNIST digits survive it.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use sigpath::core::data::{IMAGE_PIXELS, IMAGE_SIDE, idx};
use sigpath::core::probe::{self, MnistImage, ProbeError, Raster};

const CANVAS: usize = 280;

/// Rows and columns (inclusive ranges) holding any ink.
fn extent(image: &MnistImage) -> ((usize, usize), (usize, usize)) {
    let inked: Vec<usize> = (0..IMAGE_PIXELS).filter(|&i| image[i] > 0.0).collect();
    let xs = inked.iter().map(|i| i % IMAGE_SIDE);
    let ys = inked.iter().map(|i| i / IMAGE_SIDE);
    ((xs.clone().min().unwrap(), xs.max().unwrap()), (ys.clone().min().unwrap(), ys.max().unwrap()))
}

fn assert_centred(image: &MnistImage) {
    let (cx, cy) = probe::centre_of_mass(image, IMAGE_SIDE).unwrap();
    assert!((cx - 14.0).abs() <= 0.5 && (cy - 14.0).abs() <= 0.5, "centre of mass ({cx:.2}, {cy:.2})");
}

fn assert_in_range(image: &MnistImage) {
    assert!(image.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)));
}

fn circle(cx: f32, cy: f32, rx: f32, ry: f32) -> Vec<(f32, f32)> {
    (0..=64)
        .map(|i| {
            let t = i as f32 / 64.0 * std::f32::consts::TAU;
            (cx + rx * t.cos(), cy + ry * t.sin())
        })
        .collect()
}

fn mnist_test() -> (idx::Images, Vec<u8>) {
    let read = |name: &str| std::fs::read(format!("{}/assets/data/mnist/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let images = idx::decode_images(&read("t10k-images-idx3-ubyte.gz")).unwrap();
    let labels = idx::decode_labels(&read("t10k-labels-idx1-ubyte.gz")).unwrap();
    (images, labels)
}

/// An MNIST digit blown up 10x (each pixel a 10x10 block), as if drawn on the page's canvas.
fn upscaled(image: &[u8]) -> Raster {
    let factor = CANVAS / IMAGE_SIDE;
    let ink = (0..CANVAS * CANVAS)
        .map(|i| {
            let (x, y) = (i % CANVAS / factor, i / CANVAS / factor);
            f32::from(image[y * IMAGE_SIDE + x]) / 255.0
        })
        .collect();
    Raster::from_ink(CANVAS, CANVAS, ink).unwrap()
}

/// An MNIST digit blown up 10x with bilinear interpolation.
fn upscaled_smooth(image: &[u8]) -> Raster {
    let factor = (CANVAS / IMAGE_SIDE) as f32;
    let at = |x: i64, y: i64| {
        let (x, y) = (x.clamp(0, 27) as usize, y.clamp(0, 27) as usize);
        f32::from(image[y * IMAGE_SIDE + x]) / 255.0
    };
    let ink = (0..CANVAS * CANVAS)
        .map(|i| {
            let sx = ((i % CANVAS) as f32 + 0.5) / factor - 0.5;
            let sy = ((i / CANVAS) as f32 + 0.5) / factor - 0.5;
            let (x0, y0) = (sx.floor(), sy.floor());
            let (fx, fy) = (sx - x0, sy - y0);
            let (x0, y0) = (x0 as i64, y0 as i64);
            (at(x0, y0) * (1.0 - fx) + at(x0 + 1, y0) * fx) * (1.0 - fy)
                + (at(x0, y0 + 1) * (1.0 - fx) + at(x0 + 1, y0 + 1) * fx) * fy
        })
        .collect();
    Raster::from_ink(CANVAS, CANVAS, ink).unwrap()
}

#[test]
fn a_small_off_centre_stroke_is_centred_by_mass_and_20_pixels_tall() {
    let mut raster = Raster::new(CANVAS, CANVAS);
    // A short, slightly bent stroke in the top-left corner.
    raster.stroke(&[(30.0, 20.0), (34.0, 50.0), (44.0, 80.0)], 3.0);
    let image = probe::to_mnist(&raster).unwrap();
    assert_centred(&image);
    let (_, (top, bottom)) = extent(&image);
    assert_eq!(bottom - top + 1, 20);
    assert_in_range(&image);
}

#[test]
fn aspect_ratio_is_kept() {
    // A filled 100 x 50 block becomes 20 x 10.
    let ink = (0..CANVAS * CANVAS)
        .map(|i| if (60..160).contains(&(i % CANVAS)) && (100..150).contains(&(i / CANVAS)) { 1.0 } else { 0.0 })
        .collect();
    let image = probe::to_mnist(&Raster::from_ink(CANVAS, CANVAS, ink).unwrap()).unwrap();
    let ((left, right), (top, bottom)) = extent(&image);
    assert_eq!((right - left + 1, bottom - top + 1), (20, 10));
    // A solid block stays solid: box filtering an exact 5:1 reduction of ones gives ones.
    assert!(image.iter().filter(|&&v| v > 0.0).all(|&v| (v - 1.0).abs() < 1e-5));
    assert_centred(&image);

    // A drawn ellipse twice as tall as wide stays about twice as tall.
    let mut raster = Raster::new(CANVAS, CANVAS);
    raster.stroke(&circle(140.0, 140.0, 40.0, 80.0), 6.0);
    let image = probe::to_mnist(&raster).unwrap();
    let ((left, right), (top, bottom)) = extent(&image);
    let (w, h) = (right - left + 1, bottom - top + 1);
    assert_eq!(h, 20);
    assert!((10..=12).contains(&w), "ellipse width {w}");
}

#[test]
fn empty_or_nearly_empty_drawings_give_none() {
    assert!(probe::to_mnist(&Raster::new(CANVAS, CANVAS)).is_none());
    // Faint dust below the ink floor everywhere.
    let dust = Raster::from_ink(CANVAS, CANVAS, vec![probe::INK_FLOOR * 0.5; CANVAS * CANVAS]).unwrap();
    assert!(probe::to_mnist(&dust).is_none());
    // Half a pixel's worth of ink.
    let mut speck = vec![0.0; CANVAS * CANVAS];
    speck[CANVAS * 100 + 100] = 0.5;
    assert!(probe::to_mnist(&Raster::from_ink(CANVAS, CANVAS, speck).unwrap()).is_none());
    // Cleared after drawing.
    let mut raster = Raster::new(CANVAS, CANVAS);
    raster.stroke(&[(100.0, 100.0), (120.0, 200.0)], 8.0);
    assert!(probe::to_mnist(&raster).is_some());
    raster.clear();
    assert!(probe::to_mnist(&raster).is_none());
}

#[test]
fn a_one_pixel_vertical_line_becomes_a_thin_20_pixel_stroke() {
    let mut ink = vec![0.0; CANVAS * CANVAS];
    for y in 40..240 {
        ink[y * CANVAS + 200] = 1.0;
    }
    let image = probe::to_mnist(&Raster::from_ink(CANVAS, CANVAS, ink).unwrap()).unwrap();
    let ((left, right), (top, bottom)) = extent(&image);
    assert_eq!(bottom - top + 1, 20);
    assert!(right - left < 2, "{left}..{right}");
    assert_centred(&image);
    assert_in_range(&image);
    // A single inked pixel is a dot, not a crash.
    let mut dot = vec![0.0; 9];
    dot[4] = 1.0;
    let image = probe::to_mnist(&Raster::from_ink(3, 3, dot).unwrap()).unwrap();
    assert_centred(&image);
}

#[test]
fn values_stay_in_range_for_random_scribbles_and_bad_input() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    for _ in 0..50 {
        let mut raster = Raster::new(CANVAS, CANVAS);
        let points: Vec<(f32, f32)> =
            (0..rng.gen_range(1..12)).map(|_| (rng.gen_range(-50.0..330.0), rng.gen_range(-50.0..330.0))).collect();
        raster.stroke(&points, rng.gen_range(0.0..20.0));
        assert!(raster.ink().iter().all(|v| (0.0..=1.0).contains(v)));
        if let Some(image) = probe::to_mnist(&raster) {
            assert_in_range(&image);
            // Strokes reaching past the canvas are still framed; centring may only
            // fail where the 20-pixel box must be clipped, which a scribble can need.
            assert!(image.iter().sum::<f32>() > 0.0);
        }
    }
    // Not-a-number, negative and too-large values are cleaned, not propagated.
    let mut ink = vec![f32::NAN; 28 * 28];
    ink[10 * 28 + 10] = 7.0;
    ink[10 * 28 + 11] = f32::INFINITY;
    ink[11 * 28 + 10] = -3.0;
    ink[12 * 28 + 10] = 1.0;
    let image = probe::to_mnist(&Raster::from_ink(28, 28, ink).unwrap()).unwrap();
    assert_in_range(&image);
}

#[test]
fn the_page_raster_is_checked() {
    assert_eq!(Raster::from_ink(3, 3, vec![0.0; 8]), Err(ProbeError::SizeMismatch { width: 3, height: 3, found: 8 }));
    assert_eq!(Raster::from_ink(0, 3, vec![]), Err(ProbeError::ZeroSize));
    assert!(matches!(Raster::from_ink(usize::MAX, 2, vec![]), Err(ProbeError::TooLarge { .. })));
}

#[test]
fn the_brush_is_round_with_soft_edges() {
    let mut raster = Raster::new(40, 40);
    raster.stroke(&[(20.0, 20.0)], 5.0);
    assert_eq!(raster.get(19, 19), 1.0);
    assert_eq!(raster.get(0, 0), 0.0);
    // Round: the corner of the brush's bounding square stays blank.
    assert_eq!(raster.get(15, 15), 0.0);
    assert!(raster.get(24, 19) > 0.9);
    // Some pixels on the rim are partly inked.
    let soft = raster.ink().iter().filter(|&&v| v > 0.0 && v < 1.0).count();
    assert!(soft >= 8, "{soft} soft pixels");
    // Area close to a disc of radius 5 (25 pi), give or take the soft rim.
    let area = raster.total_ink();
    assert!((area - 25.0 * std::f32::consts::PI).abs() < 8.0, "area {area}");
    // Strokes that leave the canvas, or hold non-numbers, do not panic.
    raster.stroke(&[(-1e30, 5.0), (f32::NAN, 1.0), (1e30, 1e30), (10.0, 10.0)], f32::INFINITY);
    raster.stroke(&[], 3.0);
}

#[test]
fn canvas_resolution_does_not_matter() {
    let path = [(120.0, 60.0), (150.0, 70.0), (130.0, 140.0), (110.0, 220.0)];
    let mut small = Raster::new(CANVAS, CANVAS);
    small.stroke(&path, 8.0);
    // The same drawing on a 2x device-pixel canvas.
    let mut large = Raster::new(2 * CANVAS, 2 * CANVAS);
    large.stroke(&path.map(|(x, y)| (2.0 * x, 2.0 * y)), 16.0);
    let (a, b) = (probe::to_mnist(&small).unwrap(), probe::to_mnist(&large).unwrap());
    let mean_diff = a.iter().zip(&b).map(|(p, q)| (p - q).abs()).sum::<f32>() / IMAGE_PIXELS as f32;
    assert!(mean_diff < 0.02, "mean difference {mean_diff}");
}

/// Mean and worst (per image) mean absolute difference between MNIST test
/// digits and themselves after upscaling to the canvas and preprocessing.
fn round_trip_difference(upscale: fn(&[u8]) -> Raster) -> (f32, f32) {
    let (images, _) = mnist_test();
    let count = 1000;
    let (mut total, mut worst) = (0.0f32, 0.0f32);
    for index in 0..count {
        let original = images.image(index).unwrap();
        let image = probe::to_mnist(&upscale(original)).unwrap();
        let diff = original.iter().zip(&image).map(|(&p, &q)| (f32::from(p) / 255.0 - q).abs()).sum::<f32>()
            / IMAGE_PIXELS as f32;
        worst = worst.max(diff);
        total += diff;
    }
    (total / count as f32, worst)
}

/// Mean absolute difference between MNIST digits and themselves moved one pixel right.
fn one_pixel_shift_difference() -> f32 {
    let (images, _) = mnist_test();
    let count = 1000;
    let mut total = 0.0f32;
    for index in 0..count {
        let image = images.image(index).unwrap();
        let moved = |i: usize| if i.is_multiple_of(IMAGE_SIDE) { 0 } else { image[i - 1] };
        total += (0..IMAGE_PIXELS).map(|i| (f32::from(image[i]) - f32::from(moved(i))).abs() / 255.0).sum::<f32>()
            / IMAGE_PIXELS as f32;
    }
    total / count as f32
}

#[test]
fn mnist_digits_keep_their_framing() {
    // Blocky upscaling: the 20-pixel box and the mass centre are exactly MNIST's,
    // so only a different framing rule (box size, centring, rounding) shows up.
    let (mean, worst) = round_trip_difference(upscaled);
    println!("MNIST round trip (10x blocks): mean abs difference {mean:.5}, worst image {worst:.5}");
    assert!(mean < 0.005, "mean abs difference {mean}");
    assert!(worst < 0.05, "worst image differs by {worst}");

    // Smooth upscaling, closer to a drawn stroke: the soft rim widens the inked
    // box a little (the digit shrinks by about a twentieth) and box-averaging a
    // bilinear image does not give the original back. It must still be nearer
    // the original than the original moved by a single pixel.
    let (mean, worst) = round_trip_difference(upscaled_smooth);
    let shifted = one_pixel_shift_difference();
    println!(
        "MNIST round trip (bilinear): mean abs difference {mean:.5}, worst image {worst:.5}; one-pixel shift: {shifted:.5}"
    );
    assert!(mean < shifted, "mean abs difference {mean}, one-pixel shift {shifted}");
}

/// Mean image of each digit over the MNIST test set, and the digit whose mean is nearest.
fn nearest_mean_digit(image: &MnistImage) -> u8 {
    let (images, labels) = mnist_test();
    let mut means = vec![[0.0f32; IMAGE_PIXELS]; 10];
    let mut counts = [0usize; 10];
    for (index, &label) in labels.iter().enumerate() {
        counts[label as usize] += 1;
        for (m, &p) in means[label as usize].iter_mut().zip(images.image(index).unwrap()) {
            *m += f32::from(p) / 255.0;
        }
    }
    let distance =
        |digit: usize| means[digit].iter().zip(image).map(|(m, p)| (m / counts[digit] as f32 - p).powi(2)).sum::<f32>();
    (0..10).min_by(|&a, &b| distance(a).total_cmp(&distance(b))).unwrap() as u8
}

#[test]
fn a_vertical_stroke_looks_like_a_1_and_a_circle_like_a_0() {
    // The host twin of the browser test, with MNIST's class means standing in
    // for the trained network: the framing must land where MNIST digits are.
    let mut stroke = Raster::new(CANVAS, CANVAS);
    stroke.stroke(&[(150.0, 50.0), (145.0, 230.0)], 9.0);
    assert_eq!(nearest_mean_digit(&probe::to_mnist(&stroke).unwrap()), 1);

    let mut ring = Raster::new(CANVAS, CANVAS);
    ring.stroke(&circle(140.0, 140.0, 60.0, 90.0), 9.0);
    assert_eq!(nearest_mean_digit(&probe::to_mnist(&ring).unwrap()), 0);
}
