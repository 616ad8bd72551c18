import ArgumentParser

/// `nsbuild import --format kubernetes`: not built yet.
func importKubernetes(_ command: ImportCommand) throws {
  throw ValidationError("import of the kubernetes format is not built yet")
}
