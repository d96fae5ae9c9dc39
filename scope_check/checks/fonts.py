"""Checks of this family are not implemented yet."""

CHECKS = ()
