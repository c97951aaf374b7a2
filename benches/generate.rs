//! Generating all six bundles as YAML, as `podwiz generate` and the wizard's preview do.

use criterion::{Criterion, criterion_group, criterion_main};
use podwiz::render;
use podwiz::scenario::{self, Mode, Options};

fn all_six_bundles_as_yaml(c: &mut Criterion) {
    c.bench_function("generate all six bundles as yaml", |b| {
        b.iter(|| {
            let mut bytes = 0;
            for mode in Mode::ALL {
                let bundle =
                    scenario::build(mode, &Options::default()).expect("defaults are valid");
                bytes += render::bundle_yaml(&bundle).expect("yaml").len();
            }
            std::hint::black_box(bytes)
        })
    });
}

criterion_group!(benches, all_six_bundles_as_yaml);
criterion_main!(benches);
