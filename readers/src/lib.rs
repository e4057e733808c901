//! Parsers for Secure Score sources: bytes in, normalised records or a located error out.
