//! Arbitrary bytes into the manifest reader, then the assessment and the rewrite of whatever it
//! read: nothing may panic, allocate without bound or loop.
#![no_main]

use libfuzzer_sys::fuzz_target;
use podwiz::manifest::read_manifests;
use podwiz::security::pss::PolicyVersion;
use podwiz::security::workload::assess_manifests;

fuzz_target!(|data: &[u8]| {
    if let Ok(manifests) = read_manifests(data) {
        let report = assess_manifests(&manifests, PolicyVersion::Latest);
        for object in &report.objects {
            if let Some(suggestion) = &object.suggestion {
                let _ = serde_json::to_string(&suggestion.manifest);
            }
        }
    }
});
