//! The probing locks keep std's API and poisoning behaviour.

use std::sync::TryLockError;
use std::thread;

use runtime_probe::Action;
use runtime_probe::enabled::{Mutex, RwLock};

#[test]
fn mutex_poisoning_behaves_like_std() {
    runtime_probe::set_action(Action::Record);
    let lock: &'static Mutex<u32> = Box::leak(Box::new(Mutex::new(1)));
    assert!(!lock.is_poisoned());
    let outcome = thread::spawn(move || {
        let mut guard = lock.lock().unwrap();
        *guard = 2;
        panic!("poison it");
    })
    .join();
    assert!(outcome.is_err());
    assert!(lock.is_poisoned());
    let poisoned = lock.lock().expect_err("poisoned");
    assert_eq!(**poisoned.get_ref(), 2);
    let mut guard = poisoned.into_inner();
    *guard = 3;
    drop(guard);
    assert!(matches!(lock.try_lock(), Err(TryLockError::Poisoned(_))));
    lock.clear_poison();
    assert!(!lock.is_poisoned());
    assert_eq!(*lock.lock().unwrap(), 3);
    assert_eq!(runtime_probe::held_count(), 0);
}

#[test]
fn rwlock_poisoning_behaves_like_std() {
    runtime_probe::set_action(Action::Record);
    let lock: &'static RwLock<Vec<u8>> = Box::leak(Box::new(RwLock::new(vec![1])));
    let outcome = thread::spawn(move || {
        lock.write().unwrap().push(2);
        let _guard = lock.write().unwrap();
        panic!("poison it");
    })
    .join();
    assert!(outcome.is_err());
    assert!(lock.is_poisoned());
    assert_eq!(*lock.read().expect_err("poisoned").into_inner(), vec![1, 2]);
    assert!(matches!(lock.try_write(), Err(TryLockError::Poisoned(_))));
    // A panic while only reading does not poison, as in std.
    let reader_lock: &'static RwLock<u8> = Box::leak(Box::new(RwLock::new(0)));
    let outcome = thread::spawn(move || {
        let _guard = reader_lock.read().unwrap();
        panic!("readers do not poison");
    })
    .join();
    assert!(outcome.is_err());
    assert!(!reader_lock.is_poisoned());
}

#[test]
fn try_lock_would_block_and_the_owned_api_work() {
    runtime_probe::set_action(Action::Record);
    let mut lock = Mutex::new(String::from("a"));
    {
        let _held = lock.lock().unwrap();
        assert!(matches!(lock.try_lock(), Err(TryLockError::WouldBlock)));
    }
    lock.get_mut().unwrap().push('b');
    assert_eq!(format!("{:?}", lock.lock().unwrap()), "\"ab\"");
    assert_eq!(lock.into_inner().unwrap(), "ab");
    let mut rw = RwLock::new(5);
    {
        let _one = rw.read().unwrap();
        let _two = rw.try_read().unwrap();
        assert!(matches!(rw.try_write(), Err(TryLockError::WouldBlock)));
    }
    *rw.get_mut().unwrap() += 1;
    assert_eq!(rw.into_inner().unwrap(), 6);
    let poisoned = Mutex::new(7);
    let _ = thread::scope(|scope| {
        scope
            .spawn(|| {
                let _guard = poisoned.lock().unwrap();
                panic!("poison");
            })
            .join()
    });
    assert_eq!(poisoned.into_inner().expect_err("poisoned").into_inner(), 7);
}

#[test]
fn statics_and_defaults_work() {
    runtime_probe::set_action(Action::Record);
    static COUNTER: Mutex<u64> = Mutex::new(0);
    static NAMED: RwLock<u64> = RwLock::with_name("static_named", 0);
    *COUNTER.lock().unwrap() += 1;
    *NAMED.write().unwrap() += 1;
    assert_eq!(*COUNTER.lock().unwrap() + *NAMED.read().unwrap(), 2);
    let default: Mutex<Vec<u8>> = Mutex::default();
    assert!(default.lock().unwrap().is_empty());
}
