//! Panics inside a dependency (the PDF reader, Polars) caught at the boundary and turned
//! into errors: a damaged file or a query Polars cannot run never crashes the process or
//! the shell, and the default hook does not print a crash report while a guard is active.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Guards active now (on any thread: Polars panics on its worker threads too).
static ACTIVE: AtomicUsize = AtomicUsize::new(0);
/// The first panic message seen while a guard was active.
static MESSAGE: Mutex<Option<String>> = Mutex::new(None);

fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if ACTIVE.load(Ordering::SeqCst) == 0 {
                return prev(info);
            }
            let text = info
                .payload()
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| info.payload().downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a panic".into());
            let at = info
                .location()
                .map(|l| format!(" ({}:{})", l.file(), l.line()))
                .unwrap_or_default();
            if let Ok(mut m) = MESSAGE.lock() {
                m.get_or_insert(format!("{text}{at}"));
            }
        }));
    });
}

/// Run `f`; a panic inside it (or on a thread it waits for) becomes `Err(message)`.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install();
    ACTIVE.fetch_add(1, Ordering::SeqCst);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    let left = ACTIVE.fetch_sub(1, Ordering::SeqCst) - 1;
    match r {
        Ok(v) => Ok(v),
        Err(p) => {
            let seen = MESSAGE
                .lock()
                .ok()
                .and_then(|mut m| if left == 0 { m.take() } else { m.clone() });
            Err(seen.unwrap_or_else(|| {
                p.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "a panic".into())
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_panic_becomes_an_error_with_its_message() {
        let r: Result<(), String> = super::catch(|| panic!("boom"));
        assert!(r.unwrap_err().starts_with("boom"));
        assert_eq!(super::catch(|| 2 + 2), Ok(4));
    }
}
