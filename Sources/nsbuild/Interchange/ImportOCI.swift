import ArgumentParser

/// `nsbuild import --format oci`: not built yet.
func importOCI(_ command: ImportCommand) throws {
  throw ValidationError("import of the oci format is not built yet")
}
