//! SKELETON (core engineer): the parsed view of a PE image (through `object`).
