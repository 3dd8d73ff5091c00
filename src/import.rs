//! `gridhil import`: a VILLASnode configuration to gridhil TOML. The translation is
//! `gridhil-import`'s; here it is checked as `gridhil check` would, and whatever gridhil
//! refuses is left out with the reason (so the written file always passes the check, or
//! says in its header why nothing in it runs).

use anyhow::{Context, Result};
use clap::Parser;
use gridhil_engine::field::Segment;
use gridhil_import::{Place, Verdict};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `gridhil import`.
#[derive(Parser, Debug)]
pub struct ImportArgs {
    /// VILLASnode configuration (libconfig `.conf` or JSON).
    file: PathBuf,
    /// Write the gridhil configuration here (default: standard output).
    #[arg(short, long)]
    output: Option<PathBuf>,
}

/// The part of the configuration an error of the loader is about.
fn place_of(table: &[Segment]) -> Option<Place> {
    match table {
        [Segment::Key(k), ..] if k == "engine" => Some(Place::Engine),
        [Segment::Key(k), Segment::Key(name), ..] if k == "nodes" => {
            Some(Place::Node(name.clone()))
        }
        [Segment::Key(k), Segment::Index(i), Segment::Key(h), Segment::Index(j), ..]
            if k == "paths" && h == "hooks" =>
        {
            Some(Place::Hook(*i, *j))
        }
        [Segment::Key(k), Segment::Index(i), ..] if k == "paths" => Some(Place::Path(*i)),
        _ => None,
    }
}

/// Translates and checks; returns the TOML text and the verdict.
pub fn translate(file: &Path, dir: &Path) -> Result<(String, gridhil_import::Translation)> {
    let mut translation = gridhil_import::import_file(file)?;
    let registry = crate::registry::build();
    let source = file.display().to_string();
    // Each round leaves out one refused part; a configuration has only so many.
    for _ in 0..256 {
        let text = translation.to_toml(&source);
        let error = match gridhil_engine::load_str(&text, "import", dir, &[], &registry) {
            Ok(_) => break,
            Err(error) => error,
        };
        let reason = error.message.clone();
        let place = place_of(error.table().segments()).or_else(|| {
            // An error on the table as a whole (a path that names a missing node is placed
            // at its field): look at the field too.
            error.field().and_then(|f| place_of(f.segments()))
        });
        let dropped = place.is_some_and(|place| translation.drop(&place, &reason));
        if !dropped {
            translation.refused = Some(error.to_string());
            break;
        }
    }
    Ok((translation.to_toml(&source), translation))
}

/// Runs `gridhil import`.
pub fn run(args: ImportArgs) -> Result<ExitCode> {
    let dir = args
        .output
        .as_ref()
        .and_then(|o| o.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    let (text, translation) = translate(&args.file, &dir)?;
    match &args.output {
        Some(out) => {
            std::fs::write(out, &text).with_context(|| format!("cannot write {}", out.display()))?
        }
        None => print!("{text}"),
    }
    let untranslated = translation
        .notes
        .iter()
        .filter(|n| n.kind == gridhil_import::NoteKind::Untranslated)
        .count();
    let verdict = match translation.verdict() {
        Verdict::Full => "fully translated".to_string(),
        Verdict::Partial => format!("partly translated: {untranslated} items left out or changed (listed at the top of the output)"),
        Verdict::None => "not translated: nothing in it runs in gridhil (see the top of the output)".to_string(),
    };
    eprintln!(
        "{}: {verdict}; {} nodes, {} paths",
        args.file.display(),
        translation.nodes,
        translation.paths
    );
    Ok(match translation.verdict() {
        Verdict::None => ExitCode::from(2),
        _ => ExitCode::SUCCESS,
    })
}
