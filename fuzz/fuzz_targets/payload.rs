//! A bundle's payload and manifest, as the stub reads them at every start.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| pybundle::fuzzing::payload(data));
