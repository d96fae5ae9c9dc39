"""The command line: one click group (`main`), the options every subcommand shares declared once
(`options`), and the subcommands `check` and `rules` (`main`), `batch`, `report`, `merge` (`batch`),
`supplement` (`supplement`), and the GitHub Action's entry (`action`)."""
