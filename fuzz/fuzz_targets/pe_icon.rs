//! The PE resource writer, given arbitrary bytes as the `.ico` file.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let stub = pybundle::stubs::for_target("x86_64-pc-windows-gnu")
        .expect("no Windows stub in this build: rustup +nightly target add x86_64-pc-windows-gnu");
    pybundle::fuzzing::pe_icon(stub, data);
});
