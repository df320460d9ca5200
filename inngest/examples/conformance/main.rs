//! Serves the functions of Inngest's serve conformance suite in dev mode, so
//! `inngest alpha conformance run --sdk-url http://127.0.0.1:3939/api/inngest`
//! can test this SDK.
//!
//! ```text
//! cargo run -p inngest --example conformance            # port 3939
//! PORT=4000 cargo run -p inngest --example conformance
//! ```

mod functions;

use inngest::serve::{ServeConfig, ServeHandler, router};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|port| port.parse().ok())
        .unwrap_or(3939);

    // The suite's executor calls come unsigned from a dev server, so the
    // fixture runs in dev mode unless the environment says otherwise.
    let config = ServeConfig::from_lookup(|name| match (name, std::env::var(name)) {
        ("INNGEST_DEV", Err(_)) => Some("1".to_owned()),
        (_, value) => value.ok(),
    })?;
    let handler = ServeHandler::new(functions::app(), config);

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}/api/inngest", listener.local_addr()?);
    axum::serve(listener, router("/api/inngest", handler)).await?;
    Ok(())
}
