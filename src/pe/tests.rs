//! End-to-end checks of `pe` on real Windows executables built with mingw-w64,
//! read back with independent tools (wrestool/icotool from icoutils, Python's
//! pefile), run under wine64 and signed with osslsigncode. A missing tool
//! skips its part with a message, unless PYBUNDLE_REQUIRE_ALL=1 makes that a
//! failure (`crate::test_env`).

use super::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const PROGRAM: &str = r#"
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    wchar_t path[MAX_PATH];
    DWORD handle = 0, size;
    HRSRC group;
    GetModuleFileNameW(NULL, path, MAX_PATH);
    printf("hello from stub\n");
    size = GetFileVersionInfoSizeW(path, &handle);
    if (size) {
        void *buf = malloc(size);
        wchar_t *value;
        UINT len;
        if (GetFileVersionInfoW(path, 0, size, buf)
            && VerQueryValueW(buf, L"\\StringFileInfo\\040904B0\\ProductName", (void **)&value, &len)) {
            char utf8[256];
            int n = WideCharToMultiByte(CP_UTF8, 0, value, -1, utf8, sizeof utf8, NULL, NULL);
            printf("product=%s\n", n > 0 ? utf8 : "?");
        }
    }
    group = FindResourceW(NULL, MAKEINTRESOURCEW(1), MAKEINTRESOURCEW(14));
    printf("icon group=%s\n", group ? "yes" : "no");
    printf("code page=%u\n", GetACP());
    fflush(stdout);
    return 7;
}
"#;

/// A resource script for the variants that already have a .rsrc section.
const SMALL_RC: &str = "1 RCDATA \"program.c\"\nSTRINGTABLE { 1, \"old\" }\n";

/// The stub layouts mingw produces.
#[derive(Clone, Copy, Debug)]
enum Variant {
    /// Unstripped (COFF symbols after the image), no .rsrc, .reloc last.
    Plain,
    /// Stripped, a small .rsrc followed by .reloc: resources get a new section.
    RsrcNotLast,
    /// Stripped, no .reloc, so .rsrc is last: it is rewritten and grows.
    RsrcLast,
    /// A .rsrc big enough (a 96 KiB RCDATA) to be rewritten in place.
    RsrcBig,
}

impl Variant {
    const ALL: [Variant; 4] = [
        Variant::Plain,
        Variant::RsrcNotLast,
        Variant::RsrcLast,
        Variant::RsrcBig,
    ];
}

fn target_dir() -> PathBuf {
    let dir = crate::test_env::target_dir().join("pe-tests");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The tool `name` on PATH, or `None` after reporting it missing for `part`.
fn tool(name: &str, part: &str) -> Option<PathBuf> {
    crate::test_env::require(which::which(name).ok(), name, part)
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

static BUILD: Mutex<()> = Mutex::new(());

/// The test program built as `variant`, cached under the target directory
/// in a directory named by a hash of everything that makes it (source,
/// resource script and data, flags, the compiler's version); `None`
/// (skipped) without mingw-w64.
fn stub(variant: Variant) -> Option<Vec<u8>> {
    let gcc = tool("x86_64-w64-mingw32-gcc", "tests on a real PE")?;
    let windres = tool("x86_64-w64-mingw32-windres", "tests on a real PE")?;
    let _guard = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    let big = vec![0x5a; 96 * 1024];
    let rc = match variant {
        Variant::Plain => None,
        Variant::RsrcNotLast | Variant::RsrcLast => Some(SMALL_RC.to_string()),
        Variant::RsrcBig => Some(format!("{SMALL_RC}2 RCDATA \"big.bin\"\n")),
    };
    let mut flags = vec!["-O1"];
    if rc.is_some() {
        flags.push("-s");
    }
    if matches!(variant, Variant::RsrcLast) {
        flags.push("-Wl,--disable-reloc-section");
    }
    flags.push("-lversion");
    let recipe = [
        PROGRAM,
        rc.as_deref().unwrap_or(""),
        &flags.join(" "),
        &run(Command::new(&gcc).arg("--version")),
        &run(Command::new(&windres).arg("--version")),
    ]
    .join("\0");
    let mut hasher = blake3::Hasher::new();
    hasher.update(recipe.as_bytes()).update(&big);
    let name = format!("{variant:?}").to_lowercase();
    let dir = target_dir().join(format!("{name}-{}", &hasher.finalize().to_hex()[..16]));
    let exe = dir.join("program.exe");
    if !exe.exists() {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("program.c"), PROGRAM).unwrap();
        let mut cmd = Command::new(&gcc);
        cmd.current_dir(&dir).args(["-o", "program.tmp.exe", "program.c"]);
        if let Some(rc) = rc {
            std::fs::write(dir.join("big.bin"), &big).unwrap();
            std::fs::write(dir.join("program.rc"), rc).unwrap();
            run(Command::new(&windres)
                .current_dir(&dir)
                .args(["program.rc", "-O", "coff", "-o", "program.res.o"]));
            cmd.arg("program.res.o");
        }
        run(cmd.args(&flags));
        std::fs::rename(dir.join("program.tmp.exe"), &exe).unwrap();
    }
    Some(std::fs::read(&exe).unwrap())
}

fn sample_resources() -> Resources {
    let version = VersionInfo::from_toml(
        r#"
        file_version = "1.2.3.4"
        product_version = "5.6.7"
        company_name = "Example Ltd"
        file_description = "An example tool"
        product_name = "Ünïcode Example"
        original_filename = "example.exe"
        internal_name = "example"
        legal_copyright = "Copyright 2025 Example Ltd"
        "#,
    )
    .unwrap();
    Resources {
        version,
        ..Resources::default()
    }
}

fn write_temp(name: &str, data: &[u8]) -> PathBuf {
    let path = target_dir().join(name);
    std::fs::write(&path, data).unwrap();
    path
}

/// What pefile reads back from an executable, as JSON.
fn pefile(path: &Path) -> Option<serde_json::Value> {
    const SCRIPT: &str = r#"
import json, sys, pefile
pe = pefile.PE(sys.argv[1])
out = {"subsystem": pe.OPTIONAL_HEADER.Subsystem, "checksum": pe.OPTIONAL_HEADER.CheckSum,
       "generated": pe.generate_checksum(), "verified": pe.verify_checksum(),
       "size_of_image": pe.OPTIONAL_HEADER.SizeOfImage, "strings": {}, "fixed": None,
       "manifest": None, "icons": 0, "groups": 0, "translation": None}
for info in getattr(pe, "FileInfo", []):
    for entry in info:
        for table in getattr(entry, "StringTable", []):
            out["table"] = table.LangID.decode()
            for key, value in table.entries.items():
                out["strings"][key.decode()] = value.decode()
        for var in getattr(entry, "Var", []):
            out["translation"] = list(var.entry.values())
if hasattr(pe, "VS_FIXEDFILEINFO"):
    f = pe.VS_FIXEDFILEINFO[0]
    out["fixed"] = [f.FileVersionMS, f.FileVersionLS, f.ProductVersionMS, f.ProductVersionLS, f.FileType]
for kind in pe.DIRECTORY_ENTRY_RESOURCE.entries:
    for name in kind.directory.entries:
        for lang in name.directory.entries:
            data = pe.get_data(lang.data.struct.OffsetToData, lang.data.struct.Size)
            if kind.id == 24: out["manifest"] = data.decode()
            if kind.id == 3: out["icons"] += 1
            if kind.id == 14: out["groups"] += 1
print(json.dumps(out))
"#;
    let python = crate::test_env::pefile_python("the pefile checks")?;
    let out = run(Command::new(&python).args(["-c", SCRIPT]).arg(path));
    Some(serde_json::from_str(&out).unwrap())
}

/// Runs `exe` under wine64 with a private prefix; (exit code, stdout).
fn wine(path: &Path) -> Option<(i32, String)> {
    let wine = which::which("wine64").or_else(|_| which::which("wine")).ok();
    let wine = crate::test_env::require(wine, "wine64", "running the executable")?;
    static WINE: Mutex<()> = Mutex::new(());
    let _guard = WINE.lock().unwrap_or_else(|e| e.into_inner());
    let stdout = target_dir().join(format!(
        "{}.out",
        path.file_name().unwrap().to_string_lossy()
    ));
    let mut child = Command::new(wine)
        .arg(path)
        .env("WINEDEBUG", "-all")
        .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
        .env("WINEPREFIX", target_dir().join("wineprefix"))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(180);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{} did not finish under wine in 180 s", path.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Some((
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&std::fs::read(&stdout).unwrap()).into_owned(),
    ))
}

/// Icon sizes in the executable's first icon group, read with icoutils.
fn wrestool_icon_sizes(path: &Path) -> Option<(String, Vec<String>)> {
    let wrestool = tool("wrestool", "the icoutils checks")?;
    let icotool = tool("icotool", "the icoutils checks")?;
    let listing = run(Command::new(&wrestool).arg("-l").arg(path));
    let ico = target_dir().join(format!(
        "{}.group.ico",
        path.file_name().unwrap().to_string_lossy()
    ));
    run(Command::new(&wrestool)
        .args(["-x", "--type=14", "--name=1", "-o"])
        .arg(&ico)
        .arg(path));
    let sizes = run(Command::new(&icotool).arg("-l").arg(&ico))
        .lines()
        .filter_map(|l| {
            l.split_whitespace()
                .find_map(|w| w.strip_prefix("--width="))
                .map(str::to_string)
        })
        .collect();
    Some((listing, sizes))
}

/// The section headers of `exe` and the index of the one the resource
/// directory points at, if any.
fn resource_section(exe: &[u8]) -> (Vec<headers::Section>, Option<usize>) {
    let parsed = headers::Headers::parse(exe).unwrap();
    let (rva, _) = parsed.dir(exe, headers::DIR_RESOURCE).unwrap();
    let index = parsed.sections.iter().position(|s| rva != 0 && s.virtual_address == rva);
    (parsed.sections, index)
}

/// Where each stub layout's resources go: a new last section when there is
/// no .rsrc or it is followed by another section, the old .rsrc grown where
/// it is last, rewritten in place where the new resources fit.
fn check_resource_section_placement(variant: Variant, stub: &[u8], out: &[u8]) {
    let (before, old) = resource_section(stub);
    let (after, new) = resource_section(out);
    let new = new.unwrap_or_else(|| panic!("{variant:?}: no resource section"));
    // The section's virtual size is the resource data's, which the
    // directory entry states.
    let (_, size) = headers::Headers::parse(out).unwrap().dir(out, headers::DIR_RESOURCE).unwrap();
    assert_eq!(after[new].virtual_size, size, "{variant:?}: virtual size");
    // SizeOfInitializedData counts the resource section's raw size.
    let initialized = |exe: &[u8]| {
        let pe = goblin::pe::PE::parse(exe).unwrap();
        pe.header.optional_header.unwrap().standard_fields.size_of_initialized_data as i64
    };
    let replaced = old.filter(|&old| old == new && after.len() == before.len()).map_or(0, |old| before[old].raw_size);
    assert_eq!(initialized(out) - initialized(stub), i64::from(after[new].raw_size) - i64::from(replaced), "{variant:?}: SizeOfInitializedData");
    match variant {
        Variant::Plain | Variant::RsrcNotLast => {
            assert_eq!((after.len(), new), (before.len() + 1, before.len()), "{variant:?}: a new last section");
        }
        Variant::RsrcLast => {
            let old = old.expect("the stub has a .rsrc");
            assert_eq!((after.len(), new, after[new].raw_ptr), (before.len(), old, before[old].raw_ptr), "{variant:?}: the same section");
            assert!(after[new].raw_size > before[old].raw_size, "{variant:?}: grown");
        }
        Variant::RsrcBig => {
            let old = old.expect("the stub has a .rsrc");
            let place = |s: &headers::Section| (s.raw_ptr, s.raw_size, s.virtual_address);
            assert_eq!((after.len(), new, place(&after[new])), (before.len(), old, place(&before[old])), "{variant:?}: in place");
            assert_eq!(out.len(), stub.len(), "{variant:?}: the file keeps its size");
            // The 96 KiB of the stub's resources are replaced by fewer.
            assert!(after[new].virtual_size < before[old].virtual_size, "{variant:?}: virtual size");
        }
    }
}

#[test]
fn a_section_ends_after_its_virtual_size_or_else_its_raw_size() {
    let section = |virtual_size, raw_size| headers::Section { header_offset: 0, virtual_size, virtual_address: 0x1000, raw_size, raw_ptr: 0x400 };
    assert_eq!(section(0x10, 0x200).virtual_end(), 0x1010);
    assert_eq!(section(0, 0x200).virtual_end(), 0x1200);
    assert_eq!(section(0, 0x200).raw_end(), 0x600);
}

#[test]
fn data_directories_past_the_stated_count_are_absent() {
    let Some(stub) = stub(Variant::Plain) else { return };
    let parsed = headers::Headers::parse(&stub).unwrap();
    assert!(parsed.dir_offset(15).is_some());
    assert!(parsed.dir_offset(16).is_none());
}

#[test]
fn coff_symbols_count_only_after_the_image_and_sections_are_named() {
    let Some(mut stub) = stub(Variant::Plain) else { return };
    let parsed = headers::Headers::parse(&stub).unwrap();
    let first = parsed.sections[0].header_offset;
    assert_eq!(headers::section_name(&stub, first), ".text");
    let mut renamed = stub.clone();
    renamed[first..first + 8].copy_from_slice(b".eight_c");
    assert_eq!(headers::section_name(&renamed, first), ".eight_c", "a name of all 8 bytes has no NUL");
    let end = parsed.symbols_end(&stub).unwrap().expect("an unstripped stub has COFF symbols after its image");
    assert!(end > parsed.raw_end() && end <= stub.len() as u64);
    headers::put_u32(&mut stub, parsed.symbol_table_ptr_offset(), 0x400);
    assert_eq!(headers::Headers::parse(&stub).unwrap().symbols_end(&stub).unwrap(), None);
}

#[test]
fn a_stub_without_room_for_another_section_header_is_refused() {
    let Some(mut stub) = stub(Variant::Plain) else { return };
    let parsed = headers::Headers::parse(&stub).unwrap();
    let next = parsed.section_table_offset + parsed.sections.len() * headers::SECTION_HEADER_SIZE;
    stub[next..next + headers::SECTION_HEADER_SIZE].fill(0xAA);
    let err = apply_resources(&stub, &sample_resources()).unwrap_err().to_string();
    assert!(err.starts_with("no room for another section header"), "{err}");
}

#[test]
fn apply_resources_on_every_stub_layout_reads_back_with_independent_tools() {
    for variant in Variant::ALL {
        let Some(stub) = stub(variant) else { return };
        let resources = sample_resources();
        let out = apply_resources(&stub, &resources).unwrap();
        assert_eq!(
            apply_resources(&stub, &resources).unwrap(),
            out,
            "{variant:?}: deterministic"
        );
        assert_eq!(
            imports(&out).unwrap(),
            imports(&stub).unwrap(),
            "{variant:?}: imports unchanged"
        );
        check_resource_section_placement(variant, &stub, &out);
        let path = write_temp(&format!("{variant:?}-applied.exe").to_lowercase(), &out);
        if matches!(variant, Variant::Plain) {
            let original = write_temp("plain-original.exe", &stub);
            if let Some((_, stdout)) = wine(&original) {
                assert!(
                    !stdout.contains("code page=65001"),
                    "without a manifest the code page is not UTF-8: {stdout}"
                );
            }
        }

        if let Some((listing, sizes)) = wrestool_icon_sizes(&path) {
            assert!(
                listing.contains("--type=14 --name=1 "),
                "{variant:?}: {listing}"
            );
            assert_eq!(
                listing.matches("--type=3 ").count(),
                4,
                "{variant:?}: {listing}"
            );
            assert!(
                listing.contains("--type=16 --name=1 "),
                "{variant:?}: {listing}"
            );
            assert!(
                listing.contains("--type=24 --name=1 "),
                "{variant:?}: {listing}"
            );
            assert_eq!(sizes, ["16", "32", "48", "256"], "{variant:?}");
        }
        if let Some(info) = pefile(&path) {
            assert_eq!(info["subsystem"], 3, "{variant:?}");
            assert_eq!(info["verified"], true, "{variant:?}: {info}");
            assert_eq!(info["checksum"], info["generated"], "{variant:?}");
            assert_eq!(info["table"], "040904B0");
            assert_eq!(
                info["translation"],
                serde_json::json!(["0x0409 0x04b0"]),
                "{variant:?}"
            );
            let strings = &info["strings"];
            for (key, value) in [
                ("FileVersion", "1.2.3.4"),
                ("ProductVersion", "5.6.7.0"),
                ("CompanyName", "Example Ltd"),
                ("FileDescription", "An example tool"),
                ("ProductName", "Ünïcode Example"),
                ("OriginalFilename", "example.exe"),
                ("InternalName", "example"),
                ("LegalCopyright", "Copyright 2025 Example Ltd"),
            ] {
                assert_eq!(strings[key], value, "{variant:?}: {key} in {strings}");
            }
            assert_eq!(
                info["fixed"],
                serde_json::json!([0x0001_0002, 0x0003_0004, 0x0005_0006, 0x0007_0000, 1])
            );
            assert_eq!(info["manifest"], default_manifest(), "{variant:?}");
            assert_eq!(
                (info["icons"].as_u64(), info["groups"].as_u64()),
                (Some(4), Some(1)),
                "{variant:?}"
            );
        }
        if let Some((code, stdout)) = wine(&path) {
            assert_eq!(code, 7, "{variant:?}: {stdout}");
            assert!(stdout.contains("hello from stub"), "{variant:?}: {stdout}");
            assert!(
                stdout.contains("product=Ünïcode Example"),
                "{variant:?}: {stdout}"
            );
            assert!(stdout.contains("icon group=yes"), "{variant:?}: {stdout}");
            assert!(
                stdout.contains("code page=65001"),
                "{variant:?}: the manifest's UTF-8 code page: {stdout}"
            );
        }
    }
}

#[test]
fn gui_subsystem_custom_icon_and_manifest_are_written() {
    let Some(stub) = stub(Variant::Plain) else {
        return;
    };
    let ico = super::icon::DEFAULT_ICON;
    // A custom icon: the default one's 32 px image alone.
    let size = u32::from_le_bytes(ico[30..34].try_into().unwrap());
    let at = u32::from_le_bytes(ico[34..38].try_into().unwrap()) as usize;
    let mut custom = vec![0, 0, 1, 0, 1, 0];
    custom.extend_from_slice(&ico[22..22 + 8]);
    custom.extend_from_slice(&size.to_le_bytes());
    custom.extend_from_slice(&22u32.to_le_bytes());
    custom.extend_from_slice(&ico[at..at + size as usize]);
    let manifest = default_manifest().replace("asInvoker", "asInvoker\" x=\"custom");
    let resources = Resources {
        icon: Some(custom),
        manifest: Some(manifest.clone()),
        subsystem: Subsystem::Windows,
        ..sample_resources()
    };
    let out = apply_resources(&stub, &resources).unwrap();
    // Applying again on the result replaces the resources it wrote.
    let again = apply_resources(
        &out,
        &Resources {
            subsystem: Subsystem::Windows,
            ..resources.clone()
        },
    )
    .unwrap();
    assert_eq!(again.len(), out.len());
    let path = write_temp("gui.exe", &again);
    if let Some((_, sizes)) = wrestool_icon_sizes(&path) {
        assert_eq!(sizes, ["32"]);
    }
    if let Some(info) = pefile(&path) {
        assert_eq!(info["subsystem"], 2);
        assert_eq!(info["verified"], true);
        assert_eq!(info["manifest"], manifest);
    }
    if let Some((code, stdout)) = wine(&path) {
        assert_eq!(code, 7, "{stdout}");
    }
}

#[test]
fn payload_appended_after_resources_is_found_before_and_after_signing() {
    let Some(stub) = stub(Variant::Plain) else {
        return;
    };
    let image = apply_resources(&stub, &sample_resources()).unwrap();
    let image_end = image.len() as u64;
    let before = overlay_range(&image).unwrap();
    assert!(before.is_empty() && before.start <= image_end, "{before:?}");
    let payload: Vec<u8> = (0..10_001u32).map(|i| (i * 7 % 251) as u8).collect();
    let mut file = std::io::Cursor::new([&image[..], &payload].concat());
    refresh_checksum(&mut file, &image).unwrap();
    let exe = file.into_inner();
    let range = overlay_range(&exe).unwrap();
    assert_eq!(range, before.start..before.start + payload.len() as u64);
    assert_eq!(&exe[range.start as usize..range.end as usize], &payload[..]);
    let path = write_temp("payload.exe", &exe);
    if let Some(info) = pefile(&path) {
        assert_eq!(info["verified"], true, "checksum after refresh_checksum");
    }

    let (Some(sign), Some(openssl)) = (
        tool("osslsigncode", "the signing test"),
        tool("openssl", "the signing test"),
    ) else {
        return;
    };
    let dir = target_dir();
    let (key, cert, signed) = (
        dir.join("sign.key"),
        dir.join("sign.crt"),
        dir.join("signed.exe"),
    );
    run(Command::new(openssl)
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=pybundle test",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert));
    let _ = std::fs::remove_file(&signed);
    run(Command::new(sign)
        .arg("sign")
        .arg("-certs")
        .arg(&cert)
        .arg("-key")
        .arg(&key)
        .arg("-in")
        .arg(&path)
        .arg("-out")
        .arg(&signed));
    let signed_exe = std::fs::read(&signed).unwrap();
    let range = overlay_range(&signed_exe).unwrap();
    assert_eq!(range.start, before.start);
    let found = &signed_exe[range.start as usize..range.end as usize];
    assert!(
        found.starts_with(&payload),
        "payload at the start of the range"
    );
    assert!(
        found.len() - payload.len() < 8 && found[payload.len()..].iter().all(|&b| b == 0),
        "only padding after"
    );
    if let Some((code, stdout)) = wine(&signed) {
        assert_eq!(code, 7, "{stdout}");
    }
    // Writing resources into a signed file drops the now-invalid signature.
    let resigned = apply_resources(&signed_exe, &sample_resources()).unwrap();
    let range = overlay_range(&resigned).unwrap();
    assert_eq!(range.end, resigned.len() as u64);
}

#[test]
fn imports_lists_dlls_and_functions() {
    let Some(stub) = stub(Variant::RsrcNotLast) else {
        return;
    };
    let imports = imports(&stub).unwrap();
    let find = |dll: &str| {
        imports
            .iter()
            .find(|(d, _)| d.eq_ignore_ascii_case(dll))
            .map(|(_, f)| f)
    };
    let kernel32 = find("KERNEL32.dll").expect("kernel32 imported");
    assert!(
        kernel32.iter().any(|f| f == "GetModuleFileNameW"),
        "{kernel32:?}"
    );
    assert!(find("VERSION.dll")
        .expect("version.dll imported")
        .iter()
        .any(|f| f == "GetFileVersionInfoW"));
}

#[test]
fn bad_input_gives_one_line_errors() {
    let messages = |exe: &[u8]| {
        [
            apply_resources(exe, &Resources::default())
                .unwrap_err()
                .to_string(),
            overlay_range(exe).unwrap_err().to_string(),
            imports(exe).unwrap_err().to_string(),
        ]
    };
    for message in
        messages(b"this is not an executable at all, just some text that goes on for a while")
    {
        assert!(
            message.contains("not a Windows executable") && !message.contains('\n'),
            "{message}"
        );
    }
    let mut no_pe = vec![0u8; 128];
    no_pe[..2].copy_from_slice(b"MZ");
    no_pe[0x3c] = 0x40;
    for message in messages(&no_pe) {
        assert!(
            message.contains("no PE signature") || message.contains("without a PE signature"),
            "{message}"
        );
    }
    let Some(stub) = stub(Variant::RsrcNotLast) else {
        return;
    };
    for cut in [0x90, 0x200, stub.len() / 2, stub.len() - 1] {
        for message in messages(&stub[..cut]) {
            assert!(
                message.starts_with("truncated PE executable") && !message.contains('\n'),
                "cut {cut}: {message}"
            );
        }
    }
}

#[test]
fn corrupted_executables_give_errors_not_panics() {
    let Some(stub) = stub(Variant::RsrcLast) else {
        return;
    };
    let headers_end = 0x400;
    let (mut applied, mut refused) = (0, 0);
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..3000 {
        let mut exe = stub.clone();
        for _ in 0..1 + round % 4 {
            let span = if round % 3 == 0 {
                stub.len() as u64
            } else {
                headers_end
            };
            let at = (next() % span) as usize;
            exe[at] = next() as u8;
        }
        if round % 5 == 0 {
            exe.truncate((next() % stub.len() as u64) as usize);
        }
        let one_line = |what: &str, error: anyhow::Error| {
            let message = format!("{error:#}");
            assert!(
                !message.is_empty() && !message.contains('\n'),
                "round {round}: {what}: {message:?}"
            );
        };
        match apply_resources(&exe, &Resources::default()) {
            Ok(out) => {
                applied += 1;
                // Where the input's payload can be found, so can the output's.
                if overlay_range(&exe).is_ok() {
                    let range = overlay_range(&out).unwrap_or_else(|e| panic!("round {round}: {e:#}"));
                    assert!(range.end <= out.len() as u64, "round {round}: {range:?}");
                }
            }
            Err(e) => {
                refused += 1;
                one_line("apply_resources", e);
            }
        }
        match overlay_range(&exe) {
            Ok(range) => assert!(
                range.start <= range.end && range.end <= exe.len() as u64,
                "round {round}: {range:?} in {} bytes",
                exe.len()
            ),
            Err(e) => one_line("overlay_range", e),
        }
        if let Err(e) = imports(&exe) {
            one_line("imports", e);
        }
    }
    // Both outcomes occurred, so both were checked.
    assert!(applied > 0 && refused > 0, "{applied} applied, {refused} refused");
}
