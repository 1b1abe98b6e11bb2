//! Many threads and many short-lived lock instances from a few sites: memory is bounded by the
//! number of classes, and consistent orders stay silent.

use std::thread;
use std::time::{Duration, Instant};

use runtime_probe::Action;
use runtime_probe::enabled::{Mutex, RwLock};

struct Account {
    balance: Mutex<u64>,
}

fn new_account() -> Account {
    Account {
        balance: Mutex::new(100),
    }
}

fn new_index() -> RwLock<Vec<u64>> {
    RwLock::new(Vec::new())
}

#[test]
fn sixteen_threads_ten_thousand_instances_three_classes() {
    runtime_probe::set_action(Action::Record);
    let started = Instant::now();
    let registry: &'static Mutex<u64> = Box::leak(Box::new(Mutex::new(0)));
    let handles: Vec<_> = (0..16)
        .map(|thread_index| {
            thread::spawn(move || {
                let mut created = 0;
                for request in 0..625 {
                    let from = new_account();
                    let to = new_account();
                    let index = new_index();
                    created += 3;
                    let _registry = registry.lock().unwrap();
                    // `from` and `to` are of one class: take them one after the other (nesting
                    // two locks of one class is reported, as lockdep does).
                    {
                        let mut from_balance = from.balance.lock().unwrap();
                        *from_balance -= 1;
                    }
                    {
                        let mut to_balance = to.balance.lock().unwrap();
                        *to_balance += 1;
                        index.write().unwrap().push(request + thread_index);
                    }
                    assert_eq!(index.read().unwrap().len(), 1);
                }
                created
            })
        })
        .collect();
    let created: u64 = handles
        .into_iter()
        .map(|handle| handle.join().unwrap())
        .sum();
    assert!(created >= 10_000 * 3, "{created}");
    // registry, account balance, index: three creation sites, three classes, however many
    // instances.
    assert_eq!(
        runtime_probe::class_count(),
        3,
        "classes must be counted per creation site"
    );
    // registry->balance, registry->index (write), balance->index (write), registry->index (read)
    assert_eq!(runtime_probe::edge_count(), 4);
    assert!(
        runtime_probe::reports().is_empty(),
        "{:#?}",
        runtime_probe::reports()
    );
    assert!(started.elapsed() < Duration::from_secs(60));
}
