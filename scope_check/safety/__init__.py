"""Guards against hostile input, below every other layer: resource limits and input errors
(`limits`), atomic writes (`atomic`), archive reading without extraction (`archive`), YAML and regular
expressions that cannot blow up (`safe_yaml`, `safe_patterns`), and the garbage collector paused where it would only scan what is
allocated (`collector`). Imports nothing of the package."""
