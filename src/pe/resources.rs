//! What pybundle writes into a Windows executable: icon, version info,
//! manifest and subsystem, and the list of resources that makes.

use super::icon::{icon_resources, DEFAULT_ICON};
use super::manifest::default_manifest;
use super::rsrc::{Resource, LANG_EN_US, RT_MANIFEST, RT_VERSION};
use super::version::VersionInfo;
use anyhow::Result;

/// The resources and subsystem of one executable.
#[derive(Debug, Clone, Default)]
pub struct Resources {
    /// The bytes of an `.ico` file (one or more sizes); `None` for
    /// pybundle's default icon.
    pub icon: Option<Vec<u8>>,
    pub version: VersionInfo,
    /// The application manifest; `None` for [`default_manifest`].
    pub manifest: Option<String>,
    pub subsystem: Subsystem,
}

/// Whether Windows gives the program a console.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Subsystem {
    /// A console program (IMAGE_SUBSYSTEM_WINDOWS_CUI).
    #[default]
    Console,
    /// A GUI program with no console (IMAGE_SUBSYSTEM_WINDOWS_GUI).
    Windows,
}

impl Subsystem {
    /// The optional header's Subsystem value.
    pub(super) fn code(self) -> u16 {
        match self {
            Subsystem::Console => 3,
            Subsystem::Windows => 2,
        }
    }
}

impl Resources {
    /// Every resource to write: the icon images and their group, RT_VERSION
    /// ID 1 and RT_MANIFEST ID 1.
    pub(super) fn to_resources(&self) -> Result<Vec<Resource>> {
        let mut out = icon_resources(self.icon.as_deref().unwrap_or(DEFAULT_ICON))?;
        out.push(Resource {
            kind: RT_VERSION,
            id: 1,
            lang: LANG_EN_US,
            data: self.version.encode()?,
        });
        let manifest = self.manifest.clone().unwrap_or_else(default_manifest);
        out.push(Resource {
            kind: RT_MANIFEST,
            id: 1,
            lang: LANG_EN_US,
            data: manifest.into_bytes(),
        });
        Ok(out)
    }
}
