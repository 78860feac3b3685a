"""National registers (issue 12 item 5): a country's own register in another format (CSV, XLSX,
JSON) mapped to record documents by a mapping file (TOML, ``mappings/``). See docs/REGISTERS.md.

``mapping`` reads and checks a mapping file, ``reader`` reads the rows of a register file,
``build`` turns one row into the fields of a record document with the problems found. The
service (``bch.services.registers``) compares, validates, previews and imports."""
