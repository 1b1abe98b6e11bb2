//! What the crate root exports: the probing types in debug builds, std's own types when off.

#[test]
fn disabled_types_are_std_types_and_root_follows_the_build() {
    // `disabled::Mutex` is `std::sync::Mutex` itself (zero cost): this only compiles if so.
    let plain: std::sync::Mutex<u8> = runtime_probe::disabled::Mutex::new(1);
    let plain_rw: std::sync::RwLock<u8> =
        <runtime_probe::disabled::RwLock<u8> as runtime_probe::Named<u8>>::named("x", 2);
    assert_eq!(*plain.lock().unwrap() + *plain_rw.read().unwrap(), 3);
    // Tests build with debug assertions unless `--release`; the `always` feature is off here.
    let root_probes = std::any::type_name::<runtime_probe::Mutex<u8>>().contains("runtime_probe");
    assert_eq!(root_probes, cfg!(debug_assertions));
    assert_eq!(
        std::any::type_name::<runtime_probe::Mutex<u8>>().contains("runtime_probe"),
        runtime_probe::PROBE_ACTIVE
    );
}
