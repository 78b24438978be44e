//! Linear centred kernel alignment (CKA; Kornblith et al., ICML 2019) between
//! the layers of a run, or between the layers of two runs on the same images.
//!
//! For signatures X `[n, p]` and Y `[n, q]` of the same n images, centred
//! column-wise, CKA = ‖YᵀX‖²_F / (‖XᵀX‖_F · ‖YᵀY‖_F): 1 when the two layers
//! are the same up to a rotation and a uniform scale, near 0 when unrelated.
//! This is the feature-space form: its products are p×q, not n×n, which is
//! what makes 10,000 images affordable. Everything is summed in f64.
//!
//! [`CkaJob`] does the work a bounded amount at a time, so the page can yield
//! between steps: each layer's ‖XᵀX‖_F once, then one YᵀX product per pair,
//! each accumulated over blocks of rows. A layer with no variance (constant,
//! e.g. all dead ReLUs) has an undefined CKA with everything: `None`.

mod layer;

use ndarray::{Array2, ArrayView2, CowArray};
use serde::{Deserialize, Serialize};

use super::errors::AnalysisError;
use super::kernels::checked_standard;
use layer::{Layer, add_pair_products, add_self_products, cka_from, self_squared_norm, self_work_per_row};

/// Multiply-adds per [`CkaJob::step`]: about 10-30 ms in the page.
pub const DEFAULT_WORK_PER_STEP: u64 = 30_000_000;

/// Rows per product block: big enough for gemm to run at speed, small enough
/// that a 784-wide block of f64 stays at about 3 MB.
const MAX_BLOCK_ROWS: usize = 512;
/// Fewer rows per block only wastes calls, whatever the budget left.
const MIN_BLOCK_ROWS: usize = 32;

/// CKA between every row layer and every column layer (`None` = undefined).
/// Serialised as `{ "layers": [...], "matrix": [[...]] }` (null for undefined),
/// plus `"columns"` for a matrix between two runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CkaMatrix {
    /// Names of the rows (this run's layers).
    pub layers: Vec<String>,
    /// Names of the columns when they are another run's layers; `None` when
    /// the matrix is square over `layers` (and symmetric).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<String>>,
    /// `matrix[row][col]`.
    pub matrix: Vec<Vec<Option<f64>>>,
}

impl CkaMatrix {
    /// Names of the columns (`layers` for a square matrix).
    pub fn column_names(&self) -> &[String] {
        self.columns.as_deref().unwrap_or(&self.layers)
    }

    pub fn get(&self, row: usize, col: usize) -> Option<f64> {
        self.matrix.get(row)?.get(col).copied().flatten()
    }
}

/// Linear CKA of one pair of layers over the same images (rows).
pub fn linear_cka(x: ArrayView2<f32>, y: ArrayView2<f32>) -> Result<Option<f64>, AnalysisError> {
    // Re-borrowed so both views share one lifetime (views are invariant in it).
    let job = CkaJob::cross_views(vec![(String::from("x"), x.view())], vec![(String::from("y"), y.view())])?;
    Ok(job.finish().get(0, 0))
}

/// CKA between every pair of `layers`, in one call.
pub fn cka_matrix(layers: &[(&str, ArrayView2<f32>)]) -> Result<CkaMatrix, AnalysisError> {
    Ok(CkaJob::from_views(named(layers))?.finish())
}

/// CKA between each of `rows` and each of `cols` (two runs, same images).
pub fn cka_cross_matrix(
    rows: &[(&str, ArrayView2<f32>)],
    cols: &[(&str, ArrayView2<f32>)],
) -> Result<CkaMatrix, AnalysisError> {
    Ok(CkaJob::cross_views(named(rows), named(cols))?.finish())
}

/// Owned names and views re-borrowed for as long as `layers` (so two lists
/// of views with different lifetimes can go in one job).
fn named<'s>(layers: &'s [(&str, ArrayView2<f32>)]) -> Vec<(String, ArrayView2<'s, f32>)> {
    layers.iter().map(|(name, data)| (name.to_string(), data.view())).collect()
}

/// A product being summed over blocks of rows.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Task {
    /// ‖XᵀX‖²_F of one layer (index into `layers`).
    SelfProduct(usize),
    /// ‖YᵀX‖²_F of an output cell.
    Pair { row: usize, col: usize },
}

/// The CKA matrix computed a bounded piece at a time (owns or borrows its
/// layers; `CkaJob<'static>` can live across the page's awaits).
#[derive(Debug, Clone)]
pub struct CkaJob<'a> {
    layers: Vec<Layer<'a>>,
    /// Indices into `layers` of the matrix's rows and columns.
    row_layers: Vec<usize>,
    col_layers: Vec<usize>,
    /// Rows and columns are the same layers: only pairs above the diagonal
    /// are computed, the diagonal is 1 wherever defined.
    symmetric: bool,
    tasks: Vec<Task>,
    next_task: usize,
    /// Sums of the current task so far, and the first row not yet in them.
    partial: Option<(Vec<f64>, usize)>,
    /// ‖XᵀX‖²_F per layer, once summed.
    self_products: Vec<Option<f64>>,
    /// ‖YᵀX‖²_F per output cell (row-major), once summed.
    cross_products: Vec<Option<f64>>,
    work_per_step: u64,
    work_done: u64,
    work_total: u64,
    /// Centred row blocks, reused from block to block.
    x_block: Vec<f64>,
    y_block: Vec<f64>,
}

impl CkaJob<'static> {
    /// CKA between every pair of one run's layers `(name, [images, width])`;
    /// every layer must hold the same images, in the same order.
    pub fn new(layers: Vec<(String, Array2<f32>)>) -> Result<Self, AnalysisError> {
        let layers = layers.into_iter().map(owned).collect::<Result<Vec<_>, _>>()?;
        Self::plan(layers, None)
    }

    /// CKA between each of this run's layers (rows) and each of another's
    /// (columns), over the same images.
    pub fn cross(rows: Vec<(String, Array2<f32>)>, cols: Vec<(String, Array2<f32>)>) -> Result<Self, AnalysisError> {
        let mut layers = rows.into_iter().map(owned).collect::<Result<Vec<_>, _>>()?;
        let n_rows = layers.len();
        for layer in cols {
            layers.push(owned(layer)?);
        }
        Self::plan(layers, Some(n_rows))
    }
}

impl<'a> CkaJob<'a> {
    /// [`CkaJob::new`] on borrowed signatures (no copy when row-major).
    pub fn from_views(layers: Vec<(String, ArrayView2<'a, f32>)>) -> Result<Self, AnalysisError> {
        let layers = layers.into_iter().map(viewed).collect::<Result<Vec<_>, _>>()?;
        Self::plan(layers, None)
    }

    /// [`CkaJob::cross`] on borrowed signatures.
    pub fn cross_views(
        rows: Vec<(String, ArrayView2<'a, f32>)>,
        cols: Vec<(String, ArrayView2<'a, f32>)>,
    ) -> Result<Self, AnalysisError> {
        let mut layers = rows.into_iter().map(viewed).collect::<Result<Vec<_>, _>>()?;
        let n_rows = layers.len();
        for layer in cols {
            layers.push(viewed(layer)?);
        }
        Self::plan(layers, Some(n_rows))
    }

    /// `cross_rows`: `None` for one run's square matrix, or how many of
    /// `layers` are rows (the rest are columns).
    fn plan(layers: Vec<Layer<'a>>, cross_rows: Option<usize>) -> Result<Self, AnalysisError> {
        if let Some(first) = layers.first()
            && let Some(other) = layers.iter().find(|l| l.rows() != first.rows())
        {
            return Err(AnalysisError::ImageCountMismatch {
                layer: other.name.clone(),
                expected: first.rows(),
                found: other.rows(),
            });
        }
        let n = layers.first().map_or(0, Layer::rows) as u64;
        let (row_layers, col_layers): (Vec<usize>, Vec<usize>) = match cross_rows {
            None => ((0..layers.len()).collect(), (0..layers.len()).collect()),
            Some(r) => ((0..r).collect(), (r..layers.len()).collect()),
        };
        let symmetric = cross_rows.is_none();
        let mut tasks: Vec<Task> = (0..layers.len()).map(Task::SelfProduct).collect();
        for row in 0..row_layers.len() {
            let first_col = if symmetric { row + 1 } else { 0 };
            tasks.extend((first_col..col_layers.len()).map(|col| Task::Pair { row, col }));
        }
        let mut job = CkaJob {
            self_products: vec![None; layers.len()],
            cross_products: vec![None; row_layers.len() * col_layers.len()],
            layers,
            row_layers,
            col_layers,
            symmetric,
            tasks,
            next_task: 0,
            partial: None,
            work_per_step: DEFAULT_WORK_PER_STEP,
            work_done: 0,
            work_total: 0,
            x_block: Vec::new(),
            y_block: Vec::new(),
        };
        job.work_total = job.tasks.iter().map(|&t| n * job.work_per_row(t)).sum();
        Ok(job)
    }

    /// Multiply-adds per [`Self::step`] (at least one block of rows is always
    /// done).
    pub fn with_work_per_step(mut self, work: u64) -> Self {
        self.work_per_step = work.max(1);
        self
    }

    /// Share of the work done, in [0, 1].
    pub fn progress(&self) -> f64 {
        if self.work_total == 0 { 1.0 } else { (self.work_done as f64 / self.work_total as f64).min(1.0) }
    }

    pub fn is_done(&self) -> bool {
        self.next_task >= self.tasks.len()
    }

    /// About `work_per_step` multiply-adds more; `true` once everything is
    /// computed (then call [`Self::finish`]).
    pub fn step(&mut self) -> bool {
        let mut spent = 0u64;
        while !self.is_done() && spent < self.work_per_step {
            spent += self.advance(self.work_per_step - spent);
        }
        self.is_done()
    }

    /// Everything left, then the matrix.
    pub fn finish(mut self) -> CkaMatrix {
        while !self.step() {}
        let self_product = |layer: usize| self.self_products.get(layer).copied().flatten();
        let cols = self.col_layers.len();
        let matrix = (0..self.row_layers.len())
            .map(|r| {
                (0..cols)
                    .map(|c| {
                        let (x, y) = (self.row_layers.get(r).copied()?, self.col_layers.get(c).copied()?);
                        if self.symmetric && x == y {
                            return self_product(x).filter(|&s| s > 0.0).map(|_| 1.0);
                        }
                        cka_from(self.cross_products.get(r * cols + c).copied()??, self_product(x)?, self_product(y)?)
                    })
                    .collect()
            })
            .collect();
        let name = |&i: &usize| self.layers.get(i).map(|l| l.name.clone()).unwrap_or_default();
        CkaMatrix {
            layers: self.row_layers.iter().map(name).collect(),
            columns: (!self.symmetric).then(|| self.col_layers.iter().map(name).collect()),
            matrix,
        }
    }

    /// Indices into `layers` of a task's two operands (the same one twice
    /// for a self product).
    fn operands(&self, task: Task) -> Option<(usize, usize)> {
        match task {
            Task::SelfProduct(l) => Some((l, l)),
            Task::Pair { row, col } => Some((*self.row_layers.get(row)?, *self.col_layers.get(col)?)),
        }
    }

    fn width(&self, layer: usize) -> usize {
        self.layers.get(layer).map_or(0, Layer::width)
    }

    /// Work of one row of a task: multiply-adds plus the values centred.
    fn work_per_row(&self, task: Task) -> u64 {
        match (task, self.operands(task)) {
            (Task::SelfProduct(_), Some((x, _))) => self_work_per_row(self.width(x)) + self.width(x) as u64,
            (Task::Pair { .. }, Some((x, y))) => {
                let (wx, wy) = (self.width(x), self.width(y));
                (wx * wy + wx + wy) as u64
            }
            (_, None) => 0,
        }
    }

    /// Whether a layer's self product is known to be zero (no variance).
    fn is_constant(&self, layer: usize) -> bool {
        self.self_products.get(layer).copied().flatten().is_some_and(|s| s <= 0.0)
    }

    /// Up to about `budget` work on the current task (at least one block of
    /// rows); returns the work done (≥ 1, so a caller's loop always ends).
    fn advance(&mut self, budget: u64) -> u64 {
        let Some(&task) = self.tasks.get(self.next_task) else { return 1 };
        let Some((xi, yi)) = self.operands(task) else { return self.skip_task(task) };
        // A pair with a constant layer is undefined whatever the product.
        if matches!(task, Task::Pair { .. }) && (self.is_constant(xi) || self.is_constant(yi)) {
            return self.skip_task(task);
        }
        let per_row = self.work_per_row(task).max(1);
        let (Some(x), Some(y)) = (self.layers.get(xi), self.layers.get(yi)) else { return self.skip_task(task) };
        let (n, wx, wy) = (x.rows(), x.width(), y.width());
        let (mut acc, start) = self.partial.take().unwrap_or_else(|| (vec![0.0; wx * wy], 0));
        let rows = usize::try_from(budget / per_row).unwrap_or(usize::MAX).clamp(MIN_BLOCK_ROWS, MAX_BLOCK_ROWS);
        let end = start.saturating_add(rows).min(n);
        x.centred_rows(start, end, &mut self.x_block);
        if let Task::SelfProduct(_) = task {
            add_self_products(&self.x_block, end - start, wx, &mut acc);
        } else {
            y.centred_rows(start, end, &mut self.y_block);
            add_pair_products((&self.x_block, wx), (&self.y_block, wy), end - start, &mut acc);
        }
        let work = per_row * (end - start) as u64;
        self.work_done += work;
        if end < n {
            self.partial = Some((acc, end));
            return work.max(1);
        }
        match task {
            Task::SelfProduct(l) => {
                if let Some(slot) = self.self_products.get_mut(l) {
                    *slot = Some(self_squared_norm(&acc, wx));
                }
            }
            Task::Pair { row, col } => self.store_pair(row, col, acc.iter().map(|v| v * v).sum()),
        }
        self.next_task += 1;
        work.max(1)
    }

    /// Move past a task without computing it (its result stays undefined).
    fn skip_task(&mut self, task: Task) -> u64 {
        let n = self.layers.first().map_or(0, Layer::rows) as u64;
        self.work_done += n * self.work_per_row(task);
        self.partial = None;
        self.next_task += 1;
        1
    }

    fn store_pair(&mut self, row: usize, col: usize, value: f64) {
        let cols = self.col_layers.len();
        for (r, c) in [(row, col), (col, row)].into_iter().take(if self.symmetric { 2 } else { 1 }) {
            if let Some(slot) = self.cross_products.get_mut(r * cols + c) {
                *slot = Some(value);
            }
        }
    }
}

fn owned((name, data): (String, Array2<f32>)) -> Result<Layer<'static>, AnalysisError> {
    checked_standard(data.view())?;
    let data = if data.is_standard_layout() { data } else { data.as_standard_layout().into_owned() };
    Ok(Layer::new(name, CowArray::from(data)))
}

fn viewed<'a>((name, data): (String, ArrayView2<'a, f32>)) -> Result<Layer<'a>, AnalysisError> {
    Ok(Layer::new(name, checked_standard(data)?))
}
