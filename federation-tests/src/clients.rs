//! Real client programs for journeys: a Python virtual environment with
//! Mastodon.py and the toot CLI, a Node project with Node 22, masto.js,
//! megalodon, playwright-core and Fedify, each installed from its registry the first
//! time a test needs it and kept in the target directory; and Debian's
//! Chromium, which playwright-core drives (it never downloads a browser).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Pinned so a client release cannot change a test's meaning overnight.
const PYTHON_PACKAGES: &[&str] = &["Mastodon.py==2.3.3", "toot==0.52.1"];

/// bovine-herd, the second peer server of the interop tests, in a venv of
/// its own (its dependencies pin versions the clients' do not share).
/// http-sf 1.0.7: newer releases break bovine's signature parsing.
const BOVINE_PACKAGES: &[&str] = &["bovine-herd==0.5.19", "bovine==0.5.19", "http-sf==1.0.7"];

/// masto.js 8 and megalodon 10 need Node 22, newer than the machine's; the
/// `node` package ships a real Node binary. playwright-core is Playwright
/// without its browser downloads. Fedify is the peer server of the interop
/// tests (2.3.6: the next release's dependencies are missing from the
/// registry).
const NODE_PACKAGES: &[&str] = &[
    "node@22.23.3",
    "masto@8.0.0",
    "megalodon@10.3.0",
    "playwright-core@1.65.2",
    "@fedify/fedify@2.3.6",
];

/// Debian's Chromium, and a font so pages render text in screenshots.
const CHROMIUM_PACKAGES: &[&str] = &["chromium", "fonts-dejavu-core"];
const CHROMIUM: &str = "/usr/bin/chromium";

/// The Cargo target directory, where installs and test artefacts live.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// The clients' venv's `python`, created and filled on first use.
pub fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| venv_python("client-venv", PYTHON_PACKAGES))
}

/// The `python` of the venv that holds bovine-herd.
pub fn bovine_python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| venv_python("bovine-venv", BOVINE_PACKAGES))
}

fn venv_python(name: &str, packages: &[&str]) -> PathBuf {
    let venv = target_dir().join(name);
    let python = venv.join("bin/python");
    install_once(&venv, packages, || {
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
        run(Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(packages));
    });
    python
}

/// The toot CLI in the venv of [`python`].
pub fn toot() -> PathBuf {
    python().with_file_name("toot")
}

/// Node 22, installed on first use into a Node project that also holds
/// masto.js, megalodon and playwright-core. The binary lives inside that
/// project's `node_modules`, so a script finds the packages by resolving
/// from `process.execPath`.
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

/// A path inside the Node project's `node_modules` (installed first).
pub fn node_package(path: &str) -> PathBuf {
    node()
        .parent()
        .and_then(Path::parent)
        .expect("node sits in node_modules/.bin")
        .join(path)
}

/// `/usr/bin/chromium`, installed from Debian's packages on first use (the
/// tests run as root). The binary itself says whether it is installed, not
/// a marker in the target directory, which may outlive the machine.
pub fn chromium() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let chromium = PathBuf::from(CHROMIUM);
        let installed = || chromium.exists();
        if !installed() {
            with_install_lock(&target_dir().join("chromium"), installed, || {
                run(Command::new("apt-get").args(["update", "-q"]));
                run(Command::new("apt-get")
                    .args(["install", "-y", "-q", "--no-install-recommends"])
                    .args(CHROMIUM_PACKAGES)
                    .env("DEBIAN_FRONTEND", "noninteractive"));
            });
            assert!(
                installed(),
                "installing {CHROMIUM_PACKAGES:?} left no {CHROMIUM}"
            );
        }
        chromium
    })
}

/// Runs `install` in `dir` unless a marker there says `packages` are
/// installed. Tests in one binary share the result through their caller's
/// `OnceLock`; a lock file keeps two test binaries from installing at once.
/// The marker names the packages, so changing the list reinstalls.
fn install_once(dir: &Path, packages: &[&str], install: impl FnOnce()) {
    // Scoped npm names (`@scope/name`) hold a slash a file name cannot.
    let marker = dir.join(format!(
        "installed-{}",
        packages.join("+").replace('/', "_")
    ));
    with_install_lock(
        dir,
        || marker.exists(),
        || {
            install();
            std::fs::write(&marker, "").expect("writing the install marker");
        },
    );
}

/// Runs `install` unless `done` says it is not needed, holding a lock file
/// beside `dir` so that only one test process installs, and the others find
/// its work done once they get the lock.
fn with_install_lock(dir: &Path, done: impl Fn() -> bool, install: impl FnOnce()) {
    if done() {
        return;
    }
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    let lock = std::fs::File::create(dir.with_extension("lock")).expect("install lock file");
    lock.lock().expect("locking the install directory");
    if !done() {
        install();
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

/// Path of a script in `federation-tests/browser/`.
pub fn browser_script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("browser")
        .join(name)
}

/// Path of a script in `federation-tests/clients/`.
pub fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("clients")
        .join(name)
}
