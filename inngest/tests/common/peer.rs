//! The official JavaScript SDK as a live peer: starts `tests/peers/js` with
//! Node and stops it when dropped.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A running peer server.
pub struct Peer {
    pub url: String,
    _child: Child,
}

fn peer_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/peers/js")
}

/// Starts the peer with `env`, or returns `None` after printing why when
/// Node or the installed packages are missing. With `CI_REQUIRE_PEER=1` a
/// missing peer fails the test instead.
pub async fn start(env: &[(&str, &str)]) -> Option<Peer> {
    let dir = peer_dir();
    let installed = dir.join("node_modules/inngest/package.json").is_file();
    let node = which_node();
    if !installed || node.is_none() {
        let reason = if node.is_none() {
            "node is not on PATH".to_owned()
        } else {
            format!("run `npm ci` in {}", dir.display())
        };
        assert!(
            std::env::var("CI_REQUIRE_PEER").as_deref() != Ok("1"),
            "the JavaScript SDK peer is required but unavailable: {reason}"
        );
        eprintln!("SKIPPED: JavaScript SDK peer unavailable ({reason})");
        return None;
    }

    let mut command = Command::new(node.unwrap());
    command
        .arg("server.js")
        .current_dir(&dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PORT", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("node starts");

    let stdout = child.stdout.take().expect("stdout is piped");
    let mut lines = BufReader::new(stdout).lines();
    let url = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.expect("peer stdout is readable") {
            if let Some(url) = line.strip_prefix("listening on ") {
                return url.trim().to_owned();
            }
        }
        panic!("the peer exited before listening");
    })
    .await
    .expect("the peer starts within 30 s");

    Some(Peer { url, _child: child })
}

fn which_node() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("node"))
        .find(|candidate| candidate.is_file())
}
