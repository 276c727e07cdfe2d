//! Embeds the default rule packs (`rules/<pack>/<id>.yaml`) into the binary,
//! so that `cipherlint scan .` works from any directory.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    // Read at run time, not baked in with `env!`: two checkouts that share
    // a target directory share this script's binary, and a baked-in path
    // embedded the other checkout's rules (or none, once it was removed).
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest_dir).join("rules");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    if let Ok(packs) = std::fs::read_dir(&root) {
        for pack in packs.flatten() {
            let pack_path = pack.path();
            // `policies/` holds compliance profiles, not rules (see src/policy.rs).
            if !pack_path.is_dir() || pack.file_name() == "policies" {
                continue;
            }
            println!("cargo:rerun-if-changed={}", pack_path.display());
            for rule in std::fs::read_dir(&pack_path).into_iter().flatten().flatten() {
                let p = rule.path();
                if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
                    println!("cargo:rerun-if-changed={}", p.display());
                    let rel = p.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
                    files.push((rel, p));
                }
            }
        }
    }
    files.sort();
    let mut out = String::from("pub(crate) static EMBEDDED: &[(&str, &str)] = &[\n");
    for (rel, path) in &files {
        writeln!(out, "    ({rel:?}, include_str!({:?})),", path.display().to_string()).unwrap();
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("embedded_rules.rs");
    std::fs::write(dest, out).unwrap();
}
