//! Version information (the RT_VERSION resource, VS_VERSIONINFO): what it
//! holds, how it is read from a `--version-file`, and its binary encoding.
//!
//! The version file is TOML with these keys, all optional; any other key is
//! an error:
//!
//! ```toml
//! file_version = "1.2.3.4"      # one to four numbers 0-65535; missing ones are 0
//! product_version = "1.2"       # default: file_version
//! company_name = "Example Ltd"
//! file_description = "Example tool"
//! product_name = "Example"
//! original_filename = "example.exe"
//! internal_name = "example"
//! legal_copyright = "Copyright 2025 Example Ltd"
//! legal_trademarks = "Example is a trademark of Example Ltd"
//! comments = "Built with pybundle"
//! ```

use anyhow::{bail, ensure, Context, Result};

/// What Explorer's "Details" tab shows for the executable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionInfo {
    pub file_version: [u16; 4],
    pub product_version: [u16; 4],
    pub company_name: Option<String>,
    pub file_description: Option<String>,
    pub product_name: Option<String>,
    pub original_filename: Option<String>,
    pub internal_name: Option<String>,
    pub legal_copyright: Option<String>,
    pub legal_trademarks: Option<String>,
    pub comments: Option<String>,
}

const KNOWN_KEYS: &str =
    "file_version, product_version, company_name, file_description, product_name, \
     original_filename, internal_name, legal_copyright, legal_trademarks, comments";

impl VersionInfo {
    /// Reads a version file (schema in the module documentation).
    pub fn from_toml(text: &str) -> Result<VersionInfo> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let line = e.span().map_or(1, |s| {
                text.as_bytes()[..s.start.min(text.len())]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count()
                    + 1
            });
            anyhow::anyhow!(
                "version file: line {line}: {}; fix the TOML syntax",
                e.message().trim()
            )
        })?;
        let mut info = VersionInfo::default();
        let mut product_version = None;
        for (key, value) in &table {
            let toml::Value::String(text) = value else {
                bail!("version file: `{key}` must be a string, e.g. {key} = \"...\"");
            };
            match key.as_str() {
                "file_version" => info.file_version = parse_version(key, text)?,
                "product_version" => product_version = Some(parse_version(key, text)?),
                _ => {
                    let field = info.string_mut(key).with_context(|| {
                        format!("version file: unknown key `{key}`; use one of {KNOWN_KEYS}")
                    })?;
                    *field = Some(text.clone());
                }
            }
        }
        info.product_version = product_version.unwrap_or(info.file_version);
        Ok(info)
    }

    fn string_mut(&mut self, key: &str) -> Option<&mut Option<String>> {
        Some(match key {
            "company_name" => &mut self.company_name,
            "file_description" => &mut self.file_description,
            "product_name" => &mut self.product_name,
            "original_filename" => &mut self.original_filename,
            "internal_name" => &mut self.internal_name,
            "legal_copyright" => &mut self.legal_copyright,
            "legal_trademarks" => &mut self.legal_trademarks,
            "comments" => &mut self.comments,
            _ => return None,
        })
    }

    /// The StringFileInfo entries, in the names Windows looks them up by.
    fn strings(&self) -> Vec<(&'static str, String)> {
        let optional = [
            ("CompanyName", &self.company_name),
            ("FileDescription", &self.file_description),
            ("InternalName", &self.internal_name),
            ("LegalCopyright", &self.legal_copyright),
            ("LegalTrademarks", &self.legal_trademarks),
            ("OriginalFilename", &self.original_filename),
            ("ProductName", &self.product_name),
            ("Comments", &self.comments),
        ];
        let mut strings = vec![
            ("FileVersion", dotted(self.file_version)),
            ("ProductVersion", dotted(self.product_version)),
        ];
        strings.extend(
            optional
                .into_iter()
                .filter_map(|(k, v)| Some((k, v.clone()?))),
        );
        strings
    }

    /// The RT_VERSION resource: VS_VERSIONINFO with VS_FIXEDFILEINFO, a
    /// StringFileInfo table for U.S. English / Unicode (040904B0) and the
    /// matching VarFileInfo\Translation.
    pub(super) fn encode(&self) -> Result<Vec<u8>> {
        let strings = self.strings();
        for (key, value) in &strings {
            ensure!(
                !value.contains('\0'),
                "version info: {key} contains a NUL character; remove it"
            );
        }
        let table = Block {
            key: "040904B0",
            value: Value::Text(None),
            children: strings
                .iter()
                .map(|(key, value)| Block {
                    key,
                    value: Value::Text(Some(value)),
                    children: vec![],
                })
                .collect(),
        };
        let root = Block {
            key: "VS_VERSION_INFO",
            value: Value::Binary(self.fixed_file_info()),
            children: vec![
                Block {
                    key: "StringFileInfo",
                    value: Value::Text(None),
                    children: vec![table],
                },
                Block {
                    key: "VarFileInfo",
                    value: Value::Text(None),
                    children: vec![Block {
                        key: "Translation",
                        value: Value::Binary([0x09, 0x04, 0xb0, 0x04].to_vec()),
                        children: vec![],
                    }],
                },
            ],
        };
        let mut out = Vec::new();
        root.write(&mut out)?;
        Ok(out)
    }

    fn fixed_file_info(&self) -> Vec<u8> {
        let pair = |v: [u16; 4]| {
            [
                u32::from(v[0]) << 16 | u32::from(v[1]),
                u32::from(v[2]) << 16 | u32::from(v[3]),
            ]
        };
        let [file_ms, file_ls] = pair(self.file_version);
        let [product_ms, product_ls] = pair(self.product_version);
        let fields: [u32; 13] = [
            0xFEEF_04BD, // signature
            0x0001_0000, // structure version 1.0
            file_ms,
            file_ls,
            product_ms,
            product_ls,
            0x3F,        // file flags mask
            0,           // file flags
            0x0004_0004, // VOS_NT_WINDOWS32
            1,           // VFT_APP
            0,           // subtype
            0,           // date (high)
            0,           // date (low)
        ];
        fields.iter().flat_map(|f| f.to_le_bytes()).collect()
    }
}

fn parse_version(key: &str, text: &str) -> Result<[u16; 4]> {
    let mut version = [0u16; 4];
    let parts: Vec<&str> = text.split('.').collect();
    let parsed = parts.len() <= 4
        && parts
            .iter()
            .zip(&mut version)
            .all(|(part, slot)| part.trim().parse().map(|n| *slot = n).is_ok());
    ensure!(
        parsed,
        "version file: {key} \"{text}\" is not a version; write one to four numbers 0-65535, e.g. \"1.2.3.4\""
    );
    Ok(version)
}

fn dotted(v: [u16; 4]) -> String {
    format!("{}.{}.{}.{}", v[0], v[1], v[2], v[3])
}

enum Value<'a> {
    Binary(Vec<u8>),
    /// A text value, or none (a block that only has children).
    Text(Option<&'a str>),
}

/// One node of VS_VERSIONINFO: wLength, wValueLength, wType, the key, the
/// value and the children, each part starting on a 32-bit boundary.
struct Block<'a> {
    key: &'a str,
    value: Value<'a>,
    children: Vec<Block<'a>>,
}

impl Block<'_> {
    fn write(&self, out: &mut Vec<u8>) -> Result<()> {
        let start = out.len();
        let (value, value_length, kind): (Vec<u8>, usize, u16) = match &self.value {
            Value::Binary(bytes) => (bytes.clone(), bytes.len(), 0),
            Value::Text(None) => (Vec::new(), 0, 1),
            Value::Text(Some(text)) => {
                let units = utf16z(text);
                let count = units.len() / 2;
                (units, count, 1)
            }
        };
        out.extend_from_slice(&[0; 2]); // wLength, set below
        out.extend_from_slice(&length(value_length, self.key)?.to_le_bytes());
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&utf16z(self.key));
        pad4(out);
        out.extend_from_slice(&value);
        for child in &self.children {
            pad4(out);
            child.write(out)?;
        }
        let total = length(out.len() - start, self.key)?;
        out[start..start + 2].copy_from_slice(&total.to_le_bytes());
        Ok(())
    }
}

fn length(n: usize, key: &str) -> Result<u16> {
    u16::try_from(n).ok().with_context(|| {
        format!("version info: the {key} block is {n} bytes, over the 65535 that fit; shorten the version strings")
    })
}

fn utf16z(text: &str) -> Vec<u8> {
    text.encode_utf16()
        .chain([0])
        .flat_map(u16::to_le_bytes)
        .collect()
}

fn pad4(out: &mut Vec<u8>) {
    out.resize(out.len().div_ceil(4) * 4, 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_toml_reads_every_key() {
        let info = VersionInfo::from_toml(
            r#"
            file_version = "1.2.3.4"
            company_name = "Example Ltd"
            file_description = "Example tool"
            product_name = "Example"
            original_filename = "example.exe"
            internal_name = "example"
            legal_copyright = "(c) Example"
            legal_trademarks = "Example(tm)"
            comments = "hi"
            "#,
        )
        .unwrap();
        assert_eq!(info.file_version, [1, 2, 3, 4]);
        assert_eq!(
            info.product_version,
            [1, 2, 3, 4],
            "defaults to file_version"
        );
        assert_eq!(info.legal_trademarks.as_deref(), Some("Example(tm)"));
        assert_eq!(info.comments.as_deref(), Some("hi"));
        let short =
            VersionInfo::from_toml("file_version = \"2\"\nproduct_version = \"3.1\"").unwrap();
        assert_eq!(
            (short.file_version, short.product_version),
            ([2, 0, 0, 0], [3, 1, 0, 0])
        );
    }

    #[test]
    fn from_toml_errors_name_the_key() {
        let err = |text: &str| VersionInfo::from_toml(text).unwrap_err().to_string();
        let unknown = err("file_version = \"1\"\ncompany = \"x\"");
        assert!(
            unknown.contains("unknown key `company`") && unknown.contains("company_name"),
            "{unknown}"
        );
        assert!(err("product_name = 3").contains("`product_name` must be a string"));
        assert!(err("file_version = \"1.2.x\"").contains("file_version \"1.2.x\" is not a version"));
        assert!(err("file_version = \"1.2.3.4.5\"").contains("not a version"));
        assert!(err("file_version = \"70000\"").contains("not a version"));
        let syntax = err("file_version = \"1\"\nproduct_name = ");
        assert!(
            syntax.starts_with("version file: line 2:") && !syntax.contains('\n'),
            "{syntax}"
        );
    }

    #[test]
    fn encode_lays_out_vs_versioninfo() {
        let info = VersionInfo {
            file_version: [1, 2, 3, 4],
            product_name: Some("Ex".into()),
            ..Default::default()
        };
        let data = info.encode().unwrap();
        let u16_at = |at: usize| u16::from_le_bytes([data[at], data[at + 1]]);
        assert_eq!(usize::from(u16_at(0)), data.len());
        assert_eq!((u16_at(2), u16_at(4)), (52, 0));
        // Header (6) + "VS_VERSION_INFO\0" (32) = 38, padded to 40.
        assert_eq!(&data[40..44], &0xFEEF_04BDu32.to_le_bytes());
        assert_eq!(&data[48..52], &0x0001_0002u32.to_le_bytes());
        assert_eq!(&data[52..56], &0x0003_0004u32.to_le_bytes());
        // A String block's value length counts UTF-16 units, its NUL too.
        let key: Vec<u8> = "ProductName\0".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let at = data.windows(key.len()).position(|w| w == key).unwrap() - 6;
        assert_eq!((u16_at(at + 2), u16_at(at + 4)), (3, 1), "\"Ex\": 3 units of text");
        assert!(VersionInfo {
            comments: Some("a\0b".into()),
            ..Default::default()
        }
        .encode()
        .is_err());
        let long = VersionInfo {
            comments: Some("x".repeat(40_000)),
            ..Default::default()
        };
        assert!(long.encode().unwrap_err().to_string().contains("shorten"));
    }
}
