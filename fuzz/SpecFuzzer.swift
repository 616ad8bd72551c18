// libFuzzer entry point for the spec parser, decoder and renderers.
//
// Built by fuzz/run.sh together with every file of Sources/SpecParser into one module, so the internal API is
// visible without `import`. Each input is decoded as a spec (TOML parse, typed decode, cross-field rules), its
// diagnostics are rendered, and, when the bytes are valid TOML, the document is rendered as tagged JSON too.
// A crash, trap, sanitizer report or a run longer than the script's -timeout is a finding.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let source = Array(UnsafeBufferPointer(start: data, count: size))
  let check = SpecDecoder.decode(source: source, file: "fuzz.toml", directory: "/fuzz")
  let rendered = DiagnosticRenderer(color: false).render(check.diagnostics, source: source)
  let colored = DiagnosticRenderer(color: true).render(check.diagnostics, source: source)
  precondition(check.diagnostics.isEmpty == rendered.isEmpty, "renderer dropped or invented diagnostics")
  precondition(colored.count >= rendered.count)
  precondition(check.hasErrors == (check.spec == nil), "a spec must be returned exactly when there are no errors")
  for diagnostic in check.diagnostics {
    let range = diagnostic.range
    precondition(range.start.line >= 1 && range.start.column >= 1, "diagnostic position out of range")
    precondition(range.start.offset >= 0 && range.start.offset <= size, "diagnostic offset out of range")
  }
  if let table = try? TOMLParser.parse(source) {
    _ = TOMLTaggedJSON.render(table)
  }
  return 0
}
