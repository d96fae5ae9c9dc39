"""The checks, one module per family. Each module lists its checks in a `CHECKS` tuple."""
