"""Table-driven CHS-DRG grouper (issue 10). `types.py` is the contract between the engine and its callers."""
