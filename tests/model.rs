//! The network: shapes of every layer for both architectures, seeded
//! initialisation, weights through bytes and across devices.

use burn::prelude::*;
use futures_lite::future::block_on;
use sigpath::core::config::{Arch, ExperimentConfig};
use sigpath::core::model::{ModelError, Network, layer_plan};

fn config(arch: Arch, hidden: &[usize], seed: u64) -> ExperimentConfig {
    ExperimentConfig { arch, hidden: hidden.to_vec(), seed, ..ExperimentConfig::default() }
}

/// `batch` images of a fixed, varied pattern in [0, 1].
fn images(batch: usize, device: &Device) -> Tensor<2> {
    let pixels: Vec<f32> = (0..batch * 784).map(|i| ((i * 37 + i / 784 * 11) % 256) as f32 / 255.0).collect();
    Tensor::from_data(TensorData::new(pixels, [batch, 784]), device)
}

fn values(tensor: Tensor<2>) -> Vec<f32> {
    block_on(tensor.into_data_async()).unwrap().iter::<f32>().collect()
}

fn check_shapes(arch: Arch, hidden: &[usize], classes: usize, expected: &[(&str, usize)]) {
    let device = Device::flex();
    let config = config(arch, hidden, 7);
    let network = Network::new(&config, classes, &device).unwrap();
    let layers = network.layers();
    let found: Vec<(&str, usize)> = layers.iter().map(|l| (l.name.as_str(), l.width)).collect();
    assert_eq!(found, expected);
    assert_eq!(layer_plan(&config), layers, "the plan must match the built network");
    assert_eq!(network.classes(), classes);
    assert_eq!(network.arch(), arch);

    let batch = 3;
    let output = network.forward(images(batch, &device));
    assert_eq!(output.hidden.len(), expected.len());
    for (hidden, (name, width)) in output.hidden.into_iter().zip(expected) {
        assert_eq!(hidden.dims(), [batch, *width], "layer {name}");
        let values = values(hidden);
        assert!(values.iter().all(|v| *v >= 0.0 && v.is_finite()), "layer {name} is post-ReLU");
        assert!(values.iter().any(|v| *v > 0.0), "layer {name} is not dead");
    }
    assert_eq!(output.logits.dims(), [batch, classes]);
}

#[test]
fn dense_default_layers_have_the_configured_widths() {
    check_shapes(Arch::Mlp, &[32, 64], 10, &[("h1", 32), ("h2", 64)]);
}

#[test]
fn dense_other_sizes_and_class_counts() {
    check_shapes(Arch::Mlp, &[7, 3, 11], 3, &[("h1", 7), ("h2", 3), ("h3", 11)]);
    check_shapes(Arch::Mlp, &[5], 2, &[("h1", 5)]);
}

#[test]
fn cnn_blocks_are_784_392_then_the_last_hidden_width() {
    check_shapes(Arch::Cnn, &[32, 64], 10, &[("conv1", 784), ("conv2", 392), ("fc", 64)]);
    check_shapes(Arch::Cnn, &[12], 4, &[("conv1", 784), ("conv2", 392), ("fc", 12)]);
}

#[test]
fn impossible_networks_are_refused() {
    let device = Device::flex();
    assert_eq!(Network::new(&config(Arch::Mlp, &[], 1), 10, &device).unwrap_err(), ModelError::NoHiddenLayer);
    assert_eq!(Network::new(&config(Arch::Cnn, &[8, 0], 1), 10, &device).unwrap_err(), ModelError::ZeroWidth);
    assert_eq!(Network::new(&config(Arch::Mlp, &[8], 1), 1, &device).unwrap_err(), ModelError::TooFewClasses(1));
}

#[test]
fn initialisation_follows_the_seed() {
    let device = Device::flex();
    for arch in [Arch::Mlp, Arch::Cnn] {
        // Built in turn and compared through their outputs (saved files also hold random parameter ids).
        let outputs = |seed| {
            let network = Network::new(&config(arch, &[16, 8], seed), 10, &device).unwrap();
            let output = network.forward(images(2, &device));
            let mut all = values(output.logits);
            output.hidden.into_iter().for_each(|h| all.extend(values(h)));
            all
        };
        assert!(outputs(3) == outputs(3), "{arch:?}: same seed, same weights");
        assert!(outputs(3) != outputs(4), "{arch:?}: another seed, other weights");
    }
}

#[test]
fn weights_round_trip_through_bytes() {
    let device = Device::flex();
    for (arch, hidden, classes) in [(Arch::Mlp, vec![32, 64], 10), (Arch::Cnn, vec![16], 3)] {
        let original = Network::new(&config(arch, &hidden, 11), classes, &device).unwrap();
        let bytes = block_on(original.to_bytes()).unwrap();
        // Built from another seed, so only the loaded weights can make the outputs agree.
        let loaded = Network::from_bytes(&config(arch, &hidden, 999), classes, &bytes, &device).unwrap();
        let a = original.forward(images(4, &device));
        let b = loaded.forward(images(4, &device));
        assert!(values(a.logits) == values(b.logits), "{arch:?}");
        for (x, y) in a.hidden.into_iter().zip(b.hidden) {
            assert!(values(x) == values(y), "{arch:?}");
        }
        let other = Network::new(&config(arch, &hidden, 999), classes, &device).unwrap();
        assert!(values(other.forward(images(4, &device)).logits) != values(loaded.forward(images(4, &device)).logits));
    }
}

#[test]
fn bytes_that_do_not_fit_give_errors_not_panics() {
    let device = Device::flex();
    let mlp = config(Arch::Mlp, &[32, 64], 1);
    let bytes = block_on(Network::new(&mlp, 10, &device).unwrap().to_bytes()).unwrap();

    let garbage: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    for (what, input) in [
        ("empty", Vec::new()),
        ("garbage", garbage),
        ("truncated", bytes[..bytes.len() / 2].to_vec()),
        ("header only", bytes[..16.min(bytes.len())].to_vec()),
    ] {
        match Network::from_bytes(&mlp, 10, &input, &device) {
            Err(ModelError::CorruptWeights(_)) | Err(ModelError::WeightsMismatch(_)) => {}
            other => panic!("{what}: expected an error, got {other:?}"),
        }
    }
    // Single damaged bytes in the header and metadata: loaded or refused, never a panic.
    for at in (0..bytes.len().min(700)).step_by(7) {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x5A;
        let _ = Network::from_bytes(&mlp, 10, &damaged, &device);
    }
    // A readable file of another shape: other widths, another class count, the other architecture.
    for (what, other, classes) in [
        ("widths", config(Arch::Mlp, &[32, 65], 1), 10),
        ("layers", config(Arch::Mlp, &[32], 1), 10),
        ("classes", mlp.clone(), 9),
        ("arch", config(Arch::Cnn, &[64], 1), 10),
    ] {
        match Network::from_bytes(&other, classes, &bytes, &device) {
            Err(ModelError::WeightsMismatch(message)) => assert!(!message.is_empty()),
            other => panic!("{what}: expected WeightsMismatch, got {other:?}"),
        }
    }
}

#[test]
fn copy_to_another_device_keeps_the_outputs() {
    let device = Device::flex();
    let network = Network::new(&config(Arch::Cnn, &[10], 5), 4, &device).unwrap();
    // An autodiff device is another backend stack for burn; the copy must land there.
    let target = Device::flex().autodiff();
    let copy = block_on(network.copy_to(&target)).unwrap();
    assert!(copy.device().is_autodiff());
    let a = values(network.forward(images(2, &device)).logits);
    let b = values(copy.valid().forward(images(2, &device)).logits);
    assert!(a == b);
}
