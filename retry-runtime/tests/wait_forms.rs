//! Every accepted form of a wait generator and of its parameters gives the waits it is given:
//! a generator borrowed (`&mut`) or boxed, constant intervals as a `Vec` or a static slice,
//! a runtime wait as plain seconds, and any iterator of waits.

use std::time::Duration;

use retry_runtime::wait::{self, IntoIntervals, Last, WaitGen};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The waits of `waits` until it gives up (at most `limit`, so a generator that never ends
/// fails the comparison instead of hanging the test).
fn all_waits<W: WaitGen<u32>>(mut waits: W, last: Last<'_, u32>, limit: usize) -> Vec<Duration> {
    std::iter::from_fn(|| waits.next_wait(last))
        .take(limit)
        .collect()
}

#[test]
fn a_borrowed_generator_advances_the_one_it_borrows() {
    let mut listed = wait::constant().interval([0.25, 0.5]);
    let borrowed = &mut listed;
    assert_eq!(
        WaitGen::<u32>::next_wait(&mut &mut *borrowed, Last::Value(&1)),
        Some(ms(250))
    );
    // The borrow moved the generator on: the next wait, through it or directly, is the second.
    assert_eq!(
        all_waits(&mut listed, Last::Value(&1), 5),
        [ms(500)],
        "the list then ends"
    );
}

#[test]
fn a_boxed_generator_gives_the_waits_of_the_one_it_holds() {
    let boxed: Box<dyn WaitGen<u32>> = Box::new(wait::constant().interval([1, 3]));
    assert_eq!(
        all_waits(boxed, Last::Value(&1), 5),
        [Duration::from_secs(1), Duration::from_secs(3)]
    );
    let boxed_fn: Box<dyn WaitGen<u32>> = Box::new(wait::from_fn(|last: Last<'_, u32>| {
        last.error().map(|&e| ms(u64::from(e)))
    }));
    assert_eq!(all_waits(boxed_fn, Last::Error(&7), 2), [ms(7), ms(7)]);
}

#[test]
fn constant_intervals_as_a_vec_are_taken_in_turn_then_end() {
    let listed = wait::constant().interval(vec![0.5, 2.0, 0.125]);
    assert_eq!(
        all_waits(listed, Last::Value(&1), 10),
        [ms(500), ms(2000), ms(125)]
    );
    let durations = wait::constant().interval(vec![ms(40), ms(10)]);
    assert_eq!(all_waits(durations, Last::Value(&1), 10), [ms(40), ms(10)]);
    let empty = wait::constant().interval(Vec::<f64>::new());
    assert_eq!(
        all_waits(empty, Last::Value(&1), 10),
        [],
        "an empty list gives up at once"
    );
}

static STEPS: [Duration; 3] = [
    Duration::from_millis(100),
    Duration::from_millis(300),
    Duration::from_millis(900),
];

#[test]
fn constant_intervals_from_a_static_slice_are_taken_in_turn_then_end() {
    let listed = wait::constant().interval(&STEPS[..]);
    assert_eq!(
        all_waits(listed, Last::Value(&1), 10),
        [ms(100), ms(300), ms(900)]
    );
    let intervals = (&STEPS[1..]).into_intervals();
    assert_eq!(
        retry_runtime::wait::Intervals::interval(&intervals, 1),
        Some(ms(900))
    );
    assert_eq!(
        retry_runtime::wait::Intervals::interval(&intervals, 2),
        None
    );
}

#[test]
fn a_runtime_wait_given_as_plain_seconds_is_used() {
    // `value` returns seconds (not an `Option`): always a wait, never the fallback.
    let seconds = wait::runtime()
        .value(|e: &u32| f64::from(*e) / 4.0)
        .or_else(wait::constant().interval(60));
    assert_eq!(all_waits(seconds, Last::Error(&3), 2), [ms(750), ms(750)]);
    let duration = wait::runtime()
        .value(|e: &u32| ms(u64::from(*e) * 10))
        .max_value(0.05);
    assert_eq!(
        all_waits(duration, Last::Error(&9), 1),
        [ms(50)],
        "capped at max_value"
    );
    // No error to read (a value was retried): the fallback decides.
    let on_value = wait::runtime()
        .value(|e: &u32| f64::from(*e))
        .or_else(wait::constant().interval([0.2]));
    assert_eq!(all_waits(on_value, Last::Value(&5), 3), [ms(200)]);
}

#[test]
fn an_iterator_of_waits_is_taken_in_turn_then_ends() {
    let seconds = wait::from_iter([0.5, 1.5]);
    assert_eq!(all_waits(seconds, Last::Value(&1), 10), [ms(500), ms(1500)]);
    let durations = wait::from_iter((1..=3).map(|n| ms(n * 20)));
    assert_eq!(
        all_waits(durations, Last::Error(&1), 10),
        [ms(20), ms(40), ms(60)]
    );
}

#[test]
fn last_debug_names_the_outcome() {
    assert_eq!(format!("{:?}", Last::<u32>::Error(&503)), "Error(503)");
    assert_eq!(format!("{:?}", Last::<u32>::Value(&"x")), "Value(\"x\")");
}
