"""The command line, one toolkit: the click group and its lazy table of subcommands (`main`), the
options every subcommand shares and their parameter types, declared once (`options`), how the
process ends (`process`), the subcommands `check`, `rules`, `batch`/`report`/`merge` (`batch`) and
`supplement`, and the GitHub Action's entry (`action`)."""
