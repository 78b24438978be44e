//! The seed's data preparation: class subsets, images per class, one-hot.

use sigpath::core::data::idx::{IMAGE_PIXELS, Images};
use sigpath::core::data::{ClassSet, DataError, LabeledImages, Subset};

/// 10 images per label 0..5, pixel value = image index (mod 256).
fn split() -> LabeledImages {
    let labels: Vec<u8> = (0..50).map(|i| (i % 5) as u8).collect();
    let pixels = (0..50).flat_map(|i| std::iter::repeat_n(i as u8, IMAGE_PIXELS)).collect();
    LabeledImages::new(Images { count: 50, pixels }, labels, 10).unwrap()
}

#[test]
fn one_hot_follows_the_sorted_kept_classes() {
    let classes = ClassSet::new(&[7, 1, 3], 10).unwrap();
    assert_eq!(classes.values(), &[1, 3, 7]);
    assert_eq!(classes.one_hot(1).unwrap(), vec![1.0, 0.0, 0.0]);
    assert_eq!(classes.one_hot(3).unwrap(), vec![0.0, 1.0, 0.0]);
    assert_eq!(classes.one_hot(7).unwrap(), vec![0.0, 0.0, 1.0]);
    assert!(classes.one_hot(2).is_none());
}

#[test]
fn fewer_than_two_classes_or_unknown_classes_are_refused() {
    assert_eq!(ClassSet::new(&[4, 4], 10).unwrap_err(), DataError::TooFewClasses(1));
    assert_eq!(ClassSet::new(&[], 10).unwrap_err(), DataError::TooFewClasses(0));
    assert_eq!(ClassSet::new(&[1, 10], 10).unwrap_err(), DataError::UnknownClass(10));
}

#[test]
fn subset_keeps_only_the_chosen_classes_and_counts() {
    let classes = ClassSet::new(&[3, 0], 10).unwrap();
    let subset = Subset::new(&split(), &classes, Some(4), 42, "training").unwrap();
    assert_eq!(subset.counts_per_class(), vec![4, 4]);
    assert!(subset.data.labels.iter().all(|&l| l == 0 || l == 3));
    for (label, target) in subset.data.labels.iter().zip(&subset.targets) {
        assert_eq!(classes.value_at(*target), Some(*label));
    }
}

#[test]
fn all_images_are_kept_without_a_limit_or_with_a_large_one() {
    let classes = ClassSet::new(&[1, 2], 10).unwrap();
    let all = Subset::new(&split(), &classes, None, 1, "training").unwrap();
    assert_eq!(all.counts_per_class(), vec![10, 10]);
    let capped = Subset::new(&split(), &classes, Some(1000), 1, "training").unwrap();
    assert_eq!(capped.data, all.data);
}

#[test]
fn the_choice_is_deterministic_for_a_seed_and_changes_with_it() {
    let classes = ClassSet::new(&[0, 1, 2], 10).unwrap();
    let a = Subset::new(&split(), &classes, Some(3), 7, "training").unwrap();
    let b = Subset::new(&split(), &classes, Some(3), 7, "training").unwrap();
    assert_eq!(a.data, b.data);
    let differs =
        (8..40).any(|seed| Subset::new(&split(), &classes, Some(3), seed, "training").unwrap().data != a.data);
    assert!(differs, "every seed picked the same images");
}

#[test]
fn pixels_are_scaled_to_unit_range_and_flattened() {
    let classes = ClassSet::new(&[0, 1], 10).unwrap();
    let subset = Subset::new(&split(), &classes, None, 0, "training").unwrap();
    let x = subset.pixels_f32(&[0, 1]);
    assert_eq!(x.len(), 2 * IMAGE_PIXELS);
    // Image 0 of the split has pixel value 0; the second kept image is split index 1 (label 1).
    assert_eq!(x[0], 0.0);
    assert!((x[IMAGE_PIXELS] - 1.0 / 255.0).abs() < 1e-7);
    assert!(x.iter().all(|v| (0.0..=1.0).contains(v)));
    assert_eq!(subset.one_hot(&[0, 1]), vec![1.0, 0.0, 0.0, 1.0]);
}

#[test]
fn a_class_without_images_and_zero_per_class_are_refused() {
    let classes = ClassSet::new(&[0, 9], 10).unwrap();
    let err = Subset::new(&split(), &classes, None, 0, "test").unwrap_err();
    assert_eq!(err, DataError::EmptyClass { class: 9, split: "test" });
    let classes = ClassSet::new(&[0, 1], 10).unwrap();
    assert_eq!(Subset::new(&split(), &classes, Some(0), 0, "test").unwrap_err(), DataError::ZeroPerClass);
}
