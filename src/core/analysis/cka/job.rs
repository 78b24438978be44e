//! [`CkaJob`]: the CKA matrix a bounded amount of work at a time.

use ndarray::{Array2, ArrayView2};

use super::layer::{Layer, add_pair_products, add_self_products, cka_from, self_squared_norm, self_work_per_row};
use super::sparse::centred_squared_norm;
use super::{AnalysisError, CkaMatrix, owned, viewed};

/// Work per [`CkaJob::step`], in f64 gemm multiply-adds (other kinds of work
/// are converted at their measured cost): about 15 ms in the page, where gemm
/// runs at about 7 G/s in one wasm thread.
pub const DEFAULT_WORK_PER_STEP: u64 = 100_000_000;

/// Rows per product block: big enough for gemm to run at speed, small enough
/// that a 784-wide block of f64 stays at about 3 MB.
const MAX_BLOCK_ROWS: usize = 512;
/// Fewer rows per block only wastes calls, whatever the budget left.
const MIN_BLOCK_ROWS: usize = 32;

/// A product being summed over blocks of rows.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Task {
    /// Column means, varying columns, nonzeros of one layer (index into
    /// `layers`): a pass over its values.
    Prepare(usize),
    /// ‖XᵀX‖²_F of one layer (index into `layers`).
    SelfProduct(usize),
    /// ‖YᵀX‖²_F of an output cell.
    Pair { row: usize, col: usize },
}

/// How a task's products are formed.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// Centred row blocks through gemm (self: the block triangle only).
    DenseSelf,
    DensePair,
    /// The first operand's nonzeros only (see [`super::sparse`]).
    SparseSelf,
    SparsePair,
}

#[derive(Debug, Clone, Copy)]
struct Plan {
    x: usize,
    y: usize,
    kind: Kind,
    /// Work per row, in dense multiply-adds.
    per_row: u64,
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
    /// Layers whose ‖XᵀX‖²_F was handed in ([`CkaJob::with_self_product`]).
    known: Vec<bool>,
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
        Self::schedule(layers, None)
    }

    /// CKA between each of this run's layers (rows) and each of another's
    /// (columns), over the same images.
    pub fn cross(rows: Vec<(String, Array2<f32>)>, cols: Vec<(String, Array2<f32>)>) -> Result<Self, AnalysisError> {
        let mut layers = rows.into_iter().map(owned).collect::<Result<Vec<_>, _>>()?;
        let n_rows = layers.len();
        for layer in cols {
            layers.push(owned(layer)?);
        }
        Self::schedule(layers, Some(n_rows))
    }
}

impl<'a> CkaJob<'a> {
    /// [`CkaJob::new`] on borrowed signatures (no copy when row-major).
    pub fn from_views(layers: Vec<(String, ArrayView2<'a, f32>)>) -> Result<Self, AnalysisError> {
        let layers = layers.into_iter().map(viewed).collect::<Result<Vec<_>, _>>()?;
        Self::schedule(layers, None)
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
        Self::schedule(layers, Some(n_rows))
    }

    /// `cross_rows`: `None` for one run's square matrix, or how many of
    /// `layers` are rows (the rest are columns).
    fn schedule(layers: Vec<Layer<'a>>, cross_rows: Option<usize>) -> Result<Self, AnalysisError> {
        if let Some(first) = layers.first()
            && let Some(other) = layers.iter().find(|l| l.rows() != first.rows())
        {
            return Err(AnalysisError::ImageCountMismatch {
                layer: other.name.clone(),
                expected: first.rows(),
                found: other.rows(),
            });
        }
        let (row_layers, col_layers): (Vec<usize>, Vec<usize>) = match cross_rows {
            None => ((0..layers.len()).collect(), (0..layers.len()).collect()),
            Some(r) => ((0..r).collect(), (r..layers.len()).collect()),
        };
        let symmetric = cross_rows.is_none();
        let mut tasks: Vec<Task> = (0..layers.len()).map(Task::Prepare).collect();
        tasks.extend((0..layers.len()).map(Task::SelfProduct));
        for row in 0..row_layers.len() {
            let first_col = if symmetric { row + 1 } else { 0 };
            tasks.extend((first_col..col_layers.len()).map(|col| Task::Pair { row, col }));
        }
        let mut job = CkaJob {
            self_products: vec![None; layers.len()],
            known: vec![false; layers.len()],
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
        job.work_total = job.total_work();
        Ok(job)
    }

    /// Work of every task, as far as it is known: before a layer is prepared
    /// its products are counted dense and full width, the most they can cost.
    fn total_work(&self) -> u64 {
        let n = self.layers.first().map_or(0, Layer::rows) as u64;
        let prepare: u64 = self.layers.iter().map(Layer::prepare_work).sum();
        prepare + self.tasks.iter().map(|&t| n * self.work_per_row(t)).sum::<u64>()
    }

    /// Multiply-adds per [`Self::step`] (at least one block of rows is always
    /// done).
    pub fn with_work_per_step(mut self, work: u64) -> Self {
        self.work_per_step = work.max(1);
        self
    }

    /// Take ‖XcᵀXc‖²_F of every layer called `name` from an earlier job
    /// over the same values ([`Self::self_products`]) instead of computing it.
    /// The input pixels are the same in every run, and their self product is
    /// the costliest part of a default run's matrix. A value from other data
    /// gives wrong CKA values; a negative or non-finite one is ignored.
    pub fn with_self_product(mut self, name: &str, value: f64) -> Self {
        if value.is_finite() && value >= 0.0 {
            for (i, layer) in self.layers.iter().enumerate() {
                if layer.name == name
                    && let (Some(slot), Some(known)) = (self.self_products.get_mut(i), self.known.get_mut(i))
                {
                    *slot = Some(value);
                    *known = true;
                }
            }
            self.work_total = self.total_work();
        }
        self
    }

    /// ‖XcᵀXc‖²_F of each layer known so far (name, value), to hand to a later
    /// job over the same values.
    pub fn self_products(&self) -> Vec<(String, f64)> {
        self.layers.iter().zip(&self.self_products).filter_map(|(l, v)| Some((l.name.clone(), (*v)?))).collect()
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

    /// How a task is computed: its operands (indices into `layers`; the
    /// mostly-zero one first in a pair, as it drives the sparse product), the
    /// kind of product and the work per row.
    fn plan(&self, task: Task) -> Option<Plan> {
        let (x, y) = match task {
            Task::Prepare(l) | Task::SelfProduct(l) => (l, l),
            Task::Pair { row, col } => (*self.row_layers.get(row)?, *self.col_layers.get(col)?),
        };
        let (lx, ly) = (self.layers.get(x)?, self.layers.get(y)?);
        let (wx, wy) = (lx.width() as u64, ly.width() as u64);
        Some(match (task, lx.sparse(), ly.sparse()) {
            (Task::SelfProduct(_), Some(s), _) => Plan { x, y, kind: Kind::SparseSelf, per_row: s.self_work_per_row() },
            (Task::SelfProduct(_), None, _) => {
                Plan { x, y, kind: Kind::DenseSelf, per_row: self_work_per_row(lx.width()) + wx }
            }
            (Task::Pair { .. }, Some(s), _) => Plan { x, y, kind: Kind::SparsePair, per_row: s.pair_work_per_row(wy) },
            (Task::Pair { .. }, None, Some(s)) => {
                Plan { x: y, y: x, kind: Kind::SparsePair, per_row: s.pair_work_per_row(wx) }
            }
            (Task::Pair { .. }, None, None) => Plan { x, y, kind: Kind::DensePair, per_row: wx * wy + wx + wy },
            (Task::Prepare(_), ..) => return None,
        })
    }

    fn work_per_row(&self, task: Task) -> u64 {
        match task {
            Task::SelfProduct(l) if self.known.get(l) == Some(&true) => 0,
            _ => self.plan(task).map_or(0, |p| p.per_row),
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
        match task {
            Task::Prepare(l) => return self.prepare(l),
            Task::SelfProduct(l) if self.known.get(l) == Some(&true) => return self.skip_task(task),
            _ => {}
        }
        let Some(plan) = self.plan(task) else { return self.skip_task(task) };
        // A pair with a constant layer is undefined whatever the product.
        if matches!(task, Task::Pair { .. }) && (self.is_constant(plan.x) || self.is_constant(plan.y)) {
            return self.skip_task(task);
        }
        let (Some(x), Some(y)) = (self.layers.get(plan.x), self.layers.get(plan.y)) else {
            return self.skip_task(task);
        };
        let (n, wx, wy) = (x.rows(), x.width(), y.width());
        let (mut acc, start) = self.partial.take().unwrap_or_else(|| (vec![0.0; wx * wy], 0));
        let per_row = plan.per_row.max(1);
        let rows = usize::try_from(budget / per_row).unwrap_or(usize::MAX).clamp(MIN_BLOCK_ROWS, MAX_BLOCK_ROWS);
        let end = start.saturating_add(rows).min(n);
        match (plan.kind, x.sparse()) {
            (Kind::SparseSelf, Some(s)) => s.add_self_products(start..end, wx, &mut acc),
            (Kind::SparsePair, Some(s)) => {
                y.centred_rows(start, end, &mut self.y_block);
                s.add_products(start..end, &self.y_block, wy, &mut acc);
            }
            (Kind::DenseSelf, _) => {
                x.centred_rows(start, end, &mut self.x_block);
                add_self_products(&self.x_block, end - start, wx, &mut acc);
            }
            _ => {
                x.centred_rows(start, end, &mut self.x_block);
                y.centred_rows(start, end, &mut self.y_block);
                add_pair_products((&self.x_block, wx), (&self.y_block, wy), end - start, &mut acc);
            }
        }
        let work = per_row * (end - start) as u64;
        self.work_done += work;
        if end < n {
            self.partial = Some((acc, end));
            return work.max(1);
        }
        let value = match plan.kind {
            Kind::SparseSelf => centred_squared_norm(&acc, wx, x.means(), n),
            Kind::DenseSelf => self_squared_norm(&acc, wx),
            Kind::SparsePair | Kind::DensePair => acc.iter().map(|v| v * v).sum(),
        };
        match task {
            Task::SelfProduct(l) => {
                if let Some(slot) = self.self_products.get_mut(l) {
                    *slot = Some(value);
                }
            }
            Task::Pair { row, col } => self.store_pair(row, col, value),
            Task::Prepare(_) => {}
        }
        self.next_task += 1;
        work.max(1)
    }

    /// Prepare a layer whole (a single pass, about 20 ms for 784 × 10,000 in
    /// the page), then count the work left with what is now known.
    fn prepare(&mut self, layer: usize) -> u64 {
        let work = self.layers.get_mut(layer).map_or(1, |l| {
            l.prepare();
            l.prepare_work()
        });
        self.work_done += work;
        self.next_task += 1;
        self.work_total = self.total_work();
        work
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
