//! Logging to stderr through `tracing`, filtered by `SLIPWAY_LOG`, then `RUST_LOG`.

use tracing_subscriber::EnvFilter;

/// Installs the stderr logger once. `verbose` raises the default level to debug.
pub fn init(verbose: bool) {
    let default = if verbose { "debug" } else { "warn" };
    let filter = std::env::var("SLIPWAY_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .map_or_else(|_| EnvFilter::new(default), EnvFilter::new);
    let color = std::env::var_os("NO_COLOR").is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .with_target(false)
        .without_time()
        .try_init();
}
