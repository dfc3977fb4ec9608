//! Arbitrary text into the query front end (split, parse, check names and types,
//! rewrite SHARE/YOY/ROLLUP/PIVOT) over the bundled tables. Nothing is executed.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::Mutex;

static SESSION: Mutex<Option<budgetql::Session>> = Mutex::new(None);

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut guard = SESSION.lock().unwrap_or_else(|p| p.into_inner());
    let session = guard.get_or_insert_with(|| budgetql::Session::bundled().expect("bundled data"));
    for st in budgetql::query::split(text) {
        let _ = session.engine.front_end(&st.text);
    }
});
