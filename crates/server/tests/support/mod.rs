//! A real server on a free port over a small indexed library (generated sounds, the shipped
//! style model), for the HTTP and browser tests.
#![allow(dead_code)] // each test file uses a different part

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use burn::tensor::Device;
use genrespace_recommender::{index_library, Analyzer};
use genrespace_server::{ServeOptions, Server, UploadLimits};

#[path = "../../../recommender/tests/common/mod.rs"]
mod common;
#[allow(unused_imports)] // each test file uses a different part
pub use common::{analyzer, model_dir, opts, write_family_wav, write_wav};

/// A folder with `music/` (three families of sounds, `per_family` tracks each, one album folder
/// per family) and `lib.db` indexed from it.
pub struct Fixture {
    pub tmp: tempfile::TempDir,
}

impl Fixture {
    pub fn new(per_family: usize) -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("music");
        for family in 0..3 {
            for member in 0..per_family {
                write_family_wav(&root.join(format!("family{family}/song{member:02}.wav")), family, member);
            }
        }
        let a = analyzer();
        let mut lib = common::open(&tmp.path().join("lib.db"), &a);
        index_library(&mut lib, &a, &root, &opts()).unwrap();
        Self { tmp }
    }

    pub fn db(&self) -> PathBuf {
        self.tmp.path().join("lib.db")
    }

    pub fn music(&self) -> PathBuf {
        self.tmp.path().join("music")
    }
}

pub fn limits() -> UploadLimits {
    UploadLimits { max_bytes: 64 << 20, jobs: 2, queue: 8, max_patches: Some(40) }
}

/// A server running on its own thread and runtime; stopped when dropped.
pub struct Running {
    pub addr: SocketAddr,
    pub upload_dir: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    pub fn start(db: impl Into<genrespace_recommender::Location>, limits: UploadLimits) -> Self {
        let opts = ServeOptions {
            db: db.into(),
            addr: "127.0.0.1:0".parse().unwrap(),
            limits,
            timeout: Duration::from_secs(120),
            model: None,
            load_analyzer: Arc::new(|model: &Path| Analyzer::load(model, &Device::flex())),
        };
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().unwrap();
            rt.block_on(async move {
                let server = Server::bind(opts).await.expect("the server starts");
                ready_tx.send((server.local_addr().unwrap(), server.upload_dir())).unwrap();
                server
                    .run(async {
                        let _ = stopped.await;
                    })
                    .await
                    .unwrap();
            });
        });
        let (addr, upload_dir) = ready_rx.recv_timeout(Duration::from_secs(60)).expect("the server started");
        Self { addr, upload_dir, stop: Some(stop), thread: Some(thread) }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A real recording from `../shared/real-clips` when it is there (30 s of GTZAN country),
/// else a generated clip, with a note saying so.
pub fn real_clip(fallback_dir: &Path) -> PathBuf {
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/real-clips/gtzan_country.00000.wav");
    if real.is_file() {
        return real;
    }
    eprintln!("note: ../shared/real-clips is absent; uploading a generated clip instead of a real recording");
    let clip = fallback_dir.join("generated-clip.wav");
    write_family_wav(&clip, 1, 9);
    clip
}
