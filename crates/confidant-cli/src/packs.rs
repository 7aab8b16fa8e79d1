//! Where the rule packs come from: the built-in ones, or a directory given
//! with `--policies DIR` / `CONFIDANT_POLICIES` laid over them. Every command
//! that decides builds its engine here, so all of them use the same packs.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use confidant_policy::packs::{self, PackFile};
use confidant_policy::{Catalog, Engine};

use crate::Failure;

static POLICIES: OnceLock<Option<PathBuf>> = OnceLock::new();

/// Records the global `--policies` directory (once, at start-up).
pub fn set_dir(dir: Option<PathBuf>) {
    let _ = POLICIES.set(dir);
}

/// Whether a packs directory was given (a server can then reload it).
pub fn has_dir() -> bool {
    dir().is_some()
}

/// The packs directory given, if any.
pub fn dir() -> Option<&'static Path> {
    POLICIES.get().and_then(|d| d.as_deref())
}

/// The `.cedar` files of a directory, by name.
pub fn read_dir(dir: &Path) -> Result<Vec<PackFile>, Failure> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Failure::Input(format!("--policies: a directory of `.cedar` packs, could not read `{}`: {e}", dir.display())))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| Failure::Input(format!("--policies: `{}`: {e}", dir.display())))?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("cedar") {
            continue;
        }
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        let text = std::fs::read_to_string(&path).map_err(|e| Failure::Input(format!("--policies: `{}`: {e}", path.display())))?;
        files.push(PackFile { name, text });
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

/// The catalog from `source`: `builtin`, or a directory laid over the built-ins.
pub fn catalog(source: Option<&Path>) -> Result<Catalog, Failure> {
    let Some(dir) = source.filter(|d| d.as_os_str() != "builtin") else {
        return Catalog::load().map_err(|e| Failure::Internal(e.to_string()));
    };
    let files = packs::overlay(read_dir(dir)?);
    // Report refusals like a compiler, with the file's path.
    Catalog::from_files(&files).map_err(|e| Failure::Input(format!("{}/{e}", dir.display())))
}

/// The engine every deciding command uses.
pub fn engine() -> Result<Engine, Failure> {
    let catalog = catalog(dir())?;
    Engine::with_catalog(catalog).map_err(|e| Failure::Internal(e.to_string()))
}

/// The engine a server serves with: its rule index built now (at start, and
/// on the reload's own thread), not by the first request on an async worker.
pub fn serving_engine() -> Result<Engine, Failure> {
    let engine = engine()?;
    engine.catalog().prepare();
    Ok(engine)
}

/// The engine for an explicit `--policies` of a `rules` subcommand, else the global one.
pub fn engine_from(source: Option<&Path>) -> Result<Engine, Failure> {
    let catalog = catalog(source.or(dir()))?;
    Engine::with_catalog(catalog).map_err(|e| Failure::Internal(e.to_string()))
}
