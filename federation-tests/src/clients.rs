//! Real client programs for journeys: a Python virtual environment with
//! Mastodon.py and the toot CLI, and a Node project with Node 22, masto.js
//! and megalodon, each installed from its registry the first time a test
//! needs it and kept in the target directory.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Pinned so a client release cannot change a test's meaning overnight.
const PYTHON_PACKAGES: &[&str] = &["Mastodon.py==2.3.3", "toot==0.52.1"];

/// masto.js 8 and megalodon 10 need Node 22, newer than the machine's; the
/// `node` package ships a real Node binary.
const NODE_PACKAGES: &[&str] = &["node@22.23.3", "masto@8.0.0", "megalodon@10.3.0"];

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// The venv's `python`, created and filled on first use.
pub fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let venv = target_dir().join("client-venv");
        let python = venv.join("bin/python");
        install_once(&venv, PYTHON_PACKAGES, || {
            run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
            run(Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ])
                .args(PYTHON_PACKAGES));
        });
        python
    })
}

/// The toot CLI in the venv of [`python`].
pub fn toot() -> PathBuf {
    python().with_file_name("toot")
}

/// Node 22, installed on first use into a Node project that also holds
/// masto.js and megalodon. The binary lives inside that project's
/// `node_modules`, so a script finds the packages by resolving from
/// `process.execPath`.
pub fn node() -> &'static Path {
    static NODE: OnceLock<PathBuf> = OnceLock::new();
    NODE.get_or_init(|| {
        let project = target_dir().join("client-node");
        install_once(&project, NODE_PACKAGES, || {
            // Without a package.json here npm would install into the first
            // parent directory that has one.
            std::fs::write(project.join("package.json"), "{\"private\": true}\n")
                .expect("writing the Node project's package.json");
            run(Command::new("npm")
                .args(["install", "--no-audit", "--no-fund", "--loglevel=error"])
                .args(NODE_PACKAGES)
                .current_dir(&project));
        });
        project.join("node_modules/.bin/node")
    })
}

/// Runs `install` in `dir` unless a marker there says `packages` are
/// installed. Tests in one binary share the result through their caller's
/// `OnceLock`; a lock file keeps two test binaries from installing at once.
/// The marker names the packages, so changing the list reinstalls.
fn install_once(dir: &Path, packages: &[&str], install: impl FnOnce()) {
    let marker = dir.join(format!("installed-{}", packages.join("+")));
    if marker.exists() {
        return;
    }
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    let lock = std::fs::File::create(dir.with_extension("lock")).expect("install lock file");
    lock.lock().expect("locking the install directory");
    if !marker.exists() {
        install();
        std::fs::write(&marker, "").expect("writing the install marker");
    }
}

fn run(command: &mut Command) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Path of a script in `federation-tests/clients/`.
pub fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("clients")
        .join(name)
}
