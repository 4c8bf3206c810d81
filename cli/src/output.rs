//! Standard output that a closed pipe (`onaltu ... | head`) ends quietly instead of panicking
//! as `println!` does.

use std::fmt;
use std::io::Write;

/// Writes one line to standard output.
pub fn line(args: fmt::Arguments<'_>) {
    // The only write errors here are a reader that went away or a full disk; the exit code
    // still tells the outcome, and there is nowhere better to report them.
    let _ = writeln!(std::io::stdout().lock(), "{args}");
}

/// `println!` through [`line`].
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::output::line(format_args!($($arg)*))
    };
}
