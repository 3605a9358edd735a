//! Real client programs for journeys: a Python virtual environment with
//! Mastodon.py (and later other clients), installed from PyPI the first time
//! a test needs it and kept in the target directory.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Pinned so a client release cannot change a test's meaning overnight.
const PYTHON_PACKAGES: &[&str] = &["Mastodon.py==2.3.3"];

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// The venv's `python`, created and filled on first use. Tests in one
/// binary share it; a lock file keeps two test binaries from installing
/// into it at once.
pub fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let venv = target_dir().join("client-venv");
        let python = venv.join("bin/python");
        let marker = venv.join(format!("installed-{}", PYTHON_PACKAGES.join("+")));
        if marker.exists() {
            return python;
        }
        std::fs::create_dir_all(&venv).expect("creating the venv directory");
        let lock = std::fs::File::create(venv.with_extension("lock")).expect("venv lock file");
        lock.lock().expect("locking the venv");
        if !marker.exists() {
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
            std::fs::write(&marker, "").expect("writing the venv marker");
        }
        python
    })
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
