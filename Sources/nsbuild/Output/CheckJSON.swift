import SpecParser

/// `check --format json`: one versioned document for every spec checked, in the order given. Shape:
/// `{"format_version": 2, "specs": [{"spec": PATH, "ok": BOOL, "diagnostics": [DiagnosticJSON…]}]}`.
/// Version 1 was the bare array of one spec's diagnostics that nsbuild printed before `check` took several specs;
/// `format_version` changes on any incompatible change.
struct CheckJSON: Encodable {
  /// One spec's result: `ok` when it has no errors (warnings allowed), as the exit status says.
  struct Entry: Encodable {
    var spec: String
    var ok: Bool
    var diagnostics: [DiagnosticJSON]

    init(spec: String, ok: Bool, diagnostics: [Diagnostic]) {
      self.spec = spec
      self.ok = ok
      self.diagnostics = diagnostics.map(DiagnosticJSON.init)
    }
  }

  static let formatVersion = 2

  var format_version = Self.formatVersion
  var specs: [Entry]
}
