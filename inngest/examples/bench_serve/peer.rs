//! Starts the JavaScript SDK peer for the benchmark.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The running peer; stopped when dropped.
pub(crate) struct Peer {
    pub(crate) url: String,
    _child: Child,
}

/// Starts `node server.js` with the lab functions in dev mode, or returns
/// `None` when the packages are not installed.
pub(crate) async fn start() -> Option<Peer> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/peers/js");
    if !dir.join("node_modules/inngest/package.json").is_file() {
        return None;
    }
    let mut child = Command::new("node")
        .arg("server.js")
        .current_dir(&dir)
        .env("PORT", "0")
        .env("INNGEST_DEV", "1")
        .env("PEER_FUNCTIONS", "lab")
        .env("PEER_APP_ID", "vector-lab")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .ok()?;

    let mut lines = BufReader::new(child.stdout.take()?).lines();
    let url = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(url) = line.strip_prefix("listening on ") {
                return Some(url.trim().to_owned());
            }
        }
        None
    })
    .await
    .ok()??;
    Some(Peer { url, _child: child })
}
