//! Step 4, stacking bands: at each node, outgoing bands are stacked by target
//! position then class, incoming bands by source position then class, so
//! parallel bands never cross each other.

use std::collections::BTreeMap;

use super::band::FlowBand;
use super::counting::BandKey;
use super::placement::PlacedNodes;

/// Bands of `images_per_band`, sorted by (column, source position, target
/// position, class), with their ends stacked on the placed nodes.
/// `positions[column][node]` is the node's position in its column (0 = top).
pub(super) fn stack_bands(
    mut images_per_band: BTreeMap<BandKey, Vec<usize>>,
    positions: &[Vec<usize>],
    placed: &PlacedNodes,
) -> Vec<FlowBand> {
    let position = |column: usize, node: usize| positions.get(column).and_then(|p| p.get(node)).copied().unwrap_or(0);
    let mut keys: Vec<BandKey> = images_per_band.keys().copied().collect();
    keys.sort_by_key(|&(column, from, to, class)| (column, position(column, from), position(column + 1, to), class));

    let mut bands: Vec<FlowBand> = Vec::with_capacity(keys.len());
    for &(column, from, to, class) in &keys {
        let images = images_per_band.remove(&(column, from, to, class)).unwrap_or_default();
        let (Some(source), Some(target)) = (placed.get(column, from), placed.get(column + 1, to)) else {
            continue;
        };
        bands.push(FlowBand {
            column,
            from,
            to,
            class,
            count: images.len(),
            images,
            x0: source.x1,
            x1: target.x0,
            from_y0: 0.0,
            from_y1: 0.0,
            to_y0: 0.0,
            to_y1: 0.0,
        });
    }

    // Outgoing ends: the bands are already in target order at each source.
    let px_per_image = placed.px_per_image;
    let mut next_y: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    for band in bands.iter_mut() {
        let top = placed.get(band.column, band.from).map_or(0.0, |n| n.y0);
        let y = next_y.entry((band.column, band.from)).or_insert(top);
        band.from_y0 = *y;
        band.from_y1 = *y + band.count as f64 * px_per_image;
        *y = band.from_y1;
    }

    // Incoming ends, by (source position, class) at each target.
    let mut incoming: Vec<usize> = (0..bands.len()).collect();
    incoming.sort_by_key(|&i| {
        bands.get(i).map(|b| (b.column, position(b.column + 1, b.to), position(b.column, b.from), b.class))
    });
    let mut next_y: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    for i in incoming {
        let Some(band) = bands.get(i) else { continue };
        let (target_column, to, count) = (band.column + 1, band.to, band.count);
        let top = placed.get(target_column, to).map_or(0.0, |n| n.y0);
        let y = next_y.entry((target_column, to)).or_insert(top);
        let y0 = *y;
        *y += count as f64 * px_per_image;
        if let Some(band) = bands.get_mut(i) {
            band.to_y0 = y0;
            band.to_y1 = y0 + count as f64 * px_per_image;
        }
    }
    bands
}
