//! Fills an empty, migrated Trellis database with a generated network, to
//! look at a large network or study a query plan on one:
//!
//! ```text
//! cargo run --release -p federation-tests --bin bulk-generate -- DATABASE_URL BASE_URL [MEMBERS] [STATUSES]
//! ```
//!
//! DATABASE_URL is `sqlite://PATH` or `postgres://…`, a database that
//! `trellis serve` (or `trellis migrate`) has migrated and that holds no
//! members yet; BASE_URL is the origin the server will answer at
//! (`http://localhost:8080`). See [`federation_tests::bulk`].

use federation_tests::{
    bench::Args,
    bulk::{self, Spec},
};

fn main() {
    let args = Args::read("bulk-generate DATABASE_URL BASE_URL [MEMBERS] [STATUSES]");
    let (Some(url), Some(base_url)) = (args.numbers.first(), args.numbers.get(1)) else {
        panic!("usage: bulk-generate DATABASE_URL BASE_URL [MEMBERS] [STATUSES]");
    };
    let spec = Spec {
        members: args.number(2, 10_000),
        statuses: args.number(3, 1_000_000),
    };
    let started = std::time::Instant::now();
    let written = bulk::generate(url, base_url, spec);
    println!("{written} in {:.1} s", started.elapsed().as_secs_f64());
}
