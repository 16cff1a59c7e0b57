//! Analysis of real apps on this machine's CPython.
