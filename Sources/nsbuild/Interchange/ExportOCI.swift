import ArgumentParser

/// `nsbuild export --format oci`: not built yet.
func exportOCI(_ command: ExportCommand) throws {
  throw ValidationError("export of the oci format is not built yet")
}
