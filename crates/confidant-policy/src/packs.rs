//! Rule packs as files: the built-in packs, and a directory's packs laid
//! over them. A file named like a built-in pack (`organization.cedar`,
//! `california.cedar`, …) replaces it; any other `.cedar` file adds rules to
//! the layer its rule ids name (`org.` organization, `ca.` California, …).
//! Reading the directory is the caller's job: the engine does no I/O.

use crate::catalog::{Catalog, CatalogError, PACKS, SCHEMA};
use crate::vocab::Layer;

/// One pack file: its name (e.g. `organization.cedar`) and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackFile {
    /// The file name; a built-in pack's name replaces that pack.
    pub name: String,
    /// The Cedar text of the pack.
    pub text: String,
}

/// The built-in packs, in layer order.
pub fn builtin_files() -> Vec<PackFile> {
    PACKS.iter().map(|(_, name, text)| PackFile { name: (*name).to_string(), text: (*text).to_string() }).collect()
}

/// The README written beside exported packs: what the annotations mean.
pub const PACKS_README: &str = include_str!("../policies/README.md");

/// The schema file name and text, for export.
pub fn schema_file() -> PackFile {
    PackFile { name: "confidant.cedarschema".to_string(), text: SCHEMA.to_string() }
}

/// The built-in packs with `overrides` laid over them: same name replaces,
/// a new name adds (after the built-ins, in name order).
pub fn overlay(overrides: Vec<PackFile>) -> Vec<PackFile> {
    let mut files = builtin_files();
    let mut extra: Vec<PackFile> = Vec::new();
    for file in overrides {
        match files.iter_mut().find(|f| f.name == file.name) {
            Some(existing) => *existing = file,
            None => extra.push(file),
        }
    }
    extra.sort_by(|a, b| a.name.cmp(&b.name));
    files.extend(extra);
    files
}

/// The layer of a pack file: a built-in's by name, otherwise the layer its
/// first rule id names.
fn layer_of(file: &PackFile) -> Result<Layer, CatalogError> {
    if let Some((layer, _, _)) = PACKS.iter().find(|(_, name, _)| *name == file.name) {
        return Ok(*layer);
    }
    let id_at = file.text.find("@id(\"").ok_or_else(|| CatalogError::File {
        file: file.name.clone(),
        message: "no rule with an `@id` annotation; a pack's rule ids name its layer (`org.`, `ca.`, `state.`, `part2.`, `hipaa.`)".into(),
    })?;
    let id = file.text.get(id_at + 5..).unwrap_or_default();
    let prefix = id.split(['.', '"']).next().unwrap_or_default();
    match prefix {
        "hipaa" => Ok(Layer::Hipaa),
        "part2" => Ok(Layer::Part2),
        "ca" => Ok(Layer::California),
        "state" => Ok(Layer::State),
        "org" => Ok(Layer::Organization),
        other => Err(CatalogError::File {
            file: file.name.clone(),
            message: format!("rule ids start with `hipaa.`, `part2.`, `ca.`, `state.` or `org.` to name their layer, got `{other}.`"),
        }),
    }
}

impl Catalog {
    /// Loads and checks a set of pack files (see [`overlay`]); any defect in
    /// any file refuses the whole set.
    pub fn from_files(files: &[PackFile]) -> Result<Catalog, CatalogError> {
        let mut packs: Vec<(Layer, &str, &str)> = Vec::with_capacity(files.len());
        for file in files {
            packs.push((layer_of(file)?, file.name.as_str(), file.text.as_str()));
        }
        // Law layers first, in the contract's order, so precedence and the
        // listing read the same whatever the file names.
        packs.sort_by_key(|(layer, _, _)| Layer::ALL.iter().position(|l| l == layer));
        Catalog::from_packs(&packs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_files_load_to_the_embedded_catalog() {
        let from_files = Catalog::from_files(&builtin_files()).ok().map(|c| c.version().to_string());
        let embedded = Catalog::load().ok().map(|c| c.version().to_string());
        assert!(from_files.is_some() && from_files == embedded);
    }

    #[test]
    fn a_same_named_file_replaces_and_a_new_one_adds_to_the_layer_its_ids_name() {
        let extra = "@id(\"org.no_police\")\n@cite(\"org:no_police\")\n@effect(\"forbid\")\n@summary(\"S.\")\npermit (principal, action == Action::\"disclose\", resource) when { context.recipient.kind == \"law_enforcement\" };";
        let files = overlay(vec![
            PackFile { name: "organization.cedar".into(), text: String::new() },
            PackFile { name: "zz-extra.cedar".into(), text: extra.into() },
        ]);
        let catalog = Catalog::from_files(&files).ok();
        let rules: Vec<(String, Layer)> =
            catalog.iter().flat_map(|c| c.rules()).filter(|r| r.layer == Layer::Organization).map(|r| (r.id.clone(), r.layer)).collect();
        assert_eq!(rules, vec![("org.no_police".to_string(), Layer::Organization)]);
    }

    #[test]
    fn a_file_whose_ids_name_no_layer_is_refused() {
        let text = "@id(\"acme.x\")\n@cite(\"c\")\n@effect(\"permit\")\n@summary(\"S.\")\npermit (principal, action, resource);";
        let err =
            Catalog::from_files(&overlay(vec![PackFile { name: "acme.cedar".into(), text: text.into() }])).err().map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.starts_with("acme.cedar: rule ids start with")));
    }
}
