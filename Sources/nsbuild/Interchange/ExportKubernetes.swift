import ArgumentParser

/// `nsbuild export --format kubernetes`: not built yet.
func exportKubernetes(_ command: ExportCommand) throws {
  throw ValidationError("export of the kubernetes format is not built yet")
}
