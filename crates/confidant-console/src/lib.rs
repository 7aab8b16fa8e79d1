//! The staff console's pages, rendered on the server with maud. Every page
//! works without JavaScript (forms post, links navigate); the one small
//! script only makes the authorization checklist live. The stylesheet and
//! script are embedded here and served by the server from `/assets/`, so the
//! console fetches nothing from the network and passes a `default-src
//! 'self'` content security policy.
//!
//! This crate only turns data into HTML: it does no I/O, knows no HTTP and
//! decides nothing. The server gathers the data (through the vault, the
//! engine and the audit log) and sends what these functions return.

#![deny(missing_docs)]

mod components;
mod pages;
mod practice;
pub mod routes;

pub use components::{Flash, FlashKind, Viewer, humanize, sensitivity};
pub use maud::Markup;
pub use pages::*;
pub use practice::*;

/// The console's stylesheet, served at [`STYLESHEET_PATH`].
pub const STYLESHEET: &str = concat!(include_str!("../assets/console.css"), include_str!("../assets/certificate.css"));
/// The certificate's own rules, inlined in a standalone certificate file.
pub const CERTIFICATE_STYLESHEET: &str = include_str!("../assets/certificate.css");
/// Where the server serves [`STYLESHEET`].
pub const STYLESHEET_PATH: &str = "/assets/console.css";
/// The console's script (progressive enhancement only), served at [`SCRIPT_PATH`].
pub const SCRIPT: &str = include_str!("../assets/console.js");
/// Where the server serves [`SCRIPT`].
pub const SCRIPT_PATH: &str = "/assets/console.js";
