//! `call-insights serve`: the HTTP service.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use anyhow::Context as _;
use url::Url;

use crate::config::Settings;
use crate::service::{self, Service};

/// Runs the service until Ctrl-C or SIGTERM.
///
/// # Errors
/// Invalid settings, a port already in use, or a database that cannot open.
pub async fn run() -> anyhow::Result<ExitCode> {
    let settings = Settings::from_env()?;
    settings.check_api_exposure()?;
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| {
            format!(
                "failed to listen on {}; set PORT or HOST to another value",
                settings.listen
            )
        })?;
    let address = listener.local_addr()?;
    let base_url = base_url(address);

    let service = Service::build(settings, &base_url).await?;
    announce(&service, &base_url);

    let router = service.router();
    let server = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(shutdown_signal())
            .await
    });
    let workers = service.start_executor(&base_url).await?;
    let reaper = service.start_reaper();

    let served = server.await.context("the HTTP server task failed")?;
    reaper.abort();
    if let Some(workers) = workers {
        workers.shutdown().await;
    }
    served.context("the HTTP server stopped with an error")?;
    Ok(ExitCode::SUCCESS)
}

/// The URL this process answers on; a wildcard bind is reached on loopback.
pub fn base_url(address: SocketAddr) -> Url {
    let host = match address.ip() {
        ip if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        ip => ip,
    };
    let authority = SocketAddr::new(host, address.port());
    Url::parse(&format!("http://{authority}/")).expect("a socket address forms a valid URL")
}

fn announce(service: &Service, base_url: &Url) {
    let settings = &service.settings;
    tracing::info!(
        mode = settings.mode.as_str(),
        reason = %settings.mode_reason,
        serve_url = %format!("{base_url}api/inngest"),
        database = %service::redact(&settings.database_url),
        analyzer = ?settings.providers.analyzer,
        transcriber = ?settings.providers.transcriber,
        "call-insights started"
    );
    if service::cloud_without_key(service.handler.config()) {
        tracing::warn!(
            "cloud mode without INNGEST_SIGNING_KEY: every call will be refused; set INNGEST_SIGNING_KEY, or INNGEST_DEV=1 for the dev server"
        );
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
