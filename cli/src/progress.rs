//! Progress bars on the terminal (hidden when standard error is not one).

use indicatif::{ProgressBar, ProgressStyle};

/// A bar of `len` steps labelled `label`.
pub fn bar(len: u64, label: &str) -> ProgressBar {
    let style = ProgressStyle::with_template(
        "{msg:>12} [{bar:40}] {pos}/{len} ({per_sec}, {elapsed_precise}, eta {eta})",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    let bar = ProgressBar::new(len).with_style(style);
    bar.set_message(label.to_string());
    bar
}
