//! Benchmarks of the audit log's hot paths: appending, roots and proofs in a
//! tree of a million entries, and the full recompute behind `audit verify`
//! (hash every entry's bytes, rebuild the tree, check the signed heads).

use std::hint::black_box;

use confidant_audit::{LeafHash, LogSigningKey, MerkleTree, SignedTreeHead, TreeHead, verify_inclusion, verify_log};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

const MILLION: u64 = 1_000_000;

/// A log entry of realistic size (~140 bytes of JSON).
fn entry(i: u64) -> Vec<u8> {
    format!(
        r#"{{"seq":{i},"at":"2026-01-01T00:00:00Z","actor":"staff-{}","action":"disclosure.decided","client":"c-{}","outcome":"permit"}}"#,
        i % 97,
        i % 10_007
    )
    .into_bytes()
}

fn leaf_hashes(n: u64) -> Vec<LeafHash> {
    (0..n).map(|i| LeafHash::of(&entry(i))).collect()
}

fn append(c: &mut Criterion) {
    let leaves = leaf_hashes(100_000);
    let mut group = c.benchmark_group("append");
    group.throughput(Throughput::Elements(leaves.len() as u64));
    group.bench_function("100k leaf hashes", |b| {
        b.iter_batched(
            || leaves.clone(),
            |leaves| {
                let mut tree = MerkleTree::new();
                for leaf in leaves {
                    tree.append(leaf);
                }
                tree
            },
            BatchSize::LargeInput,
        );
    });
    let entries: Vec<_> = (0..100_000).map(entry).collect();
    group.bench_function("100k entries (leaf hash + append)", |b| {
        b.iter(|| {
            let mut tree = MerkleTree::new();
            for e in &entries {
                tree.append(LeafHash::of(e));
            }
            tree
        });
    });
    group.finish();
}

fn at_a_million(c: &mut Criterion) {
    let tree = MerkleTree::from_leaf_hashes(leaf_hashes(MILLION));
    let root = tree.root();
    let mut group = c.benchmark_group("tree of 1M");
    group.bench_function("root", |b| b.iter(|| black_box(&tree).root()));
    let mut size = 0;
    group.bench_function("root at an earlier size", |b| {
        b.iter(|| {
            size = (size + 7_919) % MILLION + 1;
            tree.root_at(black_box(size))
        });
    });
    let mut index = 0;
    group.bench_function("inclusion proof", |b| {
        b.iter(|| {
            index = (index + 7_919) % MILLION;
            tree.inclusion_proof(black_box(index), MILLION)
        });
    });
    let mut old = 0;
    group.bench_function("consistency proof", |b| {
        b.iter(|| {
            old = (old + 7_919) % MILLION + 1;
            tree.consistency_proof(black_box(old), MILLION)
        });
    });
    let proof = tree.inclusion_proof(654_321, MILLION).ok();
    let leaf = tree.leaf(654_321);
    if let (Some(proof), Some(leaf)) = (proof, leaf) {
        group.bench_function("verify inclusion", |b| {
            b.iter(|| verify_inclusion(&leaf, 654_321, MILLION, black_box(&proof.path), &root));
        });
    }
    group.finish();
}

fn recompute(c: &mut Criterion) {
    let entries: Vec<_> = (0..MILLION).map(entry).collect();
    let key = LogSigningKey::from_seed(&[3; 32]);
    // Heads every 100k entries, as a daily signer might leave them.
    let mut tree = MerkleTree::new();
    let mut heads: Vec<SignedTreeHead> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        tree.append(LeafHash::of(e));
        let size = i as u64 + 1;
        if size.is_multiple_of(100_000) {
            heads.push(key.sign(TreeHead { size, root: tree.root(), timestamp_ms: size }));
        }
    }
    drop(tree);
    let public = key.verifying_key();
    let stored: Vec<_> = entries.iter().map(|e| LeafHash::of(e)).collect();

    let mut group = c.benchmark_group("recompute 1M");
    group.sample_size(10);
    group.throughput(Throughput::Elements(MILLION));
    group.bench_function("verify_log from entry bytes", |b| {
        b.iter(|| verify_log(entries.iter().map(|e| LeafHash::of(e)), &heads, &public));
    });
    group.bench_function("verify_log from stored leaf hashes", |b| {
        b.iter(|| verify_log(stored.iter().copied(), &heads, &public));
    });
    group.bench_function("MerkleTree from entry bytes", |b| {
        b.iter(|| MerkleTree::from_leaf_hashes(entries.iter().map(|e| LeafHash::of(e))));
    });
    group.finish();
}

criterion_group!(benches, append, at_a_million, recompute);
criterion_main!(benches);
