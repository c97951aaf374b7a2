//! Arbitrary bytes as a pasted log: `podwiz troubleshoot` reads whatever people paste (logrus
//! text, JSON logs, kubectl events, CI logs). Nothing may panic or loop.
#![no_main]

use libfuzzer_sys::fuzz_target;
use podwiz::security::troubleshoot::analyze;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = analyze(&text, None);
});
