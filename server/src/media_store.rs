//! Where uploaded files live. `MediaStore` is the interface the rest of
//! Trellis uses; `FileStore` keeps files in a directory (the data directory
//! by default). Another store (object storage, say) would implement the
//! same four calls.

use std::{io::Write, path::PathBuf, time::SystemTime};

pub trait MediaStore: Send + Sync + std::fmt::Debug {
    /// Stores `bytes` under `key`, replacing nothing: keys are new ids.
    fn put(&self, key: &str, bytes: &[u8]) -> std::io::Result<()>;
    /// The bytes under `key`, or None when there is no such file.
    fn get(&self, key: &str) -> std::io::Result<Option<Vec<u8>>>;
    /// Removes `key`; removing what is not there is fine.
    fn delete(&self, key: &str) -> std::io::Result<()>;
    /// The keys of files written before `cutoff`, for the sweep of files
    /// no row names any more.
    fn keys_written_before(&self, cutoff: SystemTime) -> std::io::Result<Vec<String>>;
}

/// Whether `key` is one this server makes (`<id>.<ext>`, `<id>-preview.jpg`):
/// lower-case letters, digits, `-` and one `.`, so that no key read from a
/// request can leave the store's directory.
pub fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key.matches('.').count() == 1
        && !key.starts_with('.')
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.'))
}

#[derive(Debug)]
pub struct FileStore {
    dir: PathBuf,
}

impl FileStore {
    pub fn new(dir: impl Into<PathBuf>) -> FileStore {
        FileStore { dir: dir.into() }
    }

    fn path(&self, key: &str) -> std::io::Result<PathBuf> {
        if !valid_key(key) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{key:?} is not a media key"),
            ));
        }
        Ok(self.dir.join(key))
    }
}

impl MediaStore for FileStore {
    fn put(&self, key: &str, bytes: &[u8]) -> std::io::Result<()> {
        let path = self.path(key)?;
        std::fs::create_dir_all(&self.dir)?;
        // Written aside and renamed, so a reader never sees half a file and
        // a crash leaves no truncated one under the key.
        let partial = self.dir.join(format!("{key}.partial"));
        let mut file = std::fs::File::create(&partial)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&partial, &path)
    }

    fn get(&self, key: &str) -> std::io::Result<Option<Vec<u8>>> {
        match std::fs::read(self.path(key)?) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    fn delete(&self, key: &str) -> std::io::Result<()> {
        match std::fs::remove_file(self.path(key)?) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }

    fn keys_written_before(&self, cutoff: SystemTime) -> std::io::Result<Vec<String>> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(error) => return Err(error),
        };
        let mut keys = Vec::new();
        for entry in entries {
            let entry = entry?;
            let Some(key) = entry.file_name().to_str().map(String::from) else {
                continue;
            };
            // Half-written files (`.partial`) are not keys: left alone.
            if valid_key(&key) && entry.metadata()?.modified()? < cutoff {
                keys.push(key);
            }
        }
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_cannot_leave_the_directory() {
        for bad in [
            "", "../x.jpg", "a/b.jpg", "x", ".jpg", "X.JPG", "a..jpg", "a.b.c",
        ] {
            assert!(!valid_key(bad), "{bad:?}");
        }
        assert!(valid_key("123.jpg") && valid_key("123-preview.jpg"));
    }

    #[test]
    fn files_are_stored_read_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("media"));
        assert_eq!(store.get("1.png").unwrap(), None);
        store.put("1.png", b"png").unwrap();
        assert_eq!(store.get("1.png").unwrap().as_deref(), Some(&b"png"[..]));
        store.delete("1.png").unwrap();
        store.delete("1.png").unwrap();
        assert_eq!(store.get("1.png").unwrap(), None);
        assert!(store.put("../escape.png", b"x").is_err());
    }

    #[test]
    fn only_files_written_before_the_cutoff_are_listed() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("media"));
        assert!(
            store
                .keys_written_before(SystemTime::now())
                .unwrap()
                .is_empty()
        );
        store.put("1.png", b"png").unwrap();
        std::fs::write(dir.path().join("media/2.png.partial"), b"half").unwrap();
        let later = SystemTime::now() + std::time::Duration::from_secs(1);
        assert_eq!(store.keys_written_before(later).unwrap(), vec!["1.png"]);
        let earlier = SystemTime::now() - std::time::Duration::from_secs(60);
        assert!(store.keys_written_before(earlier).unwrap().is_empty());
    }
}
