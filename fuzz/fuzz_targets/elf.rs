//! ELF files, as the packer reads every native library it bundles.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| pybundle::fuzzing::elf(data));
