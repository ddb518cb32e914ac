//! Validators of the national formats that license attributes use.
//!
//! * [`area_code`]: administrative division codes (GB/T 2260).
//! * [`id_number`]: citizen identification numbers (GB 11643-1999).
//! * [`license_number`]: license numbers (证照编号, GB/T 36903 metadata).
//!
//! Unified social credit codes (GB 32100-2015) are validated by
//! [`crate::license_id::Uscc`], which license identifiers also use.

pub mod area_code;
pub mod id_number;
pub mod license_number;

pub use area_code::{AreaCode, AreaCodeError};
pub use id_number::{IdNumber, IdNumberError};
pub use license_number::LicenseNumberError;
