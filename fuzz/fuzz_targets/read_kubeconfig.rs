//! Arbitrary bytes as a kubeconfig: the pure reader behind `--kubeconfig` and `KUBECONFIG`
//! (`podwiz::cluster::context::parse_kubeconfig`). Nothing may panic, allocate without bound or
//! loop; the 16 MiB read limit sits in front of it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use podwiz::cluster::context::parse_kubeconfig;

fuzz_target!(|data: &[u8]| {
    let _ = parse_kubeconfig(data, Some(std::path::Path::new("/kube")));
});
