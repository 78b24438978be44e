//! The messages between the page and the WebGPU trainer's worker: a run sent
//! as bytes arrives whole, a damaged one is refused, and weights trained on the
//! worker's side come back as the same network.

use burn::prelude::*;
use futures_lite::future::block_on;
use sigpath::core::config::{Arch, ExperimentConfig};
use sigpath::core::data::idx::{decode_images, decode_labels};
use sigpath::core::data::{ClassSet, LabeledImages, Subset};
use sigpath::core::model::{ModelError, Network};
use sigpath::core::train::remote::{RemoteError, RemoteProgress, TrainRequest, WorkerEvent, decode, encode};
use sigpath::core::train::{TrainError, Trainer};

fn mnist_test() -> LabeledImages {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/data/mnist/");
    let images = decode_images(&std::fs::read(format!("{dir}t10k-images-idx3-ubyte.gz")).unwrap()).unwrap();
    let labels = decode_labels(&std::fs::read(format!("{dir}t10k-labels-idx1-ubyte.gz")).unwrap()).unwrap();
    LabeledImages::new(images, labels, 10).unwrap()
}

fn run(classes: &[u8], per_class: usize, arch: Arch) -> (ExperimentConfig, Subset) {
    let split = mnist_test();
    let config = ExperimentConfig {
        classes: classes.to_vec(),
        per_class: Some(per_class),
        arch,
        hidden: if arch == Arch::Cnn { vec![16] } else { vec![12, 9] },
        epochs: 2,
        batch_size: 16,
        seed: 5,
        ..ExperimentConfig::default()
    };
    let subset = Subset::new(&split, &ClassSet::new(classes, 10).unwrap(), Some(per_class), 5, "test").unwrap();
    (config, subset)
}

#[test]
fn a_request_arrives_whole() {
    let (config, subset) = run(&[7, 2, 9], 20, Arch::Mlp);
    let bytes = encode(&TrainRequest::new(&config, &subset)).unwrap();
    let (got_config, got) = decode::<TrainRequest>(&bytes).unwrap().into_parts().unwrap();
    assert_eq!(got_config, config);
    assert_eq!(got.classes.values(), &[2, 7, 9]);
    assert_eq!(got.targets, subset.targets);
    assert_eq!(got.data, subset.data);
    assert_eq!(got.len(), 60);
}

#[test]
fn a_request_encoded_from_the_subset_is_the_request_itself() {
    let (config, subset) = run(&[3, 8], 40, Arch::Mlp);
    let bytes = TrainRequest::encode_from(&config, &subset).unwrap();
    assert_eq!(bytes, encode(&TrainRequest::new(&config, &subset)).unwrap());
    let (got_config, got) = decode::<TrainRequest>(&bytes).unwrap().into_parts().unwrap();
    assert_eq!(got_config, config);
    assert_eq!(got.data, subset.data);
}

#[test]
fn damaged_messages_are_refused() {
    let (config, subset) = run(&[1, 7], 5, Arch::Mlp);
    let bytes = encode(&TrainRequest::new(&config, &subset)).unwrap();
    for cut in [0, 1, bytes.len() / 2, bytes.len() - 1] {
        assert!(
            matches!(decode::<TrainRequest>(&bytes[..cut]), Err(RemoteError::Corrupt(_))),
            "{cut} of {} bytes decoded",
            bytes.len()
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(decode::<TrainRequest>(&longer), Err(RemoteError::Corrupt(m)) if m.contains("1 bytes after")));
    // A tag past the last variant.
    assert!(matches!(decode::<WorkerEvent>(&[200]), Err(RemoteError::Corrupt(_))));
}

#[test]
fn a_request_that_does_not_add_up_is_refused() {
    let (config, subset) = run(&[1, 7], 5, Arch::Mlp);
    let mut short = TrainRequest::new(&config, &subset);
    short.pixels.pop();
    assert_eq!(short.into_parts().unwrap_err(), RemoteError::PixelCount { pixels: 10 * 784 - 1, labels: 10 });

    let mut stranger = TrainRequest::new(&config, &subset);
    stranger.labels[3] = 4;
    assert_eq!(stranger.into_parts().unwrap_err(), RemoteError::UnknownLabel(4));

    let mut one_class = TrainRequest::new(&config, &subset);
    one_class.classes = vec![1];
    assert!(matches!(one_class.into_parts(), Err(RemoteError::Classes(_))));

    let mut no_such_class = TrainRequest::new(&config, &subset);
    no_such_class.classes = vec![1, 7, 12];
    assert!(matches!(no_such_class.into_parts(), Err(RemoteError::Classes(_))));
}

/// What the worker does, on the CPU: train from the request's bytes, send
/// every reading and then the weights; the page rebuilds the network from
/// the events' bytes alone.
fn through_the_worker(arch: Arch) {
    let (config, subset) = run(&[0, 3, 8], 16, arch);
    let request = encode(&TrainRequest::new(&config, &subset)).unwrap();

    let (config_there, subset_there) = decode::<TrainRequest>(&request).unwrap().into_parts().unwrap();
    let mut trainer = Trainer::new(&config_there, &subset_there, &Device::flex()).unwrap();
    let mut sent = vec![encode(&WorkerEvent::Started).unwrap()];
    while !trainer.is_finished() {
        let step = trainer.step(&subset_there).unwrap();
        if step.step_in_epoch % 2 == 1 || step.finished {
            let reading = block_on(trainer.read_progress()).unwrap();
            let progress = RemoteProgress {
                reading,
                epoch: trainer.epoch(),
                step_in_epoch: trainer.step_in_epoch(),
                finished: step.finished,
            };
            sent.push(encode(&WorkerEvent::Progress(progress)).unwrap());
        }
    }
    let trained = trainer.model().unwrap();
    sent.push(encode(&WorkerEvent::Trained { weights: block_on(trained.to_bytes()).unwrap() }).unwrap());

    let events: Vec<WorkerEvent> = sent.iter().map(|bytes| decode(bytes).unwrap()).collect();
    let epochs: Vec<usize> = events
        .iter()
        .filter_map(|e| match e {
            WorkerEvent::Progress(p) => Some(p.reading.finished_epochs.iter().map(|f| f.epoch).collect::<Vec<_>>()),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(epochs, vec![0, 1], "each epoch is reported finished once");
    let Some(WorkerEvent::Progress(last)) = events.iter().rev().nth(1) else {
        panic!("no progress before the weights")
    };
    assert!(last.finished && last.reading.steps_done == last.reading.total_steps);
    let Some(WorkerEvent::Trained { weights }) = events.last() else { panic!("no weights") };

    let here = Network::from_bytes(&config, subset.classes.len(), weights, &Device::flex()).unwrap();
    let rows: Vec<usize> = (0..subset.len()).collect();
    let images =
        || Tensor::<2>::from_data(TensorData::new(subset.pixels_f32(&rows), [rows.len(), 784]), &Device::flex());
    let read = |network: &Network| -> Vec<f32> {
        block_on(network.forward(images()).logits.into_data_async()).unwrap().iter::<f32>().collect()
    };
    let (there, here) = (read(&trained), read(&here));
    assert_eq!(there.len(), 48 * 3);
    assert!(there.iter().zip(&here).all(|(a, b)| a == b), "the rebuilt network answers differently");
}

#[test]
fn a_dense_network_trained_there_answers_the_same_here() {
    through_the_worker(Arch::Mlp);
}

#[test]
fn a_cnn_trained_there_answers_the_same_here() {
    through_the_worker(Arch::Cnn);
}

#[test]
fn device_faults_offer_the_cpu_and_run_faults_do_not() {
    let device = WorkerEvent::failed(&TrainError::Readback("lost".into()));
    assert_eq!(
        device,
        WorkerEvent::Failed { message: "reading results back from the device failed: lost".into(), gpu: true }
    );
    let model = WorkerEvent::failed(&TrainError::Model(ModelError::Readback("gone".into())));
    assert!(matches!(model, WorkerEvent::Failed { gpu: true, .. }));
    let diverged = WorkerEvent::failed(&TrainError::Diverged { epoch: 2 });
    assert!(
        matches!(&diverged, WorkerEvent::Failed { gpu: false, message } if message.contains("lower learning rate"))
    );
    for event in [device, model, diverged, WorkerEvent::Ready, WorkerEvent::NoGpu { reason: "no adapter".into() }] {
        assert_eq!(decode::<WorkerEvent>(&encode(&event).unwrap()).unwrap(), event);
    }
}
