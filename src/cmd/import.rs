//! `genrespace import-weights`: a model folder from pretrained weights converted elsewhere
//! (`scripts/import_musicnn.py` calls it once per musicnn checkpoint).

use std::path::PathBuf;

use anyhow::Result;
use genrespace_classifier::{import_safetensors, ImportSpec};

#[derive(clap::Args)]
pub struct Args {
    /// Import spec (JSON: name, arch, preset, output, labels, provenance).
    spec: PathBuf,
    /// Weights as SafeTensors, named by the model's module paths, in burn's layouts.
    weights: PathBuf,
    /// Model folder to write.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

pub fn run(args: Args) -> Result<()> {
    let spec = ImportSpec::read(&args.spec)?;
    import_safetensors(&spec, &args.weights, &args.out)?;
    println!("{}: {} ({} labels) written", args.out.display(), spec.name, spec.labels.len());
    Ok(())
}
