"""Shared analyses of the parsed document, computed once and memoised on it: the structure
(headings, furniture, body region: `structure`), the body layout and the template's block on the
paper used (`layout`), the report's measurements (`measurements`), and reading URLs and e-mail
addresses (`addresses`, shared by the ANON and SUPP checks). Imports `model`, `config`, `safety`."""
