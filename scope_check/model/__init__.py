"""The parsed document: one PyMuPDF pass turns a PDF into immutable types (`document`), with the
ink and visibility facts recorded during that pass (`visibility`), long documents packed to keep
memory flat (`packed_pages`), and damage MuPDF reported while reading (`damage`). `findings` holds the
`Finding` type every layer above speaks. The only importer of pymupdf on the check path; imports
only `safety`."""
