//! The rule index: which policies can fire for one evaluation input, read
//! from each policy's own conditions (Cedar's JSON form), in the spirit of
//! Cedar's policy slicing.
//!
//! Every attribute the rules may test with a small, closed set of values is a
//! *dimension*: the purpose, the recipient kind, the category, the role, the
//! client's status, the jurisdiction, the banded age and years since death,
//! the optional `mandated_reporter` override, and every boolean of the
//! context (`reporting` among them, derived from the purpose) and the resource. A policy's `when` conditions (and negated
//! `unless` conditions) are split into their top-level conjuncts; a conjunct
//! that reads only dimensions, through the operators this module evaluates
//! (`==`, `!=`, `<`, `<=`, `>`, `>=`, `.contains` on a literal set, `!`,
//! `&&`, `||`, `if`, `has`), is evaluated here over every value of its
//! dimensions, once, at load:
//!
//! - a conjunct over one dimension becomes the set of values for which it
//!   holds (a bit mask), folded into per-value bit sets of policies, so the
//!   candidates for an input are one AND per dimension;
//! - a conjunct over several (`mandated_reporter` or the role) becomes a
//!   truth table over them (conjuncts sharing a dimension are evaluated
//!   together, in their order, so `principal has x && principal.x` is one).
//!
//! A policy whose every conjunct was analysed this way is *exact*: it fires
//! precisely when the index admits it, and Cedar is not asked. Anything else
//! (an attribute outside the dimensions, an operator or literal this module
//! does not evaluate, an error in any cell, a scope other than the engine's
//! action, a Cedar `forbid`) leaves the policy *residual*: the index keeps
//! only conditions every firing must meet, and Cedar evaluates it. A layer
//! holding a Cedar `forbid` (whose satisfaction hides the layer's permits
//! from Cedar's answer) is not indexed at all and is evaluated whole.
//!
//! The engine evaluates the banded numbers at their band's breakpoint, the
//! same value it gives Cedar, so a comparison's truth per band is exact.

use serde_json::Value;

use crate::lint::attribute_path;
use crate::vocab::{Category, ClientStatus, Fact, Layer, Purpose, RecipientKind, Role};

/// Dimensions before the facts.
pub(crate) const FIXED: usize = 20;
/// Every dimension: the fixed ones, then one per fact.
pub(crate) const DIMENSIONS: usize = FIXED + Fact::ALL.len();
/// Largest domain a dimension may have to be indexed (its values are bits of a `u64`).
const MAX_DOMAIN: usize = 64;
/// Largest truth table for a conjunct over several dimensions.
const MAX_TABLE: usize = 4096;

/// Dimension numbers (positions in [`Point`]).
pub(crate) mod dim {
    pub const PURPOSE: usize = 0;
    pub const RECIPIENT_KIND: usize = 1;
    pub const CATEGORY: usize = 2;
    pub const ROLE: usize = 3;
    pub const STATUS: usize = 4;
    pub const JURISDICTION: usize = 5;
    pub const AGE: usize = 6;
    pub const YEARS_SINCE_DEATH: usize = 7;
    pub const MANDATED_REPORTER: usize = 8;
    pub const SAME_ORGANIZATION: usize = 9;
    pub const PART2_PROGRAM: usize = 10;
    pub const LPS_PROGRAM: usize = 11;
    pub const AUTHORIZED: usize = 12;
    pub const REPRESENTATIVE_SIGNED: usize = 13;
    pub const CONSENTED: usize = 14;
    pub const RESTRICTED_AGREED: usize = 15;
    pub const RESTRICTION_REQUESTED: usize = 16;
    pub const REPORTING: usize = 17;
    pub const WARNING: usize = 18;
    pub const DOES_RESEARCH: usize = 19;
}

/// One evaluation input as the index sees it: the position of each
/// dimension's value in that dimension's domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Point(pub [u8; DIMENSIONS]);

/// A value of a dimension, as Cedar would see it.
#[derive(Clone, Debug, PartialEq)]
enum Val {
    Str(String),
    Long(i64),
    Bool(bool),
    /// An optional attribute that is not there.
    Absent,
}

/// A value during evaluation (strings borrowed from the policy or the
/// dimension's domain: nothing is copied per cell).
#[derive(Clone, Debug, PartialEq)]
enum Ev<'a> {
    Str(&'a str),
    Long(i64),
    Bool(bool),
    Set(Vec<Ev<'a>>),
}

/// Why a conjunct cannot be evaluated here: Cedar must.
#[derive(Debug)]
struct Unsupported;

struct Dimension {
    path: String,
    domain: Vec<Val>,
}

/// One analysed conjunct group over several dimensions: a truth table.
#[derive(Clone, Debug)]
struct Table {
    dims: Vec<usize>,
    /// Stride of each dimension in `cells`.
    strides: Vec<usize>,
    cells: Vec<bool>,
}

/// What the index knows about one policy.
#[derive(Clone, Debug)]
struct Entry {
    /// Whether the index decides it alone.
    exact: bool,
    /// Truth tables of conjuncts over several dimensions.
    tables: Vec<Table>,
}

/// The index over a catalog's policies (policy `i` is rule `i`).
#[derive(Debug)]
pub(crate) struct Index {
    /// Words per policy bit set.
    words: usize,
    /// For each dimension and value, the policies that value admits
    /// (`admits[(offset[d] + v) * words ..][..words]`).
    admits: Vec<u64>,
    offsets: [usize; DIMENSIONS],
    /// Policies of each indexed layer (`Layer::ALL` order); empty for a
    /// layer evaluated whole.
    layers: Vec<Vec<u64>>,
    /// Layers evaluated whole by Cedar (they hold a Cedar `forbid`).
    pub(crate) whole_layers: Vec<Layer>,
    entries: Vec<Entry>,
    /// Exact policies, as a bit set.
    exact: Vec<u64>,
    /// The indexed dimensions some policy is constrained on: the only ones
    /// [`Index::select`] reads.
    active: Vec<usize>,
    jurisdictions: Vec<String>,
    age_breakpoints: Vec<i64>,
    death_breakpoints: Vec<i64>,
}

impl std::fmt::Debug for Dimension {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({} values)", self.path, self.domain.len())
    }
}

fn dimensions(jurisdictions: &[String], age: &[i64], death: &[i64]) -> Vec<Dimension> {
    let strs = |all: Vec<&str>| all.into_iter().map(|s| Val::Str(s.to_string())).collect::<Vec<_>>();
    let bools = || vec![Val::Bool(false), Val::Bool(true)];
    let d = |path: &str, domain: Vec<Val>| Dimension { path: path.to_string(), domain };
    let mut out = vec![
        d("context.purpose", strs(Purpose::ALL.iter().map(|v| v.as_str()).collect())),
        d("context.recipient.kind", strs(RecipientKind::ALL.iter().map(|v| v.as_str()).collect())),
        d("resource.category", strs(Category::ALL.iter().map(|v| v.as_str()).collect())),
        d("principal.role", strs(Role::ALL.iter().map(|v| v.as_str()).collect())),
        d("context.client.status", strs(ClientStatus::ALL.iter().map(|v| v.as_str()).collect())),
        d("context.jurisdiction", strs(jurisdictions.iter().map(String::as_str).collect())),
        d("context.client.age", age.iter().map(|n| Val::Long(*n)).collect()),
        d("context.client.years_since_death", death.iter().map(|n| Val::Long(*n)).collect()),
        d("principal.mandated_reporter", vec![Val::Absent, Val::Bool(false), Val::Bool(true)]),
        d("context.recipient.same_organization", bools()),
        d("context.client.part2_program", bools()),
        d("context.client.lps_program", bools()),
        d("resource.authorized", bools()),
        d("resource.representative_signed", bools()),
        d("resource.consented", bools()),
        d("resource.restricted_agreed", bools()),
        d("resource.restriction_requested", bools()),
        d("context.reporting", bools()),
        d("context.warning", bools()),
        d("context.recipient.does_research", bools()),
    ];
    out.extend(Fact::ALL.iter().map(|f| d(&format!("context.facts.{}", f.as_str()), bools())));
    out
}

/// A conjunction's JSON text and the dimensions its table spans.
type TableKey = (String, Vec<usize>);

/// Evaluation of a conjunct over an assignment of its dimensions.
struct Evaluator<'d> {
    dims: &'d [Dimension],
    indexed: &'d [bool; DIMENSIONS],
    /// The dimension of each attribute node, by address, for the policy
    /// being analysed (emptied before each: the nodes live that long).
    nodes: std::cell::RefCell<std::collections::HashMap<usize, Option<usize>>>,
    /// Tables already computed, by the conjuncts' JSON text and dimensions:
    /// policies share conditions (the same purpose test, the same fact), and
    /// each distinct one is evaluated over its cells once per catalog.
    tables: std::cell::RefCell<std::collections::HashMap<TableKey, Option<Table>>>,
}

impl Evaluator<'_> {
    fn dimension(&self, path: &str) -> Option<usize> {
        self.dims.iter().position(|d| d.path == path).filter(|&i| self.indexed.get(i).copied().unwrap_or(false))
    }

    /// The dimensions an expression reads; `Unsupported` when it reads an
    /// attribute that is not one.
    fn reads(&self, expr: &Value, out: &mut Vec<usize>) -> Result<(), Unsupported> {
        if let Some(access) = expr.get(".").or_else(|| expr.get("has")) {
            let base = access.get("left").and_then(attribute_path).ok_or(Unsupported)?;
            let attr = access.get("attr").and_then(Value::as_str).ok_or(Unsupported)?;
            let d = self.dimension(&format!("{base}.{attr}")).ok_or(Unsupported)?;
            if !out.contains(&d) {
                out.push(d);
            }
            return Ok(());
        }
        match expr {
            Value::Object(map) => map.values().try_for_each(|v| self.reads(v, out)),
            Value::Array(items) => items.iter().try_for_each(|v| self.reads(v, out)),
            _ => Ok(()),
        }
    }

    /// Cedar's semantics for the supported subset; `env[d]` is the value
    /// position of dimension `d` (only the dimensions read are set).
    fn eval<'a>(&'a self, expr: &'a Value, env: &[usize; DIMENSIONS]) -> Result<Ev<'a>, Unsupported> {
        let object = expr.as_object().ok_or(Unsupported)?;
        let mut entries = object.iter();
        let (op, args) = entries.next().ok_or(Unsupported)?;
        if entries.next().is_some() {
            return Err(Unsupported);
        }
        let side = |key: &str| args.get(key).ok_or(Unsupported);
        let boolean = |e: &'a Value| match self.eval(e, env)? {
            Ev::Bool(b) => Ok(b),
            _ => Err(Unsupported),
        };
        let long = |e: &'a Value| match self.eval(e, env)? {
            Ev::Long(n) => Ok(n),
            _ => Err(Unsupported),
        };
        match op.as_str() {
            "Value" => match args {
                Value::String(s) => Ok(Ev::Str(s)),
                Value::Bool(b) => Ok(Ev::Bool(*b)),
                Value::Number(n) => n.as_i64().map(Ev::Long).ok_or(Unsupported),
                _ => Err(Unsupported),
            },
            "Set" => args.as_array().ok_or(Unsupported)?.iter().map(|e| self.eval(e, env)).collect::<Result<_, _>>().map(Ev::Set),
            "." | "has" => {
                let key = std::ptr::from_ref(args) as usize;
                let known = self.nodes.borrow().get(&key).copied();
                let d = match known {
                    Some(d) => d,
                    None => {
                        let base = args.get("left").and_then(attribute_path);
                        let attr = args.get("attr").and_then(Value::as_str);
                        let d = base.zip(attr).and_then(|(b, a)| self.dimension(&format!("{b}.{a}")));
                        self.nodes.borrow_mut().insert(key, d);
                        d
                    }
                }
                .ok_or(Unsupported)?;
                let value = self.dims.get(d).and_then(|dim| dim.domain.get(*env.get(d)?)).ok_or(Unsupported)?;
                match (op.as_str(), value) {
                    ("has", v) => Ok(Ev::Bool(*v != Val::Absent)),
                    (_, Val::Str(s)) => Ok(Ev::Str(s)),
                    (_, Val::Long(n)) => Ok(Ev::Long(*n)),
                    (_, Val::Bool(b)) => Ok(Ev::Bool(*b)),
                    // Reading an attribute that is not there is an error in Cedar.
                    (_, Val::Absent) => Err(Unsupported),
                }
            }
            "!" => Ok(Ev::Bool(!boolean(side("arg")?)?)),
            "&&" => Ok(Ev::Bool(boolean(side("left")?)? && boolean(side("right")?)?)),
            "||" => Ok(Ev::Bool(boolean(side("left")?)? || boolean(side("right")?)?)),
            "if-then-else" => {
                if boolean(side("if")?)? {
                    self.eval(side("then")?, env)
                } else {
                    self.eval(side("else")?, env)
                }
            }
            "==" | "!=" => {
                let (l, r) = (self.eval(side("left")?, env)?, self.eval(side("right")?, env)?);
                if matches!(l, Ev::Set(_)) || matches!(r, Ev::Set(_)) {
                    return Err(Unsupported);
                }
                Ok(Ev::Bool((l == r) == (op == "==")))
            }
            "<" | "<=" | ">" | ">=" => {
                let (l, r) = (long(side("left")?)?, long(side("right")?)?);
                Ok(Ev::Bool(match op.as_str() {
                    "<" => l < r,
                    "<=" => l <= r,
                    ">" => l > r,
                    _ => l >= r,
                }))
            }
            "contains" => {
                let Ev::Set(items) = self.eval(side("left")?, env)? else { return Err(Unsupported) };
                let item = self.eval(side("right")?, env)?;
                if matches!(item, Ev::Set(_)) {
                    return Err(Unsupported);
                }
                Ok(Ev::Bool(items.contains(&item)))
            }
            _ => Err(Unsupported),
        }
    }

    /// The short-circuit conjunction of `exprs` in every cell of `dims`,
    /// computed once per distinct conjunction.
    fn table(&self, exprs: &[&Value], dims: &[usize]) -> Result<Table, Unsupported> {
        let text = exprs.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\u{1}");
        let key = (text, dims.to_vec());
        if let Some(known) = self.tables.borrow().get(&key) {
            return known.clone().ok_or(Unsupported);
        }
        let table = self.compute_table(exprs, dims);
        self.tables.borrow_mut().insert(key, table.as_ref().ok().cloned());
        table
    }

    fn compute_table(&self, exprs: &[&Value], dims: &[usize]) -> Result<Table, Unsupported> {
        let sizes: Vec<usize> = dims.iter().map(|&d| self.dims.get(d).map_or(0, |x| x.domain.len())).collect();
        let total = sizes.iter().try_fold(1usize, |acc, s| acc.checked_mul(*s).filter(|t| *t <= MAX_TABLE)).ok_or(Unsupported)?;
        let mut strides = Vec::with_capacity(dims.len());
        let mut stride = 1;
        for size in &sizes {
            strides.push(stride);
            stride *= size;
        }
        let mut cells = Vec::with_capacity(total);
        let mut env = [0usize; DIMENSIONS];
        for cell in 0..total {
            for ((d, size), s) in dims.iter().zip(&sizes).zip(&strides) {
                if let Some(slot) = env.get_mut(*d) {
                    *slot = (cell / s) % size;
                }
            }
            let mut holds = true;
            for e in exprs {
                match self.eval(e, &env)? {
                    Ev::Bool(true) => {}
                    Ev::Bool(false) => {
                        holds = false;
                        break;
                    }
                    _ => return Err(Unsupported),
                }
            }
            cells.push(holds);
        }
        Ok(Table { dims: dims.to_vec(), strides, cells })
    }

    /// Conditions every firing of `expr` meets, per dimension (a mask of
    /// admitted values), for an expression that cannot be analysed whole:
    /// `&&` meets both sides', `||` either side's, and a sub-expression over
    /// one dimension that evaluates everywhere gives its mask.
    fn necessary(&self, expr: &Value, out: &mut [u64; DIMENSIONS]) {
        let mut dims = Vec::new();
        if self.reads(expr, &mut dims).is_ok()
            && let [d] = dims.as_slice()
            && let Ok(table) = self.table(&[expr], &[*d])
        {
            if let Some(slot) = out.get_mut(*d) {
                *slot &= mask(&table.cells);
            }
            return;
        }
        let args = |op: &str| expr.get(op).and_then(|a| Some((a.get("left")?, a.get("right")?)));
        if let Some((l, r)) = args("&&") {
            self.necessary(l, out);
            self.necessary(r, out);
        } else if let Some((l, r)) = args("||") {
            let (mut a, mut b) = ([u64::MAX; DIMENSIONS], [u64::MAX; DIMENSIONS]);
            self.necessary(l, &mut a);
            self.necessary(r, &mut b);
            for ((slot, x), y) in out.iter_mut().zip(a).zip(b) {
                *slot &= x | y;
            }
        }
    }
}

fn mask(cells: &[bool]) -> u64 {
    cells.iter().enumerate().filter(|(_, c)| **c).fold(0, |m, (i, _)| m | 1u64 << i)
}

/// The top-level conjuncts of a condition.
fn conjuncts(expr: &Value, out: &mut Vec<Value>) {
    if let Some(args) = expr.get("&&")
        && let (Some(l), Some(r)) = (args.get("left"), args.get("right"))
        && expr.as_object().is_some_and(|o| o.len() == 1)
    {
        conjuncts(l, out);
        conjuncts(r, out);
    } else {
        out.push(expr.clone());
    }
}

/// Whether a policy's scope is the engine's: any principal, any resource,
/// and the `disclose` action (or any action).
fn scope_is_any(policy: &Value) -> bool {
    let all = |key: &str| policy.get(key).and_then(|s| s.get("op")).and_then(Value::as_str) == Some("All");
    let action = policy.get("action");
    let disclose = action.and_then(|a| a.get("op")).and_then(Value::as_str) == Some("==")
        && action.and_then(|a| a.get("entity")).is_some_and(|e| {
            e.get("type").and_then(Value::as_str) == Some("Action") && e.get("id").and_then(Value::as_str) == Some("disclose")
        });
    all("principal") && all("resource") && (all("action") || disclose)
}

/// What the analysis of one policy found.
struct Analysis {
    masks: [u64; DIMENSIONS],
    entry: Entry,
}

fn analyse(evaluator: &Evaluator<'_>, policy: &Value) -> Analysis {
    evaluator.nodes.borrow_mut().clear();
    let mut masks = [u64::MAX; DIMENSIONS];
    let permit = policy.get("effect").and_then(Value::as_str) == Some("permit");
    let mut exact = permit && scope_is_any(policy);
    let mut parts: Vec<Value> = Vec::new();
    for condition in policy.get("conditions").and_then(Value::as_array).into_iter().flatten() {
        let Some(body) = condition.get("body") else {
            exact = false;
            continue;
        };
        match condition.get("kind").and_then(Value::as_str) {
            Some("when") => conjuncts(body, &mut parts),
            Some("unless") => parts.push(serde_json::json!({ "!": { "arg": body } })),
            _ => exact = false,
        }
    }
    // Groups of conjuncts sharing dimensions, each with its table.
    let mut groups: Vec<(Vec<usize>, Vec<&Value>, Table)> = Vec::new();
    for part in &parts {
        let mut dims = Vec::new();
        if evaluator.reads(part, &mut dims).is_err() || dims.is_empty() {
            exact = false;
            evaluator.necessary(part, &mut masks);
            continue;
        }
        // Merge with every group that shares a dimension, keeping the order.
        let (sharing, rest): (Vec<_>, Vec<_>) = groups.into_iter().partition(|(g, _, _)| g.iter().any(|d| dims.contains(d)));
        let mut merged_dims: Vec<usize> = Vec::new();
        let mut merged_exprs: Vec<&Value> = Vec::new();
        for (g, e, _) in &sharing {
            merged_dims.extend(g.iter().filter(|d| !merged_dims.contains(d)).copied().collect::<Vec<_>>());
            merged_exprs.extend(e.iter().copied());
        }
        merged_dims.extend(dims.iter().filter(|d| !merged_dims.contains(d)).copied().collect::<Vec<_>>());
        merged_dims.sort_unstable();
        merged_exprs.push(part);
        groups = rest;
        match evaluator.table(&merged_exprs, &merged_dims) {
            Ok(table) => groups.push((merged_dims, merged_exprs, table)),
            Err(Unsupported) => {
                groups.extend(sharing);
                exact = false;
                evaluator.necessary(part, &mut masks);
            }
        }
    }
    let mut tables = Vec::new();
    for (dims, _, table) in groups {
        match dims.as_slice() {
            [d] => {
                if let Some(slot) = masks.get_mut(*d) {
                    *slot &= mask(&table.cells);
                }
            }
            _ => tables.push(table),
        }
    }
    Analysis { masks, entry: Entry { exact, tables } }
}

impl Index {
    /// Builds the index over policies in rule order (`jsons[i]` is rule
    /// `i`'s Cedar JSON, `layers[i]` its layer).
    pub(crate) fn build(
        jsons: &[Value],
        layers: &[Layer],
        jurisdictions: &[String],
        age_breakpoints: &[i64],
        death_breakpoints: &[i64],
    ) -> Index {
        let dims = dimensions(jurisdictions, age_breakpoints, death_breakpoints);
        let mut indexed = [false; DIMENSIONS];
        for (slot, d) in indexed.iter_mut().zip(&dims) {
            *slot = d.domain.len() <= MAX_DOMAIN;
        }
        let evaluator = Evaluator { dims: &dims, indexed: &indexed, nodes: Default::default(), tables: Default::default() };
        let words = jsons.len().div_ceil(64).max(1);
        let whole_layers: Vec<Layer> = Layer::ALL
            .iter()
            .copied()
            .filter(|l| jsons.iter().zip(layers).any(|(j, pl)| pl == l && j.get("effect").and_then(Value::as_str) != Some("permit")))
            .collect();
        let mut offsets = [0usize; DIMENSIONS];
        let mut total = 0;
        for (slot, d) in offsets.iter_mut().zip(&dims) {
            *slot = total;
            total += d.domain.len();
        }
        let mut admits = vec![0u64; total * words];
        let mut exact = vec![0u64; words];
        let mut layer_bits = vec![vec![0u64; words]; Layer::ALL.len()];
        let mut entries = Vec::with_capacity(jsons.len());
        let mut active = Vec::new();
        for (i, (json, layer)) in jsons.iter().zip(layers).enumerate() {
            let (word, bit) = (i / 64, 1u64 << (i % 64));
            let analysis = analyse(&evaluator, json);
            for (d, dimension) in dims.iter().enumerate() {
                let m =
                    if indexed.get(d).copied().unwrap_or(false) { analysis.masks.get(d).copied().unwrap_or(u64::MAX) } else { u64::MAX };
                let all = if dimension.domain.len() >= 64 { u64::MAX } else { (1u64 << dimension.domain.len()) - 1 };
                if m & all != all && !active.contains(&d) {
                    active.push(d);
                }
                for v in 0..dimension.domain.len() {
                    if (v >= 64 || m >> v & 1 == 1)
                        && let Some(w) = admits.get_mut((offsets.get(d).copied().unwrap_or(0) + v) * words + word)
                    {
                        *w |= bit;
                    }
                }
            }
            if analysis.entry.exact
                && let Some(w) = exact.get_mut(word)
            {
                *w |= bit;
            }
            if !whole_layers.contains(layer)
                && let Some(w) =
                    Layer::ALL.iter().position(|l| l == layer).and_then(|l| layer_bits.get_mut(l)).and_then(|b| b.get_mut(word))
            {
                *w |= bit;
            }
            entries.push(analysis.entry);
        }
        Index {
            words,
            admits,
            offsets,
            layers: layer_bits,
            whole_layers,
            entries,
            exact,
            active,
            jurisdictions: jurisdictions.to_vec(),
            age_breakpoints: age_breakpoints.to_vec(),
            death_breakpoints: death_breakpoints.to_vec(),
        }
    }

    /// The position of a jurisdiction in the catalog's list.
    pub(crate) fn jurisdiction(&self, code: &str) -> Option<u8> {
        self.jurisdictions.iter().position(|j| j == code).and_then(|p| u8::try_from(p).ok())
    }

    /// The position of a banded age.
    pub(crate) fn age(&self, band: i64) -> Option<u8> {
        self.age_breakpoints.iter().position(|b| *b == band).and_then(|p| u8::try_from(p).ok())
    }

    /// The position of a banded years-since-death.
    pub(crate) fn years_since_death(&self, band: i64) -> Option<u8> {
        self.death_breakpoints.iter().position(|b| *b == band).and_then(|p| u8::try_from(p).ok())
    }

    /// The policies of the applicable indexed `layers` that can fire at
    /// `point`: the exact ones that fire go to `fired`, the residual ones
    /// (which Cedar must evaluate) to `residual` as a bit set.
    pub(crate) fn select(&self, point: &Point, layers: &[Layer], fired: &mut Vec<usize>, residual: &mut Vec<u64>) {
        residual.clear();
        residual.resize(self.words, 0);
        for layer in layers {
            if let Some(bits) = Layer::ALL.iter().position(|l| l == layer).and_then(|l| self.layers.get(l)) {
                residual.iter_mut().zip(bits).for_each(|(r, b)| *r |= b);
            }
        }
        for &d in &self.active {
            let start = (self.offsets.get(d).copied().unwrap_or(0) + usize::from(point.0.get(d).copied().unwrap_or(0))) * self.words;
            if let Some(row) = self.admits.get(start..start + self.words) {
                residual.iter_mut().zip(row).for_each(|(r, a)| *r &= a);
            }
        }
        for (w, slot) in residual.iter_mut().enumerate() {
            let mut candidates = *slot;
            while candidates != 0 {
                let bit = candidates.trailing_zeros() as usize;
                candidates &= candidates - 1;
                let i = w * 64 + bit;
                let Some(entry) = self.entries.get(i) else { continue };
                let admitted = entry.tables.iter().all(|t| {
                    let cell: usize =
                        t.dims.iter().zip(&t.strides).map(|(d, s)| usize::from(point.0.get(*d).copied().unwrap_or(0)) * s).sum();
                    t.cells.get(cell).copied().unwrap_or(false)
                });
                if !admitted {
                    *slot &= !(1u64 << bit);
                } else if self.exact.get(w).is_some_and(|e| e >> bit & 1 == 1) {
                    fired.push(i);
                    *slot &= !(1u64 << bit);
                }
            }
        }
    }

    /// The policies the index leaves to Cedar.
    #[cfg(test)]
    pub(crate) fn residual(&self) -> Vec<usize> {
        (0..self.entries.len()).filter(|i| self.exact.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 0)).collect()
    }
}

#[cfg(test)]
#[allow(clippy::panic, reason = "test failures")]
mod tests {
    use super::*;

    fn json(text: &str) -> Value {
        let policy: cedar_policy::Policy = text.parse().unwrap_or_else(|e| panic!("{e}"));
        policy.to_json().unwrap_or_else(|e| panic!("{e}"))
    }

    fn index(texts: &[&str]) -> Index {
        let jsons: Vec<Value> = texts.iter().map(|t| json(t)).collect();
        let layers = vec![Layer::Hipaa; jsons.len()];
        Index::build(&jsons, &layers, &["US".into(), "US-CA".into()], &[0, 18, 19], &[0, 50, 51])
    }

    const HEAD: &str = "permit (principal, action == Action::\"disclose\", resource)";

    #[test]
    fn conjunctions_of_vocabulary_tests_are_decided_by_the_index() {
        let idx = index(&[
            &format!("{HEAD} when {{ context.purpose == \"treatment\" && !context.facts.client_objects && context.client.age < 18 }};"),
            &format!(
                "{HEAD} when {{ [\"client\", \"personal_representative\"].contains(context.recipient.kind) }} unless {{ resource.authorized }};"
            ),
            &format!(
                "{HEAD} when {{ (principal has mandated_reporter && principal.mandated_reporter) || (!(principal has mandated_reporter) && principal.role == \"nurse\") }};"
            ),
        ]);
        assert_eq!(idx.residual(), Vec::<usize>::new());
    }

    #[test]
    fn a_test_the_index_cannot_evaluate_leaves_the_policy_to_cedar_with_its_necessary_conditions() {
        let idx = index(&[
            &format!("{HEAD} when {{ context.purpose == \"treatment\" && resource.category like \"psycho*\" }};"),
            &format!(
                "{HEAD} when {{ (context.purpose == \"treatment\" && resource.category like \"a*\") || context.purpose == \"payment\" }};"
            ),
        ]);
        assert_eq!(idx.residual(), vec![0, 1]);
        let mut point = Point([0; DIMENSIONS]);
        let mut fired = Vec::new();
        let mut residual = Vec::new();
        let treatment = Purpose::ALL.iter().position(|p| *p == Purpose::Treatment).unwrap_or_default();
        point.0.get_mut(dim::PURPOSE).into_iter().for_each(|v| *v = u8::try_from(treatment).unwrap_or_default());
        idx.select(&point, &[Layer::Hipaa], &mut fired, &mut residual);
        assert_eq!((fired.len(), residual.first().copied()), (0, Some(0b11)));
        let other = Purpose::ALL.iter().position(|p| !matches!(p, Purpose::Treatment | Purpose::Payment)).unwrap_or_default();
        point.0.get_mut(dim::PURPOSE).into_iter().for_each(|v| *v = u8::try_from(other).unwrap_or_default());
        idx.select(&point, &[Layer::Hipaa], &mut fired, &mut residual);
        assert_eq!(residual.first().copied(), Some(0));
    }
}
