"""Rules as data: parameter declarations (`spec`), the rule-set loader and its JSON Schema
(`rules`, `rules.schema.json`). The check catalogue is passed to the loader by its callers; config
imports only `safety`."""
