//! The PE resource writer, given arbitrary bytes as the Windows stub.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| pybundle::fuzzing::pe_stub(data));
