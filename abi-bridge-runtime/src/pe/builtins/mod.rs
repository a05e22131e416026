//! SKELETON (environment engineer): the built-in kernel32, msvcrt and UCRT.
