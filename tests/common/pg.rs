//! A throwaway PostgreSQL cluster for a test (scripts/pg_cluster.sh): started in a temporary
//! folder on a unix socket, stopped and removed when dropped. Shared by the workspace's tests
//! (crates include it with `#[path]`).

#![allow(dead_code)] // each test file uses a different part

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct PgCluster {
    dir: PathBuf,
    pub url: String,
}

/// The workspace's `scripts/pg_cluster.sh`, found upwards from the crate under test.
fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|d| d.join("scripts/pg_cluster.sh"))
        .find(|s| s.is_file())
        .expect("scripts/pg_cluster.sh in the workspace")
}

impl PgCluster {
    /// Start a cluster, or `None` (after saying why) where PostgreSQL is not installed.
    pub fn start() -> Option<Self> {
        let dir = tempfile::Builder::new().prefix("genrespace-pg-").tempdir_in("/tmp").unwrap().keep();
        let out = Command::new(script()).arg("start").arg(&dir).output().expect("scripts/pg_cluster.sh runs");
        if out.status.code() == Some(2) {
            eprintln!("skipping: {} (scripts/setup.sh installs PostgreSQL)", String::from_utf8_lossy(&out.stderr).trim());
            let _ = std::fs::remove_dir_all(&dir);
            return None;
        }
        assert!(out.status.success(), "pg_cluster.sh start failed: {}", String::from_utf8_lossy(&out.stderr));
        let url = String::from_utf8(out.stdout).unwrap().trim().to_owned();
        Some(Self { dir, url })
    }

    /// Stop the server at once, as a crash or a lost machine would.
    pub fn kill(&self) {
        let out = Command::new(script()).arg("kill").arg(&self.dir).output().unwrap();
        assert!(out.status.success(), "pg_cluster.sh kill failed: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Start the server again after [`PgCluster::kill`] (same data, same URL).
    pub fn restart(&self) {
        let out = Command::new(script()).arg("start").arg(&self.dir).output().unwrap();
        assert!(out.status.success(), "pg_cluster.sh start failed: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// A fresh database in this cluster, its URL (tests that need several libraries).
    pub fn database(&self, name: &str) -> String {
        let mut client = postgres::Client::connect(&self.url, postgres::NoTls).unwrap();
        client.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        self.url.replacen("/genrespace?", &format!("/{name}?"), 1)
    }

    pub fn client(&self, url: &str) -> postgres::Client {
        postgres::Client::connect(url, postgres::NoTls).unwrap()
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = Command::new(script()).arg("stop").arg(&self.dir).output();
    }
}
