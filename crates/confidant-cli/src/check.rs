//! `confidant check`: read a request or a batch, decide, print.

use std::fs::File;
use std::io::{self, IsTerminal, Read, Write};

use confidant_policy::{Input, MAX_BATCH_BYTES, parse_input};

use crate::{Failure, Format, render};

pub fn run(file: Option<&str>, format: Option<Format>) -> Result<(), Failure> {
    let text = read_input(file)?;
    // Everything is validated before anything is printed: bad input leaves stdout empty.
    let input = parse_input(&text).map_err(|e| Failure::Input(e.to_string()))?;
    let engine = crate::packs::engine()?;
    // A jurisdiction no loaded pack covers is bad input too, found before anything prints.
    match &input {
        Input::One(request) => engine.accepts(request).map_err(|e| Failure::Input(e.to_string()))?,
        Input::Batch(requests) => {
            for (i, request) in requests.iter().enumerate() {
                engine.accepts(request).map_err(|e| Failure::Input(e.in_batch(i).to_string()))?;
            }
        }
    }
    let format = format.unwrap_or(if io::stdout().is_terminal() { Format::Text } else { Format::Json });
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match input {
        Input::One(request) => {
            let decision = engine.decide(&request).map_err(|e| Failure::Internal(e.to_string()))?;
            match format {
                Format::Json => serde_json::to_writer_pretty(&mut out, &decision).map_err(internal)?,
                Format::Text => out.write_all(render::decision(&decision).as_bytes()).map_err(internal)?,
            }
        }
        Input::Batch(requests) => {
            // Every request was validated above; decisions stream out one by one.
            if format == Format::Json {
                out.write_all(b"[").map_err(internal)?;
            }
            // One buffer for every decision's JSON, written by the engine's
            // own renderer (the bytes serde would write, without its walk).
            let mut json = Vec::new();
            for (i, request) in requests.iter().enumerate() {
                let decision = engine.decide(request).map_err(|e| Failure::Internal(format!("request {i}: {e}")))?;
                match format {
                    Format::Json => {
                        if i > 0 {
                            out.write_all(b",").map_err(internal)?;
                        }
                        json.clear();
                        decision.write_json(&mut json);
                        out.write_all(&json).map_err(internal)?;
                    }
                    Format::Text => {
                        writeln!(out, "── request {} ──", i + 1).map_err(internal)?;
                        out.write_all(render::decision(&decision).as_bytes()).map_err(internal)?;
                    }
                }
            }
            if format == Format::Json {
                out.write_all(b"]").map_err(internal)?;
            }
        }
    }
    writeln!(out).map_err(internal)?;
    out.flush().map_err(internal)
}

fn read_input(file: Option<&str>) -> Result<String, Failure> {
    let reader: Box<dyn Read> = match file {
        None | Some("-") => Box::new(io::stdin().lock()),
        Some(path) => Box::new(File::open(path).map_err(|e| Failure::Input(format!("{path}: cannot read the request file ({e})")))?),
    };
    // Read one byte past the largest acceptable input, so an oversized one is
    // refused without reading it all; the parser applies the exact limits.
    let mut bytes = Vec::new();
    reader.take(MAX_BATCH_BYTES as u64 + 1).read_to_end(&mut bytes).map_err(|e| Failure::Input(format!("input: cannot read ({e})")))?;
    String::from_utf8(bytes)
        .map_err(|e| Failure::Input(format!("input: UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to())))
}

fn internal(e: impl std::fmt::Display) -> Failure {
    Failure::Internal(e.to_string())
}
