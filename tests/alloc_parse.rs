//! The parser's hot path does not allocate per label or per sample name: streaming a real proxy
//! body allocates nothing, and building families only grows the family and sample vectors.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use linkerd_export::metrics::parse;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: delegates to the system allocator; only counts calls on the current thread.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|a| a.set(a.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|a| a.set(a.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let before = ALLOCATIONS.with(Cell::get);
    let out = f();
    (ALLOCATIONS.with(Cell::get) - before, out)
}

const BODY: &str =
    include_str!("fixtures/linkerd/datadog__linkerd__tests__fixtures__linkerd_v2.txt");

#[test]
fn streaming_a_proxy_body_allocates_nothing() {
    let (allocs, (samples, labels)) = allocations_during(|| {
        let mut samples = 0;
        let mut labels = 0;
        for line in parse::lines(BODY) {
            if let Ok((_, parse::Line::Sample(s))) = line {
                samples += 1;
                labels += s
                    .labels
                    .iter()
                    .filter(|l| !l.value.is_empty() && !l.name.is_empty())
                    .count();
            }
        }
        (samples, labels)
    });
    assert!(
        samples > 1000 && labels > 5000,
        "{samples} samples, {labels} labels"
    );
    assert_eq!(allocs, 0);
}

#[test]
fn building_families_only_grows_vectors() {
    let (allocs, body) = allocations_during(|| parse::parse(BODY).unwrap());
    let growths = |n: usize| (usize::BITS - n.leading_zeros()) as usize + 1;
    let bound = growths(body.families.len())
        + body
            .families
            .iter()
            .map(|f| growths(f.samples.len()))
            .sum::<usize>();
    assert!(
        allocs <= bound,
        "{allocs} allocations for {} samples, bound {bound}",
        body.sample_count()
    );
    assert!(allocs < body.sample_count() / 5);
}
